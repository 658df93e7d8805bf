#!/usr/bin/env python3
"""`segscan 'FILE(MEMBER)'` selects one archive member or universal slice (issue 23).

    member_select.py SEGSCAN --elf DIR --macho DIR --lipo LLVM-LIPO [--archive A.a ...]

Oracles: `ar t` names the members of an archive (and their number); `ar x` extracts a member,
whose size, bytes and `size -B` totals the selected image must equal; `llvm-lipo -archs` names
the slices of a universal binary and `llvm-lipo -thin` extracts one. A selection must also be
exactly the image the full report gives for that member.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def segscan_json(seg, *args, expect=0):
    r = run([seg, "-q", "-f", "json", "--compact"] + list(args))
    check(r.returncode == expect, "segscan %s: exit %d (got %d: %s)" % (args, expect, r.returncode,
                                                                       r.stderr[-300:]))
    try:
        return r, json.loads(r.stdout)
    except ValueError:
        check(False, "segscan %s: JSON on stdout" % (args,))
        return r, {"images": [], "inputs": [], "errors": []}


def size_B(path):
    out = run(["size", "-B", path]).stdout.splitlines()
    f = out[1].split()
    return int(f[0]), int(f[1]), int(f[2])


def sample(names, k):
    """Up to k names spread over the list, first and last included."""
    if len(names) <= k:
        return list(names)
    step = (len(names) - 1) / (k - 1)
    return sorted({names[round(i * step)] for i in range(k)}, key=names.index)


def t_archive(seg, archive, k, tmp):
    """Members named by `ar t`, each selected and compared with `ar x`'s copy."""
    names = run(["ar", "t", archive]).stdout.split("\n")[:-1]
    check(len(names) > 0, "%s: ar t lists members" % archive)
    with open(archive, "rb") as fh:
        data = fh.read()
    _, full = segscan_json(seg, "--only", "sizes", archive)
    by_member = {}
    for im in full["images"]:
        by_member.setdefault(im["member"], []).append(im)
    cbytes = full["inputs"][0]["container_bytes"] if full["inputs"] else None
    picks = sample(names, k)
    if "malloc.o" in names and "malloc.o" not in picks:
        picks.append("malloc.o")
    for m in picks:
        if names.count(m) > 1:
            continue  # `ar x` keeps one of several same-named members; compare unique ones
        d = os.path.join(tmp, "x")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        r = run(["ar", "x", os.path.abspath(archive), m], cwd=d)
        member_file = os.path.join(d, m)
        check(r.returncode == 0 and os.path.exists(member_file), "ar x %s %s: %s" % (archive, m, r.stderr))
        if not os.path.exists(member_file):
            continue
        with open(member_file, "rb") as fh:
            mbytes = fh.read()
        is_elf = mbytes[:4] == b"\x7fELF"
        r, doc = segscan_json(seg, "--only", "sizes", "%s(%s)" % (archive, m), expect=0 if is_elf else 3)
        if not is_elf:
            check(doc["images"] == [] and len(doc["errors"]) == 1 and
                  doc["errors"][0]["member"] == m and r.stderr.count("\n") == 1 and
                  "%s(%s): member is not an ELF" % (archive, m) in r.stderr,
                  "%s(%s): a member that is no binary is one error when asked for: %r" %
                  (archive, m, r.stderr))
            continue
        ims = doc["images"]
        check(len(ims) == 1 and ims[0]["member"] == m and ims[0]["path"] == archive,
              "%s(%s): one image, that member: %s" % (archive, m, [(i["path"], i["member"]) for i in ims]))
        if len(ims) != 1:
            continue
        im = ims[0]
        off = im["base_offset"]
        check(im["file_size"] == len(mbytes) and data[off:off + len(mbytes)] == mbytes,
              "%s(%s): size %d and bytes at 0x%x == ar x (%d bytes)" % (archive, m, im["file_size"],
                                                                      off, len(mbytes)))
        t = im["totals"]
        check((t["text"], t["data"], t["bss"]) == size_B(member_file),
              "%s(%s): text/data/bss %s == size -B %s" % (archive, m, (t["text"], t["data"], t["bss"]),
                                                         size_B(member_file)))
        check(by_member.get(m) == [im], "%s(%s): the image of the full report" % (archive, m))
        inp = doc["inputs"][0]
        check(inp["path"] == archive and inp["container"] == "archive" and inp["images"] == 1 and
              inp["file_size"] == len(data) and inp["container_bytes"] == cbytes,
              "%s(%s): inputs[]: %s (container bytes as in the full report: %s)" % (archive, m, inp, cbytes))
    # A member that is not there: one line, exit 3, naming how many there are (ar t's count).
    r, doc = segscan_json(seg, "%s(no-such-member.o)" % archive, expect=3)
    lines = r.stderr.splitlines()
    want = "segscan: %s(no-such-member.o): no such member (the archive has %d: " % (archive, len(names))
    check(len(lines) == 1 and lines[0].startswith(want),
          "%s: missing member: one line %r, got %r" % (archive, want, r.stderr))
    check(doc["images"] == [] and [(e["path"], e["member"]) for e in doc["errors"]] ==
          [(archive, "no-such-member.o")], "%s: missing member in errors[]" % archive)
    # The text report of one member names it as nm and size do.
    m = next((n for n in picks if names.count(n) == 1 and n.endswith(".o")), None)
    if m:
        r = run([seg, "-q", "--only", "sizes", "%s(%s)" % (archive, m)])
        check(r.returncode == 0 and r.stdout.startswith("%s(%s): ELF" % (archive, m)),
              "%s(%s): text header: %r" % (archive, m, r.stdout[:120]))


def t_literal_name(seg, elf, tmp):
    """A file whose name holds parentheses is that file, even beside a matching archive."""
    d = os.path.join(tmp, "literal")
    os.makedirs(d)
    shutil.copyfile(os.path.join(elf, "libfixture.a"), os.path.join(d, "lib.a"))
    literal = os.path.join(d, "lib.a(member_a.o)")
    shutil.copyfile(os.path.join(elf, "gcc-pie"), literal)
    _, doc = segscan_json(seg, "--only", "sizes", literal)
    ims = doc["images"]
    check(len(ims) == 1 and ims[0]["member"] is None and ims[0]["path"] == literal and
          ims[0]["file_size"] == os.path.getsize(literal),
          "an existing file named lib.a(member_a.o) wins: %s" % [(i["path"], i["member"]) for i in ims])
    r, doc = segscan_json(seg, "--only", "sizes", os.path.join(d, "lib.a(member_b.o)"))
    check([i["member"] for i in doc["images"]] == ["member_b.o"], "beside it, lib.a(member_b.o) selects")
    # check measures the member named, not the archive.
    bfile = os.path.join(d, "budget.yaml")
    with open(bfile, "w") as fh:
        fh.write("budgets:\n  - artifacts: lib.a\n    metric: file-size\n    max: 1 MiB\n")
    run(["ar", "x", "lib.a", "member_b.o"], cwd=d)
    r = run([seg, "check", "--budget", bfile, "-f", "json", os.path.join(d, "lib.a(member_b.o)")])
    res = json.loads(r.stdout)["results"] if r.returncode == 0 else []
    check(len(res) == 1 and res[0]["member"] == "member_b.o" and
          res[0]["value"] == os.path.getsize(os.path.join(d, "member_b.o")),
          "check 'lib.a(member_b.o)': the member's file size (ar x): %s %s" % (res, r.stderr))
    # A file that is no container has no members.
    prog = os.path.join(elf, "gcc-pie")
    r, doc = segscan_json(seg, "%s(main.o)" % prog, expect=3)
    check(r.stderr == "segscan: %s(main.o): no such member: not an archive or universal binary\n" % prog,
          "a plain binary has no members: %r" % r.stderr)
    # A FILE that does not exist: the path as given cannot be opened.
    r, doc = segscan_json(seg, os.path.join(d, "nosuch.a(x.o)"), expect=3)
    check("nosuch.a(x.o): cannot open: No such file or directory" in r.stderr,
          "a missing file is named as given: %r" % r.stderr)
    # Several selections and whole files in one run, in order.
    a = os.path.join(d, "lib.a")
    _, doc = segscan_json(seg, "--only", "sizes", "%s(member_b.o)" % a, prog, literal, a)
    check([(os.path.basename(i["path"]), i["member"]) for i in doc["images"]] ==
          [("lib.a", "member_b.o"), ("gcc-pie", None), ("lib.a(member_a.o)", None),
           ("lib.a", "member_a.o"), ("lib.a", "member_b.o")],
          "several selections keep their order: %s" % [(i["path"], i["member"]) for i in doc["images"]])


def t_universal(seg, macho, lipo, tmp):
    """Slices named as llvm-lipo names them, each the bytes llvm-lipo -thin extracts."""
    for fat in ("fat-exe", "fat-lib.a"):
        path = os.path.join(macho, fat)
        archs = run([lipo, path, "-archs"]).stdout.split()
        check(len(archs) >= 2, "%s: llvm-lipo -archs: %s" % (fat, archs))
        with open(path, "rb") as fh:
            data = fh.read()
        _, full = segscan_json(seg, "--only", "sizes", path)
        for arch in archs:
            thin = os.path.join(tmp, "%s-%s" % (fat, arch))
            r = run([lipo, path, "-thin", arch, "-output", thin])
            check(r.returncode == 0, "llvm-lipo -thin %s: %s" % (arch, r.stderr))
            with open(thin, "rb") as fh:
                tbytes = fh.read()
            _, doc = segscan_json(seg, "--only", "sizes", "%s(%s)" % (path, arch))
            ims = doc["images"]
            want = [im for im in full["images"] if im["member"] == arch or
                    im["member"].startswith(arch + "/")]
            check(ims == want and len(ims) >= 1, "%s(%s): the slice's images of the full report" % (fat, arch))
            if fat == "fat-exe" and len(ims) == 1:
                off = ims[0]["base_offset"]
                check(ims[0]["member"] == arch and ims[0]["file_size"] == len(tbytes) and
                      data[off:off + len(tbytes)] == tbytes,
                      "%s(%s): the bytes llvm-lipo -thin extracts" % (fat, arch))
            if fat == "fat-lib.a":
                # The slice is an archive: its members by ar t, each selectable by its path.
                # (ar t also lists a BSD archive's symbol table, __.SYMDEF, which is no member
                # of interest: segscan skips it as it skips GNU's "/".)
                members = [n for n in run(["ar", "t", thin]).stdout.split()
                           if not n.startswith("__.SYMDEF")]
                check(sorted(i["member"] for i in ims) == sorted(arch + "/" + m for m in members),
                      "%s(%s): members %s == ar t %s" % (fat, arch, [i["member"] for i in ims], members))
                for m in members:
                    _, one = segscan_json(seg, "--only", "sizes", "%s(%s/%s)" % (path, arch, m))
                    check([i["member"] for i in one["images"]] == [arch + "/" + m],
                          "%s(%s/%s) selects one member" % (fat, arch, m))
            check(doc["inputs"][0]["container_bytes"] == full["inputs"][0]["container_bytes"],
                  "%s(%s): container bytes as in the full report" % (fat, arch))
        r, doc = segscan_json(seg, "%s(ppc64)" % path, expect=3)
        want = "segscan: %s(ppc64): no such slice (the universal binary has %d: %s)\n" % (
            path, len(archs), ", ".join(archs))
        check(r.stderr == want, "%s: missing slice: %r, got %r" % (fat, want, r.stderr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("segscan")
    ap.add_argument("--elf", required=True)
    ap.add_argument("--macho", required=True)
    ap.add_argument("--lipo", required=True)
    ap.add_argument("--archive", action="append", default=[],
                    help="further archives (members sampled)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t_archive(a.segscan, os.path.join(a.elf, "libfixture.a"), 10, tmp)
        for ar in a.archive:
            check(os.path.exists(ar), "archive %s exists" % ar)
            if os.path.exists(ar):
                t_archive(a.segscan, ar, 40, tmp)
        t_literal_name(a.segscan, a.elf, tmp)
        t_universal(a.segscan, a.macho, a.lipo, tmp)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
