#!/usr/bin/env python3
"""pe_model.py - the PE reader's symbols, relocation targets and props against llvm-readobj-14.

The JSON report does not carry these, so tests/pe_model_dump prints them from the model. For
each fixture and each real file of pe_crosscheck.REAL_GLOBS that segscan reads:
  * every COFF symbol (aux records skipped): name, value (images: ImageBase + section RVA +
    Value), section index, function type, binding;
  * object relocations: the set of (section, offset) of every non-ABSOLUTE/PAIR entry, and 8
    bytes for the 64-bit address types;
  * image base relocations (--coff-basereloc): the set of patched addresses, 8 bytes for
    DIR64 and 4 for HIGHLOW;
  * props: Characteristics, DllCharacteristics, Subsystem, optional header Magic."""
import argparse
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pe_crosscheck import EXPECTED_ERRORS, REAL_GLOBS  # noqa: E402

errors = []
BIND = {'External': 1, 'WeakExternal': 2, 'Static': 0, 'Label': 0, 'File': 0, 'Section': 0,
        'Function': 0}


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def dump(tool, path):
    p = run([tool, path])
    if p.returncode != 0:
        return None
    out = {'sym': [], 'reloc': [], 'props': {}}
    for line in p.stdout.decode('utf-8', 'replace').splitlines():
        kind, _, rest = line.partition(' ')
        if kind == 'props':
            out['props'] = {k: int(v, 0) for k, v in (x.split('=') for x in rest.split())}
        elif kind == 'sym':
            m = re.match(r'(.*) value=0x([0-9a-f]+) section=(-?\d+) type=(\d+) bind=(\d+) '
                         r'defined=(\d) size=(\d+)$', rest)
            out['sym'].append((m.group(1), int(m.group(2), 16), int(m.group(3)), int(m.group(4)),
                               int(m.group(5))))
            out.setdefault('size', {})[m.group(1)] = int(m.group(7))
        elif kind == 'reloc':
            m = re.match(r'section=(-?\d+) addr=0x([0-9a-f]+) size=(\d+)$', rest)
            out['reloc'].append((int(m.group(1)), int(m.group(2), 16), int(m.group(3))))
    return out


def readobj(path):
    p = run(['llvm-readobj-14', '--file-headers', '--sections', '--symbols', '--relocations',
             '--coff-basereloc', path])
    return p.stdout.decode('utf-8', 'replace') if p.returncode == 0 else None


def check(path, d, text):
    is_image = 'ImageOptionalHeader {' in text
    base = 0
    if is_image:
        base = int(re.search(r'ImageBase: (0x[0-9A-Fa-f]+)', text).group(1), 16)
    vas = [int(x, 16) for x in re.findall(r'^    VirtualAddress: (0x[0-9A-Fa-f]+)', text, re.M)]
    # props
    chars = int(re.search(r'^ImageFileHeader \{.*?Characteristics \[ \((0x[0-9A-Fa-f]+)\)',
                          text, re.S | re.M).group(1), 16)
    want = {'characteristics': chars}
    if is_image:
        opt = text[text.index('ImageOptionalHeader {'):]
        want['dll_characteristics'] = int(re.search(r'Characteristics \[ \((0x[0-9A-Fa-f]+)\)', opt).group(1), 16)
        want['subsystem'] = int(re.search(r'Subsystem: \S+ \((0x[0-9A-Fa-f]+)\)', opt).group(1), 16)
        want['magic'] = int(re.search(r'Magic: (0x[0-9A-Fa-f]+)', opt).group(1), 16)
    for k, v in want.items():
        if d['props'].get(k) != v:
            errors.append(f"{path}: props {k} = {d['props'].get(k)}, llvm-readobj {v}")

    # symbols
    syms = []
    for block in re.findall(r'^  Symbol \{\n(.*?)^  \}', text, re.S | re.M):
        name = re.search(r'^    Name: (.*)$', block, re.M).group(1)
        value = int(re.search(r'^    Value: (\d+)', block, re.M).group(1))
        sec = int(re.search(r'^    Section: .*\((-?\d+)\)$', block, re.M).group(1))
        func = 'ComplexType: Function' in block
        cls = re.search(r'StorageClass: (\w+)', block).group(1)
        if sec >= 1 and is_image:
            value = base + vas[sec - 1] + value
        syms.append((name, value, sec - 1 if sec >= 1 else -1, func, BIND.get(cls, 3)))
    got = d['sym']
    if len(got) != len(syms):
        errors.append(f'{path}: {len(got)} symbols, llvm-readobj {len(syms)}')
    for g, w in zip(got, syms):
        name, value, sec, typ, bind = g
        if name != w[0] or sec != w[2] or (typ == 2) != w[3] or bind != w[4] or \
                (typ != 6 and value != w[1]):  # 6: SS_SYM_COMMON keeps its size, not a value
            errors.append(f'{path}: symbol {g} vs llvm-readobj {w}')
            break

    # relocations
    relocs = set()
    if is_image:
        for typ, addr in re.findall(r'Type: (\w+)\n\s+Address: (0x[0-9A-Fa-f]+)', text):
            if typ != 'ABSOLUTE':
                relocs.add((-1, base + int(addr, 16), {'DIR64': 8, 'HIGHLOW': 4}.get(typ)))
    else:
        for sec, body in re.findall(r'^  Section \((\d+)\) .*? \{\n(.*?)^  \}', text, re.S | re.M):
            for addr, typ in re.findall(r'^    (0x[0-9A-Fa-f]+) (\S+)', body, re.M):
                if typ.endswith(('_ABSOLUTE', '_PAIR')):
                    continue
                size = 8 if typ in ('IMAGE_REL_AMD64_ADDR64', 'IMAGE_REL_ARM64_ADDR64') else None
                relocs.add((int(sec) - 1, int(addr, 16), size))
    got = {(s, a) for s, a, _ in d['reloc']}
    if got != {(s, a) for s, a, _ in relocs}:
        errors.append(f'{path}: {len(got)} relocation targets, llvm-readobj {len(relocs)}: '
                      f'{sorted(got ^ {(s, a) for s, a, _ in relocs})[:4]}')
    sizes = {(s, a): z for s, a, z in d['reloc']}
    for s, a, z in relocs:
        if z is not None and sizes.get((s, a)) != z:
            errors.append(f'{path}: relocation at {a:#x} size {sizes.get((s, a))}, expected {z}')
            break
    return len(d['sym']), len(d['reloc'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dump', required=True)
    ap.add_argument('--fixtures', required=True)
    args = ap.parse_args()
    files = sorted(f for f in glob.glob(os.path.join(args.fixtures, '*'))
                   if f.endswith(('.exe', '.dll', '.efi', '.obj')))
    files += sorted({f for g in REAL_GLOBS for f in glob.glob(g) if os.path.isfile(f)
                     and os.path.basename(f) not in EXPECTED_ERRORS})
    nsym = nrel = 0
    for path in files:
        d = dump(args.dump, path)
        text = readobj(path)
        if d is None or text is None:
            errors.append(f'{path}: could not be read')
            continue
        s, r = check(path, d, text)
        nsym += s
        nrel += r
    # Derived sizes: the 1 MiB zero array is the only symbol in its object's .bss, and the
    # fixture's functions end where the next begins.
    for arch in ('x64', 'x86', 'arm64'):
        path = os.path.join(args.fixtures, f'{arch}-hello-big.obj')
        sizes = (dump(args.dump, path) or {}).get('size', {})
        zeros = sizes.get('big_zeros', sizes.get('_big_zeros'))
        if zeros != 1 << 20:
            errors.append(f'{path}: big_zeros size {zeros}, expected {1 << 20}')
    if nsym == 0 or nrel == 0:
        errors.append('no symbols or no relocations were compared at all')
    print(f'pe_model: {len(files)} files, {nsym} symbols and {nrel} relocation targets compared')
    for e in errors:
        print('FAIL', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
