#!/usr/bin/env python3
"""harden_elf.py - the ELF hardening checks on fixtures built both ways from fixtures/harden/,
each value against an independent reading with readelf (-s/--dyn-syms, -n, -d, -l, -h, -S) and
against what the build options promise; then `check` rules and `diff` changes on them.

usage: harden_elf.py SEGSCAN OUTDIR SCHEMA_DIR

Every fixture must build (gcc, clang-14 --target=aarch64-linux-gnu, ld.lld-14): a missing tool
fails the test. The fortifiable functions of the oracle are read from this machine's libc.so.6
the way checksec does; segscan carries its own list."""
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema

SEGSCAN, OUT, SCHEMAS = (os.path.abspath(a) for a in sys.argv[1:4])
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "harden")
os.makedirs(OUT, exist_ok=True)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=OUT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def build(cmd):
    r = run(cmd)
    if r.returncode != 0:
        sys.exit("harden_elf.py: %s failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))


H = os.path.join(SRC, "harden.c")
ARM = os.path.join(SRC, "arm.c")
FIXTURES = {
    # name: (build commands, promises of the build options)
    "h_canary": ([["gcc", "-fstack-protector-strong", "-o", "h_canary", H]], {"canary": "yes"}),
    "h_nocanary": ([["gcc", "-fno-stack-protector", "-o", "h_nocanary", H]], {"canary": "no"}),
    "h_fortify": ([["gcc", "-O2", "-D_FORTIFY_SOURCE=2", "-o", "h_fortify", H]], {"fortify": "partial"}),
    "h_nofortify": ([["gcc", "-O2", "-U_FORTIFY_SOURCE", "-o", "h_nofortify", H]], {"fortify": "no"}),
    # Debian's crt objects carry no CET property, so GNU ld would drop it: -z ibt -z shstk
    # force the marking the compiler asked for (-fcf-protection=full marks the object itself).
    "h_cet": ([["gcc", "-fcf-protection=full", "-Wl,-z,ibt,-z,shstk", "-o", "h_cet", H]],
              {"ibt": "yes", "shstk": "yes", "bti": "n-a", "pac": "n-a"}),
    "h_cet.o": ([["gcc", "-fcf-protection=full", "-c", "-o", "h_cet.o", H]], {"ibt": "yes", "shstk": "yes"}),
    "h_nocet": ([["gcc", "-fcf-protection=none", "-o", "h_nocet", H]], {"ibt": "no", "shstk": "no"}),
    "arm_bti.so": ([["clang-14", "--target=aarch64-linux-gnu", "-mbranch-protection=standard", "-fPIC",
                     "-c", "-o", "arm_bti.o", ARM], ["ld.lld-14", "-shared", "-o", "arm_bti.so", "arm_bti.o"]],
                   {"bti": "yes", "pac": "yes", "ibt": "n-a", "shstk": "n-a"}),
    "arm_nobti.so": ([["clang-14", "--target=aarch64-linux-gnu", "-mbranch-protection=none", "-fPIC",
                       "-c", "-o", "arm_nobti.o", ARM], ["ld.lld-14", "-shared", "-o", "arm_nobti.so", "arm_nobti.o"]],
                     {"bti": "no", "pac": "no"}),
    "h_rpath": ([["gcc", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib:lib", "-o", "h_rpath", H]],
                {"rpath": "yes", "runpath": "no"}),
    "h_runpath": ([["gcc", "-Wl,--enable-new-dtags,-rpath,/opt/harden/lib", "-o", "h_runpath", H]],
                  {"runpath": "yes", "rpath": "no"}),
    "h_static_pie": ([["gcc", "-O2", "-static-pie", "-o", "h_static_pie", H]], {"pie": "yes"}),
    "h_stripped": ([["gcc", "-fstack-protector-strong", "-o", "h_stripped", H], ["strip", "h_stripped"]],
                   {"stripped": "yes", "canary": "yes"}),
    "h_debug": ([["gcc", "-g", "-o", "h_debug", H]], {"debug_info": "yes", "stripped": "no"}),
    "h_execstack": ([["gcc", "-Wl,-z,execstack", "-o", "h_execstack", H]], {"nx": "no", "exec_stack": "yes"}),
}

for tool in ("gcc", "clang-14", "ld.lld-14", "readelf", "strip"):
    if shutil.which(tool) is None:
        sys.exit("harden_elf.py: %s is missing (install the test packages: bash .ci/setup --test)" % tool)
for name, (cmds, _) in FIXTURES.items():
    for c in cmds:
        build(c)

with open(os.path.join(SCHEMAS, "segscan.schema.json")) as fh:
    REPORT_SCHEMA = json.load(fh)


def report(path):
    r = run([SEGSCAN, "-q", "-f", "json", path])
    check(r.returncode == 0, "%s: segscan exit %d %s" % (path, r.returncode, r.stderr))
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, REPORT_SCHEMA)
    return doc["images"][0]


def readelf(*args):
    return run(["readelf", "-W"] + list(args)).stdout


# The machine's libc, read as checksec 2.6.0 reads it: every __X_chk@@ symbol.
LIBC_CHK = set()
for libc in ("/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib/libc.so.6"):
    if os.path.exists(libc):
        LIBC_CHK = set(re.findall(r"__(\w+_chk)@@", run(["readelf", "-sW", libc]).stdout))
        break
check(len(LIBC_CHK) > 50, "libc's *_chk functions: %d found" % len(LIBC_CHK))
LIBC_BASE = {n[:-4] for n in LIBC_CHK}


def oracle(path):
    """Each check as readelf alone decides it."""
    t = {}
    syms = readelf("-s", path)
    t["canary"] = "yes" if re.search(r"__stack_chk_fail|__stack_chk_guard", syms) else "no"
    segs = readelf("-l", path)
    typ = re.search(r"Type:\s+(\w+)", readelf("-h", path)).group(1)
    static = typ != "REL" and "INTERP" not in segs and "(NEEDED)" not in readelf("-d", path)
    if static and ".symtab" in syms:
        # A static executable: the functions linked in, every entry of .symtab.
        tab = syms[syms.index("Symbol table '.symtab'"):]
        used = [ln.split()[7] for ln in tab.splitlines() if len(ln.split()) >= 8 and ln.split()[0].endswith(":")]
    else:
        dyn = readelf("--dyn-syms", path)
        used = [ln.split()[7].split("@")[0] for ln in dyn.splitlines()
                if len(ln.split()) >= 8 and ln.split()[6] == "UND"]
    stripped = [n.lstrip("_") for n in used]
    fortified = sum(n in LIBC_CHK for n in stripped)
    unfortified = sum(n in LIBC_BASE for n in stripped)
    t["_fortify_counts"] = (fortified, fortified + unfortified)
    if ".dynsym" in readelf("-S", path) or static:
        t["fortify"] = ("n-a" if fortified + unfortified == 0 else "no" if fortified == 0
                        else "partial" if unfortified else "yes")
    notes = readelf("-n", path)
    m = re.search(r"x86 feature: (.*)", notes)
    feats = set(x.strip() for x in m.group(1).split(",")) if m else set()
    a = re.search(r"AArch64 feature: (.*)", notes)
    afeats = set(x.strip() for x in a.group(1).split(",")) if a else set()
    hdr = readelf("-h", path)
    machine = re.search(r"Machine:\s+(.*)", hdr).group(1)
    if "X86-64" in machine:
        t.update(ibt="yes" if "IBT" in feats else "no", shstk="yes" if "SHSTK" in feats else "no",
                 bti="n-a", pac="n-a")
    elif "AArch64" in machine:
        t.update(bti="yes" if "BTI" in afeats else "no", pac="yes" if "PAC" in afeats else "no",
                 ibt="n-a", shstk="n-a")
    typ = re.search(r"Type:\s+(\w+)", hdr).group(1)
    d = readelf("-d", path)
    if "(RPATH)" in d or "(RUNPATH)" in d or "Dynamic section" in d:
        for key, tag in (("rpath", "RPATH"), ("runpath", "RUNPATH")):
            m = re.search(r"\(%s\)\s+Library \w+: \[(.*)\]" % tag, d)
            t[key] = "yes" if m else "no"
            t["_" + key] = m.group(1) if m else None
    st = re.search(r"GNU_STACK\s+(?:\S+\s+){5}(.{3})", segs)
    if typ != "REL":
        t["nx"] = "yes" if st and "E" not in st.group(1) else "no"
        if typ == "DYN" and "INTERP" not in segs and re.search(r"\(FLAGS_1\).*\bPIE\b", d):
            t["pie"] = "yes"
            t["_static_pie"] = True
    sects = readelf("-S", path)
    t["stripped"] = "no" if re.search(r"\]\s+\S+\s+SYMTAB\s", sects) else "yes"
    t["debug_info"] = "yes" if re.search(r"\]\s+\.(z?debug|stab)", sects) else "no"
    return t


for name, (_, promise) in FIXTURES.items():
    im = report(name)
    p, ev = im["permissions"], im["permissions_evidence"]
    t = oracle(name)
    for k, v in t.items():
        if not k.startswith("_"):
            check(p[k] == v, "%s %s = %s, readelf says %s (%s)" % (name, k, p[k], v, ev[k]))
    for k, v in promise.items():
        check(p[k] == v, "%s %s = %s, the build promises %s (%s)" % (name, k, p[k], v, ev[k]))
    if t.get("fortify") in ("no", "partial", "yes"):
        m = re.match(r"(\d+) of (\d+) fortifiable", ev["fortify"] or "")
        check(m and (int(m.group(1)), int(m.group(2))) == t["_fortify_counts"],
              "%s fortify evidence %r, readelf counts %s" % (name, ev["fortify"], t["_fortify_counts"]))
    for key in ("rpath", "runpath"):
        if t.get("_" + key):
            check(('"%s"' % t["_" + key]) in (ev[key] or ""), "%s %s evidence %r, readelf [%s]"
                  % (name, key, ev[key], t["_" + key]))
    if t.get("_static_pie"):
        check("static PIE" in (ev["pie"] or ""), "%s pie evidence %r" % (name, ev["pie"]))
    for k in p:
        check(k in ev, "%s: permissions_evidence lacks %s" % (name, k))
        check(p[k] == "n-a" or ev[k], "%s: %s = %s without evidence" % (name, k, p[k]))
    ids = {f["id"]: f for f in im["findings"]}
    linked = not name.endswith(".o")
    for key, fid in (("canary", "no-canary"), ("ibt", "no-ibt"), ("shstk", "no-shstk"),
                     ("bti", "no-bti"), ("pac", "no-pac"), ("fortify", "no-fortify")):
        check((fid in ids) == (linked and p[key] == "no"), "%s: finding %s vs %s=%s" % (name, fid, key, p[key]))
    for key in ("rpath", "runpath"):
        check((key in ids) == (p[key] == "yes"), "%s: finding %s vs %s" % (name, key, p[key]))
    print("%-14s %s" % (name, " ".join("%s=%s" % (k, p[k]) for k in
                                         ("canary", "fortify", "ibt", "shstk", "bti", "pac", "rpath",
                                          "runpath", "nx", "pie", "stripped", "debug_info"))))

# The relative entry of h_rpath is a warning, $ORIGIN named; an absolute runpath is information.
f = {x["id"]: x for x in report("h_rpath")["findings"]}
check(f.get("rpath", {}).get("severity") == "warning" and "relative" in f["rpath"]["message"],
      "h_rpath finding %s" % f.get("rpath"))
check("$ORIGIN" in report("h_rpath")["permissions_evidence"]["rpath"], "h_rpath: $ORIGIN not named")
f = {x["id"]: x for x in report("h_runpath")["findings"]}
check(f.get("runpath", {}).get("severity") == "info", "h_runpath finding %s" % f.get("runpath"))

# ---- check: require-<key> / forbid-<key>, with the allow-list ------------------------------
budget = os.path.join(OUT, "harden-budget.yaml")
with open(budget, "w") as fh:
    fh.write("""version: 1
policy:
  - rule: require-canary
    artifacts: h_*
    allow:
      - artifacts: h_nocanary
        reason: built without a stack protector on purpose
  - rule: require-fortify
    artifacts: h_*fortify
  - rule: require-ibt
    artifacts: h_*cet
  - rule: require-shstk
    artifacts: h_*cet
  - rule: require-bti
    artifacts: arm_*
  - rule: require-pac
    artifacts: arm_*
  - rule: forbid-rpath
    artifacts: h_*path
  - rule: forbid-runpath
    artifacts: h_*path
  - rule: require-stripped
    artifacts: h_stripped
  - rule: forbid-debug-info
    artifacts: h_debug
  - rule: require-nx
    artifacts: h_execstack
""")
r = run([SEGSCAN, "check", "-q", "-b", budget, "-f", "json", "h_canary", "h_nocanary", "h_fortify",
         "h_nofortify", "h_cet", "h_nocet", "arm_bti.so", "arm_nobti.so", "h_rpath", "h_runpath",
         "h_stripped", "h_debug", "h_execstack"])
doc = json.loads(r.stdout)
with open(os.path.join(SCHEMAS, "segscan-check.schema.json")) as fh:
    jsonschema.validate(doc, json.load(fh))
check(r.returncode == 1, "check exits 1 on failed rules (got %d)" % r.returncode)
verdicts = {(x["rule"], x["artifact"]): x["verdict"] for x in doc["results"]}
WANT = {
    ("require-canary", "h_canary"): "pass", ("require-canary", "h_nocanary"): "exempt",
    ("require-canary", "h_stripped"): "pass",
    ("require-fortify", "h_fortify"): "pass", ("require-fortify", "h_nofortify"): "fail",
    ("require-ibt", "h_cet"): "pass", ("require-ibt", "h_nocet"): "fail",
    ("require-shstk", "h_cet"): "pass", ("require-shstk", "h_nocet"): "fail",
    ("require-bti", "arm_bti.so"): "pass", ("require-bti", "arm_nobti.so"): "fail",
    ("require-pac", "arm_bti.so"): "pass", ("require-pac", "arm_nobti.so"): "fail",
    ("forbid-rpath", "h_rpath"): "fail", ("forbid-rpath", "h_runpath"): "pass",
    ("forbid-runpath", "h_runpath"): "fail", ("forbid-runpath", "h_rpath"): "pass",
    ("require-stripped", "h_stripped"): "pass", ("forbid-debug-info", "h_debug"): "fail",
    ("require-nx", "h_execstack"): "fail",
}
for k, v in WANT.items():
    check(verdicts.get(k) == v, "check %s on %s: %s, want %s" % (k[0], k[1], verdicts.get(k), v))

# ---- diff: lost / gained / new / gone ----------------------------------------------------
with open(os.path.join(SCHEMAS, "segscan-diff.schema.json")) as fh:
    DIFF_SCHEMA = json.load(fh)


def changes(a, b):
    r = run([SEGSCAN, "diff", "-f", "json", a, b])
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, DIFF_SCHEMA)
    return {c["id"]: c for u in doc["units"] for c in u["changes"]}


for a, b, cid, sev in (("h_canary", "h_nocanary", "canary-lost", "regression"),
                       ("h_nocanary", "h_canary", "canary-gained", "improvement"),
                       ("h_cet", "h_nocet", "ibt-lost", "regression"),
                       ("h_cet", "h_nocet", "shstk-lost", "regression"),
                       ("arm_bti.so", "arm_nobti.so", "bti-lost", "regression"),
                       ("arm_bti.so", "arm_nobti.so", "pac-lost", "regression"),
                       ("h_fortify", "h_nofortify", "fortify-lost", "regression"),
                       ("h_canary", "h_runpath", "runpath-new", "regression"),
                       ("h_rpath", "h_canary", "rpath-gone", "improvement"),
                       ("h_canary", "h_execstack", "nx-lost", "regression")):
    c = changes(a, b)
    check(cid in c and c[cid]["severity"] == sev, "diff %s %s: %s %s not in %s" % (a, b, cid, sev, sorted(c)))
check("lost canary" in changes("h_canary", "h_nocanary")["canary-lost"]["message"], "diff message says lost")

print("harden_elf: %d fixtures, %d failures" % (len(FIXTURES), len(failures)))
sys.exit(1 if failures else 0)
