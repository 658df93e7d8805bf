#!/usr/bin/env python3
"""symbols_nm.py SEGSCAN SCHEMA FIXTURE_DIR... - the symbol layer against nm, and the add-up rule.

1. The machine's ELF files (at least 200: /usr/bin and /usr/lib/x86_64-linux-gnu, C, C++ -
   libstdc++ - and Rust - /usr/bin/hyperfine): every defined symbol with a size that GNU nm
   lists (nm -S of .symtab, or nm -D -S when the file has only .dynsym, as segscan reads) must
   be a row of `segscan -d symbols -f json` with the same address, size and section (nm -f
   sysv's column), and its demangled name must equal nm -C's. Thread-local symbols: nm gives
   the offset in the TLS template, segscan the address; the template's start comes from
   readelf -S.
2. The PE and Mach-O files of the fixture directories: every defined symbol llvm-nm-14 lists
   in a section is a row at the same address (the size is derived, llvm-nm gives none), in
   the section llvm-nm-14 -m names (Mach-O) or whose llvm-readobj-14 header holds the address
   (PE images).
3. Every file of the fixture directories segscan reads: per section, the counted sizes of the
   symbol rows plus the no-symbol row add up exactly to the section's vm_size and file_size.
The JSON is validated against the report schema on a sample."""
import collections
import glob
import json
import os
import re
import subprocess
import sys

import jsonschema

SEGSCAN, SCHEMA = sys.argv[1:3]
FIXDIRS = sys.argv[3:]
fails = []
MIN_FILES = 200


def fail(msg):
    if len(fails) < 200:
        fails.append(msg)


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, errors="replace")


def is_elf(p):
    try:
        with open(p, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def segscan_json(paths):
    p = run(SEGSCAN, "-q", "--only", "sizes", "-d", "symbols", "-f", "json", "--compact", *paths)
    if not p.stdout:
        fail("segscan gave no JSON for %s...: %s" % (paths[0], p.stderr[:300]))
        return None
    return json.loads(p.stdout)


def strip_version(name):
    return re.sub(r"@@?[^@]*$", "", name) if "@" in name else name


def nm_rows(path, dyn, demangle):
    """nm -S -p -f sysv rows: (name, value, size, section), in table order."""
    args = ["nm", "-S", "-p", "-f", "sysv"] + (["-D"] if dyn else []) + (["-C"] if demangle else [])
    out = run(*args, path).stdout
    rows = []
    for line in out.splitlines():
        parts = line.rsplit("|", 6)
        if len(parts) != 7:
            continue
        name, value, cls, _typ, size, _ln, sec = [x.strip() for x in parts]
        if not value or not size or cls in ("U", "w", "v", "A", "a", "C"):
            continue
        rows.append((strip_version(name), int(value, 16), int(size, 16), sec))
    return rows


def elf_info(path):
    out = run("readelf", "-SW", path).stdout
    has_symtab = bool(re.search(r"\]\s+\.symtab\s+SYMTAB", out))
    tls = [int(m.group(1), 16) for m in re.finditer(
        r"\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\S*T\S*\s", out)]
    return has_symtab, min(tls) if tls else None


# ---- 1. system ELF files against nm ---------------------------------------------------------
cands = []
for d in ("/usr/bin", "/usr/lib/x86_64-linux-gnu"):
    for p in sorted(glob.glob(d + "/*")):
        if os.path.isfile(p) and not os.path.islink(p) and is_elf(p) and os.path.getsize(p) < (40 << 20):
            cands.append(p)
must = ["/usr/bin/hyperfine"] + sorted(glob.glob("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.*"))
for m in must:
    if not os.path.exists(m):
        fail("%s is missing (C++ and Rust must be covered)" % m)
# Every file of the two folders would take minutes; a spread over the sorted list, plus the
# must-haves, is enough and the same on every run.
step = max(1, len(cands) // 260)
files = sorted(set(cands[::step] + [m for m in must if os.path.exists(m)]))
checked = compared = tls_checked = 0
langs = collections.Counter()
BATCH = 40
schema = json.load(open(SCHEMA))
validated = False
for b in range(0, len(files), BATCH):
    batch = files[b:b + BATCH]
    doc = segscan_json(batch)
    if doc is None:
        continue
    if not validated:
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError as e:
            fail("schema: %s at %s" % (e.message, list(e.absolute_path)))
        validated = True
    by_path = {}
    for im in doc["images"]:
        if im["member"] is None:
            by_path[im["path"]] = im
    for path in batch:
        im = by_path.get(path)
        if im is None:
            fail("%s: no image in segscan's JSON" % path)
            continue
        if im.get("symbols") is None:
            fail("%s: no symbols array" % path)
            continue
        has_symtab, tls_base = elf_info(path)
        raw = nm_rows(path, not has_symtab, False)
        dem = nm_rows(path, not has_symtab, True)
        if len(raw) != len(dem):
            fail("%s: nm and nm -C list %d and %d symbols" % (path, len(raw), len(dem)))
            continue
        ours = collections.defaultdict(list)
        for r in im["symbols"]:
            if not r["no_symbol"]:
                ours[r["mangled"]].append(r)
        n = 0
        for (name, value, size, sec), (dname, _, _, _) in zip(raw, dem):
            if size == 0:
                continue
            n += 1
            rows = ours.get(name, [])
            want_addr = value
            hit = [r for r in rows if r["size"] == size and r["section"] == sec and
                   (r["vaddr"] == value or (r["kind"].startswith("tls") and tls_base is not None
                                           and r["vaddr"] == tls_base + value))]
            if not hit:
                fail("%s: %s (%#x, %d bytes, %s) not found; segscan has %s" % (
                    path, name, want_addr, size, sec,
                    [(hex(r["vaddr"]), r["size"], r["section"]) for r in rows][:3]))
                continue
            if any(r["kind"].startswith("tls") for r in hit):
                tls_checked += 1
            if hit[0]["name"] != dname:
                fail("%s: demangled %r, nm -C %r" % (path, hit[0]["name"], dname))
            if name.startswith("_ZN") and "17h" in name:
                langs["rust"] += 1
            elif name.startswith("_Z"):
                langs["c++"] += 1
            else:
                langs["c"] += 1
        compared += n
        checked += n > 0
print("system ELF: %d files with sized symbols, %d symbols compared (%d thread-local), names: %s"
      % (checked, compared, tls_checked, dict(langs)))
if checked < MIN_FILES:
    fail("only %d system ELF files with sized symbols (want %d)" % (checked, MIN_FILES))
for lang in ("c", "c++", "rust"):
    if langs[lang] == 0:
        fail("no %s symbol was compared" % lang)


# ---- 2 and 3. fixtures ----------------------------------------------------------------------
def fixture_files():
    out = []
    for d in FIXDIRS:
        for root, _, names in os.walk(d):
            if "broken" in root.split(os.sep):
                continue
            for n in sorted(names):
                p = os.path.join(root, n)
                if os.path.isfile(p):
                    out.append(p)
    return sorted(out)


def llvm_nm_defined(path):
    rows = []
    for line in run("llvm-nm-14", "-p", path).stdout.splitlines():
        f = line.split(None, 2)
        if len(f) == 3 and f[1] in "TDBRStdbrs" and len(f[1]) == 1:
            rows.append((f[2], int(f[0], 16)))
    return rows


def macho_sections(path):
    out = {}
    for line in run("llvm-nm-14", "-m", "-p", path).stdout.splitlines():
        m = re.match(r"([0-9a-f]+) \(([^,)]+),([^)]+)\) .* (\S+)$", line)
        if m:
            out.setdefault(m.group(4), []).append((int(m.group(1), 16), "%s,%s" % (m.group(2), m.group(3))))
    return out


def pe_sections(path):
    out = run("llvm-readobj-14", "--sections", "--file-headers", path).stdout
    m = re.search(r"ImageBase: 0x([0-9A-F]+)", out)
    base = int(m.group(1), 16) if m else 0
    secs = []
    for blk in out.split("Section {")[1:]:
        name = re.search(r"Name: (\S+)", blk).group(1)
        va = int(re.search(r"VirtualAddress: 0x([0-9A-F]+)", blk).group(1), 16)
        vs = int(re.search(r"VirtualSize: 0x([0-9A-F]+)", blk).group(1), 16)
        raw = int(re.search(r"RawDataSize: (\d+)", blk).group(1))
        secs.append((name, base + va, max(vs, raw)))
    return secs


files = fixture_files()
addup = foreign = foreign_syms = 0
for b in range(0, len(files), BATCH):
    doc = segscan_json(files[b:b + BATCH])
    if doc is None:
        continue
    for im in doc["images"]:
        syms = im.get("symbols")
        if syms is None:
            continue
        where = im["path"] + ("(%s)" % im["member"] if im["member"] else "")
        vm = collections.Counter()
        fs = collections.Counter()
        for r in syms:
            vm[r["section_index"]] += r["counted_vm_size"]
            fs[r["section_index"]] += r["counted_file_size"]
        for i, s in enumerate(im["sections"]):
            if vm[i] != s["vm_size"] or fs[i] != s["file_size"]:
                fail("%s: section %s: rows add up to vm %d file %d, section has vm %d file %d" % (
                    where, s["name"], vm[i], fs[i], s["vm_size"], s["file_size"]))
        addup += 1
        if im["format"] == "elf" or im["member"] is not None:
            continue
        # PE / Mach-O against llvm-nm-14.
        foreign += 1
        ours = collections.defaultdict(list)
        for r in syms:
            if not r["no_symbol"]:
                ours[r["mangled"]].append(r)
        relocatable = im["type"] == "relocatable"
        msecs = macho_sections(im["path"]) if im["format"] == "macho" else None
        psecs = pe_sections(im["path"]) if im["format"] == "pe" and not relocatable else None
        sec_end = {s["name"]: s["vaddr"] + s["vm_size"] for s in im["sections"]}
        for name, value in llvm_nm_defined(im["path"]):
            rows = ours.get(name, [])
            if relocatable and im["format"] == "pe":
                hit = [r for r in rows if r["vaddr"] == value]
            else:
                hit = [r for r in rows if r["vaddr"] == value or (relocatable and
                       r["vaddr"] + im["sections"][r["section_index"]]["vaddr"] == value)]
            if not hit:
                # Size 0 (at its section's end, or a label before another at one address
                # with nothing after): no bytes, no row.
                if any(value == e for e in sec_end.values()):
                    continue
                fail("%s: llvm-nm-14's %s at %#x is no row (segscan: %s)" % (
                    where, name, value, [(hex(r["vaddr"]), r["section"]) for r in rows][:3]))
                continue
            foreign_syms += 1
            if msecs is not None:
                want = [s for v, s in msecs.get(name, []) if v == value]
                if want and hit[0]["section"] != want[0]:
                    fail("%s: %s in %s, llvm-nm -m %s" % (where, name, hit[0]["section"], want[0]))
            if psecs is not None:
                want = [s[0] for s in psecs if s[1] <= value < s[1] + s[2]]
                if want and hit[0]["section"] != want[0]:
                    fail("%s: %s in %s, llvm-readobj %s" % (where, name, hit[0]["section"], want[0]))
print("fixtures: %d images add up; %d PE/Mach-O images, %d of their symbols matched llvm-nm-14"
      % (addup, foreign, foreign_syms))
if addup == 0 or foreign == 0 or foreign_syms == 0:
    fail("no fixture was checked")

for f in fails:
    print("FAIL:", f)
print("symbols_nm: %d failures" % len(fails))
sys.exit(1 if fails else 0)
