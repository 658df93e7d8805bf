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

RATIO = 2.8
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
    else:
        argv = ["-q", "-j1", "-f", "json", "--compact"] + paths
    p = subprocess.run([ARGS.segscan] + argv,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
    secs = time.monotonic() - t0
    try:
        doc = json.loads(p.stdout)
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


CASES = {
    "coff-same-address": (coff_same_address, 20000),
    "macho-strtab-no-nul": (lambda p, n: macho_strtab(p, n, False), 8000),
    "macho-strtab-long-name": (lambda p, n: macho_strtab(p, n, True), 3000),
    "diff-sections": (elf_many_sections, 15000),
    "diff-members": (ar_many_members, 3000),
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
