#!/usr/bin/env python3
"""symbols_budget.py SEGSCAN FIXTURES CHECK_SCHEMA - budget rules on named objects (issue 18).

`symbols: GLOB` selects symbols by demangled name; the rule's file-size or vm-size is their
total, and max-growth compares it with the baseline's. Expected values are the sums of nm -S's
sizes of the symbols whose names match the glob (fnmatch, as the budget file says) in
grow-base and grow-new (fixtures/symbols/grow.c: no overlapping symbols, all in .data). Checks
pass/fail at the limits nm gives, the JSON (check schema), and that a glob matching nothing is
a budget error (exit 2) unless allow-missing."""
import fnmatch
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

SEGSCAN, FIX, SCHEMA = sys.argv[1:4]
base, new = FIX + "/grow-base", FIX + "/grow-new"
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def nm_sum(path, glob):
    out = subprocess.run(["nm", "-S", path], capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] not in "UwvAa" and fnmatch.fnmatchcase(f[3], glob):
            total += int(f[1], 16)
    return total


def run_check(yaml_text, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write(yaml_text)
    try:
        return subprocess.run([SEGSCAN, "check", "--budget", fh.name, *extra, new],
                              capture_output=True, text=True)
    finally:
        os.unlink(fh.name)


schema = json.load(open(SCHEMA))
for glob in ("TABLE", "[TSAG]*"):
    vb, vn = nm_sum(base, glob), nm_sum(new, glob)
    check(vn > 0 and vb > 0 and vn != vb, "%s: nm sums %d -> %d" % (glob, vb, vn))
    for metric in ("file-size", "vm-size"):
        for limit, verdict in ((vn, "pass"), (vn - 1, "fail")):
            y = "version: 1\nbudgets:\n  - metric: %s\n    symbols: \"%s\"\n    max: %d\n" % (
                metric, glob, limit)
            p = run_check(y, "-f", "json")
            doc = json.loads(p.stdout) if p.stdout else {}
            try:
                jsonschema.validate(doc, schema)
            except jsonschema.ValidationError as e:
                check(False, "schema: %s" % e.message)
            r = doc.get("results", [{}])[0]
            check(r.get("value") == vn and r.get("verdict") == verdict and r.get("symbols") == glob,
                  "%s %s max %d: %s (nm: %d, want %s)" % (metric, glob, limit, r, vn, verdict))
            check(p.returncode == (0 if verdict == "pass" else 1), "%s: exit %d" % (glob, p.returncode))
        growth = vn - vb
        for allowed, verdict in ((growth, "pass"), (growth - 1, "fail")):
            y = ("version: 1\nbudgets:\n  - metric: %s\n    symbols: \"%s\"\n    max-growth: %d\n"
                 % (metric, glob, allowed))
            p = run_check(y, "-f", "json", "--baseline", base)
            r = json.loads(p.stdout)["results"][0]
            check(r["baseline_value"] == vb and r["verdict"] == verdict,
                  "%s growth %d: %s (nm: %d -> %d)" % (glob, allowed, r, vb, vn))

p = run_check("version: 1\nbudgets:\n  - metric: vm-size\n    symbols: \"NO_SUCH*\"\n    max: 1\n")
check(p.returncode == 2 and "NO_SUCH" in p.stderr, "glob matching nothing: exit %d %s" % (
    p.returncode, p.stderr))
p = run_check("version: 1\nbudgets:\n  - metric: vm-size\n    symbols: \"NO_SUCH*\"\n"
              "    allow-missing: true\n    max: 1\n")
check(p.returncode == 0, "allow-missing: exit %d %s" % (p.returncode, p.stderr))
p = run_check("version: 1\nbudgets:\n  - metric: text\n    symbols: \"X\"\n    max: 1\n")
check(p.returncode == 2, "symbols with metric text: exit %d" % p.returncode)

for f in fails:
    print("FAIL:", f)
print("symbols_budget: %d failures" % len(fails))
sys.exit(1 if fails else 0)
