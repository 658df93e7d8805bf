#!/usr/bin/env python3
"""mutate_elf.py - a malformed ELF corpus, generated from the fixtures, run through segscan.

    mutate_elf.py SEGSCAN OUTDIR FIXTURE_DIR... [--asan] [--per-file-seconds N]

(--asan only lengthens the time limits: a sanitizer build runs several times slower.)

For every ELF file (and archive) under the fixture dirs, writes mutants to OUTDIR:
  - truncations at each header and table boundary (ELF header, program and section header
    tables and their entries, each section's start and middle, the last byte);
  - ELF header fields (e_phoff, e_shoff, e_phnum, e_shnum, e_shstrndx, e_phentsize,
    e_shentsize) set to 0, 1, small, huge, the file size, and values that overflow when
    multiplied by the entry size or added to an offset;
  - for each of the first section headers and the last: sh_offset, sh_size, sh_link, sh_info,
    sh_name, sh_entsize set likewise; sh_type switched to SYMTAB, RELA, RELR, DYNAMIC, NOBITS,
    SYMTAB_SHNDX; SHF_COMPRESSED set on a section (its first bytes then read as a header);
  - e_shnum = 0 with a section 0 whose sh_size holds the real count (the SHN_XINDEX-style
    escape) and e_shstrndx = SHN_XINDEX with sh_link of section 0 out of range;
  - for each program header: p_offset, p_filesz, p_memsz huge; p_type turned into DYNAMIC;
  - random byte flips in the first 4 KiB (fixed seeds);
  - one mutant in MAPPED_EVERY also followed by a 1 MiB hole, so that segscan maps it and reads
    its code and relocation tables by pread, as it does real binaries.
Then runs segscan on all mutants in one process (so one bad file must not cost the others'
reports) and checks: exit 0 or 3, no signal, no sanitizer report, finished within the time
limit, memory bounded (RLIMIT_AS through limits.py; lifted for sanitizer builds, whose own checks
stand in), and
every mutant either reported as an image or named in exactly one error. On a failure the batch
is bisected to name the input that broke it.
"""
import json
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from limits import bounded  # noqa: E402

FLIPS_PER_FILE = 24
MAPPED_EVERY = 40  # one mutant in this many is also written as a file above 1 MiB


class Elf:
    def __init__(self, data):
        self.data = data
        self.is64 = data[4] == 2
        self.e = "<" if data[5] == 1 else ">"
        if self.is64:
            (self.type, self.machine, self.version, self.entry, self.phoff, self.shoff, self.flags,
             self.ehsize, self.phentsize, self.phnum, self.shentsize, self.shnum,
             self.shstrndx) = struct.unpack_from(self.e + "HHIQQQIHHHHHH", data, 16)
        else:
            (self.type, self.machine, self.version, self.entry, self.phoff, self.shoff, self.flags,
             self.ehsize, self.phentsize, self.phnum, self.shentsize, self.shnum,
             self.shstrndx) = struct.unpack_from(self.e + "HHIIIIIHHHHHH", data, 16)

    # offsets of ELF header fields: (offset, struct format)
    def ehdr_fields(self):
        if self.is64:
            return {"e_phoff": (32, "Q"), "e_shoff": (40, "Q"), "e_phentsize": (54, "H"),
                    "e_phnum": (56, "H"), "e_shentsize": (58, "H"), "e_shnum": (60, "H"),
                    "e_shstrndx": (62, "H")}
        return {"e_phoff": (28, "I"), "e_shoff": (32, "I"), "e_phentsize": (42, "H"),
                "e_phnum": (44, "H"), "e_shentsize": (46, "H"), "e_shnum": (48, "H"),
                "e_shstrndx": (50, "H")}

    def shdr_fields(self):
        if self.is64:
            return {"sh_name": (0, "I"), "sh_type": (4, "I"), "sh_flags": (8, "Q"),
                    "sh_offset": (24, "Q"), "sh_size": (32, "Q"), "sh_link": (40, "I"),
                    "sh_info": (44, "I"), "sh_entsize": (56, "Q")}
        return {"sh_name": (0, "I"), "sh_type": (4, "I"), "sh_flags": (8, "I"),
                "sh_offset": (16, "I"), "sh_size": (20, "I"), "sh_link": (24, "I"),
                "sh_info": (28, "I"), "sh_entsize": (36, "I")}

    def phdr_fields(self):
        if self.is64:
            return {"p_type": (0, "I"), "p_offset": (8, "Q"), "p_filesz": (32, "Q"),
                    "p_memsz": (40, "Q")}
        return {"p_type": (0, "I"), "p_offset": (4, "I"), "p_filesz": (16, "I"),
                "p_memsz": (20, "I")}

    def sections(self):
        out = []
        if self.shoff == 0 or self.shentsize == 0:
            return out
        f = self.shdr_fields()
        for i in range(self.shnum):
            at = self.shoff + i * self.shentsize
            if at + self.shentsize > len(self.data):
                break
            off = struct.unpack_from(self.e + f["sh_offset"][1], self.data, at + f["sh_offset"][0])[0]
            size = struct.unpack_from(self.e + f["sh_size"][1], self.data, at + f["sh_size"][0])[0]
            out.append((at, off, size))
        return out


def put(data, at, fmt, endian, value):
    b = bytearray(data)
    size = struct.calcsize(fmt)
    if at + size > len(b):
        return None
    value &= (1 << (8 * size)) - 1
    struct.pack_into(endian + fmt, b, at, value)
    return bytes(b)


def interesting(fmt, file_size, entsize=1):
    bits = 8 * struct.calcsize(fmt)
    top = (1 << bits) - 1
    vals = {0, 1, 7, file_size, file_size + 1, file_size - 1, top, top - 1, 1 << (bits - 1),
            top // max(entsize, 1) + 1, (top // 2) + 3}
    return sorted(v for v in vals if 0 <= v <= top)


def mutants(name, data):
    """Yields (label, bytes)."""
    if data[:4] != b"\x7fELF" or len(data) < 52 or data[4] not in (1, 2) or data[5] not in (1, 2):
        return
    elf = Elf(data)
    n = len(data)
    # truncations
    cuts = {1, 4, 5, 16, 24, 51, 52, 63, 64, n - 1, n // 2}
    for base, ent, cnt in ((elf.phoff, elf.phentsize, elf.phnum), (elf.shoff, elf.shentsize, elf.shnum)):
        for k in (0, 1, max(cnt - 1, 0), cnt):
            cuts.add(base + k * ent)
            cuts.add(base + k * ent + 1)
    for _, off, size in elf.sections()[:32]:
        cuts.update((off, off + 1, off + size // 2, off + size - 1))
    for c in sorted(cuts):
        if 0 < c < n:
            yield "cut%d" % c, data[:c]
    # ELF header fields
    for field, (at, fmt) in elf.ehdr_fields().items():
        ent = elf.shentsize if "sh" in field else elf.phentsize
        for v in interesting(fmt, n, ent):
            m = put(data, at, fmt, elf.e, v)
            if m:
                yield "%s=%#x" % (field, v), m
    # section headers
    secs = elf.sections()
    pick = list(range(min(len(secs), 6))) + ([len(secs) - 1] if len(secs) > 6 else [])
    sf = elf.shdr_fields()
    for i in pick:
        at = secs[i][0]
        for field in ("sh_offset", "sh_size", "sh_link", "sh_info", "sh_name", "sh_entsize"):
            off, fmt = sf[field]
            for v in interesting(fmt, n, 24):
                m = put(data, at + off, fmt, elf.e, v)
                if m:
                    yield "s%d.%s=%#x" % (i, field, v), m
        off, fmt = sf["sh_type"]
        for t in (2, 4, 19, 6, 8, 18, 11):  # SYMTAB RELA RELR DYNAMIC NOBITS SYMTAB_SHNDX DYNSYM
            m = put(data, at + off, fmt, elf.e, t)
            if m:
                yield "s%d.sh_type=%d" % (i, t), m
        off, fmt = sf["sh_flags"]
        flags = struct.unpack_from(elf.e + fmt, data, at + off)[0]
        m = put(data, at + off, fmt, elf.e, flags | 0x800)
        if m:
            yield "s%d.compressed" % i, m
    # the extended-count escapes
    if secs:
        ef = elf.ehdr_fields()
        m = put(data, ef["e_shnum"][0], "H", elf.e, 0)
        if m:
            m = put(m, secs[0][0] + sf["sh_size"][0], sf["sh_size"][1], elf.e, len(secs))
        if m:
            yield "xnum", m
        m = put(data, ef["e_shstrndx"][0], "H", elf.e, 0xffff)
        if m:
            m = put(m, secs[0][0] + sf["sh_link"][0], "I", elf.e, 0xfffffff0)
        if m:
            yield "xindex", m
    # program headers
    pf = elf.phdr_fields()
    for i in range(min(elf.phnum, 8)):
        at = elf.phoff + i * elf.phentsize
        for field in ("p_offset", "p_filesz", "p_memsz"):
            off, fmt = pf[field]
            for v in (n, n + 1, (1 << (8 * struct.calcsize(fmt))) - 1):
                m = put(data, at + off, fmt, elf.e, v)
                if m:
                    yield "p%d.%s=%#x" % (i, field, v), m
        m = put(data, at + pf["p_type"][0], "I", elf.e, 2)
        if m:
            yield "p%d.dynamic" % i, m
    # byte flips
    rng = random.Random(name)
    for k in range(FLIPS_PER_FILE):
        b = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            pos = rng.randrange(min(len(b), 4096))
            b[pos] = rng.randrange(256)
        yield "flip%d" % k, bytes(b)


def run(segscan, files, asan, timeout):
    # --verify-compressed: mutants with SHF_COMPRESSED set or a Chdr that lies must go through
    # the capped decompression too.
    r = subprocess.run([segscan, "-q", "-j", "1", "--compact", "--verify-compressed",
                        "--format", "json"] + files,
                       capture_output=True, timeout=timeout, preexec_fn=bounded(segscan))
    return r


def bad(r):
    err = r.stderr.decode("utf-8", "replace")
    if r.returncode not in (0, 3):
        return "exit %d" % r.returncode
    if "Sanitizer" in err or "runtime error" in err:
        return "sanitizer report"
    return None


def bisect(segscan, files, asan, timeout):
    while len(files) > 1:
        half = files[:len(files) // 2]
        try:
            r = run(segscan, half, asan, timeout)
            broke = bad(r)
        except subprocess.TimeoutExpired:
            broke = "timeout"
        files = half if broke else files[len(files) // 2:]
    return files[0]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    asan = "--asan" in argv
    per_file = 0.2
    if "--per-file-seconds" in argv:
        per_file = float(argv[argv.index("--per-file-seconds") + 1])
    segscan, outdir, dirs = args[0], args[1], args[2:]
    os.makedirs(outdir, exist_ok=True)
    files = []
    for d in dirs:
        walk = [(os.path.dirname(d), [], [os.path.basename(d)])] if os.path.isfile(d) else os.walk(d)
        for root, _, names in walk:
            for nm in sorted(names):
                p = os.path.join(root, nm)
                if os.path.islink(p) or not os.path.isfile(p) or os.path.getsize(p) > (8 << 20):
                    continue
                with open(p, "rb") as f:
                    data = f.read()
                base = os.path.relpath(p, d if os.path.isdir(d) else os.path.dirname(d)).replace("/", "_")
                for label, m in mutants(base, data):
                    out = os.path.join(outdir, "%s.%s" % (base, label.replace("/", "_")))
                    with open(out, "wb") as f:
                        f.write(m)
                    files.append(out)
                    if len(files) % MAPPED_EVERY == 0:
                        # past 1 MiB (SS_READ_MAX) a file is mapped, and what is read once in
                        # order comes by pread (code, relocation tables, relocated words): the
                        # same mutant behind a hole of 1 MiB (a sparse file) takes that path
                        with open(out + ".mapped", "wb") as f:
                            f.write(m)
                            f.seek(len(m) + (1 << 20))
                            f.write(b"\0")
                        files.append(out + ".mapped")
    if not files:
        print("no ELF fixtures found under", dirs)
        return 1
    failures = []
    batch = 400
    for i in range(0, len(files), batch):
        chunk = files[i:i + batch]
        timeout = 30 + per_file * len(chunk) * (10 if asan else 1)
        try:
            r = run(segscan, chunk, asan, timeout)
            why = bad(r)
        except subprocess.TimeoutExpired:
            r, why = None, "timeout"
        if why:
            culprit = bisect(segscan, chunk, asan, timeout)
            failures.append("%s: %s" % (culprit, why))
            continue
        doc = json.loads(r.stdout)
        reported = {}
        for im in doc["images"]:
            reported.setdefault(im["path"], 0)
        for e in doc["errors"]:
            reported.setdefault(e["path"], 0)
        for inp in doc["inputs"]:
            if inp["path"] not in reported and inp["skipped"] == 0:
                failures.append("%s: neither an image nor an error" % inp["path"])
        if len(doc["inputs"]) != len(chunk):
            failures.append("batch at %s: %d inputs reported for %d files" %
                            (chunk[0], len(doc["inputs"]), len(chunk)))
    n_err = 0
    print("mutated ELF corpus: %d files from %s; %d failures" % (len(files), dirs, len(failures)))
    for f in failures:
        print("  FAIL " + f)
    return 1 if failures else n_err


if __name__ == "__main__":
    sys.exit(main(sys.argv))
