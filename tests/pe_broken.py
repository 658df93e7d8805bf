#!/usr/bin/env python3
"""pe_broken.py - each broken PE/COFF fixture (fixtures/pe/mkbroken.py) must make segscan exit
3 with exactly one line on stderr that names the path, says what is wrong and gives the file
offset. The expected text is exact, so a changed check or offset fails here.

A file whose headers are intact but whose section data starts past the end (TRUNCATED) is
reported instead: exit 0, every section of the table, the cut section with no file bytes and a
warning at its offset (issue 17)."""
import json
import struct
import argparse
import os
import subprocess
import sys

EXPECTED = {
    'lfanew-past-eof.exe': 'e_lfanew points at 0x1600, past the end of the file (1536 bytes) (at offset 0x3c)',
    'huge-nsections.exe': 'section table (65535 entries) at 0x188 runs past the end of the file (1536 bytes) (at offset 0x188)',
    'section-table-past-eof.exe': 'section table (2 entries) at 0x188 runs past the end of the file (412 bytes) (at offset 0x188)',
    'no-pe-signature.exe': 'MZ file without a PE signature at e_lfanew 0x80 (at offset 0x80)',
    'bad-magic.exe': 'unknown optional header magic 0x0999 (at offset 0x98)',
    'optional-header-past-eof.exe': 'optional header (65520 bytes) at 0x98 runs past the end of the file (1536 bytes) (at offset 0x98)',
    'short-dos-header.exe': 'DOS header needs 64 bytes, the file has 40 (at offset 0x0)',
    'object-symtab-past-eof.obj': 'COFF symbol table (268435456 symbols) at 0x70 runs past the end of the file (161 bytes) (at offset 0x70)',
}

# name -> the warning of an image that loads but whose BSS analysis could not afford its tables:
# every one of 65000 sections names one table of 100000 relocations (each count fits in the
# file, their product does not fit in memory); since issue 17 that costs the analysis, not the
# image.
DEGRADED = {
    'object-reloc-bomb.obj': 'COFF relocations at 0x27ac54 exceed the memory segscan allows for '
                             'this file: the BSS analysis, which needs these tables, did not run',
}

# name -> (section index, the warning's offset and text)
TRUNCATED = {
    'rawdata-past-eof.exe': (0, 0x700, 'raw data of section 0 (.text) at 0x700 is past the end of '
                             'the file (1536 bytes): the file is truncated; 0 of '),
    'object-rawdata-past-eof.obj': (0, 0x1a1, 'raw data of section 0 (.text) at 0x1a1 is past the '
                                    'end of the file (161 bytes): the file is truncated; 0 of '),
}


def check_truncated(args, d, name, want, bad):
    idx, off, text = want
    path = os.path.join(d, name)
    p = subprocess.run([args.segscan, '-f', 'json', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0 or p.stderr:
        bad.append(f'{name}: exit {p.returncode}, stderr {p.stderr[:300]!r}; expected a report')
        return
    im = json.loads(p.stdout)['images'][0]
    # NumberOfSections from the file's own COFF header (an image's is after "PE\0\0")
    data = open(path, 'rb').read()
    coff = struct.unpack_from('<I', data, 0x3c)[0] + 4 if name.endswith('.exe') else 0
    nsec = struct.unpack_from('<H', data, coff + 2)[0]
    if len(im['sections']) != nsec:
        bad.append(f"{name}: {len(im['sections'])} sections, the header says {nsec}")
    if im['sections'][idx]['file_size'] != 0:
        bad.append(f"{name}: section {idx} keeps {im['sections'][idx]['file_size']} file bytes")
    if not any(w['offset'] == off and w['message'].startswith(text) for w in im['warnings']):
        bad.append(f"{name}: no warning at 0x{off:x} {text!r}: {im['warnings']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--segscan', required=True)
    ap.add_argument('--fixtures', required=True)
    args = ap.parse_args()
    bad = []
    d = os.path.join(args.fixtures, 'broken')
    found = sorted(os.listdir(d))
    every = sorted(list(EXPECTED) + list(TRUNCATED) + list(DEGRADED))
    if every != found:
        bad.append(f'broken fixtures {found} differ from the expected list {every}')
    for name, want in sorted(DEGRADED.items()):
        p = subprocess.run([args.segscan, '-f', 'json', os.path.join(d, name)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        ims = json.loads(p.stdout)['images'] if p.stdout else []
        if p.returncode != 0 or len(ims) != 1 or 'bss' in ims[0] or \
                not any(w['message'] == want for w in ims[0]['warnings']):
            bad.append(f'{name}: exit {p.returncode}, {p.stderr[:200]!r}, images '
                       f'{[im.get("warnings") for im in ims]}; expected a report warning {want!r}')
    for name, want in sorted(TRUNCATED.items()):
        check_truncated(args, d, name, want, bad)
    for name, want in sorted(EXPECTED.items()):
        path = os.path.join(d, name)
        p = subprocess.run([args.segscan, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        lines = p.stderr.decode('utf-8', 'replace').splitlines()
        if p.returncode != 3:
            bad.append(f'{name}: exit {p.returncode}, expected 3')
        if len(lines) != 1 or not lines[0].startswith(f'segscan: {path}: ') or \
                not lines[0].endswith(want):
            bad.append(f'{name}: stderr {lines!r}, expected one line ending {want!r}')
    for b in bad:
        print('FAIL', b)
    print(f'pe_broken: {len(EXPECTED) + len(TRUNCATED) + len(DEGRADED) - len(bad)} passed, '
          f'{len(bad)} failed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
