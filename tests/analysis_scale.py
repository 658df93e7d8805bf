#!/usr/bin/env python3
"""Scale test of the string analysis: an object whose .rodata holds a few million strings.

usage: analysis_scale.py SEGSCAN WORKDIR [--sanitized]

The strings are generated so that the truth is known by construction:
  U distinct base strings "k%07d-text" (13 bytes), D of them stored twice, S suffixes
  "%07d-text" (12 bytes, each the proper suffix of one base string), DS of those stored twice.
  count = U + D + S + DS, unique = U + S, duplicate_bytes = 14 D + 13 DS, tail_merge_bytes = 13 S.
The section is written in shuffled order and assembled with `as` (.incbin). Prints the time."""
import json
import os
import random
import resource
import subprocess
import sys
import time

SEGSCAN, WORK = sys.argv[1:3]
SANITIZED = "--sanitized" in sys.argv[3:]
os.makedirs(WORK, exist_ok=True)
U, D, S, DS = 1_500_000, 750_000, 450_000, 150_000

strings = [b"k%07d-text" % i for i in range(U)]
strings += [b"k%07d-text" % i for i in range(D)]
strings += [b"%07d-text" % i for i in range(S)]
strings += [b"%07d-text" % i for i in range(DS)]
random.Random(4).shuffle(strings)
blob = os.path.join(WORK, "strings.bin")
with open(blob, "wb") as f:
    f.write(b"\0")
    f.write(b"\0".join(strings))
    f.write(b"\0")
asm = os.path.join(WORK, "scale.s")
with open(asm, "w") as f:
    f.write('\t.section .rodata,"a",@progbits\n\t.incbin "%s"\n'
            '\t.section .note.GNU-stack,"",@progbits\n' % blob)
obj = os.path.join(WORK, "scale.o")
subprocess.run(["as", asm, "-o", obj], check=True)

bad = {}
# -j1: one thread; -j2: the scan in chunks taken in turns, the grouping, sort and check in two
# parts, on two threads. Both must give the truth.
for jobs in ("-j1", "-j2"):
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run([SEGSCAN, "-q", jobs, "-f", "json", "--compact", "--only", "strings", obj],
                       stdout=subprocess.PIPE, check=True)
    elapsed = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    s = json.loads(r.stdout)["images"][0]["strings"]
    want = {"count": U + D + S + DS, "unique": U + S, "duplicate_bytes": 14 * D + 13 * DS,
            "tail_merge_bytes": 13 * S, "duplicate_groups": D + DS, "tail_merge_strings": S}
    print("%s: %d strings in %d bytes of .rodata: segscan took %.2f s (%.2f s of CPU)" % (
        jobs, len(strings), os.path.getsize(blob), elapsed, cpu))
    for k, v in want.items():
        if s[k] != v:
            print("FAIL %s: %s = %d, expected %d" % (jobs, k, s[k], v))
            bad[jobs + k] = 1
    print("duplicates listed: %d (cut at 100), first %r" % (len(s["duplicates"]),
                                                            s["duplicates"][0]["text"]))
    if len(s["duplicates"]) != 100:
        print("FAIL: the duplicates list is not cut at 100")
        bad["list"] = 1
    # The kept 100 of 900,000 ranked groups: all waste 14 bytes and are 13 long, so the order
    # falls to the bytes: the 100 smallest base strings, ascending.
    top = [(d["text"], d["bytes_wasted"], d["copies"]) for d in s["duplicates"]]
    if top != [("k%07d-text" % i, 14, 2) for i in range(100)]:
        print("FAIL %s: the kept duplicates are not the 100 first by waste, length, bytes: %r"
              % (jobs, top[:3]))
        bad[jobs + "top"] = 1
    # Where the kept ones are: both copies, in file order (found by a pass over the records).
    with open(obj, "rb") as f:
        data = f.read()
    for d in s["duplicates"]:
        pat = b"\0" + d["text"].encode() + b"\0"
        want_offs, at = [], data.find(pat)
        while at >= 0:
            want_offs.append(at + 1)
            at = data.find(pat, at + 1)
        if d["offsets"] != want_offs:
            print("FAIL %s: offsets of %r are %r, in the file %r" % (jobs, d["text"], d["offsets"],
                                                                    want_offs))
            bad[jobs + "offsets"] = 1
            break

# The scan gives its records room for the most strings the bytes could hold (total / (min + 1)
# per thread) in one block of address space, whose pages are made only when written. A big
# section of few strings: 24 slices of the 20,800 strings, each followed by 2 MiB of zeros (so
# that both threads find some), 50.6 MB in all, for which the block would be 2 x 50.6 MB / 5 x
# 16 bytes = 324 MB; with the address space limited to 256 MiB it cannot be had, and the
# threads' lists must grow and be joined instead, with the same result.
strs = [b"s%06d-sparse" % i for i in range(20000)] + [b"s%06d-sparse" % i for i in range(500)]
strs += [b"%06d-sparse" % i for i in range(300)]
random.Random(5).shuffle(strs)
sasm, sobj = os.path.join(WORK, "sparse.s"), os.path.join(WORK, "sparse.o")
with open(sasm, "w") as f:
    f.write('\t.section .rodata,"a",@progbits\n')
    for k in range(24):
        head = os.path.join(WORK, "sparse-%d.bin" % k)
        with open(head, "wb") as h:
            h.write(b"\0" + b"\0".join(strs[k::24]) + b"\0")
        f.write('\t.incbin "%s"\n\t.zero %d\n' % (head, 2 << 20))
    f.write('\t.section .note.GNU-stack,"",@progbits\n')
subprocess.run(["as", sasm, "-o", sobj], check=True)
LIMIT = 256 << 20


def limit_as():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


sparse_runs = [("-j2", None), ("-j2, address space 256 MiB", limit_as)]
if SANITIZED:
    print("sparse: no run with limited address space (the sanitizers' shadow needs terabytes)")
    sparse_runs.pop()
for name, pre in sparse_runs:
    r = subprocess.run([SEGSCAN, "-q", "-j2", "-f", "json", "--compact", "--only", "strings", sobj],
                       stdout=subprocess.PIPE, check=True, preexec_fn=pre)
    im = json.loads(r.stdout)["images"][0]
    got = im.get("strings", {})
    want = {"count": 20800, "unique": 20300, "duplicate_bytes": 15 * 500,
            "tail_merge_bytes": 14 * 300}
    wrong = {k: got.get(k) for k, v in want.items() if got.get(k) != v}
    print("sparse %s: %s" % (name, "ok" if not wrong and not im["warnings"] else "FAIL"))
    if wrong or im["warnings"]:
        print("FAIL sparse %s: %r, warnings %r" % (name, wrong, im["warnings"]))
        bad["sparse" + name] = 1
sys.exit(1 if bad else 0)
