#!/usr/bin/env python3
"""Gathers real third-party Mach-O files from golang's source tree (Debian package
golang-1.19-src) into OUT_DIR for the cross-check and mutation tests:
  src/debug/macho/testdata/*.base64   gcc/clang executables, objects, a dSYM, a universal file
                                      (base64-encoded: decoded here)
  src/debug/dwarf/testdata/*.macho*   objects with DWARF
  src/runtime/race/race_darwin_*.syso ld64 -r objects of the race runtime (x86_64, arm64)

usage: macho_golang.py OUT_DIR GOROOT_CANDIDATE...
Exit 1 when no candidate holds them: .ci/setup installs the package, and a cross-check
without its real inputs has checked nothing.
"""
import base64
import glob
import os
import sys


def main():
    out, cands = sys.argv[1], sys.argv[2:]
    root = next((d for d in cands if os.path.isdir(os.path.join(d, "src/debug/macho/testdata"))),
                None)
    if root is None:
        print("macho_golang: golang source testdata not installed (Debian golang-1.19-src, "
              "installed by .ci/setup)")
        return 1
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in sorted(glob.glob(os.path.join(root, "src/debug/macho/testdata/*.base64"))):
        with open(path, "rb") as f:
            data = base64.b64decode(f.read())
        with open(os.path.join(out, os.path.basename(path)[: -len(".base64")]), "wb") as f:
            f.write(data)
        n += 1
    for pattern in ("src/debug/dwarf/testdata/*.macho*", "src/runtime/race/race_darwin_*.syso"):
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            with open(path, "rb") as f, open(os.path.join(out, os.path.basename(path)), "wb") as g:
                g.write(f.read())
            n += 1
    print(f"macho_golang: {n} files from {root}")
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
