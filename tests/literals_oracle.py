#!/usr/bin/env python3
"""The literals analysis (issue 19) against an independent byte search.

usage: literals_oracle.py SEGSCAN SCHEMA FIXTURE_SRC FIXTURE_OUT MODE [LIBRARY]
  MODE rust   the Rust fixtures of fixtures/literals/build.sh (cgu, nolto/litbin, lto/litbin, seed)
  MODE go     the Go fixture (golit)
  MODE llvm   LIBRARY (libLLVM-15): the top 20 groups re-counted

The oracle knows the sources: the literal texts are read from the .rs and .go files, and the
tables' values are computed here by the formula written beside them in the sources (and checked
against the values the sources spell out). For each object it counts the occurrences of its
bytes in the sections that can hold literals (readelf -SW: allocated, read-only, not executable
PROGBITS, not .eh_frame and the like; the bytes read at readelf's file offsets) and compares:
  - a duplicated object: segscan's `literals.duplicates` row of the same length at the same file
    offsets has copies == the oracle's count and bytes_wasted == (copies - 1) * len; a text
    that a NUL follows in every copy (alignment padding) is a C string: its `strings.duplicates`
    row has those copies and offsets, (copies - 1) * (len + 1) bytes, and no literals row;
  - an object stored once: no row covers its bytes.
Every row of every file is checked too: at least 16 bytes, the same bytes at each offset
listed, not all zero and no periodic fill (period 1-8), the byte search finds at least `copies`
occurrences, bytes_wasted == (copies - 1) * len, and the totals add up (duplicate_bytes is the
sum over the rows when no row was cut, text + table == all). segscan's JSON is validated against
SCHEMA (docs/segscan.schema.json), which must document the literals object."""
import json
import os
import re
import struct
import subprocess
import sys

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analysis_oracle import literal_sections  # noqa: E402

failures = 0
MIN_LEN = 16
SCHEMA = None


def check(ok, msg):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", msg)
    return ok


def table(k):
    """The fixtures' [u32; 32] tables: the formula of the sources, little-endian."""
    vals = [((i + 1) * 0x9E3779B1 + k * 0x85EBCA77 + ((i * i * i) & 0xffff) * 0x27D4EB2F)
            & 0xffffffff for i in range(32)]
    return vals, struct.pack("<32I", *vals)


def source_table(path, name):
    """The values a Rust source spells out for const NAME: [u32; 32]."""
    src = open(path).read()
    m = re.search(r"const %s: \[u32; 32\] = \[(.*?)\];" % name, src, re.S)
    if not check(m is not None, "%s: no const %s" % (path, name)):
        return []
    return [int(v, 16) for v in re.findall(r"0x[0-9a-f]+", m.group(1))]


def rust_literals(path):
    """The fixture's own distinct string literals of a Rust source (they start with 'segscan'),
    in the order of the source."""
    out = []
    for s in re.findall(r'"(segscan [^"\\]*)"', open(path).read()):
        if s.encode() not in out:
            out.append(s.encode())
    return out


def rust_literal(path, pattern):
    """The string literal of a Rust source at PATTERN (a regex whose group 1 is the text)."""
    m = re.search(pattern, open(path).read())
    check(m is not None, "%s: no %s" % (path, pattern))
    return m.group(1).encode() if m else b"?"


class Binary:
    """A file's bytes and its literal-capable sections (readelf -SW)."""

    def __init__(self, path):
        self.path = path
        self.data = open(path, "rb").read()
        self.secs = [(s["name"], s["off"], s["size"]) for s in literal_sections(path)]
        check(len(self.secs) > 0, "%s: readelf shows no section that can hold literals" % path)

    def find(self, needle):
        """File offsets of every occurrence of needle inside one literal section."""
        out = []
        for _, off, size in self.secs:
            blob = self.data[off:off + size]
            i = blob.find(needle)
            while i >= 0:
                out.append(off + i)
                i = blob.find(needle, i + 1)
        return out

    def section_of(self, off, n):
        for name, soff, size in self.secs:
            if soff <= off and off + n <= soff + size:
                return name
        return None


def segscan(segscan_bin, path):
    out = subprocess.run([segscan_bin, "--only", "literals,strings", "-f", "json", path],
                         stdout=subprocess.PIPE, check=True).stdout
    doc = json.loads(out)
    try:
        jsonschema.validate(doc, SCHEMA)
    except jsonschema.ValidationError as e:
        check(False, "%s: segscan's JSON against the schema: %s at %s" % (
            path, e.message[:300], "/".join(str(p) for p in e.absolute_path)))
    images = doc["images"]
    check(len(images) == 1, "%s: %d images" % (path, len(images)))
    lit = images[0].get("literals")
    check(lit is not None, "%s: no literals object in segscan's JSON" % path)
    strings = images[0].get("strings")
    check(strings is not None, "%s: no strings object in segscan's JSON" % path)
    return lit or {"duplicates": []}, strings or {"duplicates": []}


def periodic(b):
    """Fill: a pattern of period 1 to 8 repeated over the whole object."""
    return any(k < len(b) and b[k:] == b[:-k] for k in range(1, 9))


def check_rows(tag, b, lit, top=None):
    """The checks every row and the totals must pass; returns the rows checked."""
    rows = lit.get("duplicates", [])
    groups = lit.get("duplicate_groups", -1)
    check(len(rows) == min(groups, 100), "%s: %d rows for %d groups (the list holds up to 100)" %
          (tag, len(rows), groups))
    wasted = sum(r["bytes_wasted"] for r in rows)
    if groups <= 100:
        check(wasted == lit.get("duplicate_bytes"), "%s: duplicate_bytes %s, the rows sum to %d" %
              (tag, lit.get("duplicate_bytes"), wasted))
    else:
        check(wasted <= lit.get("duplicate_bytes", -1), "%s: duplicate_bytes %s < the top rows' %d" %
              (tag, lit.get("duplicate_bytes"), wasted))
    check(lit.get("text_groups", -1) + lit.get("table_groups", -1) == groups and
          lit.get("text_bytes", -1) + lit.get("table_bytes", -1) == lit.get("duplicate_bytes"),
          "%s: text %s/%s + table %s/%s groups/bytes != %s/%s" % (
              tag, lit.get("text_groups"), lit.get("text_bytes"), lit.get("table_groups"),
              lit.get("table_bytes"), groups, lit.get("duplicate_bytes")))
    prev = None
    for k, r in enumerate(rows if top is None else rows[:top]):
        n, copies, offs = r["len"], r["copies"], r["offsets"]
        where = "%s: row %d (%s x%d, %d bytes at %s)" % (tag, k, r["text"][:40], copies, n,
                                                         offs[:4])
        check(prev is None or r["bytes_wasted"] <= prev, where + ": not largest waste first")
        prev = r["bytes_wasted"]
        check(n >= MIN_LEN, where + ": shorter than %d bytes" % MIN_LEN)
        check(copies >= 2, where + ": fewer than 2 copies")
        check(r["bytes_wasted"] == (copies - 1) * n, where + ": bytes_wasted %d != (copies-1)*len"
              % r["bytes_wasted"])
        check(len(offs) == min(copies, 16), where + ": %d offsets listed" % len(offs))
        check(r["kind"] in ("text", "table"), where + ": kind %r" % r.get("kind"))
        if not offs:
            continue
        obj = b.data[offs[0]:offs[0] + n]
        names = {b.section_of(o, n) for o in offs}
        check(set(r.get("sections", [])) == names, where + ": sections %s, readelf %s" % (
            r.get("sections"), sorted(n for n in names if n)))
        for o in offs:
            check(b.section_of(o, n) is not None, where + ": offset %d not inside a literal "
                  "section" % o)
            check(b.data[o:o + n] == obj, where + ": the bytes at %d differ from those at %d" %
                  (o, offs[0]))
        check(any(obj), where + ": all zero")
        check(not periodic(obj), where + ": periodic fill")
        found = b.find(obj)
        check(len(found) >= copies, where + ": the byte search finds %d copies" % len(found))
        check(set(offs) <= set(found), where + ": offsets not among the byte search's")
    return rows


def covering(rows, off, n):
    """Rows one of whose listed copies overlaps [off, off + n)."""
    return [r for r in rows if any(o < off + n and off < o + r["len"] for o in r["offsets"])]


def expect(tag, b, rows, strings, name, obj, want, kind):
    """One object of the sources: the oracle's count is `want`; segscan reports it so.

    A text object that a NUL follows in every copy (rustc pads the next object's alignment with
    zeros) is a C string by the string analysis' definition: it must then be reported there,
    with (copies - 1) * (len + 1) bytes, and not a second time as a literal."""
    found = b.find(obj)
    print("  %-14s %-10s %3d bytes: byte search %d cop%s in %s" % (
        tag, name, len(obj), len(found), "y" if len(found) == 1 else "ies",
        sorted({b.section_of(o, len(obj)) for o in found})))
    if not check(len(found) == want, "%s: %s found %d times in the literal sections, the "
                 "fixture's build gives %d (whole file: %d)" % (tag, name, len(found), want,
                                                                b.data.count(obj))):
        return
    hits = covering(rows, found[0], len(obj))
    srows = [r for r in strings.get("duplicates", []) if r["text"].encode() == obj]
    if want == 1:
        check(not hits, "%s: %s is stored once, segscan reports %s" % (
            tag, name, [(r["text"][:40], r["copies"]) for r in hits]))
        check(not srows, "%s: %s is stored once, the string analysis reports %s" % (
            tag, name, [(r["text"][:40], r["copies"]) for r in srows]))
        return
    cstring = kind == "text" and all(b.data[o + len(obj)] == 0 for o in found)
    if cstring:
        print("  %-14s %-10s a NUL follows every copy: a C string" % (tag, name))
        check(not hits, "%s: %s, a C string, is also reported as a literal: %s" % (
            tag, name, [(r["len"], r["copies"], r["offsets"][:4]) for r in hits]))
        if not check(len(srows) == 1, "%s: %s, a C string, has %d rows in strings.duplicates" %
                     (tag, name, len(srows))):
            return
        r = srows[0]
        check(r["len"] == len(obj) and set(r["offsets"]) == set(found[:16]),
              "%s: %s: strings row of %d bytes at %s, byte search %d at %s" % (
                  tag, name, r["len"], r["offsets"], len(obj), found))
        check(r["copies"] == len(found), "%s: %s copies %d, byte search %d" % (
            tag, name, r["copies"], len(found)))
        check(r["bytes_wasted"] == (len(found) - 1) * (len(obj) + 1),
              "%s: %s bytes_wasted %d, expected (copies - 1) * (len + 1) = %d" % (
                  tag, name, r["bytes_wasted"], (len(found) - 1) * (len(obj) + 1)))
        return
    match = [r for r in hits if r["len"] == len(obj) and set(r["offsets"]) == set(found[:16])]
    if not check(len(match) == 1, "%s: %s (%d copies at %s): no row with the same length and "
                 "offsets; rows over it: %s" % (tag, name, len(found), found,
                                                [(r["len"], r["copies"], r["offsets"][:4])
                                                 for r in hits])):
        return
    r = match[0]
    check(r["copies"] == len(found), "%s: %s copies %d, byte search %d" % (
        tag, name, r["copies"], len(found)))
    check(r["bytes_wasted"] == (len(found) - 1) * len(obj), "%s: %s bytes_wasted %d, expected "
          "%d" % (tag, name, r["bytes_wasted"], (len(found) - 1) * len(obj)))
    check(r["kind"] == kind, "%s: %s kind %s, expected %s" % (tag, name, r["kind"], kind))
    # the excerpt: the text itself, or the table's first bytes in hex
    whole = obj.decode() if kind == "text" else obj.hex()
    check(len(r["text"]) > 0 and whole.startswith(r["text"]) and
          (r.get("excerpt_cut") or r["text"] == whole),
          "%s: %s excerpt %r (cut %s), the source's %r" % (tag, name, r["text"],
                                                         r.get("excerpt_cut"), whole))


def rust(segscan_bin, src, out):
    lits = {f: rust_literals(os.path.join(src, f)) for f in ("cgu.rs", "litlib.rs", "seed.rs")}
    for f, name, k in (("cgu.rs", "CGU_TABLE", 1), ("litlib.rs", "SHARED_TABLE", 2),
                       ("seed.rs", "SEED_TABLE", 3)):
        check(source_table(os.path.join(src, f), name) == table(k)[0],
              "%s: %s differs from the formula with K = %d" % (f, name, k))
    check([len(t) for t in lits["cgu.rs"]] == [53], "cgu.rs: literals %s, the issue's is one of "
          "53 bytes" % lits["cgu.rs"])
    check(len(lits["litlib.rs"]) == 3 and len(lits["seed.rs"]) == 1,
          "sources: literals %s" % lits)
    lib = os.path.join(src, "litlib.rs")
    lib_text = rust_literal(lib, r'fn lib_literal\(\) -> &\'static str \{\s*"([^"]*)"')
    lib_const = rust_literal(lib, r'const SHARED_CONST: &str = "([^"]*)"')
    lib_expect = rust_literal(lib, r'\.expect\("([^"]*)"\)')
    binsrc = open(os.path.join(src, "litbin.rs")).read().encode()
    check(lib_text in binsrc and lib_expect in binsrc and b"litlib::SHARED_CONST" in binsrc and
          b"litlib::SHARED_TABLE" in binsrc, "litbin.rs does not use the library's objects")
    objects = {
        "cgu": [("CGU_TEXT", lits["cgu.rs"][0], 3, "text"),
                ("CGU_TABLE", table(1)[1], 3, "table")],
        "nolto/litbin": [("literal", lib_text, 2, "text"), ("const &str", lib_const, 2, "text"),
                         ("expect()", lib_expect, 2, "text"),
                         ("table", table(2)[1], 2, "table")],
        "lto/litbin": [("literal", lib_text, 1, "text"), ("const &str", lib_const, 1, "text"),
                       ("expect()", lib_expect, 1, "text"), ("table", table(2)[1], 1, "table")],
        "seed": [("literal", lits["seed.rs"][0], 1, "text"), ("SEED_TABLE", table(3)[1], 1,
                                                              "table")],
    }
    for tag, objs in objects.items():
        path = os.path.join(out, tag)
        if not check(os.path.exists(path), "fixture %s missing" % path):
            continue
        b = Binary(path)
        lit, strings = segscan(segscan_bin, path)
        rows = check_rows(tag, b, lit)
        print("%-14s %d groups, %d bytes wasted (text %s, table %s), %d rows; toolchain %s" % (
            tag, lit.get("duplicate_groups", -1), lit.get("duplicate_bytes", -1),
            lit.get("text_bytes"), lit.get("table_bytes"), len(rows), lit.get("toolchain")))
        for name, obj, want, kind in objs:
            expect(tag, b, rows, strings, name, obj, want, kind)


def go_literals(src):
    """The string literals of the Go sources, import paths left out (the toolchain keeps a
    package's path in several tables by design: they are not literals of the program)."""
    out = set()
    for root, _, files in os.walk(os.path.join(src, "go")):
        for f in files:
            if f.endswith(".go"):
                text = open(os.path.join(root, f)).read()
                text = re.sub(r"\nimport \((.*?)\)|\nimport \"[^\"]*\"", "", text, flags=re.S)
                for s in re.findall(r'"((?:[^"\\]|\\.)*)"', text):
                    if len(s) >= MIN_LEN and "\\" not in s:
                        out.add(s.encode())
    return sorted(out)


def go(segscan_bin, src, out):
    path = os.path.join(out, "golit")
    if not check(os.path.exists(path), "fixture %s missing" % path):
        return
    b = Binary(path)
    lit, _ = segscan(segscan_bin, path)
    rows = check_rows("golit", b, lit)
    srclits = go_literals(src)
    check(len(srclits) >= 6, "go sources: only %d literals found" % len(srclits))
    print("golit: %d groups, %d bytes wasted, %d rows; %d literals of the sources" % (
        lit.get("duplicate_groups", -1), lit.get("duplicate_bytes", -1), len(rows),
        len(srclits)))
    for s in srclits:
        found = b.find(s)
        # the linker stores each string once: the fixture's premise
        check(len(found) == 1, "golit: %r found %d times in the literal sections" % (s, len(found)))
        hits = [r for r in rows if s in b.data[r["offsets"][0]:r["offsets"][0] + r["len"]]]
        check(not hits, "golit: the source literal %r is reported as a duplicate: %s" % (
            s, [(r["text"][:40], r["copies"]) for r in hits]))
        print("  %3d bytes, byte search %d, rows holding it %d: %s" % (len(s), len(found),
                                                                      len(hits), s.decode()))


def llvm(segscan_bin, lib):
    if not check(os.path.exists(lib), "%s missing (Debian package libllvm15)" % lib):
        return
    b = Binary(lib)
    lit, _ = segscan(segscan_bin, lib)
    rows = check_rows("libLLVM-15", b, lit, top=20)
    check(len(rows) >= 20, "libLLVM-15: %d duplicate groups, the top 20 are to be checked" %
          len(rows))
    print("libLLVM-15: %d groups, %d bytes wasted (text %s, table %s, anchored %s)" % (
        lit.get("duplicate_groups", -1), lit.get("duplicate_bytes", -1), lit.get("text_bytes"),
        lit.get("table_bytes"), lit.get("anchored_bytes")))
    for r in rows[:20]:
        obj = b.data[r["offsets"][0]:r["offsets"][0] + r["len"]]
        print("  %-6s %7d bytes x%-3d byte search %-3d %s" % (
            r["kind"], r["len"], r["copies"], len(b.find(obj)), r["text"][:50]))


def main():
    global SCHEMA
    segscan_bin, schema, src, out, mode = sys.argv[1:6]
    SCHEMA = json.load(open(schema))
    # the image object allows fields it does not name: the literals object must be named
    lit_schema = SCHEMA.get("$defs", {}).get("image", {}).get("properties", {}).get("literals")
    check(lit_schema is not None, "%s does not document the images' literals object" % schema)
    if mode == "rust":
        rust(segscan_bin, src, out)
    elif mode == "go":
        go(segscan_bin, src, out)
    elif mode == "llvm":
        llvm(segscan_bin, sys.argv[6])
    else:
        sys.exit("literals_oracle.py: unknown mode %s" % mode)
    print("ok" if failures == 0 else "%d failed" % failures)
    sys.exit(1 if failures else 0)


main()
