#!/usr/bin/env python3
"""Every broken Mach-O/universal fixture must exit 3 with exactly one line on stderr that names
the path, contains the expected phrase, and gives the expected file offset. Every hostile one
(BROKEN_DIR/hostile: fixup programs built to make a reader loop or allocate without bound) must
be reported (exit 0) within seconds, with the expected warning.

usage: macho_broken.py SEGSCAN BROKEN_DIR   (BROKEN_DIR/expect.tsv from fixtures/macho/mkbroken.py)
"""
import json
import os
import re
import subprocess
import sys


def main():
    segscan, d = sys.argv[1], sys.argv[2]
    failures, n = [], 0
    with open(os.path.join(d, "expect.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for name, phrase, offset in rows:
        n += 1
        path = os.path.join(d, name)
        r = subprocess.run([segscan, path], capture_output=True, text=True, timeout=60)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        why = None
        if r.returncode != 3:
            why = f"exit {r.returncode}, expected 3"
        elif len(lines) != 1:
            why = f"{len(lines)} lines on stderr, expected 1: {lines}"
        else:
            line = lines[0]
            # the diagnostic's own offset is the last one the line names
            m = (re.findall(r"offset (0x[0-9a-fA-F]+|\d+)", line) or [None])[-1]
            if path not in line:
                why = f"path missing: {line}"
            elif phrase not in line:
                why = f"phrase {phrase!r} missing: {line}"
            elif m is None or int(m, 0) != int(offset):
                why = f"offset {int(offset):#x} expected: {line}"
        if why:
            failures.append(f"{name}: {why}")
        else:
            print(f"ok   {name}: {lines[0]}")
    hdir = os.path.join(d, "hostile")
    with open(os.path.join(hdir, "hostile.tsv")) as f:
        hrows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for name, phrase in hrows:
        n += 1
        path = os.path.join(hdir, name)
        try:
            r = subprocess.run([segscan, "--format", "json", path], capture_output=True,
                               text=True, timeout=20)
        except subprocess.TimeoutExpired:
            failures.append(f"{name}: no answer within 20s")
            continue
        if r.returncode != 0:
            failures.append(f"{name}: exit {r.returncode}, expected 0: {r.stderr.strip()}")
            continue
        warnings = [w["message"] for img in json.loads(r.stdout)["images"]
                    for w in img["warnings"]]
        if not any(phrase in w for w in warnings):
            failures.append(f"{name}: no warning with {phrase!r}: {warnings}")
        else:
            print(f"ok   {name}: {warnings}")
    for f in failures:
        print("FAIL " + f)
    print(f"macho_broken: {n - len(failures)} passed, {len(failures)} failed")
    return 1 if failures or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
