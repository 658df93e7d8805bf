#!/usr/bin/env python3
"""symbols_datasrc.py SEGSCAN FIXTURES - the -d tables of the text report (issue 18).

Checked against stat, readelf -SW and the sources: the TOTAL row's file column is the file's
size for every source (segments, sections, symbols, members), the rows are sorted by file size
(-s vm: by memory size), -n keeps N rows per level and the "[K others]" row holds the rest
(rows still add up), a two-level table puts DATA (10000 bytes, the source) under .data whose
row is readelf's size, and bad -d lists are usage errors (exit 2)."""
import os
import re
import subprocess
import sys

SEGSCAN, FIX = sys.argv[1:3]
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def table(*args):
    p = subprocess.run([SEGSCAN, "-q", *args], capture_output=True, text=True)
    check(p.returncode == 0, "%s: exit %d %s" % (args, p.returncode, p.stderr))
    rows = []
    for line in p.stdout.splitlines():
        m = re.match(r"  +(\d+) \S+(?: \S+)? +(\d+) \S+(?: \S+)? +\S+  ( *)(.*)$", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    return rows


def readelf_size(path, name):
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
    m = re.search(r"\]\s+%s\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)" % re.escape(name), out)
    return int(m.group(1), 16)


c = os.path.join(FIX, "where-c-elf")
size = os.path.getsize(c)
for src in ("segments", "sections", "symbols", "segments,sections", "sections,symbols",
            "segments,symbols"):
    for n in ([], ["-n", "3"]):
        rows = table("-d", src, *n, c)
        check(rows and rows[-1][3] == "TOTAL", "-d %s %s: no TOTAL row" % (src, n))
        if not rows:
            continue
        check(rows[-1][0] == size, "-d %s %s: TOTAL file %d, stat %d" % (src, n, rows[-1][0], size))
        top = [r for r in rows[:-1] if r[2] == 0]
        check(sum(r[0] for r in top) == size, "-d %s %s: top rows sum to %d, stat %d" % (
            src, n, sum(r[0] for r in top), size))
        check([r[0] for r in top] == sorted((r[0] for r in top if not r[3].startswith("[") or
                                             "others" not in r[3]), reverse=True) +
              [r[0] for r in top if "other" in r[3] and r[3].startswith("[") and r[3].endswith("]")
               and re.match(r"\[\d+ others?\]", r[3])],
              "-d %s %s: rows not by file size: %s" % (src, n, [r[0] for r in top]))
        if n:
            check(len([r for r in top if not re.match(r"\[\d+ others?\]", r[3])]) <= 3,
                  "-d %s -n 3: more than 3 rows" % src)

rows = table("-d", "sections,symbols", c)
data = [i for i, r in enumerate(rows) if r[2] == 0 and r[3] == ".data"]
check(len(data) == 1, "no .data row")
if data:
    i = data[0]
    check(rows[i][0] == readelf_size(c, ".data"), ".data row %d, readelf %d" % (
        rows[i][0], readelf_size(c, ".data")))
    kids = []
    for r in rows[i + 1:]:
        if r[2] == 0:
            break
        kids.append(r)
    check(("DATA" in [k[3] for k in kids]) and [k for k in kids if k[3] == "DATA"][0][0] == 10000,
          "DATA (10000 bytes) not under .data: %s" % kids)
    check(sum(k[0] for k in kids) == rows[i][0], ".data's symbols do not add up: %s" % kids)

rows = table("-d", "symbols", "-s", "vm", c)
vms = [r[1] for r in rows[:-1]]
check(vms == sorted(vms, reverse=True), "-s vm: rows not by memory size: %s" % vms[:10])
check(any(r[3] == "BUFFER" and r[1] == 10000 and r[0] == 0 for r in rows), "BUFFER row: %s" % rows[:5])

lib = os.path.join(FIX, "where-lib.a")
rows = table("-d", "members", lib)
check(rows and rows[-1][0] == os.path.getsize(lib), "members: TOTAL %s, stat %d" % (
    rows[-1] if rows else None, os.path.getsize(lib)))
check({"where-c-elf.o", "names-cpp.o"} <= {r[3] for r in rows}, "members: %s" % rows)
rows = table("-d", "members,symbols", lib)
check(rows and rows[-1][0] == os.path.getsize(lib), "members,symbols: TOTAL %s" % (rows[-1:],))

for bad in ("bogus", "symbols,sections", "sections,sections", "members,segments,symbols", ""):
    p = subprocess.run([SEGSCAN, "-d", bad, c], capture_output=True, text=True)
    check(p.returncode == 2, "-d %r: exit %d, want 2" % (bad, p.returncode))
p = subprocess.run([SEGSCAN, "-s", "size", c], capture_output=True, text=True)
check(p.returncode == 2, "-s size: exit %d" % p.returncode)
# The default report is unchanged by the new options' existence.
p = subprocess.run([SEGSCAN, c], capture_output=True, text=True)
check("Sections" in p.stdout or "section" in p.stdout, "default report changed")

for f in fails:
    print("FAIL:", f)
print("symbols_datasrc: %d failures" % len(fails))
sys.exit(1 if fails else 0)
