#!/usr/bin/env python3
"""checksec_compare.py - segscan's ELF checks against checksec 2.6.0 (Debian's `checksec`
package) on 100+ ELF files of this machine: canary, fortify (and the fortified count), NX, PIE,
RELRO, RPATH, RUNPATH and symbols (stripped).

usage: checksec_compare.py SEGSCAN DISAGREEMENTS

Values are mapped where the two tools name them differently (checksec "dso"/"rel" is segscan's
pie n-a; fortify "yes" is segscan's yes or partial; symbols "yes" is stripped "no"). Every other
difference is a disagreement, and each must be explained by a rule of DISAGREEMENTS (key, rule
name, why): the rule's test below must hold for that file, read with readelf. An unexplained
disagreement, a rule without a test, or fewer than 100 files fails."""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SEGSCAN, LIST = sys.argv[1:3]
MIN_FILES = 100
MAX_FILES = 110
DIRS = ("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu")


def sh(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout


def elf_files():
    found = []
    for d in DIRS:
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            try:
                with open(p, "rb") as fh:
                    head = fh.read(18)
                # Linked images only (ET_EXEC, ET_DYN: little-endian here): checksec's checks
                # are about programs and libraries, not objects.
                if head[:4] != b"\x7fELF" or len(head) < 18 or head[16] not in (2, 3):
                    continue
            except OSError:
                continue
            found.append(p)
    # Spread the sample over the whole list (programs and libraries), deterministically.
    step = max(1, len(found) // MAX_FILES)
    return found[::step][:MAX_FILES]


def checksec(path):
    out = sh(["checksec", "--output=json", "--file=" + path])
    return json.loads(out)[path]


# ---- the rules' tests: facts read with readelf, not with segscan -----------------------------

LIBC_CHK = set()
for libc in ("/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"):
    if os.path.exists(libc):
        LIBC_CHK = set(re.findall(r"__(\w+_chk)@@", sh(["readelf", "-sW", libc])))
        break
LIBC_BASE = {n[:-4] for n in LIBC_CHK}


def dyn_defines_fortifiable(p):
    """The .dynsym defines (exports) a fortifiable or *_chk function: checksec counts every
    .dynsym entry, segscan only the imports (the calls the file makes)."""
    for ln in sh(["readelf", "-W", "--dyn-syms", p]).splitlines():
        f = ln.split()
        if len(f) >= 8 and f[0].endswith(":") and f[6] != "UND":
            n = f[7].split("@")[0].lstrip("_")
            if n in LIBC_CHK or n in LIBC_BASE:
                return True
    return False


def exec_library(p):
    """An ET_DYN with PT_INTERP (an executable) but no DT_DEBUG: checksec's PIE test looks for
    DT_DEBUG and calls it a DSO; segscan reads PT_INTERP (libc.so.6, ld.so-run libraries)."""
    return ("INTERP" in sh(["readelf", "-lW", p]) and "(DEBUG)" not in sh(["readelf", "-dW", p])
            and "DYN" in sh(["readelf", "-hW", p]))


def static_exe(p):
    """No PT_INTERP and no DT_NEEDED: a static executable; checksec reads only --dyn-syms for
    FORTIFY, segscan the functions linked in (.symtab)."""
    return "INTERP" not in sh(["readelf", "-lW", p]) and "(NEEDED)" not in sh(["readelf", "-dW", p])


def stack_not_rwe(p):
    """PT_GNU_STACK has PF_X but not all of RWE: checksec greps for "RWE" only."""
    m = re.search(r"GNU_STACK\s+(?:\S+\s+){5}(.{3})", sh(["readelf", "-lW", p]))
    return bool(m) and "E" in m.group(1) and m.group(1) != "RWE"


def no_symbol_tables(p):
    """Neither .dynsym nor .symtab: nothing to read; segscan says unknown, checksec no."""
    return not re.search(r"\s(DYNSYM|SYMTAB)\s", sh(["readelf", "-SW", p]))


TESTS = {"defines-fortifiable": dyn_defines_fortifiable, "exec-library": exec_library,
         "static-exe": static_exe, "stack-not-rwe": stack_not_rwe, "no-symbol-tables": no_symbol_tables}


def load_rules():
    rules = {}
    with open(LIST) as fh:
        for ln in fh:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            key, rule, why = ln.split(None, 2)
            if rule not in TESTS:
                sys.exit("%s: rule %s has no test in checksec_compare.py" % (LIST, rule))
            rules.setdefault(key, []).append((rule, why))
    return rules


def ours_vs_theirs(p, c):
    """(key, segscan's value mapped to checksec's words, checksec's) for each key compared."""
    perms, ev = p["permissions"], p["permissions_evidence"]
    out = []
    relro = {"full": "full", "partial": "partial", "none": "no"}.get(perms["relro"], perms["relro"])
    out.append(("relro", relro, c["relro"]))
    out.append(("canary", perms["canary"], c["canary"]))
    out.append(("nx", perms["nx"], c["nx"]))
    pie = {"n-a": None}.get(perms["pie"], perms["pie"])
    out.append(("pie", pie if pie else "dso-or-rel", "dso-or-rel" if c["pie"] in ("dso", "rel") else c["pie"]))
    out.append(("rpath", perms["rpath"], c["rpath"]))
    out.append(("runpath", perms["runpath"], c["runpath"]))
    out.append(("symbols", {"yes": "no", "no": "yes"}.get(perms["stripped"], perms["stripped"]), c["symbols"]))
    fort = "yes" if perms["fortify"] in ("yes", "partial") else "no"
    out.append(("fortify", fort, c["fortify_source"]))
    m = re.match(r"(\d+) of (\d+)", ev["fortify"] or "")
    ours_n = m.group(1) if m else "0"
    out.append(("fortified", ours_n, c["fortified"]))
    return out


def main():
    rules = load_rules()
    files = elf_files()
    if len(files) < MIN_FILES:
        print("FAIL: only %d ELF files found in %s" % (len(files), ", ".join(DIRS)))
        return 1
    with ThreadPoolExecutor(max_workers=2) as ex:
        cs = dict(zip(files, ex.map(checksec, files)))
    doc = json.loads(sh([SEGSCAN, "-q", "-j", "2", "-f", "json", "--only", "perms"] + files))
    ims = {}
    for im in doc["images"]:
        if im.get("member") is None:
            ims[im["path"]] = im
    unexplained, explained, agree, compared = [], {}, 0, 0
    for f in files:
        if f not in ims:
            unexplained.append((f, "load", "segscan did not report it", ""))
            continue
        for key, ours, theirs in ours_vs_theirs(ims[f], cs[f]):
            compared += 1
            if ours == theirs:
                agree += 1
                continue
            why = [r for r, _ in rules.get(key, []) if TESTS[r](f)]
            if why:
                explained[(key, why[0])] = explained.get((key, why[0]), 0) + 1
            else:
                unexplained.append((f, key, ours, theirs))
    print("checksec 2.6.0 vs segscan: %d files, %d values compared, %d agree, %d explained, %d unexplained"
          % (len(files), compared, agree, sum(explained.values()), len(unexplained)))
    for (key, rule), n in sorted(explained.items()):
        print("  explained %-9s %-20s %d" % (key, rule, n))
    for f, key, ours, theirs in unexplained:
        print("FAIL: %s %s: segscan %s, checksec %s (no rule of %s explains it)" % (f, key, ours, theirs, LIST))
    return 1 if unexplained else 0


sys.exit(main())
