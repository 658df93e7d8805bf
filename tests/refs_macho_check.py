#!/usr/bin/env python3
"""refs.macho-rebase: segscan's references from Mach-O rebase opcodes against llvm-objdump-14.

usage: refs_macho_check.py REFS_DUMP SLICES_C LIBSYSTEM_TBD OUTDIR

Builds fixtures/refs/slices.c for x86_64 and arm64 macOS (clang-14, ld64.lld-14 against the
fixtures' libSystem.tbd stub). ld64.lld-14 writes rebase opcodes (LC_DYLD_INFO_ONLY), never
chained fixups, so this checks the opcode path; the chained path is checked by
refs.macho-chained. The oracle: `llvm-objdump-14 --macho --rebase` lists the rebased pointers,
`llvm-readobj-14 --sections` the sections, and the word at each place is read from the file
here. A target in a literal section of __TEXT (C strings, fixed-size literals, __const) must be
one of segscan's `reloc` references and nothing else may be; a rebased pointer whose next word,
in the same section, is not rebased and holds 1..(bytes left in the target's section) must be
one of its `pair`s and nothing else may be; each S("...") slice of the source must be a pair
with its own length; on x86_64 the `code` references must equal llvm-objdump-14's rip-relative
lea targets in those sections."""
import os
import re
import struct
import subprocess
import sys

LIT_TYPES = ("CStringLiterals", "4ByteLiterals", "8ByteLiterals", "16ByteLiterals")


def run(*a):
    return subprocess.run(a, capture_output=True, text=True, check=True).stdout


def sections(path):
    out = run("llvm-readobj-14", "--sections", path)
    secs = []
    for blk in out.split("Section {")[1:]:
        secs.append({
            "name": re.search(r"Name: (\S+)", blk).group(1),
            "seg": re.search(r"Segment: (\S+)", blk).group(1),
            "addr": int(re.search(r"Address: (0x[0-9A-Fa-f]+)", blk).group(1), 16),
            "size": int(re.search(r"Size: (0x[0-9A-Fa-f]+)", blk).group(1), 16),
            "off": int(re.search(r"Offset: (\d+)", blk).group(1)),
            "type": re.search(r"Type: (\S+)", blk).group(1),
        })
    return secs


def literal(s):
    return s["seg"] == "__TEXT" and (s["type"] in LIT_TYPES or s["name"] == "__const")


def main():
    dump, src, tbd, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    slices = [bytes(m, "ascii") for m in re.findall(r'S\("([^"\\]*)"\)', open(src).read())]
    if not slices:
        print("no S(...) slices in", src)
        return 1
    fails = 0
    for arch in ("x86_64", "arm64"):
        obj, exe = f"{out}/slices-{arch}.o", f"{out}/slices-{arch}"
        subprocess.run(["clang-14", "-target", f"{arch}-apple-macos11", "-O1", "-ffreestanding",
                        "-fno-stack-protector", "-fno-builtin", "-c", src, "-o", obj], check=True)
        subprocess.run(["ld64.lld-14", "-arch", arch, "-platform_version", "macos", "11.0", "11.0",
                        "-e", "_main", obj, tbd, "-o", exe], check=True)
        data = open(exe, "rb").read()
        secs = sections(exe)
        lits = [s for s in secs if literal(s)]

        def sec_of(a):
            for s in secs:
                if s["addr"] <= a < s["addr"] + s["size"] and s["off"]:
                    return s
            return None

        def word(a, site):
            s = sec_of(a)
            if s is None or s is not sec_of(site) or a + 8 > s["addr"] + s["size"]:
                return None
            return struct.unpack_from("<Q", data, s["off"] + a - s["addr"])[0]

        def lit_end(a):
            for s in lits:
                if s["addr"] <= a < s["addr"] + s["size"]:
                    return s["addr"] + s["size"]
            return None

        reb = run("llvm-objdump-14", "--macho", "--rebase", exe)
        fixes = {}
        for m in re.finditer(r"^\S+\s+\S+\s+(0x[0-9A-Fa-f]+)\s+pointer$", reb, re.M):
            a = int(m.group(1), 16)
            w = word(a, a)
            if w is not None:
                fixes[a] = w
        want_reloc = {t for t in fixes.values() if lit_end(t)}
        want_pair = set()
        for site, t in fixes.items():
            end = lit_end(t)
            if end is None or site + 8 in fixes:
                continue
            n = word(site + 8, site)
            if n is not None and 0 < n <= end - t:
                want_pair.add((t, n))
        got = run(dump, exe).split("\n")
        got_reloc = {int(l.split()[1], 16) for l in got if l.startswith("reloc ")}
        got_pair = {(int(l.split()[1], 16), int(l.split()[2])) for l in got if l.startswith("pair ")}
        got_code = {int(l.split()[1], 16) for l in got if l.startswith("code ")}
        ok = got_reloc == want_reloc and got_pair == want_pair and len(want_reloc) >= 6
        for sl in slices:
            vas = [s["addr"] + m.start() - s["off"] for m in re.finditer(re.escape(sl), data)
                   for s in secs if s["off"] <= m.start() < s["off"] + s["size"]]
            if len(vas) != 1 or (vas[0], len(sl)) not in got_pair:
                print(f"  slice {sl!r} at {[hex(v) for v in vas]}: not a pair of segscan's")
                ok = False
        if arch == "x86_64":
            dis = run("llvm-objdump-14", "-d", "--no-show-raw-insn", exe)
            want_code = {int(m, 16) for m in re.findall(r"\blea\w*\s+-?\d+\(%rip\).*## (0x[0-9a-f]+)", dis)
                         if lit_end(int(m, 16))}
            if got_code != want_code or not want_code:
                print(f"  code: segscan {sorted(map(hex, got_code))}, objdump {sorted(map(hex, want_code))}")
                ok = False
        print(f"{exe}: {len(fixes)} rebased pointers, {len(want_reloc)} targets in literal sections "
              f"(segscan {len(got_reloc)}), {len(want_pair)} slices (segscan {len(got_pair)}), "
              f"{len(got_code)} code loads: {'ok' if ok else 'FAIL'}")
        if not ok:
            fails += 1
            for what, a, b in (("reloc", got_reloc, want_reloc), ("pair", got_pair, want_pair)):
                if a - b:
                    print(f"  {what} only segscan: {sorted(a - b)[:10]}")
                if b - a:
                    print(f"  {what} only oracle: {sorted(b - a)[:10]}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
