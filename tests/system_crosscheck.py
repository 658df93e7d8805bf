#!/usr/bin/env python3
"""system_crosscheck.py - segscan against independent tools on the machine's own binaries.

    system_crosscheck.py SEGSCAN [--min N]

Picks ELF files from /usr/bin, /usr/sbin, /usr/lib and /usr/lib/x86_64-linux-gnu (executables,
shared objects, objects and small static archives; a deterministic choice: sorted paths, spread
evenly), runs segscan on them in batches and checks, for every image:
  - every section header and program header equals what `readelf -S -W` / `readelf -l -W`
    print (readelf_oracle.compare: index, name, address, offset, sizes, permissions);
  - text/data/bss equal GNU `size -B` (the Berkeley rule segscan documents);
  - the file map is contiguous and sums to the file size.
Fails (exit 1) on any mismatch, printing each; at least --min files must be checked (default
200), so a machine with too few binaries fails loudly instead of passing on nothing.
"""
import functools
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readelf_oracle  # noqa: E402

# readelf prints every member of an archive at once: run it once per file, not once per member.
_readelf_uncached = readelf_oracle._readelf
_readelf_cached = functools.lru_cache(maxsize=16)(
    lambda args, path: _readelf_uncached(list(args), path))
readelf_oracle._readelf = lambda args, path: _readelf_cached(tuple(args), path)

DIRS = ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/gcc/x86_64-linux-gnu/12"]
MAX_ARCHIVE = 4 << 20  # archives larger than this are left out (readelf prints every member)
BATCH = 40


def is_elf_or_ar(path):
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    if head[:4] == b"\x7fELF":
        return "elf"
    if head == b"!<arch>\n":
        return "ar"
    return None


def candidates():
    found = []
    for d in DIRS:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            kind = is_elf_or_ar(p)
            if kind == "ar" and os.path.getsize(p) > MAX_ARCHIVE:
                continue
            if kind:
                found.append((p, kind))
    return found


def spread(items, n):
    """n items spread evenly over the sorted list (deterministic, covers every directory)."""
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


SIZE_RE = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+(.*)$")


def size_totals(path):
    """{member or None: (text, data, bss)} from GNU size -B."""
    r = subprocess.run(["size", "-B", path], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines()[1:]:
        m = SIZE_RE.match(line)
        if not m:
            continue
        name = m.group(4)
        member = None
        mm = re.search(r"\(ex (.*)\)$", name)
        if mm:
            member = os.path.basename(name.split(" (ex ")[0])
        out[member] = tuple(int(m.group(i)) for i in (1, 2, 3))
    return out


def main(argv):
    segscan = argv[1]
    want = 200
    if "--min" in argv:
        want = int(argv[argv.index("--min") + 1])
    files = spread(candidates(), max(want + 60, 300))
    problems = []
    checked_files = images = sections = segments = 0
    for i in range(0, len(files), BATCH):
        batch = [p for p, _ in files[i:i + BATCH]]
        r = subprocess.run([segscan, "-q", "--compact", "--format", "json"] + batch,
                           capture_output=True, text=True)
        if r.returncode not in (0, 3):
            problems.append("segscan exited %d on batch %s" % (r.returncode, batch[0]))
            continue
        doc = json.loads(r.stdout)
        for e in doc["errors"]:
            problems.append("segscan error: %s(%s): %s" % (e["path"], e["member"], e["message"]))
        sizes = {}
        for im in doc["images"]:
            path = im["path"]
            images += 1
            sections += len(im["sections"])
            segments += len(im["segments"])
            for m in readelf_oracle.compare(path, im):
                problems.append("%s%s: %s" % (path, "(%s)" % im["member"] if im["member"] else "", m))
            for m in readelf_oracle.check_file_map(im):
                problems.append("%s: %s" % (path, m))
            if path not in sizes:
                sizes[path] = size_totals(path)
            want_sz = sizes[path].get(im["member"] and os.path.basename(im["member"]))
            got = (im["totals"]["text"], im["totals"]["data"], im["totals"]["bss"])
            if want_sz is None:
                problems.append("%s(%s): size -B printed no line for it" % (path, im["member"]))
            elif want_sz != got:
                problems.append("%s(%s): size -B text/data/bss %s, segscan %s" %
                                (path, im["member"], want_sz, got))
        checked_files += len(batch)
    print("system cross-check: %d files, %d images, %d sections, %d program headers; "
          "%d mismatches" % (checked_files, images, sections, segments, len(problems)))
    for p in problems[:200]:
        print("  " + p)
    if checked_files < want:
        print("only %d files found, need %d" % (checked_files, want))
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
