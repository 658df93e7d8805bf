#!/usr/bin/env python3
"""refs.rust-slices: Rust &str literals found as (pointer, length) pairs, against the source.

usage: refs_rust_check.py REFS_DUMP SLICES_RS OUTDIR

Builds fixtures/refs/slices.rs with Debian's rustc (-O; its default output is a PIE, so the
pointers are RELATIVE relocations). Every string literal of the source that starts with "refs rust fixture" is a
&str stored in a static: a pointer fixed at load time followed by its length. Each must be
found in the file's read-only data exactly once (searched here) and reported by segscan as a
`pair` at that address with the literal's length in bytes; the literals' addresses must also
be `reloc` targets."""
import os
import re
import subprocess
import sys


def main():
    dump, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    lits = [m.encode() for m in re.findall(r'"(refs rust fixture[^"\\]*)"', open(src).read())]
    if len(lits) < 5:
        print("expected at least 5 literals in", src)
        return 1
    exe = os.path.join(out, "slices-rs")
    subprocess.run(["rustc", "-O", "--edition", "2021", src, "-o", exe], check=True)
    data = open(exe, "rb").read()
    secs = []
    for line in subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            secs.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16)))
    got = subprocess.run([dump, exe], capture_output=True, text=True, check=True).stdout.split("\n")
    pairs = {(int(l.split()[1], 16), int(l.split()[2])) for l in got if l.startswith("pair ")}
    relocs = {int(l.split()[1], 16) for l in got if l.startswith("reloc ")}
    ok = True
    for lit in lits:
        offs = [m.start() for m in re.finditer(re.escape(lit), data)]
        vas = [a + o - off for o in offs for name, a, off, size in secs
               if off <= o < off + size and a]
        if len(vas) != 1:
            print(f"  {lit!r}: {len(vas)} copies in allocated sections (want 1)")
            ok = False
            continue
        va = vas[0]
        found = (va, len(lit)) in pairs and va in relocs
        print(f"  {lit.decode()!r} at {va:#x}, {len(lit)} bytes: "
              f"{'pair' if found else 'NOT a pair'} of segscan's")
        ok = ok and found
    print(f"{exe}: {len(lits)} literals, segscan {len(pairs)} pairs, {len(relocs)} reloc targets: "
          f"{'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
