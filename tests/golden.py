#!/usr/bin/python3
"""golden.py - segscan's text and JSON reports of a few fixtures, compared with golden files.

To regenerate the golden files after an intended change of the output, run from the build
directory (it rebuilds segscan and the fixtures first):

    cmake --build . --target update-golden

or, by hand, with fixtures already built by fixtures/elf/build.sh:

    tests/golden.py --segscan build/segscan --fixtures build/fixtures/elf \
        --golden tests/golden --update noshdr overlap compressed tbss-only free-x86_64

then review `git diff tests/golden` before committing: every changed line is a change users see.

For each fixture NAME, tests/golden/NAME.txt is `segscan --only sizes NAME` and
tests/golden/NAME.json is `segscan --only sizes --format json NAME`, both run inside the fixture
directory so that the path printed is just NAME. `--only sizes` leaves out the analyses (BSS,
strings, permissions: core/analysis*, emit/analysis*), which have their own tests: these golden
files pin the ELF reader's model and the report emitters, and do not change when an analysis
does. The JSON "generator" field (which carries segscan's version) is replaced by
"segscan VERSION" so that a version bump alone does not change the golden files.

The fixtures are yaml2obj files (byte-for-byte deterministic) and one freestanding clang-14 +
lld-14 program (free-x86_64, deterministic for one clang version: Debian 12's 14.0.6).
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys


def outputs(segscan, fixtures, name):
    text = subprocess.run([segscan, "--only", "sizes", name], cwd=fixtures, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    js = subprocess.run([segscan, "--only", "sizes", "--format", "json", name], cwd=fixtures,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    problems = []
    for what, p in (("text", text), ("json", js)):
        if p.returncode != 0 or p.stderr:
            problems.append("%s: exit %d, stderr %r" % (what, p.returncode, p.stderr[:300]))
    js_out = js.stdout.decode()
    try:
        json.loads(js_out)
    except ValueError as e:
        problems.append("json: not JSON: %s" % e)
    js_out = re.sub(r'("generator":\s*)"segscan [^"]*"', r'\1"segscan VERSION"', js_out)
    return {"txt": text.stdout.decode(), "json": js_out}, problems


def main():
    ap = argparse.ArgumentParser(description="compare or update golden reports")
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    segscan = os.path.abspath(args.segscan)
    failed = False
    for name in args.names:
        got, problems = outputs(segscan, args.fixtures, name)
        for p in problems:
            print("FAIL %s: %s" % (name, p))
            failed = True
        for ext, text in got.items():
            path = os.path.join(args.golden, "%s.%s" % (name, ext))
            if args.update:
                os.makedirs(args.golden, exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
                print("wrote %s" % path)
                continue
            try:
                with open(path) as f:
                    want = f.read()
            except OSError:
                print("FAIL %s: no golden file %s (run with --update)" % (name, path))
                failed = True
                continue
            if want != text:
                failed = True
                print("FAIL %s.%s differs from %s:" % (name, ext, path))
                sys.stdout.writelines(difflib.unified_diff(
                    want.splitlines(True), text.splitlines(True), path, "segscan output"))
            else:
                print("ok %s.%s" % (name, ext))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
