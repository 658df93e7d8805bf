#!/usr/bin/env python3
"""Peak memory of one command, split (tests/bench.sh, issue 24).

    bench_rss.py LABEL CMD...

Prints one Markdown row: the highest RssAnon (pages the process allocated) and RssFile (pages of
mapped files it touched: page cache, shared) seen in /proc/PID/status, polled every 0.5 ms, and
VmHWM (the peak resident set, what /usr/bin/time -v reports). A short run can peak between two
polls: the figures are lower bounds, and agree to 0.1 MiB run to run on libLLVM-15.
"""
import subprocess
import sys
import time


def main():
    label, cmd = sys.argv[1], sys.argv[2:]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = {"RssAnon": 0, "RssFile": 0, "VmHWM": 0}
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    k = line.split(":")[0]
                    if k in peak:
                        peak[k] = max(peak[k], int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.0005)
    if p.returncode not in (0, 1):
        sys.exit(f"bench_rss: {cmd} exited {p.returncode}")
    mib = {k: v / 1024 for k, v in peak.items()}
    print(f"| {label} | {mib['RssAnon']:.1f} | {mib['RssFile']:.1f} | {mib['VmHWM']:.1f} |")


if __name__ == "__main__":
    main()
