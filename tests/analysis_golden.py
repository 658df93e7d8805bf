#!/usr/bin/env python3
"""Golden files for the analysis emitters: the "Savings"/"Permissions"/"Findings" blocks of the
text report and the bss/strings/permissions/findings objects of the JSON report, for a
hand-made ELF object (fixtures/analysis/golden.yaml, built with yaml2obj-14 at test time).

usage: analysis_golden.py SEGSCAN WORKDIR [--update]
--update rewrites fixtures/analysis/golden.txt and golden.json from the current output."""
import difflib
import json
import os
import subprocess
import sys

SEGSCAN, WORK = sys.argv[1:3]
UPDATE = "--update" in sys.argv[3:]
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "analysis")
os.makedirs(WORK, exist_ok=True)
obj = os.path.join(WORK, "golden.o")
subprocess.run(["yaml2obj-14", os.path.join(SRC, "golden.yaml"), "-o", obj], check=True)

text = subprocess.run([SEGSCAN, "-q", obj], stdout=subprocess.PIPE, text=True, check=True).stdout
text = text[text.index("\n  Savings\n") + 1:]
doc = json.loads(subprocess.run([SEGSCAN, "-q", "-f", "json", obj], stdout=subprocess.PIPE,
                                text=True, check=True).stdout)
im = doc["images"][0]
js = json.dumps({k: im[k] for k in ("bss", "strings", "permissions", "findings")}, indent=2) + "\n"

failed = False
for name, got in (("golden.txt", text), ("golden.json", js)):
    path = os.path.join(SRC, name)
    if UPDATE:
        open(path, "w").write(got)
        print("updated", path)
        continue
    want = open(path).read()
    if got != want:
        failed = True
        print("FAIL: %s differs (regenerate with --update if the change is intended):" % name)
        sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                   "expected", "got"))
print("golden files", "differ" if failed else "match")
sys.exit(1 if failed else 0)
