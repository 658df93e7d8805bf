#!/usr/bin/env python3
"""The byte-pattern scan for address loads (formats/addrscan.c) against llvm-objdump-14.

usage: addrscan_check.py ADDRSCAN_DUMP INPUT...   (INPUT: a linked ELF, x86-64 or AArch64)

segscan finds where code takes the address of read-only data without disassembling: x86-64
`lea reg, [rip + disp32]` by its bytes, AArch64 `adrp` + `add #imm12` by their encodings. The
oracle is llvm-objdump-14's disassembly of the same file: every `lea ...(%rip)` with the target it
prints, and every adrp followed (within 8 instructions, before another adrp to the register) by
an `add` of that register, its target the adrp's page plus the immediate. Both sides keep only
targets inside the sections that can hold literals (analysis_oracle.literal_sections).
Measured: precision (pairs the scan finds that the disassembly has) and recall (pairs of the
disassembly the scan finds), each asserted >= 99% on every input, and at least 100 pairs per input so the rate means something.
Not found by design: non-PIE x86-64 code loads addresses as 32-bit immediates (mov $imm32), which
no pattern tells from other constants (python3.11 of Debian 12: no lea into .rodata at all)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analysis_oracle import literal_sections  # noqa: E402

DUMP = sys.argv[1]
INPUTS = sys.argv[2:]
failures = 0


def check(ok, msg):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", msg)


def literal_ranges(path):
    return [(x["addr"], x["addr"] + x["size"]) for x in literal_sections(path)]


def oracle(path, rs):
    inside = lambda t: any(lo <= t < hi for lo, hi in rs)  # noqa: E731
    dis = subprocess.run(["llvm-objdump-14", "-d", "--no-show-raw-insn", path],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    pairs = set()
    insns = []  # AArch64: (address, mnemonic, operands)
    for line in dis.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if not m:
            continue
        at, mn, ops = int(m.group(1), 16), m.group(2), m.group(3)
        if mn.startswith("lea") and "(%rip)" in ops:
            t = re.search(r"# 0x([0-9a-f]+)", ops)
            if t and inside(int(t.group(1), 16)):
                pairs.add((at, int(t.group(1), 16)))
        insns.append((at, mn, ops))
    for i, (at, mn, ops) in enumerate(insns):
        if mn != "adrp":
            continue
        m = re.match(r"(x\d+),\s*0x([0-9a-f]+)", ops)
        if not m:
            continue
        reg, page = m.group(1), int(m.group(2), 16)
        for j in range(i + 1, min(i + 9, len(insns))):
            at2, mn2, ops2 = insns[j]
            if at2 != at + 4 * (j - i):
                break  # a gap: another function or data
            if mn2 == "adrp" and ops2.startswith(reg + ","):
                break
            a = re.match(r"x\d+,\s*(x\d+),\s*#(0x[0-9a-f]+|\d+)$", ops2)
            if mn2 == "add" and a and a.group(1) == reg:
                t = page + int(a.group(2), 0)
                if inside(t):
                    pairs.add((at, t))
                break
    return pairs


def main():
    check(len(INPUTS) > 0, "no inputs")
    for path in INPUTS:
        rs = literal_ranges(path)
        out = subprocess.run([DUMP, path], stdout=subprocess.PIPE, text=True, check=True).stdout
        got = {tuple(int(x, 16) for x in line.split()) for line in out.splitlines() if line}
        # read by pread 256 KiB at a time (a mapped file), scanned in place, and read 4092 bytes
        # at a time (thousands of chunk ends for patterns to cross): the same list each way
        for how in (["--mapped"], ["--chunk", "4092"]):
            other = subprocess.run([DUMP] + how + [path], stdout=subprocess.PIPE, text=True,
                                   check=True).stdout
            check(other == out, "%s: the scan %s (%d lines) differs from the 256 KiB one (%d)"
                  % (path, " ".join(how), other.count("\n"), out.count("\n")))
        want = oracle(path, rs)
        both = len(got & want)
        prec = both / len(got) if got else 0.0
        rec = both / len(want) if want else 0.0
        print("%-40s scan %6d  llvm-objdump %6d  agree %6d  precision %.4f recall %.4f" % (
            path[-40:], len(got), len(want), both, prec, rec))
        for at, t in sorted(got - want)[:5]:
            print("   only the scan: 0x%x -> 0x%x" % (at, t))
        for at, t in sorted(want - got)[:5]:
            print("   only llvm-objdump: 0x%x -> 0x%x" % (at, t))
        check(len(want) >= 100, "%s: only %d address loads to check" % (path, len(want)))
        check(prec >= 0.99 and rec >= 0.99, "%s: precision %.4f recall %.4f below 0.99" % (
            path, prec, rec))
    print("ok" if failures == 0 else "%d failed" % failures)
    sys.exit(1 if failures else 0)


main()
