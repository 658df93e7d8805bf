#!/usr/bin/env python3
"""formats_check.py - the Markdown and SARIF documents of every command, and -o FMT=FILE,
checked against an independent reading (ndjson and csv: tests/formats_test.py).

The same inputs (ELF executables, an archive, PE, Mach-O, names with markup characters) are
reported as JSON (the reference, validated by docs/segscan.schema.json) and as:
  - markdown: rendered by python3-markdown into the tables it claims (images, findings, and one
    folded section table per image);
  - sarif: valid against the official SARIF 2.1.0 schema (tests/sarif/), one result per JSON
    finding, with stable fingerprints; check -f sarif likewise, one result per fail/warn row;
  - -o FMT=FILE: one run writes text to stdout and JSON, SARIF, NDJSON to files, each identical to
    its own run (report, check and diff);
  - a budget error quoting bidi and C1 text, from a file whose name holds them: nothing raw on
    stderr.
Usage: formats_check.py SEGSCAN SOURCE_DIR FIXTURE_DIR"""
import json
import os
import subprocess
import sys
import tempfile
import xml.dom.minidom

import jsonschema
import markdown

SEGSCAN, SRC, FIX = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


INPUTS = [os.path.join(FIX, p) for p in (
    'ci/prog_wx', 'ci/prog_nopie', 'ci/lib_base/libci.a', 'pe/x64-big.exe',
    'macho/exe-x86_64-nopie')]
INPUTS += [os.path.join(FIX, 'ci/weird', n) for n in sorted(os.listdir(os.path.join(FIX, 'ci/weird')))
           if n != 'budget.yaml']
INPUTS.append('/bin/ls')
for p in INPUTS:
    if not os.path.isfile(p):
        print("FAIL missing fixture", p)
        sys.exit(1)


def run(*args, inputs=INPUTS):
    r = subprocess.run([SEGSCAN, '-q', *args, *inputs], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    check(r.returncode == 0, f"{args}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r.stdout


schema = json.load(open(os.path.join(SRC, 'docs/segscan.schema.json')))
doc_bytes = run('-f', 'json')
doc = json.loads(doc_bytes)
jsonschema.validators.validator_for(schema)(schema).validate(doc)
images = doc['images']
check(len(images) >= len(INPUTS), f"only {len(images)} images")
nfind = sum(len(im.get('findings', [])) for im in images)
check(nfind > 0, "no findings in the inputs: the SARIF and Markdown checks would be empty")

# ---- Markdown ---------------------------------------------------------------------------------
md = run('-f', 'markdown').decode('utf-8')
html = markdown.markdown(md, extensions=['tables', 'md_in_html'])
dom = xml.dom.minidom.parseString('<root>' + html.replace('&#8203;', '\u200b') + '</root>')
tables = dom.getElementsByTagName('table')
check(len(tables) == 2 + len(images), f"markdown: {len(tables)} tables, want summary, findings "
      f"and {len(images)} section tables")
def body_rows(t):
    return [tr for tr in t.getElementsByTagName('tr') if tr.getElementsByTagName('td')]
def cell(tr, i):
    td = tr.getElementsByTagName('td')[i]
    return ''.join(n.toxml() if n.nodeType != n.TEXT_NODE else n.data for n in td.childNodes)
summary = body_rows(tables[0])
check(len(summary) == len(images) + 1, f"markdown: {len(summary)} summary rows")
for tr, im in zip(summary, images):
    check(int(cell(tr, 3)) == im['file_size'] and int(cell(tr, 7)) == im['totals']['vm_size'] and
          int(cell(tr, 4)) == im['totals']['text'], f"markdown: summary row of {im['path']}")
check(len(body_rows(tables[1])) == nfind, f"markdown: {len(body_rows(tables[1]))} findings rows")
details = dom.getElementsByTagName('details')
check(len(details) == len(images), f"markdown: {len(details)} <details>")
for t, im in zip(tables[2:], images):
    check(len(body_rows(t)) == len(im['sections']), f"markdown: sections of {im['path']}")
check(not dom.getElementsByTagName('a'), "markdown: a link rendered from a name")

# ---- SARIF ------------------------------------------------------------------------------------
sarif_schema = json.load(open(os.path.join(SRC, 'tests/sarif/sarif-schema-2.1.0.json')))
sarif_bytes = run('-f', 'sarif')
sarif = json.loads(sarif_bytes)
jsonschema.Draft4Validator(sarif_schema).validate(sarif)
res = sarif['runs'][0]['results']
rules = sarif['runs'][0]['tool']['driver']['rules']
check(len(res) == nfind, f"sarif: {len(res)} results for {nfind} findings")
ids = [r['id'] for r in rules]
check(len(ids) == len(set(ids)), "sarif: a rule twice")
check(all(r['help']['text'] and r['shortDescription']['text'] for r in rules), "sarif: no help")
want = [(f['id'], {'error': 'error', 'warning': 'warning', 'info': 'note'}[f['severity']])
        for im in images for f in im.get('findings', [])]
check([(r['ruleId'], r['level']) for r in res] == want, "sarif: results differ from findings")
check(all(ids[r['ruleIndex']] == r['ruleId'] for r in res), "sarif: ruleIndex")
check(all(r['locations'][0]['physicalLocation']['artifactLocation']['uri'].startswith(
    'file:///') for r in res), "sarif: absolute paths are not file:// URIs")
again = json.loads(run('-f', 'sarif'))
check([r['partialFingerprints'] for r in again['runs'][0]['results']] ==
      [r['partialFingerprints'] for r in res], "sarif: fingerprints change between runs")

# ---- check -f sarif: failures and warnings of size budgets and policies, archive members ---------
BUDGET = """version: 1
budgets:
  - name: text too big
    artifacts: "prog_*"
    metric: file-size
    section: .text
    max: 100
  - name: data warn
    artifacts: prog_wx
    metric: vm-size
    kind: data
    max: 10
    level: warn
  - name: member code
    artifacts: libci.a
    members: "*.o"
    metric: file-size
    kind: code
    max: 1
policy:
  - rule: forbid-wx
  - rule: require-pie
    level: warn
"""
with tempfile.TemporaryDirectory() as d:
    for p in ('ci/prog_wx', 'ci/prog_nopie', 'ci/lib_base/libci.a'):
        os.symlink(os.path.join(FIX, p), os.path.join(d, os.path.basename(p)))
    open(os.path.join(d, 'b.yaml'), 'w').write(BUDGET)
    arts = ['prog_wx', 'prog_nopie', 'libci.a']
    r = subprocess.run([SEGSCAN, 'check', '-q', '--budget', 'b.yaml', '-f', 'sarif', *arts],
                       cwd=d, capture_output=True)
    check(r.returncode == 1, f"check -f sarif: exit {r.returncode}")
    cs = json.loads(r.stdout)
    jsonschema.Draft4Validator(sarif_schema).validate(cs)
    rj = subprocess.run([SEGSCAN, 'check', '-q', '--budget', 'b.yaml', '-f', 'json', *arts],
                        cwd=d, capture_output=True)
    cj = json.loads(rj.stdout)
    rows = [x for x in cj['results'] if x['verdict'] in ('fail', 'warn')]
    got = [(x['ruleId'], x['level']) for x in cs['runs'][0]['results']]
    check(got == [(x['rule'], 'error' if x['verdict'] == 'fail' else 'warning') for x in rows],
          f"check -f sarif: results {got} vs json {rows}")
    check(len(got) >= 6 and {'error', 'warning'} <= {lv for _, lv in got},
          f"check -f sarif: too few results to mean anything: {got}")
    fps = [x['partialFingerprints']['segscanResult/v1'] for x in cs['runs'][0]['results']]
    check(len(set(fps)) == len(fps), "check -f sarif: two results share a fingerprint")
    r2 = subprocess.run([SEGSCAN, 'check', '-q', '--budget', 'b.yaml', '-f', 'text', '-o',
                         'sarif=out.sarif', *arts], cwd=d, capture_output=True)
    check(json.load(open(os.path.join(d, 'out.sarif'))) == cs, "check -o sarif=FILE differs")

# ---- -o FMT=FILE ------------------------------------------------------------------------------
text = run()
with tempfile.TemporaryDirectory() as d:
    outs = {f: os.path.join(d, 'out.' + f) for f in ('json', 'sarif', 'ndjson', 'csv')}
    both = run(*[a for f, p in outs.items() for a in ('-o', f'{f}={p}')])
    check(both == text, "-o: stdout is not the text report")
    for f, p in outs.items():
        got = open(p, 'rb').read()
        check(got == run('-f', f), f"-o {f}: the file differs from -f {f}")
    r = subprocess.run([SEGSCAN, '-q', '-o', 'json=' + os.path.join(d, 'no/such/dir/x.json'),
                        INPUTS[0]], capture_output=True)
    check(r.returncode == 4 and b'cannot write' in r.stderr, f"-o unwritable: exit {r.returncode}")
    r = subprocess.run([SEGSCAN, '-o', 'xml=x', INPUTS[0]], capture_output=True)
    check(r.returncode == 2, "-o with an unknown format is accepted")

# ---- messages on stderr: a budget error quoting hostile text, from a hostile file name ----------
import re
UNSAFE = re.compile('[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e'
                    '\u2066-\u2069\ufeff\ufffe\uffff]')
with tempfile.TemporaryDirectory() as d:
    name = os.path.join(d, 'b\u202e\u2028\x1b[2J.yaml')
    open(name, 'w', encoding='utf-8').write('version: 1\nbudgets:\n  - name: x\n    "k\u202eey\u009b\u2066": 1\n')
    r = subprocess.run([SEGSCAN, 'check', '--budget', name, INPUTS[0]], capture_output=True)
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

print(f"formats: {len(images)} images, {nfind} findings, {len(failures)} failures")
sys.exit(1 if failures else 0)
