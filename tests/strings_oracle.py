#!/usr/bin/env python3
"""The string analysis against strings(1) (issue 19, item 1).

usage: strings_oracle.py SEGSCAN WORKDIR FIXTURE_DIR LIBLLVM15

segscan counts the C strings of the sections that can hold literals: the maximal runs of text
(printable ASCII and tab, as `strings -a` prints, and valid UTF-8) right before a NUL. The oracle
extracts each such section with `objcopy -O binary --only-section`, runs `strings -a -n N -t d`
on it and keeps the runs that a NUL follows. The documented difference is UTF-8: strings(1)
stops at a byte >= 0x80, segscan continues over valid UTF-8. So a NUL whose ASCII run has a byte
>= 0x80 right before it is "uncertain" and the checks are:
  - count: certain <= segscan count <= certain + uncertain NULs;
  - every top duplicate made of ASCII has copies between the certain and the total count of
    its text among strings(1)'s runs; and the top duplicates hold no control byte but tab;
  - on the fixture built from str_ctrl.c (no byte >= 0x80 next to a short run), exact counts,
    unique strings, duplicate groups and bytes, and the strings its source says.
Which sections: analysis_oracle.literal_sections (readelf -S)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analysis_oracle import literal_sections  # noqa: E402

SEGSCAN, WORK, FIX, LLVM15 = sys.argv[1:5]
MIN = 4
failures = 0


def check(ok, msg):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", msg)


def oracle(path, tag):
    """strings(1)'s NUL-terminated runs: {text: [certain, all]}, count, uncertain NULs."""
    runs, certain, uncertain = {}, 0, 0
    for k, name in enumerate(s["name"] for s in literal_sections(path)):
        binp = os.path.join(WORK, "%s.%d.bin" % (tag, k))
        subprocess.run(["objcopy", "-O", "binary", "--only-section=" + name, path, binp],
                       check=True)
        data = open(binp, "rb").read()
        out = subprocess.run(["strings", "-a", "-n", str(MIN), "-t", "d", binp],
                             stdout=subprocess.PIPE, check=True).stdout
        for line in out.split(b"\n"):
            if not line:
                continue
            off, text = line.lstrip().split(b" ", 1)
            off = int(off)
            if off + len(text) >= len(data) or data[off + len(text)] != 0:
                continue
            sure = off == 0 or data[off - 1] < 0x80
            e = runs.setdefault(text, [0, 0])
            e[0] += sure
            e[1] += 1
            certain += sure
        # NULs ending a run of at least MIN bytes of printable ASCII, tab or bytes >= 0x80 that
        # holds a byte >= 0x80: only there may segscan (UTF-8) and strings(1) differ.
        for m in re.finditer(rb"[\x20-\x7e\t\x80-\xff]{%d,}" % MIN, data):
            if m.end() < len(data) and data[m.end()] == 0 and re.search(rb"[\x80-\xff]", m.group()):
                uncertain += 1
        os.unlink(binp)
    return runs, certain, uncertain


def segscan(path):
    out = subprocess.run([SEGSCAN, "--only", "strings", "-f", "json", path],
                         stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)["images"][0]["strings"]


def compare(path, tag):
    s = segscan(path)
    runs, certain, uncertain = oracle(path, tag)
    check(certain <= s["count"] <= certain + uncertain,
          "%s: count %d outside strings(1)'s [%d, %d]" % (tag, s["count"], certain,
                                                          certain + uncertain))
    ascii_dups = 0
    for d in s["duplicates"]:
        text = d["text"]
        check(not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", text),
              "%s: duplicate %r holds a control byte" % (tag, text))
        if all(0x20 <= ord(c) <= 0x7e or c == "\t" for c in text):
            ascii_dups += 1
            lo, hi = runs.get(text.encode(), [0, 0])
            check(lo <= d["copies"] <= hi, "%s: %r x%d, strings(1) %d..%d" % (
                tag, text, d["copies"], lo, hi))
    # strings(1)'s duplicates, from the certain runs alone
    ogroups = sum(1 for e in runs.values() if e[0] > 1)
    obytes = sum((e[0] - 1) * (len(t) + 1) for t, e in runs.items() if e[0] > 1)
    check(ogroups <= s["duplicate_groups"] <= ogroups + uncertain,
          "%s: %d duplicate groups outside strings(1)'s [%d, %d]" % (
              tag, s["duplicate_groups"], ogroups, ogroups + uncertain))
    print("%-12s count %d (strings(1) %d certain + %d uncertain NULs) unique %d groups %d "
          "(strings(1) %d) dup bytes %d (strings(1) %d); %d of the top %d duplicates ASCII" % (
              tag, s["count"], certain, uncertain, s["unique"], s["duplicate_groups"], ogroups,
              s["duplicate_bytes"], obytes, ascii_dups, len(s["duplicates"])))
    return s, runs, certain, uncertain, ogroups, obytes


def main():
    os.makedirs(WORK, exist_ok=True)
    manifest = json.load(open(os.path.join(FIX, "manifest.json")))
    ctrl = manifest.get("str_ctrl", {}).get("path")
    check(ctrl is not None and os.path.exists(ctrl), "fixture str_ctrl missing: %s" %
          manifest.get("str_ctrl"))
    if ctrl:
        s, runs, certain, uncertain, ogroups, obytes = compare(ctrl, "str_ctrl")
        # no byte >= 0x80 next to a run but the two UTF-8 arrays: exact agreement elsewhere
        check(s["count"] == certain + 2, "str_ctrl: count %d, strings(1) %d + 2 UTF-8" % (
            s["count"], certain))
        check(s["duplicate_groups"] == ogroups + 1 and
              s["duplicate_bytes"] == obytes + len("café crème brûlée".encode()) + 1,
              "str_ctrl: groups %d bytes %d, strings(1) %d %d plus the UTF-8 pair" % (
                  s["duplicate_groups"], s["duplicate_bytes"], ogroups, obytes))
        dups = {d["text"]: d["copies"] for d in s["duplicates"]}
        want = {"second line, a string": 2, "[1mbold text after an escape": 2,
                "column one\tcolumn two": 2, "café crème brûlée": 2}
        for t, c in want.items():
            check(dups.get(t) == c, "str_ctrl: %r x%s, the source has %d" % (t, dups.get(t), c))
        check(not any("\n" in t or "\x1b" in t or "\x0b" in t for t in dups),
              "str_ctrl: a duplicate holds a control byte: %s" % list(dups))
        check(not any(t.startswith("ends in a newline") for t in dups),
              "str_ctrl: a run ending in \\n counted as a string")
    check(os.path.exists(LLVM15), "%s missing (Debian package libllvm15)" % LLVM15)
    if os.path.exists(LLVM15):
        s, runs, certain, uncertain, ogroups, obytes = compare(LLVM15, "libLLVM-15")
        check(len(s["duplicates"]) == 100, "libLLVM-15: %d top duplicates, not 100" %
              len(s["duplicates"]))
    fx = manifest.get("str_gnu_nomerge", {}).get("path")
    check(fx is not None, "fixture str_gnu_nomerge missing")
    if fx:
        compare(fx, "str_gnu_nomerge")
    print("%s" % ("ok" if failures == 0 else "%d failed" % failures))
    sys.exit(1 if failures else 0)


main()
