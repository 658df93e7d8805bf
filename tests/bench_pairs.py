#!/usr/bin/env python3
"""One interleaved pair of commands for tests/bench.sh (issue 24).

    bench_pairs.py --runs N --case TEXT --a NAME CMD --b NAME CMD [--minus NAME CMD]
                   [--target OP:X] [--warmup K]

Runs A and B alternately (A B A B ..., after K untimed warm-up pairs), each with stdout to
/dev/null (through bash -c only when the command is a pipeline or list), and prints one Markdown row: the median time of each and the median
and min-max of the per-pair ratio A/B. Interleaving is the point: on a shared machine the load
changes from second to second, and a ratio of two runs taken a few milliseconds apart moves much
less than either time. --target le:2 (or ge:30) says what the ratio should be and adds a
"met" column. --minus C makes A's side the time A takes beyond C, both run in each round
(A C B A C B ...): what one analysis adds to the others, against B. The row is also appended, as JSON, to $BENCH_OUT/pairs.ndjson when set.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def timed(cmd):
    # A plain command runs without a shell: bash's own start (2-5 ms) would pad both sides of a
    # ratio to `cat` and pull it towards 1. Pipelines and lists go through bash -c.
    shell = any(c in cmd for c in "|;&<>$'\"")
    argv = cmd if shell else shlex.split(cmd)
    t = time.perf_counter()
    r = subprocess.run(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       executable="/bin/bash" if shell else None)
    dt = time.perf_counter() - t
    if r.returncode not in (0, 1):  # 1: segscan's "findings" exit, uniq's nothing found
        sys.exit(f"bench_pairs: `{cmd}` exited {r.returncode}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--case", required=True)
    ap.add_argument("--a", nargs=2, required=True, metavar=("NAME", "CMD"))
    ap.add_argument("--b", nargs=2, required=True, metavar=("NAME", "CMD"))
    ap.add_argument("--minus", nargs=2, metavar=("NAME", "CMD"))
    ap.add_argument("--target", default="")
    ap.add_argument("--header", action="store_true", help="print the table header first")
    a = ap.parse_args()
    if a.header:
        print("| case | A | B | pairs | A median ms | B median ms | A/B median | A/B min-max | target | met |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    for _ in range(a.warmup):
        timed(a.a[1])
        if a.minus:
            timed(a.minus[1])
        timed(a.b[1])
    ta, tb, raw = [], [], []
    for _ in range(max(1, a.runs)):
        t = timed(a.a[1])
        raw.append(t)
        if a.minus:
            t -= timed(a.minus[1])
        ta.append(t)
        tb.append(timed(a.b[1]))
    name_a = f"{a.a[0]} minus {a.minus[0]}" if a.minus else a.a[0]
    ratios = [x / y for x, y in zip(ta, tb)]
    med = statistics.median(ratios)
    met = ""
    if a.target:
        op, x = a.target.split(":")
        x = float(x)
        ok = (max(ratios) <= x) if op == "le" else (min(ratios) >= x)
        okm = med <= x if op == "le" else med >= x
        met = "yes" if ok else ("median only" if okm else "no")
        target = ("<= " if op == "le" else ">= ") + f"{x:g}"
    else:
        target = ""
    print(f"| {a.case} | {name_a} | {a.b[0]} | {len(ratios)} | {1000 * statistics.median(ta):.1f} "
          f"| {1000 * statistics.median(tb):.1f} | {med:.2f} | {min(ratios):.2f}-{max(ratios):.2f} "
          f"| {target} | {met} |")
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(os.path.join(out, "pairs.ndjson"), "a") as f:
            f.write(json.dumps({"case": a.case, "a": a.a, "b": a.b, "minus": a.minus, "a_raw_s": raw, "a_s": ta, "b_s": tb,
                                "ratio_median": med, "ratio_min": min(ratios),
                                "ratio_max": max(ratios), "target": a.target, "met": met}) + "\n")


if __name__ == "__main__":
    main()
