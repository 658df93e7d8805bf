#!/usr/bin/python3
"""quadratic.py - tables whose size the file controls must cost linear or n log n work
(issue 16, class 7).

    quadratic.py --segscan BIN CASE

Each case builds an input with a count N and one with 2N (generators, no committed files), runs
segscan on each beside a good file, checks exit code 0, JSON that parses, the good file reported
as when alone, and that the 2N run takes at most RATIO times the N run (best of three each, side
by side in this process: a ratio, never an absolute time). A quadratic path makes the ratio 4."""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

from elfgen import elf_object  # tests/elfgen.py

RATIO = 2.8
# Cases run as text: the section table of text-regions merges region rows by name; the output
# of elf-sections-segments is kept to a few rows (-n 3) so that writing 2N rows of JSON does not
# hide the lookups' cost.
TEXT_CASES = {"text-regions": [], "elf-sections-segments": ["-n", "3"]}
HANG = 300  # seconds: a hang guard only
ARGS = None
FAILS = []


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        FAILS.append(msg)
    return cond


def run(paths):
    t0 = time.monotonic()
    if paths[0] == "diff":  # diff BASE NEW: no second input; one job
        argv = ["diff", "-j1", "-f", "json", "--compact"] + paths[1:]
    elif ARGS.case in TEXT_CASES:  # text output (see TEXT_CASES)
        argv = ["-q", "-j1", "-f", "text"] + TEXT_CASES[ARGS.case] + paths
    else:
        argv = ["-q", "-j1", "-f", "json", "--compact"] + paths
    p = subprocess.run([ARGS.segscan] + argv,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
    secs = time.monotonic() - t0
    try:
        doc = json.loads(p.stdout) if ARGS.case not in TEXT_CASES else p.stdout.decode()
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr.decode(errors="replace"), secs


def good_file(work):
    """A small well-formed ELF object (the input that must still be reported in full)."""
    path = os.path.join(work, "good.o")
    src = os.path.join(work, "good.c")
    with open(src, "w") as f:
        f.write("const char msg[] = \"hello\"; int counter = 3; int zero[64];\n")
    subprocess.run(["cc", "-c", "-o", path, src], check=True)
    return path


def coff_same_address(path, n):
    """A COFF x86-64 object: one .data section and n external symbols all at its offset 0."""
    data = bytes(4096)
    symoff = 20 + 40 + len(data)
    head = struct.pack("<HHIIIHH", 0x8664, 1, 0, symoff, n, 0, 0)
    sec = struct.pack("<8sIIIIIIHHI", b".data", 0, 0, len(data), 60, 0, 0, 0, 0, 0xC0000040)
    syms = b"".join(struct.pack("<8sIhHBB", b"s%07d" % i, 0, 1, 0, 2, 0) for i in range(n))
    with open(path, "wb") as f:
        f.write(head + sec + data + syms + struct.pack("<I", 4))


def macho_strtab(path, n, nul_at_end):
    """A 64-bit Mach-O object whose n symbols name successive bytes of a string table of n KiB
    of 'A' (no NUL at all, or one at the very end)."""
    strsize = n * 1024
    symoff = 32 + 24
    stroff = symoff + 16 * n
    head = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 1, 1, 24, 0, 0)
    cmd = struct.pack("<IIIIII", 2, 24, symoff, n, stroff, strsize)
    syms = b"".join(struct.pack("<IBBHQ", 1 + i, 0x03, 0, 0, i) for i in range(n))
    table = b"A" * (strsize - 1) + (b"\0" if nul_at_end else b"A")
    with open(path, "wb") as f:
        f.write(head + cmd + syms + table)


def elf_many_sections(path, n):
    """An ELF relocatable object with n sections of distinct names over one small body."""
    body = bytes(64)
    names = b"\0" + b"".join(b".s%07d\0" % i for i in range(n)) + b".shstrtab\0"
    shstr_off = 64 + len(body)
    shoff = (shstr_off + len(names) + 7) & ~7
    shdrs = [bytes(64)]
    for i in range(n):
        shdrs.append(struct.pack("<IIQQQQIIQQ", 1 + 10 * i, 1, 0, 0, 64, 64, 0, 0, 1, 0))
    shdrs.append(struct.pack("<IIQQQQIIQQ", 1 + 10 * n, 3, 0, 0, shstr_off, len(names), 0, 0, 1, 0))
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64,
                      0 if len(shdrs) >= 0xff00 else len(shdrs), len(shdrs) - 1)
    assert len(shdrs) < 0xff00
    with open(path, "wb") as f:
        f.write(eh + body + names + bytes(shoff - shstr_off - len(names)) + b"".join(shdrs))


def ar_many_members(path, n):
    """An ar archive of n small members (the same tiny ELF object under distinct names)."""
    obj = path + ".member"
    elf_many_sections(obj, 2)
    with open(obj, "rb") as f:
        data = f.read()
    out = [b"!<arch>\n"]
    for i in range(n):
        name = b"m%07d.o/" % i
        out.append(b"%-16s%-12s%-6s%-6s%-8s%-10d`\n" % (name, b"0", b"0", b"0", b"644", len(data)))
        out.append(data + (b"\n" if len(data) % 2 else b""))
    with open(path, "wb") as f:
        f.write(b"".join(out))
    os.unlink(obj)


def elf_sections_segments(path, n):
    """An ELF executable with n PT_LOAD segments (one page each) and n allocated NOBITS sections
    above all of them: each section's segment is looked up among all segments, twice (its range,
    then its start address)."""
    phoff = 64
    names = b"\0" + b"".join(b".b%07d\0" % i for i in range(n)) + b".shstrtab\0"
    shstr_off = phoff + 56 * n
    shoff = (shstr_off + len(names) + 7) & ~7
    phdrs = b"".join(struct.pack("<IIQQQQQQ", 1, 6, 0, 0x10000 + 0x1000 * i, 0x10000 + 0x1000 * i,
                                 0, 0x1000, 0x1000) for i in range(n))
    shdrs = [bytes(64)]
    for i in range(n):
        shdrs.append(struct.pack("<IIQQQQIIQQ", 1 + 10 * i, 8, 3, 0x40000000 + 16 * i, shoff, 16,
                                 0, 0, 1, 0))
    shdrs.append(struct.pack("<IIQQQQIIQQ", 1 + 10 * n, 3, 0, 0, shstr_off, len(names), 0, 0, 1, 0))
    assert len(shdrs) < 0xff00 and n < 0xffff
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x10000, phoff, shoff, 0, 64, 56, n, 64,
                      len(shdrs), len(shdrs) - 1)
    with open(path, "wb") as f:
        f.write(eh + phdrs + names + bytes(shoff - shstr_off - len(names)) + b"".join(shdrs))


def macho_sectionless(path, n, disjoint=False):
    """A 64-bit Mach-O with n section-less segments over one stretch of the file and n
    LC_FUNCTION_STARTS tables inside it, 8 bytes apart with 8-byte gaps: the gaps are labelled
    once, not once per segment. disjoint: segment i covers only table i and the gap after it, so
    the file has n distinct region names ([__S00000] ...) for the text report to merge."""
    cmds_size = n * (72 + 16)
    data = (32 + cmds_size + 4095) & ~4095
    span = 16 * n
    head = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x01000007, 3, 2, 2 * n, cmds_size, 0, 0)
    segs = b"".join(struct.pack("<II16sQQQQiiII", 0x19, 72, b"__S%05d" % i,
                                0x100000000 + 0x100000 * i, 16 if disjoint else span,
                                data + 16 * i if disjoint else data, 16 if disjoint else span,
                                1, 1, 0, 0)
                    for i in range(n))
    tabs = b"".join(struct.pack("<IIII", 0x26, 16, data + 16 * i, 8) for i in range(n))
    with open(path, "wb") as f:
        f.write(head + segs + tabs + bytes(data - 32 - cmds_size) + b"\x01" * span)


def elf_stacked_objects(path, n):
    """An ELF relocatable object whose .data holds n*256 zero bytes and n object symbols, the
    i-th from byte 8*i to the end: the BSS analysis must not test each object's bytes anew."""
    size = 256 * n
    elf_object(path, bytes(size), [(8 * i, size - 8 * i) for i in range(n)], section=b".data",
               flags=3, names=[b"o%07d" % i for i in range(n)])


def elf_comments(path, n):
    """An ELF relocatable object with n .comment sections, all over one blob of n*64 bytes of
    compiler signatures: the linker detection reads each byte once, not once per section."""
    blob = (b"GCC: (Debian 12.2.0-14) 12.2.0\0" * (2 * n + 1))[:64 * n]
    names = b"\0.comment\0.shstrtab\0"
    shstr_off = 64 + len(blob)
    shoff = (shstr_off + len(names) + 7) & ~7
    shdrs = [bytes(64)]
    for i in range(n):
        shdrs.append(struct.pack("<IIQQQQIIQQ", 1, 1, 0x30, 0, 64, len(blob), 0, 0, 1, 1))
    shdrs.append(struct.pack("<IIQQQQIIQQ", 10, 3, 0, 0, shstr_off, len(names), 0, 0, 1, 0))
    assert len(shdrs) < 0xff00
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(shdrs),
                      len(shdrs) - 1)
    with open(path, "wb") as f:
        f.write(eh + blob + names + bytes(shoff - shstr_off - len(names)) + b"".join(shdrs))


def elf_literal_objects(path, n):
    """An ELF relocatable object whose .rodata holds n objects of 32 bytes, each with an object
    symbol: all share their first 24 bytes and differ after, so every one equals no other and
    goes to the literals analysis' anchored match against the same first object."""
    rodata = b"".join(b"shared prefix of 24 byte" + struct.pack("<Q", i * 0x9e3779b97f4a7c15 %
                                                                 (1 << 64) | 1)
                      for i in range(n))
    elf_object(path, rodata, [(32 * i, 32) for i in range(n)])


def elf_code_sections(path, n):
    """An x86-64 ELF shared object whose n executable sections all cover one blob of n*64 bytes
    of `lea rax, [rip+disp32]` loading .rodata's addresses: the address-load scan reads each byte
    of code once, not once per section naming it."""
    text_off, text_va, ro_va = 64, 0x10000 + 64, 0x400000
    blob = bytearray()
    while len(blob) < 64 * n:
        at = text_va + len(blob)
        target = ro_va + (len(blob) // 8 % 256) * 16
        blob += b"\x48\x8d\x05" + struct.pack("<i", target - (at + 7)) + b"\x90"
    blob = bytes(blob[:64 * n])
    rodata = bytes(range(256)) * 16
    names = b"\0.text\0.rodata\0.shstrtab\0"
    ro_off = text_off + len(blob)
    shstr_off = ro_off + len(rodata)
    shoff = (shstr_off + len(names) + 7) & ~7
    shdrs = [bytes(64)]
    for _ in range(n):
        shdrs.append(struct.pack("<IIQQQQIIQQ", 1, 1, 6, text_va, text_off, len(blob), 0, 0, 16, 0))
    shdrs.append(struct.pack("<IIQQQQIIQQ", 7, 1, 2, ro_va, ro_off, len(rodata), 0, 0, 16, 0))
    shdrs.append(struct.pack("<IIQQQQIIQQ", 15, 3, 0, 0, shstr_off, len(names), 0, 0, 1, 0))
    assert len(shdrs) < 0xff00
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(shdrs),
                      len(shdrs) - 1)
    with open(path, "wb") as f:
        f.write(eh + blob + rodata + names + bytes(shoff - shstr_off - len(names)) +
                b"".join(shdrs))


CASES = {
    "coff-same-address": (coff_same_address, 20000),
    "macho-strtab-no-nul": (lambda p, n: macho_strtab(p, n, False), 8000),
    "macho-strtab-long-name": (lambda p, n: macho_strtab(p, n, True), 3000),
    "diff-sections": (elf_many_sections, 15000),
    "diff-members": (ar_many_members, 3000),
    "elf-sections-segments": (elf_sections_segments, 30000),
    "macho-sectionless": (macho_sectionless, 2000),
    "text-regions": (lambda p, n: macho_sectionless(p, n, True), 8000),
    "bss-stacked-objects": (elf_stacked_objects, 6000),
    "comment-sections": (elf_comments, 16000),
    "literals-objects": (elf_literal_objects, 150000),
    "code-sections": (elf_code_sections, 4000),
}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--segscan", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    ARGS = ap.parse_args()
    build, n = CASES[ARGS.case]
    with tempfile.TemporaryDirectory() as work:
        good = good_file(work)
        rc, alone, _, _ = run([good])
        check(rc == 0 and alone is not None, "the good file alone: exit %d" % rc)
        times = []
        for count in (n, 2 * n):
            path = os.path.join(work, "in-%d" % count)
            build(path, count)
            best = None
            for _ in range(3):
                rc, doc, err, secs = run(["diff", path, path] if ARGS.case.startswith("diff")
                                         else [path, good])
                best = secs if best is None else min(best, secs)
            print("count %d (%d bytes): rc %d, best %.3f s; %s" % (
                count, os.path.getsize(path), rc, best, err.strip()[:200]))
            check(rc == 0, "count %d: exit code %d" % (count, rc))
            if ARGS.case.startswith("diff"):
                check(doc is not None, "count %d: output is not JSON" % count)
            elif ARGS.case == "text-regions":
                check(doc and ("[__S%05d]" % (count - 1)) in doc and good in doc,
                      "count %d: the text report lacks the last region or the good file" % count)
            elif ARGS.case in TEXT_CASES:
                check(doc and path in doc and good in doc,
                      "count %d: the text report lacks the input or the good file" % count)
            elif check(doc is not None, "count %d: output is not JSON" % count) and alone:
                mine = [im for im in doc["images"] if im["path"] == path]
                check(len(mine) == 1, "count %d: the input is not reported" % count)
                check([im for im in doc["images"] if im["path"] == good] == alone["images"],
                      "count %d: the good file is not reported as when alone" % count)
            times.append(best)
        ratio = times[1] / max(times[0], 0.05)  # below 50 ms the clock is noise
        print("2N/N time ratio %.2f (at most %.1f)" % (ratio, RATIO))
        check(ratio <= RATIO, "doubling the count multiplied the time by %.2f" % ratio)
    print("%s: %d failure(s)" % (ARGS.case, len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
