#!/usr/bin/env python3
"""harden_macho_nx.py - `nx` and `require-nx` on Mach-O: MH_NO_HEAP_EXECUTION matters on 32-bit
x86 only, so an i386 MH_EXECUTE is judged (yes/no as the flag says) and an x86_64 one is n-a,
which `check`'s require-nx never fails. Fixtures: yaml2obj-14 Mach-O headers written here; the
oracle is llvm-objdump-14 --macho --private-header (cputype and flags).

usage: harden_macho_nx.py SEGSCAN OUTDIR"""
import json
import os
import subprocess
import sys

SEGSCAN, OUT = (os.path.abspath(a) for a in sys.argv[1:3])
os.makedirs(OUT, exist_ok=True)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(cmd):
    return subprocess.run(cmd, cwd=OUT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def yaml(is64, flags):
    seg = "LC_SEGMENT_64" if is64 else "LC_SEGMENT"
    return """--- !mach-o
FileHeader:
  magic:           %s
  cputype:         %s
  cpusubtype:      0x00000003
  filetype:        0x00000002
  ncmds:           1
  sizeofcmds:      %d
  flags:           0x%08x%s
LoadCommands:
  - cmd:             %s
    cmdsize:         %d
    segname:         __TEXT
    vmaddr:          4096
    vmsize:          4096
    fileoff:         0
    filesize:        4096
    maxprot:         5
    initprot:        5
    nsects:          0
    flags:           0
...
""" % ("0xFEEDFACF" if is64 else "0xFEEDFACE", "0x01000007" if is64 else "0x00000007",
       72 if is64 else 56, flags, "\n  reserved:        0" if is64 else "", seg, 72 if is64 else 56)


PIE, NOHEAP = 0x200000, 0x1000000
CASES = {"i386_noheap": (False, PIE | NOHEAP), "i386_heap": (False, PIE),
         "x86_64_heap": (True, PIE), "x86_64_noheap": (True, PIE | NOHEAP)}
for name, (is64, flags) in CASES.items():
    with open(os.path.join(OUT, name + ".yaml"), "w") as fh:
        fh.write(yaml(is64, flags))
    r = run(["yaml2obj-14", name + ".yaml", "-o", name])
    if r.returncode:
        sys.exit("yaml2obj-14 %s: %s" % (name, r.stderr))

for name in CASES:
    head = run(["llvm-objdump-14", "--macho", "--private-header", name]).stdout.splitlines()[-1].split()
    cpu, flags = head[1], head[7:]
    want = ("yes" if any(f.endswith("NO_HEAP_EXECUTION") for f in flags) else "no") if cpu == "I386" else "n-a"
    im = json.loads(run([SEGSCAN, "-q", "-f", "json", "--only", "perms", name]).stdout)["images"][0]
    got = im["permissions"]["nx"]
    check(got == want, "%s (%s %s): nx %s, want %s" % (name, cpu, " ".join(flags), got, want))
    check(("no-nx" in {f["id"] for f in im["findings"]}) == (want == "no"), "%s: no-nx finding" % name)
    check(bool(im["permissions_evidence"]["nx"]), "%s: nx without evidence" % name)
    print("%-14s %-6s nx=%-4s %s" % (name, cpu, got, im["permissions_evidence"]["nx"]))

with open(os.path.join(OUT, "nx.yaml"), "w") as fh:
    fh.write("version: 1\npolicy:\n  - rule: require-nx\n")
r = run([SEGSCAN, "check", "-q", "-b", "nx.yaml", "-f", "json"] + list(CASES))
verdicts = {x["artifact"]: x["verdict"] for x in json.loads(r.stdout)["results"]}
check(verdicts == {"i386_noheap": "pass", "i386_heap": "fail", "x86_64_heap": "n/a",
                   "x86_64_noheap": "n/a"}, "require-nx verdicts %s" % verdicts)
print("harden_macho_nx: %d failures" % len(failures))
sys.exit(1 if failures else 0)
