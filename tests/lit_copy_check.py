#!/usr/bin/env python3
"""The string and literals analyses read the literal sections from the image's bytes when the
file is small (read into a buffer) and from a copy made by pread when it is mapped
(ss_image_copy_literals). Both ways must give the same results.

Each binary is analysed twice: alone (under 1 MiB: a buffer, no copy) and as a member of an ar
archive padded past 1 MiB with a member of random bytes (mapped: the member's image gets the
copy, at the member's offset in the archive). The two images' "strings" and "literals" objects
must be equal, and the binaries must hold duplicates of both kinds between them, so that the
comparison is not between empty results.

usage: lit_copy_check.py SEGSCAN WORKDIR BINARY...
"""
import json
import os
import random
import shutil
import subprocess
import sys

READ_MAX = 1 << 20  # core/input.h SS_READ_MAX: larger files are mapped
# what an archive adds to a member's string analysis (the strings its members share)
ARCHIVE_ONLY = {"across_members"}


def analyse(segscan, path):
    out = subprocess.run([segscan, "-f", "json", path], capture_output=True, text=True)
    if out.returncode not in (0, 1):  # 1: findings; anything else is a failure
        sys.exit(f"FAIL: segscan {path} exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def main():
    segscan, work, binaries = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    members = []
    for i, binary in enumerate(binaries):
        size = os.path.getsize(binary)
        if size >= READ_MAX:
            sys.exit(f"FAIL: {binary} is {size} bytes: it must be under {READ_MAX} to be read, "
                     "not mapped")
        member = os.path.join(work, f"m{i}")
        shutil.copyfile(binary, member)
        members.append(member)
    filler = os.path.join(work, "filler")
    with open(filler, "wb") as f:
        f.write(random.Random(19).randbytes(READ_MAX + READ_MAX // 2))
    archive = os.path.join(work, "padded.a")
    if os.path.exists(archive):
        os.unlink(archive)
    subprocess.run(["ar", "rcS", archive, filler] + members, check=True)
    if os.path.getsize(archive) <= READ_MAX:
        sys.exit("FAIL: the archive is not past 1 MiB: it would not be mapped")
    in_archive = analyse(segscan, archive)["images"]

    failures = 0
    dups = {"strings": 0, "literals": 0}
    for binary, member in zip(binaries, members):
        alone = analyse(segscan, member)["images"]
        name = os.path.basename(member)
        inside = [im for im in in_archive if im.get("member") == name]
        if len(alone) != 1 or len(inside) != 1:
            print(f"FAIL: {binary}: {len(alone)} images alone, {len(inside)} in the archive")
            failures += 1
            continue
        a, b = alone[0], inside[0]
        for k in ARCHIVE_ONLY:
            b.get("strings", {}).pop(k, None)
        if b.get("base_offset", 0) == 0:
            print(f"FAIL: {binary} starts at offset 0 of the archive; the test wants an offset")
            failures += 1
        for key in dups:
            if key not in a or key not in b:
                print(f"FAIL: {binary}: no {key!r} object ({key in a} alone, {key in b} in the archive)")
                failures += 1
                continue
            dups[key] += len(a[key].get("duplicates") or [])
            if a[key] != b[key]:
                diff = [k for k in sorted(set(a[key]) | set(b[key])) if a[key].get(k) != b[key].get(k)]
                print(f"FAIL: {binary}: {key} differ between the buffer and the copy in {diff}")
                failures += 1
            else:
                print(f"ok: {binary}: {key} equal ({a[key].get('count')} objects, "
                      f"{a[key].get('duplicate_groups')} duplicate groups)")
    for key, n in dups.items():  # not a comparison of empty results
        if n == 0:
            print(f"FAIL: no binary has a duplicate in its {key} analysis: the comparison is empty")
            failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
