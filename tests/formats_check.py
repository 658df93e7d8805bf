#!/usr/bin/env python3
"""formats_check.py - diff -o FMT=FILE (each file byte-equal to its own -f run, stdout still the
text diff, an unwritable file exit 4), and one stderr message quoting hostile text from a budget
file whose name holds it (nothing raw; the report's formats and -o: tests/formats_test.py).

Usage: formats_check.py SEGSCAN SOURCE_DIR FIXTURE_DIR"""
import os
import re
import subprocess
import sys
import tempfile

SEGSCAN, SRC, FIX = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


# ---- messages on stderr: a budget error quoting hostile text, from a hostile file name ----------
UNSAFE = re.compile('[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e'
                    '\u2066-\u2069\ufeff\ufffe\uffff]')
with tempfile.TemporaryDirectory() as d:
    name = os.path.join(d, 'b\u202e\u2028\x1b[2J.yaml')
    open(name, 'w', encoding='utf-8').write('version: 1\nbudgets:\n  - name: x\n    "k\u202eey\u009b\u2066": 1\n')
    r = subprocess.run([SEGSCAN, 'check', '--budget', name, os.path.join(FIX, 'ci/prog_wx')],
                       capture_output=True)
    err = r.stderr.decode('utf-8')
    check(r.returncode == 2 and err and not UNSAFE.search(err.replace('\n', '')),
          f"check budget error: exit {r.returncode}, raw unsafe text on stderr: {err!r}")
    check('\\u{202e}' in err, f"check budget error: the name is not shown escaped: {err!r}")

# ---- diff -o FMT=FILE --------------------------------------------------------------------------
with tempfile.TemporaryDirectory() as d:
    base, new = os.path.join(FIX, 'ci/prog_nopie'), os.path.join(FIX, 'ci/prog_wx')
    plain = subprocess.run([SEGSCAN, 'diff', base, new], capture_output=True).stdout
    for f in ('json', 'markdown', 'csv'):
        want = subprocess.run([SEGSCAN, 'diff', '-f', f, base, new], capture_output=True).stdout
        p = os.path.join(d, 'diff.' + f)
        r = subprocess.run([SEGSCAN, 'diff', '-o', f'{f}={p}', base, new], capture_output=True)
        check(r.returncode == 0 and r.stdout == plain and open(p, 'rb').read() == want,
              f"diff -o {f}=FILE: exit {r.returncode}, file or stdout differs")
    r = subprocess.run([SEGSCAN, 'diff', '-o', 'json=' + os.path.join(d, 'no/dir/x.json'), base,
                        new], capture_output=True)
    check(r.returncode == 4 and b'cannot write' in r.stderr, f"diff -o unwritable: exit {r.returncode}")
    r = subprocess.run([SEGSCAN, 'diff', '-o', 'junit=x', base, new], capture_output=True)
    check(r.returncode == 2, f"diff -o junit accepted: exit {r.returncode}")

print(f"formats_check: {len(failures)} failures")
sys.exit(1 if failures else 0)
