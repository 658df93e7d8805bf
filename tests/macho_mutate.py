#!/usr/bin/env python3
"""Truncated and byte-flipped variants of the Mach-O fixtures must exit 0 or 3 within a time
limit: never a signal (crash, sanitizer abort) and never a hang.

usage: macho_mutate.py SEGSCAN [--dump MACHO_DUMP] DIR...
Truncations: at every load-command boundary, at the end of the header, inside the first
command, and at fixed fractions of the file. Flips: fixed seeds, bytes chosen mostly inside the
header and load commands (where the parser's decisions live), some anywhere.
With --dump, `macho_dump --mutate` also loads tens of thousands of in-memory variants per run
(every header and load-command word set to hostile values, random words in the tables).
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from limits import bounded  # noqa: E402

MAGICS = {b"\xcf\xfa\xed\xfe": ("<", 32), b"\xce\xfa\xed\xfe": ("<", 28),
          b"\xfe\xed\xfa\xcf": (">", 32), b"\xfe\xed\xfa\xce": (">", 28)}
FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
SEEDS = range(8)
FLIPS_PER_SEED = 6
TIMEOUT = 20


def boundaries(b):
    """File offsets where load commands start (thin files) or slices start (universal)."""
    if b[:4] in FAT and len(b) >= 8:
        n = struct.unpack_from(">I", b, 4)[0]
        out = [8]
        for i in range(min(n, 42)):
            o = 8 + i * 20
            if o + 20 <= len(b):
                out += [o, struct.unpack_from(">I", b, o + 8)[0]]
        return [x for x in out if 0 < x < len(b)]
    if b[:4] not in MAGICS:
        return []
    e, hdr = MAGICS[b[:4]]
    ncmds, sizeofcmds = struct.unpack_from(e + "II", b, 16)
    out, off = [hdr, hdr + 4], hdr
    for _ in range(min(ncmds, 4096)):
        if off + 8 > len(b) or off > hdr + sizeofcmds:
            break
        out.append(off)
        size = struct.unpack_from(e + "I", b, off + 4)[0]
        if size < 8:
            break
        out.append(off + 8)
        off += size
    return [x for x in out if 0 < x < len(b)]


def variants(b):
    cuts = set(boundaries(b))
    cuts |= {len(b) * k // 8 for k in range(1, 8)} | {len(b) - 1}
    for c in sorted(cuts):
        yield f"cut{c}", b[:c]
    end = min(len(b), 32 + (struct.unpack_from("<I", b, 20)[0] if b[:4] in MAGICS else 4096))
    for seed in SEEDS:
        rnd = random.Random(seed)
        m = bytearray(b)
        for i in range(FLIPS_PER_SEED):
            pos = rnd.randrange(4, max(5, end)) if i % 3 else rnd.randrange(4, len(b))
            pos = min(pos, len(b) - 1)
            m[pos] = rnd.choice([0x00, 0xff, 0x7f, 0x80, m[pos] ^ (1 << rnd.randrange(8))])
        yield f"flip{seed}", bytes(m)


def files(dirs):
    for d in dirs:
        if not os.path.isdir(d):
            raise SystemExit(f"macho_mutate: {d}: no such corpus directory")
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    head = f.read(4)
                if head in MAGICS or head in FAT:
                    yield p


def main():
    segscan, dirs, dump = sys.argv[1], sys.argv[2:], None
    if dirs[:1] == ["--dump"]:
        dump, dirs = dirs[1], dirs[2:]
    bad, n = [], 0
    if dump:
        paths = list(files(dirs))
        try:
            r = subprocess.run([dump, "--mutate"] + paths, capture_output=True, text=True,
                               timeout=540)
            print(r.stdout.strip())
            if r.returncode != 0:
                bad.append(f"macho_dump --mutate: exit {r.returncode}: {r.stderr[-2000:]}")
        except subprocess.TimeoutExpired:
            bad.append("macho_dump --mutate: no answer within 540s (a hang)")
    with tempfile.TemporaryDirectory() as tmp:
        for path in files(dirs):
            data = open(path, "rb").read()
            for tag, v in variants(data):
                n += 1
                p = os.path.join(tmp, "m")
                with open(p, "wb") as f:
                    f.write(v)
                    if n % 20 == 0:  # past 1 MiB behind a hole: mapped, code read by pread
                        f.seek(len(v) + (1 << 20))
                        f.write(b"\0")
                try:
                    r = subprocess.run([segscan, "--format", "json", p], capture_output=True,
                                       timeout=TIMEOUT, preexec_fn=bounded(segscan))
                    if r.returncode not in (0, 3):
                        bad.append(f"{path} {tag}: exit {r.returncode}: "
                                   f"{r.stderr.decode(errors='replace')[-400:]}")
                        with open(os.path.join(os.getcwd(), f"macho_mutant_{len(bad)}"), "wb") as f:
                            f.write(v)
                except subprocess.TimeoutExpired:
                    bad.append(f"{path} {tag}: no answer within {TIMEOUT}s")
    for b in bad:
        print("FAIL " + b)
    print(f"macho_mutate: {n - len(bad)} passed, {len(bad)} failed")
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
