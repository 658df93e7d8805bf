#!/usr/bin/env python3
"""debuginfo_units.py SEGSCAN SCHEMA FIXTURES MODE - -d compileunits, crates, inputfiles and
separate debug files (issue 22), against llvm-dwarfdump-14, readelf and the sources.

MODE units: on the C program (gcc and clang-14, DWARF 4 and 5, zlib/zstd/.zdebug compressed) and
the Rust program with two local crates, every unit that has code is a row of "compileunits", and
its vm_size is the sum of its DW_AT_ranges / low_pc-high_pc ranges as llvm-dwarfdump-14
--debug-info prints them, clipped to the allocated sections readelf -SW lists (overlaps counted
once, the lower range first). Rust: the rows of "crates" are those sums grouped by the crate of
the unit's name (alpha, beta and app among them). The rows add up to the file size (file column)
and to the allocated sections' sizes (vm column); the documents validate against the schema.
zstd: llvm-dwarfdump-14 cannot read it, so its oracle is the build it was compressed from.

MODE inputfiles: the bytes of each source file (main.c, area.c, perimeter.c and the inlined
shapes.h) equal the line-table spans readelf -wL prints for it.

MODE debugfile: a stripped copy with --debug-file, with its .gnu_debuglink, and another found by
build-id under SEGSCAN_DEBUG_ROOT give the unstripped build's attribution; a debug file of
another build gives one warning naming it and no attribution; two-level tables add up."""
import json
import os
import re
import subprocess
import sys

import jsonschema

SEGSCAN, SCHEMA, FIX, MODE = sys.argv[1:5]
schema = json.load(open(SCHEMA))
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def run(*args, env=None):
    p = subprocess.run([SEGSCAN, "-q", *args], capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})))
    return p


def report(path, sources, *extra, env=None):
    p = run("-f", "json", "-d", sources, *extra, path, env=env)
    check(p.returncode == 0, "%s -d %s: exit %d %s" % (path, sources, p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        fails.append("%s: schema: %s" % (path, e.message))
    return doc["images"][0]


def alloc_sections(path):
    """(start, end) of the allocated sections with memory, but .tbss (readelf -SW)."""
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True,
                         check=True).stdout
    secs = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+"
                     r"[0-9a-f]+\s+(\S*)", line)
        if m and "A" in m.group(5) and not ("T" in m.group(5) and m.group(2) == "NOBITS"):
            a, n = int(m.group(3), 16), int(m.group(4), 16)
            if n:
                secs.append((a, a + n))
    return sorted(secs)


def dwarfdump_units(path):
    """[(name, comp_dir, [(lo, hi)])] of the compile units, from llvm-dwarfdump-14."""
    out = subprocess.run(["llvm-dwarfdump-14", "--debug-info", path], capture_output=True,
                         text=True, check=True).stdout
    units = []
    for block in re.split(r"\n0x[0-9a-f]+: DW_TAG_compile_unit\n", out)[1:]:
        head = block.split("\n\n")[0]  # the unit DIE's own attributes
        name = re.search(r'DW_AT_name\s+\("(.*)"\)', head)
        cdir = re.search(r'DW_AT_comp_dir\s+\("(.*)"\)', head)
        ranges = []
        lo = re.search(r"DW_AT_low_pc\s+\((0x[0-9a-f]+)\)", head)
        hi = re.search(r"DW_AT_high_pc\s+\((0x[0-9a-f]+)\)", head)
        if lo and hi:
            ranges.append((int(lo.group(1), 16), int(hi.group(1), 16)))
        rl = re.search(r"DW_AT_ranges\s+\((.*?)\)\)", head, re.S)
        if rl:
            ranges += [(int(a, 16), int(b, 16)) for a, b in
                       re.findall(r"\[(0x[0-9a-f]+), (0x[0-9a-f]+)", rl.group(1))]
        units.append((name.group(1) if name else None, cdir.group(1) if cdir else None, ranges))
    return units


def rel(name, cdir):
    if cdir and name.startswith(cdir + "/") and len(name) > len(cdir) + 1:
        return name[len(cdir) + 1:]
    return name


def oracle(path, units):
    """{unit name: bytes} by the rule above, computed here from dwarfdump's ranges."""
    secs = alloc_sections(path)
    # Ranges at address 0 are discarded code (the linker's tombstone), not the image's headers.
    all_r = sorted((lo, i, hi, k) for k, (_, _, rs) in enumerate(units)
                   for i, (lo, hi) in enumerate(rs) if hi > lo and lo != 0)
    all_r.sort(key=lambda r: (r[0], r[3], r[1]))
    sums = {}
    covered = None
    for lo, _, hi, k in all_r:
        if covered is not None and lo < covered:
            lo = covered
        if lo >= hi:
            continue
        covered = hi
        n = sum(max(0, min(hi, b) - max(lo, a)) for a, b in secs)
        name = rel(units[k][0], units[k][1])
        sums[name] = sums.get(name, 0) + n
    return sums


def rows_of(img, key):
    check(isinstance(img.get(key), list), "%s: no %s array" % (img["path"], key))
    return {r["name"]: r for r in img.get(key) or []}


def total_checks(path, img, key):
    rows = img.get(key) or []
    check(sum(r["file_size"] for r in rows) == os.path.getsize(path),
          "%s %s: file column %d, stat %d" % (path, key, sum(r["file_size"] for r in rows),
                                              os.path.getsize(path)))
    vm = sum(b - a for a, b in alloc_sections(path))
    tbss = sum(s["vm_size"] for s in img["sections"] if s["kind"] == "tls-bss")
    check(sum(r["vm_size"] for r in rows) + tbss == vm + tbss or
          sum(r["vm_size"] for r in rows) == vm + tbss,
          "%s %s: vm column %d, readelf %d" % (path, key, sum(r["vm_size"] for r in rows), vm))


def total_checks_file(path, img, key):
    rows = img.get(key) or []
    check(sum(r["file_size"] for r in rows) == os.path.getsize(path),
          "%s %s: file column %d, stat %d" % (path, key, sum(r["file_size"] for r in rows),
                                              os.path.getsize(path)))


def units_mode():
    c_builds = ["c-gcc-dw4", "c-gcc-dw5", "c-clang-dw4", "c-clang-dw5", "c-gcc-gz",
                "c-gcc-zdebug", "c-gcc-zstd"]
    for b in c_builds + ["rust-app"]:
        path = os.path.join(FIX, b)
        src = "c-gcc-dw5" if b == "c-gcc-zstd" else b
        units = dwarfdump_units(os.path.join(FIX, src))
        check(len(units) >= 3, "%s: llvm-dwarfdump-14 found %d units" % (b, len(units)))
        want = oracle(path, units)
        img = report(path, "crates,compileunits")
        check(img.get("debuginfo", {}).get("read") is True, "%s: debuginfo %s" % (
            b, img.get("debuginfo")))
        got = rows_of(img, "compileunits")
        for name, n in want.items():
            if n == 0:
                continue
            check(name in got, "%s: unit %s (%d bytes) has no row" % (b, name, n))
            if name in got:
                check(got[name]["vm_size"] == n and got[name]["file_size"] == n,
                      "%s: unit %s: segscan %d/%d, llvm-dwarfdump-14 %d" % (
                          b, name, got[name]["vm_size"], got[name]["file_size"], n))
        for name in got:
            check(name.startswith("[") or name in want, "%s: row %s is no unit" % (b, name))
        total_checks(path, img, "compileunits")
        total_checks(path, img, "crates")
        if b.startswith("c-"):
            for f in ("main.c", "area.c", "perimeter.c"):
                check(any(k.endswith(f) and v > 0 for k, v in want.items()),
                      "%s: oracle has no unit %s" % (b, f))
        else:
            crates = {}
            for name, n in want.items():
                m = re.search(r"/@/([^.]*)", name)
                crates[m.group(1) if m else name] = crates.get(m.group(1) if m else name, 0) + n
            gc = rows_of(img, "crates")
            for c in ("alpha", "beta", "app", "std", "core"):
                check(crates.get(c, 0) > 0, "rust-app: oracle: crate %s has no code" % c)
                check(c in gc and gc[c]["vm_size"] == crates.get(c),
                      "rust-app: crate %s: segscan %s, llvm-dwarfdump-14 %s" % (
                          c, gc.get(c, {}).get("vm_size"), crates.get(c)))
            for c, n in crates.items():
                check(n == 0 or gc.get(c, {}).get("vm_size") == n,
                      "rust-app: crate %s: segscan %s, oracle %d" % (c, gc.get(c), n))
    # PE (mingw, DWARF sections) and Mach-O (DWARF in the .dSYM bundle next to it, paired by
    # LC_UUID): each unit's bytes are its ranges as llvm-dwarfdump-14 prints them (all in the
    # code section: no clipping needed).
    for b, dw in (("pe-mingw.exe", "pe-mingw.exe"),
                  ("macho-app", "macho-app.dSYM/Contents/Resources/DWARF/macho-app")):
        path = os.path.join(FIX, b)
        units = dwarfdump_units(os.path.join(FIX, dw))
        want = {rel(n, d): sum(hi - lo for lo, hi in r if lo) for n, d, r in units}
        check(len(want) == 2 and all(want.values()), "%s: llvm-dwarfdump-14: %s" % (b, want))
        img = report(path, "compileunits")
        got = {k: v["vm_size"] for k, v in rows_of(img, "compileunits").items()
               if not k.startswith("[")}
        check(got == want, "%s: segscan %s, llvm-dwarfdump-14 %s" % (b, got, want))
        check(img["debuginfo"]["read"] and (b.endswith(".exe") or
                                            img["debuginfo"]["from"].endswith(dw)),
              "%s: debuginfo %s" % (b, img["debuginfo"]))
        total_checks_file(path, img, "compileunits")

    p = run("-d", "compileunits", os.path.join(FIX, "pe-nodebug.exe"))
    notes = [l for l in p.stdout.splitlines() if l.strip().startswith(("note:", "warning:"))]
    check(p.returncode == 0 and len(notes) == 1 and "PDB" in notes[0],
          "pe-nodebug.exe: notes %s" % notes)

    # Text: the same rows; a two-level table adds up.
    path = os.path.join(FIX, "c-gcc-dw5")
    p = run("-d", "compileunits,symbols", path)
    check(p.returncode == 0 and re.search(r"\n +\d+ .*TOTAL\n", p.stdout) and
          re.search(r"area\.c\n.*area_sum\n", p.stdout),
          "compileunits,symbols: area_sum not under area.c:\n%s" % p.stdout[:3000])
    p = run("-d", "symbols,compileunits", path)
    check(p.returncode == 2, "-d symbols,compileunits: exit %d (coarser first)" % p.returncode)


def readelf_lines(path):
    """{basename: bytes} of the line-table spans (readelf -wL)."""
    out = subprocess.run(["readelf", "-wL", path], capture_output=True, text=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)", line)
        if m:
            rows.append((m.group(1), m.group(2) == "-", int(m.group(3), 16)))
    sums = {}
    for (f, end, a), (_, _, b) in zip(rows, rows[1:]):
        if not end and b > a:
            sums[os.path.basename(f)] = sums.get(os.path.basename(f), 0) + b - a
    return sums


def inputfiles_mode():
    for b in ("c-gcc-dw4", "c-gcc-dw5", "c-clang-dw5"):
        path = os.path.join(FIX, b)
        want = readelf_lines(path)
        img = report(path, "inputfiles")
        got = {}
        for r in img.get("inputfiles") or []:
            if not r["name"].startswith("["):
                k = os.path.basename(r["name"])
                got[k] = got.get(k, 0) + r["vm_size"]
        for f in ("main.c", "area.c", "perimeter.c", "shapes.h"):
            check(want.get(f, 0) > 0, "%s: readelf -wL gives %s no bytes" % (b, f))
            check(got.get(f) == want.get(f), "%s: %s: segscan %s, readelf -wL %s" % (
                b, f, got.get(f), want.get(f)))
        total_checks(path, img, "inputfiles")
        p = run("-d", "compileunits,inputfiles", path)
        check(p.returncode == 0 and re.search(r"shapes\.h", p.stdout),
              "%s: compileunits,inputfiles: no shapes.h row" % b)


def debugfile_mode():
    full = os.path.join(FIX, "c-gcc-dw5")
    split = os.path.join(FIX, "split")
    want = {k: (v["vm_size"], v["file_size"]) for k, v in
            rows_of(report(full, "compileunits"), "compileunits").items()
            if not k.startswith("[")}
    check(len(want) == 3, "c-gcc-dw5: %d units" % len(want))

    def units_of(img):
        return {k: (v["vm_size"], v["file_size"]) for k, v in
                rows_of(img, "compileunits").items() if not k.startswith("[")}

    cases = [
        ("--debug-file", os.path.join(split, "bid-stripped"),
         ["--debug-file", os.path.join(split, "app", "c-gcc-dw5.debug")], None),
        (".gnu_debuglink", os.path.join(split, "app", "stripped"), [], None),
        ("build-id", os.path.join(split, "bid-stripped"), [],
         {"SEGSCAN_DEBUG_ROOT": os.path.join(split, "root")}),
    ]
    for what, path, extra, env in cases:
        img = report(path, "compileunits", *extra, env=env)
        check(units_of(img) == want, "%s: %s, unstripped %s" % (what, units_of(img), want))
        check(img["debuginfo"]["from"] is not None, "%s: debuginfo.from is null" % what)
        total_checks(path, img, "compileunits")
    # Without a way to the debug file: no attribution, a note, exit 0.
    img = report(os.path.join(split, "bid-stripped"), "compileunits",
                 env={"SEGSCAN_DEBUG_ROOT": os.path.join(split, "none")})
    check(units_of(img) == {} and img["debuginfo"]["read"] is False,
          "no debug file: %s" % img["debuginfo"])
    # A debug file of another build: one warning naming it, nothing attributed.
    wrong = os.path.join(split, "wrong.debug")
    img = report(os.path.join(split, "bid-stripped"), "compileunits", "--debug-file", wrong,
                 env={"SEGSCAN_DEBUG_ROOT": os.path.join(split, "none")})
    check(units_of(img) == {}, "wrong debug file attributed: %s" % units_of(img))
    check(wrong in (img["debuginfo"]["warning"] or "") and "build-id" in
          (img["debuginfo"]["warning"] or ""), "wrong debug file: warning %r" %
          img["debuginfo"]["warning"])
    p = run("-d", "compileunits", "--debug-file", wrong, os.path.join(split, "bid-stripped"),
            env={"SEGSCAN_DEBUG_ROOT": os.path.join(split, "none")})
    check(p.stdout.count("warning: debug file") == 1 and "does not match" in p.stdout,
          "text: the mismatch warning:\n%s" % p.stdout[-600:])


def diffbudget_mode():
    docs = os.path.dirname(SCHEMA)
    base, grow = os.path.join(FIX, "c-gcc-dw5"), os.path.join(FIX, "c-gcc-grow")
    wa, wb = oracle(base, dwarfdump_units(base)), oracle(grow, dwarfdump_units(grow))
    per = [k for k in wa if k.endswith("perimeter.c")]
    check(len(per) == 1 and wb.get(per[0], 0) > wa.get(per[0], 0),
          "oracle: perimeter.c does not grow: %s %s" % (wa, wb))
    p = subprocess.run([SEGSCAN, "diff", "-f", "json", "-d", "compileunits", base, grow],
                       capture_output=True, text=True)
    check(p.returncode == 0, "diff -d compileunits: exit %d %s" % (p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    try:
        jsonschema.validate(doc, json.load(open(os.path.join(docs, "segscan-diff.schema.json"))))
    except jsonschema.ValidationError as e:
        fails.append("diff: schema: %s" % e.message)
    rows = {r["name"]: r for r in doc["units"][0].get("compileunits", [])}
    for name in wa:
        if name.startswith("["):
            continue
        if wa[name] == wb.get(name):
            check(name not in rows, "diff: unchanged unit %s listed" % name)
        else:
            r = rows.get(name)
            check(r is not None and r["vm_size"]["before"] == wa[name] and
                  r["vm_size"]["after"] == wb[name],
                  "diff: %s: %s, llvm-dwarfdump-14 %d -> %d" % (name, r, wa[name], wb[name]))
    for fmt, needle in (("text", "compileunits (changed)"), ("markdown", "Compile unit"),
                        ("csv", ",compileunits,")):
        p = subprocess.run([SEGSCAN, "diff", "-f", fmt, "-d", "compileunits", base, grow],
                           capture_output=True, text=True)
        check(p.returncode == 0 and needle in p.stdout and "perimeter.c" in p.stdout,
              "diff -f %s: no %r / perimeter.c row" % (fmt, needle))
    p = subprocess.run([SEGSCAN, "diff", "-d", "compileunits", "-d", "crates", base, grow],
                       capture_output=True, text=True)
    check(p.returncode == 2, "diff -d compileunits -d crates: exit %d" % p.returncode)

    # Budgets: compileunits and crates globs measure what the oracle sums.
    rust = os.path.join(FIX, "rust-app")
    wr = oracle(rust, dwarfdump_units(rust))
    alpha = sum(n for k, n in wr.items() if "/@/alpha." in k)
    std = sum(n for k, n in wr.items() if k.startswith("library/std/"))
    pn = wb[per[0]]
    budget = os.path.join(os.environ.get("TMPDIR", "/tmp"), "debuginfo-budget-%d.yaml" % os.getpid())
    with open(budget, "w") as f:
        f.write("budgets:\n"
                "  - {name: per, artifacts: c-gcc-grow, metric: vm-size, compileunits: '*perimeter.c', max: %d}\n"
                "  - {name: alpha, artifacts: rust-app, metric: vm-size, crates: alpha, max: %d}\n"
                "  - {name: std, artifacts: rust-app, metric: file-size, compileunits: 'library/std/*', max: 1GiB}\n"
                % (pn - 1, alpha))
    p = subprocess.run([SEGSCAN, "check", "-f", "json", "--budget", budget, grow, rust],
                       capture_output=True, text=True)
    os.unlink(budget)
    check(p.returncode == 1, "check: exit %d (one rule fails) %s" % (p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    try:
        jsonschema.validate(doc, json.load(open(os.path.join(docs, "segscan-check.schema.json"))))
    except jsonschema.ValidationError as e:
        fails.append("check: schema: %s" % e.message)
    got = {r["rule"]: r for r in doc["results"] if r.get("artifact")}
    for name, want, verdict in (("per", pn, "fail"), ("alpha", alpha, "pass"), ("std", std, "pass")):
        r = got.get(name, {})
        check(r.get("value") == want and r.get("verdict") == verdict,
              "check %s: value %s verdict %s, oracle %d %s" % (name, r.get("value"),
                                                             r.get("verdict"), want, verdict))
    check(got.get("per", {}).get("compileunits") == "*perimeter.c" and
          got.get("alpha", {}).get("crates") == "alpha", "check: rule scope keys")


def system_mode():
    """The machine's libc.so.6 with Debian's libc6-dbg: its debug file is found by build-id under
    /usr/lib/debug, and each unit's bytes equal llvm-dwarfdump-14's ranges of that debug file
    clipped to libc.so.6's own allocated sections."""
    lib = "/lib/x86_64-linux-gnu/libc.so.6"
    note = subprocess.run(["readelf", "-n", lib], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", note)
    check(m is not None, "%s: no build-id" % lib)
    if not m:
        return
    dbg = "/usr/lib/debug/.build-id/%s/%s.debug" % (m.group(1)[:2], m.group(1)[2:])
    check(os.path.exists(dbg), "%s: no debug file %s (Debian package libc6-dbg)" % (lib, dbg))
    if not os.path.exists(dbg):
        return
    units = dwarfdump_units(dbg)
    check(len(units) > 1000, "%s: llvm-dwarfdump-14 found %d units" % (dbg, len(units)))
    want = {k: v for k, v in oracle(lib, units).items() if v}
    img = report(lib, "compileunits")
    check(img["debuginfo"]["from"] == dbg, "libc: debug information from %s, not %s" % (
        img["debuginfo"]["from"], dbg))
    got = {k: v["vm_size"] for k, v in rows_of(img, "compileunits").items()
           if not k.startswith("[")}
    bad = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    check(not bad, "libc: %d of %d units differ, e.g. %s" % (
        len(bad), len(want), [(k, got.get(k), want.get(k)) for k in bad[:5]]))
    total_checks_file(lib, img, "compileunits")
    print("libc.so.6: %d units with code, %d bytes, debug file %s" % (
        len(want), sum(want.values()), dbg))


{"system": system_mode, "units": units_mode, "inputfiles": inputfiles_mode, "debugfile": debugfile_mode,
 "diffbudget": diffbudget_mode}[MODE]()
for f in fails:
    print("FAIL:", f)
print("%s: %d failures" % (MODE, len(fails)))
sys.exit(1 if fails else 0)
