#!/usr/bin/env python3
"""refs.macho-chained: references from Mach-O chained fixups, against the layout written here.

usage: refs_chained.py REFS_DUMP SLICES_C OUTDIR

ld64.lld-14 cannot write chained fixups (LC_DYLD_CHAINED_FIXUPS), and llvm-objdump-14 cannot
print them, so the oracle is this script: it lays out small arm64 executables (as
fixtures/macho/mkchained.py does) whose __TEXT,__cstring holds the S("...") slices of
fixtures/refs/slices.c and whose __DATA_CONST,__const holds what the C source declares: the
three slices as (pointer, length) and a table of two plain pointers and a null, the pointers
being chained rebases. Each pointer format is encoded here from Apple's
<mach-o/fixup-chains.h> layout: DYLD_CHAINED_PTR_64_OFFSET (targets are offsets from the
image's base), DYLD_CHAINED_PTR_64 (addresses) and DYLD_CHAINED_PTR_ARM64E (a plain rebase holds
an address; the last pointer is an authenticated rebase, holding an offset), and one bind is
put in the chain between the table's pointers. segscan's `reloc` references must be exactly the
five string addresses and its `pair`s exactly the three slices with their lengths."""
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "macho"))
from mkchained import seg, LC_DYLD_CHAINED_FIXUPS, LC_SYMTAB, LC_MAIN  # noqa: E402

PAGE, BASE = 0x4000, 0x100000000


def build(fmt, stride, subtype, slices, words):
    text, dconst, link = 0, PAGE, 2 * PAGE
    cstr = 0x3000
    pool = b""
    where = {}
    for s in slices + words:
        where[s] = cstr + len(pool)
        pool += s + b"\0"
    file = bytearray(link)
    file[cstr:cstr + len(pool)] = pool
    file[0x3f00:0x3f04] = b"\xc0\x03\x5f\xd6"  # ret
    # __const: the slices (pointer, length), then words[]: two pointers, a bind, a null
    entries = []  # (offset in __const, kind, target offset from BASE)
    for i, s in enumerate(slices):
        entries.append((16 * i, "rebase", where[s]))
        struct.pack_into("<Q", file, dconst + 16 * i + 8, len(s))
    t = 16 * len(slices)
    entries.append((t, "rebase", where[words[0]]))
    entries.append((t + 8, "bind", 0))
    entries.append((t + 16, "auth" if fmt == 1 else "rebase", where[words[1]]))
    const_size = t + 32
    for i, (o, kind, off) in enumerate(entries):
        nxt = (entries[i + 1][0] - o) // stride if i + 1 < len(entries) else 0
        if kind == "bind":
            v = (1 << 63) if fmt != 1 else (1 << 62)  # import 0
        elif fmt == 6:
            v = off
        elif fmt == 2:
            v = BASE + off
        elif kind == "auth":
            v = (1 << 63) | off
        else:
            v = BASE + off  # ARM64E plain rebase: the address, 43 bits
        v |= nxt << 51
        struct.pack_into("<Q", file, dconst + o, v)

    def starts_in_segment(segoff, page_starts):
        b = struct.pack("<IHHQIH", 22 + 2 * len(page_starts), PAGE, fmt, segoff, 0, len(page_starts))
        b += b"".join(struct.pack("<H", p) for p in page_starts)
        return b + b"\0" * (-len(b) % 8)

    s_const = starts_in_segment(dconst, [0])
    seg_count = 4
    image = 4 + 4 * seg_count
    image += -image % 8
    starts = struct.pack("<I", seg_count) + struct.pack("<4I", 0, 0, image, 0)
    starts += b"\0" * (image - len(starts)) + s_const
    starts_offset = 32
    imports_offset = starts_offset + len(starts)
    imports = struct.pack("<I", 1 | (1 << 9))
    symbols_offset = imports_offset + len(imports)
    symbols = b"\0_puts\0"
    hdr = struct.pack("<7I", 0, starts_offset, imports_offset, symbols_offset, 1, 1, 0)
    blob = hdr + b"\0" * (starts_offset - len(hdr)) + starts + imports + symbols
    blob += b"\0" * (-len(blob) % 8)
    file += blob
    cmds = b"".join([
        seg(b"__PAGEZERO", 0, BASE, 0, 0, 0, 0, []),
        seg(b"__TEXT", BASE, PAGE, 0, PAGE, 5, 0,
            [(b"__cstring", b"__TEXT", BASE + cstr, len(pool), cstr, 0, 0x2),
             (b"__text", b"__TEXT", BASE + 0x3f00, 0x100, 0x3f00, 2, 0x80000400)]),
        seg(b"__DATA_CONST", BASE + dconst, PAGE, dconst, PAGE, 3, 0x10,
            [(b"__const", b"__DATA_CONST", BASE + dconst, const_size, dconst, 3, 0)]),
        seg(b"__LINKEDIT", BASE + link, PAGE, link, len(blob), 1, 0, []),
        struct.pack("<IIII", LC_DYLD_CHAINED_FIXUPS, 16, link, len(blob)),
        struct.pack("<IIIIII", LC_SYMTAB, 24, 0, 0, 0, 0),
        struct.pack("<IIQQ", LC_MAIN, 24, 0x3f00, 0),
    ])
    header = struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, subtype, 2, 7, len(cmds), 0x200085, 0)
    file[0:len(header) + len(cmds)] = header + cmds
    want_reloc = {BASE + off for _, kind, off in entries if kind != "bind"}
    want_pair = {(BASE + where[s], len(s)) for s in slices}
    return bytes(file), want_reloc, want_pair


def main():
    dump, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    text = open(src).read()
    slices = [bytes(m, "ascii") for m in re.findall(r'S\("([^"\\]*)"\)', text)]
    words = [bytes(m, "ascii") for m in re.findall(r'"(refs word [^"]*)"', text)][:2]
    if len(slices) != 3 or len(words) != 2:
        print("slices.c does not hold 3 slices and 2 words:", slices, words)
        return 1
    fails = 0
    for name, fmt, stride, sub in (("64_OFFSET", 6, 4, 0), ("64", 2, 4, 0), ("ARM64E", 1, 8, 2)):
        data, want_reloc, want_pair = build(fmt, stride, sub, slices, words)
        path = os.path.join(out, f"chained-{name}")
        with open(path, "wb") as f:
            f.write(data)
        got = subprocess.run([dump, path], capture_output=True, text=True, check=True).stdout.split("\n")
        got_reloc = {int(l.split()[1], 16) for l in got if l.startswith("reloc ")}
        got_pair = {(int(l.split()[1], 16), int(l.split()[2])) for l in got if l.startswith("pair ")}
        ok = got_reloc == want_reloc and got_pair == want_pair
        print(f"{path}: {len(want_reloc)} targets (segscan {len(got_reloc)}), {len(want_pair)} slices "
              f"(segscan {len(got_pair)}): {'ok' if ok else 'FAIL'}")
        if not ok:
            fails += 1
            print("  segscan:", sorted(map(hex, got_reloc)), sorted(got_pair))
            print("  layout: ", sorted(map(hex, want_reloc)), sorted(want_pair))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
