#!/usr/bin/env python3
"""Tests of `segscan check` and `segscan diff` (issue 6).

    ci_test.py build  --out DIR --src fixtures/ci          builds the fixtures
    ci_test.py GROUP  --segscan BIN --out DIR --src fixtures/ci

Every number segscan prints is compared with what readelf -S -W, readelf -l -W, size -A and
Python's zlib compute independently on the same files; nothing is compared with segscan's own
output of another run.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---- fixtures ---------------------------------------------------------------------------------

VARIANTS = {
    # name: extra gcc flags; all but base differ from base by exactly one change
    "prog_base": ["-fPIE", "-pie"],
    "prog_grown": ["-fPIE", "-pie", "-DCI_GROWN"],
    "prog_newsec": ["-fPIE", "-pie", "-DCI_NEWSEC"],
    "prog_nopie": ["-fno-pie", "-no-pie"],
    "prog_wx": ["-fPIE", "-pie", "-DCI_WX"],
}


def build(out, src):
    os.makedirs(out, exist_ok=True)
    for name, flags in VARIANTS.items():
        # -Wl,--no-warn-rwx-segments silences GNU ld's warning about the W+X build (if it knows
        # the option); the build itself is what is under test.
        cmd = ["gcc", "-O1", "-g0", "-o", os.path.join(out, name), os.path.join(src, "prog.c")]
        r = run(cmd + flags + ["-Wl,--no-warn-rwx-segments"])
        if r.returncode != 0:
            r = run(cmd + flags)
        if r.returncode != 0:
            sys.exit("cannot build %s: %s" % (name, r.stderr))
    for variant, flags in (("base", []), ("grown", ["-DCI_GROWN"])):
        d = os.path.join(out, "lib_" + variant)
        os.makedirs(d, exist_ok=True)
        objs = []
        for m in ("member_a", "member_b"):
            o = os.path.join(d, m + ".o")
            r = run(["gcc", "-O1", "-g0", "-c", "-o", o, os.path.join(src, m + ".c")] + flags)
            if r.returncode != 0:
                sys.exit("cannot build %s: %s" % (o, r.stderr))
            objs.append(o)
        lib = os.path.join(d, "libci.a")
        if os.path.exists(lib):
            os.unlink(lib)
        r = run(["ar", "rcs", lib] + objs)
        if r.returncode != 0:
            sys.exit("ar failed: " + r.stderr)
    # Deterministic inputs of the golden outputs (yaml2obj-14, installed by .ci/setup); without
    # it the golden group would have nothing to compare, so that is a failure.
    if not shutil.which("yaml2obj-14"):
        sys.exit("yaml2obj-14 not found: the golden fixtures cannot be built (run .ci/setup)")
    gdir = os.path.join(out, "golden")
    os.makedirs(os.path.join(gdir, "baseline"), exist_ok=True)
    for g in ("golden-base", "golden-new"):
        r = run(["yaml2obj-14", os.path.join(src, g + ".yaml"), "-o", os.path.join(gdir, g)])
        if r.returncode != 0:
            sys.exit("yaml2obj-14 %s: %s" % (g, r.stderr))
    shutil.copyfile(os.path.join(gdir, "golden-base"), os.path.join(gdir, "baseline", "golden-new"))
    # Baseline layout for the relative rules: baseline/prog is the base build, new/prog grown.
    for d, v in (("baseline", "prog_base"), ("new", "prog_grown")):
        os.makedirs(os.path.join(out, d), exist_ok=True)
        shutil.copyfile(os.path.join(out, v), os.path.join(out, d, "prog"))
    print("fixtures built in", out)


# ---- independent oracles ----------------------------------------------------------------------

SEC_RE = re.compile(r"^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)"
                    r"\s+([0-9a-f]+)\s+(.*)$")


def readelf_sections(path):
    """name -> (vm_size, file_size) as segscan's model defines them."""
    out = run(["readelf", "-S", "-W", path]).stdout
    secs = {}
    for line in out.splitlines():
        m = SEC_RE.match(line)
        if not m or m.group(1) == "0":
            continue
        name, typ, size = m.group(2), m.group(3), int(m.group(6), 16)
        tail = m.group(8).split()
        flags = tail[0] if len(tail) == 4 else ""
        alloc = "A" in flags
        secs[name] = (size if alloc else 0, 0 if typ == "NOBITS" else size)
    return secs


def readelf_loads(path):
    """Sum of memsz and filesz over PT_LOAD."""
    out = run(["readelf", "-l", "-W", path]).stdout
    vm = fs = 0
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            fs += int(f[4], 16)
            vm += int(f[5], 16)
    return vm, fs


def size_A(path, section):
    out = run(["size", "-A", path]).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] == section:
            return int(f[1])
    return None


def size_B(path):
    """GNU size's Berkeley totals: text, data, bss."""
    out = run(["size", "-B", path]).stdout.splitlines()
    f = out[1].split()
    return int(f[0]), int(f[1]), int(f[2])


def gzip6(path):
    """A gzip stream at level 6 through zlib, as segscan computes it (the gzip program has its
    own deflate and can differ by a fraction of a percent on large files)."""
    with open(path, "rb") as fh:
        data = fh.read()
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    return len(z.compress(data) + z.flush())


# ---- helpers ----------------------------------------------------------------------------------

class Ctx:
    def __init__(self, a):
        self.segscan = a.segscan
        self.out = a.out
        self.src = a.src
        self.macho = a.macho
        self.lipo = a.lipo
        self.golden = a.golden
        self.update = a.update

    def fx(self, name):
        return os.path.join(self.out, name)

    def budget(self, name):
        return os.path.join(self.src, name)

    def segscan_run(self, *args, cwd=None):
        return run([self.segscan] + list(args), cwd=cwd)


def results_by_rule(doc):
    by = {}
    for r in doc["results"]:
        by.setdefault(r["rule"], []).append(r)
    return by


# ---- diff -------------------------------------------------------------------------------------

def validate(doc, schema_name):
    """Validates doc against docs/SCHEMA; jsonschema (installed by .ci/setup) is required: a
    missing validator fails the test instead of skipping the check."""
    import jsonschema
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", schema_name)
    with open(path) as fh:
        schema = json.load(fh)
    try:
        jsonschema.Draft202012Validator(schema).validate(doc)
    except jsonschema.ValidationError as e:
        check(False, "%s: %s at %s" % (schema_name, e.message, list(e.absolute_path)))


def diff_json(c, a, b):
    r = c.segscan_run("diff", "-f", "json", a, b)
    check(r.returncode == 0, "diff %s %s exits 0 (got %d: %s)" % (a, b, r.returncode, r.stderr))
    doc = json.loads(r.stdout)
    validate(doc, "segscan-diff.schema.json")
    return doc


def check_tables_against_readelf(c, doc, a, b, label):
    u = doc["units"][0]
    ra, rb = readelf_sections(a), readelf_sections(b)
    rows = {r["name"]: r for r in u["sections"]}
    for side, secs in (("before", ra), ("after", rb)):
        for name, (vm, fs) in secs.items():
            row = rows.get(name)
            check(row is not None, "%s: section %s in the diff" % (label, name))
            if row is None:
                continue
            check(row["vm_size"][side] == vm,
                  "%s: %s vm %s %s == readelf %d" % (label, name, side, row["vm_size"][side], vm))
            check(row["file_size"][side] == fs,
                  "%s: %s file %s %s == readelf %d" % (label, name, side, row["file_size"][side], fs))
    for name, row in rows.items():
        if name.startswith("[") or name == "":
            continue
        check((name in ra) == (row["vm_size"]["before"] is not None),
              "%s: %s present before iff readelf has it" % (label, name))
        check((name in rb) == (row["vm_size"]["after"] is not None),
              "%s: %s present after iff readelf has it" % (label, name))
        d = (row["file_size"]["after"] or 0) - (row["file_size"]["before"] or 0)
        check(row["file_size"]["delta"] == d, "%s: %s file delta" % (label, name))
    # Sorted by the larger absolute change, largest first.
    keys = [max(abs(r["vm_size"]["delta"]), abs(r["file_size"]["delta"])) for r in u["sections"]]
    check(keys == sorted(keys, reverse=True), "%s: sections sorted by absolute change" % label)
    # The section table's file column (sections plus headers and padding) sums to the file size.
    tot = u["sections_total"]["file_size"]
    check(tot["before"] == os.path.getsize(a) and tot["after"] == os.path.getsize(b),
          "%s: section total file size %s == file sizes" % (label, tot))
    for side, p in (("before", a), ("after", b)):
        vm, fs = readelf_loads(p)
        lv = sum(r["vm_size"][side] or 0 for r in u["segments"] if r["name"].startswith("LOAD "))
        lf = sum(r["file_size"][side] or 0 for r in u["segments"] if r["name"].startswith("LOAD "))
        check((lv, lf) == (vm, fs), "%s: LOAD %s (%d, %d) == readelf (%d, %d)"
              % (label, side, lv, lf, vm, fs))
        st = u["segments_total"]
        check((st["vm_size"][side], st["file_size"][side]) == (vm, fs),
              "%s: segment total %s counts the loadable segments" % (label, side))
        t, d, bss = size_B(p)
        tot = u["totals"]
        check((tot["text"][side], tot["data"][side], tot["bss"][side]) == (t, d, bss),
              "%s: text/data/bss %s == size -B (%d %d %d)" % (label, side, t, d, bss))
        check(tot["file-size"][side] == os.path.getsize(p), "%s: file-size %s" % (label, side))


def t_diff(c):
    base = c.fx("prog_base")
    # A new section.
    b = c.fx("prog_newsec")
    doc = diff_json(c, base, b)
    check_tables_against_readelf(c, doc, base, b, "newsec")
    u = doc["units"][0]
    rows = {r["name"]: r for r in u["sections"]}
    new = rows.get(".ci_new")
    check(new is not None and new["status"] == "added" and new["vm_size"]["before"] is None and
          new["vm_size"]["after"] == 3000 and new["file_size"]["after"] == 3000,
          "newsec: .ci_new added with 3000 bytes: %s" % new)
    check(not any(ch["id"] == "pie-lost" for ch in u["changes"]), "newsec: PIE kept")
    # A grown array: .data grows by exactly 4000 bytes (1000 more ints).
    b = c.fx("prog_grown")
    doc = diff_json(c, base, b)
    check_tables_against_readelf(c, doc, base, b, "grown")
    u = doc["units"][0]
    rows = {r["name"]: r for r in u["sections"]}
    check(rows[".data"]["vm_size"]["delta"] == 4000 and rows[".data"]["file_size"]["delta"] == 4000,
          "grown: .data +4000: %s" % rows[".data"])
    check(u["sections"][0]["name"] == ".data", "grown: .data is the largest change")
    pct = 100.0 * 4000 / rows[".data"]["vm_size"]["before"]
    check(abs(rows[".data"]["vm_size"]["percent"] - pct) < 1e-3 * pct,
          "grown: .data percent %s vs %f" % (rows[".data"]["vm_size"]["percent"], pct))
    check(u["changes"] == [], "grown: no permission change: %s" % u["changes"])
    # Lost PIE.
    b = c.fx("prog_nopie")
    doc = diff_json(c, base, b)
    check_tables_against_readelf(c, doc, base, b, "nopie")
    u = doc["units"][0]
    ids = [ch["id"] for ch in u["changes"]]
    check("pie-lost" in ids, "nopie: a pie-lost finding: %s" % ids)
    msgs = [ch["message"] for ch in u["changes"]]
    check("PIE lost" in msgs, "nopie: message 'PIE lost'")
    perms = {p["property"]: p for p in u["permissions"]}
    check(perms["pie"]["before"] == "yes" and perms["pie"]["after"] == "no", "nopie: pie yes -> no")
    # A new W+X section and segment.
    b = c.fx("prog_wx")
    doc = diff_json(c, base, b)
    ids = [ch["id"] for ch in doc["units"][0]["changes"]]
    check("wx-section-new" in ids and "wx-segment-new" in ids, "wx: new W+X findings: %s" % ids)

    # Text and Markdown name the change; CSV carries the same numbers as JSON.
    r = c.segscan_run("diff", base, c.fx("prog_newsec"))
    check(r.returncode == 0 and re.search(r"^\+ \.ci_new\s+-\s+3000\s+\+3000\s+new", r.stdout, re.M),
          "text diff shows '+ .ci_new - 3000 +3000 new':\n" + r.stdout)
    r = c.segscan_run("diff", "-f", "markdown", base, c.fx("prog_nopie"))
    check(r.returncode == 0 and "PIE lost" in r.stdout and "| Segment |" in r.stdout,
          "markdown diff names PIE lost")
    r = c.segscan_run("diff", "-f", "csv", base, c.fx("prog_grown"))
    check(r.returncode == 0, "csv diff exits 0")
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    data = [x for x in rows if x["table"] == "sections" and x["name"] == ".data"]
    check(len(data) == 2 and all(x["delta"] == "4000" for x in data), "csv: .data +4000 in vm and file")
    sa, sb = readelf_sections(base), readelf_sections(c.fx("prog_grown"))
    check(int(data[0]["before"]) == sa[".data"][0] and int(data[0]["after"]) == sb[".data"][0],
          "csv: .data before/after == readelf")

    # Archives, member by member.
    la, lb = c.fx("lib_base/libci.a"), c.fx("lib_grown/libci.a")
    doc = diff_json(c, la, lb)
    units = {u["member"]: u for u in doc["units"]}
    check(set(units) == {"member_a.o", "member_b.o"}, "archive: two members: %s" % list(units))
    ua, ub = units.get("member_a.o"), units.get("member_b.o")
    if ua and ub:
        check(ua["status"] == "same", "archive: member_a.o unchanged")
        d = {r["name"]: r for r in ub["sections"]}
        check(d[".data"]["file_size"]["delta"] == 4000, "archive: member_b.o .data +4000")
        oa = readelf_sections(c.fx("lib_base/member_b.o"))
        check(d[".data"]["file_size"]["before"] == oa[".data"][1], "archive: member_b.o .data == readelf")

    # Usage and input errors.
    r = c.segscan_run("diff", base)
    check(r.returncode == 2, "diff with one input exits 2")
    r = c.segscan_run("diff", "-f", "xml", base, base)
    check(r.returncode == 2, "diff -f xml exits 2")
    r = c.segscan_run("diff", base, c.budget("pass.yaml"))
    check(r.returncode == 3 and "pass.yaml" in r.stderr, "diff with a non-binary exits 3")
    r = c.segscan_run("diff", "--help")
    check(r.returncode == 0 and "exit status" in r.stdout, "diff --help")


# ---- check ------------------------------------------------------------------------------------

def check_json(c, budget, *arts, expect, extra=()):
    r = c.segscan_run("check", "--budget", c.budget(budget), "-f", "json", *extra, *arts)
    check(r.returncode == expect, "check %s exits %d (got %d: %s)" % (budget, expect, r.returncode,
                                                                     r.stderr))
    try:
        doc = json.loads(r.stdout)
        validate(doc, "segscan-check.schema.json")
        return doc
    except ValueError:
        check(False, "check %s writes JSON: %r" % (budget, r.stdout[:200]))
        return {"results": [], "summary": {}}


def t_check(c):
    base = c.fx("prog_base")
    data_vm = readelf_sections(base)[".data"][0]
    check(data_vm == size_A(base, ".data"), "oracles agree on .data")
    check(40000 <= data_vm <= 40200, "fixture .data is 40000-40200 bytes (%d)" % data_vm)

    doc = check_json(c, "pass.yaml", base, c.fx("prog_grown"), expect=0)
    by = results_by_rule(doc)
    d = by["data section"]
    check(len(d) == 2, "the prog_* glob matched two artifacts")
    check(d[0]["value"] == data_vm and d[0]["limit"] == 48 * 1024 and
          d[0]["headroom"] == 48 * 1024 - data_vm and d[0]["verdict"] == "pass",
          "pass: .data value/limit/headroom: %s" % d[0])
    check(d[1]["value"] == readelf_sections(c.fx("prog_grown"))[".data"][0], "pass: grown .data")
    w = by["whole file"][0]
    check(w["value"] == os.path.getsize(base) and w["limit"] == 1 << 20, "pass: file size")
    check(by["bss total"][0]["value"] == size_B(base)[2], "pass: bss == size -B")
    check(by["text total"][0]["value"] == size_B(base)[0], "pass: text == size -B")
    g = by["download size"][0]
    check(g["value"] == gzip6(base) and g["limit"] == 200000, "pass: gzip-size == zlib level 6 (%s vs %d)"
          % (g["value"], gzip6(base)))
    check(by["code bytes"][0]["limit"] == 512 * 1024, "pass: 0.5 MiB == 524288")
    code = sum(v[1] for k, v in readelf_sections(base).items() if k in (".init", ".plt", ".plt.got",
                                                                          ".plt.sec", ".text", ".fini"))
    check(by["code bytes"][0]["value"] == code, "pass: code kind file bytes == readelf (%s vs %d)"
          % (by["code bytes"][0]["value"], code))
    check(by["require-pie"][0]["verdict"] == "pass" and by["require-pie"][0]["state"] == "yes",
          "pass: require-pie")
    check(by["forbid-wx"][0]["verdict"] == "pass", "pass: forbid-wx")
    check(doc["summary"]["fail"] == 0 and doc["summary"]["warn"] == 0, "pass: no fail or warn")

    doc = check_json(c, "warn.yaml", base, expect=0)
    d = results_by_rule(doc)["data section"][0]
    check(d["verdict"] == "warn" and d["limit"] == 39 * 1024 and d["headroom"] == 39 * 1024 - data_vm,
          "warn: .data over 39 KiB warns: %s" % d)
    check(doc["summary"]["warn"] == 1 and doc["summary"]["exit_code"] == 0, "warn: summary")

    doc = check_json(c, "fail.yaml", base, expect=1)
    by = results_by_rule(doc)
    check(by["data section"][0]["verdict"] == "fail", "fail: .data over 39 KiB fails")
    check(by["data kind"][0]["verdict"] == "warn" and by["data kind"][0]["limit"] == 39000,
          "fail: kB is 1000 bytes")
    check(by["whole file"][0]["verdict"] == "pass", "fail: other rules still judged")

    # Text output: the verdict, value and limit of each rule.
    r = c.segscan_run("check", "--budget", c.budget("fail.yaml"), base)
    check(r.returncode == 1 and re.search(r"^FAIL\s+data section\s+.*%d .*39936" % data_vm, r.stdout, re.M),
          "fail: text row:\n" + r.stdout)

    # Relative rules against a baseline directory (baseline/prog is the base build).
    new = c.fx("new/prog")
    nd = readelf_sections(new)[".data"][0]
    doc = check_json(c, "relative.yaml", new, expect=1, extra=("--baseline", c.fx("baseline")))
    by = results_by_rule(doc)
    r5 = by["data +5%"][0]
    check(r5["baseline_value"] == data_vm and r5["value"] == nd and nd - data_vm == 4000,
          "relative: baseline and value from readelf: %s" % r5)
    check(r5["verdict"] == "fail" and r5["limit"] == data_vm + data_vm * 5 // 100, "relative: +5% fails")
    r12 = by["data +12.5%"][0]
    check(r12["verdict"] == "pass" and r12["limit"] == data_vm + data_vm * 125 // 1000,
          "relative: +12.5%% passes: %s" % r12)
    check(by["data +4 KiB"][0]["verdict"] == "pass" and by["data +4 KiB"][0]["limit"] == data_vm + 4096,
          "relative: +4 KiB passes")
    check(by["data +3 kB"][0]["verdict"] == "warn" and by["data +3 kB"][0]["limit"] == data_vm + 3000,
          "relative: +3 kB warns")
    both = by["data +12.5% and max 40 KiB"][0]
    check(both["verdict"] == "fail" and both["limit"] == 40 * 1024,
          "relative: the smaller of max and growth limit: %s" % both)
    # A baseline file (not a directory) and no baseline at all.
    doc = check_json(c, "relative.yaml", new, expect=1, extra=("--baseline", base))
    check(results_by_rule(doc)["data +5%"][0]["baseline_value"] == data_vm, "relative: baseline file")
    doc = check_json(c, "relative.yaml", new, expect=1)
    r5 = results_by_rule(doc)["data +5%"][0]
    check(r5["verdict"] == "skip" and "no baseline" in (r5["note"] or ""), "relative: no baseline skips")

    # Permission policy.
    doc = check_json(c, "policy.yaml", c.fx("prog_wx"), c.fx("prog_nopie"), base, expect=1)
    by = results_by_rule(doc)
    check(by["no W+X"][0]["verdict"] == "fail" and ".ci_wx" in by["no W+X"][0]["note"],
          "policy: W+X fails naming .ci_wx: %s" % by["no W+X"][0])
    ex = by["W+X allowed in .ci_wx"][0]
    check(ex["verdict"] == "exempt" and ex["allowed_because"] == "trampoline <&> under test",
          "policy: allow-list exempts .ci_wx: %s" % ex)
    check(by["PIE (warn)"][0]["verdict"] == "warn" and by["PIE (warn)"][0]["state"] == "no",
          "policy: non-PIE warns")
    check(by["PIE (legacy allowed)"][0]["verdict"] == "exempt", "policy: artifact allow-list")
    check(by["W+X in the clean build"][0]["verdict"] == "pass", "policy: clean build passes")

    # Archives: one result per member.
    doc = check_json(c, "archive.yaml", c.fx("lib_grown/libci.a"), expect=0)
    by = results_by_rule(doc)
    mem = {r["member"]: r for r in by["member data"]}
    check(set(mem) == {"member_a.o", "member_b.o"}, "archive: a result per member")
    for m in ("member_a.o", "member_b.o"):
        if m in mem:
            exp = readelf_sections(c.fx("lib_grown/" + m))[".data"]
            # Relocatable objects have no addresses: vm size of an allocated section is its size.
            check(mem[m]["value"] == exp[0], "archive: %s .data == readelf (%s)" % (m, exp))
    check(by["archive file"][0]["value"] == os.path.getsize(c.fx("lib_grown/libci.a")),
          "archive: whole file size")
    sa = sum(readelf_sections(c.fx("lib_grown/" + m))[".data"][1] for m in ("member_a.o", "member_b.o"))
    check(by["archive data (all members)"][0]["value"] >= sa, "archive: data summed over members")

    # An artifact that cannot be analyzed: exit 3, and it wins over a failed rule.
    r = c.segscan_run("check", "--budget", c.budget("fail.yaml"), base, c.budget("pass.yaml"))
    check(r.returncode == 3, "check with a non-binary artifact exits 3 (got %d)" % r.returncode)
    r = c.segscan_run("check", "--help")
    check(r.returncode == 0 and "exit status" in r.stdout, "check --help")


def t_errors(c):
    base = c.fx("prog_base")
    bad = os.path.join(c.src, "bad")
    cases = [
        ("syntax.yaml", r":5:11: syntax error: did not find expected ',' or ']'"),
        ("unknown-metric.yaml", r":4:13: unknown metric 'file-sise'"),
        ("unknown-section.yaml", r":5:14: rule 'vm-size \.nosuch': no section '\.nosuch' in .*prog_base"),
        ("bad-unit.yaml", r":5:10: '12 KB': bad size unit"),
        ("unknown-kind.yaml", r":4:11: unknown kind 'heap'"),
        ("unknown-key.yaml", r":4:5: unknown key 'maximum'"),
        ("no-limit.yaml", r":3:5: a budget needs a limit"),
        ("bad-level.yaml", r":5:12: unknown level 'error'"),
        ("bad-percent.yaml", r":4:17: 'five%': a percentage"),
        ("no-reason.yaml", r":5:9: an allow entry needs a reason"),
        ("unknown-rule.yaml", r":3:11: unknown policy rule 'require-canaries'"),
        ("bad-version.yaml", r":1:10: unknown budget file version '2'"),
        ("scope-metric.yaml", r":2:13: section, segment, kind, symbols, compileunits and crates go with"),
        ("empty.yaml", r":1:1: the budget file is empty"),
        ("dup-key.yaml", r":5:5: duplicate key 'max' \(first at line 4\)"),
    ]
    for name, pat in cases:
        path = os.path.join(bad, name)
        r = c.segscan_run("check", "--budget", path, base)
        check(r.returncode == 2, "%s exits 2 (got %d)" % (name, r.returncode))
        check(re.search(re.escape(path) + pat, r.stderr) is not None,
              "%s: message /%s/ in %r" % (name, pat, r.stderr))
        check(r.stdout == "", "%s: nothing on stdout" % name)
    # Usage errors.
    for args in (["check", base], ["check", "--budget", c.budget("pass.yaml")],
                 ["check", "--budget", c.budget("pass.yaml"), "-f", "yaml", base],
                 ["check", "--budget", os.path.join(bad, "missing.yaml"), base],
                 ["check", "--budget", c.budget("pass.yaml"), "--baseline", "/nonexistent", base]):
        r = c.segscan_run(*args)
        check(r.returncode == 2, "%s exits 2 (got %d)" % (args, r.returncode))


def t_docs(c):
    """The budget file example of the README parses and runs."""
    readme = os.path.join(os.path.dirname(c.src.rstrip("/")), "..", "README.md")
    with open(readme) as fh:
        text = fh.read()
    m = re.search(r"```yaml\n(# ci/budget.yaml\n.*?)```", text, re.S)
    check(m is not None, "README has the budget example")
    if m is None:
        return
    # Run where its paths exist: build/app, build/libfoo.a (an archive of objects).
    work = os.path.join(c.out, "readme")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "ci"))
    os.makedirs(os.path.join(work, "build"))
    shutil.copyfile(c.fx("prog_base"), os.path.join(work, "build", "app"))
    shutil.copyfile(c.fx("lib_base/libci.a"), os.path.join(work, "build", "libfoo.a"))
    b = os.path.join(work, "ci", "budget.yaml")
    with open(b, "w") as fh:
        fh.write(m.group(1))
    r = c.segscan_run("check", "--budget", "ci/budget.yaml", "-f", "json", "build/app",
                      "build/libfoo.a", cwd=work)
    check(r.returncode == 0, "README example: exit 0 (got %d: %s)" % (r.returncode, r.stderr))
    doc = json.loads(r.stdout)
    check(len({x["rule"] for x in doc["results"]}) == 15, "README example: 15 rules")
    verdicts = {(x["rule"], x["verdict"]) for x in doc["results"]}
    check(("plugins (built only on some platforms)", "skip") in verdicts,
          "README example: the optional rule is skipped: %s" % sorted(verdicts))
    check(doc["summary"]["fail"] == 0, "README example: nothing fails: %s" % doc["summary"])
    # Without the archive, its rule fails closed.
    r = c.segscan_run("check", "--budget", "ci/budget.yaml", "build/app", cwd=work)
    check(r.returncode == 1 and "'build/libfoo.a' matched none" in r.stderr,
          "README example without build/libfoo.a: exit 1 (got %d: %s)" % (r.returncode, r.stderr))


def t_mutate(c):
    """Mutated budget files: a clean exit (0-3) and no sanitizer report, every time."""
    import random
    rnd = random.Random(6)
    seeds = []
    for name in ("pass.yaml", "policy.yaml", "relative.yaml", "archive.yaml"):
        with open(c.budget(name), "rb") as fh:
            seeds.append(fh.read())
    path = os.path.join(c.out, "mutant.yaml")
    tokens = [b"[", b"]", b"{", b"}", b":", b"- ", b"&a ", b"*a", b"!!binary ", b"\t", b"\x00",
              b"\xff\xfe", b"'", b'"', b"%", b"1e999", b"99999999999999999999999 GiB", b"\n  ",
              b"<<: *a\n", b"---\n", b"...\n", b"? ", b"|\n", b"\xe2\x80\xae"]
    for i in range(200):
        data = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randint(1, 4)):
            pos = rnd.randrange(len(data) + 1)
            op = rnd.randrange(3)
            if op == 0:
                data[pos:pos] = rnd.choice(tokens)
            elif op == 1:
                del data[pos:pos + rnd.randint(1, 20)]
            else:
                data[pos:pos + 1] = bytes([rnd.randrange(256)])
        with open(path, "wb") as fh:
            fh.write(data)
        r = subprocess.run([c.segscan, "check", "--budget", path, "-f", "junit",
                            c.fx("prog_base")], capture_output=True)
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode in (0, 1, 2, 3) and "Sanitizer" not in err and "runtime error" not in err,
              "mutant %d: exit %d %s" % (i, r.returncode, err[-500:]))
        if r.returncode in (0, 1):
            try:
                ET.fromstring(r.stdout)
            except ET.ParseError as e:
                check(False, "mutant %d: junit is not XML: %s" % (i, e))


def t_junit(c):
    base = c.fx("prog_base")
    out = os.path.join(c.out, "check.xml")
    md = os.path.join(c.out, "check.md")
    r = c.segscan_run("check", "--budget", c.budget("policy.yaml"), "-f", "junit",
                      "-o", "junit=" + out, "-o", "markdown=" + md,
                      c.fx("prog_wx"), c.fx("prog_nopie"), base)
    check(r.returncode == 1, "junit run exits 1")
    with open(out) as fh:
        check(fh.read() == r.stdout, "-o junit=FILE writes what -f junit prints")
    root = ET.fromstring(r.stdout)
    check(root.tag == "testsuites", "junit: root testsuites")
    suites = root.findall("testsuite")
    check(len(suites) == 1, "junit: one testsuite")
    cases = suites[0].findall("testcase")
    check(len(cases) == 5 and int(suites[0].get("tests")) == 5, "junit: a testcase per result")
    fails = [t for t in cases if t.find("failure") is not None]
    check(len(fails) == 1 and int(suites[0].get("failures")) == 1, "junit: one failure")
    check(fails and "no W+X" in fails[0].get("name"), "junit: the W+X rule failed")
    warns = [t for t in cases if "verdict=warn" in (t.findtext("system-out") or "")]
    check(len(warns) == 1 and warns[0].find("failure") is None, "junit: warn passes with system-out")
    exempt = [t for t in cases if "trampoline <&> under test" in (t.findtext("system-out") or "")]
    check(len(exempt) == 1, "junit: reason with <&> escaped and read back")
    for t in cases:
        check(t.get("classname") in ("segscan.policy", "segscan.budget") and t.get("name"),
              "junit: classname and name")
    # Budget rows with skips, and the pass budget: valid XML too.
    r = c.segscan_run("check", "--budget", c.budget("relative.yaml"), "-f", "junit", c.fx("new/prog"))
    root = ET.fromstring(r.stdout)
    check(int(root.get("skipped")) == 4 and len(root.findall(".//skipped")) == 4,
          "junit: rules without a baseline are skipped")
    with open(md) as fh:
        text = fh.read()
    check(text.startswith("### ") and "| ❌ fail |" in text and "<details>" in text,
          "markdown: heading, failure table, details")
    check("trampoline &lt;&amp;&gt; under test" in text, "markdown: reason escaped")


def t_sanity(c):
    # A rule name and an artifact path full of markup: every format stays valid.
    d = os.path.join(c.out, "weird")
    os.makedirs(d, exist_ok=True)
    art = os.path.join(d, "a<b>&\"c'|`*x")
    shutil.copyfile(c.fx("prog_base"), art)
    b = os.path.join(d, "budget.yaml")
    with open(b, "w") as fh:
        fh.write('budgets:\n  - name: "<script>&\\"|`*\\u0007\\u202e"\n    metric: file-size\n'
                 '    max: 1\n')
    r = c.segscan_run("check", "--budget", b, "-f", "junit", art)
    check(r.returncode == 1, "weird: fails")
    try:
        root = ET.fromstring(r.stdout)
        name = root.find(".//testcase").get("name")
        check("<script>" in name and "\x07" not in name and "\u202e" not in name,
              "weird: name escaped: %r" % name)
    except ET.ParseError as e:
        check(False, "weird: junit is XML: %s" % e)
    r = c.segscan_run("check", "--budget", b, "-f", "json", art)
    check(json.loads(r.stdout)["results"][0]["rule"].startswith("<script>"), "weird: json")
    r = c.segscan_run("check", "--budget", b, "-f", "markdown", art)
    check("<script>" not in r.stdout and "\x07" not in r.stdout, "weird: markdown escaped")
    r = c.segscan_run("check", "--budget", b, art)
    check("\x07" not in r.stdout and "\u202e" not in r.stdout, "weird: text escaped")


def t_universal(c):
    fat = os.path.join(c.macho, "fat-exe")
    nopie = os.path.join(c.out, "fat-nopie")
    r = run([c.lipo, "-create", os.path.join(c.macho, "exe-x86_64-nopie"),
             os.path.join(c.macho, "exe-arm64"), "-output", nopie])
    check(r.returncode == 0, "lipo: " + r.stderr)
    doc = diff_json(c, fat, nopie)
    units = {u["member"]: u for u in doc["units"]}
    check(sorted(units) == ["arm64", "x86_64"], "universal: a unit per slice: %s" % sorted(units))
    check(units["arm64"]["status"] == "same" and units["arm64"]["changes"] == [],
          "universal: arm64 slice unchanged")
    x = units["x86_64"]
    check([ch["id"] for ch in x["changes"]] == ["pie-lost"], "universal: x86_64 lost PIE")
    check(doc["file_size"]["before"] == os.path.getsize(fat) and
          doc["file_size"]["after"] == os.path.getsize(nopie), "universal: file sizes")
    # A slice is the thin file, byte for byte.
    thin = os.path.getsize(os.path.join(c.macho, "exe-x86_64-nopie"))
    check(x["totals"]["file-size"]["after"] == thin, "universal: x86_64 slice size == thin file")
    # check: a rule per slice.
    b = os.path.join(c.out, "universal.yaml")
    with open(b, "w") as fh:
        fh.write("policy:\n  - rule: require-pie\n    members: '*'\n")
    r = c.segscan_run("check", "--budget", b, "-f", "json", nopie)
    check(r.returncode == 1, "universal check exits 1")
    res = {x["member"]: x["verdict"] for x in json.loads(r.stdout)["results"]}
    check(res == {"x86_64": "fail", "arm64": "pass"}, "universal: per-slice verdicts %s" % res)


def t_unmatched(c):
    """check fails closed (issue 23): a rule whose pattern matches nothing fails, unless it is
    optional or the command says --allow-unmatched; patterns match every spelling of a path."""
    base = c.fx("prog_base")
    work = os.path.join(c.out, "unmatched")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "build"))
    app = os.path.join(work, "build", "app")
    shutil.copyfile(base, app)
    lib = os.path.join(work, "build", "libci.a")
    shutil.copyfile(c.fx("lib_base/libci.a"), lib)
    size = os.path.getsize(app)
    bfile = os.path.join(work, "budget.yaml")

    def budget(text):
        with open(bfile, "w") as fh:
            fh.write(text)

    def run_json(*args, expect):
        r = c.segscan_run("check", "--budget", bfile, "-f", "json", *args, cwd=work)
        check(r.returncode == expect, "check %s exits %d (got %d: %s)" % (args, expect, r.returncode,
                                                                         r.stderr))
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            check(False, "check %s writes JSON: %r" % (args, r.stdout[:200]))
            return r, {"results": []}
        validate(doc, "segscan-check.schema.json")
        return r, doc

    # A pattern that matches nothing: exit 1, a message naming the pattern and the artifacts.
    budget("budgets:\n  - name: renamed app\n    artifacts: build/application\n"
           "    metric: file-size\n    max: 100 MiB\n")
    r, doc = run_json("build/app", "build/libci.a", expect=1)
    check(re.search(r"budget\.yaml:2:5: rule 'renamed app': artifacts pattern 'build/application' "
                    r"matched none of the artifacts: build/app, build/libci\.a", r.stderr),
          "unmatched: stderr names the pattern and the artifacts: %r" % r.stderr)
    res = doc["results"]
    check(len(res) == 1 and res[0]["verdict"] == "fail" and res[0]["artifact"] is None and
          "build/application" in res[0]["note"] and "build/libci.a" in res[0]["note"],
          "unmatched: one failed result naming pattern and artifacts: %s" % res)
    check(doc["summary"]["fail"] == 1 and doc["summary"]["exit_code"] == 1, "unmatched: summary")
    r = c.segscan_run("check", "--budget", bfile, "build/app", cwd=work)
    check(r.returncode == 1 and re.search(r"^FAIL\s+renamed app\s+-", r.stdout, re.M),
          "unmatched: FAIL row in the text report: %r" % r.stdout)
    for fmt in ("junit", "markdown"):
        r = c.segscan_run("check", "--budget", bfile, "-f", fmt, "build/app", cwd=work)
        check(r.returncode == 1 and "build/application" in r.stdout, "unmatched: %s says why" % fmt)
    # --allow-unmatched, or optional: true, skips it.
    r, doc = run_json("--allow-unmatched", "build/app", expect=0)
    check([x["verdict"] for x in doc["results"]] == ["skip"] and r.stderr == "",
          "--allow-unmatched: skip, no message: %s %r" % (doc["results"], r.stderr))
    budget("budgets:\n  - name: renamed app\n    artifacts: build/application\n    optional: true\n"
           "    metric: file-size\n    max: 100 MiB\npolicy:\n  - rule: require-pie\n"
           "    artifacts: [build/old, 'dist/*']\n    optional: yes\n")
    r, doc = run_json("build/app", expect=0)
    check([x["verdict"] for x in doc["results"]] == ["skip", "skip"] and
          all("optional" in x["note"] for x in doc["results"]),
          "optional: true skips budgets and policy rules: %s" % doc["results"])
    # A policy rule fails closed too; a warn rule warns (exit 0) and still says so.
    budget("policy:\n  - rule: require-pie\n    artifacts: build/ap\n  - rule: forbid-wx\n"
           "    artifacts: 'dist/*'\n    level: warn\n")
    r, doc = run_json("build/app", expect=1)
    check([x["verdict"] for x in doc["results"]] == ["fail", "warn"],
          "policy: fail and warn: %s" % doc["results"])
    check("'build/ap'" in r.stderr and "'dist/*'" in r.stderr and r.stderr.count("\n") == 2,
          "policy: one line per unmatched rule: %r" % r.stderr)
    budget("policy:\n  - rule: forbid-wx\n    artifacts: 'dist/*'\n    level: warn\n")
    r, doc = run_json("build/app", expect=0)
    check([x["verdict"] for x in doc["results"]] == ["warn"] and "dist/*" in r.stderr,
          "a warn rule that matches nothing warns: %s" % doc["results"])

    # Every spelling of the path matches relative and absolute patterns alike; the value is
    # the file's size (os.stat is the oracle).
    budget("budgets:\n  - name: rel\n    artifacts: build/app\n    metric: file-size\n    max: 100 MiB\n"
           "  - name: glob\n    artifacts: 'build/*'\n    metric: file-size\n    max: 100 MiB\n"
           "  - name: dot\n    artifacts: ./build//app\n    metric: file-size\n    max: 100 MiB\n"
           "  - name: abs\n    artifacts: %s\n    metric: file-size\n    max: 100 MiB\n"
           "  - name: abs-odd\n    artifacts: %s/./build/../build//app\n    metric: file-size\n"
           "    max: 100 MiB\n  - name: base\n    artifacts: app\n    metric: file-size\n"
           "    max: 100 MiB\n" % (os.path.realpath(app), os.path.realpath(work)))
    spellings = ["build/app", "./build/app", "build//app", "build/../build/app", "build/./app",
                 os.path.realpath(app), os.path.realpath(work) + "//build/../build/app"]
    for sp in spellings:
        r, doc = run_json(sp, expect=0)
        got = {x["rule"]: (x["verdict"], x["value"]) for x in doc["results"]}
        check(got == {k: ("pass", size) for k in ("rel", "glob", "dot", "abs", "abs-odd", "base")},
              "spelling %s: every rule matches with the file's size: %s" % (sp, got))
    # Through a symbolic link to the work directory, as the shell's $PWD spells it.
    link = os.path.join(c.out, "unmatched-link")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(work, link)
    r = run([c.segscan, "check", "--budget", bfile, "-f", "json", os.path.join(link, "build", "app")],
            cwd=link, env=dict(os.environ, PWD=link))
    got = {x["rule"]: x["verdict"] for x in json.loads(r.stdout)["results"]} if r.stdout else {}
    check(r.returncode == 0 and set(got.values()) == {"pass"} and len(got) == 6,
          "through $PWD's symbolic link: %d %s %r" % (r.returncode, got, r.stderr))
    # A path outside the current directory does not match a relative pattern.
    r, doc = run_json(base, expect=1)
    got = {x["rule"]: x["verdict"] for x in doc["results"]}
    check(set(got.values()) == {"fail"} and len(got) == 6,
          "another file matches none of them: %s" % got)

    # A relative pattern that starts with a wildcard still matches a path given outside it.
    budget("budgets:\n  - name: anywhere\n    artifacts: '*/prog_base'\n    metric: file-size\n"
           "    max: 100 MiB\n")
    r, doc = run_json(os.path.abspath(base), expect=0)
    check([(x["verdict"], x["value"]) for x in doc["results"]] == [("pass", os.path.getsize(base))],
          "'*/prog_base' matches %s: %s" % (base, doc["results"]))

    # members: a pattern that matches no member of any matched artifact fails; one artifact
    # without such members beside another with them is a skip.
    budget("budgets:\n  - name: members\n    members: '*.o'\n    metric: file-size\n    max: 1 MiB\n"
           "  - name: no such member\n    artifacts: build/libci.a\n    members: 'nosuch*.o'\n"
           "    metric: file-size\n    max: 1 MiB\n")
    r, doc = run_json("build/app", "build/libci.a", expect=1)
    rows = [(x["rule"], x["artifact"], x["member"], x["verdict"]) for x in doc["results"]]
    members = sorted(run(["ar", "t", lib]).stdout.split())
    check(rows == [("members", "build/app", None, "skip")] +
          [("members", "build/libci.a", m, "pass") for m in members] +
          [("no such member", "build/libci.a", None, "fail")],
          "members: %s (ar t: %s)" % (rows, members))
    check("members pattern 'nosuch*.o' matched none of the members of build/libci.a" in r.stderr,
          "members: message %r" % r.stderr)
    r, doc = run_json("--allow-unmatched", "build/app", "build/libci.a", expect=0)
    check(doc["results"][-1]["verdict"] == "skip", "members: --allow-unmatched skips")

    # `optional` is a boolean.
    budget("budgets:\n  - artifacts: build/app\n    optional: maybe\n    metric: bss\n    max: 1\n")
    r = c.segscan_run("check", "--budget", bfile, "build/app", cwd=work)
    check(r.returncode == 2 and "budget.yaml:3:15: 'optional' wants true or false" in r.stderr,
          "optional: maybe is a budget error: %r" % r.stderr)


GOLDEN = [
    # (golden file, segscan arguments, exit status); run inside the golden fixture directory
    ("diff.txt", ["diff", "golden-base", "golden-new"], 0),
    ("diff-all.txt", ["diff", "--all", "golden-base", "golden-new"], 0),
    ("diff.md", ["diff", "-f", "markdown", "golden-base", "golden-new"], 0),
    ("diff.csv", ["diff", "-f", "csv", "golden-base", "golden-new"], 0),
    ("diff.json", ["diff", "-f", "json", "golden-base", "golden-new"], 0),
    ("check.txt", ["check", "--budget", "BUDGET", "--baseline", "baseline", "golden-base",
                   "golden-new"], 1),
    ("check.md", ["check", "--budget", "BUDGET", "--baseline", "baseline", "-f", "markdown",
                  "golden-base", "golden-new"], 1),
    ("check.xml", ["check", "--budget", "BUDGET", "--baseline", "baseline", "-f", "junit",
                   "golden-base", "golden-new"], 1),
    ("check.json", ["check", "--budget", "BUDGET", "--baseline", "baseline", "-f", "json",
                    "golden-base", "golden-new"], 1),
]


def t_golden(c):
    """Every output format on yaml2obj fixtures, compared byte for byte with tests/golden/ci/.

    After an intended change of the output, regenerate and review the diff:
        tests/ci_test.py golden --update --segscan build/segscan --out build/fixtures/ci \
            --src fixtures/ci --golden tests/golden/ci
    """
    gdir = os.path.join(c.out, "golden")
    import difflib
    for name, args, status in GOLDEN:
        args = ["golden.yaml" if a == "BUDGET" else a for a in args]
        shutil.copyfile(c.budget("golden.yaml"), os.path.join(gdir, "golden.yaml"))
        r = c.segscan_run(*args, cwd=gdir)
        check(r.returncode == status, "%s: exit %d (got %d: %s)" % (name, status, r.returncode, r.stderr))
        got = re.sub(r'"generator": "segscan [^"]*"', '"generator": "segscan VERSION"', r.stdout)
        path = os.path.join(c.golden, name)
        if c.update:
            with open(path, "w") as fh:
                fh.write(got)
            continue
        with open(path) as fh:
            want = fh.read()
        if got != want:
            d = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), path, "got"))
            check(False, "%s differs from the golden file:\n%s" % (name, d))


GROUPS = {"golden": t_golden, "docs": t_docs, "mutate": t_mutate, "universal": t_universal, "unmatched": t_unmatched, "diff": t_diff, "check": t_check, "errors": t_errors, "junit": t_junit,
          "sanity": t_sanity}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=["build"] + sorted(GROUPS))
    ap.add_argument("--segscan")
    ap.add_argument("--out", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--macho")
    ap.add_argument("--lipo")
    ap.add_argument("--golden", help="golden files of the golden group (tests/golden/ci)")
    ap.add_argument("--update", action="store_true", help="golden: rewrite the golden files")
    a = ap.parse_args()
    if a.group == "build":
        build(a.out, a.src)
        return 0
    GROUPS[a.group](Ctx(a))
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
