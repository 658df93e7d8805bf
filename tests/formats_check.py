#!/usr/bin/env python3
"""formats_check.py - the format matrix of every command (README), diff -o FMT=FILE (each file byte-equal to its own -f run, stdout still the
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

# ---- one table of formats for every command -----------------------------------------------------
# The README's format matrix is the oracle: what each command accepts and refuses, the usage
# message listing exactly the accepted names, and `md` an alias of `markdown` everywhere.
MATRIX = {  # format: (report, diff, check)
    'text': (1, 1, 1), 'json': (1, 1, 1), 'ndjson': (1, 0, 0), 'csv': (1, 1, 0),
    'markdown': (1, 1, 1), 'sarif': (1, 0, 1), 'junit': (0, 0, 1), 'dot': (1, 0, 0),
}
readme = open(os.path.join(SRC, 'README.md'), encoding='utf-8').read()
for fmt, row in MATRIX.items():
    m = re.search(r'^\| `%s`[^|]*\|([^|]*)\|([^|]*)\|([^|]*)\|$' % fmt, readme, re.M)
    check(m and tuple(int(c.strip() != '–') for c in m.groups()) == row,
          f"README format matrix row for {fmt}: {m and m.group(0)!r}")
with tempfile.TemporaryDirectory() as d:
    prog, other = os.path.join(FIX, 'ci/prog_nopie'), os.path.join(FIX, 'ci/prog_wx')
    budget = os.path.join(d, 'b.yaml')
    open(budget, 'w').write('version: 1\nbudgets:\n  - name: size\n    metric: file-size\n    max: 100 MiB\n')
    argv = {0: [SEGSCAN, '-f', None, prog], 1: [SEGSCAN, 'diff', '-f', None, prog, other],
            2: [SEGSCAN, 'check', '--budget', budget, '-f', None, prog]}
    for doc in range(3):
        names = [f for f, row in MATRIX.items() if row[doc]]
        for fmt in MATRIX:
            a = [fmt if x is None else x for x in argv[doc]]
            r = subprocess.run(a, capture_output=True)
            if MATRIX[fmt][doc]:
                check(r.returncode == 0 and r.stdout, f"{a[1:3]} -f {fmt}: exit {r.returncode}")
            else:
                err = r.stderr.decode()
                check(r.returncode == 2, f"{a[1:3]} -f {fmt} accepted: exit {r.returncode}")
                if doc:  # the report also names svg and png, rendered from dot
                    listed = re.search(r'unknown format \(([^)]*)\)', err)
                    got = listed and sorted(re.split(r', | or ', listed.group(1)))
                    check(got == sorted(names), f"{a[1:3]} usage lists {got}, not {sorted(names)}")
        if MATRIX['markdown'][doc]:
            md = [subprocess.run([x if x is not None else f for x in argv[doc]],
                                 capture_output=True).stdout for f in ('markdown', 'md')]
            check(md[0] == md[1] and md[0], f"doc {doc}: -f md differs from -f markdown")

# ---- diff --only: the same tables, the analyses left out ----------------------------------------
import json
try:
    import jsonschema
except ImportError:
    jsonschema = None
check(jsonschema is not None, "python3-jsonschema is missing (it is in .ci/setup's test list)")
base, new = os.path.join(FIX, 'ci/prog_base'), os.path.join(FIX, 'ci/prog_nopie')
docs = {}
for only in (None, 'sizes', 'perms'):
    argv = [SEGSCAN, 'diff', '-f', 'json'] + (['--only', only] if only else []) + [base, new]
    r = subprocess.run(argv, capture_output=True)
    check(r.returncode == 0, f"diff --only {only}: exit {r.returncode}: {r.stderr[:200]!r}")
    docs[only] = json.loads(r.stdout) if r.returncode == 0 else None
    if docs[only] and jsonschema:
        schema = json.load(open(os.path.join(SRC, 'docs/segscan-diff.schema.json')))
        try:
            jsonschema.validate(docs[only], schema)
        except jsonschema.ValidationError as e:
            check(False, f"diff --only {only}: JSON does not validate: {e.message}")
full, sizes, perms = docs[None], docs['sizes'], docs['perms']
if full and sizes and perms:
    uf, us, up = full['units'][0], sizes['units'][0], perms['units'][0]
    for t in ('segments', 'sections', 'kinds', 'segments_total', 'sections_total', 'kinds_total'):
        check(uf[t] == us[t] == up[t], f"diff --only: table {t} differs from the full diff")
    for m in ('file-size', 'vm-size', 'text', 'data', 'bss'):
        check(uf['totals'][m] == us['totals'][m], f"diff --only sizes: total {m} differs")
    for m in ('movable-zero-bytes', 'zero-init-bytes', 'string-waste'):
        check(uf['totals'][m] is not None and us['totals'][m] is None and up['totals'][m] is None,
              f"diff --only: metric {m} of an analysis that did not run is not null")
    check(uf['permissions'] and not us['permissions'] and up['permissions'] == uf['permissions'],
          "diff --only: permissions only when the permission analysis ran")
    check(up['changes'] == uf['changes'] and not us['changes'],
          "diff --only perms: the permission changes equal the full diff's")
r = subprocess.run([SEGSCAN, 'diff', '--only', 'sizes,bogus', base, new], capture_output=True)
check(r.returncode == 2 and b"unknown analysis 'bogus'" in r.stderr,
      f"diff --only bogus: exit {r.returncode}: {r.stderr[:200]!r}")

print(f"formats_check: {len(failures)} failures")
sys.exit(1 if failures else 0)
