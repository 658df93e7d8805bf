#!/usr/bin/env python3
"""refs.hostile-relr: a crafted RELR table cannot make the reference reader allocate without bound.

usage: refs_hostile.py REFS_DUMP OUTDIR

Builds a PIE (gcc) whose .data.rel.ro holds 4,096 pointers into .rodata, so .rela.dyn holds
4,096 R_X86_64_RELATIVE entries (98,304 bytes). The copy turns that section into SHT_RELR and
fills it with pairs of words [address of the table][all 63 bitmap bits set]: each 16 bytes name
the same 64 pointers again, 6,144 times over: 393,216 fixes of 16 bytes (6 MB) from a file of
about 140 KB. The reader must stop at one fix per word of the file (plus 4096),
say so in a warning, keep the image (exit 0), and stay small (peak RSS under 64 MiB)."""
import os
import re
import resource
import struct
import subprocess
import sys

SRC = r'''
#define N 4096
static const char pool[] = "hostile relr fixture: a literal pool of some length";
const char *const table[N] = {
#define P pool, pool + 1, pool + 2, pool + 3, pool + 4, pool + 5, pool + 6, pool + 7
#define P8 P, P, P, P, P, P, P, P
#define P64 P8, P8, P8, P8, P8, P8, P8, P8
P64, P64, P64, P64, P64, P64, P64, P64 };
int main(int c, char **v) { (void)v; return table[c][0]; }
'''


def main():
    dump, out = sys.argv[1:3]
    os.makedirs(out, exist_ok=True)
    src, exe, bad = (os.path.join(out, n) for n in ("relr.c", "relr-good", "relr-hostile"))
    with open(src, "w") as f:
        f.write(SRC)
    subprocess.run(["gcc", "-O1", "-pie", "-fPIE", src, "-o", exe], check=True)
    secs = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True, check=True).stdout
    info = {}
    for line in secs.splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            info[m.group(2)] = (int(m.group(1)), int(m.group(3), 16), int(m.group(4), 16),
                                int(m.group(5), 16))
    idx, _, rela_off, rela_size = info[".rela.dyn"]
    _, table_va, _, table_size = info[".data.rel.ro"]
    if rela_size < 4096 * 24 or table_size < 4096 * 8:
        print("fixture did not get 4,096 relative relocations:", rela_size, table_size)
        return 1
    data = bytearray(open(exe, "rb").read())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, = struct.unpack_from("<H", data, 0x3a)
    sh = shoff + idx * shentsize
    struct.pack_into("<I", data, sh + 4, 19)  # sh_type = SHT_RELR
    struct.pack_into("<Q", data, sh + 56, 8)  # sh_entsize
    pattern = struct.pack("<QQ", table_va, 2**64 - 1)
    data[rela_off:rela_off + rela_size] = (pattern * (rela_size // 16 + 1))[:rela_size]
    with open(bad, "wb") as f:
        f.write(data)
    r = subprocess.run([dump, bad], capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
    refs = r.stdout.count("\n")
    bound = len(data) // 8 + 4096
    warned = "more pointers" in r.stderr
    ok = r.returncode == 0 and warned and refs <= 2 * bound and peak < 64 * 1024
    print(f"{bad}: {len(data)} bytes, {rela_size // 16 * 64} fixes named, exit {r.returncode}, "
          f"{refs} references (bound {2 * bound}), warning {'given' if warned else 'MISSING'}, "
          f"peak RSS {peak} KiB: {'ok' if ok else 'FAIL'}")
    if not ok:
        print(r.stderr[-2000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
