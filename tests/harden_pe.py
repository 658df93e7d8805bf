#!/usr/bin/env python3
"""harden_pe.py - segscan's PE hardening checks (aslr, high_entropy_va, cfg, safeseh, gs,
force_integrity, appcontainer, cet_compat, signed) against two independent readings:

1. llvm-readobj-14 --file-headers --coff-load-config --coff-debug-directory, on every hardening
   fixture (fixtures/pe/build.sh, harden/), the signed overlay fixture and the real PE images
   pe_crosscheck.py knows (Go's debug/pe test data from golang-1.19-src): the values are derived
   from llvm-readobj's fields with the rules the README states, and must equal segscan's;
2. the build: each fixture was linked with or without the switch under test, and EXPECTED says
   what that switch must have produced (so a fixture that silently lost its protection, or a
   rule that reads llvm-readobj the same wrong way as segscan, fails).
Each key must also carry evidence, and the findings no-cfg, no-gs, no-safeseh and no-cet-compat
must be raised exactly when their check is no or partial. Then damaged copies of the fixtures' load config, debug
directory and certificate table (a Size past the file, a truncation inside the structure) must
give exit 0 or 3 with no crash, and a load config cut short must read as absent fields.
A missing fixture, tool or real file fails the test."""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pe_crosscheck import REAL_GLOBS  # noqa: E402

KEYS = ('aslr', 'high_entropy_va', 'cfg', 'safeseh', 'gs', 'force_integrity', 'appcontainer',
        'cet_compat', 'signed')

# The finding each check raises when it is no or partial.
FINDINGS = {'cfg': 'no-cfg', 'gs': 'no-gs', 'safeseh': 'no-safeseh', 'cet_compat': 'no-cet-compat'}

# What the build asked for (fixtures/pe/build.sh): fixture -> {key: value}.
EXPECTED = {
    'harden/x64-plain.exe': dict(aslr='yes', high_entropy_va='yes', cfg='no', safeseh='n-a',
                                 gs='yes', force_integrity='no', appcontainer='no',
                                 cet_compat='no', signed='no'),
    'harden/x64-guardcf.exe': dict(cfg='yes', gs='yes'),
    'harden/x64-guardcf-noloadcfg.exe': dict(cfg='partial', gs='no'),
    'harden/x64-noloadcfg.exe': dict(cfg='no', gs='no'),
    'harden/x64-flags.exe': dict(cet_compat='yes', force_integrity='yes', appcontainer='yes',
                                 high_entropy_va='no', aslr='yes'),
    'harden/x64-fixed.exe': dict(aslr='no', high_entropy_va='no'),
    'harden/x64-stripped.exe': dict(aslr='partial'),
    'harden/x64-signed.exe': dict(signed='yes'),
    'harden/x86-safeseh.exe': dict(safeseh='yes', high_entropy_va='n-a', gs='yes', cfg='no'),
    'harden/x86-nosafeseh.exe': dict(safeseh='no'),
    'harden/x86-nohandlers.exe': dict(safeseh='yes'),
    'harden/x86-guardcf.exe': dict(cfg='yes', safeseh='yes', cet_compat='yes'),
    'harden/arm64-plain.exe': dict(safeseh='n-a', cet_compat='n-a', gs='no', aslr='yes'),
    'x64-overlay.exe': dict(signed='yes'),
    'x64-big.exe': dict(signed='no', cfg='no', gs='no'),
}

failures = []
VALIDATOR = None  # the report schema (docs/segscan.schema.json), set in main


def fail(path, msg):
    failures.append(f'{path}: {msg}')


def run(cmd, timeout=120):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def readobj(path):
    """The fields the rules need, from llvm-readobj-14's text output (None when it fails)."""
    p = run(['llvm-readobj-14', '--file-headers', '--coff-load-config', '--coff-debug-directory',
             path])
    if p.returncode != 0:
        return None
    t = p.stdout.decode('utf-8', 'replace')
    r = {'lc': {}, 'ex': None}
    m = re.search(r'Machine: \S+ \((0x[0-9A-Fa-f]+)\)', t)
    r['machine'] = int(m.group(1), 16)
    m = re.search(r'ImageFileHeader \{.*?Characteristics \[ \((0x[0-9A-Fa-f]+)\)', t, re.S)
    r['chars'] = int(m.group(1), 16)
    m = re.search(r'ImageOptionalHeader \{.*?Magic: (0x[0-9A-Fa-f]+)', t, re.S)
    if m is None:
        return None  # an object
    r['magic'] = int(m.group(1), 16)
    m = re.search(r'ImageOptionalHeader \{.*?  Characteristics \[ \((0x[0-9A-Fa-f]+)\)', t, re.S)
    r['dll'] = int(m.group(1), 16)
    for k in ('CertificateTableRVA', 'CertificateTableSize', 'LoadConfigTableSize',
              'BaseRelocationTableSize'):
        m = re.search(rf'\b{k}: (0x[0-9A-Fa-f]+)', t)
        r[k] = int(m.group(1), 16) if m else 0
    m = re.search(r'^LoadConfig \[\n(.*?)^\]', t, re.S | re.M)
    if m:
        for line in m.group(1).splitlines():
            kv = re.match(r'\s+(\w+): (0x[0-9A-Fa-f]+|\d+)$', line)
            if kv:
                r['lc'][kv.group(1)] = int(kv.group(2), 0)
    for m in re.finditer(r'Type: ExtendedDLLCharacteristics \(0x14\).*?ExtendedCharacteristics '
                         r'\[ \((0x[0-9A-Fa-f]+)\)', t, re.S):
        r['ex'] = int(m.group(1), 16)
        break
    return r


def derive(r, size):
    """The README's rules applied to llvm-readobj's fields."""
    dll, ch, lc = r['dll'], r['chars'], r['lc']
    v = {}
    dyn = bool(dll & 0x40)
    v['aslr'] = 'no' if not dyn else 'partial' if ch & 0x1 else 'yes'
    v['high_entropy_va'] = 'n-a' if r['magic'] != 0x20b else \
        'yes' if dll & 0x20 and dyn else 'no'
    flag = bool(dll & 0x4000)
    table = lc.get('GuardCFFunctionTable', 0) != 0
    instr = bool(lc.get('GuardFlags', 0) & 0x100)
    v['cfg'] = 'yes' if flag and table and instr else 'partial' if flag or table else 'no'
    if r['machine'] != 0x14c:
        v['safeseh'] = 'n-a'
    elif dll & 0x400 or lc.get('SEHandlerTable', 0) != 0:
        v['safeseh'] = 'yes'
    else:
        v['safeseh'] = 'no'
    v['gs'] = 'yes' if lc.get('SecurityCookie', 0) != 0 else 'no'
    v['force_integrity'] = 'yes' if dll & 0x80 else 'no'
    v['appcontainer'] = 'yes' if dll & 0x1000 else 'no'
    if r['machine'] not in (0x14c, 0x8664):
        v['cet_compat'] = 'n-a'
    else:
        v['cet_compat'] = 'yes' if r['ex'] is not None and r['ex'] & 1 else 'no'
    coff, csize = r['CertificateTableRVA'], r['CertificateTableSize']
    if csize == 0:
        v['signed'] = 'no'
    elif csize < 8 or coff + csize > size:
        v['signed'] = 'unknown'
    else:
        v['signed'] = 'yes'
    return v


def segscan(binary, path):
    p = run([binary, '--format', 'json', '--compact', '--only', 'perms', path])
    if p.returncode != 0:
        return None, p.stderr.decode('utf-8', 'replace').strip()
    doc = json.loads(p.stdout)
    for e in VALIDATOR.iter_errors(doc):
        fail(path, f'report does not match the schema: {e.message}')
        break
    return doc['images'][0], None


def check_file(binary, path, name, stats):
    r = readobj(path)
    if r is None:
        return False
    im, err = segscan(binary, path)
    if im is None:
        fail(name, f'segscan failed: {err}')
        return True
    perms, ev = im['permissions'], im.get('permissions_evidence', {})
    want = derive(r, os.path.getsize(path))
    for k in KEYS:
        if perms.get(k) != want[k]:
            fail(name, f'{k}: segscan says {perms.get(k)!r}, llvm-readobj reads {want[k]!r} '
                       f'(evidence: {ev.get(k)!r})')
        if not ev.get(k):
            fail(name, f'{k}: no evidence')
        stats[k][perms.get(k)] = stats[k].get(perms.get(k), 0) + 1
    ids = {f['id'] for f in im.get('findings', [])}
    for key, fid in FINDINGS.items():
        if (fid in ids) != (want[key] in ('no', 'partial')):
            fail(name, f'finding {fid}: {"raised" if fid in ids else "absent"} with {key} '
                       f'{want[key]!r} (llvm-readobj)')
    if perms.get('signed') == 'yes' and 'not validated' not in ev.get('signed', ''):
        fail(name, f'signed: evidence does not say "not validated": {ev.get("signed")!r}')
    return True


def mutants(src, tmp):
    """Damaged copies aimed at the structures the checks read."""
    b = bytearray(open(src, 'rb').read())
    lfanew = int.from_bytes(b[0x3c:0x40], 'little')
    opt = lfanew + 24
    plus = int.from_bytes(b[opt:opt + 2], 'little') == 0x20b
    dirs = opt + (112 if plus else 96)
    r = readobj(src)
    out = []

    def put(tag, data):
        p = os.path.join(tmp, f'{os.path.basename(src)}.{tag}')
        open(p, 'wb').write(bytes(data))
        out.append(p)
    lc_rva = int.from_bytes(b[dirs + 80:dirs + 84], 'little')
    # The load config's file offset, through the section table.
    nsec = int.from_bytes(b[lfanew + 6:lfanew + 8], 'little')
    sizeopt = int.from_bytes(b[lfanew + 20:lfanew + 22], 'little')
    sect = opt + sizeopt
    lc_off = None
    for i in range(nsec):
        s = sect + 40 * i
        va, raw, ptr = (int.from_bytes(b[s + o:s + o + 4], 'little') for o in (12, 16, 20))
        if lc_rva and va <= lc_rva < va + raw:
            lc_off = ptr + lc_rva - va
    if lc_off is not None:
        m = bytearray(b)
        m[lc_off:lc_off + 4] = (0xfffffff0).to_bytes(4, 'little')  # Size past everything
        put('lcsize', m)
        for cut in (4, 62, 90, 130, 146):
            put(f'cut{cut}', b[:lc_off + cut])
        m = bytearray(b)
        m[dirs + 80:dirs + 84] = (0x7ffffff0).to_bytes(4, 'little')  # RVA in no section
        put('lcrva', m)
    m = bytearray(b)
    m[dirs + 32:dirs + 40] = (len(b) - 4).to_bytes(4, 'little') + (0x1000).to_bytes(4, 'little')
    put('cert', m)  # certificate table running past the end
    m = bytearray(b)
    m[dirs + 48:dirs + 56] = (0x1000).to_bytes(4, 'little') + (0xfffffff0).to_bytes(4, 'little')
    put('debug', m)  # debug directory claiming 4 GiB
    return out, r, lc_off


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--segscan', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--schema', required=True)
    a = ap.parse_args()
    global VALIDATOR
    import jsonschema
    with open(a.schema) as f:
        VALIDATOR = jsonschema.Draft202012Validator(json.load(f))
    if shutil.which('llvm-readobj-14') is None:
        print('FAIL llvm-readobj-14 is not installed (.ci/setup --test installs it)')
        return 1
    stats = {k: {} for k in KEYS}

    # 1 and 2: the fixtures, against llvm-readobj and against the build.
    for rel, want in sorted(EXPECTED.items()):
        path = os.path.join(a.fixtures, rel)
        if not os.path.isfile(path):
            fail(rel, 'fixture missing (fixtures/pe/build.sh did not make it)')
            continue
        if not check_file(a.segscan, path, rel, stats):
            fail(rel, 'llvm-readobj-14 cannot read it')
            continue
        im, _ = segscan(a.segscan, path)
        for k, v in want.items():
            if im is not None and im['permissions'].get(k) != v:
                fail(rel, f'{k}: built for {v!r}, segscan says {im["permissions"].get(k)!r}')
    extra = sorted(glob.glob(os.path.join(a.fixtures, 'harden', '*.exe')))
    for path in extra:
        if os.path.relpath(path, a.fixtures) not in EXPECTED:
            fail(path, 'a hardening fixture without an expectation in harden_pe.py')

    # Real images: llvm-readobj only.
    real = sorted({f for g in REAL_GLOBS for f in glob.glob(g) if os.path.isfile(f)})
    nreal = 0
    for path in real:
        if path.endswith(('.obj', '.syso', '.o')):
            continue
        if check_file(a.segscan, path, path, stats):
            nreal += 1
    if nreal == 0:
        fail('real files', 'no real PE image found (golang-1.19-src is in .ci/setup --test)')

    # Damaged copies: exit 0 or 3, never a crash; a cut load config reads as absent fields.
    nmut = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel in ('harden/x64-guardcf.exe', 'harden/x86-safeseh.exe', 'harden/x64-flags.exe',
                    'harden/x64-signed.exe'):
            src = os.path.join(a.fixtures, rel)
            if not os.path.isfile(src):
                continue
            paths, _, lc_off = mutants(src, tmp)
            for p in paths:
                nmut += 1
                q = run([a.segscan, '--format', 'json', '--compact', '--only', 'perms', p])
                if q.returncode not in (0, 3) or b'Sanitizer' in q.stderr:
                    fail(p, f'exit {q.returncode}: {q.stderr.decode("utf-8", "replace")[-300:]}')
                    continue
                if q.returncode != 0:
                    continue
                perms = json.loads(q.stdout)['images'][0]['permissions']
                if p.endswith('.lcsize') or p.endswith('.lcrva'):
                    pass  # any value, with a warning; what matters is no out-of-bounds read
                if p.endswith('.cert') and perms.get('signed') != 'unknown':
                    fail(p, f'certificate table past the end: signed {perms.get("signed")!r}, '
                            'expected unknown')
    if nmut < 20:
        fail('mutants', f'only {nmut} damaged copies were made')

    for k in KEYS:
        print(f'{k}: ' + ', '.join(f'{v} {n}' for v, n in sorted(stats[k].items(), key=str)))
    print(f'{len(EXPECTED)} fixtures, {nreal} real images, {nmut} damaged copies')
    for f in failures:
        print('FAIL', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
