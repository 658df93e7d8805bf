#!/usr/bin/env python3
"""refs.elf-objects: references of relocatable objects against readelf -rW / -sW / -SW.

usage: refs_obj_check.py REFS_DUMP SLICES_C OUTDIR

Compiles fixtures/refs/slices.c with gcc -O2 -c and clang-14 -O2 -c (x86-64). In an object the
references are section + offset: for each R_X86_64_64 (a pointer), R_X86_64_32/32S and
R_X86_64_PC32 (+4: the displacement ends the instruction) relocation readelf -rW lists, the
target is the symbol's section (readelf -sW's Ndx; a section name for section symbols) and its
value plus the addend. Targets in sections that can hold literals (allocated, not writable, not
executable PROGBITS other than .eh_frame) must equal segscan's `reloc` references; a pointer
whose next word in its own section is not relocated and holds 1..(bytes left in the target
section) must be one of its `pair`s, and nothing else; each S("...") slice of the source must be
a pair with its length."""
import os
import re
import struct
import subprocess
import sys


def run(*a):
    return subprocess.run(a, capture_output=True, text=True, check=True).stdout


def main():
    dump, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    slices = [bytes(m, "ascii") for m in re.findall(r'S\("([^"\\]*)"\)', open(src).read())]
    fails = 0
    for cc in ("gcc", "clang-14"):
        obj = os.path.join(out, f"slices-{cc}.o")
        subprocess.run([cc, "-O2", "-c", src, "-o", obj], check=True)
        data = open(obj, "rb").read()
        secs = {}
        byname = {}
        for line in run("readelf", "-SW", obj).splitlines():
            m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
            if m:
                i = int(m.group(1))
                secs[i] = {"name": m.group(2), "type": m.group(3), "off": int(m.group(4), 16),
                           "size": int(m.group(5), 16), "flags": m.group(6)}
                byname[m.group(2)] = i
        lit = {i for i, s in secs.items() if s["type"] == "PROGBITS" and "A" in s["flags"]
               and "W" not in s["flags"] and "X" not in s["flags"]
               and not s["name"].startswith((".eh_frame", ".gcc_except_table", ".sframe"))}
        symsec = {}
        for line in run("readelf", "-sW", obj).splitlines():
            f = line.split()
            if len(f) >= 8 and f[0].endswith(":") and f[6].isdigit():
                symsec.setdefault(f[7], int(f[6]))
        want_reloc, want_pair, tables = set(), set(), []
        cur = None
        for line in run("readelf", "-rW", obj).splitlines():
            m = re.match(r"Relocation section '\.rela?(\S+)'", line)
            if m:
                cur = {"sec": byname.get(m.group(1)), "rows": []}
                tables.append(cur)
                continue
            f = line.split()
            if cur is None or len(f) < 7 or not re.fullmatch(r"[0-9a-f]{16}", f[0]):
                continue
            cur["rows"].append((int(f[0], 16), f[2], int(f[3], 16), f[4], f[5], int(f[6], 16)))
        for t in tables:
            offs = {r[0] for r in t["rows"]}
            for off, typ, val, name, sign, add in t["rows"]:
                if typ not in ("R_X86_64_64", "R_X86_64_32", "R_X86_64_32S", "R_X86_64_PC32"):
                    continue
                tsec = byname.get(name, symsec.get(name))
                if tsec not in lit:
                    continue
                tgt = (val + (add if sign == "+" else -add) + (4 if typ == "R_X86_64_PC32" else 0)) % 2**64
                if tgt >= secs[tsec]["size"]:
                    continue
                want_reloc.add((tsec, tgt))
                ps = secs.get(t["sec"])
                if typ != "R_X86_64_64" or ps is None or off + 8 in offs or ps["type"] != "PROGBITS" \
                        or off + 16 > ps["size"]:
                    continue
                n, = struct.unpack_from("<Q", data, ps["off"] + off + 8)
                if 0 < n <= secs[tsec]["size"] - tgt:
                    want_pair.add((tsec, tgt, n))
        got = run(dump, obj).split("\n")
        got_reloc = {(int(l.split()[3]), int(l.split()[1], 16)) for l in got if l.startswith("reloc ")}
        got_pair = {(int(l.split()[3]), int(l.split()[1], 16), int(l.split()[2]))
                    for l in got if l.startswith("pair ")}
        ok = got_reloc == want_reloc and got_pair == want_pair and len(want_reloc) >= 6
        for sl in slices:
            hits = [(i, data.find(sl, s["off"], s["off"] + s["size"]) - s["off"]) for i, s in secs.items()
                    if i in lit and data.find(sl, s["off"], s["off"] + s["size"]) >= 0]
            if len(hits) != 1 or (hits[0][0], hits[0][1], len(sl)) not in got_pair:
                print(f"  slice {sl!r} at {hits}: not a pair of segscan's")
                ok = False
        print(f"{obj}: {len(want_reloc)} targets in literal sections (segscan {len(got_reloc)}), "
              f"{len(want_pair)} slices (segscan {len(got_pair)}): {'ok' if ok else 'FAIL'}")
        if not ok:
            fails += 1
            print("  reloc only segscan", sorted(got_reloc - want_reloc), "only oracle", sorted(want_reloc - got_reloc))
            print("  pair only segscan", sorted(got_pair - want_pair), "only oracle", sorted(want_pair - got_pair))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
