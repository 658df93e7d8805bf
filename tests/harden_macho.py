#!/usr/bin/env python3
"""harden_macho.py - segscan's Mach-O hardening checks (pie, signed, hardened_runtime, restrict,
encrypted, arm64e) against two independent readings:

1. llvm-objdump-14 --macho --private-headers --non-verbose (header flags, cputype and
   cpusubtype as numbers, LC_CODE_SIGNATURE, LC_ENCRYPTION_INFO[_64] cryptid, the sections), on
   the fixtures (fixtures/macho/build.sh: the linked images, harden/ and the objects) and on the
   real Mach-O files extracted from golang-1.19-src. llvm-objdump does not decode code
   signatures, so the code directory's flags are read here, by this script's own superblob
   reader (Python, written from Apple's cs_blobs.h layout, not from segscan's C);
2. the build: EXPECTED says what each fixture was linked or patched for (ld64.lld -pie/-no_pie,
   -adhoc_codesign or arm64's default signature vs none, -sectcreate __RESTRICT,__restrict,
   -encryptable, mkharden.py's CS_RUNTIME, certificate-style signature and cryptid 1, clang's arm64e target).
Every key must carry evidence. Then damaged copies of the signature (a superblob count past its
length, a blob offset past the file, a cut file) must give exit 0 or 3 and, when the image is
still read, "unknown" or a value, never a crash. Missing fixtures or tools fail the test."""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

KEYS = ('pie', 'signed', 'hardened_runtime', 'restrict', 'encrypted', 'arm64e')
MH_OBJECT, MH_EXECUTE, MH_CORE, MH_DSYM = 1, 2, 4, 10
CPU_ARM64 = 0x0100000c

EXPECTED = {
    'exe-x86_64': dict(pie='yes', signed='no', hardened_runtime='no', restrict='no',
                       encrypted='no', arm64e='n-a'),
    'exe-x86_64-nopie': dict(pie='no', signed='no'),
    'exe-arm64': dict(pie='yes', signed='partial', hardened_runtime='no', arm64e='no'),
    'libfix-arm64.dylib': dict(signed='partial', restrict='n-a', pie='n-a'),
    'harden/exe-x86_64-adhoc': dict(signed='partial', hardened_runtime='no'),
    'harden/exe-x86_64-runtime': dict(signed='partial', hardened_runtime='yes'),
    'harden/exe-x86_64-restrict': dict(restrict='yes', encrypted='no', signed='no'),
    'harden/exe-x86_64-encrypted': dict(encrypted='yes', restrict='yes'),
    'harden/exe-x86_64-certsigned': dict(signed='yes', hardened_runtime='no'),
    'harden/prog-arm64e.o': dict(arm64e='yes', signed='n-a', hardened_runtime='n-a'),
    'prog-arm64.o': dict(arm64e='no', signed='n-a'),
}

failures = []
VALIDATOR = None  # the report schema (docs/segscan.schema.json), set in main


def fail(path, msg):
    failures.append(f'{path}: {msg}')


def run(cmd, timeout=120):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def objdump(path):
    p = run(['llvm-objdump-14', '--macho', '--private-headers', '--non-verbose', path])
    if p.returncode != 0:
        return None
    t = p.stdout.decode('utf-8', 'replace')
    m = re.search(r'magic cputype cpusubtype.*\n\s*(0x[0-9a-f]+)\s+(\d+)\s+(\d+)\s+(0x[0-9a-f]+)'
                  r'\s+(\d+)\s+(\d+)\s+(\d+)\s+(0x[0-9a-f]+)', t)
    if m is None:
        return None
    r = {'cputype': int(m.group(2)), 'cpusubtype': int(m.group(3)),
         'caps': int(m.group(4), 16), 'filetype': int(m.group(5)),
         'flags': int(m.group(8), 16), 'sig': None, 'cryptid': None, 'sections': []}
    for blk in re.split(r'\nLoad command \d+\n', t)[1:]:
        cmd = re.search(r'^\s*cmd (\S+)', blk, re.M)
        if cmd is None:
            continue
        c = cmd.group(1)
        if c == 'LC_CODE_SIGNATURE':
            r['sig'] = (int(re.search(r'dataoff (\d+)', blk).group(1)),
                        int(re.search(r'datasize (\d+)', blk).group(1)))
        elif c in ('LC_ENCRYPTION_INFO', 'LC_ENCRYPTION_INFO_64'):
            r['cryptid'] = int(re.search(r'cryptid (\d+)', blk).group(1))
        for s in re.finditer(r'sectname (\S+)\n\s+segname (\S+)', blk):
            r['sections'].append(f'{s.group(2)},{s.group(1)}')
    return r


def cd_flags(data, off, size):
    """The flags of the code directory in slot 0, or None when the blob cannot be read."""
    blob = data[off:off + size]
    if len(blob) < size or size < 12:
        return None
    magic, length, count = struct.unpack_from('>III', blob, 0)
    if magic != 0xfade0cc0:
        return None
    end = min(length, size)
    if 12 + 8 * count > end:
        return None
    for i in range(count):
        typ, o = struct.unpack_from('>II', blob, 12 + 8 * i)
        if typ == 0 and o + 16 <= end:
            m, ln = struct.unpack_from('>II', blob, o)
            if m == 0xfade0c02 and o + ln <= end and ln >= 16:
                return struct.unpack_from('>I', blob, o + 12)[0]
    return None


def derive(r, data):
    v = {k: 'n-a' for k in KEYS}
    ft = r['filetype']
    if r['cputype'] == CPU_ARM64:
        v['arm64e'] = 'yes' if r['cpusubtype'] & 0x00ffffff == 2 else 'no'
    if ft == MH_EXECUTE:
        v['pie'] = 'yes' if r['flags'] & 0x200000 else 'no'
    if ft in (MH_OBJECT, MH_CORE, MH_DSYM):
        return v
    if r['sig'] is None:
        v['signed'], v['hardened_runtime'] = 'no', 'no'
    else:
        f = cd_flags(data, *r['sig'])
        if f is None:
            v['signed'] = v['hardened_runtime'] = 'unknown'
        else:
            v['signed'] = 'partial' if f & 0x2 else 'yes'
            v['hardened_runtime'] = 'yes' if f & 0x10000 else 'no'
    if ft == MH_EXECUTE:
        v['restrict'] = 'yes' if '__RESTRICT,__restrict' in r['sections'] else 'no'
    v['encrypted'] = 'yes' if r['cryptid'] else 'no'
    return v


def segscan(binary, path):
    p = run([binary, '--format', 'json', '--compact', '--only', 'perms', path])
    if p.returncode != 0:
        return None, p.returncode, p.stderr.decode('utf-8', 'replace').strip()
    doc = json.loads(p.stdout)
    for e in VALIDATOR.iter_errors(doc):
        fail(path, f'report does not match the schema: {e.message}')
        break
    return doc['images'][0], 0, ''


def check_file(binary, path, name, stats):
    r = objdump(path)
    if r is None:
        return False
    im, rc, err = segscan(binary, path)
    if im is None:
        fail(name, f'segscan exit {rc}: {err}')
        return True
    data = open(path, 'rb').read()
    want = derive(r, data)
    perms, ev = im['permissions'], im.get('permissions_evidence', {})
    for k in KEYS:
        if perms.get(k) != want[k]:
            fail(name, f'{k}: segscan says {perms.get(k)!r}, the independent reading '
                       f'{want[k]!r} (evidence: {ev.get(k)!r})')
        if want[k] != 'n-a' and not ev.get(k):
            fail(name, f'{k}: no evidence')
        stats[k][perms.get(k)] = stats[k].get(perms.get(k), 0) + 1
    if perms.get('signed') in ('yes', 'partial') and perms.get('signed') == 'partial' and \
            'ad-hoc' not in ev.get('signed', ''):
        fail(name, f'signed partial without "ad-hoc" in the evidence: {ev.get("signed")!r}')
    return True


def thin_macho(path):
    with open(path, 'rb') as f:
        return f.read(4) in (b'\xcf\xfa\xed\xfe', b'\xce\xfa\xed\xfe')


def mutants(src, tmp):
    b = bytearray(open(src, 'rb').read())
    r = objdump(src)
    out = []

    def put(tag, data):
        p = os.path.join(tmp, f'{os.path.basename(src)}.{tag}')
        open(p, 'wb').write(bytes(data))
        out.append(p)
    off, size = r['sig']
    m = bytearray(b)
    struct.pack_into('>I', m, off + 8, 0x7fffffff)  # index count past the superblob
    put('count', m)
    m = bytearray(b)
    struct.pack_into('>I', m, off + 16, 0xfffffff0)  # slot 0's blob past everything
    put('slot', m)
    m = bytearray(b)
    struct.pack_into('>I', m, off + 4, 0xffffffff)  # superblob length past the command
    put('length', m)
    m = bytearray(b)
    struct.pack_into('>I', m, off, 0x12345678)  # bad magic
    put('magic', m)
    for cut in (4, 12, 20, 40, 100):
        put(f'cut{cut}', b[:off + cut])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--segscan', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--schema', required=True)
    ap.add_argument('--real', required=True, help='directory of real Mach-O files')
    a = ap.parse_args()
    global VALIDATOR
    import jsonschema
    with open(a.schema) as f:
        VALIDATOR = jsonschema.Draft202012Validator(json.load(f))
    if shutil.which('llvm-objdump-14') is None:
        print('FAIL llvm-objdump-14 is not installed (.ci/setup --test installs it)')
        return 1
    stats = {k: {} for k in KEYS}
    for rel, want in sorted(EXPECTED.items()):
        path = os.path.join(a.fixtures, rel)
        if not os.path.isfile(path):
            fail(rel, 'fixture missing (fixtures/macho/build.sh did not make it)')
            continue
        if not check_file(a.segscan, path, rel, stats):
            fail(rel, 'llvm-objdump-14 cannot read it')
            continue
        im, _, _ = segscan(a.segscan, path)
        for k, v in want.items():
            if im is not None and im['permissions'].get(k) != v:
                fail(rel, f'{k}: built for {v!r}, segscan says {im["permissions"].get(k)!r}')
    nreal = 0
    if os.path.isdir(a.real):
        for name in sorted(os.listdir(a.real)):
            path = os.path.join(a.real, name)
            if os.path.isfile(path) and thin_macho(path) and check_file(a.segscan, path, path, stats):
                nreal += 1
    if nreal == 0:
        fail(a.real, 'no real Mach-O file (macho_golang_extract makes them)')

    nmut = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel in ('harden/exe-x86_64-runtime', 'harden/exe-x86_64-certsigned', 'exe-arm64'):
            src = os.path.join(a.fixtures, rel)
            if not os.path.isfile(src):
                continue
            for p in mutants(src, tmp):
                nmut += 1
                q = run([a.segscan, '--format', 'json', '--compact', '--only', 'perms', p])
                if q.returncode not in (0, 3) or b'Sanitizer' in q.stderr:
                    fail(p, f'exit {q.returncode}: {q.stderr.decode("utf-8", "replace")[-300:]}')
                    continue
                if q.returncode == 0:
                    perms = json.loads(q.stdout)['images'][0]['permissions']
                    if any(p.endswith(t) for t in ('.count', '.magic', '.cut4')) and \
                            perms.get('signed') != 'unknown':
                        fail(p, f'damaged signature: signed {perms.get("signed")!r}, '
                                'expected unknown')
    if nmut < 10:
        fail('mutants', f'only {nmut} damaged copies were made')
    for k in KEYS:
        print(f'{k}: ' + ', '.join(f'{v} {n}' for v, n in sorted(stats[k].items(), key=str)))
    print(f'{len(EXPECTED)} fixtures, {nreal} real files, {nmut} damaged copies')
    for f in failures:
        print('FAIL', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
