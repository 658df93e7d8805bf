#!/usr/bin/env python3
"""debuginfo_hostile.py SEGSCAN OUTDIR - hostile DWARF (issue 22, item 6), made with yaml2obj-14.

Each file is a valid ELF executable with a .text of 256 bytes and debug sections that lie:
- lying-length: a good unit, then a unit whose length runs far past .debug_info: the first unit
  is attributed, one warning names where .debug_info became unreadable;
- shared-ranges: 2,000 units all pointing at one 500-entry range list (a million ranges from
  48 KB of DWARF): segscan keeps at most what the sections' sizes allow, warns once, and
  finishes (a hang detector of 60 s, not a timing assertion);
- self-specification: a unit DIE whose DW_AT_specification and DW_AT_abstract_origin point at
  itself and that has no name: named "[unit at 0xb]", its low/high pc attributed;
- absurd-range: a range [1, 2^64-1) covers the whole .text once, no overflow.
In every case the exit code is 0 (the binary itself is fine), the TOTAL file column is the file
size, the .text bytes are split exactly between units and "[no debug info: .text]", and the
text output has at most one warning line."""
import json
import os
import re
import struct
import subprocess
import sys

SEGSCAN, OUT = sys.argv[1:3]
os.makedirs(OUT, exist_ok=True)
fails = []
TEXT = 0x401000


def check(cond, msg):
    if not cond:
        fails.append(msg)


def uleb(v):
    b = bytearray()
    while True:
        x = v & 0x7f
        v >>= 7
        b.append(x | (0x80 if v else 0))
        if not v:
            return bytes(b)


def abbrev(attrs):
    """One abbreviation (code 1): DW_TAG_compile_unit, no children, attrs [(at, form)]."""
    b = uleb(1) + uleb(0x11) + b"\0"
    for at, form in attrs:
        b += uleb(at) + uleb(form)
    return b + b"\0\0" + b"\0"


def unit(body, length=None):
    hdr = struct.pack("<HIB", 4, 0, 8)  # DWARF 4, abbrev offset 0, address size 8
    n = len(hdr) + len(body) if length is None else length
    return struct.pack("<I", n) + hdr + body


def elf_yaml(sections):
    y = ["--- !ELF", "FileHeader:", "  Class: ELFCLASS64", "  Data: ELFDATA2LSB",
         "  Type: ET_EXEC", "  Machine: EM_X86_64", "Sections:",
         "  - Name: .text", "    Type: SHT_PROGBITS", "    Flags: [ SHF_ALLOC, SHF_EXECINSTR ]",
         "    Address: 0x%x" % TEXT, "    Content: \"%s\"" % ("90" * 256)]
    for name, data in sections:
        y += ["  - Name: %s" % name, "    Type: SHT_PROGBITS", "    Content: \"%s\"" % data.hex()]
    return "\n".join(y) + "\n"


RANGES = abbrev([(0x03, 0x08), (0x55, 0x17)])  # name: string, ranges: sec_offset
PC = abbrev([(0x03, 0x08), (0x11, 0x01), (0x12, 0x06)])  # name, low_pc addr, high_pc data4


def pc_unit(name, lo, n):
    return unit(uleb(1) + name + b"\0" + struct.pack("<QI", lo, n))


cases = {}
good = pc_unit(b"good.c", TEXT, 0x40)
cases["lying-length"] = ([(".debug_abbrev", PC), (".debug_info", good + unit(b"\1", 0x7ffffff0))],
                         {"good.c": 0x40}, True)
rl = b"".join(struct.pack("<QQ", TEXT + i % 256, TEXT + i % 256 + 1) for i in range(500))
rl += struct.pack("<QQ", 0, 0)
info = b"".join(unit(uleb(1) + b"u%d.c\0" % i + struct.pack("<I", 0)) for i in range(2000))
cases["shared-ranges"] = ([(".debug_abbrev", RANGES), (".debug_info", info),
                           (".debug_ranges", rl)], None, True)
SELF = abbrev([(0x47, 0x13), (0x31, 0x13), (0x11, 0x01), (0x12, 0x06)])
self_die = uleb(1) + struct.pack("<IIQI", 0xb, 0xb, TEXT + 0x10, 0x20)
cases["self-specification"] = ([(".debug_abbrev", SELF), (".debug_info", unit(self_die))],
                               {"[unit at 0xb]": 0x20}, False)
cases["absurd-range"] = ([(".debug_abbrev", RANGES),
                          (".debug_info", unit(uleb(1) + b"all.c\0" + struct.pack("<I", 0))),
                          (".debug_ranges", struct.pack("<QQQQ", 1, 2**64 - 1, 0, 0))],
                         {"all.c": 256}, False)

for name, (sections, want, warns) in cases.items():
    yml = os.path.join(OUT, name + ".yaml")
    path = os.path.join(OUT, name)
    with open(yml, "w") as f:
        f.write(elf_yaml(sections))
    subprocess.run(["yaml2obj-14", yml, "-o", path], check=True)
    try:
        p = subprocess.run([SEGSCAN, "-q", "-f", "json", "-d", "compileunits", path],
                           capture_output=True, text=True, timeout=60)
        t = subprocess.run([SEGSCAN, "-q", "-d", "compileunits", path], capture_output=True,
                           text=True, timeout=60)
    except subprocess.TimeoutExpired:
        fails.append("%s: segscan did not finish in 60 s" % name)
        continue
    check(p.returncode == 0 and t.returncode == 0, "%s: exit %d/%d %s" % (
        name, p.returncode, t.returncode, p.stderr))
    if p.returncode != 0:
        continue
    img = json.loads(p.stdout)["images"][0]
    rows = {r["name"]: r for r in img["compileunits"]}
    check(sum(r["file_size"] for r in rows.values()) == os.path.getsize(path),
          "%s: rows do not add up to the file size" % name)
    text_rows = {k: v["vm_size"] for k, v in rows.items()
                 if not k.startswith("[") or k.startswith("[unit")}
    text_nodebug = rows.get("[no debug info: .text]", {}).get("vm_size", 0)
    check(sum(text_rows.values()) + text_nodebug == 256,
          "%s: .text split %s + %d" % (name, text_rows, text_nodebug))
    if want is not None:
        check(text_rows == want, "%s: units %s, want %s" % (name, text_rows, want))
    else:
        dbg = sum(len(d) for _, d in sections)
        check(img["debuginfo"]["units"] <= dbg, "%s: %d units from %d bytes" % (
            name, img["debuginfo"]["units"], dbg))
    lines = [l for l in t.stdout.splitlines() if l.strip().startswith(("warning:", "note:"))]
    check(len(lines) == (1 if warns else 0), "%s: warning lines %s" % (name, lines))
    if warns:
        check(img["debuginfo"]["warning"] and lines and
              img["debuginfo"]["warning"] in lines[0], "%s: warning %r" % (
                  name, img["debuginfo"]["warning"]))
    print("%s: %s; %s" % (name, text_rows if len(text_rows) < 5 else "%d units" % len(text_rows),
                          lines))

for f in fails:
    print("FAIL:", f)
print("%d failures" % len(fails))
sys.exit(1 if fails else 0)
