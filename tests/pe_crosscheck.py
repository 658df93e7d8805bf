#!/usr/bin/env python3
"""pe_crosscheck.py - segscan's PE/COFF reading against llvm-readobj-14 and LIEF.

For every PE fixture and every real PE/COFF file found in installed Debian packages (the list
REAL_GLOBS below; a glob with no match is counted, none at all is a failure), checks:
  * each section's name, address (ImageBase + VirtualAddress in images, as segscan documents;
    llvm-readobj prints the RVA), VM size, file offset, file size and permissions against
    llvm-readobj-14 --sections --file-headers, and the image's class, machine and type;
  * the segment table (one "[Headers]" segment, then one per section) and each section's
    segment index;
  * the file map: contiguous, in offset order, summing exactly to the file size;
  * against LIEF (tests/lief_dump, when built) the same section fields, minus the explained
    disagreements listed in --known;
  * fixture facts that must hold exactly (a W+X section, a 1 MiB implicit BSS, TLS, DLL, EFI,
    long names, machines).
Exits 1 with one line per mismatch."""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

REAL_GLOBS = [
    # golang-1.19-src: mingw executables and objects from Go's debug/pe tests, .syso objects
    '/usr/share/go-1.19/src/debug/pe/testdata/gcc-*',
    '/usr/share/go-1.19/src/debug/pe/testdata/llvm-mingw-*',
    '/usr/share/go-1.19/src/debug/pe/testdata/vmlinuz-*',
    '/usr/share/go-1.19/src/debug/dwarf/testdata/line-gcc-win.bin',
    '/usr/share/go-1.19/src/runtime/race/race_windows_amd64.syso',
    '/usr/share/go-1.19/src/cmd/link/testdata/pe-*/*.syso',
    # EFI applications: shim-unsigned, systemd-boot-efi, grub-efi-amd64-bin
    '/usr/lib/shim/*.efi',
    '/usr/lib/systemd/boot/efi/*.efi*',
    '/usr/lib/grub/x86_64-efi/monolithic/*.efi',
    '/usr/lib/ipxe/*.efi',
    # .NET assemblies (PE32 with a CLR header): libmono-system4.0-cil and its dependencies
    '/usr/lib/mono/4.5/*.dll',
]

# Real files segscan must refuse, with the reason it must give (exit 3, one line).
EXPECTED_ERRORS = {
    # Go keeps only the first 474 bytes (the headers) of an Ubuntu kernel's EFI stub
    # (vmlinuz-4.15.0-47-generic): every section's raw data lies past the end of the file. It
    # used to be refused here; since issue 17 its header tables are reported with one warning
    # per cut section and it is cross-checked against llvm-readobj like every other file.
}

SCN_CNT_CODE = 0x20
SCN_CNT_INIT = 0x40
SCN_CNT_UNINIT = 0x80
SCN_LNK_INFO = 0x200
SCN_LNK_REMOVE = 0x800
SCN_DISCARDABLE = 0x02000000
SCN_EXEC = 0x20000000
SCN_READ = 0x40000000
SCN_WRITE = 0x80000000

READOBJ_MACHINES = {'COFF-x86-64': 'x86-64', 'COFF-i386': 'i386', 'COFF-ARM64': 'AArch64',
                    'COFF-ARM': 'ARM'}

errors = []


def fail(path, msg):
    errors.append(f'{path}: {msg}')


def run(cmd, timeout=120):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def readobj(path):
    """Parses llvm-readobj-14's text output into a header dict and a list of sections."""
    p = run(['llvm-readobj-14', '--file-headers', '--sections', path])
    if p.returncode != 0:
        return None
    text = p.stdout.decode('utf-8', 'replace')
    hdr = {}
    m = re.search(r'^Format: (\S+)', text, re.M)
    hdr['format'] = m.group(1) if m else ''
    for key in ('ImageBase', 'Magic', 'AddressOfEntryPoint', 'Subsystem'):
        m = re.search(r'^\s+%s: (0x[0-9A-Fa-f]+|\d+|\S+)' % key, text, re.M)
        hdr[key] = m.group(1) if m else None
    m = re.search(r'^ImageFileHeader \{.*?Characteristics \[ \((0x[0-9A-Fa-f]+)\)', text, re.S | re.M)
    hdr['characteristics'] = int(m.group(1), 16) if m else 0
    hdr['is_image'] = 'ImageOptionalHeader {' in text
    m = re.search(r'Subsystem: \S+ \((0x[0-9A-Fa-f]+)\)', text)
    hdr['subsystem'] = int(m.group(1), 16) if m else None
    secs = []
    for block in re.findall(r'^  Section \{\n(.*?)^  \}', text, re.S | re.M):
        s = {}
        m = re.search(r'^\s+Name: (.*?) \(', block, re.M)
        s['name'] = m.group(1) if m else ''
        for key in ('VirtualSize', 'VirtualAddress', 'RawDataSize', 'PointerToRawData'):
            m = re.search(r'^\s+%s: (0x[0-9A-Fa-f]+|\d+)' % key, block, re.M)
            s[key] = int(m.group(1), 0)
        m = re.search(r'Characteristics \[ \((0x[0-9A-Fa-f]+)\)', block)
        s['chars'] = int(m.group(1), 16)
        secs.append(s)
    return hdr, secs


def perms(ch):
    return ('r' if ch & SCN_READ else '-') + ('w' if ch & SCN_WRITE else '-') + \
        ('x' if ch & SCN_EXEC else '-')


def segscan(args, path):
    p = run([args.segscan, '--format', 'json', '--compact', path])
    if p.returncode != 0:
        return None, p.stderr.decode('utf-8', 'replace').strip()
    return json.loads(p.stdout), None


def align_up(v, a):
    return (v + a - 1) // a * a if a > 1 else v


def check_file_map(path, im):
    cur = 0
    for e in im['file_map']:
        if e['offset'] != cur:
            fail(path, f"file map gap/overlap at {cur:#x} (entry at {e['offset']:#x})")
            return
        cur += e['size']
    if cur != im['file_size']:
        fail(path, f"file map sums to {cur}, file size is {im['file_size']}")


def check_against_readobj(path, im, hdr, secs):
    size = im['file_size']
    is_image = hdr['is_image']
    base = int(hdr['ImageBase'], 0) if is_image and hdr['ImageBase'] else 0
    if im['format'] != 'pe':
        fail(path, f"format {im['format']}")
    want_machine = READOBJ_MACHINES.get(hdr['format'])
    if want_machine and im['machine'] != want_machine:
        fail(path, f"machine {im['machine']}, llvm-readobj says {hdr['format']}")
    if is_image:
        want_class = 64 if hdr['Magic'] and int(hdr['Magic'], 0) == 0x20B else 32
        if im['class'] != want_class:
            fail(path, f"class {im['class']}, magic {hdr['Magic']}")
        want_type = 'shared' if hdr['characteristics'] & 0x2000 else 'executable'
        if hdr['subsystem'] in (10, 11, 12, 13):
            want_type = 'executable'
        if im['type'] != want_type:
            fail(path, f"type {im['type']}, expected {want_type}")
        ep = int(hdr['AddressOfEntryPoint'], 0)
        want_entry = base + ep if ep else None
        if im['entry'] != want_entry:
            fail(path, f"entry {im['entry']}, expected {want_entry}")
    elif im['type'] != 'relocatable' or im['segments']:
        fail(path, f"object: type {im['type']}, {len(im['segments'])} segments")

    ss = im['sections']
    if len(ss) != len(secs):
        fail(path, f"{len(ss)} sections, llvm-readobj lists {len(secs)}")
        return
    for i, (s, r) in enumerate(zip(ss, secs)):
        ch = r['chars']
        uninit = bool(ch & SCN_CNT_UNINIT) and not ch & (SCN_CNT_INIT | SCN_CNT_CODE)
        debug = bool(ch & SCN_DISCARDABLE) and r['name'].startswith('.debug')
        if is_image:
            alloc = True
            vaddr = base + r['VirtualAddress']
            vm = r['VirtualSize'] or r['RawDataSize']
        else:
            alloc = not ch & (SCN_LNK_REMOVE | SCN_LNK_INFO) and not debug
            vaddr = r['VirtualAddress']
            vm = r['RawDataSize'] if alloc else 0
        ptr, raw = r['PointerToRawData'], r['RawDataSize']
        # data cut by the end of the file keeps what remains (none when it starts past it)
        fsize = 0 if uninit or ptr == 0 or raw == 0 or ptr >= size else min(raw, size - ptr)
        want = {'name': r['name'], 'vaddr': vaddr, 'vm_size': vm, 'offset': ptr,
                'file_size': fsize, 'perms': perms(ch), 'flags': ch, 'alloc': alloc,
                'segment': i + 1 if is_image else None}
        for k, v in want.items():
            if s[k] != v:
                fail(path, f"section {i} ({r['name']}): {k} = {s[k]!r}, expected {v!r}")
        if uninit and s['kind'] != 'bss':
            fail(path, f"section {i} ({r['name']}): uninitialized but kind {s['kind']}")
        if ch & (SCN_CNT_CODE | SCN_EXEC) and not uninit and s['kind'] not in ('code', 'tls-data'):
            fail(path, f"section {i} ({r['name']}): code flags but kind {s['kind']}")

    if is_image:
        segs = im['segments']
        if len(segs) != len(secs) + 1 or segs[0]['name'] != '[Headers]' or \
                segs[0]['vaddr'] != base or segs[0]['perms'] != 'r--':
            fail(path, f"segment table: {[g['name'] for g in segs][:4]}...")
            return
        align = ss[0]['align'] if ss else 1
        for i, s in enumerate(ss):
            g = segs[i + 1]
            want = {'name': s['name'], 'vaddr': s['vaddr'], 'offset': s['offset'],
                    'file_size': s['file_size'], 'perms': s['perms'], 'loadable': True,
                    'vm_size': align_up(s['vm_size'], align)}
            for k, v in want.items():
                if g[k] != v:
                    fail(path, f"segment {i + 1}: {k} = {g[k]!r}, expected {v!r}")


def load_known(path):
    """Lines 'TOOL FIELD REGEX  # why': a disagreement of TOOL on FIELD is accepted when the
    value TOOL gives matches REGEX."""
    known = []
    if path and os.path.exists(path):
        for line in open(path, encoding='utf-8'):
            line = line.split('#', 1)[0].strip()
            if line:
                tool, field, rx = line.split(None, 2)
                known.append((tool, field, re.compile(rx)))
    return known


def check_against_lief(args, path, im, known, stats):
    p = run([args.lief, 'pe', path])
    if p.returncode != 0:
        stats['lief_refused'].append(os.path.basename(path))
        return
    lines = [json.loads(line) for line in p.stdout.decode('utf-8', 'replace').splitlines()]
    hdr = lines[0]
    secs = [x for x in lines[1:] if x['kind'] == 'section']
    base = hdr['imagebase']
    ss = im['sections']
    if len(secs) != len(ss):
        fail(path, f"LIEF lists {len(secs)} sections, segscan {len(ss)}")
        return
    for i, (s, lsec) in enumerate(zip(ss, secs)):
        got = {'name': lsec['name'], 'vaddr': base + lsec['virtual_address'],
               'offset': lsec['offset'], 'flags': lsec['characteristics'],
               'vm_size': lsec['virtual_size'] or lsec['size']}
        for k, v in got.items():
            if s[k] == v:
                continue
            if any(t == 'lief' and f == k and rx.fullmatch(str(v)) for t, f, rx in known):
                stats['lief_known'] += 1
                continue
            fail(path, f"section {i}: segscan {k} = {s[k]!r}, LIEF {v!r}")
    stats['lief_compared'] += 1


def fixture_facts(fx, results, segscan_bin):
    """Exact facts about our own fixtures: each can fail."""
    def sec(img, name):
        for s in img['sections']:
            if s['name'] == name:
                return s
        fail(img['path'], f'no section {name}')
        return None

    machines = {'x64': ('x86-64', 64), 'x86': ('i386', 32), 'arm64': ('AArch64', 64)}
    for arch, (mach, bits) in machines.items():
        big = results.get(os.path.join(fx, f'{arch}-big.exe'))
        small = results.get(os.path.join(fx, f'{arch}-small.exe'))
        dll = results.get(os.path.join(fx, f'{arch}-lib.dll'))
        obj = results.get(os.path.join(fx, f'{arch}-hello.obj'))
        for img in (big, small, dll, obj):
            if img is None:
                fail(fx, f'{arch}: a fixture did not load')
                return
            if img['machine'] != mach or img['class'] != bits:
                fail(img['path'], f"machine/class {img['machine']}/{img['class']}")
        wx = sec(big, '.wxsec')
        if wx and (wx['perms'] != 'rwx' or wx['kind'] != 'code'):
            fail(big['path'], f".wxsec perms {wx['perms']} kind {wx['kind']}")
        data = sec(big, '.data')
        if data and (data['vm_size'] < (1 << 20) or data['file_size'] >= data['vm_size']):
            fail(big['path'], f".data vm {data['vm_size']} file {data['file_size']}")
        tls = sec(big, '.tls')
        if tls and tls['kind'] != 'tls-data':
            fail(big['path'], f".tls kind {tls['kind']}")
        if any(s['perms'] == 'rwx' for s in small['sections']):
            fail(small['path'], 'a W+X section without /section:RWE')
        if arch != 'arm64' and any(s['name'] == '.reloc' for s in small['sections']):
            fail(small['path'], '.reloc present despite /fixed')
        if not any(s['name'] == '.reloc' and s['kind'] == 'metadata' for s in big['sections']):
            fail(big['path'], 'no .reloc metadata section')
        if dll['type'] != 'shared' or dll['type_detail'] != 'DLL' or dll['entry'] is not None:
            fail(dll['path'], f"DLL: {dll['type']} {dll['type_detail']} entry {dll['entry']}")
        # lld-link puts the export table in .rdata; in this DLL it is all .rdata holds.
        rdata = sec(dll, '.rdata')
        if rdata and rdata['kind'] != 'metadata':
            fail(dll['path'], f".rdata (exports only) kind {rdata['kind']}")
        imp = results.get(os.path.join(fx, f'{arch}-imp.exe'))
        rdata = sec(imp, '.rdata') if imp else None
        if rdata is None or rdata['kind'] != 'rodata':
            fail(fx, f'{arch}-imp.exe: .rdata with imports and constants is not rodata')
        if obj['type_detail'] != 'COFF object' or obj['segments'] or \
                any(s['segment'] is not None for s in obj['sections']):
            fail(obj['path'], 'object with segments')
        if big['type_detail'] != 'EXE' or big['entry'] is None:
            fail(big['path'], f"EXE: {big['type_detail']} entry {big['entry']}")
    efi = results.get(os.path.join(fx, 'x64-app.efi'))
    if efi is None or efi['type_detail'] != 'EFI application' or efi['type'] != 'executable':
        fail(fx, 'x64-app.efi is not reported as an EFI application')
    big, bigobj = (results.get(os.path.join(fx, f)) for f in ('x64-hello-big.obj',
                                                               'x64-hello-bigobj.obj'))
    if big is None or bigobj is None or bigobj['type_detail'] != 'COFF object (bigobj)' or \
            [(s['name'], s['vm_size'], s['file_size']) for s in big['sections']] != \
            [(s['name'], s['vm_size'], s['file_size']) for s in bigobj['sections']]:
        fail(fx, 'x64-hello-bigobj.obj does not read like the object it was made from')
    ov = results.get(os.path.join(fx, 'x64-overlay.exe'))
    tail = [(e['what'], e['name'], e['size']) for e in ov['file_map'][-2:]] if ov else None
    if tail != [('header', '[Certificate Table]', 0x200), ('header', '[Overlay]', 120)]:
        fail(fx, f'x64-overlay.exe: file map ends {tail}')
    # lld-link's import library: 3 COFF objects (import descriptor, null descriptor, null
    # thunk) and 3 short import objects, which are no COFF object and are skipped, not failed.
    lib = os.path.join(fx, 'x64-lib.lib')
    p = run([segscan_bin, '--format', 'json', lib])
    doc = json.loads(p.stdout) if p.returncode == 0 else None
    if doc is None or doc['inputs'][0]['container'] != 'archive' or \
            (doc['inputs'][0]['images'], doc['inputs'][0]['skipped'], doc['inputs'][0]['failed']) != (3, 3, 0) or \
            any(i['type_detail'] != 'COFF object' or i['machine'] != 'x86-64' for i in doc['images']):
        fail(lib, f'import library: exit {p.returncode}, {doc and doc["inputs"]}')
    ln = results.get(os.path.join(fx, 'x64-longname.obj'))
    if ln is None or not any(s['name'] == '.segscan_long_section_name' for s in ln['sections']):
        fail(fx, 'x64-longname.obj: long section name not resolved')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--segscan', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--lief')
    ap.add_argument('--known')
    args = ap.parse_args()
    known = load_known(args.known)

    fixtures = sorted(f for f in glob.glob(os.path.join(args.fixtures, '*'))
                      if os.path.isfile(f) and f.endswith(('.exe', '.dll', '.efi', '.obj')))
    real = sorted({f for g in REAL_GLOBS for f in glob.glob(g) if os.path.isfile(f)})
    stats = {'lief_compared': 0, 'lief_known': 0, 'lief_refused': []}
    results = {}
    for path in fixtures + real:
        if os.path.basename(path) in EXPECTED_ERRORS:
            p = run([args.segscan, path])
            err = p.stderr.decode('utf-8', 'replace').strip()
            if p.returncode != 3 or not err.endswith(EXPECTED_ERRORS[os.path.basename(path)]):
                fail(path, f'expected exit 3 with its reason, got {p.returncode}: {err}')
            continue
        rd = readobj(path)
        if rd is None:
            fail(path, 'llvm-readobj-14 cannot read it')
            continue
        out, err = segscan(args, path)
        if out is None:
            fail(path, f'segscan failed: {err}')
            continue
        if len(out['images']) != 1:
            fail(path, f"{len(out['images'])} images")
            continue
        im = out['images'][0]
        results[path] = im
        check_file_map(path, im)
        check_against_readobj(path, im, *rd)
        if args.lief and rd[0]['is_image']:
            check_against_lief(args, path, im, known, stats)
        elif args.lief and run([args.lief, 'pe', path]).returncode != 3:
            fail(path, 'LIEF 0.9 read a COFF object (it used to refuse them): update the notes')
    if not real:
        fail('REAL_GLOBS', 'no real third-party PE file found (.ci/setup installs the packages)')
    if len(fixtures) < 22:
        fail(args.fixtures, f'only {len(fixtures)} fixtures were built')
    fixture_facts(args.fixtures, results, args.segscan)

    print(f'pe_crosscheck: {len(fixtures)} fixtures, {len(real)} real files '
          f'(of {len(REAL_GLOBS)} globs) checked against llvm-readobj-14; '
          f"LIEF compared {stats['lief_compared']} images, {stats['lief_known']} known "
          f"disagreements, refused {len(stats['lief_refused'])}")
    for e in errors:
        print('FAIL', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
