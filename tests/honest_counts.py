#!/usr/bin/env python3
"""honest_counts.py - issue 17, classes 9 (counts), 4 (diff row keys), 5 (large diagrams).

usage: honest_counts.py GROUP --segscan BIN --fixtures ELF_FIXTURE_DIR --work DIR

Group diffkey: a yaml2obj-14 pair, base with two sections named .text (the second's sh_name
patched here to the first's string, as readelf confirms) and new with .text, a section really
named ".text #2" and one really named "[Padding]". diff must show the second .text as removed
and ".text #2" as added (each with its own bytes, not summed into one row), in text and JSON
(rank 2 on the removed row only), and the section "[Padding]" as added apart from the file map's
[Padding] row.

Group bigdot: -f dot of the system's libc.a (about 2,000 members) is under 2 MB, draws 32
images plus one box summarising the rest (32 + N = the members listed by ar t), says so on
stderr, and dot -Tsvg renders it within 60 s; libfixture.a is drawn in full.

Group counts:

Oracles: readelf -S -W (how many sections there are, how many have flags WAX) and the JSON
report's file_map (how many header/table/padding regions there are). Checked:
  - "Sections (N+M)": N equals readelf's section count without the null section and the
    section rows of the table, M the bracketed region rows (so N+M is every row shown), and the
    "rows:" line says the same in words; with --top K
    the K rows plus the "[M others]" row account for every row ("[1 other]" in the singular);
  - "N sections are writable and executable [...; +M more]": N is readelf's WAX count and
    M = N - 1 although the JSON keeps at most 16 pieces of evidence (a generated relocatable
    with 20 such sections, by yaml2obj-14);
  - "Total: 1 input" (singular) for one archive of several images.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys

failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def segscan(a, args):
    r = subprocess.run([a.segscan] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, r.stdout.decode("utf-8", "replace")


def readelf_sections(path):
    out = subprocess.run(["readelf", "-S", "-W", path], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    rows = [l for l in out.splitlines() if re.match(r"\s*\[\s*\d+\]", l)]
    return rows


def section_tables(text):
    """[(title_count, rows, rows_line)] for every "Sections (N)" table of a text report."""
    tables = []
    lines = text.splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"  Sections \((\d+)(?:\+(\d+))?\)\s", l)
        if not m:
            continue
        rows, extra = [], None
        for l2 in lines[i + 1:]:
            if l2.startswith("  total: ") or l2.startswith("  * "):
                continue
            r = re.match(r"  rows: (\d+) sections? and (\d+) regions? ", l2)
            if r:
                extra = (int(r.group(1)), int(r.group(2)))
                break
            if not l2.startswith("  ") or l2.strip() == "":
                break
            rows.append(l2[2:])
        tables.append((int(m.group(1)), rows, extra, int(m.group(2) or 0)))
    return tables


def json_regions(a, path):
    rc, out = segscan(a, ["-f", "json", path])
    im = json.loads(out)["images"][0]
    names = set()
    for e in im["file_map"]:
        if e.get("what") in ("header", "padding", "unmapped"):
            names.add(e.get("name", e["what"]))
    return len(names)


def check_tables(a, path):
    real = len(readelf_sections(path)) - 1  # readelf lists the null section as [0]
    nreg = json_regions(a, path)
    rc, out = segscan(a, [path])
    tabs = section_tables(out)
    if not check(rc == 0 and len(tabs) == 1, "%s: one section table (rc %d)" % (path, rc)):
        return
    n, rows, extra, nextra = tabs[0]
    secs = [r for r in rows if not r.startswith("[")]
    regs = [r for r in rows if r.startswith("[")]
    check(n == real, "%s: header says Sections (%d), readelf has %d" % (path, n, real))
    check(len(secs) == n, "%s: header says %d sections, %d section rows shown" % (path, n, len(secs)))
    check(nextra == len(regs),
          "%s: header says +%d regions, %d region rows shown" % (path, nextra, len(regs)))
    check(len(regs) == nreg, "%s: %d region rows, JSON file_map has %d" % (path, len(regs), nreg))
    check(extra == ((n, len(regs)) if regs else None),
          "%s: rows line %r for %d sections and %d regions" % (path, extra, n, len(regs)))
    total = n + len(regs)
    for top in (3, total - 1):
        rc, out = segscan(a, ["--top", str(top), path])
        n2, rows2, _, _ = section_tables(out)[0]
        others = [r for r in rows2 if re.match(r"\[\d+ others?\]", r)]
        shown = len(rows2) - len(others)
        if not check(len(others) == 1, "%s --top %d: one others row" % (path, top)):
            continue
        k = int(re.match(r"\[(\d+)", others[0]).group(1))
        check(shown == top and shown + k == total,
              "%s --top %d: %d rows + [%d others] != %d" % (path, top, shown, k, total))
        check(others[0].startswith("[%d other%s]" % (k, "" if k == 1 else "s")),
              "%s --top %d: plural of %r" % (path, top, others[0]))


def group_counts(a):
    for f in ("free-x86_64", "gcc-pie", "overlap", "tbss-only", "compressed"):
        check_tables(a, os.path.join(a.fixtures, f))

    os.makedirs(a.work, exist_ok=True)
    y = os.path.join(a.work, "wx20.yaml")
    o = os.path.join(a.work, "wx20")
    secs = "".join("  - Name: .wx%d\n    Type: SHT_PROGBITS\n"
                   "    Flags: [ SHF_ALLOC, SHF_WRITE, SHF_EXECINSTR ]\n"
                   "    Address: 0x%x\n    AddressAlign: 0x10\n    Content: \"c3c3c3c3\"\n"
                   % (i, 0x1000 + 16 * i) for i in range(20))
    with open(y, "w") as fh:
        fh.write("--- !ELF\nFileHeader:\n  Class: ELFCLASS64\n  Data: ELFDATA2LSB\n"
                 "  Type: ET_REL\n  Machine: EM_X86_64\nSections:\n" + secs)
    subprocess.run(["yaml2obj-14", y, "-o", o], check=True)
    wax = sum(1 for r in readelf_sections(o) if re.search(r"\sWAX\s", r))
    check(wax == 20, "readelf: %d WAX sections in the generated file, want 20" % wax)
    rc, out = segscan(a, [o])
    m = re.search(r"wx-section: (\d+) sections? (?:is|are) writable and executable "
                  r"\[section \S+ .*?; \+(\d+) more\]", out)
    if check(m is not None, "wx-section finding with +N more in the text report"):
        check(int(m.group(1)) == wax, "wx-section says %s sections, readelf %d" % (m.group(1), wax))
        check(int(m.group(2)) == wax - 1, "+%s more, want %d" % (m.group(2), wax - 1))
    rc, js = segscan(a, ["-f", "json", o])
    im = json.loads(js)["images"][0]
    rwx = [s for s in im["sections"] if s["alloc"] and s["perms"] == "rwx"]
    f = [x for x in im["findings"] if x["id"] == "wx-section"]
    check(len(rwx) == wax and len(f) == 1 and len(f[0]["evidence"]) <= len(rwx),
          "JSON: %d rwx sections, evidence within them" % len(rwx))
    if m and f:
        check(int(m.group(2)) + 1 == len(rwx), "text +N more + 1 != JSON rwx section count")

    lib = os.path.join(a.fixtures, "libfixture.a")
    rc, out = segscan(a, [lib])
    check(re.search(r"^Total: 1 input, \d+ images,", out, re.M) is not None,
          "one archive: 'Total: 1 input, N images' (singular input)")
    check(not re.search(r"\b1 (inputs|images|others)\b", out), "no '1 <plural>' in %s" % lib)


ELF_HEAD = ("--- !ELF\nFileHeader: {Class: ELFCLASS64, Data: ELFDATA2LSB, Type: ET_REL, "
            "Machine: EM_X86_64}\nSections:\n")


def yaml_sections(items):
    return ELF_HEAD + "".join(
        "  - {Name: '%s', Type: SHT_PROGBITS, Flags: [SHF_ALLOC, SHF_EXECINSTR], "
        "AddressAlign: 0x10, Size: %d}\n" % (n, size) for n, size in items)


def yaml2obj(a, name, text):
    os.makedirs(a.work, exist_ok=True)
    y, o = os.path.join(a.work, name + ".yaml"), os.path.join(a.work, name)
    with open(y, "w") as fh:
        fh.write(text)
    subprocess.run(["yaml2obj-14", y, "-o", o], check=True)
    return o


def group_diffkey(a):
    base = yaml2obj(a, "dup-base", yaml_sections([(".text", 64), (".textB", 256)]))
    # Give section 2 the name of section 1: two sections really named .text.
    d = bytearray(open(base, "rb").read())
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shentsize, = struct.unpack_from("<H", d, 0x3a)
    n1, = struct.unpack_from("<I", d, shoff + shentsize)
    struct.pack_into("<I", d, shoff + 2 * shentsize, n1)
    open(base, "wb").write(bytes(d))
    new = yaml2obj(a, "dup-new", yaml_sections([(".text", 64), (".text #2", 32),
                                                 ("[Padding]", 16)]))
    names = [re.sub(r"^\s*\[\s*\d+\]\s+", "", r)[:17].strip() for r in readelf_sections(base)]
    check(names.count(".text") == 2, "readelf: base has two .text sections: %r" % names)
    names = [r for r in readelf_sections(new) if ".text #2" in r]
    check(len(names) == 1, "readelf: new has a section named '.text #2'")

    rc, out = segscan(a, ["diff", "--all", base, new])
    check(rc == 0, "diff exit %d" % rc)
    rows = [l for l in out.splitlines() if re.match(r"[-+ ] (\.text|\[Padding\])", l)]
    removed = [l for l in rows if l.startswith("- .text #2 ")]
    added = [l for l in rows if l.startswith("+ .text #2 ")]
    check(len(removed) == 1 and re.search(r"\s256\s+-\s+-256\s", removed[0]) is not None,
          "text: second .text (256 bytes) removed: %r" % removed)
    check(len(added) == 1 and re.search(r"\s-\s+32\s+\+32\s", added[0]) is not None,
          "text: '.text #2' (32 bytes) added: %r" % added)
    pad = [l for l in rows if l.startswith("+ [Padding] ")]
    check(len(pad) == 1 and re.search(r"\s-\s+16\s+\+16\s", pad[0]) is not None,
          "text: the section named [Padding] (16 bytes) added: %r" % pad)

    rc, js = segscan(a, ["diff", "-f", "json", "--all", base, new])
    secs = json.loads(js)["units"][0]["sections"]
    t2 = [r for r in secs if r["name"] == ".text #2"]
    st = sorted((r["status"], r.get("rank"), r["file_size"]["before"], r["file_size"]["after"])
                for r in t2)
    check(st == [("added", None, None, 32), ("removed", 2, 256, None)],
          "JSON rows named '.text #2': %r" % st)
    t1 = [r for r in secs if r["name"] == ".text"]
    check(len(t1) == 1 and t1[0]["status"] == "same" and t1[0]["file_size"]["before"] == 64,
          "JSON: first .text unchanged: %r" % t1)
    pads = sorted((r["status"], r["file_size"]["before"] is not None) for r in secs
                  if r["name"] == "[Padding]")
    check(len(pads) == 2 and ("added", False) in pads and any(p[1] for p in pads),
          "JSON: section [Padding] added apart from the file map's [Padding]: %r" % pads)


DOT_LIMIT = 2 * 1024 * 1024  # README, Diagrams: the DOT text of one archive stays under 2 MB
DOT_MAX_MEMBERS = 32          # emit/dot.c


def group_bigdot(a):
    lib = "/usr/lib/x86_64-linux-gnu/libc.a"
    if not check(os.path.exists(lib), "%s missing (package libc6-dev)" % lib):
        return
    members = subprocess.run(["ar", "t", lib], stdout=subprocess.PIPE,
                             check=True).stdout.decode().split()
    r = subprocess.run([a.segscan, "-f", "dot", lib], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    check(r.returncode == 0, "-f dot libc.a exit %d" % r.returncode)
    dot = r.stdout
    check(0 < len(dot) < DOT_LIMIT, "DOT of libc.a is %d bytes, limit %d" % (len(dot), DOT_LIMIT))
    drawn = len(re.findall(rb"subgraph cluster_i\d+ ", dot))
    m = re.search(rb"rest_c\d+ \[shape=box, style=dashed, label=<(\d+) more member images", dot)
    rest = int(m.group(1)) if m else 0
    check(drawn == DOT_MAX_MEMBERS, "%d images drawn, want %d" % (drawn, DOT_MAX_MEMBERS))
    check(m is not None and drawn + rest == len(members),
          "drawn %d + summarised %d != ar t's %d members" % (drawn, rest, len(members)))
    err = r.stderr.decode("utf-8", "replace")
    check(re.search(r"draws the %d largest of %d member images" % (DOT_MAX_MEMBERS, len(members)),
                    err) is not None, "stderr names the summary: %r" % err[:300])
    try:
        sv = subprocess.run(["dot", "-Tsvg"], input=dot, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=60)
        check(sv.returncode == 0 and b"<svg" in sv.stdout,
              "dot -Tsvg failed: %r" % sv.stderr[:300])
    except subprocess.TimeoutExpired:
        check(False, "dot -Tsvg took more than 60 s on the libc.a diagram")
    # A small archive (fewer than 32 members) is drawn in full, with no summary box.
    small = os.path.join(a.fixtures, "libfixture.a")
    n = len([m for m in subprocess.run(["ar", "t", small], stdout=subprocess.PIPE,
                                       check=True).stdout.decode().split() if m.endswith(".o")])
    r = subprocess.run([a.segscan, "-f", "dot", small], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    check(len(re.findall(rb"subgraph cluster_i\d+ ", r.stdout)) == n and b"rest_c" not in r.stdout,
          "libfixture.a: all %d object members drawn (notes.txt is no binary), no box" % n)


GROUPS = {"counts": group_counts, "diffkey": group_diffkey, "bigdot": group_bigdot}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=sorted(GROUPS))
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    GROUPS[a.group](a)
    if failures or checked == 0:
        print("FAILED: %d of %d checks" % (len(failures), checked))
        return 1
    print("ok: %d checks" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
