#!/usr/bin/env python3
"""verify_compressed.py - --verify-compressed against files whose truth is known.

    verify_compressed.py SEGSCAN ELF_FIXTURE_DIR

- Real compressed debug info (gcc -gz=zlib and zstd, clang+lld zlib, objcopy zlib-gnu .zdebug):
  every section verifies, no warning, sizes equal the headers (which the ELF tests already
  compare with objcopy --decompress-debug-sections).
- The same file with one Chdr's ch_size raised by one and another lowered by one: exit 0,
  a warning naming each section with an offset, and a null uncompressed_size for each.
- compressed.yaml's .debug_str (a zstd header over bytes that are no zstd stream): a warning,
  and the size becomes null.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile


def run(segscan, path):
    r = subprocess.run([segscan, "--only", "sizes", "--verify-compressed", "--format", "json", path],
                       capture_output=True, text=True)
    return r.returncode, json.loads(r.stdout)["images"][0] if r.stdout else None


def main(argv):
    segscan, fx = argv[1], argv[2]
    fails = []
    checked = 0
    for name in ("gcc-debug-zlib", "gcc-debug-zstd", "clang-lld-debug-zlib", "zdebug.o"):
        p = os.path.join(fx, name)
        if not os.path.exists(p):
            fails.append("%s: fixture not built" % name)
            continue
        rc, im = run(segscan, p)
        comp = [s for s in im["sections"] if "compressed" in s]
        checked += len(comp)
        if rc != 0 or im["warnings"] or not comp:
            fails.append("%s: rc %d, %d compressed sections, warnings %s" % (name, rc, len(comp), im["warnings"]))
        for s in comp:
            if s["compressed"]["uncompressed_size"] is None:
                fails.append("%s: %s lost its size" % (name, s["name"]))

    # Lie in two Chdr headers of a real file (ELF64 little-endian: ch_size at +8).
    src = os.path.join(fx, "gcc-debug-zlib")
    rc, im = run(segscan, src)
    comp = [s for s in im["sections"] if s.get("compressed", {}).get("format") == "zlib"][:2]
    data = bytearray(open(src, "rb").read())
    for s, delta in zip(comp, (1, -1)):
        at = s["offset"] + 8
        size = struct.unpack_from("<Q", data, at)[0]
        struct.pack_into("<Q", data, at, size + delta)
    with tempfile.NamedTemporaryFile(delete=False) as t:
        t.write(data)
    rc, im = run(segscan, t.name)
    os.unlink(t.name)
    by_name = {s["name"]: s for s in im["sections"]}
    for s in comp:
        got = by_name[s["name"]]["compressed"]["uncompressed_size"]
        warned = [w for w in im["warnings"] if s["name"] in w["message"] and w["offset"] is not None]
        if rc != 0 or got is not None or not warned:
            fails.append("lying header on %s: rc %d, size %r, warnings %s" % (s["name"], rc, got, im["warnings"]))

    rc, im = run(segscan, os.path.join(fx, "compressed"))
    s = [x for x in im["sections"] if x["name"] == ".debug_str"][0]
    if s["compressed"]["uncompressed_size"] is not None or not any(".debug_str" in w["message"] for w in im["warnings"]):
        fails.append("compressed.yaml .debug_str: %r %s" % (s["compressed"], im["warnings"]))

    print("verify-compressed: %d real compressed sections verified; %d failures" % (checked, len(fails)))
    for f in fails:
        print("  FAIL " + f)
    return 1 if fails or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
