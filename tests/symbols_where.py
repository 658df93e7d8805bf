#!/usr/bin/env python3
"""symbols_where.py SEGSCAN FIXTURES SCHEMA - `segscan where` on the issue-18 fixtures.

For the Rust program of the issue and the analogous C program (ELF, PE, Mach-O; images and
objects), `segscan where BUFFER DATA GREETING` must find each static once, with the size the
source gives (10000, 10000, 16: a pointer and a length), and the address and section that the
independent tools say: nm -f sysv (ELF), llvm-nm-14 -m (Mach-O), the symbol's value from
llvm-nm-14 placed in llvm-readobj-14's section headers (PE). File and memory bytes follow from
the oracle's section header (no file bytes in NOBITS/zerofill or past a PE section's raw data).
Also: exit 1 and "unmatched" for a NAME that matches nothing, globs, --no-demangle, text
output in words, and the JSON against docs/segscan-where.schema.json."""
import json
import re
import subprocess
import sys

import jsonschema

SEGSCAN, FIX, SCHEMA = sys.argv[1:4]
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def run(*args):
    return subprocess.run(args, capture_output=True, text=True)


def where(path, *names, extra=()):
    p = run(SEGSCAN, "where", "-f", "json", *extra, *names, "--", path)
    return p.returncode, (json.loads(p.stdout) if p.stdout else None), p.stderr


schema = json.load(open(SCHEMA))

# ---- oracles ----------------------------------------------------------------------------


def elf_sections(path):
    """readelf -SW: name -> (type, addr, offset, size)."""
    out = run("readelf", "-SW", path).stdout
    secs = {}
    for m in re.finditer(r"\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", out):
        secs[m.group(1)] = (m.group(2), int(m.group(3), 16), int(m.group(4), 16),
                            int(m.group(5), 16))
    return secs


def elf_oracle(path, name_re):
    """nm -S -f sysv: (value, size, section) of the one symbol whose name matches."""
    hits = []
    for line in run("nm", "-S", "-f", "sysv", path).stdout.splitlines():
        f = [x.strip() for x in line.split("|")]
        if len(f) == 7 and re.fullmatch(name_re, f[0]):
            hits.append((int(f[1], 16), int(f[4], 16), f[6]))
    check(len(hits) == 1, "%s: nm lists %d symbols matching %s" % (path, len(hits), name_re))
    return hits[0] if hits else (None, None, None)


def macho_oracle(path, name):
    out = run("llvm-nm-14", "-m", path).stdout
    for line in out.splitlines():
        m = re.match(r"([0-9a-f]+) \(([^,]+),([^)]+)\) .* (\S+)$", line)
        if m and m.group(4) == name:
            return int(m.group(1), 16), "%s,%s" % (m.group(2), m.group(3))
    check(False, "%s: llvm-nm-14 -m has no %s" % (path, name))
    return None, None


def pe_sections(path):
    """llvm-readobj-14 --sections: list of (name, VirtualAddress, VirtualSize, RawDataSize)."""
    out = run("llvm-readobj-14", "--sections", "--file-headers", path).stdout
    base = int(re.search(r"ImageBase: 0x([0-9A-F]+)", out).group(1), 16) if "ImageBase" in out else 0
    secs = []
    for blk in out.split("Section {")[1:]:
        name = re.search(r"Name: (\S+)", blk).group(1)
        va = int(re.search(r"VirtualAddress: 0x([0-9A-F]+)", blk).group(1), 16)
        vs = int(re.search(r"VirtualSize: 0x([0-9A-F]+)", blk).group(1), 16)
        raw = int(re.search(r"RawDataSize: (\d+)", blk).group(1))
        if "IMAGE_SCN_CNT_UNINITIALIZED_DATA" in blk:
            raw = 0  # an object's .bss states its size as raw size but has no file bytes
        secs.append((name, base + va, vs, raw))
    return secs


def coff_symbol_section(path, name):
    """llvm-objdump-14 -t: the 1-based section number of an object's symbol."""
    for line in run("llvm-objdump-14", "-t", path).stdout.splitlines():
        m = re.search(r"\(sec\s+(\d+)\).* (\S+)$", line)
        if m and m.group(2) == name:
            return int(m.group(1))
    check(False, "%s: llvm-objdump-14 -t has no %s" % (path, name))
    return None


def llvm_nm_value(path, name):
    for line in run("llvm-nm-14", path).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    check(False, "%s: llvm-nm-14 has no %s" % (path, name))
    return None


SIZES = {"BUFFER": 10000, "DATA": 10000, "GREETING": 16}


def one(data, path, short):
    ms = [m for m in data["matches"] if m["name"] == short or m["name"].endswith("::" + short)
          or m["mangled"] in (short, "_" + short)]
    check(len(ms) == 1, "%s: %d matches for %s" % (path, len(ms), short))
    return ms[0] if ms else None


def check_common(path, data, rc, err):
    check(rc == 0, "%s: exit %d (%s)" % (path, rc, err.strip()))
    if data is None:
        check(False, "%s: no JSON" % path)
        return False
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as e:
        check(False, "%s: schema: %s" % (path, e.message))
    check(data["unmatched"] == [], "%s: unmatched %s" % (path, data["unmatched"]))
    return True


# ---- ELF: C and Rust --------------------------------------------------------------------
for exe, rx in (("where-c-elf", "%s"), ("where-rs", r"_ZN5where\d+%s17h[0-9a-f]+E")):
    path = "%s/%s" % (FIX, exe)
    rc, data, err = where(path, "BUFFER", "DATA", "GREETING")
    if not check_common(path, data, rc, err):
        continue
    secs = elf_sections(path)
    want = {"BUFFER": (".bss", "bss"), "DATA": (".data", "data"),
            "GREETING": (".data.rel.ro", "relro")}
    for short, (sec, kind) in want.items():
        m = one(data, path, short)
        if m is None:
            continue
        value, size, nsec = elf_oracle(path, rx % short)
        styp, saddr, soff, _ = secs[nsec]
        check(m["section"] == nsec == sec, "%s %s: section %s, nm %s, want %s" % (
            path, short, m["section"], nsec, sec))
        check(m["kind"] == kind, "%s %s: kind %s, want %s" % (path, short, m["kind"], kind))
        check(m["vaddr"] == value, "%s %s: vaddr %#x, nm %#x" % (path, short, m["vaddr"], value))
        check(m["size"] == size == SIZES[short], "%s %s: size %d, nm %d, source %d" % (
            path, short, m["size"], size, SIZES[short]))
        nobits = styp == "NOBITS"
        check(m["vm_size"] == SIZES[short], "%s %s: vm_size %d" % (path, short, m["vm_size"]))
        check(m["file_size"] == (0 if nobits else SIZES[short]),
              "%s %s: file_size %d" % (path, short, m["file_size"]))
        want_off = None if nobits else soff + value - saddr
        check(m["file_offset"] == want_off, "%s %s: file_offset %s, readelf gives %s" % (
            path, short, m["file_offset"], want_off))
        check(m["perms"] == "rw-", "%s %s: perms %s" % (path, short, m["perms"]))
    if exe == "where-rs":
        check(one(data, path, "BUFFER")["name"] == "where::BUFFER", "Rust name not demangled")

# ---- Mach-O: executable and object --------------------------------------------------------
for exe in ("where-macho", "where-macho.o"):
    path = "%s/%s" % (FIX, exe)
    rc, data, err = where(path, "BUFFER", "DATA", "GREETING")
    if not check_common(path, data, rc, err):
        continue
    for short in SIZES:
        m = one(data, path, short)
        value, sec = macho_oracle(path, "_" + short)
        if m is None or value is None:
            continue
        check(m["section"] == sec, "%s %s: section %s, llvm-nm %s" % (path, short, m["section"], sec))
        if exe == "where-macho":
            check(m["vaddr"] == value, "%s %s: vaddr %#x, llvm-nm %#x" % (path, short, m["vaddr"], value))
        check(m["size"] == SIZES[short], "%s %s: size %d, source %d" % (path, short, m["size"],
                                                                       SIZES[short]))
        zero = short == "BUFFER"
        check(m["file_size"] == (0 if zero else SIZES[short]), "%s %s: file_size %d" % (
            path, short, m["file_size"]))
        check(m["kind"] == ("bss" if zero else "data"), "%s %s: kind %s" % (path, short, m["kind"]))

# ---- PE: image and object -----------------------------------------------------------------
for exe in ("where-pe.exe", "where-pe.obj"):
    path = "%s/%s" % (FIX, exe)
    rc, data, err = where(path, "BUFFER", "DATA", "GREETING")
    if not check_common(path, data, rc, err):
        continue
    secs = pe_sections(path)
    image = exe.endswith(".exe")
    for short in SIZES:
        m = one(data, path, short)
        value = llvm_nm_value(path, short)
        if m is None or value is None:
            continue
        if image:
            hit = [s for s in secs if s[1] <= value < s[1] + max(s[2], s[3])]
            check(len(hit) == 1, "%s %s: %#x in %d sections" % (path, short, value, len(hit)))
            name, va, vs, raw = hit[0]
            off = value - va
            check(m["vaddr"] == value, "%s %s: vaddr %#x, llvm-nm %#x" % (path, short, m["vaddr"], value))
        else:
            # Objects: llvm-nm gives the offset in the section, llvm-objdump its number.
            num = coff_symbol_section(path, short)
            name, _, _, raw = secs[num - 1]
            off = value
        check(m["section"] == name, "%s %s: section %s, oracle %s" % (path, short, m["section"], name))
        check(m["size"] == SIZES[short], "%s %s: size %d" % (path, short, m["size"]))
        want_file = max(0, min(SIZES[short], raw - off))
        check(m["file_size"] == want_file, "%s %s: file_size %d, readobj gives %d" % (
            path, short, m["file_size"], want_file))
        check(m["size_derived"], "%s %s: COFF sizes are derived" % (path, short))

# ---- exit codes, globs, words ---------------------------------------------------------------
c = "%s/where-c-elf" % FIX
rc, data, err = where(c, "BUFFER", "NO_SUCH_THING")
check(rc == 1, "unmatched NAME: exit %d, want 1" % rc)
check(data and data["unmatched"] == ["NO_SUCH_THING"], "unmatched list: %s" % (data or {}).get("unmatched"))
check("NO_SUCH_THING" in err, "unmatched NAME not named on stderr: %r" % err)
rc, data, err = where(c, "*UFF*")
check(rc == 0 and [m["name"] for m in data["matches"]] == ["BUFFER"], "glob *UFF*: %s" % data)
rs = "%s/where-rs" % FIX
rc, data, err = where(rs, "*BUFFER*", extra=("--no-demangle",))
check(rc == 0 and data["matches"][0]["name"].startswith("_ZN5where6BUFFER"), "--no-demangle: %s" % data)
rc, data, err = where(rs, "where::DATA")
check(rc == 0 and len(data["matches"]) == 1, "exact demangled name: %s" % data)
p = run(SEGSCAN, "where", "BUFFER", "DATA", "GREETING", "--", rs)
check(p.returncode == 0, "text exit %d" % p.returncode)
for words in ("zero-initialised: costs 10000 bytes of memory and no file bytes",
              "writable data: 10000 bytes in the file",
              "writable data that holds pointers, made read-only after relocation (RELRO)"):
    check(words in p.stdout, "text output lacks %r" % words)
p = run(SEGSCAN, "where", "BUFFER", "--", "/nonexistent")
check(p.returncode == 3, "missing file: exit %d, want 3" % p.returncode)
p = run(SEGSCAN, "where", "BUFFER", rs)
check(p.returncode == 2, "no --: exit %d, want 2" % p.returncode)

for f in fails:
    print("FAIL:", f)
print("symbols_where: %d failures" % len(fails))
sys.exit(1 if fails else 0)
