#!/usr/bin/env python3
"""Every class of hostile name through every target of emit/escape.h, checked by independent
parsers: Python's json, csv, xml.etree, html.parser over python3-markdown's rendering, and
Graphviz's dot. What each name must become is computed here from its raw bytes (a decoder of our
own over Python's strict UTF-8 codec), not taken from segscan's output.

usage: escape_test.py ESCAPE_DUMP WORKDIR"""
import csv
import html.parser
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import markdown  # python3-markdown: a missing module fails the test

# Code points no output may hold raw (structural newlines of each document aside).
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u206f\ufeff\ufdd0-\ufdef"
    "\ufff9-\ufffb\ufffe\uffff\U000e0000-\U000e007f]"
)
ZWJ = "\u200d"


def unsafe(cp):
    return bool(UNSAFE.match(chr(cp))) or (cp & 0xFFFE) == 0xFFFE


def items(raw):
    """(code point, None) for valid UTF-8, (None, byte) for each byte that is not."""
    i = 0
    while i < len(raw):
        b = raw[i]
        n = 1 if b < 0x80 else 2 if b >> 5 == 6 else 3 if b >> 4 == 14 else 4 if b >> 3 == 30 else 0
        try:
            ch = raw[i:i + n].decode("utf-8", "strict") if n and i + n <= len(raw) else None
        except UnicodeDecodeError:
            ch = None
        if ch is None or len(ch) != 1:
            yield None, b
            i += 1
        else:
            yield ord(ch), None
            i += n


def visible(raw):
    """The text form: unsafe code points and invalid bytes as \\xNN / \\u{NNNN}, \\ doubled."""
    out = []
    for cp, b in items(raw):
        if cp is None:
            out.append("\\x%02x" % b)
        elif cp == 0x5C:
            out.append("\\\\")
        elif unsafe(cp):
            out.append("\\x%02x" % cp if cp < 0x100 else "\\u{%04x}" % cp)
        else:
            out.append(chr(cp))
    return "".join(out)


def json_value(raw):
    """What a JSON parser must return: code points as they are (JSON-escaped in the document),
    invalid bytes as the text \\xNN, a backslash doubled."""
    out = []
    for cp, b in items(raw):
        out.append("\\x%02x" % b if cp is None else "\\\\" if cp == 0x5C else chr(cp))
    return "".join(out)


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def no_raw(text, where):
    for ln, line in enumerate(text.split("\n"), 1):
        m = UNSAFE.search(line)
        check(m is None, f"{where}:{ln}: raw U+{ord(m.group()):04X}" if m else "")


class Cells(html.parser.HTMLParser):
    """Rows of <td> text in the rendered Markdown, and every other tag seen inside a cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.inner, self.cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.cell = []
        elif self.cell is not None:
            self.inner.append(tag)

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def main():
    dump, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    subprocess.run([dump, work], check=True)
    rd = lambda n: open(os.path.join(work, n), encoding="utf-8", newline="").read()
    names = []
    for line in rd("names.list").splitlines():
        i, _, hx = line.partition(" ")
        check(int(i) == len(names), "names.list out of order")
        names.append(bytes.fromhex(hx))
    check(len(names) >= 20, "too few names")
    vis = [visible(n) for n in names]

    # Terminal text: one line per name, exactly the visible form, nothing raw.
    txt = rd("text.txt")
    no_raw(txt, "text.txt")
    lines = txt.split("\n")
    check(len(lines) == 2 * len(names) + 1, f"text.txt: {len(lines)} lines")
    for i, v in enumerate(vis):
        check(lines[2 * i] == v, f"text {i}: {lines[2 * i]!r} != {v!r}")
        check(lines[2 * i + 1] == f"say: cannot read '{v}' ({i})", f"say {i}: {lines[2 * i + 1]!r}")

    # JSON: parses; no raw unsafe code point in the document; values as the contract says.
    js = rd("names.json")
    no_raw(js, "names.json")
    arr = json.loads(js)
    check(len(arr) == len(names), "json: count")
    for i, n in enumerate(names):
        check(arr[i] == json_value(n), f"json {i}: {arr[i]!r}")

    # CSV: RFC 4180 rows; formulas neutralised.
    cs = rd("names.csv")
    no_raw(cs.replace("\r\n", "\n"), "names.csv")
    rows = list(csv.reader(cs.splitlines(keepends=True)))
    check(len(rows) == len(names), f"csv: {len(rows)} rows")
    for i, v in enumerate(vis):
        want = "'" + v if v[:1] in ("=", "+", "-", "@") else v
        check(rows[i] == [str(i), want], f"csv {i}: {rows[i]!r} != {want!r}")

    # XML: well-formed; text and attribute give back the visible form.
    xm = rd("names.xml")
    no_raw(xm, "names.xml")
    root = ET.fromstring(xm.encode("utf-8"))
    els = root.findall("n")
    check(len(els) == len(names), "xml: count")
    for i, v in enumerate(vis):
        check(els[i].get("a") == v and (els[i].text or "") == v, f"xml {i}: {els[i].text!r}")

    # Markdown: each name stays one cell of one row, renders as plain text (no link, emphasis,
    # code or markup), and nothing GitHub would turn into a mention or an autolink remains.
    md = rd("names.md")
    no_raw(md, "names.md")
    body = md.split("\n", 2)[2]
    check(re.search(r"@[A-Za-z0-9]", body) is None, "md: an @mention survives")
    check("://" not in body, "md: a bare URL survives")
    check(re.search(r"(?i)(^|[^a-z0-9])www\.", body) is None, "md: a www. autolink survives")
    p = Cells()
    p.feed(markdown.markdown(md, extensions=["tables"]))
    check(len(p.rows) == len(names) + 1, f"md: {len(p.rows)} rows")
    check(not p.inner, f"md: markup inside cells: {p.inner}")
    for i, v in enumerate(vis):
        row = p.rows[i + 1] if i + 1 < len(p.rows) else []
        got = row[1].replace(ZWJ, "") if len(row) == 2 else None
        check(len(row) == 2 and row[0] == str(i) and got == v, f"md {i}: {row!r} != {v!r}")

    # DOT: dot accepts it (an empty <I></I> or a raw U+FFFE would make it fail) and the SVG it
    # draws holds each name's visible form.
    dt = rd("names.dot")
    no_raw(dt, "names.dot")
    r = subprocess.run(["dot", "-Tsvg"], input=dt.encode(), capture_output=True)
    check(r.returncode == 0 and not r.stderr, f"dot: {r.returncode} {r.stderr[:300]!r}")
    svg = ET.fromstring(r.stdout)
    texts = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    for i, v in enumerate(vis):
        want = v if v else "(unnamed)"
        check(want.strip() in texts, f"dot {i}: {want!r} not drawn")

    for f in failures:
        if f:
            print("FAIL", f)
    real = [f for f in failures if f]
    print(f"escape: {len(names)} names x 6 targets, {len(real)} failures")
    return 1 if real else 0


if __name__ == "__main__":
    sys.exit(main())
