#!/usr/bin/python3
"""elf_check.py - checks of segscan's ELF reader against independent oracles.

    elf_check.py --segscan BIN --fixtures DIR --schema FILE good NAME
        NAME (a file in DIR built by fixtures/elf/build.sh) must exit 0 with a JSON report that
        validates against the schema, a contiguous file map summing to the file size, sections
        and program headers equal to what readelf prints (tests/readelf_oracle.py), Berkeley
        totals equal to `size -B`, symbols' sections of the right kind (readelf -s), compressed
        sizes equal to what objcopy decompresses to, and the facts written into the fixture's
        own source (the YAML's numbers) - see EXPECT below.
    elf_check.py ... broken NAME
        NAME must exit 3, print nothing on stdout, and exactly one line on stderr naming the
        path, what is wrong (a pattern per fixture) and the offset of the bad bytes, which is
        computed here from the file's own header.
    elf_check.py ... oracle-selftest NAME
        Proves the readelf oracle can fail: every field of every section and segment of NAME's
        report is perturbed in turn and the oracle must report each perturbation.

Exit status: 0 pass, 1 fail (a fixture that was not built is a failure: .ci/setup installs every
toolchain the fixtures need, and a check with no input has checked nothing).
"""
import argparse
import copy
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readelf_oracle  # noqa: E402



class Failures:
    def __init__(self, name):
        self.name = name
        self.items = []

    def check(self, cond, msg):
        if not cond:
            self.items.append(msg)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, "%s: got %r, expected %r" % (what, got, want))

    def finish(self):
        for m in self.items:
            print("FAIL %s: %s" % (self.name, m))
        if not self.items:
            print("ok %s" % self.name)
        return 1 if self.items else 0


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def segscan_json(args, path, cwd=None):
    p = run([args.segscan, "--format", "json", path], cwd=cwd)
    doc = None
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        pass
    return p, doc


def validate_schema(doc, schema_path, f):
    import jsonschema
    with open(schema_path) as fh:
        schema = json.load(fh)
    v = jsonschema.Draft202012Validator(schema)
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.path)):
        f.check(False, "schema: %s at %s" % (e.message[:200], "/".join(map(str, e.path))))


# ---- oracles --------------------------------------------------------------------------------

def size_berkeley(path):
    """GNU size -B: {member or None: (text, data, bss)} for every file size can read."""
    p = run(["size", "-B", path])
    out = {}
    for line in p.stdout.decode().splitlines()[1:]:
        cols = line.split(None, 5)
        if len(cols) < 6:
            continue
        m = re.match(r"^(.*) \(ex (.*)\)$", cols[5])
        out[m.group(1) if m else None] = (int(cols[0]), int(cols[1]), int(cols[2]))
    return out


_SYM_RE = re.compile(r"^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+"
                     r"(\S+)\s+(\S+)\s*$")


def readelf_symbols(path):
    """readelf -s -W (.symtab only) -> {name: (value, size, shndx or None)} (first wins)."""
    text = run(["readelf", "-s", "-W", path]).stdout.decode()
    syms = {}
    part = text.split("Symbol table '.symtab'", 1)
    body = part[1] if len(part) > 1 else ""
    for line in body.splitlines():
        m = _SYM_RE.match(line)
        if not m:
            continue
        name = m.group(7)
        ndx = int(m.group(6)) if m.group(6).isdigit() else None
        syms.setdefault(name, (int(m.group(1), 16), int(m.group(2), 0), ndx))
    return syms


def readelf_relro(path):
    """(vaddr, memsz) of PT_GNU_RELRO from readelf -l -W, or None."""
    _, rows = readelf_oracle.parse_segments(run(["readelf", "-l", "-W", path]).stdout.decode())
    for r in rows:
        if r["type"] == "GNU_RELRO":
            return r["vaddr"], r["memsz"]
    return None


def readelf_section_flags(path):
    _, rows = readelf_oracle.parse_sections(run(["readelf", "-S", "-W", path]).stdout.decode())
    return {r["idx"]: r for r in rows}


def readelf_segment_map(path):
    """readelf's "Section to Segment mapping": {segment index: " names "} (a string padded with
    blanks: a section name may itself contain a blank, so test with f" {name} " in it)."""
    text = run(["readelf", "-l", "-W", path]).stdout.decode()
    out = {}
    body = text.split("Section to Segment mapping:", 1)
    if len(body) < 2:
        return out
    for line in body[1].splitlines():
        m = re.match(r"^\s+(\d+)\s+(.*)$", line)
        if m:
            out[int(m.group(1))] = " %s " % m.group(2).strip()
    return out


def ar_members(path):
    """An independent reader of System V/GNU ar: [(name, data offset, size)]."""
    data = open(path, "rb").read()
    assert data[:8] == b"!<arch>\n"
    off, longnames, out = 8, b"", []
    while off + 60 <= len(data):
        h = data[off:off + 60]
        name = h[:16].decode().rstrip()
        size = int(h[48:58].decode())
        body = off + 60
        if name == "//":
            longnames = data[body:body + size]
        elif name not in ("/", "/SYM64/"):
            if name.startswith("/") and name[1:].isdigit():
                at = int(name[1:])
                name = longnames[at:longnames.index(b"\n", at)].decode()
            out.append((name.rstrip("/"), body, size))
        off = body + size + (size & 1)
    return out


def decompressed_sizes(path):
    """{name: size} of sections after `objcopy --decompress-debug-sections` (.zdebug_x are
    renamed .debug_x by objcopy; they are reported under both names)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "plain")
        p = run(["objcopy", "--decompress-debug-sections", path, out])
        if p.returncode != 0:
            return None
        _, rows = readelf_oracle.parse_sections(run(["readelf", "-S", "-W", out]).stdout.decode())
    sizes = {}
    for r in rows:
        name = r["name_type"].split()[0] if r["name_type"].split() else ""
        sizes[name] = r["size"]
        if name.startswith(".debug"):
            sizes[".z" + name[1:]] = r["size"]
    return sizes


# ---- per-fixture facts ------------------------------------------------------------------------

HOSTED = {"big": "bss", "primes": "data", "hooks": "data", "tls_counter": "tls-data",
          "tls_scratch": "tls-bss", "ops": None}
FREE = {"big": "bss", "table": "data", "hooks": "data", "tls_value": "tls-data",
        "tls_zero": "tls-bss", "message": "rodata", "fns": None}

# name: dict of expectations. "kinds" maps symbols to the kind of the section readelf puts them
# in (None: relro if PT_GNU_RELRO covers it, rodata if the section is not writable, else data).
EXPECT = {
    "gcc-pie": {"class": 64, "type": "executable", "detail": "DYN (PIE executable)",
                "machine": "x86-64", "kinds": HOSTED},
    "gcc-nopie": {"class": 64, "type": "executable", "detail": "EXEC", "kinds": HOSTED},
    "gcc-static": {"class": 64, "type": "executable", "detail": "EXEC", "kinds": HOSTED},
    "gcc-m32": {"class": 32, "type": "executable", "machine": "i386", "kinds": HOSTED},
    "gcc-debug-zlib": {"kinds": HOSTED, "compressed": "zlib"},
    "gcc-debug-zstd": {"kinds": HOSTED, "compressed": "zstd", "optional": True},
    "clang-lld-pie": {"class": 64, "type": "executable", "detail": "DYN (PIE executable)",
                      "kinds": HOSTED},
    "clang-lld-debug-zlib": {"kinds": HOSTED, "compressed": "zlib"},
    "hello.o": {"type": "relocatable", "detail": "REL", "entry": None, "kinds": HOSTED},
    "zdebug.o": {"type": "relocatable", "compressed": "zdebug", "optional": True},
    "libfixture.so": {"type": "shared", "detail": "DYN (shared object)",
                      "kinds": {"lib_counter": "data", "lib_zero": "bss", "lib_add": "code"}},
    "libfixture.a": {"archive": True},
    "free-x86_64": {"class": 64, "endian": "little", "type": "executable", "kinds": FREE},
    "free-i386": {"class": 32, "endian": "little", "machine": "i386", "kinds": FREE},
    "free-gcc-i386": {"class": 32, "endian": "little", "machine": "i386", "kinds": FREE},
    "free-ppc64be": {"class": 64, "endian": "big", "machine": "PowerPC64", "kinds": FREE},
    "free-mipsbe": {"class": 32, "endian": "big", "machine": "MIPS", "kinds": FREE},
    "ppc64be.o": {"class": 64, "endian": "big", "type": "relocatable", "machine": "PowerPC64",
                  "kinds": FREE},
    # yaml2obj fixtures: the numbers are the YAML's own.
    "noshdr": {"class": 64, "type": "executable", "entry": 0x401000, "nsections": 0,
               "segments": [("LOAD", 0x401000, 0xa, 0xa, "r-x"),
                            ("LOAD", 0x402000, 0x10, 0x3010, "rw-"),
                            ("GNU_STACK", 0, 0, 0, "rw-")]},
    "overlap": {"type": "relocatable",
                "accounted": {".text": 0x40, ".alias": 0x20, ".data": 0},
                "text_marks": {".alias", ".data"},
                # .data (0x80) starts inside .alias (0x60-0xa0): the analyses read it once.
                "warnings": [(0x80, r"^1 data sections share file bytes")]},
    "compressed": {"comp": {".debug_info": ("zlib", 4800, 77), ".debug_str": ("zstd", 0x2000, 33),
                            ".debug_line": ("unknown", None, 28),
                            ".debug_abbrev": ("unknown", None, 8)},
                   "warnings": [(0xc0, r"\.debug_line.*\b7\b"),
                                (0xdc, r"\.debug_abbrev.*(too small|header)")]},
    "compressed-be32": {"class": 32, "endian": "big", "machine": "PowerPC",
                        "comp": {".debug_info": ("zlib", 4800, 65),
                                 ".zdebug_str": ("zdebug", 0x345, 20)}},
    "tbss-only": {"sections": {".tbss": ("tls-bss", 0x402008, 0x40, 0, 1),
                               ".bss": ("bss", 0x402008, 0x100, 0, 1),
                               ".data": ("data", 0x402000, 8, 8, 1),
                               ".text": ("code", 0x401000, 10, 10, 0)}},
    "odd-tables": {"names": ["", ".text", "my section",
                             ".a.section.name.much.longer.than.the.column", ".unknown.type",
                             ".symtab", ".symtab_shndx", ".strtab", ".shstrtab"],
                   "segtypes": [(1, 0x401000, 1, 1, "r-x"), (1, 0x402000, 8, 8, "---"),
                                (0x70000001, 0x402000, 4, 4, "r--"), (0x12345, 0, 0, 0, "-w-")],
                   "sections": {"my section": ("rodata", 0x402000, 4, 4, 1),
                                ".a.section.name.much.longer.than.the.column":
                                    ("data", 0x402004, 4, 4, 1),
                                ".unknown.type": ("other", 0, 0, 2, None)}},
    "bad-shstrndx": {"warnings": [(0x3e, r"e_shstrndx")], "no_size": "bfd drops the sections",
                     "names": ["", "[section 1]", "[section 2]", "[section 3]", "[section 4]"]},
}


def expected_kind(path, sym, secflags, relro, want):
    if want is not None:
        return want
    value, size, ndx = sym
    if relro and relro[0] <= value and value + size <= relro[0] + relro[1]:
        return "relro"
    return "data" if "W" in secflags[ndx]["flags"] else "rodata"


def check_good(args, name):
    path = os.path.join(args.fixtures, name)
    exp = EXPECT.get(name, {})
    if not os.path.exists(path):
        why = missing_reason(args, name) if exp.get("optional") else "no reason recorded"
        print("FAIL %s: fixture not built (%s)" % (name, why))
        return 1
    f = Failures(name)
    p, doc = segscan_json(args, path)
    f.eq(p.returncode, 0, "exit status")
    f.eq(p.stderr.decode(), "", "stderr")
    if not f.check(doc is not None, "stdout is not JSON"):
        return f.finish()
    validate_schema(doc, args.schema, f)
    images = doc["images"]
    sizes = size_berkeley(path)

    if exp.get("archive"):
        check_archive(path, doc, sizes, f)
    else:
        f.eq(len(images), 1, "number of images")
        f.eq(doc["inputs"][0]["failed"], 0, "inputs[0].failed")
    for im in images:
        where = im["member"] or name
        f.eq(im["file_size"], os.path.getsize(path) if im["member"] is None else im["file_size"],
             "%s file_size" % where)
        for m in readelf_oracle.check_file_map(im):
            f.check(False, "%s: %s" % (where, m))
        if im["member"] is None:
            for m in readelf_oracle.compare(path, im):
                f.check(False, "%s: readelf: %s" % (where, m))
        if "no_size" not in exp:
            key = im["member"]
            if f.check(key in sizes, "%s: size -B printed nothing for it" % where):
                t = im["totals"]
                f.eq((t["text"], t["data"], t["bss"]), sizes[key],
                     "%s berkeley text/data/bss vs size -B" % where)
    if len(images) != 1 or images[0]["member"] is not None:
        return f.finish()
    im = images[0]
    for key, field in (("class", "class"), ("endian", "endian"), ("type", "type"),
                       ("detail", "type_detail"), ("machine", "machine"), ("entry", "entry")):
        if key in exp:
            f.eq(im[field], exp[key], field)
    if "kinds" in exp:
        check_kinds(path, im, exp["kinds"], f)
    if exp.get("kinds") is HOSTED:
        check_string_kind(path, im, b"bonjour", f)
    check_section_segments(path, im, f)
    if "compressed" in exp:
        check_compressed_build(path, im, exp["compressed"], f)
    if "nsections" in exp:
        f.eq(len(im["sections"]), exp["nsections"], "number of sections")
    if "segments" in exp:
        got = [(g["name"], g["vaddr"], g["file_size"], g["vm_size"], g["perms"])
               for g in im["segments"]]
        f.eq(got, exp["segments"], "segments")
    if "segtypes" in exp:
        got = [(g.get("raw_type"), g["vaddr"], g["file_size"], g["vm_size"], g["perms"])
               for g in im["segments"]]
        f.eq(got, exp["segtypes"], "segments (raw_type, vaddr, file_size, vm_size, perms)")
    secs = {s["name"]: s for s in im["sections"]}
    for sname, want in exp.get("accounted", {}).items():
        f.eq(secs[sname]["file_accounted"], want, "%s file_accounted" % sname)
    if "text_marks" in exp:
        check_text_marks(args, path, exp["text_marks"], f)
    for sname, (fmt, usize, fsize) in exp.get("comp", {}).items():
        s = secs.get(sname)
        if not f.check(s is not None, "section %s missing" % sname):
            continue
        c = s.get("compressed")
        if not f.check(c is not None, "%s: no \"compressed\" object" % sname):
            continue
        f.eq(c["format"], fmt, "%s compressed.format" % sname)
        f.eq(s["file_size"], fsize, "%s file_size (on disk)" % sname)
        if usize is not None:
            f.eq(c.get("uncompressed_size"), usize, "%s compressed.uncompressed_size" % sname)
        elif s["file_size"] < (24 if im["class"] == 64 else 12):
            # No complete header: any size would be invented.
            f.check(c.get("uncompressed_size") is None,
                    "%s: no complete compression header, yet uncompressed_size %r is reported"
                    % (sname, c.get("uncompressed_size")))
    for off, pat in exp.get("warnings", []):
        f.check(any(w["offset"] == off and re.search(pat, w["message"]) for w in im["warnings"]),
                "no warning at 0x%x matching %r (got %r)" % (off, pat, im["warnings"]))
    if "warnings" not in exp:
        f.eq(im["warnings"], [], "warnings")
    for sname, (kind, vaddr, vm, fs, seg) in exp.get("sections", {}).items():
        s = secs.get(sname)
        if f.check(s is not None, "section %s missing" % sname):
            f.eq((s["kind"], s["vaddr"], s["vm_size"], s["file_size"], s["segment"]),
                 (kind, vaddr, vm, fs, seg), "%s (kind, vaddr, vm_size, file_size, segment)" % sname)
    if "names" in exp:
        f.eq([s["name"] for s in im["sections"]], exp["names"], "section names")
    return f.finish()


def missing_reason(args, name):
    try:
        for line in open(os.path.join(args.fixtures, "missing.txt")):
            if line.startswith(name + ":"):
                return line.strip()
    except OSError:
        pass
    return "see missing.txt"


def check_kinds(path, im, kinds, f):
    syms = readelf_symbols(path)
    secflags = readelf_section_flags(path)
    relro = readelf_relro(path)
    for sym, want in kinds.items():
        if not f.check(sym in syms, "readelf -s has no symbol %s" % sym):
            continue
        ndx = syms[sym][2]
        if not f.check(ndx is not None and ndx < len(im["sections"]),
                       "symbol %s: section index %r" % (sym, ndx)):
            continue
        kind = expected_kind(path, syms[sym], secflags, relro, want)
        s = im["sections"][ndx]
        f.eq(s["kind"], kind, "kind of %s (holding %s)" % (s["name"], sym))


def check_string_kind(path, im, literal, f):
    """The section holding a string literal's bytes (found in the file, placed by readelf's
    section offsets) is read-only data."""
    data = open(path, "rb").read()
    at = data.find(literal + b"\0")
    if not f.check(at >= 0, "string literal not found in the file"):
        return
    rows = readelf_section_flags(path)
    holders = [i for i, r in rows.items() if r["off"] <= at < r["off"] + r["size"] and
               "A" in r["flags"] and not r["name_type"].endswith(" NOBITS")]
    if f.check(len(holders) == 1, "string literal at 0x%x in sections %r" % (at, holders)):
        s = im["sections"][holders[0]]
        f.eq(s["kind"], "rodata", "kind of %s (holding a string literal)" % s["name"])


def check_section_segments(path, im, f):
    """Each allocated section with memory lies in the PT_LOAD readelf maps it to (.tbss aside:
    readelf keeps it out of PT_LOADs; segscan places it by address)."""
    if not im["segments"] or not im["sections"]:
        return
    mapping = readelf_segment_map(path)
    for s in im["sections"]:
        if not s["alloc"] or s["vm_size"] == 0 or s["kind"] == "tls-bss":
            continue
        loads = [i for i, names in mapping.items()
                 if " %s " % s["name"] in names and im["segments"][i]["loadable"]]
        if len(loads) == 1:
            f.eq(s["segment"], loads[0], "segment of %s" % s["name"])
        elif not loads:
            f.eq(s["segment"], None, "segment of %s (in no PT_LOAD for readelf)" % s["name"])


def check_compressed_build(path, im, fmt, f):
    _, rows = readelf_oracle.parse_sections(run(["readelf", "-S", "-W", path]).stdout.decode())
    plain = decompressed_sizes(path)
    if not f.check(plain is not None, "objcopy --decompress-debug-sections failed"):
        return
    n = 0
    for r, s in zip(rows, im["sections"]):
        flagged = s["name"].startswith(".zdebug") if fmt == "zdebug" else "C" in r["flags"]
        if not flagged:
            f.check("compressed" not in s, "%s: reported compressed but is not" % s["name"])
            continue
        n += 1
        c = s.get("compressed")
        if not f.check(c is not None, "%s: compressed section without \"compressed\"" % s["name"]):
            continue
        f.eq(c["format"], fmt, "%s compressed.format" % s["name"])
        if f.check(s["name"] in plain, "%s: not found after objcopy" % s["name"]):
            f.eq(c["uncompressed_size"], plain[s["name"]],
                 "%s uncompressed_size vs objcopy --decompress-debug-sections" % s["name"])
    f.check(n >= 3, "only %d compressed sections found" % n)


def check_text_marks(args, path, marks, f):
    p = run([args.segscan, path])
    text = p.stdout.decode()
    marked = set()
    for line in text.splitlines():
        m = re.match(r"^  (\S+)\s*\*\s", line)
        if m:
            marked.add(m.group(1))
    f.eq(marked, marks, "rows marked '*' in the text report")
    f.check("* overlaps" in text, "text report does not explain '*'")


def check_archive(path, doc, sizes, f):
    members = ar_members(path)
    elf = [m for m in members if m[0].endswith(".o")]
    images = doc["images"]
    f.eq([im["member"] for im in images], [m[0] for m in elf], "archive member images")
    for im, (mname, off, size) in zip(images, elf):
        f.eq(im["path"], path, "%s path" % mname)
        f.eq(im["base_offset"], off, "%s base_offset (independent ar parse)" % mname)
        f.eq(im["file_size"], size, "%s file_size (ar header)" % mname)
        with tempfile.TemporaryDirectory() as d:
            one = os.path.join(d, mname)
            with open(path, "rb") as fh:
                fh.seek(off)
                open(one, "wb").write(fh.read(size))
            copy_im = dict(im, member=None)
            for m in readelf_oracle.compare(one, copy_im):
                f.check(False, "%s: readelf: %s" % (mname, m))
    inp = doc["inputs"][0]
    f.eq(inp["container"], "archive", "inputs[0].container")
    f.eq(inp["images"], len(elf), "inputs[0].images")
    f.eq(inp["skipped"], len(members) - len(elf), "inputs[0].skipped (the text member)")
    f.eq(inp["failed"], 0, "inputs[0].failed")
    f.eq(doc["errors"], [], "errors")
    t = inp.get("totals", {})
    for k in ("text", "data", "bss", "vm_size"):
        f.eq(t.get(k), sum(im["totals"][k] for im in images), "archive totals.%s = sum of members" % k)
    f.eq(t.get("file_size"), os.path.getsize(path), "archive totals.file_size")


# ---- broken files ---------------------------------------------------------------------------

def elf_header(path):
    b = open(path, "rb").read()
    is64 = b[4] == 2
    e = ">" if b[5] == 2 else "<"
    if is64 and len(b) >= 64:
        v = struct.unpack(e + "HHIQQQIHHHHHH", b[16:64])
        return {"phoff": v[4], "shoff": v[5], "phentsize": v[8], "shentsize": v[10]}
    if not is64 and len(b) >= 52:
        v = struct.unpack(e + "HHIIIIIHHHHHH", b[16:52])
        return {"phoff": v[4], "shoff": v[5], "phentsize": v[8], "shentsize": v[10]}
    return {}


# name: (pattern for "what is wrong", function of the ELF header -> expected offset)
BROKEN = {
    "broken-section-past-eof": (r"section \[1\] \.text .*past end of file",
                                lambda h: h["shoff"] + 1 * h["shentsize"]),
    "broken-phdr-past-eof": (r"segment 1 .*offset 0x100000.*past end of file",
                             lambda h: h["phoff"] + 1 * h["phentsize"]),
    "broken-huge-shnum": (r"section header table .*65535.*past end of file",
                          lambda h: h["shoff"]),
    "broken-huge-phnum": (r"program header table .*65520.*past end of file",
                          lambda h: h["phoff"]),
    "broken-phoff-past-eof": (r"program header table .*0x100000.*past end of file",
                              lambda h: h["phoff"]),
    "broken-shoff-past-eof": (r"section header table at 0x200000 .*past end of file",
                              lambda h: 0x200000),
    "broken-trunc-header64": (r"ELF header .*64 bytes.*40", lambda h: 0),
    "broken-trunc-header32": (r"ELF header .*52 bytes.*40", lambda h: 0),
}


def check_broken(args, name):
    path = os.path.join(args.fixtures, name)
    f = Failures(name)
    if not f.check(os.path.exists(path), "fixture not built"):
        return f.finish()
    pattern, offset_of = BROKEN[name]
    want_off = offset_of(elf_header(path))
    for fmt in ("text", "json"):
        p = run([args.segscan, "--format", fmt, name], cwd=args.fixtures)
        f.eq(p.returncode, 3, "%s: exit status" % fmt)
        err = p.stderr.decode("utf-8", "replace")
        lines = err.splitlines()
        f.eq(len(lines), 1, "%s: lines on stderr (%r)" % (fmt, err))
        line = lines[0] if lines else ""
        f.check(line.startswith("segscan: %s: " % name), "%s: stderr does not name the path: %r"
                % (fmt, line))
        f.check(re.search(pattern, line), "%s: stderr %r does not match %r" % (fmt, line, pattern))
        f.check(line.endswith("(at offset 0x%x)" % want_off),
                "%s: stderr %r does not end with (at offset 0x%x)" % (fmt, line, want_off))
        if fmt == "text":
            f.eq(p.stdout.decode(), "", "text: stdout")
        else:
            doc = json.loads(p.stdout)
            validate_schema(doc, args.schema, f)
            f.eq(doc["images"], [], "json: images")
            f.eq(len(doc["errors"]), 1, "json: errors")
            if doc["errors"]:
                f.eq(doc["errors"][0]["offset"], want_off, "json: errors[0].offset")
                f.eq(doc["errors"][0]["path"], name, "json: errors[0].path")
            f.eq(doc["inputs"][0]["failed"], 1, "json: inputs[0].failed")
    return f.finish()


# ---- the oracle can fail --------------------------------------------------------------------

def check_oracle_selftest(args, name):
    path = os.path.join(args.fixtures, name)
    f = Failures("oracle-selftest " + name)
    _, doc = segscan_json(args, path)
    im = doc["images"][0]
    f.eq(readelf_oracle.compare(path, im), [], "unperturbed image")
    tried = 0
    for table, fields in (("sections", ("name", "vaddr", "offset", "file_size", "vm_size",
                                        "perms", "alloc")),
                          ("segments", ("raw_type", "vaddr", "offset", "file_size", "vm_size",
                                        "perms"))):
        for i in range(len(im[table])):
            for field in fields:
                bad = copy.deepcopy(im)
                v = bad[table][i][field]
                if field == "name":
                    if v == "":
                        continue
                    bad[table][i][field] = v + "x"
                elif field == "perms":
                    bad[table][i][field] = ("-" if v[0] == "r" else "r") + v[1:]
                elif field == "alloc":
                    bad[table][i][field] = not v
                else:
                    bad[table][i][field] = v + 1
                tried += 1
                f.check(readelf_oracle.compare(path, bad),
                        "%s[%d].%s perturbed, oracle saw nothing" % (table, i, field))
        bad = copy.deepcopy(im)
        if bad[table]:
            bad[table].pop()
            f.check(readelf_oracle.compare(path, bad), "%s: one dropped, oracle saw nothing" % table)
    bad = copy.deepcopy(im)
    bad["file_map"][0]["size"] += 1
    f.check(readelf_oracle.check_file_map(bad), "file_map perturbed, check saw nothing")
    f.check(tried > 100, "only %d perturbations tried" % tried)
    return f.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("mode", choices=["good", "broken", "oracle-selftest"])
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    args.segscan = os.path.abspath(args.segscan)
    fn = {"good": check_good, "broken": check_broken, "oracle-selftest": check_oracle_selftest}
    rcs = [fn[args.mode](args, n) for n in args.names]
    return 1 if any(rc != 0 for rc in rcs) else 0


if __name__ == "__main__":
    sys.exit(main())
