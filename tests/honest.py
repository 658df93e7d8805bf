#!/usr/bin/env python3
"""honest.py - issue 17: output that tells the truth under hostile names and failures.

usage: honest.py GROUP --segscan BIN --fixtures ELF_FIXTURE_DIR --work DIR [--src FIXTURE_SRC]

Each group builds its own inputs (generated here or with yaml2obj-14, nothing large committed)
and asserts the exit code, valid output (parsed JSON, parsed XML), no raw control or bidi
character on stdout or stderr, and that another, intact input of the same run is still reported
in full (its sections and segments equal readelf's: tests/readelf_oracle.py).

Groups:
  write   a report, diff and check written to /dev/full or to a closed stdout: exit 4, one line
          on stderr; -f svg with standard input closed still draws the graph.
  walk    -r: an unreadable file (a path longer than PATH_MAX as root; permissions as nobody)
          and several unreadable directories are each named, exit 3; a symbolic link to a
          directory given on the command line is followed, links inside are not.
  budget  a second YAML document (after ---), even one with a syntax error, is refused with
          FILE:LINE:COLUMN and exit 2; a huge max-growth percentage saturates the limit at
          UINT64_MAX instead of wrapping; sizes and percentages past 64 bits are refused.
  sums    fixtures/elf/huge-nobits.yaml (NOBITS of 2^63 and 2^63+1 bytes, by yaml2obj-14): the
          image, kind, archive and run totals, the text report, diff and check all hold the sum
          at 2^64-1 with a warning (it was "bss 1"); readelf states the two sizes.
  pe      a PE cut after its headers, and cut inside a section, is reported (it was refused):
          every section of its table (parsed here with struct), cut sections with the bytes
          that remain and a warning at their offset; the intact file of the same run equals
          its own section table.
  parts   one bad part costs only itself: an archive member whose long name points outside the
          name table, a universal slice cut by the end of the file, are one error line each
          (exit 3) and every intact member or slice is reported (readelf, llvm-readobj-14),
          the bad part's bytes not counted as container bytes; a PE with 4,000,000 base
          relocations and an ELF with an 8-million-entry RELR table load (exit 0) with a
          warning that the BSS analysis did not run.
"""
import struct
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readelf_oracle  # noqa: E402

failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


# C0 (but tab and newline), DEL, C1, bidi overrides/isolates/marks, line/paragraph separators.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                 "\u2028\u2029]")


def no_raw(text, what):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    m = RAW.search(text)
    check(m is None, "%s: raw control character U+%04X" % (what, ord(m.group())) if m else what)


def run(a, args, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    r = subprocess.run([a.segscan] + args, **kw)
    if r.stderr is not None:
        no_raw(r.stderr, "stderr of %s" % " ".join(args))
    if r.stdout is not None and not any(x in args for x in ("png", "svg")):
        no_raw(r.stdout, "stdout of %s" % " ".join(args))
    return r


def intact(a):
    """An intact ELF input of the fixtures, reported beside the broken ones."""
    return os.path.join(a.fixtures, "gcc-pie")


def check_intact(doc, path, what):
    """path's image is in doc and agrees with readelf on every section and segment."""
    ims = [im for im in doc["images"] if im["path"] == path]
    if not check(len(ims) == 1, "%s: %s not reported (%d images)" % (what, path, len(ims))):
        return
    bad = readelf_oracle.compare(path, ims[0])
    check(not bad, "%s: %s differs from readelf: %s" % (what, path, bad[:3]))


def stderr_lines(r):
    return [l for l in r.stderr.decode("utf-8", "replace").splitlines() if l]


# ---- write failures ---------------------------------------------------------------------------

def group_write(a):
    good = intact(a)
    budget = os.path.join(a.work, "budget.yaml")
    with open(budget, "w") as f:
        f.write("version: 1\nbudgets:\n  - name: file\n    artifacts: '*'\n"
                "    metric: file-size\n    max: 1 GiB\n")
    cmds = {
        "report text": [good],
        "report json": ["-f", "json", good],
        "report dot": ["-f", "dot", good],
        "diff": ["diff", good, good],
        "diff json": ["diff", "-f", "json", good, good],
        "check": ["check", "--budget", budget, good],
        "check junit": ["check", "-f", "junit", "--budget", budget, good],
        "help": ["--help"],
    }
    for name, args in cmds.items():
        # Sanity: to a pipe the command succeeds and writes something.
        ok = run(a, ["-q"] + args if args[0] not in ("diff", "check", "--help") else args)
        check(ok.returncode == 0 and ok.stdout, "%s: exit %d to a pipe" % (name, ok.returncode))
        for how, kw in (("/dev/full", {"stdout": open("/dev/full", "w")}),
                        ("closed stdout", {"stdout": None, "preexec_fn": lambda: os.close(1)})):
            r = run(a, args, **kw)
            lines = stderr_lines(r)
            check(r.returncode == 4, "%s to %s: exit %d, want 4" % (name, how, r.returncode))
            check(any("cannot write" in l for l in lines) and len(lines) == 1,
                  "%s to %s: want one 'cannot write' line on stderr, got %s" % (name, how, lines))
    # check -o FMT=FILE to a full disk: exit 4 even though the rules pass, stdout still complete.
    r = run(a, ["check", "--budget", budget, "-o", "junit=/dev/full", good])
    check(r.returncode == 4, "check -o junit=/dev/full: exit %d, want 4" % r.returncode)
    check(b"pass" in r.stdout, "check -o junit=/dev/full: the text report on stdout is missing")
    # A failed input and a failed write: the write failure wins (the report is missing).
    r = run(a, [good, "/nonexistent/file"], stdout=open("/dev/full", "w"))
    check(r.returncode == 4, "bad input + /dev/full: exit %d, want 4" % r.returncode)
    # -f svg with standard input closed: dot used to get a closed pipe and draw nothing (exit 0).
    if check(shutil.which("dot") is not None, "Graphviz's dot is not installed (.ci/setup)"):
        out = os.path.join(a.work, "closed-stdin.svg")
        with open(out, "wb") as f:
            r = run(a, ["-f", "svg", good], stdout=f, stdin=None, preexec_fn=lambda: os.close(0))
        check(r.returncode == 0, "svg with stdin closed: exit %d" % r.returncode)
        try:
            root = ET.parse(out).getroot()
            check(root.tag.endswith("svg") and len(list(root.iter())) > 10,
                  "svg with stdin closed: an empty drawing")
        except ET.ParseError as e:
            check(False, "svg with stdin closed: not XML (%s, %d bytes)" % (e, os.path.getsize(out)))
        # and to a full disk: dot fails and so does segscan
        r = run(a, ["-f", "svg", good], stdout=open("/dev/full", "w"))
        check(r.returncode != 0, "svg to /dev/full: exit 0")


# ---- -r -----------------------------------------------------------------------------------------

def walk_json(a, args, **kw):
    r = run(a, ["-r", "-f", "json"] + args, **kw)
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        check(False, "-r %s: stdout is no JSON: %s" % (args, e))
        doc = {"images": [], "inputs": []}
    return r, doc


def group_walk(a):
    good = intact(a)
    root = os.path.join(a.work, "walk")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "tree", "ok"))
    keep = os.path.join(root, "tree", "ok", "prog")
    shutil.copyfile(good, keep)

    # 1. A binary whose path is longer than PATH_MAX (4096): open fails with ENAMETOOLONG.
    deep = os.path.join(root, "tree")
    fd = os.open(deep, os.O_RDONLY)
    for i in range(17):
        name = "L%02d" % i + "x" * 250
        os.mkdir(name, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    with open(os.open("deep-binary", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as f:
        f.write(open(good, "rb").read())
    os.close(fd)
    r, doc = walk_json(a, [os.path.join(root, "tree")])
    lines = stderr_lines(r)
    check(r.returncode == 3, "-r, a path past PATH_MAX: exit %d, want 3" % r.returncode)
    check(any(l.endswith("/deep-binary: cannot read file: File name too long") for l in lines),
          "-r: the binary past PATH_MAX is not named: %s" % [l[-80:] for l in lines])
    check(any("1 unreadable" in l for l in lines), "-r: the summary does not count it: %s" %
          [l[-80:] for l in lines])
    check_intact(doc, os.path.join(root, "tree", "ok", "prog"), "-r past PATH_MAX")

    # 2. A symbolic link to a directory, given on the command line, is followed (Debian's /lib);
    #    a link found inside the walk is not (it would double-count, or loop).
    link = os.path.join(root, "link")
    os.symlink("tree/ok", link)
    os.symlink("../ok", os.path.join(root, "tree", "ok", "loop"))
    r, doc = walk_json(a, [link])
    check(r.returncode == 0, "-r LINK: exit %d: %s" % (r.returncode, stderr_lines(r)))
    paths = [im["path"] for im in doc["images"]]
    check(paths == [os.path.join(link, "prog")], "-r LINK: images %s" % paths)
    check_intact(doc, os.path.join(link, "prog"), "-r LINK")
    os.unlink(os.path.join(root, "tree", "ok", "loop"))

    # 3. Permissions, as an unprivileged user (root reads everything): an unreadable binary and
    #    three unreadable directories are each named; the readable binary is reported.
    setpriv = shutil.which("setpriv")
    if not check(setpriv is not None, "setpriv (util-linux) not found"):
        return
    # The tree and the binary live in a folder of their own under the system's temporary folder:
    # the build tree's parents (a clone under `mktemp -d`, mode 0700) need not be reachable by
    # the unprivileged user.
    base = tempfile.mkdtemp(prefix="segscan-walk-")
    os.chmod(base, 0o755)
    perm = os.path.join(base, "perm")
    for d in ("d1", "d2", "d3", "ok"):
        os.makedirs(os.path.join(perm, d))
    shutil.copyfile(good, os.path.join(perm, "ok", "prog"))
    shutil.copyfile(good, os.path.join(perm, "secret"))
    for d in ("d1", "d2", "d3"):
        shutil.copyfile(good, os.path.join(perm, d, "hidden"))
    # the unprivileged user needs to reach the tree and segscan
    for p in (perm, os.path.join(perm, "ok")):
        os.chmod(p, 0o755)
    os.chmod(os.path.join(perm, "ok", "prog"), 0o644)
    for d in ("d1", "d2", "d3"):
        os.chmod(os.path.join(perm, d), 0)
    os.chmod(os.path.join(perm, "secret"), 0)
    exe = os.path.join(base, "segscan")
    shutil.copyfile(a.segscan, exe)
    os.chmod(exe, 0o755)
    user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    r = subprocess.run(user + [exe, "-r", "-f", "json", perm], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    no_raw(r.stderr, "-r perm stderr")
    lines = stderr_lines(r)
    check(r.returncode == 3, "-r with unreadable entries: exit %d, want 3" % r.returncode)
    for name, what in (("secret", "file"), ("d1", "directory"), ("d2", "directory"),
                       ("d3", "directory")):
        want = "segscan: %s: cannot read %s: Permission denied" % (os.path.join(perm, name), what)
        check(want in lines, "-r: %s is not named (%s)" % (name, lines))
    check(any("1 binaries analyzed, 0 other files skipped, 4 unreadable" in l for l in lines),
          "-r perm summary: %s" % lines)
    try:
        doc = json.loads(r.stdout)
        check_intact(doc, os.path.join(perm, "ok", "prog"), "-r perm")
    except ValueError as e:
        check(False, "-r perm: no JSON: %s" % e)
    for d in ("d1", "d2", "d3"):
        os.chmod(os.path.join(perm, d), 0o755)
    shutil.rmtree(base)


# ---- budget files -------------------------------------------------------------------------------

RULE = "version: 1\nbudgets:\n  - name: size\n    artifacts: '*'\n    metric: file-size\n"


def budget(a, name, text):
    path = os.path.join(a.work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check_json(a, args, what):
    r = run(a, ["check", "-f", "json"] + args)
    try:
        return r, json.loads(r.stdout)
    except ValueError as e:
        check(False, "%s: stdout is no JSON: %s" % (what, e))
        return r, None


def group_budget(a):
    good = intact(a)
    refused = {
        # a second document with a whole policy in it, and one with a syntax error
        "two-docs.yaml": (RULE + "    max: 1 GiB\n---\npolicy:\n  - rule: forbid-wx\n",
                          r":7:1: a second YAML document"),
        "two-docs-bad.yaml": (RULE + "    max: 1 GiB\n---\npolicy: [ {\n", r":9:\d+: syntax error"),
        "two-docs-empty-first.yaml": ("---\n" + RULE + "    max: 1 GiB\n--- {}\n",
                                      r":8:1: a second YAML document"),
        # 2^64 ppm, 2^64 bytes, 2^64 bytes in GiB
        "percent-2-64.yaml": (RULE + "    max-growth: 1844674407370955.1616%\n", r":6:\d+: .*too large"),
        "size-2-64.yaml": (RULE + "    max: 18446744073709551616 B\n", r":6:\d+: .*too large"),
        "gib-2-64.yaml": (RULE + "    max: 17179869184 GiB\n", r":6:\d+: .*too large"),
    }
    for name, (text, want) in refused.items():
        path = budget(a, name, text)
        r = run(a, ["check", "--budget", path, good])
        lines = stderr_lines(r)
        check(r.returncode == 2, "%s: exit %d, want 2 (%s)" % (name, r.returncode, lines))
        check(len(lines) == 1 and lines[0].startswith(path + ":") and re.search(want, lines[0]),
              "%s: want one line %s%s, got %s" % (name, path, want, lines))
        check(r.stdout == b"", "%s: something was checked: %r" % (name, r.stdout[:200]))
    # A document end marker (...) is no second document.
    path = budget(a, "end-marker.yaml", RULE + "    max: 1 GiB\n...\n")
    r = run(a, ["check", "--budget", path, good])
    check(r.returncode == 0, "end-marker.yaml: exit %d: %s" % (r.returncode, stderr_lines(r)))

    # max-growth 922337203685477.5808% (2^63 millionths) of a 3 MB baseline is 2^63 * 3e6 / 1e6
    # bytes, past 2^64: the limit saturates at UINT64_MAX (it wrapped to 9385482023777552923).
    base = os.path.join(a.work, "base")
    with open(base, "wb") as f:
        f.write(open(good, "rb").read() + bytes(3000000))
    new_dir = os.path.join(a.work, "new")
    os.makedirs(new_dir, exist_ok=True)
    new = os.path.join(new_dir, "base")
    with open(new, "wb") as f:
        f.write(open(base, "rb").read() + bytes(100))
    path = budget(a, "huge-growth.yaml", RULE + "    max-growth: 922337203685477.5808%\n")
    r, doc = check_json(a, ["--budget", path, "--baseline", a.work, new, good], "huge growth")
    check(r.returncode == 0, "huge growth: exit %d: %s" % (r.returncode, stderr_lines(r)))
    if doc:
        rows = {x["artifact"]: x for x in doc["results"]}
        row = rows.get(new)
        if check(row is not None, "huge growth: no row for %s: %s" % (new, list(rows))):
            check(row["verdict"] == "pass", "huge growth: a 100-byte growth %s" % row["verdict"])
            check(row["baseline_value"] == os.path.getsize(base), "huge growth: baseline value")
            check(row["growth_limit"] == 2**64 - 1 and row["limit"] == 2**64 - 1,
                  "huge growth: limit %s, want UINT64_MAX (saturated)" % row["growth_limit"])
        # the other artifact of the run: no baseline of its name, its value is still its size
        row = rows.get(good)
        check(row is not None and row["value"] == os.path.getsize(good),
              "huge growth: %s not measured: %s" % (good, row))


# ---- sums that wrap -----------------------------------------------------------------------------

MAX = 2**64 - 1
SAT = "sum past 2^64-1 bytes: totals are saturated at 18446744073709551615"


def group_sums(a):
    good = intact(a)
    huge = os.path.join(a.fixtures, "huge-nobits")
    if not check(os.path.isfile(huge), "fixture huge-nobits not built (fixtures/elf/build.sh)"):
        return
    # The oracle: readelf's two NOBITS sizes, whose true sum is past 2^64.
    _, secs = readelf_oracle.parse_sections(
        subprocess.run(["readelf", "-S", "-W", huge], stdout=subprocess.PIPE, text=True,
                       check=True).stdout)
    nobits = sorted(x["size"] for x in secs if x["name_type"].split()[-1] == "NOBITS")
    check(nobits == [2**63, 2**63 + 1], "readelf: NOBITS sizes %s" % nobits)
    true_sum = sum(nobits)
    check(true_sum > MAX, "the fixture's sum does not pass 2^64")

    r = run(a, ["-q", "-f", "json", huge, good])
    check(r.returncode == 0, "json: exit %d: %s" % (r.returncode, stderr_lines(r)))
    doc = json.loads(r.stdout)
    im = [x for x in doc["images"] if x["path"] == huge][0]
    t = im["totals"]
    check(t["bss"] == MAX and t["vm_size"] == MAX, "image totals %s: bss/vm_size not saturated" % t)
    check(t["text"] == 3 and t["data"] == 8, "image totals %s: text 3, data 8 (the source)" % t)
    check(im["kinds"]["bss"]["vm_size"] == MAX, "kinds.bss %s" % im["kinds"]["bss"])
    check(any(SAT in w["message"] for w in im["warnings"]), "no saturation warning: %s" % im["warnings"])
    check(im["bss"]["zero_init_bytes"] == MAX, "bss.zero_init_bytes %s" % im["bss"]["zero_init_bytes"])
    check(doc["total"]["bss"] == MAX and doc["total"]["vm_size"] == MAX, "run total %s" % doc["total"])
    check(any("totals of the run pass 2^64-1" in l for l in stderr_lines(r)),
          "no warning for the run total: %s" % stderr_lines(r))
    check_intact(doc, good, "sums json")
    g = [x for x in doc["images"] if x["path"] == good][0]["totals"]
    check(doc["total"]["text"] == 3 + g["text"] and doc["total"]["data"] == 8 + g["data"],
          "run total text/data %s" % doc["total"])

    # The text report: no "bss 1", the saturated sum and the warning.
    r = run(a, ["-q", huge])
    out = r.stdout.decode()
    check(r.returncode == 0, "text: exit %d" % r.returncode)
    check(re.search(r"\bbss %d\b" % MAX, out) is not None and not re.search(r"\bbss 1\b", out),
          "text: bss line %s" % re.findall(r"bss \d+", out))
    check(re.search(r"total: file \d+ .*vm %d" % MAX, out) is not None, "text: sections total vm")
    check(SAT in out, "text: no saturation warning")

    # An archive of two such members and an intact object: the archive's totals saturate.
    ar = os.path.join(a.work, "huge.a")
    mem = os.path.join(a.work, "huge2.o")
    shutil.copyfile(huge, mem)
    hello = os.path.join(a.fixtures, "hello.o")
    subprocess.run(["ar", "rcs", ar, huge, hello, mem], check=True)
    r = run(a, ["-q", "-f", "json", ar, good])
    check(r.returncode == 0, "archive: exit %d" % r.returncode)
    doc = json.loads(r.stdout)
    inp = [x for x in doc["inputs"] if x["path"] == ar][0]
    check(inp["images"] == 3 and inp["totals"]["bss"] == MAX and inp["totals"]["vm_size"] == MAX,
          "archive totals %s" % inp)
    check(any(l.startswith("segscan: %s: warning: the totals of its members pass" % ar)
              for l in stderr_lines(r)), "archive: no warning: %s" % stderr_lines(r))
    hello_im = [x for x in doc["images"] if x.get("member") == "hello.o"]
    check(len(hello_im) == 1 and not readelf_oracle.compare(ar, hello_im[0]),
          "archive: the intact member hello.o is not reported in full")
    check_intact(doc, good, "sums archive")

    # diff: the metrics and table totals saturate (delta clamped), with a warning.
    r = run(a, ["diff", "-f", "json", huge, hello])
    check(r.returncode == 0, "diff: exit %d" % r.returncode)
    d = json.loads(r.stdout)
    u = d["units"][0]
    check(u["totals"]["bss"]["before"] == MAX and u["totals"]["vm-size"]["before"] == MAX,
          "diff totals %s" % u["totals"]["bss"])
    check(u["sections_total"]["vm_size"]["before"] == MAX and u["kinds_total"]["vm_size"]["before"] == MAX,
          "diff table totals %s %s" % (u["sections_total"], u["kinds_total"]))
    check(any(SAT in l for l in stderr_lines(r)), "diff: no warning: %s" % stderr_lines(r))

    # check: a bss budget of 1 GiB fails on the saturated value, with a note; the intact
    # artifact of the run passes with its own value.
    path = budget(a, "bss.yaml", "version: 1\nbudgets:\n  - name: bss\n    artifacts: '*'\n"
                                 "    metric: bss\n    max: 1 GiB\n")
    r, doc = check_json(a, ["--budget", path, huge, good], "check bss")
    check(r.returncode == 1, "check bss: exit %d, want 1" % r.returncode)
    if doc:
        rows = {x["artifact"]: x for x in doc["results"]}
        check(rows[huge]["value"] == MAX and rows[huge]["verdict"] == "fail" and
              "saturated" in (rows[huge]["note"] or ""), "check bss row %s" % rows[huge])
        check(rows[good]["verdict"] == "pass" and rows[good]["value"] == g["bss"],
              "check bss: the intact artifact %s" % rows[good])


# ---- a truncated PE whose headers are intact --------------------------------------------------

def pe_table(data):
    """The section table of a PE image, read here: [(name, vsize, rawsize, rawptr)]."""
    coff = struct.unpack_from("<I", data, 0x3c)[0] + 4
    nsec, = struct.unpack_from("<H", data, coff + 2)
    optsize, = struct.unpack_from("<H", data, coff + 16)
    out = []
    for i in range(nsec):
        at = coff + 20 + optsize + 40 * i
        name = data[at:at + 8].rstrip(b"\0").decode()
        vsize, _va, rawsize, rawptr = struct.unpack_from("<IIII", data, at + 8)
        out.append((name, vsize, rawsize, rawptr))
    return out


def check_pe(im, table, size, what):
    check(len(im["sections"]) == len(table), "%s: %d sections, the table has %d" % (
        what, len(im["sections"]), len(table)))
    for s, (name, vsize, rawsize, rawptr) in zip(im["sections"], table):
        keep = 0 if rawptr >= size else min(rawsize, size - rawptr)
        check(s["name"] == name and s["vm_size"] == (vsize or rawsize) and
              s["file_size"] == keep and (keep == 0 or s["offset"] == rawptr),
              "%s: section %s %s, want file bytes %d, vm %d" % (what, name, s, keep, vsize))
        if keep < rawsize:
            check(any(w["offset"] == rawptr for w in im["warnings"]),
                  "%s: no warning at 0x%x for %s: %s" % (what, rawptr, name, im["warnings"]))


def group_pe(a):
    intact_pe = os.path.join(a.pe, "x64-big.exe")
    if not check(os.path.isfile(intact_pe), "PE fixture %s not built" % intact_pe):
        return
    data = open(intact_pe, "rb").read()
    table = pe_table(data)
    check(len(table) >= 4, "x64-big.exe: %d sections" % len(table))
    soh, = struct.unpack_from("<I", data, struct.unpack_from("<I", data, 0x3c)[0] + 24 + 60)
    second = table[1][3]
    for cut, what in ((soh, "cut after the headers"), (second + 100, "cut inside .rdata")):
        path = os.path.join(a.work, "cut-%d.exe" % cut)
        with open(path, "wb") as f:
            f.write(data[:cut])
        r = run(a, ["-q", "-f", "json", path, intact_pe])
        check(r.returncode == 0, "%s: exit %d: %s" % (what, r.returncode, stderr_lines(r)))
        try:
            doc = json.loads(r.stdout)
        except ValueError as e:
            check(False, "%s: no JSON: %s" % (what, e))
            continue
        ims = {im["path"]: im for im in doc["images"]}
        if check(path in ims, "%s: not reported: %s" % (what, doc["errors"])):
            check_pe(ims[path], table, cut, what)
            check(ims[path]["file_size"] == cut, "%s: file_size %d" % (what, ims[path]["file_size"]))
        if check(intact_pe in ims, "%s: the intact file of the run is missing" % what):
            check_pe(ims[intact_pe], table, len(data), "intact " + what)
        t = run(a, ["-q", path])
        check(t.returncode == 0 and b"past the end of the file" in t.stdout,
              "%s: the text report has no warning" % what)


# ---- one bad part costs the whole -------------------------------------------------------------

def ar_headers(data):
    """[(offset, name field, size)] of an ar archive, read here."""
    out, off = [], 8
    while off + 60 <= len(data):
        size = int(data[off + 48:off + 58])
        out.append((off, bytes(data[off:off + 16]), size))
        off += 60 + size + (size & 1)
    return out


def macho_sections(path):
    """[(segment,section name, size)] of a thin Mach-O file from llvm-readobj-14."""
    out = subprocess.run(["llvm-readobj-14", "--sections", path], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    names = re.findall(r"^\s+Name: (\S+)", out, re.M)
    segs = re.findall(r"^\s+Segment: (\S+)", out, re.M)
    sizes = [int(x, 16) for x in re.findall(r"^\s+Size: 0x([0-9A-Fa-f]+)", out, re.M)]
    return [("%s,%s" % (g, n), z) for g, n, z in zip(segs, names, sizes)]


def group_parts(a):
    good = intact(a)
    # 1. An archive: four objects with long names; the second long name is pointed outside the
    #    "//" table.
    hello = os.path.join(a.fixtures, "hello.o")
    names = ["long_member_name_number_%s.o" % w for w in ("one", "two", "three")] + ["short.o"]
    d = os.path.join(a.work, "ar")
    os.makedirs(d)
    for n in names:
        shutil.copyfile(hello, os.path.join(d, n))
    lib = os.path.join(d, "lib.a")
    subprocess.run(["ar", "rcs", lib] + names, cwd=d, check=True)
    data = bytearray(open(lib, "rb").read())
    hdrs = ar_headers(data)
    longs = [h for h in hdrs if h[1][:1] == b"/" and h[1][1:2].isdigit()]
    bad_off = longs[1][0]
    data[bad_off:bad_off + 16] = b"/99999".ljust(16)
    badlib = os.path.join(d, "bad.a")
    with open(badlib, "wb") as f:
        f.write(data)
    r = run(a, ["-f", "json", "-q", badlib, good])
    lines = stderr_lines(r)
    check(r.returncode == 3, "archive: exit %d, want 3" % r.returncode)
    check(len(lines) == 1 and lines[0].startswith("segscan: %s(/99999): archive long name /99999 "
                                                  "is outside the name table" % badlib),
          "archive: want one line naming the member, got %s" % lines)
    doc = json.loads(r.stdout)
    members = [im.get("member") for im in doc["images"] if im["path"] == badlib]
    want = [n for n in names if n != names[1]]
    check(members == want, "archive: members %s, want %s" % (members, want))
    for im in doc["images"]:
        if im["path"] == badlib:
            # readelf stops at the bad member: the oracle reads the intact archive (the same
            # bytes but for the one name field)
            bad = readelf_oracle.compare(lib, im)
            check(not bad, "archive member %s differs from readelf: %s" % (im["member"], bad[:3]))
    inp = [x for x in doc["inputs"] if x["path"] == badlib][0]
    # container bytes: the magic and the headers of the good members, the symbol and name tables
    member_bytes = sum(60 + z + (z & 1) if o == bad_off else z + (z & 1)
                       for o, n, z in hdrs if o == bad_off or not n.startswith((b"/ ", b"// ")))
    check(inp["failed"] == 1 and inp["container_bytes"] == len(data) - member_bytes,
          "archive: failed %d, container_bytes %d, want %d" % (
              inp["failed"], inp["container_bytes"], len(data) - member_bytes))
    check_intact(doc, good, "archive run")

    # 2. A universal binary cut inside its second slice.
    fat = os.path.join(a.macho, "fat-exe")
    if check(os.path.isfile(fat), "Mach-O fixture fat-exe not built"):
        fd = open(fat, "rb").read()
        n, = struct.unpack_from(">I", fd, 4)
        sl = [struct.unpack_from(">IIIII", fd, 8 + 20 * i) for i in range(n)]
        sl.sort(key=lambda x: x[2])
        first, last = sl[0], sl[-1]
        cut = last[2] + last[3] // 2
        path = os.path.join(a.work, "fat-cut")
        with open(path, "wb") as f:
            f.write(fd[:cut])
        thin = os.path.join(a.work, "thin")
        with open(thin, "wb") as f:
            f.write(fd[first[2]:first[2] + first[3]])
        r = run(a, ["-f", "json", "-q", path, good])
        lines = stderr_lines(r)
        check(r.returncode == 3, "universal: exit %d, want 3" % r.returncode)
        check(len(lines) == 1 and "runs past the end of the file" in lines[0] and
              lines[0].startswith("segscan: %s(" % path), "universal: stderr %s" % lines)
        doc = json.loads(r.stdout)
        ims = [im for im in doc["images"] if im["path"] == path]
        check(len(ims) == len(sl) - 1, "universal: %d slices reported, want %d" % (len(ims), len(sl) - 1))
        if ims:
            got = [(x["name"], x["vm_size"]) for x in ims[0]["sections"]]
            check(got == macho_sections(thin), "universal: the intact slice differs from "
                  "llvm-readobj-14: %s" % got[:4])
        inp = [x for x in doc["inputs"] if x["path"] == path][0]
        # the intact slices and the cut one (to the end) are members; the rest is the header
        want_cb = cut - sum(x[3] for x in sl[:-1]) - (cut - last[2])
        check(inp["container_bytes"] == want_cb, "universal: container_bytes %d, want %d" % (
            inp["container_bytes"], want_cb))
        check_intact(doc, good, "universal run")

    # 3. A PE with 4,000,000 base relocations (8 MB, well-formed: llvm-readobj-14 lists them).
    src = os.path.join(a.pe, "x64-big.exe")
    if check(os.path.isfile(src), "PE fixture x64-big.exe not built"):
        pe = os.path.join(a.work, "relocs.exe")
        make_base_relocs(src, pe, 4000000)
        rd = subprocess.run(["llvm-readobj-14", "--coff-basereloc", pe], stdout=subprocess.PIPE,
                            text=True).stdout
        check(rd.count("Entry {") == 4000000, "llvm-readobj-14: %d base relocations" %
              rd.count("Entry {"))
        for opts in ([], ["--only", "sizes"]):
            r = run(a, ["-f", "json", "-q"] + opts + [pe, good])
            check(r.returncode == 0, "PE relocs %s: exit %d: %s" % (opts, r.returncode, stderr_lines(r)))
            doc = json.loads(r.stdout)
            ims = [im for im in doc["images"] if im["path"] == pe]
            if check(len(ims) == 1, "PE relocs %s: no image: %s" % (opts, doc["errors"])):
                check_pe(ims[0], pe_table(open(pe, "rb").read()), os.path.getsize(pe), "PE relocs")
                if not opts:
                    check("bss" not in ims[0] and any(
                        "exceed the memory segscan allows" in w["message"] and
                        "BSS analysis" in w["message"] for w in ims[0]["warnings"]),
                        "PE relocs: warnings %s" % ims[0]["warnings"])
            check_intact(doc, good, "PE relocs run")

    # 4. An ELF whose RELR table expands to 8,257,537 relocations (1 MB of bitmaps).
    words = ["0010000000000000"] + ["ffffffffffffffff"] * (1 << 17)
    y = os.path.join(a.work, "relr.yaml")
    with open(y, "w") as f:
        f.write(RELR_YAML % "".join(words))
    so = os.path.join(a.work, "relr.so")
    subprocess.run(["yaml2obj-14", y, "-o", so], check=True)
    for cmd in (["-f", "json", "-q", so, good], ["check", "-f", "json", "--budget",
                budget(a, "movable.yaml", "version: 1\nbudgets:\n  - name: m\n    artifacts: '*'\n"
                       "    metric: file-size\n    max: 1 GiB\n"), so, good]):
        r = run(a, cmd)
        check(r.returncode == 0, "RELR %s: exit %d: %s" % (cmd[0], r.returncode, stderr_lines(r)))
        doc = json.loads(r.stdout)
        if cmd[0] == "check":
            check(all(x["verdict"] == "pass" for x in doc["results"]) and len(doc["results"]) == 2,
                  "RELR check: %s" % doc["results"])
            continue
        ims = [im for im in doc["images"] if im["path"] == so]
        if check(len(ims) == 1, "RELR: no image: %s" % doc["errors"]):
            bad = readelf_oracle.compare(so, ims[0])
            check(not bad, "RELR image differs from readelf: %s" % bad[:3])
            check("bss" not in ims[0] and any("relocation tables (8257537 entries) exceed the memory"
                                              in w["message"] for w in ims[0]["warnings"]),
                  "RELR: warnings %s" % ims[0]["warnings"])
        check_intact(doc, good, "RELR run")


RELR_YAML = """--- !ELF
FileHeader:
  Class:   ELFCLASS64
  Data:    ELFDATA2LSB
  Type:    ET_DYN
  Machine: EM_X86_64
ProgramHeaders:
  - Type:     PT_LOAD
    Flags:    [ PF_R, PF_W ]
    FirstSec: .data
    LastSec:  .bss
    VAddr:    0x1000
    Align:    0x1000
Sections:
  - Name:         .data
    Type:         SHT_PROGBITS
    Flags:        [ SHF_ALLOC, SHF_WRITE ]
    Address:      0x1000
    AddressAlign: 0x8
    Size:         0x40
  - Name:         .bss
    Type:         SHT_NOBITS
    Flags:        [ SHF_ALLOC, SHF_WRITE ]
    Address:      0x1040
    AddressAlign: 0x8
    Size:         0x100
  - Name:         .relr.dyn
    Type:         SHT_RELR
    Flags:        [ SHF_ALLOC ]
    EntSize:      8
    AddressAlign: 0x8
    Content:      "%s"
"""


def make_base_relocs(src, dst, nrel):
    """dst: src with its last section, .reloc, replaced by nrel DIR64 base relocations."""
    d = bytearray(open(src, "rb").read())
    coff = struct.unpack_from("<I", d, 0x3c)[0] + 4
    nsec, = struct.unpack_from("<H", d, coff + 2)
    optsize, = struct.unpack_from("<H", d, coff + 16)
    opt = coff + 20
    magic, = struct.unpack_from("<H", d, opt)
    ddir = opt + (112 if magic == 0x20b else 96)
    at = [opt + optsize + 40 * i for i in range(nsec)
          if d[opt + optsize + 40 * i:][:6] == b".reloc"][0]
    vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", d, at + 8)
    assert rawptr + rawsize == len(d), ".reloc is not last"
    blocks, left, page = bytearray(), nrel, 0x1000
    while left:
        k = min(2044, left)
        blocks += struct.pack("<II", page, 8 + 2 * k) + struct.pack("<H", 0xA008) * k
        left -= k
        page += 0x1000
    n = len(blocks)
    pad = (-n) % 0x200
    d = d[:rawptr] + blocks + bytes(pad)
    struct.pack_into("<I", d, at + 8, n)
    struct.pack_into("<I", d, at + 16, n + pad)
    struct.pack_into("<II", d, ddir + 5 * 8, va, n)
    struct.pack_into("<I", d, opt + 56, (va + n + 0xfff) & ~0xfff)
    with open(dst, "wb") as f:
        f.write(d)


GROUPS = {"write": group_write, "walk": group_walk, "budget": group_budget, "sums": group_sums,
          "pe": group_pe, "parts": group_parts}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=sorted(GROUPS))
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--src")
    ap.add_argument("--pe", help="the PE fixture directory (groups pe, parts)")
    ap.add_argument("--macho", help="the Mach-O fixture directory (group parts)")
    a = ap.parse_args()
    a.segscan = os.path.abspath(a.segscan)
    a.work = os.path.abspath(os.path.join(a.work, a.group))
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    if not os.path.isfile(intact(a)):
        check(False, "fixture %s not built" % intact(a))
    else:
        GROUPS[a.group](a)
    if checked == 0:
        failures.append("no checks")
    print("%d checks, %d failed" % (checked, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
