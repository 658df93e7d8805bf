#!/usr/bin/env python3
"""harden_policy.py - `segscan check`'s require-<key> rules and `segscan diff`'s <key>-lost /
<key>-gained changes for the PE and Mach-O hardening checks, on the fixtures built with and
without each protection.

The truth is the build (harden_pe.EXPECTED, harden_macho.EXPECTED: what each linker switch or
patch produced; pe_harden and macho_harden check those values against llvm-readobj-14 and
llvm-objdump-14). A rule's verdict follows from that value as the README states: yes passes;
no and unknown fail; partial fails for aslr, cfg and signed (stripped relocations, half of CFG
and an ad-hoc signature protect nothing); n-a is n/a. A diff from a fixture with a protection to
one without must report <key>-lost (a regression), the reverse <key>-gained, and a key whose
value did not change nothing."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harden_macho  # noqa: E402
import harden_pe  # noqa: E402

PARTIAL_FAILS = {'aslr', 'cfg', 'signed'}

# (old, new, key): new lost key's protection relative to old (per EXPECTED).
PE_PAIRS = [
    ('harden/x64-guardcf.exe', 'harden/x64-plain.exe', 'cfg'),
    ('harden/x64-plain.exe', 'harden/x64-stripped.exe', 'aslr'),
    ('harden/x64-plain.exe', 'harden/x64-fixed.exe', 'aslr'),
    ('harden/x64-signed.exe', 'harden/x64-plain.exe', 'signed'),
    ('harden/x86-safeseh.exe', 'harden/x86-nosafeseh.exe', 'safeseh'),
    ('harden/x64-plain.exe', 'harden/x64-noloadcfg.exe', 'gs'),
    ('harden/x64-plain.exe', 'harden/x64-flags.exe', 'high_entropy_va'),
    ('harden/x64-flags.exe', 'harden/x64-plain.exe', 'cet_compat'),
    ('harden/x64-flags.exe', 'harden/x64-plain.exe', 'force_integrity'),
    ('harden/x64-flags.exe', 'harden/x64-plain.exe', 'appcontainer'),
]
MACHO_PAIRS = [
    ('harden/exe-x86_64-runtime', 'harden/exe-x86_64-adhoc', 'hardened_runtime'),
    ('harden/exe-x86_64-certsigned', 'harden/exe-x86_64-adhoc', 'signed'),
    ('harden/exe-x86_64-adhoc', 'exe-x86_64', 'signed'),
    ('harden/exe-x86_64-restrict', 'exe-x86_64', 'restrict'),
    ('harden/exe-x86_64-encrypted', 'harden/exe-x86_64-restrict', 'encrypted'),
    ('harden/prog-arm64e.o', 'prog-arm64.o', 'arm64e'),
]

failures = []


def fail(msg):
    failures.append(msg)


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def rule_name(key):
    return 'require-' + key.replace('_', '-')


def verdict(key, value):
    if value == 'n-a':
        return 'n/a'
    if value == 'yes' or (value == 'partial' and key not in PARTIAL_FAILS):
        return 'pass'
    return 'fail'


def check_rules(segscan, root, expected, keys, tmp, tag):
    paths = {rel: os.path.join(root, rel) for rel in expected}
    for rel, p in paths.items():
        if not os.path.isfile(p):
            fail(f'{rel}: fixture missing')
    budget = os.path.join(tmp, f'{tag}.yaml')
    with open(budget, 'w') as f:
        f.write('version: 1\npolicy:\n')
        for k in keys:
            f.write(f'  - rule: {rule_name(k)}\n')
    p = run([segscan, 'check', '-q', '-b', budget, '-f', 'json', '--compact',
             *sorted(paths.values())])
    if p.returncode not in (0, 1):
        fail(f'check exit {p.returncode}: {p.stderr.decode("utf-8", "replace")[-300:]}')
        return 0
    doc = json.loads(p.stdout)
    got = {(r['rule'], r['artifact']): r for r in doc['results']}
    n = 0
    for rel, want in expected.items():
        for k, v in want.items():
            if k not in keys:
                continue
            r = got.get((rule_name(k), paths[rel]))
            if r is None:
                fail(f'{rel}: no result for {rule_name(k)}')
                continue
            n += 1
            if r['verdict'] != verdict(k, v) or r['state'] != v:
                fail(f'{rel}: {rule_name(k)} gave {r["verdict"]} (state {r["state"]}), built '
                     f'{k}={v} should give {verdict(k, v)}; note {r.get("note")!r}')
    return n


def changes(segscan, old, new):
    p = run([segscan, 'diff', '-f', 'json', '--compact', old, new])
    if p.returncode not in (0, 1):
        fail(f'diff {old} {new}: exit {p.returncode}: {p.stderr.decode("utf-8", "replace")[-300:]}')
        return None
    out = []

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get('changes'), list):
                out.extend(o['changes'])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(json.loads(p.stdout))
    return {c['id']: c for c in out}


def check_diffs(segscan, root, pairs, keys):
    n = 0
    for old, new, key in pairs:
        a, b = os.path.join(root, old), os.path.join(root, new)
        for want, (x, y) in (('lost', (a, b)), ('gained', (b, a))):
            got = changes(segscan, x, y)
            if got is None:
                continue
            n += 1
            cid = f'{key}-{want}'
            sev = 'regression' if want == 'lost' else 'improvement'
            if cid not in got:
                fail(f'diff {os.path.relpath(x, root)} -> {os.path.relpath(y, root)}: no {cid} '
                     f'(changes: {sorted(got)})')
            elif got[cid].get('severity') != sev:
                fail(f'{cid}: severity {got[cid].get("severity")}, expected {sev}')
        same = changes(segscan, a, a)
        if same is not None:
            bad = [c for c in same if any(c.startswith(f'{k}-') for k in keys)]
            if bad:
                fail(f'diff of {old} with itself reports {bad}')
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--segscan', required=True)
    ap.add_argument('--pe', required=True, help='the PE fixtures directory')
    ap.add_argument('--macho', required=True, help='the Mach-O fixtures directory')
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        nr = check_rules(a.segscan, a.pe, harden_pe.EXPECTED, harden_pe.KEYS, tmp, 'pe')
        nr += check_rules(a.segscan, a.macho, harden_macho.EXPECTED,
                          [k for k in harden_macho.KEYS if k != 'pie'], tmp, 'macho')
    nd = check_diffs(a.segscan, a.pe, PE_PAIRS, harden_pe.KEYS)
    nd += check_diffs(a.segscan, a.macho, MACHO_PAIRS, harden_macho.KEYS)
    if nr < 50 or nd < 30:
        fail(f'too few comparisons: {nr} rule verdicts, {nd} diffs')
    print(f'{nr} rule verdicts, {nd} diffs compared')
    for f in failures:
        print('FAIL', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
