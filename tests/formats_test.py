#!/usr/bin/env python3
"""The report's formats beyond text/json/dot (issue 21), each checked by an independent parser
against the JSON report of the same inputs:

  ndjson    every line validates against docs/segscan.schema.json's $defs/image and equals the
            JSON report's images[i]
  csv       Python's csv reads it into the same numbers and names as the JSON
  markdown  python3-markdown renders the tables it claims, with the JSON's numbers
  sarif     validates against the official SARIF 2.1.0 schema (tests/sarif/) with one result
            per JSON finding, one rule per finding id, levels from severities

usage: formats_test.py CHECK --segscan BIN --fixtures DIR --schema FILE [--sarif-schema FILE]"""
import argparse
import csv
import html.parser
import io
import json
import os
import re
import subprocess
import sys

import jsonschema
import markdown  # python3-markdown: a missing module fails the test

INPUTS = ["gcc-pie", "libfixture.a", "hello.o", "free-mipsbe", "compressed", "tbss-only"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def run(a, args, code=0):
    r = subprocess.run([a.segscan] + args, capture_output=True, cwd=a.fixtures, timeout=300)
    check(r.returncode == code, f"segscan {args}: exit {r.returncode} {r.stderr[:300]!r}")
    return r.stdout.decode("utf-8")


def report(a):
    return json.loads(run(a, ["-f", "json", "-j", "1"] + INPUTS))


def check_ndjson(a):
    schema = json.load(open(a.schema))
    image = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/image"}
    v = jsonschema.Draft202012Validator(image)
    out = run(a, ["-f", "ndjson", "-j", "1"] + INPUTS)
    doc = report(a)
    check(out.endswith("\n"), "ndjson: last line not ended")
    lines = out.split("\n")[:-1]
    check(len(lines) == len(doc["images"]) and len(lines) >= len(INPUTS),
          f"ndjson: {len(lines)} lines, {len(doc['images'])} images")
    for i, line in enumerate(lines):
        obj = json.loads(line)
        errs = list(v.iter_errors(obj))
        check(not errs, f"ndjson line {i + 1}: {errs[:1]}")
        check(i < len(doc["images"]) and obj == doc["images"][i], f"ndjson line {i + 1} differs from images[{i}]")
    # Shards concatenate: two runs' lines are the lines of one run over both.
    one = run(a, ["-f", "ndjson", "-j", "1", INPUTS[0]]) + run(a, ["-f", "ndjson", "-j", "1", INPUTS[1]])
    both = run(a, ["-f", "ndjson", "-j", "1", INPUTS[0], INPUTS[1]])
    check(one == both, "ndjson: shards do not concatenate to the whole")


def check_csv(a):
    out = run(a, ["-f", "csv", "-j", "1"] + INPUTS)
    check("\r\n" in out and "\n" not in out.replace("\r\n", ""), "csv: line ends are not CRLF")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    doc = report(a)
    images = [r for r in rows if r["table"] == "image"]
    check(len(images) == len(doc["images"]), f"csv: {len(images)} image rows")
    n = 0
    for im in doc["images"]:
        key = (im["path"], im["member"] or "")
        mine = [r for r in rows if (r["path"], r["member"]) == key]
        img = [r for r in mine if r["table"] == "image"]
        check(len(img) == 1, f"csv: {key}: {len(img)} image rows")
        if img:
            r = img[0]
            t = im["totals"]
            check((int(r["vm_size"]), int(r["file_size"]), int(r["text"]), int(r["data"]),
                   int(r["bss"])) == (t["vm_size"], im["file_size"], t["text"], t["data"], t["bss"]),
                  f"csv: {key}: image sizes differ from JSON")
            check(r["format"] == im["format"] and r["kind"] == im["type"], f"csv: {key}: format/type")
        for table, items in (("segment", im["segments"]), ("section", im["sections"])):
            got = [r for r in mine if r["table"] == table]
            check(len(got) == len(items), f"csv: {key}: {len(got)} {table} rows, JSON {len(items)}")
            for r, j in zip(got, items):
                n += 1
                check((int(r["index"]), r["name"], int(r["address"], 16), int(r["vm_size"]),
                       int(r["file_size"]), r["perms"]) ==
                      (j["index"], j["name"], j["vaddr"], j["vm_size"], j["file_size"], j["perms"]),
                      f"csv: {key} {table} {j['index']}: {r} != JSON")
                if table == "section":
                    check(r["kind"] == j["kind"], f"csv: {key} section {j['index']}: kind")
    check(n > 50, f"csv: only {n} rows compared")
    check(all(len(r) == 14 and None not in r for r in rows), "csv: ragged rows")


class Tables(html.parser.HTMLParser):
    """The text of every cell, row by row, of every table in rendered HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.cell, self.links = [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "a":
            self.links += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def check_markdown(a):
    out = run(a, ["-f", "markdown", "-j", "1"] + INPUTS)
    rep = report(a)
    ims = rep["images"]
    # <details> blocks are raw HTML to Python-Markdown (GitHub renders Markdown inside them):
    # they must balance, and the Markdown between the tags is rendered as a whole.
    det = re.findall(r"^<details><summary>[^<>]*</summary>$", out, re.M)
    check(len(det) == len(ims) and out.count("</details>") == len(det), f"markdown: {len(det)} <details>")
    body = re.sub(r"^(<details><summary>[^<>]*</summary>|</details>)$", "", out, flags=re.M)
    p = Tables()
    p.feed(markdown.markdown(body, extensions=["tables"]))
    check(p.links == 0, "markdown: links rendered")
    for t in p.tables:
        check(len({len(r) for r in t}) == 1, f"markdown: ragged table {t[0]}")
    summary = p.tables[0] if p.tables else [[]]
    check(summary[0][:5] == ["File", "Format", "Machine", "Type", "File size"], f"markdown: summary header {summary[0]}")
    check(len(summary) == len(ims) + 1, f"markdown: summary has {len(summary) - 1} rows, JSON {len(ims)} images")
    for row, im in zip(summary[1:], ims):
        name = im["path"] + (f"({im['member']})" if im["member"] else "")
        t = im["totals"]
        errs = sum(f["severity"] == "error" for f in im["findings"])
        warns = sum(f["severity"] == "warning" for f in im["findings"])
        check(row == [name, im["format"], im["machine"], im["type"], str(im["file_size"]), str(t["text"]),
                      str(t["data"]), str(t["bss"]), str(t["vm_size"]), str(errs), str(warns)],
              f"markdown: summary row {row}")
    want = [(im, f) for im in ims for f in im["findings"] if f["severity"] != "info"]
    finds = [t for t in p.tables if t[0] == ["Severity", "Rule", "File", "Message"]]
    check(len(finds) == 1 and len(want) >= 2, f"markdown: findings table ({len(want)} findings)")
    if finds:
        check([(r[1], r[3]) for r in finds[0][1:]] == [(f["id"], f["message"]) for _, f in want],
              "markdown: findings differ from JSON")
    secs = [t for t in p.tables if t[0][:2] == ["#", "Section"]]
    check(len(secs) == sum(1 for im in ims if im["sections"]), f"markdown: {len(secs)} section tables")
    for t, im in zip(secs, [im for im in ims if im["sections"]]):
        check([(r[1], int(r[5]), int(r[6])) for r in t[1:]] ==
              [(s["name"], s["vm_size"], s["file_size"]) for s in im["sections"]],
              f"markdown: sections of {im['path']} differ from JSON")


def sarif_valid(a, doc, where):
    schema = json.load(open(a.sarif_schema))
    v = jsonschema.validators.validator_for(schema)(schema)  # draft-04, as the schema declares
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    check(not errs, f"{where}: not valid SARIF 2.1.0: {[(list(e.path), e.message[:200]) for e in errs[:3]]}")
    check(doc.get("version") == "2.1.0" and len(doc.get("runs", [])) == 1, f"{where}: version/runs")


def check_sarif(a):
    inputs = INPUTS + ["gcc-nopie", "free-i386", "broken-phoff-past-eof"]
    doc = json.loads(run(a, ["-f", "sarif", "-j", "1"] + inputs, code=3))
    sarif_valid(a, doc, "sarif")
    rep = json.loads(run(a, ["-f", "json", "-j", "1"] + inputs, code=3))
    run_ = doc["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    check(len(ids) == len(set(ids)), "sarif: a rule id twice")
    for r in rules:
        check(r["help"]["text"] and r["shortDescription"]["text"], f"sarif: rule {r['id']} without help")
    want = [(im, f) for im in rep["images"] for f in im["findings"]]
    res = run_["results"]
    check(len(res) == len(want) and len(want) >= 10, f"sarif: {len(res)} results, JSON {len(want)} findings")
    level = {"error": "error", "warning": "warning", "info": "note"}
    seen = set()
    for r, (im, f) in zip(res, want):
        check(r["ruleId"] == f["id"] and ids[r["ruleIndex"]] == f["id"], f"sarif: rule of {f['id']}")
        check(r["level"] == level[f["severity"]], f"sarif: level of {f['id']}")
        check(r["message"]["text"] == f["message"], f"sarif: message of {f['id']}")
        loc = r["locations"][0]
        check(loc["physicalLocation"]["artifactLocation"]["uri"] == im["path"], f"sarif: uri {im['path']}")
        names = [l["name"] for l in loc.get("logicalLocations", [])]
        if im["member"]:
            check(names[:1] == [im["member"]], f"sarif: member of {f['id']} in {im['member']}")
        for e in f["evidence"]:
            if e["what"] in ("segment", "section"):
                check(e["name"] in names, f"sarif: {e['what']} {e['name']} not a logical location")
        off = [e for e in f["evidence"] if e.get("offset") is not None and e.get("size")]
        reg = loc["physicalLocation"].get("region")
        if off:
            check(reg == {"byteOffset": off[0]["offset"] + im["base_offset"], "byteLength": off[0]["size"]},
                  f"sarif: region of {f['id']}: {reg}")
        fp = r["partialFingerprints"]["segscanFinding/v1"]
        seen.add((fp, f["id"], im["path"], im["member"]))
    check(len({s[0] for s in seen}) == len({s[1:] for s in seen}) or len(seen) == len(res),
          "sarif: fingerprints collide across findings")
    # Stable across runs and independent of the other inputs of the run.
    again = json.loads(run(a, ["-f", "sarif", "-j", "2", "gcc-nopie"]))
    fps = {r["partialFingerprints"]["segscanFinding/v1"] for r in again["runs"][0]["results"]}
    check(fps and fps <= {s[0] for s in seen}, "sarif: fingerprints change between runs")
    inv = run_["invocations"][0]
    check(inv["executionSuccessful"] is False and len(inv["toolExecutionNotifications"]) == 1,
          "sarif: the broken input is not a notification")
    ok = json.loads(run(a, ["-f", "sarif", "gcc-pie"]))
    sarif_valid(a, ok, "sarif one input")
    check(ok["runs"][0]["invocations"][0]["executionSuccessful"] is True, "sarif: successful run")


def check_outputs(a):
    """-o FMT=FILE: one run writes text to stdout and SARIF, JSON, CSV, NDJSON and Markdown to
    files, each byte for byte what -f FMT writes alone; failures are told once on stderr."""
    args = ["-j", "1"] + INPUTS + ["broken-phoff-past-eof"]
    files = {f: os.path.join(a.work, "out." + f) for f in ("sarif", "json", "csv", "ndjson", "markdown")}
    r = subprocess.run([a.segscan] + [x for f, p in files.items() for x in ("-o", f"{f}={p}")] + args,
                       cwd=a.fixtures, capture_output=True, timeout=300)
    alone = subprocess.run([a.segscan] + args, cwd=a.fixtures, capture_output=True, timeout=300)
    check(r.returncode == 3 and r.stdout == alone.stdout, f"-o: stdout is not the text report ({r.returncode})")
    check(r.stderr == alone.stderr and r.stderr.count(b"broken-phoff-past-eof") == 1,
          f"-o: stderr differs or repeats: {r.stderr[:300]!r}")
    for f, p in files.items():
        want = subprocess.run([a.segscan, "-f", f] + args, cwd=a.fixtures, capture_output=True).stdout
        check(open(p, "rb").read() == want, f"-o {f}: file differs from -f {f}")
    sarif_valid(a, json.load(open(files["sarif"])), "-o sarif")
    bad = subprocess.run([a.segscan, "-o", "svg=x.svg", INPUTS[0]], cwd=a.fixtures, capture_output=True)
    check(bad.returncode == 2, "-o svg=FILE is not refused")
    nodir = subprocess.run([a.segscan, "-o", "json=/nonexistent/dir/x.json", INPUTS[0]], cwd=a.fixtures,
                           capture_output=True)
    check(nodir.returncode == 4 and b"cannot write" in nodir.stderr, "-o to an unwritable path: exit 4 (a write failure)")


def check_check_sarif(a):
    """segscan check -f sarif (and -o sarif=FILE beside the text on stdout) on the ci fixtures."""
    ci, src = a.ci_fixtures, a.ci_src
    for budget, arts, code in (("fail.yaml", ["prog_base"], 1),
                               ("policy.yaml", ["prog_wx", "prog_nopie", "prog_base"], 1),
                               ("warn.yaml", ["prog_base"], 0)):
        b = os.path.join(src, budget)
        r = subprocess.run([a.segscan, "check", "-b", b, "-f", "sarif"] + arts, cwd=ci, capture_output=True)
        check(r.returncode == code, f"check sarif {budget}: exit {r.returncode} {r.stderr[:200]!r}")
        doc = json.loads(r.stdout)
        sarif_valid(a, doc, f"check sarif {budget}")
        rep = json.loads(subprocess.run([a.segscan, "check", "-b", b, "-f", "json"] + arts, cwd=ci,
                                        capture_output=True).stdout)
        want = [x for x in rep["results"] if x["verdict"] in ("fail", "warn", "error")]
        res = doc["runs"][0]["results"]
        check(len(res) == len(want) and want, f"check sarif {budget}: {len(res)} results, {len(want)} wanted")
        rules = doc["runs"][0]["tool"]["driver"]["rules"]
        for got, x in zip(res, want):
            rid = ("policy/" if x["type"] == "policy" else "budget/") + x["rule"]
            check(got["ruleId"] == rid and rules[got["ruleIndex"]]["id"] == rid, f"check sarif: rule {rid}")
            check(got["level"] == ("warning" if x["verdict"] == "warn" else "error"), f"check sarif: level {rid}")
            check(got["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == x["artifact"],
                  f"check sarif: artifact of {rid}")
            rel = got["relatedLocations"][0]["physicalLocation"]
            check(rel["region"]["startLine"] == x["line"], f"check sarif: budget line of {rid}")
        check(doc["runs"][0]["invocations"][0]["exitCode"] == code, f"check sarif {budget}: exitCode")
    # One run: text on stdout, SARIF and JSON to files.
    out = os.path.join(a.work, "check.sarif")
    js = os.path.join(a.work, "check.json")
    r = subprocess.run([a.segscan, "check", "-b", os.path.join(src, "fail.yaml"), "-o", f"sarif={out}",
                        "-o", f"json={js}", "prog_base"], cwd=ci, capture_output=True)
    check(r.returncode == 1 and b"data section" in r.stdout, "check -o: text on stdout")
    sarif_valid(a, json.load(open(out)), "check -o sarif")
    check(json.load(open(js))["command"] == "check", "check -o json")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("check")
    p.add_argument("--segscan", required=True)
    p.add_argument("--fixtures", required=True)
    p.add_argument("--schema", required=True)
    p.add_argument("--sarif-schema")
    p.add_argument("--ci-fixtures")
    p.add_argument("--ci-src")
    p.add_argument("--work", default=".")
    a = p.parse_args()
    for f in INPUTS:
        check(os.path.exists(os.path.join(a.fixtures, f)), f"fixture {f} missing")
    os.makedirs(a.work, exist_ok=True)
    if failures:
        return 1
    globals()["check_" + a.check](a)
    print(f"formats {a.check}: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
