#!/usr/bin/env python3
"""Cross-checks segscan's Mach-O reading against independent tools.

usage: macho_crosscheck.py --segscan BIN --dump BIN [--lief BIN] [--facts]
                           PATH_OR_DIR...

For every Mach-O image (thin files, universal slices, members of universal static libraries):
  * segments (name, vmaddr, vmsize, fileoff, filesize, initprot, maxprot) and sections
    (segname,sectname; addr; size; offset; flags; align) equal what `llvm-readobj-14
    --macho-segment --sections --file-headers` prints for the image's bytes;
  * the file map is a partition of the image: contiguous, in order, sizes summing to file_size;
  * the entry point equals LC_MAIN's or LC_UNIXTHREAD's as llvm-objdump-14 prints them;
  * defined symbols (name, address) and undefined names equal `llvm-nm-14 -P`'s;
  * relocation targets equal llvm-objdump-14's rebase/bind/lazy-bind/weak-bind tables (linked
    images) or llvm-readobj-14 -r (objects, less the entries that write nothing themselves);
  * with --lief, segments and sections also equal the LIEF oracle's (tests/lief_dump).
--facts adds assertions about the fixtures built from fixtures/macho (kinds, perms, flags).
Exit 0 when everything agrees, 1 on any disagreement or when no input exists (a cross-check of
nothing is a failure).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

READOBJ = "llvm-readobj-14"
NM = "llvm-nm-14"
OBJDUMP = "llvm-objdump-14"

ZEROFILL = {0x1, 0xC, 0x12}
S_ATTR_DEBUG = 0x02000000


class OracleRefused(Exception):
    """The oracle rejects the file (golang's gcc-amd64-darwin-exec-with-bad-dysym is made to
    be rejected by strict readers): no comparison is possible, which is not a disagreement."""


class Checker:
    def __init__(self):
        self.failures = []
        self.images = 0
        self.checked = {"segments": 0, "sections": 0, "symbols": 0, "relocs": 0, "lief": 0}
        self.refused = []

    def fail(self, where, msg):
        self.failures.append(f"{where}: {msg}")

    def eq(self, where, what, ours, theirs):
        if ours != theirs:
            self.fail(where, f"{what}: segscan {ours!r} != oracle {theirs!r}")
            return False
        return True


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


# ---- llvm-readobj ---------------------------------------------------------------------------

def parse_blocks(text, head):
    """Yields dicts of 'Key: value' lines of each top-level `head {` block."""
    block, depth = None, 0
    for line in text.splitlines():
        s = line.strip()
        if block is None:
            if s == head + " {":
                block, depth = {}, 1
            continue
        if s.startswith("Attributes ["):  # "Attributes [ (0x800004)", members follow
            block["Attributes"] = s
            depth += 1
            continue
        if s.endswith("{") or s.endswith("["):
            depth += 1
            if ":" in s:  # "Attributes [ (0x800004)"
                k, v = s.split(":", 1)
                block.setdefault(k.strip(), v.strip())
            continue
        if s in ("}", "]"):
            depth -= 1
            if depth == 0:
                yield block
                block = None
            continue
        if depth == 1 and ":" in s:
            k, v = s.split(":", 1)
            block[k.strip()] = v.strip()


def num(v):
    v = v.split()[0]
    return int(v, 16) if v.lower().startswith("0x") else int(v)


def readobj(path):
    r = run([READOBJ, "--macho-segment", "--sections", "--file-headers", path])
    if r.returncode != 0:
        raise OracleRefused(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed")
    segs = []
    for b in parse_blocks(r.stdout, "Segment"):
        segs.append({
            "name": b["Name"], "vaddr": num(b["vmaddr"]), "vm_size": num(b["vmsize"]),
            "offset": num(b["fileoff"]), "file_size": num(b["filesize"]),
            "perms": b["initprot"], "maxprot": b["maxprot"],
        })
    sects = []
    for b in parse_blocks(r.stdout, "Section"):
        typ = int(re.search(r"\((0x[0-9A-Fa-f]+)\)", b["Type"]).group(1), 16)
        attrs = int(re.search(r"\((0x[0-9A-Fa-f]+)\)", b["Attributes"]).group(1), 16)
        sects.append({
            "name": b["Segment"].split()[0] + "," + b["Name"].split()[0],
            "vaddr": num(b["Address"]), "size": num(b["Size"]), "offset": num(b["Offset"]),
            "align": 1 << num(b["Alignment"]), "flags": (attrs << 8) | typ,
        })
    ftype = re.search(r"FileType: .*\((0x[0-9A-Fa-f]+)\)", r.stdout)
    return segs, sects, int(ftype.group(1), 16) if ftype else None


def compare_layout(ck, where, img, path):
    segs, sects, ftype = readobj(path)
    ours_segs = img["segments"]
    if not ck.eq(where, "segment count", len(ours_segs), len(segs)):
        return
    warned_clip = any("clipped" in w["message"] for w in img["warnings"])
    for o, t in zip(ours_segs, segs):
        w = f"{where} segment {t['name']}"
        for k in ("name", "vaddr", "vm_size", "offset", "perms", "maxprot"):
            ck.eq(w, k, o[k], t[k])
        if not (warned_clip and o["file_size"] < t["file_size"]):
            ck.eq(w, "file_size", o["file_size"], t["file_size"])
        ck.checked["segments"] += 1
    ours = img["sections"]
    if not ck.eq(where, "section count", len(ours), len(sects)):
        return
    dsym = ftype == 0xA
    for o, t in zip(ours, sects):
        w = f"{where} section {t['name']}"
        for k in ("name", "vaddr", "offset", "flags", "align"):
            ck.eq(w, k, o[k], t[k])
        zerofill = (t["flags"] & 0xFF) in ZEROFILL
        debug = bool(t["flags"] & S_ATTR_DEBUG)
        seg = ours_segs[o["segment"]] if o["segment"] is not None else None
        if zerofill:
            ck.eq(w, "file_size (zerofill)", o["file_size"], 0)
        elif not (dsym or (seg and seg["file_size"] == 0 and ftype != 1)) and \
                not (warned_clip and o["file_size"] < t["size"]):
            ck.eq(w, "file_size", o["file_size"], t["size"])
        if o["alloc"]:
            ck.eq(w, "vm_size", o["vm_size"], t["size"])
        else:
            ck.eq(w, "vm_size (not allocated)", o["vm_size"], 0)
            if not (debug or dsym or (seg and seg["vm_size"] == 0)):
                ck.fail(w, "not allocated, yet neither debug nor in an empty segment")
        ck.checked["sections"] += 1


def compare_entry(ck, where, img, path):
    """The entry point against llvm-objdump's load commands: LC_MAIN's entryoff from the
    segment mapping the header, or the pc of LC_UNIXTHREAD (rip, eip, pc, srr0)."""
    r = run([OBJDUMP, "--macho", "--private-headers", path])
    if r.returncode != 0:
        return
    m = re.search(r"entryoff (\d+)", r.stdout)
    if m:
        base = next((g["vaddr"] for g in img["segments"]
                     if g["offset"] == 0 and g["file_size"] > 0), None)
        theirs = None if base is None else base + int(m.group(1))
    else:
        m = re.search(r"\b(?:rip|eip|pc|srr0)\s+(0x[0-9a-fA-F]+)", r.stdout)
        theirs = int(m.group(1), 16) if m else None
    ck.eq(where, "entry", img["entry"], theirs)


def check_map(ck, where, img):
    cur = 0
    for e in img["file_map"]:
        if e["offset"] != cur:
            ck.fail(where, f"file map gap/overlap at {cur:#x} (next entry at {e['offset']:#x})")
            return
        cur += e["size"]
    ck.eq(where, "file map total", cur, img["file_size"])


# ---- symbols and relocations through macho_dump ---------------------------------------------

def dump(dump_bin, path):
    r = run([dump_bin, path])
    images, cur = [], None
    for line in r.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "image":
            cur = {"member": rest, "syms": [], "relocs": [], "sects": [], "segs": [], "props": {},
                   "warn": []}
            images.append(cur)
        elif kind == "sym":
            name, _, fields = rest.rpartition(" value=")
            f = dict(kv.split("=", 1) for kv in ("value=" + fields).split())
            cur["syms"].append((name, f))
        elif kind == "reloc":
            cur["relocs"].append(dict(kv.split("=", 1) for kv in rest.split()))
        elif kind == "sect":
            idx, name, *kv = rest.split()
            cur["sects"].append((name, dict(x.split("=", 1) for x in kv)))
        elif kind == "seg":
            idx, name, *kv = rest.split()
            cur["segs"].append((name, dict(x.split("=", 1) for x in kv)))
        elif kind == "props":
            cur["props"] = dict(kv.split("=", 1) for kv in rest.split())
        elif kind == "warn":
            cur["warn"].append(rest)
    return images


def compare_symbols(ck, where, img, d, path):
    r = run([NM, "-P", path])
    if r.returncode != 0:
        return
    theirs_def, theirs_undef = set(), set()
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, t = parts[0], parts[1]
        if t in ("U", "u"):
            theirs_undef.add(name)
        elif t not in ("C", "c", "I", "i", "-") and len(parts) >= 3:
            theirs_def.add((name, int(parts[2], 16)))
    obj = img["type"] == "relocatable"
    ours_def, ours_undef = set(), set()
    for name, f in d["syms"]:
        if f["type"] in ("common", "other"):
            continue
        if f["defined"] == "1":
            v = int(f["value"], 16)
            sec = int(f["section"])
            if obj and sec >= 0:
                v += img["sections"][sec]["vaddr"]
            ours_def.add((name, v))
        else:
            ours_undef.add(name)
    if ours_def != theirs_def:
        ck.fail(where, f"defined symbols differ: only segscan {sorted(ours_def - theirs_def)[:5]}"
                       f", only nm {sorted(theirs_def - ours_def)[:5]}")
    if ours_undef != theirs_undef:
        ck.fail(where, f"undefined symbols differ: only segscan {sorted(ours_undef - theirs_undef)[:5]}"
                       f", only nm {sorted(theirs_undef - ours_undef)[:5]}")
    ck.checked["symbols"] += len(ours_def) + len(ours_undef)


def linked_fixups(path):
    r = run([OBJDUMP, "--macho", "--rebase", "--bind", "--lazy-bind", "--weak-bind", path])
    if r.returncode != 0:
        return None
    addrs = []
    for line in r.stdout.splitlines():
        m = re.match(r"\S+\s+\S+\s+(0x[0-9A-Fa-f]+)\b", line)
        if m:
            addrs.append(int(m.group(1), 16))
    return sorted(addrs)


def object_fixups(path, sects):
    r = run([READOBJ, "-r", path])
    if r.returncode != 0:
        return None
    out, sect = [], None
    for line in r.stdout.splitlines():
        s = line.strip()
        m = re.match(r"Section (\S+) \{", s)
        if m:
            sect = m.group(1)
            continue
        p = s.split()
        if sect and len(p) >= 5 and p[0].startswith("0x"):
            typ = p[4]
            if any(x in typ for x in ("PAIR", "ADDEND", "SUBTRACTOR")):
                continue
            out.append((sect, int(p[0], 16), 1 << int(p[2])))
    return sorted(out)


def compare_relocs(ck, where, img, d, path, expected):
    if any("not decoded" in w or "stopped" in w for w in d["warn"]):
        ck.fail(where, f"fixup decoding stopped: {d['warn']}")
    if img["type"] == "relocatable":
        theirs = object_fixups(path, img["sections"])
        names = [s["name"].split(",", 1)[1] for s in img["sections"]]
        ours = sorted((names[int(r["section"])], int(r["addr"], 16), int(r["size"]))
                      for r in d["relocs"])
    elif os.path.exists(expected):
        # chained fixups: llvm-objdump 14 cannot list them; the generator wrote the targets
        with open(expected) as f:
            theirs = sorted(int(x, 16) for x in f.read().split())
        ours = sorted(int(r["addr"], 16) for r in d["relocs"])
    else:
        theirs = linked_fixups(path)
        ours = sorted(int(r["addr"], 16) for r in d["relocs"])
    if theirs is None:
        return
    if ours != theirs:
        a, b = set(ours), set(theirs)
        ck.fail(where, f"relocation targets differ ({len(ours)} vs {len(theirs)}): "
                       f"only segscan {sorted(a - b)[:5]}, only oracle {sorted(b - a)[:5]}")
    ck.checked["relocs"] += len(ours)


# ---- LIEF oracle ----------------------------------------------------------------------------

def perms_bits(p):
    """'r-x' -> VM_PROT bits (read 1, write 2, execute 4)."""
    return (1 if p[0] == "r" else 0) | (2 if p[1] == "w" else 0) | (4 if p[2] == "x" else 0)


def compare_lief(ck, where, img, lief_bin, path):
    """LIEF 0.9's C API through tests/lief_dump (JSON lines). Its sections carry no segment
    and a bare name; flags are split into type and attributes >> 8; align is the exponent."""
    try:
        r = run([lief_bin, "macho", path])
    except subprocess.TimeoutExpired:
        ck.refused.append(f"{where}: LIEF gave no answer within the time limit")
        return
    if r.returncode != 0:
        ck.refused.append(f"{where}: LIEF refuses it (exit {r.returncode})")
        return
    rows = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    segs = [x for x in rows if x["kind"] == "segment" and x["binary"] == 0]
    sects = [x for x in rows if x["kind"] == "section" and x["binary"] == 0
             and x["segment"] is None]
    w = f"{where} LIEF"
    if not segs and not sects and img["segments"]:
        # LIEF 0.9 reads big-endian (PowerPC) Mach-O files as empty
        ck.refused.append(f"{where}: LIEF reads no segments or sections ({img['endian']}-endian)")
        return
    if ck.eq(w, "segment count", len(img["segments"]), len(segs)):
        for o, t in zip(img["segments"], segs):
            ws = f"{w} segment {o['name']}"
            ck.eq(ws, "name", o["name"], t["name"])
            ck.eq(ws, "vaddr", o["vaddr"], t["vmaddr"])
            ck.eq(ws, "vm_size", o["vm_size"], t["vmsize"])
            ck.eq(ws, "offset", o["offset"], t["fileoff"])
            ck.eq(ws, "file_size", o["file_size"], t["filesize"])
            ck.eq(ws, "initprot", perms_bits(o["perms"]), t["initprot"])
            ck.eq(ws, "maxprot", perms_bits(o["maxprot"]), t["maxprot"])
    if ck.eq(w, "section count", len(img["sections"]), len(sects)):
        for o, t in zip(img["sections"], sects):
            ws = f"{w} section {o['name']}"
            ck.eq(ws, "name", o["name"].split(",", 1)[1], t["name"])
            ck.eq(ws, "vaddr", o["vaddr"], t["addr"])
            ck.eq(ws, "offset", o["offset"], t["offset"])
            ck.eq(ws, "align", o["align"], 1 << t["align"])
            ck.eq(ws, "flags", o["flags"], (t["flags"] << 8) | t["type"])
            size = o["vm_size"] if o["alloc"] else o["file_size"]
            if size or o["alloc"] or o["kind"] == "debug":
                ck.eq(ws, "size", size, t["size"])
    ck.checked["lief"] += 1


# ---- fixture facts --------------------------------------------------------------------------

def facts(ck, by_name):
    """Things the fixtures were built to contain (see fixtures/macho/build.sh)."""
    def sect(img, name):
        return next((s for s in img["sections"] if s["name"] == name), None)

    def need(cond, where, msg):
        if not cond:
            ck.fail(where, msg)

    for n in ("exe-x86_64", "exe-arm64"):
        img, d, _ = by_name.get(n, (None, None, None))
        if img is None:
            ck.fail(n, "fixture missing")
            continue
        need(img["type"] == "executable" and img["type_detail"] == "MH_EXECUTE", n, "type")
        need(img["entry"] is not None, n, "entry from LC_MAIN")
        for name, kind in (("__TEXT,__text", "code"), ("__TEXT,__cstring", "rodata"),
                           ("__DATA,__bss", "bss"), ("__DATA,__data", "data"),
                           ("__DATA,__thread_bss", "tls-bss"), ("__DATA,__thread_data", "tls-data")):
            s = sect(img, name)
            need(s is not None and s["kind"] == kind, n, f"{name} kind {s and s['kind']} != {kind}")
        bss = sect(img, "__DATA,__bss")
        need(bss and bss["file_size"] == 0 and bss["vm_size"] >= 1 << 20, n, "1 MiB zerofill")
        pz = img["segments"][0]
        need(pz["name"] == "__PAGEZERO" and pz["perms"] == "---" and not pz["loadable"], n,
             "__PAGEZERO listed, no access, not loadable")
        flags = int(d["props"]["flags"], 16)
        need(flags & 0x200000, n, "MH_PIE expected")
        syms = {name: f for name, f in d["syms"]}
        need(syms.get("_table", {}).get("size") == "16", n,
             f"_table size {syms.get('_table', {}).get('size')} != 16 (distance to section end)")
        need(len(d["relocs"]) > 0, n, "rebase/bind targets expected")
        need(any(r["name"].startswith("[LINKEDIT: ") for r in img["file_map"]), n,
             "LINKEDIT parts in the file map")
    img, d, _ = by_name["exe-x86_64-nopie"]
    need(not int(d["props"]["flags"], 16) & 0x200000, "exe-x86_64-nopie", "MH_PIE must be clear")
    img, d, _ = by_name["exe-x86_64-rwx"]
    data = next(g for g in img["segments"] if g["name"] == "__DATA")
    need(data["perms"] == "rwx" and data["maxprot"] == "rwx", "exe-x86_64-rwx", "__DATA rwx")
    need(sect(img, "__DATA,__data")["perms"] == "rwx", "exe-x86_64-rwx", "section perms rwx")
    # lld 14 keeps both copies of a literal from two objects unless --deduplicate-literals
    # (which also aligns literals to 16 bytes, so the section need not shrink).
    for n, copies in (("exe-x86_64", 2), ("exe-x86_64-dedup", 1)):
        s = sect(by_name[n][0], "__TEXT,__cstring")
        with open(by_name[n][2], "rb") as f:
            f.seek(s["offset"])
            body = f.read(s["file_size"])
        need(body.count(b"hello, world\0") == copies, n, f"{copies} copies of the literal")
    img, d, _ = by_name["libfix-x86_64.dylib"]
    need(img["type"] == "shared" and img["entry"] is None, "libfix-x86_64.dylib", "dylib type")
    img, d, _ = by_name["bundle-x86_64.bundle"]
    need(img["type"] == "bundle", "bundle-x86_64.bundle", "bundle type")
    img, d, _ = by_name["prog-x86_64.o"]
    need(img["type"] == "relocatable", "prog-x86_64.o", "object type")
    need(sect(img, "__TEXT,__text")["perms"] == "r-x", "prog-x86_64.o", "object code r-x")
    need(sect(img, "__TEXT,__cstring")["perms"] == "r--", "prog-x86_64.o", "object cstring r--")
    need(sect(img, "__DATA,__data")["perms"] == "rw-", "prog-x86_64.o", "object data rw-")
    need(not img["segments"][0]["loadable"], "prog-x86_64.o", "object segment not loadable")
    need(any(r["name"] == "[Relocations]" for r in img["file_map"]), "prog-x86_64.o",
         "[Relocations] region")
    img, d, _ = by_name["prog-i386.o"]
    need(img["class"] == 32 and img["machine"] == "i386", "prog-i386.o", "32-bit i386")
    img, d, _ = by_name["lib-armv7.o"]
    need(img["class"] == 32 and img["machine"] == "ARM", "lib-armv7.o", "32-bit ARM")
    for n in ("chained-arm64", "chained-arm64e"):
        img, d, _ = by_name[n]
        need(sect(img, "__DATA_CONST,__const")["kind"] == "relro", n, "SG_READ_ONLY -> relro")
        need(len(d["relocs"]) == 5, n, "5 chained fixups")
    need(by_name["chained-arm64e"][0]["type_detail"] == "MH_EXECUTE (arm64e)", "chained-arm64e",
         "arm64e named in type_detail")
    img, d, _ = by_name["lib-ppc-be.o"]
    need(img["endian"] == "big" and img["machine"] == "PowerPC" and len(d["relocs"]) == 4,
         "lib-ppc-be.o", "big-endian PowerPC object with 4 writing relocations")
    fat = [k for k in by_name if k.startswith("fat-exe:")]
    need(sorted(fat) == ["fat-exe:arm64", "fat-exe:x86_64"], "fat-exe", f"slices {fat}")
    lib = [k for k in by_name if k.startswith("fat-lib.a:")]
    need(len(lib) == 2 and all("/" in k for k in lib), "fat-lib.a",
         f"universal static library members {lib}")


# ---- driver ---------------------------------------------------------------------------------

def is_macho_candidate(path):
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf",
                    b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")


def inputs(args):
    for p in args:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                full = os.path.join(p, name)
                if os.path.isfile(full) and is_macho_candidate(full):
                    yield full
        elif os.path.exists(p):
            yield p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--lief")
    ap.add_argument("--facts", action="store_true")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    files = list(inputs(a.paths))
    if not files:
        print("macho_crosscheck: no Mach-O inputs found in " + " ".join(a.paths))
        return 1
    ck = Checker()
    by_name = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            r = run([a.segscan, "--format", "json", path])
            if r.returncode != 0:
                ck.fail(path, f"segscan exit {r.returncode}: {r.stderr.strip()}")
                continue
            doc = json.loads(r.stdout)
            data = open(path, "rb").read()
            dumped = {d["member"]: d for d in dump(a.dump, path)}
            for img in doc["images"]:
                if img["format"] != "macho":
                    continue
                ck.images += 1
                member = img["member"]
                where = path + (f" [{member}]" if member else "")
                key = os.path.basename(path) + (f":{member}" if member else "")
                piece = data[img["base_offset"]:img["base_offset"] + img["file_size"]]
                one = os.path.join(tmp, "image")
                with open(one, "wb") as f:
                    f.write(piece)
                check_map(ck, where, img)
                compare_entry(ck, where, img, one)
                try:
                    compare_layout(ck, where, img, one)
                except OracleRefused as e:
                    ck.refused.append(f"{where}: llvm-readobj refuses it: {e}")
                except (KeyError, AttributeError) as e:
                    ck.fail(where, f"llvm-readobj output not understood: {e!r}")
                d = dumped.get(member or "-")
                if d is None:
                    ck.fail(where, "macho_dump did not report this image")
                    continue
                compare_symbols(ck, where, img, d, one)
                compare_relocs(ck, where, img, d, one, path + ".fixups")
                if a.lief:
                    compare_lief(ck, where, img, a.lief, one)
                by_name[key] = (img, d, path)
    if a.facts:
        try:
            facts(ck, by_name)
        except (KeyError, StopIteration, TypeError) as e:
            ck.fail("facts", f"fixture missing or malformed: {e!r}")
    for f in ck.refused:
        print("NOTE " + f)
    for f in ck.failures[:60]:
        print("FAIL " + f)
    print(f"macho_crosscheck: {len(files)} files, {ck.images} images; checked "
          + ", ".join(f"{v} {k}" for k, v in ck.checked.items())
          + f"; {len(ck.failures)} disagreements")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
