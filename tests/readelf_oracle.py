"""readelf_oracle.py - compare segscan's view of an ELF image with GNU readelf's.

    from readelf_oracle import compare
    mismatches = compare(path, image)         # image: one entry of the JSON report's "images"

compare() runs `readelf -S -W` and `readelf -l -W` on the file (for an archive member, on the
archive, and picks the member's block) and returns a list of human-readable mismatch strings;
an empty list means segscan and readelf agree on every section header (index, name, address,
offset, size, permissions) and every program header (type, offset, address, file and memory
size, permissions), and on how many of each there are.

readelf is an independent oracle: it is not built on libelf (segscan's reader is), so the two
do not share parsing bugs. The parser below relies only on what `-W` guarantees: one line per
entry, numbers in fixed formats at the end of the line. Names and types are variable-width
(names longer than the column push the rest of the line right; some types contain spaces, e.g.
"SYMTAB SECTION INDICES"), so section lines are parsed from the right.

Also usable from the command line: `readelf_oracle.py [--segscan BIN] FILE...` prints the
mismatches for each file and exits 1 if there are any.
"""
import functools
import json
import re
import subprocess
import sys

# readelf -S -W section line, parsed from the right:
#   [Nr] Name Type Address Off Size ES Flg Lk Inf Al
# Flg may be empty (then there are only blanks between ES and Lk).
_SECTION_RE = re.compile(
    r"^\s*\[\s*(?P<idx>\d+)\]\s(?P<name_type>.*?)\s+"
    r"(?P<addr>[0-9a-f]+)\s+(?P<off>[0-9a-f]+)\s+(?P<size>[0-9a-f]+)\s+(?P<es>[0-9a-f]+)\s+"
    r"(?P<flags>[A-Za-z]*)\s+(?P<lk>\d+)\s+(?P<inf>\d+)\s+(?P<al>\d+)\s*$")

# readelf -l -W program header line:
#   Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align
# Flg is three characters "RWE" with blanks for absent bits ("R E", "RW ", "  E", "   ").
_SEGMENT_RE = re.compile(
    r"^\s+(?P<type>\S.*?)\s+0x(?P<off>[0-9a-f]+)\s+0x(?P<vaddr>[0-9a-f]+)\s+0x(?P<paddr>[0-9a-f]+)"
    r"\s+0x(?P<filesz>[0-9a-f]+)\s+0x(?P<memsz>[0-9a-f]+)\s(?P<flags>[R ][W ][E ])\s*"
    r"(?:0x(?P<align>[0-9a-f]+)|(?P<align_dec>\d+))\s*$")

# Program header types readelf names, with their values (elf.h), so that a name readelf prints
# can be compared with segscan's raw_type rather than with segscan's own spelling.
PT_BY_NAME = {
    "NULL": 0, "LOAD": 1, "DYNAMIC": 2, "INTERP": 3, "NOTE": 4, "SHLIB": 5, "PHDR": 6, "TLS": 7,
    "GNU_EH_FRAME": 0x6474E550, "GNU_STACK": 0x6474E551, "GNU_RELRO": 0x6474E552,
    "GNU_PROPERTY": 0x6474E553, "GNU_SFRAME": 0x6474E554, "GNU_MBIND_LO": 0x6474E555,
    "OPENBSD_RANDOMIZE": 0x65A3DBE6, "OPENBSD_WXNEEDED": 0x65A3DBE7,
    "OPENBSD_BOOTDATA": 0x65A41BE6, "SUNW_UNWIND": 0x6464E550, "PAX_FLAGS": 0x65041580,
}
SHT_NOBITS = 8
# Names readelf prints when it cannot read a section's name: compare nothing for those.
_UNKNOWN_NAMES = ("<no-strings>", "<corrupt>", "<no-name>")


def _readelf(args, path):
    p = subprocess.run(["readelf"] + args + [path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.stdout.decode("utf-8", "surrogateescape")


@functools.lru_cache(maxsize=8)
def _blocks(text):
    """readelf's output for an archive split once into {"path(member)": block}."""
    out = {}
    for b in re.split(r"^File: ", text, flags=re.M):
        out.setdefault(b.split("\n", 1)[0].strip(), b)
    return out


def _member_block(text, path, member):
    """The part of readelf's output for one archive member ("File: path(member)" blocks)."""
    if member is None:
        return text
    return _blocks(text).get("%s(%s)" % (path, member), "")


def parse_sections(text):
    """readelf -S -W output -> list of dicts (idx, name_type, addr, off, size, flags), and the
    count readelf announces (None if it printed none, 0 for "There are no sections")."""
    announced = None
    m = re.search(r"There (?:are|is) (\d+) section headers?", text)
    if m:
        announced = int(m.group(1))
    elif re.search(r"There are no sections", text):
        announced = 0
    rows = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("Section Headers:"):
            in_table = True
            continue
        if not in_table:
            continue
        if line.startswith("Key to Flags"):
            break
        m = _SECTION_RE.match(line)
        if m:
            rows.append({
                "idx": int(m.group("idx")),
                "name_type": m.group("name_type"),
                "addr": int(m.group("addr"), 16),
                "off": int(m.group("off"), 16),
                "size": int(m.group("size"), 16),
                "flags": m.group("flags"),
            })
    return announced, rows


def parse_segments(text):
    """readelf -l -W output -> (announced count, list of dicts)."""
    announced = None
    m = re.search(r"There (?:are|is) (\d+) program headers?", text)
    if m:
        announced = int(m.group(1))
    elif re.search(r"There are no program headers", text):
        announced = 0
    rows = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("Program Headers:"):
            in_table = True
            continue
        if not in_table:
            continue
        if "Section to Segment mapping" in line or line.strip() == "":
            if rows:
                break
            continue
        m = _SEGMENT_RE.match(line)
        if m:
            rows.append({
                "type": m.group("type").strip(),
                "off": int(m.group("off"), 16),
                "vaddr": int(m.group("vaddr"), 16),
                "filesz": int(m.group("filesz"), 16),
                "memsz": int(m.group("memsz"), 16),
                "flags": m.group("flags"),
            })
    return announced, rows


def _section_perms(flags):
    """Flags to perms, bit for bit: r = SHF_ALLOC (a section in memory is readable), w =
    SHF_WRITE, x = SHF_EXECINSTR, also on sections that are not allocated (GRUB's kernel.img
    has a non-allocated .note.GNU-stack with X: "--x")."""
    return ("r" if "A" in flags else "-") + ("w" if "W" in flags else "-") + \
        ("x" if "X" in flags else "-")


def _segment_perms(flags):
    return ("r" if flags[0] == "R" else "-") + ("w" if flags[1] == "W" else "-") + \
        ("x" if flags[2] == "E" else "-")


def _pt_value(name):
    if name in PT_BY_NAME:
        return PT_BY_NAME[name]
    m = re.match(r"^(LOOS|LOPROC)\+0?x?([0-9a-f]+)$", name)
    if m:
        return (0x60000000 if m.group(1) == "LOOS" else 0x70000000) + int(m.group(2), 16)
    m = re.match(r"^(?:0x)?([0-9a-f]+)$", name)
    if m:
        return int(m.group(1), 16)
    # "<unknown>: 12345" is cut to readelf's 14-character column: its number cannot be trusted.
    return None  # a name of some processor's own: compare offsets and sizes only


def compare_sections(text, image):
    out = []
    announced, rows = parse_sections(text)
    secs = image.get("sections", [])
    if announced is None and not rows:
        if secs:
            out.append("readelf printed no section table, segscan has %d sections" % len(secs))
        return out
    if announced is not None and announced != len(secs) and not (announced == 0 and not secs):
        out.append("section count: readelf %d, segscan %d" % (announced, len(secs)))
    if len(rows) != len(secs):
        out.append("section rows: readelf %d, segscan %d" % (len(rows), len(secs)))
    for r in rows:
        i = r["idx"]
        if i >= len(secs):
            out.append("section [%d]: readelf has it, segscan does not" % i)
            continue
        s = secs[i]
        where = "section [%d] %s" % (i, s["name"])
        nt = r["name_type"]
        name = s["name"]
        if nt.startswith(_UNKNOWN_NAMES):
            rtype = nt.split(None, 1)[1] if len(nt.split(None, 1)) > 1 else ""
        elif name == "":
            rtype = nt.strip()
        elif nt == name or nt.startswith(name + " "):
            rtype = nt[len(name):].strip()
        else:
            out.append("%s: name differs, readelf line starts %r" % (where, nt))
            rtype = nt.split()[-1] if nt.split() else ""
        nobits = rtype == "NOBITS"
        if r["addr"] != s["vaddr"]:
            out.append("%s: address readelf 0x%x, segscan 0x%x" % (where, r["addr"], s["vaddr"]))
        if r["off"] != s["offset"]:
            out.append("%s: offset readelf 0x%x, segscan 0x%x" % (where, r["off"], s["offset"]))
        null = rtype == "NULL"
        want_file = 0 if (nobits or null) else r["size"]
        if want_file != s["file_size"]:
            out.append("%s: file size readelf 0x%x (%s), segscan 0x%x" %
                       (where, r["size"], rtype or "?", s["file_size"]))
        alloc = "A" in r["flags"]
        want_vm = r["size"] if alloc else 0
        if want_vm != s["vm_size"]:
            out.append("%s: vm size readelf 0x%x (alloc %s), segscan 0x%x" %
                       (where, r["size"], alloc, s["vm_size"]))
        if alloc != s["alloc"]:
            out.append("%s: alloc readelf %s, segscan %s" % (where, alloc, s["alloc"]))
        perms = _section_perms(r["flags"])
        if perms != s["perms"]:
            out.append("%s: perms readelf %s (flags %r), segscan %s" %
                       (where, perms, r["flags"], s["perms"]))
    return out


def compare_segments(text, image):
    out = []
    announced, rows = parse_segments(text)
    segs = image.get("segments", [])
    if announced is not None and announced != len(segs):
        out.append("program header count: readelf %d, segscan %d" % (announced, len(segs)))
    if len(rows) != len(segs):
        out.append("program header rows: readelf %d, segscan %d" % (len(rows), len(segs)))
    for i, (r, g) in enumerate(zip(rows, segs)):
        where = "segment %d %s" % (i, g["name"])
        pt = _pt_value(r["type"])
        if pt is not None and "raw_type" in g and pt != g["raw_type"]:
            out.append("%s: type readelf %s (0x%x), segscan raw_type 0x%x" %
                       (where, r["type"], pt, g["raw_type"]))
        if r["type"] in PT_BY_NAME and r["type"] != g["name"]:
            out.append("%s: name readelf %s" % (where, r["type"]))
        for key, mine in (("off", "offset"), ("vaddr", "vaddr"), ("filesz", "file_size"),
                          ("memsz", "vm_size")):
            if r[key] != g[mine]:
                out.append("%s: %s readelf 0x%x, segscan 0x%x" % (where, mine, r[key], g[mine]))
        perms = _segment_perms(r["flags"])
        if perms != g["perms"]:
            out.append("%s: perms readelf %s, segscan %s" % (where, perms, g["perms"]))
    return out


def compare(path, image):
    """Mismatches between readelf and segscan's JSON image of path; [] when they agree.

    path is the file on disk (for an archive member: the archive); image["member"] selects the
    member. Section and program header tables are compared entry by entry."""
    member = image.get("member")
    stext = _member_block(_readelf(["-S", "-W"], path), path, member)
    ltext = _member_block(_readelf(["-l", "-W"], path), path, member)
    out = ["sections: " + m for m in compare_sections(stext, image)]
    if image.get("type") != "relocatable" or image.get("segments"):
        out += ["segments: " + m for m in compare_segments(ltext, image)]
    return out


def check_file_map(image):
    """The file map must be contiguous from offset 0 and sum to file_size."""
    out = []
    at = 0
    total = 0
    for e in image["file_map"]:
        if e["offset"] != at:
            out.append("file_map: entry %s at 0x%x, expected 0x%x" % (e["name"], e["offset"], at))
        if e["size"] == 0:
            out.append("file_map: empty entry %s at 0x%x" % (e["name"], e["offset"]))
        at = e["offset"] + e["size"]
        total += e["size"]
    if total != image["file_size"]:
        out.append("file_map: sizes sum to %d, file_size is %d" % (total, image["file_size"]))
    return out


def main(argv):
    seg = "segscan"
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--segscan":
        seg = args[1]
        args = args[2:]
    bad = 0
    for path in args:
        p = subprocess.run([seg, "--format", "json", path], stdout=subprocess.PIPE)
        doc = json.loads(p.stdout)
        for im in doc["images"]:
            for m in compare(path, im) + check_file_map(im):
                bad += 1
                print("%s%s: %s" % (path, "(%s)" % im["member"] if im.get("member") else "", m))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
