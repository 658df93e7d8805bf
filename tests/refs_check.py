#!/usr/bin/env python3
"""References into read-only data (issue 19, item 2) against readelf.

    refs_check.py REFS_DUMP --build SRC OUTDIR FILE...

--build compiles the fixture SRC (fixtures/refs/slices.c) four ways into OUTDIR and checks those
too: gcc PIE (RELA), clang-14 + lld PIE with RELR, and AArch64 shared objects by clang-14 + lld
(RELA and RELR); there the three slices of the source must be found with their lengths.

For each ELF file, the pointers its dynamic relocations fill are computed from `readelf -rW`
alone (RELATIVE: the addend; absolute and GLOB_DAT: the symbol's value plus the addend; RELR:
the word at each offset readelf lists, read from the file through `readelf -SW`'s section
table), and kept when the target lies in a section that can hold literals (allocated, not
writable, not executable, PROGBITS, not unwind or exception tables). The set of targets must
equal segscan's `reloc` references. Slices: every fixed pointer into such a section whose next
word is not fixed and holds 1..(bytes left in the section) must be one of segscan's `pair`
references, and no other. Each file must have at least one reference of each kind asked for.
"""
import os
import re
import struct
import subprocess
import sys

NOT_LITERAL = (".eh_frame", ".eh_frame_hdr", ".gcc_except_table", ".sframe", ".interp")


def sections(path):
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True, check=True).stdout
    secs = []
    for m in re.finditer(r"^\s*\[\s*\d+\]\s+(\S*)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+"
                         r"[0-9a-f]+\s+(\S*)", out, re.M):
        name, typ, addr, off, size, flags = m.groups()
        secs.append(dict(name=name, type=typ, addr=int(addr, 16), off=int(off, 16),
                         size=int(size, 16), flags=flags))
    return secs


def literal(s):
    return ("A" in s["flags"] and "W" not in s["flags"] and "X" not in s["flags"]
            and s["type"] == "PROGBITS" and s["size"] > 0
            and not any(s["name"] == n or s["name"].startswith(n + ".") for n in NOT_LITERAL))


SLICES = [b"refs fixture: the first slice of text",
          b"refs fixture: a second, longer slice of text, forty-odd bytes",
          b"refs fixture: third"]


def build(src, out):
    os.makedirs(out, exist_ok=True)
    lld = ["-fuse-ld=lld", "-nostdlib", "-shared", "-fPIC", "--target=aarch64-linux-gnu"]
    plans = {
        "s_gcc": ["gcc", "-O2", "-fPIE", "-pie"],
        "s_relr": ["clang-14", "-O2", "-fPIE", "-pie", "-fuse-ld=lld", "-Wl,--pack-dyn-relocs=relr"],
        "s_a64.so": ["clang-14", "-O2"] + lld,
        "s_a64_relr.so": ["clang-14", "-O2"] + lld + ["-Wl,--pack-dyn-relocs=relr"],
    }
    built = []
    for name, cmd in plans.items():
        subprocess.run(cmd + ["-o", os.path.join(out, name), src], check=True)
        built.append(os.path.join(out, name))
    return built


def main():
    dump, args = sys.argv[1], sys.argv[2:]
    fixtures = []
    if args[:1] == ["--build"]:
        fixtures = build(args[1], args[2])
        args = args[3:]
    files = fixtures + args
    bad = 0
    for path in files:
        data = open(path, "rb").read()
        secs = sections(path)
        lits = [s for s in secs if literal(s)]
        filed = [s for s in secs if "A" in s["flags"] and s["type"] != "NOBITS" and s["size"]]

        def lit_end(a):
            for s in lits:
                if s["addr"] <= a < s["addr"] + s["size"]:
                    return s["addr"] + s["size"]
            return None

        def word(a, site=None):
            """The word at a; with site, only when site lies in the same section (a slice's
            length is part of its object: the word after .data.rel.ro's last pointer is
            .dynamic's first tag)."""
            for s in filed:
                if s["addr"] <= a and a + 8 <= s["addr"] + s["size"]:
                    if site is not None and not s["addr"] <= site < s["addr"] + s["size"]:
                        return None
                    return struct.unpack_from("<Q", data, s["off"] + a - s["addr"])[0]
            return None

        rel = subprocess.run(["readelf", "-rW", path], capture_output=True, text=True, check=True).stdout
        fixes = {}
        relr = False
        for line in rel.splitlines():
            if line.startswith("Relocation section"):
                relr = ".relr" in line
                continue
            f = line.split()
            if relr and len(f) == 1 and re.fullmatch(r"[0-9a-f]{16}", f[0]):
                a = int(f[0], 16)
                w = word(a)
                if w is not None:
                    fixes[a] = w
                continue
            if len(f) < 4 or not re.fullmatch(r"[0-9a-f]{16}", f[0]):
                continue
            off, typ = int(f[0], 16), f[2]
            if typ in ("R_X86_64_RELATIVE", "R_AARCH64_RELATIVE"):
                fixes[off] = int(f[3], 16)
            elif typ in ("R_X86_64_64", "R_X86_64_GLOB_DAT", "R_AARCH64_ABS64", "R_AARCH64_GLOB_DAT"):
                # offset info type value name +|- addend (a name holds no blank)
                if len(f) >= 7 and f[-2] in "+-":
                    v = int(f[3], 16) + (1 if f[-2] == "+" else -1) * int(f[-1], 16)
                    fixes[off] = v & (2**64 - 1)
        want_reloc = {t for t in fixes.values() if lit_end(t) is not None}
        want_pair = set()
        for site, t in fixes.items():
            end = lit_end(t)
            if end is None or site + 8 in fixes:
                continue
            n = word(site + 8, site)
            if n is not None and 0 < n <= end - t:
                want_pair.add((t, n))
        got = subprocess.run([dump, path], capture_output=True, text=True, check=True).stdout.split("\n")
        got_reloc = {int(l.split()[1], 16) for l in got if l.startswith("reloc ")}
        got_pair = {(int(l.split()[1], 16), int(l.split()[2])) for l in got if l.startswith("pair ")}
        ok = got_reloc == want_reloc and got_pair == want_pair and want_reloc
        if path in fixtures:  # the source's slices, each found by its bytes in .rodata
            for text in SLICES:
                at = [s["addr"] + data.find(text, s["off"], s["off"] + s["size"]) - s["off"]
                      for s in lits if data.find(text, s["off"], s["off"] + s["size"]) >= 0]
                if len(at) != 1 or (at[0], len(text)) not in got_pair:
                    print(f"  slice {text!r} at {[hex(a) for a in at]}: not a pair of segscan's")
                    ok = False
        print(f"{path}: {len(fixes)} fixed pointers, {len(want_reloc)} targets in literal sections "
              f"(segscan {len(got_reloc)}), {len(want_pair)} slices (segscan {len(got_pair)}): "
              f"{'ok' if ok else 'MISMATCH'}")
        if not ok:
            bad += 1
            for what, a, b in (("reloc", got_reloc, want_reloc), ("pair", got_pair, want_pair)):
                print(f"  {what}: segscan only {sorted(a - b)[:5]}, readelf only {sorted(b - a)[:5]}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
