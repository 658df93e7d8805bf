#!/usr/bin/python3
"""cli_check.py - tests of the segscan command line: options, exit codes, several inputs,
-n, archives and hostile file names.

    cli_check.py --segscan BIN --fixtures DIR --schema FILE [--version V] CASE

CASE is one of the functions named case_* below; each prints what it checked and exits 0 on
success, 1 on failure. Expected values come from the other outputs of the same run (JSON vs
text), from the fixtures' own bytes, or from `ar`/`size`, never from segscan alone.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ARGS = None
FAILS = []


def run(argv, cwd=None):
    p = subprocess.run([ARGS.segscan] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd=cwd or ARGS.fixtures)
    return p.returncode, p.stdout, p.stderr


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    return cond


def eq(got, want, what):
    return check(got == want, "%s: got %r, expected %r" % (what, got, want))


def validate(doc):
    import jsonschema
    with open(ARGS.schema) as f:
        v = jsonschema.Draft202012Validator(json.load(f))
    for e in v.iter_errors(doc):
        FAILS.append("schema: %s at %s" % (e.message[:200], "/".join(map(str, e.path))))


def no_control_bytes(data, what):
    bad = sorted({b for b in data if (b < 0x20 and b not in (0x0a,)) or b == 0x7f})
    return check(not bad, "%s contains raw control bytes %s" % (what, [hex(b) for b in bad]))


# ---- cases -----------------------------------------------------------------------------------

def case_help():
    for opt in ("--help", "-h"):
        rc, out, err = run([opt])
        eq(rc, 0, "%s exit status" % opt)
        eq(err, b"", "%s stderr" % opt)
        text = out.decode()
        check(text.startswith("usage: segscan"), "%s: no usage line" % opt)
        # The exit codes, each with its meaning, under an "exit status" heading.
        check(re.search(r"(?im)^exit status", text), "%s: no exit status section" % opt)
        for code, word in (("0", r"analy[sz]ed|success"), ("2", r"usage"),
                           ("3", r"could not be analy[sz]ed")):
            check(re.search(r"(?m)^\s+%s\s+.*(%s)" % (code, word), text),
                  "%s: exit code %s not explained" % (opt, code))
        for o in ("--format", "--top", "--help", "--version"):
            check(o in text, "%s: option %s not listed" % (opt, o))


def case_version():
    for opt in ("--version", "-V"):
        rc, out, err = run([opt])
        eq(rc, 0, "%s exit status" % opt)
        eq(err, b"", "%s stderr" % opt)
        eq(out.decode(), "segscan %s\n" % ARGS.version, "%s output" % opt)


def case_usage_errors():
    good = "free-x86_64"
    cases = [["--bogus", good], ["-Z", good], ["--format", "xml", good], ["-f", "", good],
             ["--format"], ["-n", "abc", good], ["-n", "-1", good], ["-n", "", good],
             ["-n", "3x", good], ["-n", "99999999999999999999999", good], ["-n"],
             ["--top=1.5", good]]
    for argv in cases:
        rc, out, err = run(argv)
        eq(rc, 2, "%r exit status" % argv)
        eq(out, b"", "%r stdout" % argv)
        check(err.strip() != b"", "%r: nothing on stderr" % argv)
        check(b"--help" in err, "%r: stderr does not point to --help: %r" % (argv, err))
        no_control_bytes(err, "%r stderr" % argv)


def case_missing_file():
    for fmt in ("text", "json"):
        rc, out, err = run(["--format", fmt, "no-such-file"])
        eq(rc, 3, "%s exit status" % fmt)
        lines = err.decode().splitlines()
        eq(len(lines), 1, "%s lines on stderr (%r)" % (fmt, err))
        check(lines and lines[0].startswith("segscan: no-such-file: ") and
              re.search(r"(?i)no such file", lines[0]),
              "%s: stderr does not say the file is missing: %r" % (fmt, err))
        if fmt == "json":
            doc = json.loads(out)
            validate(doc)
            eq(doc["images"], [], "json images")
            eq([(e["path"], e["error"]) for e in doc["errors"]], [("no-such-file", "i/o error")],
               "json errors")
            eq(doc["inputs"][0]["failed"], 1, "json inputs[0].failed")


def case_mixed_inputs():
    """Two good files around a broken and a missing one: the good ones are fully reported."""
    inputs = ["free-x86_64", "broken-section-past-eof", "tbss-only", "no-such-file"]
    rc, out, err = run(["--format", "json"] + inputs)
    eq(rc, 3, "json exit status")
    doc = json.loads(out)
    validate(doc)
    eq([im["path"] for im in doc["images"]], ["free-x86_64", "tbss-only"], "json images")
    eq([i["path"] for i in doc["inputs"]], inputs, "json inputs in command-line order")
    eq([i["failed"] for i in doc["inputs"]], [0, 1, 0, 1], "json inputs[].failed")
    eq(sorted(e["path"] for e in doc["errors"]), ["broken-section-past-eof", "no-such-file"],
       "json errors")
    lines = err.decode().splitlines()
    eq(len(lines), 2, "json: stderr lines (%r)" % err)
    # Each good image equals its report when analyzed alone.
    for name in ("free-x86_64", "tbss-only"):
        _, alone, _ = run(["--format", "json", name])
        a = json.loads(alone)["images"][0]
        b = [im for im in doc["images"] if im["path"] == name]
        eq(b[0] if b else None, a, "%s: image in the mixed run vs alone" % name)
    t = doc["total"]
    eq(t["images"], 2, "total.images")
    eq(t["text"], sum(im["totals"]["text"] for im in doc["images"]), "total.text")
    eq(t["bss"], sum(im["totals"]["bss"] for im in doc["images"]), "total.bss")

    rc, out, err = run(inputs)
    eq(rc, 3, "text exit status")
    text = out.decode()
    for name in ("free-x86_64", "tbss-only"):
        _, alone, _ = run([name])
        check(alone.decode().strip() in text, "%s: its full text report is not in the mixed run"
              % name)
    check("broken-section-past-eof:" not in text.replace("segscan: ", ""),
          "text: the broken file has a report on stdout")
    lines = err.decode().splitlines()
    eq(len(lines), 2, "text: stderr lines (%r)" % err)
    check(any(l.startswith("segscan: broken-section-past-eof: ") and "(at offset 0x" in l
              for l in lines), "text: no error line with offset for the broken file")


ROW_RE = re.compile(r"^  (?P<name>\S.*?)(?P<mark>[ *])\s+.*?\s(?P<file>\d+) \d+(?:\.\d)? \S*B\s+"
                    r"(?P<vm>\d+) \d+(?:\.\d)? \S*B\s+(?P<pct>\S+)$")


def table_rows(text, title):
    """Rows of the table whose title starts with `title` in a text report."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.startswith("  " + title):
            inside = True
            continue
        if inside:
            m = ROW_RE.match(line)
            if not m:
                if rows:
                    break
                continue
            rows.append((m.group("name").strip(), int(m.group("file")), int(m.group("vm"))))
    return rows


def case_top():
    name = "gcc-pie"
    _, js, _ = run(["--format", "json", name])
    im = json.loads(js)["images"][0]
    _, full, _ = run([name])
    rc, out, err = run(["-n", "3", name])
    eq(rc, 0, "exit status")
    text = out.decode()
    all_secs = table_rows(full.decode(), "Sections")
    top_secs = table_rows(text, "Sections")
    eq(len(top_secs), 4, "section rows with -n 3 (3 + others)")
    if len(top_secs) == 4:
        eq(top_secs[:3], all_secs[:3], "the 3 kept section rows are the 3 largest")
        others = top_secs[3]
        eq(others[0], "[%d others]" % (len(all_secs) - 3), "others row name")
        eq(others[1], im["file_size"] - sum(r[1] for r in top_secs[:3]),
           "others file size = file size - kept rows")
        eq(others[1], sum(r[1] for r in all_secs[3:]), "others file size = sum of dropped rows")
        eq(others[2], sum(r[2] for r in all_secs[3:]), "others vm size = sum of dropped rows")
    eq(sum(r[1] for r in all_secs), im["file_size"], "section table file column sums to file size")
    segs = table_rows(text, "Segments")
    eq(len(segs), 4, "segment rows with -n 3")
    if len(segs) == 4:
        eq(segs[3][0], "[%d others]" % (len(im["segments"]) - 3), "segments others row name")
        eq(segs[3][1] + sum(r[1] for r in segs[:3]), sum(g["file_size"] for g in im["segments"]),
           "segments: kept + others file sizes = all program headers' file sizes")
        eq(segs[3][2] + sum(r[2] for r in segs[:3]), sum(g["vm_size"] for g in im["segments"]),
           "segments: kept + others vm sizes = all program headers' vm sizes")
    # -n larger than the table keeps everything; -n 0 means no limit.
    for n in ("1000", "0"):
        _, o, _ = run(["-n", n, name])
        eq(table_rows(o.decode(), "Sections"), all_secs, "-n %s section rows" % n)


def case_archive_text():
    name = "libfixture.a"
    members = subprocess.run(["ar", "t", os.path.join(ARGS.fixtures, name)],
                             stdout=subprocess.PIPE).stdout.decode().split()
    objs = [m for m in members if m.endswith(".o")]
    rc, out, err = run([name])
    eq(rc, 0, "exit status")
    eq(err, b"", "stderr")
    text = out.decode()
    for m in objs:
        check(re.search(r"(?m)^%s\(%s\): ELF64 little-endian x86-64, REL, " %
                        (re.escape(name), re.escape(m)), text),
              "no report headed %s(%s)" % (name, m))
    size = os.path.getsize(os.path.join(ARGS.fixtures, name))
    _, js, _ = run(["--format", "json", name])
    doc = json.loads(js)
    t = doc["inputs"][0]["totals"]
    summary = re.search(r"(?m)^%s: archive of (\d+) bytes .*: (\d+) images(.*); text (\d+)\s+"
                        r"data (\d+)\s+bss (\d+)$" % re.escape(name), text)
    if check(summary, "no archive summary line"):
        eq(int(summary.group(1)), size, "archive size in the summary")
        eq(int(summary.group(2)), len(objs), "images in the summary")
        check(re.search(r"\b%d skipped\b" % (len(members) - len(objs)), summary.group(3)),
              "summary does not count %d skipped member(s): %r" % (len(members) - len(objs),
                                                                   summary.group(0)))
        check("failed" not in summary.group(3), "summary reports failures: %r" % summary.group(0))
        eq(tuple(int(summary.group(i)) for i in (4, 5, 6)), (t["text"], t["data"], t["bss"]),
           "summary text/data/bss vs JSON archive totals")
    # size -B, member by member, summed.
    sz = subprocess.run(["size", "-B", os.path.join(ARGS.fixtures, name)],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()
    sums = [0, 0, 0]
    for line in sz.splitlines()[1:]:
        c = line.split()
        for i in range(3):
            sums[i] += int(c[i])
    eq((t["text"], t["data"], t["bss"]), tuple(sums), "archive totals vs sum of size -B")


def case_odd_names():
    """File names with a newline, an escape sequence, a tab and an invalid UTF-8 byte."""
    src = os.path.join(ARGS.fixtures, "free-x86_64")
    broken = os.path.join(ARGS.fixtures, "broken-section-past-eof")
    with tempfile.TemporaryDirectory() as d:
        names = ["odd\nname\x1b[31m.elf", "tab\tand\x7fdel.elf", "bidi\u202eevil.elf"]
        raw = [n.encode() for n in names] + [b"bad\xffutf8.elf"]
        for r in raw:
            shutil.copy(src, os.path.join(d.encode(), r))
        bad = b"broken\n\x1b]0;title\x07.elf"
        shutil.copy(broken, os.path.join(d.encode(), bad))
        p = subprocess.run([ARGS.segscan.encode()] + raw + [bad], cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        eq(p.returncode, 3, "text exit status")
        no_control_bytes(p.stdout, "text stdout")
        no_control_bytes(p.stderr, "stderr")
        check(b"\xff" not in p.stdout + p.stderr, "raw invalid UTF-8 byte printed")
        check("\u202e".encode() not in p.stdout + p.stderr, "raw bidi override printed")
        eq(len(p.stderr.splitlines()), 1, "stderr lines for one broken file (%r)" % p.stderr)
        check(p.stderr.startswith(b"segscan: broken"), "stderr line does not start with the "
              "escaped path: %r" % p.stderr)
        headers = [l for l in p.stdout.splitlines() if b": ELF64 " in l]
        eq(len(headers), len(raw), "one report per good file (%r)" % headers)
        check(any(l.startswith(b"odd\\x0aname\\x1b[31m.elf: ") or
                  l.startswith(b"odd\\nname\\x1b[31m.elf: ") for l in headers),
              "newline/ESC name not printed escaped: %r" % headers)

        p = subprocess.run([ARGS.segscan.encode(), b"--format", b"json"] + raw + [bad], cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 3, "json exit status")
        no_control_bytes(p.stderr, "json stderr")
        try:
            doc = json.loads(p.stdout.decode("utf-8"))
        except ValueError as e:
            check(False, "JSON output is not valid UTF-8 JSON: %s" % e)
            return
        validate(doc)
        paths = [im["path"] for im in doc["images"]]
        for n in names:
            check(n in paths, "JSON paths %r do not contain %r exactly" % (paths, n))
        eq(len(paths), len(raw), "json images")
        eq(len(doc["errors"]), 1, "json errors")
        if doc["errors"]:
            eq(doc["errors"][0]["path"], bad.decode(), "json error path")


def case_fd_limit():
    """Many mapped inputs under a low limit of open files: each mapped input keeps its file
    open for pread (core/input.h) only while few are kept, so 64 inputs in flight (-j 16) under
    a limit of 40 descriptors are all reported, none as "Too many open files"."""
    import resource
    path = ARGS.segscan  # 2 MB: above SS_READ_MAX (1 MiB), so it is mapped
    n = 120

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    p = subprocess.run([ARGS.segscan, "-q", "-j", "16", "--only", "sizes", "-f", "json"]
                       + [path] * n, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       preexec_fn=low_limit)
    eq(p.returncode, 0, "exit code with 40 descriptors (stderr %r)" % p.stderr[:300])
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        check(False, "no JSON document")
        return
    eq(len(doc["images"]), n, "images reported")
    eq(len(doc["errors"]), 0, "errors")
    eq(sum(im["file_size"] for im in doc["images"]), n * os.path.getsize(path),
       "file bytes against os.path.getsize")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--version", default="")
    ap.add_argument("case")
    ARGS = ap.parse_args()
    ARGS.segscan = os.path.abspath(ARGS.segscan)
    fn = globals().get("case_" + ARGS.case.replace("-", "_"))
    if fn is None:
        print("unknown case %s" % ARGS.case)
        return 2
    fn()
    for m in FAILS:
        print("FAIL %s: %s" % (ARGS.case, m))
    if not FAILS:
        print("ok %s" % ARGS.case)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
