#!/usr/bin/env python3
"""zero_init_check.py - bss.zero_init_bytes on the ELF fixtures against the readelf oracle.

    zero_init_check.py SEGSCAN ELF_FIXTURE_DIR

Covers the thread-local cases the analysis fixtures do not: .tbss takes no address space of its
segment, so it must be counted apart from .bss (whose addresses it overlaps), and the total
must equal the sum of its per-section parts plus the writable segments' uncovered tails."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import analysis_oracle as oracle  # noqa: E402


def main(argv):
    segscan, fx = argv[1], argv[2]
    fails, n, tls = [], 0, 0
    for name in sorted(os.listdir(fx)):
        p = os.path.join(fx, name)
        if not os.path.isfile(p) or name.startswith("broken") or name.endswith((".a", ".txt")):
            continue
        if open(p, "rb").read(4) != b"\x7fELF":
            continue
        r = subprocess.run([segscan, "--only", "bss", "--format", "json", p], capture_output=True, text=True)
        if r.returncode != 0:
            continue
        im = json.loads(r.stdout)["images"][0]
        if im["machine"] != "x86-64":
            continue  # the oracle reads x86-64 relocation types
        if im["type"] == "core":
            continue  # a dump's memsz > filesz is memory left out of the dump, not zero-filled
        # a sum past 2^64-1 (fixtures/elf/huge-nobits) is saturated there, never wrapped
        truth = min(oracle.bss_truth(p)["zero_init_bytes"], 2**64 - 1)
        got = im["bss"]["zero_init_bytes"]
        n += 1
        tls += any(s["kind"] == "tls-bss" for s in im["sections"])
        if got != truth:
            fails.append("%s: zero_init_bytes %d, readelf truth %d" % (name, got, truth))
    print("zero-init: %d ELF fixtures (%d with .tbss) against readelf; %d failures" % (n, tls, len(fails)))
    for f in fails:
        print("  FAIL " + f)
    return 1 if fails or tls == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
