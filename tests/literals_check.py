#!/usr/bin/python3
"""literals_check.py - the literals analysis (issue 19) against independent counts.

    literals_check.py SEGSCAN WORKDIR GROUP

Groups:
  c-tables  C programs (gcc + GNU ld, clang + lld) whose two translation units each define a
            40-byte `static const char[40]` table (not text) and a 48-byte `static const
            uint32_t[12]` table, plus a 1,536-byte table (for the finding and the hint). The
            copies are counted by searching the bytes of each table (computed here from the
            values written into the source) in the section bytes objcopy extracts; their file
            offsets come from readelf's section offset. segscan's copies, bytes_wasted and
            offsets must equal them. The same program with the tables defined once (extern)
            must show no such duplicate.
  anchored  a yaml2obj object whose .rodata holds a 64-byte table twice, the first copy cut by an
            interior symbol: only the anchored match finds it; symbols and sizes pointing past
            the section, into no section or into a writable one change nothing.
  hostile   a generated ELF object with 1,000,000 object symbols over 8 MB of .rodata (one
            million boundaries): segscan exits 0 with the boundary count the file was built
            with, in bounded time and memory (/usr/bin/time's maximum resident size).
  diff-budget  `segscan diff` of the program with its tables defined once against the program
            with them per translation unit gives the duplicate-literal-bytes change the byte
            search gives; `segscan check` with `duplicate-literal-bytes: max 0` fails with that
            value, and passes on the program that defines them once.
Every tool is required: a missing one fails the test."""
import json
import os
import struct
import subprocess
import sys

from elfgen import elf_object  # tests/elfgen.py

SEGSCAN, WORK, GROUP = sys.argv[1], sys.argv[2], sys.argv[3]
FAILS = []


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        FAILS.append(msg)
    return cond


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def segscan_json(path, *extra):
    r = run([SEGSCAN, "-q", "-f", "json", "--only", "literals"] + list(extra) + [path])
    if not check(r.returncode == 0, "%s: exit %d: %s" % (path, r.returncode, r.stderr[:300])):
        return None
    return json.loads(r.stdout)["images"][0]


# ---- the C program -------------------------------------------------------------------------

T40 = bytes((i * 37 + 11) % 256 for i in range(40))            # not text: bytes >= 0x80, NULs
T48 = [(0x9e3779b9 * (i + 1)) & 0xffffffff for i in range(12)]
BIG = [(0x85ebca6b * (i + 7)) & 0xffffffff for i in range(384)]  # 1,536 bytes
USAGE = "usage: prog [--tables] FILE...\n"  # a printf format: no C string under strings(1)
USAGE_BYTES = USAGE.encode() + b"\0"
T48_BYTES = b"".join(struct.pack("<I", v) for v in T48)
BIG_BYTES = b"".join(struct.pack("<I", v) for v in BIG)


def c_array(vals, fmt):
    return ", ".join(fmt % v for v in vals)


def write_program(d, once):
    """Two translation units using three tables; once: defined in one unit, declared extern."""
    os.makedirs(d, exist_ok=True)
    defs = ("const char t40[40] = {%s};\n"
            "const uint32_t t48[12] = {%s};\n"
            "const uint32_t big[384] = {%s};\n"
            "const char usage[] = \"usage: prog [--tables] FILE...\\n\";\n") % (
        c_array(T40, "(char)0x%02x"), c_array(T48, "0x%08xu"), c_array(BIG, "0x%08xu"))
    with open(os.path.join(d, "tab.h"), "w") as f:
        f.write("#include <stdint.h>\n")
        if once:
            f.write("extern const char t40[40];\nextern const uint32_t t48[12];\n"
                    "extern const uint32_t big[384];\nextern const char usage[];\n")
        else:
            f.write(defs.replace("const ", "static const "))
    body = ("#include <stdio.h>\n#include \"tab.h\"\n"
            "int use_%s(int i) { if (i > 5) printf(usage + i %% 2);\n"
            "  return t40[i %% 40] + (int)t48[i %% 12] + (int)big[i %% 384]; }\n")
    with open(os.path.join(d, "a.c"), "w") as f:
        f.write("#include <stdio.h>\n" + body % "a" + "int use_b(int);\n"
                "int main(int argc, char **argv) { (void)argv;\n"
                "  printf(\"total of the tables: %d\\n\", use_a(argc) + use_b(argc));\n"
                "  return 0; }\n")
        if once:
            f.write(defs)
    with open(os.path.join(d, "b.c"), "w") as f:
        f.write(body % "b")


def build(d, cc, ldflags, once):
    write_program(d, once)
    out = os.path.join(d, "prog")
    r = run([cc, "-O1", "-o", out, os.path.join(d, "a.c"), os.path.join(d, "b.c")] + ldflags)
    check(r.returncode == 0, "%s %s: %s" % (cc, d, r.stderr[:300]))
    return out


def rodata_copies(path, data):
    """File offsets of every occurrence of data in the literal-capable sections readelf lists
    (allocated, not writable, not executable PROGBITS other than the unwind tables)."""
    r = run(["readelf", "-SW", path])
    offs = []
    for line in r.stdout.splitlines():
        line = line.replace("[ ", "[")
        parts = line.split()
        if len(parts) < 8 or not parts[0].startswith("[") or parts[2] != "PROGBITS":
            continue
        name, off, size, flags = parts[1], int(parts[4], 16), int(parts[5], 16), parts[7]
        if "A" not in flags or "W" in flags or "X" in flags or name.startswith(".eh_frame") \
                or name.startswith(".gcc_except_table") or name == ".interp":
            continue
        sec = os.path.join(WORK, "sec.bin")
        if os.path.exists(sec):
            os.unlink(sec)
        x = run(["objcopy", "-O", "binary", "--only-section=" + name, path, sec])
        check(x.returncode == 0, "objcopy %s %s: %s" % (path, name, x.stderr[:200]))
        blob = open(sec, "rb").read() if os.path.exists(sec) else b""
        check(len(blob) == size, "objcopy gave %d bytes of %s, readelf says %d" %
              (len(blob), name, size))
        at = blob.find(data)
        while at >= 0:
            offs.append(off + at)
            at = blob.find(data, at + 1)
    return sorted(offs)


def row_of(lit, data):
    """segscan's duplicate row whose copies hold exactly these bytes (offsets checked later)."""
    for d in lit["duplicates"]:
        if d["len"] == len(data) and d["kind"] == "table" and \
                d["text"] == data[:80].hex():
            return d
    return None


def group_c_tables():
    for cc, ld, tag in (("gcc", [], "gnu"), ("clang-14", ["-fuse-ld=lld"], "lld")):
        prog = build(os.path.join(WORK, "c-" + tag), cc, ld, False)
        once = build(os.path.join(WORK, "c-" + tag + "-once"), cc, ld, True)
        lit = segscan_json(prog)
        if lit is None:
            continue
        lit = lit["literals"]
        total = 0
        for name, data in (("t40", T40), ("t48", T48_BYTES), ("big", BIG_BYTES)):
            offs = rodata_copies(prog, data)
            check(len(offs) == 2, "%s %s: the byte search finds %d copies, the source has 2" %
                  (tag, name, len(offs)))
            d = row_of(lit, data)
            if not check(d is not None, "%s %s: no duplicate row of its %d bytes" %
                         (tag, name, len(data))):
                continue
            check(d["copies"] == len(offs) and d["bytes_wasted"] == (len(offs) - 1) * len(data),
                  "%s %s: segscan copies %d wasted %d, byte search %d copies of %d bytes" %
                  (tag, name, d["copies"], d["bytes_wasted"], len(offs), len(data)))
            check(sorted(d["offsets"]) == offs, "%s %s: offsets %r, byte search %r" %
                  (tag, name, d["offsets"], offs))
            check(d["sections"] == [".rodata"], "%s %s: sections %r" % (tag, name, d["sections"]))
            total += (len(offs) - 1) * len(data)
            print("%s %s: %d copies of %d bytes at %r (segscan and byte search agree)" %
                  (tag, name, len(offs), len(data), offs))
        # the printf format ends in \n: not a string to strings(1) (nor to the strings analysis),
        # a text object here, bounded by its symbols
        offs = rodata_copies(prog, USAGE_BYTES)
        rows = [d for d in lit["duplicates"] if d["kind"] == "text" and d["text"] == USAGE]
        if check(len(offs) == 2 and len(rows) == 1, "%s usage: byte search %d copies, rows %r" %
                 (tag, len(offs), rows)):
            d = rows[0]
            # text is measured without its NULs
            check(d["len"] == len(USAGE) and d["copies"] == 2 and
                  d["bytes_wasted"] == len(USAGE) and sorted(d["offsets"]) == offs,
                  "%s usage: row %r, byte search %r" % (tag, d, offs))
            total += len(USAGE)
        sdup = json.loads(run([SEGSCAN, "-q", "-f", "json", "--only", "strings", prog]).stdout)
        check(not [x for x in sdup["images"][0]["strings"]["duplicates"]
                   if "usage: prog" in x["text"]],
              "%s: the strings analysis counts the printf format" % tag)
        check(lit["duplicate_bytes"] == total and lit["table_bytes"] + lit["text_bytes"] == total
              and lit["text_bytes"] == len(USAGE),
              "%s: duplicate_bytes %d table_bytes %d, byte search %d" %
              (tag, lit["duplicate_bytes"], lit["table_bytes"], total))
        check(lit["toolchain"] == "c", "%s: toolchain %r" % (tag, lit["toolchain"]))
        hint = lit["hint"] or ""
        check("extern" in hint, "%s: the hint does not name extern: %r" % (tag, hint))
        check(("--icf=all" in hint) == (tag == "lld"),
              "%s: the lld hint is %s: %r" % (tag, "missing" if tag == "lld" else "wrong", hint))
        # the finding (>= 1024 bytes) and the text block
        full = run([SEGSCAN, "-q", "-f", "json", prog])
        ids = [f["id"] for f in json.loads(full.stdout)["images"][0]["findings"]]
        check("duplicate-literals" in ids, "%s: no duplicate-literals finding: %r" % (tag, ids))
        txt = run([SEGSCAN, "-q", "--only", "literals", prog]).stdout
        check("literals: " in txt and BIG_BYTES[:80].hex()[:40] in txt,
              "%s: the text report lacks the literals block or the big table" % tag)
        lo = segscan_json(once)
        if lo is not None:
            for name, data in (("t40", T40), ("t48", T48_BYTES), ("big", BIG_BYTES),
                               ("usage", USAGE_BYTES)):
                n = len(rodata_copies(once, data))
                check(n == 1, "%s once %s: the byte search finds %d copies" % (tag, name, n))
                check(row_of(lo["literals"], data) is None,
                      "%s once %s: reported as duplicated" % (tag, name))


# ---- yaml2obj: the anchored match, symbols out of range --------------------------------------

TABLE64 = bytes((i * 29 + 3) % 251 for i in range(64))


def group_anchored():
    data = TABLE64 + TABLE64 + bytes((i * 7 + 1) % 255 + 1 for i in range(32))
    yaml = """--- !ELF
FileHeader: {Class: ELFCLASS64, Data: ELFDATA2LSB, Type: ET_REL, Machine: EM_X86_64}
Sections:
  - Name: .rodata
    Type: SHT_PROGBITS
    Flags: [SHF_ALLOC]
    AddressAlign: 16
    Content: %s
  - Name: .data
    Type: SHT_PROGBITS
    Flags: [SHF_ALLOC, SHF_WRITE]
    Content: %s
Symbols:
  - {Name: first,  Type: STT_OBJECT, Section: .rodata, Value: 0,   Size: 64}
  - {Name: inner,  Type: STT_OBJECT, Section: .rodata, Value: 20,  Size: 10}
  - {Name: second, Type: STT_OBJECT, Section: .rodata, Value: 64,  Size: 64}
  - {Name: tail,   Type: STT_OBJECT, Section: .rodata, Value: 128, Size: 32}
  - {Name: past,   Type: STT_OBJECT, Section: .rodata, Value: 4096, Size: 64}
  - {Name: huge,   Type: STT_OBJECT, Section: .rodata, Value: 150, Size: 0xffffffffffffff00}
  - {Name: wdata,  Type: STT_OBJECT, Section: .data, Value: 0, Size: 64}
  - {Name: absval, Type: STT_OBJECT, Index: SHN_ABS, Value: 16, Size: 64}
""" % (data.hex(), (TABLE64 + TABLE64).hex())
    src = os.path.join(WORK, "anchored.yaml")
    obj = os.path.join(WORK, "anchored.o")
    with open(src, "w") as f:
        f.write(yaml)
    r = run(["yaml2obj-14", src, "-o", obj])
    if not check(r.returncode == 0, "yaml2obj: %s" % r.stderr[:300]):
        return
    im = segscan_json(obj)
    if im is None:
        return
    lit = im["literals"]
    offs = rodata_copies(obj, TABLE64)
    check(len(offs) == 2, "byte search: %d copies of the 64-byte table, built with 2" % len(offs))
    rows = [d for d in lit["duplicates"] if d["len"] == 64]
    if check(len(rows) == 1, "rows of 64 bytes: %r" % lit["duplicates"]):
        d = rows[0]
        check(d["match"] == "anchored" and d["copies"] == 2 and d["bytes_wasted"] == 64 and
              sorted(d["offsets"]) == offs and d["kind"] == "table",
              "the anchored row %r, byte search offsets %r" % (d, offs))
    check(lit["duplicate_bytes"] == 64 and lit["anchored_bytes"] == 64,
          "duplicate_bytes %d anchored_bytes %d, expected 64" %
          (lit["duplicate_bytes"], lit["anchored_bytes"]))
    # boundaries: .rodata's 0 and 160, and 20, 30, 64, 128 from the symbols in range (150 from
    # 'huge', whose end lies past the section); .data and the absolute symbol give none
    check(lit["boundaries"] == 7 and lit["symbols"] == 5,
          "boundaries %d (7 expected) symbols %d (5 expected)" % (lit["boundaries"],
                                                                  lit["symbols"]))
    check(lit["sections_scanned"] == 1 and lit["bytes_scanned"] == len(data),
          "scanned %d sections, %d bytes" % (lit["sections_scanned"], lit["bytes_scanned"]))


# ---- hostile: a million boundaries -----------------------------------------------------------

def elf_rodata_symbols(path, n, step):
    """An ELF relocatable object: .rodata of n*step bytes (no two pieces alike) and n object
    symbols, the i-th at step*i with size step."""
    size = n * step
    rodata = bytearray(size)
    for i in range(0, size, 8):
        rodata[i:i + 8] = struct.pack("<Q", (i * 0x9e3779b97f4a7c15) & 0xffffffffffffffff | 1)
    elf_object(path, bytes(rodata), [(step * i, step) for i in range(n)])


def group_hostile_anchored():
    """A 64 KiB block R stored 48 times: R's first copy cut every 64 bytes, copy k at its start
    and then every 64 bytes from 16 + k. Each copy's first object has the 16 bytes of R's first
    object and runs equal to it for k * 64 KiB, but no boundary lies at the same distance in
    both: without a budget the anchored match would compare 74 MB for these 3 MB."""
    period, copies = 65536, 48
    block = bytes(((i * 2654435761) >> 13) & 0xff for i in range(period))
    objs = [(o, 64) for o in range(0, period, 64)]
    for k in range(1, copies):
        d, base = 16 + k, k * period
        objs.append((base, d))
        objs += [(base + o, min(64, period - o)) for o in range(d, period, 64)]
    path = os.path.join(WORK, "periodic.o")
    elf_object(path, block * copies, objs)
    tfile = os.path.join(WORK, "time2.txt")
    r = run(["/usr/bin/time", "-f", "%e %M", "-o", tfile, SEGSCAN, "-q", "-j1", "-f", "json",
             "--only", "literals", path], timeout=300)
    if not check(r.returncode == 0, "periodic: exit %d: %s" % (r.returncode, r.stderr[:300])):
        return
    secs = float(open(tfile).read().split()[-2])
    lit = json.loads(r.stdout)["images"][0]["literals"]
    check(lit["work_capped"], "periodic: the anchored match did not reach its budget")
    check(lit["boundaries"] == len(objs) + 1, "periodic: boundaries %d, built with %d" %
          (lit["boundaries"], len(objs) + 1))
    print("48 copies of a 64 KiB block, no common boundary: %.2f s, work_capped %s" %
          (secs, lit["work_capped"]))
    check(secs < 5, "periodic: %.2f s" % secs)


def group_hostile():
    group_hostile_anchored()
    n, step = 1000000, 8
    path = os.path.join(WORK, "million.o")
    elf_rodata_symbols(path, n, step)
    tfile = os.path.join(WORK, "time.txt")
    r = run(["/usr/bin/time", "-f", "%e %M", "-o", tfile, SEGSCAN, "-q", "-j1", "-f", "json",
             "--only", "literals", path], timeout=300)
    if not check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[:300])):
        return
    secs, rss_kb = open(tfile).read().split()[-2:]
    lit = json.loads(r.stdout)["images"][0]["literals"]
    # n symbol starts and the section's end (each symbol's end is the next one's start)
    check(lit["boundaries"] == n + 1 and lit["symbols"] == n,
          "boundaries %d symbols %d, built with %d and %d" % (lit["boundaries"], lit["symbols"],
                                                            n + 1, n))
    check(lit["count"] == 0, "pieces of 8 bytes counted as objects: %d" % lit["count"])
    mb = int(rss_kb) / 1024
    size_mb = os.path.getsize(path) / 1e6
    print("1,000,000 boundaries: %s s, %.0f MiB peak (file %.0f MB)" % (secs, mb, size_mb))
    # the symbols in memory dominate; the analysis adds 8 bytes a boundary and 32 a piece
    check(mb < 600, "peak memory %.0f MiB for a %.0f MB file" % (mb, size_mb))
    # pieces of 16 bytes: every one an object, all distinct, sharing no 16-byte prefix
    n2 = 400000
    path2 = os.path.join(WORK, "objects.o")
    elf_rodata_symbols(path2, n2, 16)
    r = run([SEGSCAN, "-q", "-j1", "-f", "json", "--only", "literals", path2], timeout=300)
    if check(r.returncode == 0, "objects: exit %d" % r.returncode):
        lit = json.loads(r.stdout)["images"][0]["literals"]
        check(lit["count"] == n2 and lit["unique"] == n2 and lit["duplicate_bytes"] == 0,
              "objects: count %d unique %d duplicate_bytes %d, built with %d distinct" %
              (lit["count"], lit["unique"], lit["duplicate_bytes"], n2))


# ---- diff and budget -------------------------------------------------------------------------

def group_diff_budget():
    prog = build(os.path.join(WORK, "d-static"), "gcc", [], False)
    once = build(os.path.join(WORK, "d-once"), "gcc", [], True)
    # (bytes searched, bytes counted): text without its NUL
    objs = ((T40, 40), (T48_BYTES, 48), (BIG_BYTES, 1536), (USAGE_BYTES, len(USAGE)))
    want = sum((len(rodata_copies(prog, d)) - 1) * n for d, n in objs)
    base = sum((len(rodata_copies(once, d)) - 1) * n for d, n in objs)
    check(want == 40 + 48 + 1536 + len(USAGE) and base == 0,
          "byte search: %d and %d" % (want, base))
    r = run([SEGSCAN, "diff", "-f", "json", once, prog])
    check(r.returncode == 0, "diff: exit %d %s" % (r.returncode, r.stderr[:200]))
    doc = json.loads(r.stdout)
    tot = doc["units"][0]["totals"]["duplicate-literal-bytes"]
    check(tot["before"] == base and tot["after"] == want and tot["delta"] == want - base,
          "diff duplicate-literal-bytes %r, byte search %d -> %d" % (tot, base, want))
    budget = os.path.join(WORK, "budget.yaml")
    with open(budget, "w") as f:
        f.write("budgets:\n  - metric: duplicate-literal-bytes\n    max: 0\n")
    r = run([SEGSCAN, "check", "--budget", budget, "-f", "json", prog])
    check(r.returncode != 0, "check: a waste of %d passed max 0" % want)
    res = json.loads(r.stdout)
    vals = [x.get("value") for x in res["results"] if x.get("metric") == "duplicate-literal-bytes"]
    check(vals == [want], "check: values %r, byte search %d" % (vals, want))
    r = run([SEGSCAN, "check", "--budget", budget, "-f", "json", once])
    check(r.returncode == 0, "check on the program with its tables once: exit %d %s" %
          (r.returncode, r.stdout[:300]))


def main():
    os.makedirs(WORK, exist_ok=True)
    {"c-tables": group_c_tables, "anchored": group_anchored, "hostile": group_hostile,
     "diff-budget": group_diff_budget}[GROUP]()
    print("%s: %d failure(s)" % (GROUP, len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
