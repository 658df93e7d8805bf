#!/usr/bin/env python3
"""container_bytes.py - every byte of archives and universal files is accounted.

    container_bytes.py SEGSCAN FILE...

For each archive (System V/GNU/BSD ar) or universal (fat/fat64) file, computes independently
which bytes belong to members - parsing the ar headers and the fat arch table here, nested
archives inside slices included - and checks segscan's inputs[].container_bytes equals the
file size minus those member bytes, and that members + container bytes == file_size."""
import json
import struct
import subprocess
import sys


def ar_member_bytes(data, base=0):
    """Sum of the sizes of an ar archive's members (symbol and long-name tables excluded)."""
    assert data[:8] == b"!<arch>\n"
    off, total = 8, 0
    while off + 60 <= len(data):
        h = data[off:off + 60]
        name = h[:16].decode("latin-1").rstrip()
        size = int(h[48:58].decode().strip())
        body = off + 60
        n = size
        if name.startswith("#1/"):
            nlen = int(name[3:])
            fname = data[body:body + nlen].rstrip(b"\0").decode("latin-1")
            n -= nlen
            name = fname
        if name not in ("/", "//", "/SYM64/") and not name.startswith("__.SYMDEF"):
            total += n
        off = body + size + (size & 1)
    return total


def fat_member_bytes(data):
    magic = struct.unpack_from(">I", data, 0)[0]
    wide = magic == 0xCAFEBABF
    n = struct.unpack_from(">I", data, 4)[0]
    total = 0
    for i in range(n):
        if wide:
            _, _, off, size, _, _ = struct.unpack_from(">iiQQII", data, 8 + 32 * i)
        else:
            _, _, off, size, _ = struct.unpack_from(">iiIII", data, 8 + 20 * i)
        sl = data[off:off + size]
        total += ar_member_bytes(sl) if sl[:8] == b"!<arch>\n" else size
    return total


def main(argv):
    segscan, files = argv[1], argv[2:]
    fails, n = [], 0
    for p in files:
        data = open(p, "rb").read()
        if data[:8] == b"!<arch>\n":
            members = ar_member_bytes(data)
        elif data[:4] in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
            members = fat_member_bytes(data)
        else:
            fails.append("%s: not an archive or universal file" % p)
            continue
        r = subprocess.run([segscan, "--only", "sizes", "--format", "json", p], capture_output=True, text=True)
        inp = json.loads(r.stdout)["inputs"][0]
        n += 1
        want = len(data) - members
        if inp["container_bytes"] != want or inp["file_size"] != len(data):
            fails.append("%s: container_bytes %d, independent %d (members %d of %d)" %
                         (p, inp["container_bytes"], want, members, len(data)))
    print("container bytes: %d archives/universal files; %d failures" % (n, len(fails)))
    for f in fails:
        print("  FAIL " + f)
    return 1 if fails or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
