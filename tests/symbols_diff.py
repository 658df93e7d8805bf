#!/usr/bin/env python3
"""symbols_diff.py SEGSCAN FIXTURES DIFF_SCHEMA - `segscan diff -d symbols` (issue 18).

grow-base and grow-new are one source built twice (fixtures/symbols/grow.c): TABLE grows,
SHRINK shrinks, ADDED appears, GONE disappears. The expected changes come from nm -S of the two
files (sizes of the objects, all in .data, so file bytes equal memory bytes), never from
segscan: every symbol nm gives different sizes for must be a row with those sizes, in order of
the largest change first, and none that nm gives equal sizes for; in JSON (validated against
the diff schema), text, CSV and Markdown."""
import csv
import io
import json
import subprocess
import sys

import jsonschema

SEGSCAN, FIX, SCHEMA = sys.argv[1:4]
base, new = FIX + "/grow-base", FIX + "/grow-new"
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def nm(path):
    out = subprocess.run(["nm", "-S", path], capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "Dd":
            syms[f[3]] = int(f[1], 16)
    return syms


a, b = nm(base), nm(new)
want = {}
for name in set(a) | set(b):
    if a.get(name) != b.get(name):
        want[name] = (a.get(name), b.get(name))
check({"TABLE", "SHRINK", "ADDED", "GONE"} <= set(want), "nm sees no changes: %s" % want)


def run(*args):
    return subprocess.run([SEGSCAN, "diff", "-d", "symbols", *args, base, new], capture_output=True,
                          text=True)


p = run("-f", "json")
check(p.returncode == 0, "json: exit %d %s" % (p.returncode, p.stderr))
doc = json.loads(p.stdout)
try:
    jsonschema.validate(doc, json.load(open(SCHEMA)))
except jsonschema.ValidationError as e:
    check(False, "schema: %s" % e.message)
rows = doc["units"][0]["symbols"]
named = [r for r in rows if not r["name"].startswith("[")]
for name, (x, y) in want.items():
    r = [r for r in named if r["name"] == name]
    check(len(r) == 1, "%s: %d rows" % (name, len(r)))
    if not r:
        continue
    r = r[0]
    check(r["vm_size"]["before"] == x and r["vm_size"]["after"] == y,
          "%s: vm %s, nm %s -> %s" % (name, r["vm_size"], x, y))
    check(r["file_size"]["before"] == x and r["file_size"]["after"] == y,
          "%s: file %s, nm %s -> %s" % (name, r["file_size"], x, y))
    status = "added" if x is None else "removed" if y is None else "changed"
    check(r["status"] == status, "%s: status %s, want %s" % (name, r["status"], status))
for r in named:
    check(r["name"] in want, "%s is listed but nm gives it the same size" % r["name"])


def delta(r):
    d = [abs((r[k]["after"] or 0) - (r[k]["before"] or 0)) for k in ("vm_size", "file_size")]
    return max(d)


check([delta(r) for r in rows] == sorted((delta(r) for r in rows), reverse=True),
      "not largest change first: %s" % [(r["name"], delta(r)) for r in rows])
check(named and named[0]["name"] == "TABLE", "TABLE (+2000) is not first: %s" % [r["name"] for r in named])

p = run()
check(p.returncode == 0 and "symbols (changed)" in p.stdout, "text: no symbols table")
lines = [l for l in p.stdout.splitlines() if l[2:].startswith(("TABLE", "SHRINK", "ADDED", "GONE"))]
check([l[2:].split()[0] for l in lines] == ["TABLE", "SHRINK", "ADDED", "GONE"], "text order: %s" % lines)
check(any(l.startswith("+ ADDED") for l in p.stdout.splitlines()), "text: ADDED not marked +")
check(any(l.startswith("- GONE") for l in p.stdout.splitlines()), "text: GONE not marked -")

p = run("-f", "csv")
recs = [r for r in csv.DictReader(io.StringIO(p.stdout)) if r["table"] == "symbols"]
for name, (x, y) in want.items():
    r = [r for r in recs if r["name"] == name and r["measure"] == "file"]
    check(len(r) == 1 and r[0]["delta"] == str((y or 0) - (x or 0)), "csv %s: %s" % (name, r))

p = run("-f", "markdown")
check("| Symbol |" in p.stdout and "| TABLE | 1000 | 3000 |" in p.stdout, "markdown: no TABLE row")

p = subprocess.run([SEGSCAN, "diff", "-d", "sections", base, new], capture_output=True, text=True)
check(p.returncode == 2, "diff -d sections: exit %d, want 2" % p.returncode)
p = subprocess.run([SEGSCAN, "diff", "-f", "json", base, new], capture_output=True, text=True)
check("symbols" not in json.loads(p.stdout)["units"][0], "symbols without -d symbols")

for f in fails:
    print("FAIL:", f)
print("symbols_diff: %d failures" % len(fails))
sys.exit(1 if fails else 0)
