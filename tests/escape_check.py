#!/usr/bin/env python3
"""escape_check.py - every output target of the escaping module (emit/escape.h), checked with an
independent parser of its format on every hostile class of name (tests/escape_dump.c): control
bytes, C1 controls, bidi overrides and marks, U+2028/U+2029, U+FFFE/U+FFFF, invalid UTF-8,
quotes and delimiters, @mentions, bare URLs, spreadsheet formulas, the empty name.

Usage: escape_check.py ESCAPE_DUMP"""
import csv
import io
import json
import re
import subprocess
import sys
import xml.dom.minidom

import markdown  # python3-markdown (.ci/setup)

DUMP = sys.argv[1]
failures = []

# What must never reach an output raw (the classes of issue 17), beside '\n' line ends.
UNSAFE = re.compile('[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e'
                    '\u2066-\u2069\ufeff\ufffe\uffff]')


def run(target):
    r = subprocess.run([DUMP, target], stdout=subprocess.PIPE, check=True)
    return r.stdout


def check(cond, what):
    if not cond:
        failures.append(what)


def no_raw(target, data):
    check(b'\xff' not in data and b'\xc0' not in data, f"{target}: invalid UTF-8 byte passed raw")
    text = data.decode('utf-8')  # must be valid UTF-8 as a whole
    lines = text.replace('\r\n', '\n') if target == 'csv' else text  # RFC 4180 line ends
    bad = sorted({hex(ord(c)) for c in UNSAFE.findall(lines)})
    check(not bad, f"{target}: raw unsafe code points {bad}")
    return text


N = int(run('count'))
NAMES_OK = [  # the names that are valid UTF-8, for round trips through JSON
    "plain .text", "@everyone and @here ping", "=cmd|' /C calc'!A0", "",
    "quotes \" ' ` and delimiters , ; | < > & \\ [x](y) *b* _i_ ~s~",
]

# Terminal text and stderr messages: one line per name, nothing raw.
for target in ('text', 'msg'):
    text = no_raw(target, run(target))
    check(len(text.splitlines()) == N, f"{target}: {len(text.splitlines())} lines for {N} names")
    check('\\u{202e}' in text and '\\x9b' in text and '\\u{2028}' in text and '\\u{fffe}' in text
          and '\\xff' in text, f"{target}: escapes not visible")

# JSON: parses, one string per name, the names that are valid UTF-8 come back exactly (JSON is
# data), unsafe code points are \\u escapes, never raw bytes in the document.
data = run('json')
text = no_raw('json', data)
arr = json.loads(text)
check(len(arr) == N, "json: wrong count")
for s in NAMES_OK:
    want = s.replace('\\', '\\\\')  # the documented doubling of a literal backslash
    check(want in arr, f"json: {s!r} does not round-trip")
check('\u202e' in arr[3] and '\x9b' in arr[2] and '\u2028' in arr[5] and '\ufffe' in arr[6],
      "json: unsafe code points not kept as data")

# CSV (RFC 4180): parses into N rows of 2 fields, ids in order, formula neutralised.
text = no_raw('csv', run('csv'))
rows = list(csv.reader(io.StringIO(text, newline='')))
check(rows[0] == ['id', 'name'] and len(rows) == N + 1, f"csv: {len(rows)} rows")
check(all(len(r) == 2 and r[0] == str(i) for i, r in enumerate(rows[1:])), "csv: broken rows")
check(rows[12][1] == "'=cmd|' /C calc'!A0", f"csv: formula kept: {rows[12][1]!r}")
check(rows[9][1] == "quotes \" ' ` and delimiters , ; | < > & \\\\ [x](y) *b* _i_ ~s~",
      f"csv: quotes/delimiters: {rows[9][1]!r}")

# Markdown: renders into one table of N rows x 2 cells; no link, no mention, no raw HTML.
text = no_raw('md', run('md'))
html = markdown.markdown(text, extensions=['tables'])
dom = xml.dom.minidom.parseString('<root>' + html.replace('&#8203;', '\u200b') + '</root>')
trs = dom.getElementsByTagName('tr')
check(len(dom.getElementsByTagName('table')) == 1 and len(trs) == N + 1, f"md: {len(trs)} rows")
check(all(len(tr.getElementsByTagName('td')) == 2 for tr in trs[1:]), "md: a cell split a row")
check(not dom.getElementsByTagName('a') and not dom.getElementsByTagName('em') and
      not dom.getElementsByTagName('code'), "md: markup from a name was rendered")
plain = ''.join(n.data for n in dom.getElementsByTagName('td')[2 * 9 + 1].childNodes
                if n.nodeType == n.TEXT_NODE)
check(re.search(r'@\w', plain) is None, f"md: a mention survives: {plain!r}")
url = ''.join(n.data for n in dom.getElementsByTagName('td')[2 * 10 + 1].childNodes
              if n.nodeType == n.TEXT_NODE)
check('://' not in url and 'www.' not in url, f"md: a bare URL survives: {url!r}")
# GitHub's autolinker needs a scheme and "://" or "www." in one run; a mention is @ and a word
# character: neither may be left in the Markdown source.
check(not re.search(r'://|www\.|@[A-Za-z0-9]', text, re.I), "md: mention or URL left in source")

# XML: well-formed for an independent parser (xmllint), attributes and text alike.
data = run('xml')
no_raw('xml', data)
r = subprocess.run(['xmllint', '--noout', '-'], input=data, capture_output=True)
check(r.returncode == 0, f"xml: xmllint: {r.stderr.decode(errors='replace')}")

# DOT: Graphviz accepts every label (an empty name in <I></I> would be refused).
data = run('dot')
no_raw('dot', data)
r = subprocess.run(['dot', '-Tsvg'], input=data, capture_output=True)
check(r.returncode == 0 and b'<svg' in r.stdout, f"dot: {r.stderr.decode(errors='replace')}")

for f in failures:
    print("FAIL", f)
print(f"escape: {N} names x 7 targets, {len(failures)} failures")
sys.exit(1 if failures else 0)
