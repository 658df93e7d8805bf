#!/usr/bin/env python3
"""Hostile names end to end (issue 17 class 1): an ELF built with yaml2obj from
fixtures/escape/names.yaml (section names with every class of unsafe text), an archive whose
member name holds an ANSI sequence and a bidi override, and budget files whose rule names and
sections do, through the report (text, json, dot, png), check (text, json, markdown, junit)
and diff (text, json, markdown, csv). Every stdout and stderr must be valid UTF-8 with no raw
control, C1, bidi, separator, BOM, noncharacter or tag code point (newlines aside), and every
document must parse: JSON with json, XML with xml.etree, DOT with dot, CSV with csv (every row
as wide as the header), Markdown with python3-markdown (every table row as wide as its header,
no link or mention).

usage: escape_e2e.py SEGSCAN FIXTURE_SRC WORKDIR"""
import csv
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import markdown  # python3-markdown: a missing module fails the test

UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u206f\ufeff"
    "\ufdd0-\ufdef\ufff9-\ufffb\ufffe\uffff\U000e0000-\U000e007f]"
)
YAML2OBJ = shutil.which("yaml2obj-14") or "yaml2obj-14"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def clean(data, where, crlf=False):
    """data (bytes) is valid UTF-8 with no unsafe code point; returns the text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{where}: not UTF-8 ({e})")
        return data.decode("utf-8", "replace")
    if crlf:
        text = text.replace("\r\n", "\n")
    m = UNSAFE.search(text)
    check(m is None, f"{where}: raw U+{ord(m.group()):04X} near {text[max(0, m.start() - 30):m.start()]!r}"
          if m else "")
    return text


def run(seg, args, where, codes, crlf=False, binary_out=False):
    r = subprocess.run([seg] + args, capture_output=True, timeout=120)
    check(r.returncode in codes, f"{where}: exit {r.returncode}, stderr {r.stderr[:400]!r}")
    err = clean(r.stderr, where + " stderr")
    out = r.stdout if binary_out else clean(r.stdout, where + " stdout", crlf)
    return out, err


class Tables(html.parser.HTMLParser):
    """Cells per row of every table in rendered Markdown, and links/mentions found."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.links = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append(0)
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1] += 1
        elif tag == "a":
            self.links += 1


def markdown_ok(text, where, min_tables=1):
    body = text
    check(re.search(r"@[A-Za-z0-9]", body) is None, f"{where}: an @mention survives")
    check("://" not in body, f"{where}: a bare URL survives")
    check(re.search(r"(?i)(^|[^a-z0-9])www\.", body) is None, f"{where}: a www. autolink survives")
    p = Tables()
    p.feed(markdown.markdown(text, extensions=["tables"]))
    check(len(p.tables) >= min_tables, f"{where}: {len(p.tables)} tables rendered")
    for t in p.tables:
        check(len(set(t)) == 1, f"{where}: table rows of different widths {t}")
    check(p.links == 0, f"{where}: {p.links} links rendered")
    return p


def build(src, work):
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "names")
    subprocess.run([YAML2OBJ, os.path.join(src, "escape", "names.yaml"), "-o", base], check=True)
    b = open(base, "rb").read()
    check(b.count(b"BADUTF8!") == 1, "placeholder not found once")
    open(base, "wb").write(b.replace(b"BADUTF8!", b"\xff\xfe\xc0\x80\xed\xa0\x80\xe2"))
    # The new side of a diff: every section one byte bigger, the bss twice as big.
    y = open(os.path.join(src, "escape", "names.yaml")).read()
    y = y.replace('Content:      "00"', 'Content:      "0000"').replace("Size:         0x40",
                                                                         "Size:         0x80")
    y = re.sub(r"\n +Address: +0x[0-9a-f]+", "", y)  # let yaml2obj place the grown sections
    y = y.replace("    MemSize:  0x50\n", "")
    ny = os.path.join(work, "names-new.yaml")
    open(ny, "w").write(y)
    new = os.path.join(work, "names-new")
    subprocess.run([YAML2OBJ, ny, "-o", new], check=True)
    b = open(new, "rb").read()
    open(new, "wb").write(b.replace(b"BADUTF8!", b"\xff\xfe\xc0\x80\xed\xa0\x80\xe2"))
    # An archive whose member name holds an ANSI sequence, a bidi override and a C1 CSI.
    member = os.path.join(work, "m\x1b[31m\u202eevil\u009b.o")
    shutil.copy(base, member)
    ar = os.path.join(work, "hostile.a")
    if os.path.exists(ar):
        os.unlink(ar)
    subprocess.run(["ar", "rcD", ar, os.path.basename(member)], cwd=work, check=True)
    return base, new, ar


def budget(work, name, text):
    p = os.path.join(work, name)
    open(p, "w").write(text)
    return p


def main():
    seg, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
    base, new, ar = build(src, work)
    other = os.path.join(work, "plain")
    subprocess.run([YAML2OBJ, os.path.join(src, "dot", "elf-exec.yaml"), "-o", other], check=True)

    # The report.
    out, _ = run(seg, [base, ar], "report text", (0,))
    check("\\u{202e}" in out and "\\x1b[31m" in out and "\\x9b" in out, "text: escapes not shown")
    out, _ = run(seg, ["-f", "json", base, ar], "report json", (0,))
    doc = json.loads(out)
    check(len(doc["images"]) == 2, "json: two images")
    out, _ = run(seg, ["-f", "dot", base, ar, other], "report dot", (0,))
    r = subprocess.run(["dot", "-Tsvg"], input=out.encode(), capture_output=True)
    check(r.returncode == 0 and not r.stderr, f"dot -Tsvg: {r.returncode} {r.stderr[:300]!r}")
    png, _ = run(seg, ["-f", "png", base, other], "report png", (0,), binary_out=True)
    check(png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000, "png: no diagram")

    # The table formats of the report.
    out, _ = run(seg, ["-f", "ndjson", base, ar], "report ndjson", (0,))
    check(len([json.loads(l) for l in out.splitlines()]) == 2, "ndjson: two images")
    out, _ = run(seg, ["-f", "csv", base, ar], "report csv", (0,), crlf=True)
    rows = list(csv.reader(out.splitlines()))
    check(len(rows) > 20 and all(len(r) == len(rows[0]) for r in rows), "report csv: ragged rows")
    check(not any(f and f[0] in "=+-@" and not re.fullmatch(r"-?[0-9]+|[r-][w-][x-]", f)
                  for r in rows for f in r), "report csv: a formula cell survives")
    out, _ = run(seg, ["-f", "markdown", base, ar], "report markdown", (0,))
    markdown_ok(re.sub(r"^(<details><summary>[^<>]*</summary>|</details>)$", "", out, flags=re.M),
                "report markdown", min_tables=3)
    out, _ = run(seg, ["-f", "sarif", base, ar], "report sarif", (0,))
    sarif = json.loads(out)
    schema = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sarif",
                                         "sarif-schema-2.1.0.json")))
    errs = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(sarif))
    check(not errs and sarif["runs"][0]["results"], f"report sarif: {errs[:1]}")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]}
    check(all(re.fullmatch(r"[A-Za-z0-9._~/%-]+", u) for u in uris), f"sarif: raw bytes in a URI {uris}")

    # check: rule names and sections from the binary; a missing hostile section (a budget error
    # naming the archive member); a budget file whose unknown key is hostile.
    sec = "c1\\u009b2J\\u0085nel"
    good = budget(work, "good.yaml", f"""version: 1
budgets:
  - name: "rule \\e[31m\\u202e @everyone https://x.example \\uFFFE |"
    artifacts: "*"
    metric: vm-size
    section: "{sec}"
    max: 0
  - name: "bss \\u2028 www.x.example"
    artifacts: "*"
    metric: bss
    max: 1 KiB
    level: warn
policy:
  - rule: forbid-wx
""")
    for fmt in ("text", "json", "markdown", "junit", "sarif"):
        out, _ = run(seg, ["check", "-b", good, "-f", fmt, base, ar], f"check {fmt}", (1,))
        if fmt == "json":
            json.loads(out)
        elif fmt == "junit":
            ET.fromstring(out.encode())
        elif fmt == "markdown":
            markdown_ok(out, "check markdown")
    missing = budget(work, "missing.yaml", """version: 1
budgets:
  - name: "gone \\e[2J\\u009b"
    artifacts: "*"
    members: "*"
    metric: vm-size
    section: "nosuch\\e[31m\\u202e\\uFFFF"
    max: 1
""")
    _, err = run(seg, ["check", "-b", missing, ar], "check missing section", (2,))
    check("\\x1b[31m" in err and "\\u{202e}" in err, f"check missing: escapes not shown: {err!r}")
    bad = budget(work, "bad\x1b[31m\u202e.yaml", 'version: 1\nbudgets:\n  - "k\\e[1m\\u009b\\u202e": 1\n')
    _, err = run(seg, ["check", "-b", bad, base], "check bad budget", (2,))
    check("\\x1b[31m" in err, f"check bad budget: path not escaped: {err!r}")
    _, err = run(seg, ["-f", "json\x1b[31m\u202e", base], "bad format word", (2,))
    check("\\x1b[31m" in err, f"usage error: argument not escaped: {err!r}")

    for cmd in ([], ["check"], ["diff"]):
        _, err = run(seg, cmd + ["--x\x1b[31m\u202e\u009b"], f"unknown option {cmd}", (2,))
        check("\\x1b[31m" in err and "\\u{202e}" in err, f"getopt message not escaped: {err!r}")

    # diff.
    out, _ = run(seg, ["diff", "-a", base, new], "diff text", (0,))
    check("\\u{202e}" in out, "diff text: escapes not shown")
    out, _ = run(seg, ["diff", "-a", "-f", "json", base, new], "diff json", (0,))
    json.loads(out)
    out, _ = run(seg, ["diff", "-a", "-f", "markdown", base, new], "diff markdown", (0,))
    markdown_ok(out, "diff markdown")
    out, _ = run(seg, ["diff", "-a", "-f", "csv", base, new], "diff csv", (0,), crlf=True)
    rows = list(csv.reader(out.splitlines()))
    check(len(rows) > 10 and all(len(r) == len(rows[0]) for r in rows), "diff csv: ragged rows")
    check(not any(f and f[0] in "=+-@" and not re.fullmatch(r"[-+]?[0-9.]+%?", f) for r in rows for f in r),
          "diff csv: a formula cell survives")

    print(f"escape_e2e: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
