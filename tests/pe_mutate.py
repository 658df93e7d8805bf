#!/usr/bin/env python3
"""pe_mutate.py - damaged variants of the PE/COFF fixtures must each make segscan exit 0 or 3
within a time limit: never a signal (crash, sanitizer abort), never a hang.

Inputs: the fixtures, and the real files of pe_crosscheck.REAL_GLOBS up to 512 KiB.
Variants, all reproducible (fixed seeds):
  * truncations at every boundary of segscan's own file map of the intact file (each header,
    table and section start and end, and one byte either side);
  * targeted header lies: NumberOfSections 0xffff, NumberOfSymbols and PointerToSymbolTable
    huge, NumberOfRvaAndSizes huge, SectionAlignment 0, e_lfanew near 2^32, the first base
    relocation block's SizeOfBlock 0 (the classic endless loop) and 4;
  * random byte flips (1 to 8 bytes, 40 variants per fixture), half of them in the headers.
Issue 7 widens this into a fuzzing corpus; this stays a quick regression guard."""
import argparse
import glob
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pe_crosscheck import EXPECTED_ERRORS, REAL_GLOBS  # noqa: E402
from limits import bounded  # noqa: E402

TIMEOUT = 20  # seconds for one batch of files


def run_batch(segscan, paths):
    """None when every file in the batch exits 0 or 3, else the offending file and reason."""
    try:
        p = subprocess.run([segscan, '--format', 'json', '--compact'] + paths,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT,
                           preexec_fn=bounded(segscan))
    except subprocess.TimeoutExpired:
        p = None
    if p is not None and p.returncode in (0, 3):
        return None
    if len(paths) == 1:
        why = 'timed out' if p is None else f'exit {p.returncode}: ' + \
            p.stderr.decode('utf-8', 'replace')[-400:]
        return f'{paths[0]}: {why}'
    for path in paths:  # narrow it down
        r = run_batch(segscan, [path])
        if r:
            return r
    return f'{paths[0]}...: the batch failed but no single file does'


def put(b, off, fmt, val):
    if 0 <= off and off + struct.calcsize(fmt) <= len(b):
        struct.pack_into(fmt, b, off, val)


def targeted(data, image):
    """Header lies, each applied alone to a copy of data."""
    out = []
    if image and len(data) >= 64:
        lfanew = struct.unpack_from('<I', data, 0x3c)[0]
        coff = lfanew + 4
        variants = [(0x3c, '<I', 0xfffffff0), (coff + 2, '<H', 0xffff),
                    (coff + 8, '<I', 0xfffffff0), (coff + 12, '<I', 0x7fffffff),
                    (coff + 16, '<H', 0xffff), (coff + 20 + 32, '<I', 0)]
        if coff + 22 <= len(data):
            magic = struct.unpack_from('<H', data, coff + 20)[0]
            nrva = coff + 20 + (108 if magic == 0x20b else 92)
            variants.append((nrva, '<I', 0xffffffff))
    else:
        variants = [(2, '<H', 0xffff), (8, '<I', 0xfffffff0), (12, '<I', 0x7fffffff),
                    (16, '<H', 0x20)]
    for off, fmt, val in variants:
        b = bytearray(data)
        put(b, off, fmt, val)
        out.append(b)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--segscan', required=True)
    ap.add_argument('--fixtures', required=True)
    args = ap.parse_args()
    inputs = sorted(f for f in glob.glob(os.path.join(args.fixtures, '*'))
                    if f.endswith(('.exe', '.dll', '.efi', '.obj')))
    if not inputs:
        print('FAIL no fixtures')
        return 1
    # Real files (mingw images with COFF symbol tables, objects with many relocations) reach
    # code our lld-built fixtures do not; the small ones are cheap enough to mutate too.
    inputs += sorted({f for g in REAL_GLOBS for f in glob.glob(g) if os.path.isfile(f) and
                      os.path.getsize(f) <= 512 * 1024 and
                      os.path.basename(f) not in EXPECTED_ERRORS})
    failures = []
    count = 0
    with tempfile.TemporaryDirectory(prefix='pe_mutate.') as tmp:
        for src in inputs:
            data = open(src, 'rb').read()
            p = subprocess.run([args.segscan, '--format', 'json', '--compact', src],
                               stdout=subprocess.PIPE, timeout=TIMEOUT)
            im = json.loads(p.stdout)['images'][0]
            variants = []
            cuts = {len(data) - 1}
            for e in im['file_map']:
                for at in (e['offset'], e['offset'] + e['size']):
                    cuts.update((at - 1, at, at + 1))
            variants += [data[:n] for n in sorted(cuts) if 0 <= n < len(data)]
            variants += targeted(data, data[:2] == b'MZ')
            for s in im['sections']:
                if s['kind'] == 'metadata' and s['file_size'] >= 8 and s['name'] == '.reloc':
                    for size in (0, 4):  # SizeOfBlock below the 8-byte block header
                        b = bytearray(data)
                        put(b, s['offset'] + 4, '<I', size)
                        variants.append(b)
            rng = random.Random(f'segscan-pe-{os.path.basename(src)}')
            for k in range(40):
                b = bytearray(data)
                span = min(len(b), 1024) if k % 2 == 0 else len(b)
                for _ in range(rng.randint(1, 8)):
                    b[rng.randrange(span)] = rng.randrange(256)
                variants.append(b)
            paths = []
            for i, v in enumerate(variants):
                path = os.path.join(tmp, f'{os.path.basename(src)}.{i}')
                with open(path, 'wb') as f:
                    f.write(bytes(v))
                    if i % 20 == 0:  # past 1 MiB behind a hole: mapped, code read by pread
                        f.seek(len(v) + (1 << 20))
                        f.write(b'\0')
                paths.append(path)
            for i in range(0, len(paths), 50):
                r = run_batch(args.segscan, paths[i:i + 50])
                if r:
                    failures.append(r)
            count += len(paths)
            for path in paths:
                os.unlink(path)
    for f in failures:
        print('FAIL', f)
    print(f'pe_mutate: {count} variants of {len(inputs)} inputs, {len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
