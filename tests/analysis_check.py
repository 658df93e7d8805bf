#!/usr/bin/env python3
"""Checks segscan's analyses on the fixtures of fixtures/analysis against independent truth.

usage: analysis_check.py SEGSCAN FIXTURE_DIR SCHEMA GROUP
GROUP: bss | strings | perms | rust | archive | cli

Each check compares exact numbers: segscan's JSON against readelf-derived truth
(analysis_oracle.py) and against facts of the sources (array sizes, which literals repeat)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import analysis_oracle as oracle  # noqa: E402

SEGSCAN, FIX, SCHEMA, GROUP = sys.argv[1:5]
MANIFEST = json.load(open(os.path.join(FIX, "manifest.json")))
failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def fx(name):
    """The fixture's path; a fixture that was not built is a failure (the set-up, .ci/setup,
    installs every tool the fixtures need), never a skip."""
    m = MANIFEST.get(name)
    if m is None or "path" not in m or not os.path.isfile(m["path"]):
        check(False, "fixture %s missing: %s" % (name, m.get("skipped", "not built") if m else "not in manifest"))
        return None
    return m["path"]


_validator = None


def validate(doc, what):
    global _validator
    if _validator is None:
        import jsonschema
        schema = json.load(open(SCHEMA))
        _validator = jsonschema.Draft202012Validator(schema)
    errs = sorted(_validator.iter_errors(doc), key=lambda e: list(e.path))
    check(not errs, "%s: schema: %s" % (what, "; ".join(
        "%s: %s" % ("/".join(map(str, e.path)), e.message[:200]) for e in errs[:3])))


def run_json(path, *opts):
    r = subprocess.run([SEGSCAN, "-q", "-f", "json", *opts, path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0, "%s: exit %d: %s" % (path, r.returncode, r.stderr[:300]))
    doc = json.loads(r.stdout)
    validate(doc, os.path.basename(path))
    return doc


def image(path, *opts):
    return run_json(path, *opts)["images"][0]


def objset(lst):
    return {(o["section"], o["offset"], o["size"]) for o in lst}


def names(lst):
    return {o["name"] for o in lst}


# ---- BSS --------------------------------------------------------------------------------------

# From bss_data.c: zero objects and their sizes.
SRC_ZERO = {"zero_init_global": 4, "forced_zero": 4096, "forced_zero_pair": 64, "zero_ptr_slot": 8}


def check_bss_against_oracle(name, zero_run_min=64):
    p = fx(name)
    if not p:
        return None
    im = image(p, "--zero-run", str(zero_run_min))
    b = im["bss"]
    t = oracle.bss_truth(p, zero_run_min)
    check(b["zero_init_bytes"] == t["zero_init_bytes"],
          "%s zero_init_bytes %d, truth %d" % (name, b["zero_init_bytes"], t["zero_init_bytes"]))
    check(objset(b["movable"]) == t["movable"],
          "%s movable %s, truth %s" % (name, sorted(objset(b["movable"])), sorted(t["movable"])))
    check(b["movable_bytes"] == t["movable_bytes"],
          "%s movable_bytes %d, truth %d" % (name, b["movable_bytes"], t["movable_bytes"]))
    check(objset(b["readonly_zero"]) == t["readonly_zero"],
          "%s readonly_zero %s, truth %s" % (name, sorted(objset(b["readonly_zero"])),
                                             sorted(t["readonly_zero"])))
    check(b["readonly_zero_bytes"] == t["readonly_zero_bytes"], "%s readonly_zero_bytes" % name)
    runs = {(r["section"], r["offset"], r["size"]) for r in b["zero_runs"]}
    check(runs == t["zero_runs"], "%s zero_runs %s, truth %s" % (name, sorted(runs), sorted(t["zero_runs"])))
    check(b["zero_run_bytes"] == t["zero_run_bytes"], "%s zero_run_bytes" % name)
    secsum = sum(s["movable_bytes"] for s in b["sections"])
    check(secsum == b["movable_bytes"], "%s per-section movable sum %d != %d" % (name, secsum, b["movable_bytes"]))
    ids = {f["id"] for f in im["findings"]}
    check(("movable-zero-data" in ids) == (b["movable_bytes"] > 0), "%s movable-zero-data finding" % name)
    print("%-26s zero_init %7d  movable %2d objects %6d B  readonly %d B  runs %d B" % (
        name, b["zero_init_bytes"], b["movable_count"], b["movable_bytes"], b["readonly_zero_bytes"],
        b["zero_run_bytes"]))
    return b


def group_bss():
    # gcc: -fno-zero-initialized-in-bss moves explicit zeros to .data; uninitialized objects stay
    # in .bss; the never-written static becomes read-only; the pointer has a static relocation.
    for name in ("bss_gcc.o", "bss_gcc_pie"):
        b = check_bss_against_oracle(name)
        if b is None:
            continue
        got = {o["name"] if o["name"] != "alias_of_forced" else "forced_zero_pair": o["size"]
               for o in b["movable"]}
        check(got == SRC_ZERO, "%s movable objects %s, source says %s" % (name, got, SRC_ZERO))
        check(b["movable_bytes"] == sum(SRC_ZERO.values()), "%s movable_bytes" % name)
        check("ptr_to_target" not in names(b["movable"]), "%s: relocated pointer is movable" % name)
        check("tentative_global" not in names(b["movable"]), "%s: gcc keeps tentative in .bss" % name)
        check({"ro_zero", "zero_init_static"} <= names(b["readonly_zero"]), "%s readonly names" % name)
        alias = [o for o in b["movable"] if o["size"] == 64]
        check(len(alias) == 1 and alias[0]["aliases"] == 1, "%s: the alias counts once" % name)
    # clang: the flag also moves the never-initialized object; lld PIE leaves zero bytes where
    # R_X86_64_RELATIVE fills ptr_to_target at load time.
    clang_zero = dict(SRC_ZERO, tentative_global=256)
    for name in ("bss_clang.o", "bss_clang_lld"):
        b = check_bss_against_oracle(name)
        if b is None:
            continue
        got = {o["name"] if o["name"] != "alias_of_forced" else "forced_zero_pair": o["size"]
               for o in b["movable"]}
        check(got == clang_zero, "%s movable objects %s, source says %s" % (name, got, clang_zero))
        check("ptr_to_target" not in names(b["movable"]), "%s: relocated pointer is movable" % name)
    p = fx("bss_clang_lld")
    if p:
        # the pointer's bytes are zero in the file: it is excluded only by the RELATIVE relocation
        y = [s for s in oracle.symbols(p) if s["name"] == "ptr_to_target"][0]
        sec = oracle.sections(p)[int(y["ndx"])]
        data = open(p, "rb").read()
        off = sec["off"] + y["value"] - sec["addr"]
        check(data[off:off + 8] == bytes(8), "bss_clang_lld: ptr_to_target bytes are not zero")
        check(any(t is None and a == y["value"] for t, a, e in oracle.relocs(p, oracle.sections(p))),
              "bss_clang_lld: no relocation at ptr_to_target")
    for name in ("bss_gcc.o", "bss_clang.o"):
        p = fx(name)
        if not p:
            continue
        # a static relocation on a zero slot: ptr_to_target's bytes are zero in the object, and
        # only the R_X86_64_64 against it keeps it off the movable list
        secs = oracle.sections(p)
        y = [s for s in oracle.symbols(p) if s["name"] == "ptr_to_target"][0]
        sec = secs[int(y["ndx"])]
        data = open(p, "rb").read()
        check(data[sec["off"] + y["value"]: sec["off"] + y["value"] + 8] == bytes(8),
              "%s: ptr_to_target bytes are not zero" % name)
        check(any(t == sec["index"] and a == y["value"] for t, a, e in oracle.relocs(p, secs)),
              "%s: no static relocation at ptr_to_target" % name)
    # Stripped: no symbols, so zero runs; the relocated pointer cuts no run here but is excluded.
    b = check_bss_against_oracle("bss_clang_lld_stripped")
    if b is not None:
        check(b["movable_count"] == 0 and b["zero_run_count"] >= 1, "stripped: runs, not objects")
        # the 4096 + 256 + 64 + 8 + 4 zero bytes of the source lie in runs of .data
        check(b["zero_run_bytes"] >= 4096, "stripped: zero runs cover forced_zero")
    # RELRO: the zero object is read-only after relocation; in the object file it is still data
    b = check_bss_against_oracle("p_relro.so")
    if b is not None:
        check(names(b["readonly_zero"]) == {"relro_zero"} and names(b["movable"]) == {"data_zero"},
              "p_relro.so: relro_zero read-only, data_zero movable, relro_ptr neither")
    b = check_bss_against_oracle("relro.o")
    if b is not None:
        check(names(b["movable"]) == {"relro_zero", "data_zero"}, "relro.o: no RELRO in an object")
    b = check_bss_against_oracle("bss_clang_lld_stripped", 16)
    b = check_bss_against_oracle("bss_default_gcc")
    if b is not None:
        check(b["movable_count"] == 3 and b["movable_bytes"] == 4096 + 64 + 8,
              "default gcc: only the three forced objects stay in .data")
        check(b["zero_init_bytes"] >= 4 + 256, "default gcc: zero objects are in .bss")


def group_rust():
    z, o = fx("rust_zero"), fx("rust_ones")
    if not z or not o:
        return
    bz, bo = image(z)["bss"], image(o)["bss"]
    for name, p, b in (("rust_zero", z, bz), ("rust_ones", o, bo)):
        t = oracle.bss_truth(p)
        check(b["zero_init_bytes"] == t["zero_init_bytes"], "%s zero_init_bytes" % name)
        check(objset(b["readonly_zero"]) == t["readonly_zero"], "%s readonly_zero" % name)
        check("ZERO_TABLE" in names(b["readonly_zero"]), "%s: immutable zero static in .rodata" % name)
    diff_zero = bz["zero_init_bytes"] - bo["zero_init_bytes"]
    diff_file = os.path.getsize(o) - os.path.getsize(z)
    print("rust: zero_init %d vs %d (diff %d); file %d vs %d (diff %d)" % (
        bz["zero_init_bytes"], bo["zero_init_bytes"], diff_zero, os.path.getsize(z),
        os.path.getsize(o), diff_file))
    check(abs(diff_zero - 1000000) < 4096, "rust: BSS differs by %d, not about 1 MB" % diff_zero)
    check(abs(diff_file - 1000000) < 65536, "rust: files differ by %d, not about 1 MB" % diff_file)


# ---- strings ----------------------------------------------------------------------------------

def strings_of(name):
    p = fx(name)
    if not p:
        return None, None
    s = image(p)["strings"]
    t = oracle.strings_truth(p)
    for k in ("count", "unique", "duplicate_bytes", "tail_merge_bytes"):
        check(s[k] == t[k], "%s strings.%s %d, truth %d" % (name, k, s[k], t[k]))
    want = sorted(((c - 1) * (len(x) + 1), x) for x, c in t["counts"].items() if c > 1)[::-1]
    got = sorted((d["bytes_wasted"], d["text"].encode()) for d in s["duplicates"])[::-1]
    check(got == want, "%s duplicates %s, truth %s" % (name, got, want))
    for d in s["duplicates"]:
        for off in d["offsets"]:
            blob = open(p, "rb").read()[off:off + d["len"] + 1]
            check(blob == d["text"].encode() + b"\0", "%s: offset %d does not hold %r" % (name, off, d["text"]))
    print("%-18s count %3d unique %3d duplicate_bytes %3d tail_merge_bytes %3d linker %s" % (
        name, s["count"], s["unique"], s["duplicate_bytes"], s["tail_merge_bytes"], s["linker"]))
    return s, {d["text"]: d["copies"] for d in s["duplicates"]}


L1, L2 = "duplicated literal one", "duplicated literal two, a longer one"
ARR, SUF = "identical const array contents", "suffix string"


def group_strings():
    # GNU ld merges and tail-merges by default; the two const arrays stay.
    s, d = strings_of("str_gnu")
    if s:
        check(d == {ARR: 2}, "str_gnu duplicates %s" % d)
        check(s["tail_merge_bytes"] == 0, "str_gnu: GNU ld tail-merged")
        check(s["linker"] == "gnu-ld" and s["hint"], "str_gnu linker/hint")
    # -fno-merge-constants: nothing is mergeable, every literal stays twice.
    s, d = strings_of("str_gnu_nomerge")
    if s:
        check(d == {ARR: 2, L1: 2, L2: 2}, "str_gnu_nomerge duplicates %s" % d)
        check(s["duplicate_bytes"] == (len(ARR) + 1) + (len(L1) + 1) + (len(L2) + 1), "nomerge bytes")
        check(s["tail_merge_bytes"] == len(SUF) + 1, "nomerge tail")
    # lld: -O0 keeps copies, -O1 merges, -O2 also tail-merges.
    s, d = strings_of("str_lld_O0")
    if s:
        check(d == {ARR: 2, L1: 2, L2: 2}, "lld -O0 duplicates %s" % d)
        check(s["linker"] == "lld", "lld recognised")
    s, d = strings_of("str_lld_O1")
    if s:
        check(d == {ARR: 2}, "lld -O1 duplicates %s" % d)
        check(s["tail_merge_bytes"] == len(SUF) + 1, "lld -O1 leaves the tail pair")
    s, d = strings_of("str_lld_O2")
    if s:
        check(d == {ARR: 2}, "lld -O2 duplicates %s" % d)
        check(s["tail_merge_bytes"] == 0, "lld -O2 tail-merged")
    for o in ("str_a_gcc.o", "str_b_gcc.o", "str_a_nomerge.o", "str_a_clang.o"):
        strings_of(o)
    # --min-string changes what counts
    p = fx("str_lld_O0")
    if p:
        s = image(p, "--min-string", "24")["strings"]
        t = oracle.strings_truth(p, 24)
        check(s["count"] == t["count"] and s["duplicate_bytes"] == t["duplicate_bytes"],
              "--min-string 24: %d/%d vs %d/%d" % (s["count"], s["duplicate_bytes"], t["count"],
                                                   t["duplicate_bytes"]))


def group_archive():
    p = fx("str_members.a")
    if not p:
        return
    doc = run_json(p)
    ims = doc["images"]
    check(len(ims) == 2, "archive: two members")
    per = []
    for im in ims:
        t = oracle.strings_truth(fx(im["member"]))
        per.append(set(t["counts"]))
        check(im["strings"]["unique"] == len(t["counts"]), "archive member %s unique" % im["member"])
    x = ims[0]["strings"].get("across_members")
    check(x is not None and all("across_members" not in im["strings"] for im in ims[1:]),
          "archive: across_members on the first member only")
    if x:
        shared = per[0] & per[1]
        want = sum(len(s) + 1 for s in shared)
        check(x["duplicate_bytes"] == want, "across duplicate_bytes %d, truth %d (%s)" % (
            x["duplicate_bytes"], want, sorted(shared)))
        check(x["unique"] == len(per[0] | per[1]), "across unique")
        check(x["members"] == 2, "across members")
        print("archive: across members unique %d duplicate_bytes %d" % (x["unique"], x["duplicate_bytes"]))


# ---- permissions -----------------------------------------------------------------------------

def perms_truth(p):
    """Expected properties from readelf alone (the rules of the schema)."""
    typ = oracle.elf_type(p)
    segs = oracle.segments(p)
    secs = oracle.sections(p)
    dyn = oracle.dynamic_flags(p)
    interp = any(g["type"] == "INTERP" for g in segs)
    loads = [g for g in segs if g["type"] == "LOAD"]
    t = {}
    t["wx_segments"] = "n-a" if typ == "REL" or not loads else (
        "yes" if any("W" in g["flags"] and "E" in g["flags"] for g in loads) else "no")
    alloc = [s for s in secs if "A" in s["flags"]]
    t["wx_sections"] = "n-a" if not alloc else (
        "yes" if any("W" in s["flags"] and "X" in s["flags"] for s in alloc) else "no")
    if typ == "REL":
        note = [s for s in secs if s["name"] == ".note.GNU-stack"]
        t["exec_stack"] = "default" if not note else ("yes" if "X" in note[0]["flags"] else "no")
        t.update(relro="n-a", pie="n-a", textrel="n-a", nx="n-a")
    else:
        st = [g for g in segs if g["type"] == "GNU_STACK"]
        t["exec_stack"] = "default" if not st else ("yes" if "E" in st[-1]["flags"] else "no")
        has_relro = any(g["type"] == "GNU_RELRO" for g in segs)
        t["relro"] = "none" if not has_relro else ("full" if dyn["bind_now"] else "partial")
        t["pie"] = "no" if typ == "EXEC" else ("yes" if interp or dyn["pie"] else "n-a")
        t["textrel"] = "n-a" if not dyn["dynamic"] else ("yes" if dyn["textrel"] else "no")
        # NX as checksec reads it: a PT_GNU_STACK without E; none at all is "NX disabled".
        t["nx"] = "yes" if st and "E" not in st[-1]["flags"] else "no"
    return t


EXPECT = {  # what the build options promise, on top of the readelf truth
    "p_default": {"exec_stack": "no", "pie": "no", "relro": "none", "wx_segments": "no"},
    "p_execstack": {"exec_stack": "yes"},
    "p_nostack_gnu": {"exec_stack": "yes"},
    "nostack.o": {"exec_stack": "default"},
    "mini.o": {"exec_stack": "no"},
    "awx.o": {"wx_sections": "yes", "wx_segments": "n-a"},
    "p_awx": {"wx_sections": "yes", "wx_segments": "yes"},
    "p_omagic": {"wx_segments": "yes", "rodata_in_exec": "yes"},
    "p_nognustack": {"exec_stack": "default"},
    "p_norosegment": {"rodata_in_exec": "yes", "wx_segments": "no"},
    "p_textrel.so": {"textrel": "yes", "pie": "n-a"},
    "p_pie_full": {"relro": "full", "pie": "yes", "textrel": "no"},
    "p_pie_partial": {"relro": "partial", "pie": "yes"},
    "p_pie_norelro": {"relro": "none", "pie": "yes"},
    "p_nopie": {"pie": "no"},
    "p_shared.so": {"pie": "n-a"},
}
FINDING_FOR = {("exec_stack", "yes"): "exec-stack", ("exec_stack", "default"): "exec-stack-default",
               ("wx_segments", "yes"): "wx-segment", ("wx_sections", "yes"): "wx-section",
               ("relro", "none"): "relro-none", ("relro", "partial"): "relro-partial",
               ("pie", "no"): "no-pie", ("textrel", "yes"): "textrel",
               ("rodata_in_exec", "yes"): "rodata-executable"}


def group_perms():
    for name, exp in EXPECT.items():
        p = fx(name)
        if not p:
            continue
        im = image(p)
        perms = im["permissions"]
        truth = perms_truth(p)
        for k, v in truth.items():
            check(perms[k] == v, "%s %s = %s, readelf says %s" % (name, k, perms[k], v))
        for k, v in exp.items():
            check(perms[k] == v, "%s %s = %s, build promises %s" % (name, k, perms[k], v))
        ids = {f["id"] for f in im["findings"]}
        for (k, v), fid in FINDING_FOR.items():
            check((perms[k] == v) == (fid in ids), "%s: finding %s vs %s=%s" % (name, fid, k, perms[k]))
        for f in im["findings"]:
            check(f["severity"] in ("error", "warning", "info") and f["message"], "%s finding shape" % name)
        print("%-16s %s  findings: %s" % (name, " ".join("%s=%s" % kv for kv in sorted(perms.items())),
                                         ",".join(sorted(ids))))
    p = fx("p_omagic")
    if p:
        im = image(p)
        ev = [f for f in im["findings"] if f["id"] == "wx-segment"][0]["evidence"][0]
        check(ev["what"] == "segment" and ev["perms"] == "rwx", "wx-segment evidence %s" % ev)


# ---- CLI --------------------------------------------------------------------------------------

def group_cli():
    p = fx("bss_clang_lld")
    if not p:
        return
    im = image(p, "--only", "sizes")
    check(not any(k in im for k in ("bss", "strings", "permissions", "findings")), "--only sizes runs analyses")
    im = image(p, "--only", "perms")
    check("permissions" in im and "bss" not in im and "strings" not in im, "--only perms")
    im = image(p, "--only", "bss,strings")
    check("bss" in im and "strings" in im and "permissions" not in im, "--only bss,strings")
    r = subprocess.run([SEGSCAN, "--only", "bogus", p], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(r.returncode == 2 and "bogus" in r.stderr, "--only bogus is a usage error")
    for opt in (["--zero-run", "0"], ["--min-string", "x"]):
        r = subprocess.run([SEGSCAN, *opt, p], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode == 2, "%s is a usage error" % opt)
    r = subprocess.run([SEGSCAN, "-q", p], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for block in ("\n  Savings\n", "\n  Permissions\n", "moving them saves 4428 file bytes"):
        check(block in r.stdout, "text report lacks %r" % block)
    r = subprocess.run([SEGSCAN, "-q", "--only", "sizes", p], stdout=subprocess.PIPE, text=True)
    check("Savings" not in r.stdout and "Permissions" not in r.stdout, "--only sizes text")
    group_cli_tables(p)


def group_cli_tables(good):
    """The report command leaves an ELF file's symbol and relocation tables to the analysis,
    which reads them beside the string analysis. A well-formed table that needs more memory than
    the image may allocate (64 MiB + 8 bytes per file byte) costs only the BSS analysis, which
    alone needs it (issue 17): the image is reported with a warning that says so, exit 0, the
    other files of the run reported as well; without the BSS analysis the tables are not read
    at all. The file: a 1 MiB SHT_RELR table of odd words, each a bitmap of 63 places: 8.3M
    relocations."""
    work = os.path.join(FIX, "tables")
    os.makedirs(work, exist_ok=True)
    asm, obj = os.path.join(work, "relr.s"), os.path.join(work, "relr.o")
    with open(asm, "w") as f:
        f.write('\t.section .relr.dyn,"a",@0x13\n\t.fill 1048576,1,0xff\n')
    subprocess.run(["as", asm, "-o", obj], check=True)
    lead = "relocation tables (8257536 entries) exceed the memory segscan allows for this file: "
    want = [lead + "the BSS analysis, which needs these tables, did not run",
            lead + "the literals analysis ran without the symbols' boundaries"]
    for jobs in ("-j1", "-j2"):
        r = subprocess.run([SEGSCAN, "-q", jobs, "-f", "json", obj, good], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        doc = json.loads(r.stdout)
        validate(doc, "tables %s" % jobs)
        check(r.returncode == 0, "tables %s: exit %d, expected 0" % (jobs, r.returncode))
        check(r.stderr == "", "tables %s: stderr %r" % (jobs, r.stderr))
        check([im["path"] for im in doc["images"]] == [obj, good],
              "tables %s: images %r" % (jobs, [im["path"] for im in doc["images"]]))
        im = doc["images"][0]
        check("bss" not in im and "strings" in im and "literals" in im and
              [w["message"] for w in im["warnings"]] == want,
              "tables %s: %r" % (jobs, im["warnings"]))
        check([i["failed"] for i in doc["inputs"]] == [0, 0],
              "tables %s: failed %r" % (jobs, [i["failed"] for i in doc["inputs"]]))
    r = subprocess.run([SEGSCAN, "-q", "-f", "json", "--only", "sizes,strings", obj],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0 and len(json.loads(r.stdout)["images"]) == 1 and
          json.loads(r.stdout)["images"][0]["warnings"] == [],
          "tables: without the BSS analysis the relocations are not read (exit %d, %r)"
          % (r.returncode, r.stderr))


# ---- PE and Mach-O ---------------------------------------------------------------------------

PE_MEM_WRITE, PE_MEM_EXECUTE = 0x80000000, 0x20000000


def group_pe():
    ARR_PE = "identical const array in two objects"
    for name in ("pe_hard.exe", "pe_soft.exe", "pe_lowentropy.exe"):
        p = fx(name)
        if not p:
            continue
        im = image(p)
        t = oracle.pe_truth(p)
        b, perms = im["bss"], im["permissions"]
        # lld-link folds .bss into .data: VirtualSize far beyond SizeOfRawData
        data = [x for x in t["sections"] if x["name"] == ".data"][0]
        check(data["vsize"] - data["raw"] > 60000, "%s: .bss not folded into .data" % name)
        check(b["zero_init_bytes"] == t["zero_init_bytes"],
              "%s zero_init_bytes %d, truth %d" % (name, b["zero_init_bytes"], t["zero_init_bytes"]))
        wx = any((x["chars"] & (PE_MEM_WRITE | PE_MEM_EXECUTE)) == (PE_MEM_WRITE | PE_MEM_EXECUTE)
                 for x in t["sections"])
        check(perms["wx_sections"] == ("yes" if wx else "no"), "%s wx_sections" % name)
        check(perms["wx_segments"] == ("yes" if wx else "no"), "%s wx_segments" % name)
        dc = t["dll_characteristics"]
        aslr = bool(dc & 0x40) and not (t["characteristics"] & 1) and (t["magic"] != 0x20B or bool(dc & 0x20))
        check(perms["pie"] == ("yes" if aslr else "no"), "%s pie %s" % (name, perms["pie"]))
        check(perms["nx"] == ("yes" if dc & 0x100 else "no"), "%s nx" % name)
        check(perms["exec_stack"] == ("no" if dc & 0x100 else "yes"), "%s exec_stack" % name)
        check(perms["relro"] == "n-a" and perms["textrel"] == "n-a", "%s ELF-only properties" % name)
        ids = {f["id"] for f in im["findings"]}
        check(("wx-section" in ids) == wx and ("no-pie" in ids) == (not aslr)
              and ("no-nx" in ids) == (not dc & 0x100), "%s findings %s" % (name, ids))
        rd = [x for x in t["sections"] if x["name"] == ".rdata"][0]
        st = oracle.strings_in(p, [(rd["ptr"], min(rd["vsize"] or rd["raw"], rd["raw"]))])
        sg = im["strings"]
        for k in ("count", "unique", "duplicate_bytes", "tail_merge_bytes"):
            check(sg[k] == st[k], "%s strings.%s %d, truth %d" % (name, k, sg[k], st[k]))
        dups = {d["text"]: d["copies"] for d in sg["duplicates"]}
        # literals are COMDATs that lld-link folds; const arrays are not
        check(dups == {ARR_PE: 2}, "%s string duplicates %s" % (name, dups))
        print("%-18s zero_init %d  wx %s pie %s nx %s  strings %d dup %d  findings %s" % (
            name, b["zero_init_bytes"], perms["wx_sections"], perms["pie"], perms["nx"], sg["count"],
            sg["duplicate_bytes"], ",".join(sorted(ids))))
    p, hard = fx("pe_debug.exe"), fx("pe_hard.exe")
    check(p is not None and hard is not None, "pe_debug.exe or pe_hard.exe missing")
    if p and hard:
        # The debug directory and its CodeView record (with the PDB's path, a NUL-terminated
        # run of text) sit in .rdata: the string analysis skips both (issue 19), so .rdata
        # scans its size less theirs and finds the strings of pe_hard.exe, linked from the
        # same objects without /debug.
        t = oracle.pe_truth(p)
        rd = [x for x in t["sections"] if x["name"] == ".rdata"][0]
        dbg = subprocess.run(["llvm-readobj-14", "--file-headers", "--coff-debug-directory", p],
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        dir_size = int(re.search(r"DebugSize: (0x[0-9A-Fa-f]+)", dbg).group(1), 16)
        data = sum(int(x, 16) for x in re.findall(r"SizeOfData: (0x[0-9A-Fa-f]+)", dbg))
        path = re.search(r"PDBFileName: (\S+)", dbg).group(1)
        sg, sh = image(p)["strings"], image(hard)["strings"]
        want = min(rd["vsize"] or rd["raw"], rd["raw"]) - dir_size - data
        check(sg["bytes_scanned"] == want, "pe_debug: .rdata bytes scanned %d, want %d (%d - %d - %d)"
              % (sg["bytes_scanned"], want, min(rd["vsize"] or rd["raw"], rd["raw"]), dir_size, data))
        whole = oracle.strings_in(p, [(rd["ptr"], min(rd["vsize"] or rd["raw"], rd["raw"]))])
        check(path.encode() in whole["counts"] and sg["count"] == whole["count"] - 1 == sh["count"],
              "pe_debug: %d strings, .rdata holds %d with the PDB path, pe_hard %d" % (
                  sg["count"], whole["count"], sh["count"]))
    p = fx("pe_hard.exe")
    check(p is not None and image(p)["permissions"]["pie"] == "yes", "pe_hard pie")
    p = fx("pe_lowentropy.exe")
    check(p is not None and image(p)["permissions"]["pie"] == "no",
          "pe_lowentropy: no HIGH_ENTROPY_VA is no full ASLR")
    p = fx("pe_a.obj")
    if p:
        im = image(p)
        b = im["bss"]
        check({(o["name"], o["size"]) for o in b["movable"]} == {("forced_zero", 512)},
              "pe_a.obj movable %s" % b["movable"])
        check(im["permissions"]["pie"] == "n-a" and im["permissions"]["wx_segments"] == "n-a", "COFF object perms")


def group_macho():
    LIT = "a literal used by both objects"
    for name, dup in (("m_exe", True), ("m_dedup", False), ("m_nopie", True), ("m_rwx", True),
                      ("m_flags", True)):
        p = fx(name)
        if not p:
            continue
        im = image(p)
        t = oracle.macho_truth(p)
        b, perms, sg = im["bss"], im["permissions"], im["strings"]
        check(b["zero_init_bytes"] == t["zero_init_bytes"],
              "%s zero_init_bytes %d, truth %d" % (name, b["zero_init_bytes"], t["zero_init_bytes"]))
        check(b["zero_init_bytes"] >= 65536, "%s zerofill missing" % name)
        check(names(b["movable"]) == {"_forced_zero"} and b["movable_bytes"] == 256, "%s movable %s" % (name, b["movable"]))
        # _bound_ptr: zero bytes in __data that dyld's bind fills, so not movable
        binds = subprocess.run(["llvm-objdump-14", "--macho", "--bind", p], stdout=subprocess.PIPE,
                               text=True, check=True).stdout
        check("_ext_fn" in binds, "%s: no bind for _bound_ptr" % name)
        data_segs = [g for g in t["segments"] if g["name"] != "__PAGEZERO"]
        wx = any(g["initprot"] == "rwx" for g in data_segs)
        check(perms["wx_segments"] == ("yes" if wx else "no"), "%s wx_segments" % name)
        flag = lambda f: any(x.replace("MH_", "") == f for x in t["flags"])  # noqa: E731
        check(perms["pie"] == ("yes" if flag("PIE") else "no"), "%s pie" % name)
        check(perms["exec_stack"] == ("yes" if flag("ALLOW_STACK_EXECUTION") else "no"), "%s exec_stack" % name)
        # MH_NO_HEAP_EXECUTION matters on 32-bit x86 only (these are x86_64): n-a, so that
        # require-nx does not fail a 64-bit Mach-O.
        check(t["cputype"] != "x86_64" or perms["nx"] == "n-a", "%s nx %s" % (name, perms["nx"]))
        check("no-nx" not in {f["id"] for f in im["findings"]}, "%s no-nx on 64-bit" % name)
        cs = [(x["offset"], x["size"]) for x in t["sections"] if x["type"] == "S_CSTRING_LITERALS"]
        st = oracle.strings_in(p, cs)
        for k in ("count", "unique", "duplicate_bytes", "tail_merge_bytes"):
            check(sg[k] == st[k], "%s strings.%s %d, truth %d" % (name, k, sg[k], st[k]))
        dups = {d["text"]: d["copies"] for d in sg["duplicates"]}
        check(dups == ({LIT: 2} if dup else {}), "%s duplicates %s" % (name, dups))
        check(sg["tail_merge_bytes"] == len("used by both objects") + 1, "%s tail pair" % name)
        ids = {f["id"] for f in im["findings"]}
        check(("wx-segment" in ids) == wx and ("no-pie" in ids) == (perms["pie"] == "no"), "%s findings" % name)
        print("%-8s zero_init %d  wx_segments %s pie %s  strings %d dup %d tail %d  findings %s" % (
            name, b["zero_init_bytes"], perms["wx_segments"], perms["pie"], sg["count"],
            sg["duplicate_bytes"], sg["tail_merge_bytes"], ",".join(sorted(ids))))
    p = fx("m_flags")
    if p:
        perms = image(p)["permissions"]
        check(perms["exec_stack"] == "yes" and perms["nx"] == "n-a", "m_flags: %s" % perms)
    p = fx("macho_a.o")
    if p:
        perms = image(p)["permissions"]
        check(perms["wx_segments"] == "n-a", "MH_OBJECT's single segment is no W+X finding")
    p = fx("macho_b.o")
    if p:
        # the same pointer in the object: zero bytes and a relocation
        check(image(p)["bss"]["movable"] == [], "macho_b.o: relocated zero pointer is movable")


GROUPS = {"pe": group_pe, "macho": group_macho, "bss": group_bss, "rust": group_rust, "strings": group_strings, "archive": group_archive,
          "perms": group_perms, "cli": group_cli}
GROUPS[GROUP]()
# A group that checked nothing has tested nothing: that is a failure, not a pass.
if checked == 0:
    failures.append("group %s made no checks" % GROUP)
print("%d checks, %d failed" % (checked, len(failures)))
sys.exit(1 if failures else 0)
