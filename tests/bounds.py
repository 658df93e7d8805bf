#!/usr/bin/python3
"""bounds.py - inputs built to push segscan past a resource bound (issue 16).

    bounds.py --segscan BIN [--asan] CASE

Each case builds its input (a generator, never a large committed file), runs segscan on it
together with a good file, and checks that the bad input costs one error line (or one warning)
and exit code 3 or 0, that the good file is still reported exactly as when run alone, that the
JSON parses, and that the run stays within its bound (peak memory from getrusage of the child,
time as a ratio against a run of the same size in the same process, never an absolute time
except as a generous hang guard)."""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from limits import bounded  # noqa: E402

ARGS = None
FAILS = []
HANG = 120  # seconds: a guard against a hang, not a timing assertion


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    return cond


def run(argv, timeout=HANG):
    """Runs segscan with JSON output; returns (rc, doc or None, stderr, seconds)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([ARGS.segscan, "-q", "-f", "json", "--compact"] + argv,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           preexec_fn=bounded(ARGS.segscan))
    except subprocess.TimeoutExpired:
        check(False, "%s: still running after %d s" % (argv, timeout))
        return None, None, "", timeout
    dt = time.monotonic() - t0
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        check(False, "%s: output is not JSON: %s" % (argv, e))
        doc = None
    return p.returncode, doc, p.stderr.decode("utf-8", "replace"), dt


def image_of(doc, path):
    return [i for i in doc["images"] if i["path"] == path]


def good_file():
    """A good ELF of the machine and its report when analyzed alone."""
    path = os.path.abspath(ARGS.segscan)
    rc, doc, err, _ = run([path])
    check(rc == 0, "good file alone: exit %r, stderr %s" % (rc, err))
    return path, image_of(doc, path) if doc else None


def expect_good(doc, path, alone):
    got = image_of(doc, path) if doc else None
    check(got is not None and got == alone, "%s is not reported as when run alone" % path)


def case_special_files():
    """Class 3: a FIFO, character devices: refused before open, one line each, exit 3."""
    path, alone = good_file()
    with tempfile.TemporaryDirectory() as d:
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        link = os.path.join(d, "link-to-fifo")
        os.symlink(fifo, link)
        good_link = os.path.join(d, "link-to-good")
        os.symlink(path, good_link)
        bad = [fifo, link, "/dev/zero", "/dev/urandom", "/dev/null"]
        # A hang in open() would be reported by the guard; 30 s is far above the ~0.1 s it takes.
        rc, doc, err, dt = run(bad + [path, good_link], timeout=30)
        check(rc == 3, "exit %r, expected 3" % rc)
        lines = [ln for ln in err.splitlines() if ln]
        check(len(lines) == len(bad), "expected %d error lines, got %r" % (len(bad), lines))
        for b in bad:
            check(sum(ln.startswith("segscan: %s: not a regular file" % b) for ln in lines) == 1,
                  "no single 'not a regular file' line for %s in %r" % (b, lines))
        if doc:
            expect_good(doc, path, alone)
            check(image_of(doc, good_link) and image_of(doc, good_link)[0]["totals"]
                  == alone[0]["totals"], "a symlink to a regular file is not analyzed")
            check(sorted(e["path"] for e in doc["errors"]) == sorted(bad),
                  "errors: %r" % doc["errors"])
        print("special files: %d refused, good file reported, %.2f s" % (len(bad), dt))


def big_elf(d, mib):
    """A copy of a good ELF with `mib` MiB of distinct NUL-terminated words added as an allocated
    read-only section: the string analysis reads every byte of it."""
    import random
    rnd = random.Random(16)
    words = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(4, 30)))
             for _ in range(100000)]
    blob = os.path.join(d, "blob")
    with open(blob, "wb") as f:
        n = 0
        while n < mib << 20:
            chunk = b"\0".join(rnd.choice(words) for _ in range(10000)) + b"\0"
            f.write(chunk)
            n += len(chunk)
    out = os.path.join(d, "big.elf")
    subprocess.run(["objcopy", "--add-section", ".rodata.big=" + blob, "--set-section-flags",
                    ".rodata.big=alloc,readonly,data", os.path.abspath(ARGS.segscan), out],
                   check=True, stderr=subprocess.DEVNULL)
    os.unlink(blob)
    return out


def case_shrinking_file():
    """Class 4: a file truncated while segscan reads it is one error line, never a signal."""
    path, alone = good_file()
    with tempfile.TemporaryDirectory() as d:
        master = big_elf(d, 48)
        with open(master, "rb") as f:
            content = f.read()
        victim = os.path.join(d, "victim.elf")
        with open(victim, "wb") as f:
            f.write(content)
        rc, doc, err, whole = run([victim, path])
        check(rc == 0, "the untouched big file: exit %r, %s" % (rc, err))
        shrank = 0
        tries = 10
        for k in range(tries):
            with open(victim, "wb") as f:
                f.write(content)
            delay = whole * (0.1 + 0.8 * k / (tries - 1))
            t0 = time.monotonic()
            p = subprocess.Popen([ARGS.segscan, "-q", "-f", "json", "--compact", victim, path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 preexec_fn=bounded(ARGS.segscan))
            time.sleep(delay)
            os.truncate(victim, len(content) // 3)  # the ELF header stays; most of the rest goes
            try:
                out, err = p.communicate(timeout=30 + 10 * whole)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                check(False, "try %d: still running %.1f s after the truncation" % (k, 30 + 10 * whole))
                continue
            err = err.decode("utf-8", "replace")
            dt = time.monotonic() - t0
            check(p.returncode in (0, 3), "try %d: exit %r (a negative one is a signal): %s"
                  % (k, p.returncode, err))
            lines = [ln for ln in err.splitlines() if ln]
            check(len(lines) <= 1 and all(victim in ln for ln in lines),
                  "try %d: expected at most one line, about the truncated file: %r" % (k, lines))
            shrank += any("shrank while being read" in ln for ln in lines)
            try:
                doc = json.loads(out)
                expect_good(doc, path, alone)
            except ValueError as e:
                check(False, "try %d: output is not JSON: %s" % (k, e))
            print("try %d: truncated after %.2f s, exit %d, %.2f s: %s"
                  % (k, delay, p.returncode, dt, lines[0] if lines else "-"))
        # The delays span the run: some truncations must land while the file is being read.
        check(shrank > 0, "no try truncated the file while it was read (untouched run %.2f s)" % whole)


def overlap_elf(path, nsec, data, flags):
    """An ELF64 executable whose nsec sections all cover the same bytes `data`
    (flags: SHF_ALLOC=2 | SHF_WRITE=1)."""
    import struct
    shstr = b"\0.shstrtab\0.rodata\0.data\0"
    name = shstr.index(b".data" if flags & 1 else b".rodata")
    doff = 0x1000
    shoff = doff + len(data) + len(shstr)
    shoff = (shoff + 7) & ~7
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, 62, 1,
                       0x401000, 0, shoff, 0, 64, 56, 0, 64, nsec + 2, 1)
    sh = [bytes(64),
          struct.pack("<IIQQQQIIQQ", 1, 3, 0, 0, doff + len(data), len(shstr), 0, 0, 1, 0)]
    for _ in range(nsec):
        sh.append(struct.pack("<IIQQQQIIQQ", name, 1, flags, 0x400000 + doff, doff, len(data),
                              0, 0, 16, 0))
    with open(path, "wb") as f:
        f.write(ehdr)
        f.write(bytes(doff - len(ehdr)))
        f.write(data)
        f.write(shstr)
        f.write(bytes(shoff - doff - len(data) - len(shstr)))
        f.write(b"".join(sh))


def words(nbytes, seed=16):
    import random
    rnd = random.Random(seed)
    out = bytearray()
    while len(out) < nbytes:
        out += bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(4, 30)))
        out += b"\0"
    return bytes(out[:nbytes])


def run_rusage(argv, timeout=HANG):
    """Like run(), plus the child's own peak RSS in bytes (wait4: this child only)."""
    t0 = time.monotonic()
    p = subprocess.Popen([ARGS.segscan, "-q", "-f", "json", "--compact"] + argv,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         # Always a preexec_fn: without one (sanitized builds) Python may
                         # vfork, and a vforked child's peak RSS then counts this script's own
                         # peak (Linux keeps the replaced mm's high-water mark across exec).
                         preexec_fn=bounded(ARGS.segscan) or (lambda: None))
    import threading
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    killer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    dt = time.monotonic() - t0
    check(dt < timeout, "%s: killed after %d s" % (argv, timeout))
    try:
        doc = json.loads(out)
    except ValueError as e:
        check(False, "%s: output is not JSON: %s" % (argv, e))
        doc = None
    return p.returncode, doc, err.decode("utf-8", "replace"), dt, ru.ru_maxrss * 1024


# The README's bound for a whole run of one image, analyses included: 64 MiB + 16 bytes per
# byte of the inputs (the mapping itself counts once in the resident size).
def mem_bound(nbytes):
    return (64 << 20) + 16 * nbytes


def case_overlap():
    """Class 1: many sections over the same bytes: each byte analyzed once, memory bounded."""
    path, alone = good_file()
    with tempfile.TemporaryDirectory() as d:
        ro = os.path.join(d, "ro.elf")
        overlap_elf(ro, 10000, words(1 << 20), 2)
        rw = os.path.join(d, "rw.elf")
        overlap_elf(rw, 2500, bytes(1 << 20), 3)
        for bad, nsec in ((ro, 10000), (rw, 2500)):
            size = os.path.getsize(bad) + os.path.getsize(path)
            rc, doc, err, dt, rss = run_rusage([bad, path])
            check(rc == 0, "%s: exit %r: %s" % (bad, rc, err))
            check(rss <= mem_bound(size), "%s: peak RSS %d > bound %d" % (bad, rss, mem_bound(size)))
            if not doc:
                continue
            expect_good(doc, path, alone)
            im = image_of(doc, bad)[0]
            fsize = os.path.getsize(bad)
            st, bss = im["strings"], im["bss"]
            for what, v in (("bytes_scanned", st["bytes_scanned"]),
                             ("string_bytes", st["string_bytes"]),
                             ("duplicate_bytes", st["duplicate_bytes"]),
                             ("zero_run_bytes", bss["zero_run_bytes"])):
                check(v <= fsize, "%s: %s %d exceeds the file size %d" % (bad, what, v, fsize))
            # The data the generator wrote: 1 MiB, scanned once.
            if bad == ro:
                check(st["bytes_scanned"] == 1 << 20, "ro: scanned %d" % st["bytes_scanned"])
            else:
                check(bss["zero_run_bytes"] == 1 << 20, "rw: zero runs %d" % bss["zero_run_bytes"])
            warns = [w for w in im["warnings"] if "share file bytes" in w["message"]]
            check(len(warns) == 1 and warns[0]["message"].startswith("%d " % (nsec - 1)),
                  "%s: expected one overlap warning naming %d sections: %r"
                  % (bad, nsec - 1, im["warnings"]))
            print("%s: %d sections over 1 MiB: %.2f s, peak RSS %.1f MiB (bound %.1f MiB)"
                  % (os.path.basename(bad), nsec, dt, rss / 2**20, mem_bound(size) / 2**20))


def case_budget_yaml():
    """Classes 6 and 9: deep nesting and alias bombs in a budget file: refused at once with
    FILE:LINE:COLUMN and exit 2; a budget using a few aliases still works."""
    import re
    good = os.path.abspath(ARGS.segscan)
    with tempfile.TemporaryDirectory() as d:
        deep = os.path.join(d, "deep.yaml")
        with open(deep, "w") as f:
            f.write("version: 1\nbudgets: " + "[" * 100000 + "]" * 100000 + "\n")
        laughs = os.path.join(d, "laughs.yaml")
        with open(laughs, "w") as f:
            f.write("version: 1\nbudgets:\n  - artifacts: &a0 [" + ", ".join(['"x"'] * 10) + "]\n")
            for i in range(1, 10):
                f.write("    members: &a%d [%s]\n" % (i, ", ".join(["*a%d" % (i - 1)] * 10))
                        if i == 1 else
                        "  - artifacts: &a%d [%s]\n" % (i, ", ".join(["*a%d" % (i - 1)] * 10)))
                if i > 1:
                    f.write("    metric: file-size\n    max: 1 MiB\n")
        fine = os.path.join(d, "fine.yaml")
        with open(fine, "w") as f:
            f.write("version: 1\nbudgets:\n"
                    "  - artifacts: &mine [\"*segscan*\"]\n    metric: file-size\n    max: 1 GiB\n"
                    "  - artifacts: *mine\n    metric: text\n    max: 1 GiB\n")
        for path, want in ((deep, "nested more than 64 levels"),
                           (laughs, "nodes once aliases are expanded"), (fine, None)):
            t0 = time.monotonic()
            p = subprocess.Popen([ARGS.segscan, "check", "--budget", path, good],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 preexec_fn=bounded(ARGS.segscan))
            try:
                out, err = p.communicate(timeout=20)  # it took more than 20 s before
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                check(False, "%s: still running after 20 s" % path)
                continue
            dt = time.monotonic() - t0
            err = err.decode("utf-8", "replace")
            if want is None:
                check(p.returncode == 0, "%s: exit %r: %s" % (path, p.returncode, err))
                print("%s: exit 0, %.2f s" % (os.path.basename(path), dt))
                continue
            check(p.returncode == 2, "%s: exit %r, expected 2" % (path, p.returncode))
            m = re.search(re.escape(path) + r":(\d+):(\d+): (.*)", err)
            check(m is not None and want in m.group(3),
                  "%s: expected FILE:LINE:COLUMN: ...%s..., got %r" % (path, want, err))
            print("%s: exit %d, %.2f s: %s" % (os.path.basename(path), p.returncode, dt,
                                               err.strip()))


def case_sparse():
    """Class 5: a 2 GiB sparse file with a good ELF at the front: the tail no header points at
    is not read (peak RSS as for the ELF alone), and is reported as unmapped."""
    path = os.path.abspath(ARGS.segscan)
    small = os.path.getsize(path)
    with tempfile.TemporaryDirectory() as d:
        sparse = os.path.join(d, "sparse.elf")
        with open(path, "rb") as f, open(sparse, "wb") as g:
            g.write(f.read())
        os.truncate(sparse, 2 << 30)  # under the 4 GiB address-space cap of limits.py
        for opts in (["--only", "sizes"], []):
            _, doc_small, _, t_small, rss_small = run_rusage(opts + [path])
            alone = image_of(doc_small, path) if doc_small else None
            rc, doc, err, dt, rss = run_rusage(opts + [sparse, path])
            check(rc == 0, "%s: exit %r: %s" % (opts, rc, err))
            # The tail would be 2 GiB of pages; reading even 1% of it shows in the peak.
            check(rss <= rss_small + (32 << 20), "%s: peak RSS %d, the ELF alone %d"
                  % (opts, rss, rss_small))
            if not doc:
                continue
            expect_good(doc, path, alone)
            last = image_of(doc, sparse)[0]["file_map"][-1]
            check(last["what"] == "unmapped" and last["offset"] + last["size"] == 2 << 30
                  and last["offset"] <= small,
                  "%s: the sparse tail is not one unmapped entry to the end: %r" % (opts, last))
            print("sparse %s: %.2f s, peak RSS %.1f MiB (the ELF alone %.2f s, %.1f MiB)"
                  % (" ".join(opts) or "(all analyses)", dt, rss / 2**20, t_small,
                     rss_small / 2**20))


def elf_sections(path, data, secs, names, shstr_flags=0, shstr_blob=None):
    """An ELF64 relocatable: `data` at 0x1000, then the name table (or shstr_blob in its place),
    then section headers [null, .shstrtab] + secs, each (name, type, flags, offset, size)."""
    import struct
    shstr = shstr_blob if shstr_blob is not None else names
    doff = 0x1000
    soff = doff + len(data)
    shoff = (soff + len(shstr) + 7) & ~7
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 1, 62, 1,
                       0, 0, shoff, 0, 64, 56, 0, 64, len(secs) + 2, 1)
    sh = [bytes(64), struct.pack("<IIQQQQIIQQ", 1, 3, shstr_flags, 0, soff, len(shstr), 0, 0, 1,
                                 0)]
    for name, typ, flags, off, size in secs:
        sh.append(struct.pack("<IIQQQQIIQQ", name, typ, flags, 0, doff + off, size, 0, 0, 1, 0))
    with open(path, "wb") as f:
        f.write(ehdr + bytes(doff - len(ehdr)) + data + shstr)
        f.write(bytes(shoff - soff - len(shstr)) + b"".join(sh))


def chdr(size):
    import struct
    return struct.pack("<IIQQ", 1, 0, size, 1)  # ELFCOMPRESS_ZLIB, ch_size, ch_addralign


def case_decompression():
    """Classes 2 and 8: one decompression budget per image. 2,000 sections sharing one zlib
    stream of 100 MiB (SHF_COMPRESSED and .zdebug) under --verify-compressed; a compressed
    .shstrtab that libelf would inflate to 256 MiB."""
    import struct
    import zlib
    path = os.path.abspath(ARGS.segscan)
    stream = zlib.compress(bytes(100 << 20), 9)
    names = b"\0.shstrtab\0.debug_info\0.zdebug_info\0"
    gabi = chdr(100 << 20) + stream
    zdebug = b"ZLIB" + struct.pack(">Q", 100 << 20) + stream
    with tempfile.TemporaryDirectory() as d:
        cases = []
        for tag, blob, name, flags in (("gabi", gabi, names.index(b".debug_info"), 0x800),
                                       ("zdebug", zdebug, names.index(b".zdebug_info"), 0)):
            for n in (1000, 2000):
                f = os.path.join(d, "%s-%d.elf" % (tag, n))
                elf_sections(f, blob, [(name, 1, flags, 0, len(blob))] * n, names)
                cases.append((tag, n, f))
        times = {}
        for tag, n, f in cases:
            _, doc_alone, _, _, _ = run_rusage(["--verify-compressed", path])
            alone = image_of(doc_alone, path) if doc_alone else None
            size = os.path.getsize(f) + os.path.getsize(path)
            rc, doc, err, dt, rss = run_rusage(["--verify-compressed", f, path])
            times[(tag, n)] = dt
            check(rc == 0, "%s: exit %r: %s" % (f, rc, err))
            check(rss <= mem_bound(size), "%s: peak RSS %d > %d" % (f, rss, mem_bound(size)))
            if not doc:
                continue
            check(image_of(doc, path) == alone, "%s: the good file is not reported as alone" % f)
            w = [x["message"] for x in image_of(doc, f)[0]["warnings"]
                 if "decompression budget" in x["message"]]
            check(len(w) == 1, "%s: expected one budget warning, got %r" % (f, w))
            print("%s x%d: %.2f s, peak RSS %.1f MiB, %s" % (tag, n, dt, rss / 2**20,
                                                             w[0] if w else "-"))
        for tag in ("gabi", "zdebug"):
            # The budget, not the count, bounds the work: twice the sections, not twice the time.
            check(times[(tag, 2000)] <= 1.5 * times[(tag, 1000)] + 1.0,
                  "%s: 2000 sections took %.2f s, 1000 took %.2f s" % (tag, times[(tag, 2000)],
                                                                       times[(tag, 1000)]))

        # Section names compressed: libelf would inflate 256 MiB on the first name.
        shstr = chdr(len(names) + (256 << 20)) + zlib.compress(names + bytes(256 << 20), 9)
        f = os.path.join(d, "shstrtab.elf")
        elf_sections(f, b"x" * 64, [(11, 1, 0, 0, 64)] * 100, names, 0x800, shstr)
        size = os.path.getsize(f) + os.path.getsize(path)
        rc, doc, err, dt, rss = run_rusage([f, path])
        check(rc == 0, "%s: exit %r: %s" % (f, rc, err))
        check(rss <= mem_bound(size), "%s: peak RSS %d > %d" % (f, rss, mem_bound(size)))
        if doc:
            w = [x["message"] for x in image_of(doc, f)[0]["warnings"]
                 if "name table" in x["message"]]
            check(len(w) == 1, "compressed .shstrtab: expected one warning, got %r" % w)
            print("compressed .shstrtab: %.2f s, peak RSS %.1f MiB, %s"
                  % (dt, rss / 2**20, w[0] if w else "-"))


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--asan", action="store_true")
    ap.add_argument("case")
    ARGS = ap.parse_args()
    globals()["case_" + ARGS.case.replace("-", "_")]()
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
