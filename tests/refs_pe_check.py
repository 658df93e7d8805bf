#!/usr/bin/env python3
"""refs.pe-basereloc: segscan's references from PE base relocations against llvm-readobj-14.

usage: refs_pe_check.py REFS_DUMP SLICES_C OUTDIR

Builds fixtures/refs/slices.c for x86-64, ARM64 and i386 Windows (clang-14, lld-link; freestanding,
/dynamicbase so the image keeps its base relocations). The oracle: `llvm-readobj-14
--coff-basereloc` lists the relocated places (DIR64 / HIGHLOW), `llvm-readobj-14 --sections
--file-headers` the ImageBase and the section table, and the pointer at each place is read from
the file here. A target inside a read-only initialized-data section other than .pdata/.xdata
(what segscan's PE reader calls literal-capable) must be one of segscan's `reloc` references and
nothing else may be; a fixed pointer whose next word, in the same section, is not relocated and
holds 1..(bytes left in the target's section) must be one of its `pair`s and nothing else may be.
Each slice the source writes as S("...") must be found as a pair with its own length, and on
x86-64 the `code` references must equal the `lea` targets of `llvm-objdump-14 -d` that land in
those sections."""
import re
import struct
import subprocess
import sys
import os

SCN_CODE, SCN_INIT, SCN_EXEC, SCN_READ, SCN_WRITE = 0x20, 0x40, 0x20000000, 0x40000000, 0x80000000


def run(*a):
    return subprocess.run(a, capture_output=True, text=True, check=True).stdout


def sections(path):
    out = run("llvm-readobj-14", "--file-headers", "--sections", path)
    base = int(re.search(r"ImageBase: (0x[0-9A-Fa-f]+)", out).group(1), 16)
    secs = []
    for blk in out.split("Section {")[1:]:
        g = lambda k: re.search(k + r": (\S+)", blk).group(1)
        secs.append({
            "name": re.search(r"Name: (\S+)", blk).group(1),
            "va": base + int(g("VirtualAddress"), 16), "vsize": int(g("VirtualSize"), 16),
            "raw": int(g("PointerToRawData"), 16), "rawsize": int(g("RawDataSize"), 0),
            "chars": int(re.search(r"Characteristics \[ \((0x[0-9A-Fa-f]+)\)", blk).group(1), 16),
        })
    return base, secs


def literal(s):
    c = s["chars"]
    return (c & SCN_INIT and c & SCN_READ and not c & (SCN_WRITE | SCN_EXEC | SCN_CODE)
            and s["name"] not in (".pdata", ".xdata"))


def main():
    dump, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    text = open(src).read()
    slices = [bytes(m, "ascii") for m in re.findall(r'S\("([^"\\]*)"\)', text)]
    if not slices:
        print("no S(...) slices in", src)
        return 1
    fails = 0
    for triple, n, ptr in (("x86_64", "x64", 8), ("aarch64", "arm64", 8), ("i686", "x86", 4)):
        obj, exe = f"{out}/slices-{n}.obj", f"{out}/slices-{n}.exe"
        subprocess.run(["clang-14", f"--target={triple}-pc-windows-msvc", "-O1", "-ffreestanding",
                        "-fno-stack-protector", "-fno-builtin", "-c", src, "-o", obj], check=True)
        subprocess.run(["lld-link", "/nodefaultlib", "/entry:main", "/subsystem:console",
                        "/dynamicbase", obj, f"/out:{exe}"], check=True)
        data = open(exe, "rb").read()
        base, secs = sections(exe)
        lits = [s for s in secs if literal(s)]

        def sec_of(a, ss):
            for s in ss:
                if s["va"] <= a < s["va"] + min(s["vsize"] or s["rawsize"], s["rawsize"]):
                    return s
            return None

        def word(a, site):
            s = sec_of(a, secs)
            if s is None or s is not sec_of(site, secs) or a + ptr > s["va"] + min(s["vsize"], s["rawsize"]):
                return None
            return struct.unpack_from("<Q" if ptr == 8 else "<I", data, s["raw"] + a - s["va"])[0]

        def lit_end(a):
            for s in lits:
                if s["va"] <= a < s["va"] + s["vsize"]:
                    return s["va"] + s["vsize"]
            return None

        rel = run("llvm-readobj-14", "--coff-basereloc", exe)
        places = set()
        fixes = {}
        for typ, addr in re.findall(r"Type: (\w+)\s+Address: (0x[0-9A-Fa-f]+)", rel):
            a = base + int(addr, 16)
            if typ == "ABSOLUTE":
                continue
            places.add(a)
            if typ == ("DIR64" if ptr == 8 else "HIGHLOW"):
                w = word(a, a)
                if w is not None:
                    fixes[a] = w
        want_reloc = {t for t in fixes.values() if lit_end(t)}
        want_pair = set()
        for site, t in fixes.items():
            end = lit_end(t)
            if end is None or site + ptr in places:
                continue
            ln = word(site + ptr, site)
            if ln is not None and 0 < ln <= end - t:
                want_pair.add((t, ln))
        got = run(dump, exe).split("\n")
        got_reloc = {int(l.split()[1], 16) for l in got if l.startswith("reloc ")}
        got_pair = {(int(l.split()[1], 16), int(l.split()[2])) for l in got if l.startswith("pair ")}
        got_code = {int(l.split()[1], 16) for l in got if l.startswith("code ")}
        ok = got_reloc == want_reloc and got_pair == want_pair and len(want_reloc) >= 6
        for sl in slices:
            at = [m.start() for m in re.finditer(re.escape(sl), data)]
            vas = [s["va"] + o - s["raw"] for o in at for s in secs
                   if s["raw"] <= o < s["raw"] + s["rawsize"]]
            if len(vas) != 1 or (vas[0], len(sl)) not in got_pair:
                print(f"  slice {sl!r} at {[hex(v) for v in vas]}: not a pair of segscan's")
                ok = False
        if n == "x64":
            dis = run("llvm-objdump-14", "-d", "--no-show-raw-insn", exe)
            want_code = {int(m, 16) for m in re.findall(r"\blea\w*\s.*# (0x[0-9a-f]+)", dis)
                         if lit_end(int(m, 16))}
            if got_code != want_code or not want_code:
                print(f"  code: segscan {sorted(map(hex, got_code))}, objdump {sorted(map(hex, want_code))}")
                ok = False
        print(f"{exe}: {len(fixes)} fixed pointers, {len(want_reloc)} targets in literal sections "
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
