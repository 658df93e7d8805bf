"""Independent truth for the analysis tests, from binutils' readelf and the file's bytes.

Nothing here shares code with segscan: sections, segments, symbols, relocations and dynamic
flags come from `readelf -W` text, and the definitions of docs/segscan.schema.json are
re-implemented directly (often the slow, obvious way)."""
import re
import subprocess

READELF = "readelf"


def readelf(*args):
    return subprocess.run([READELF, "-W", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, check=True).stdout


def num(s):
    return int(s, 16) if s.startswith("0x") else int(s)


SEC_RE = re.compile(r"^\s*\[\s*(\d+)\]\s(.{0,}?)\s+([A-Z_0-9+x]+)\s+([0-9a-f]{8,16})\s+([0-9a-f]{6,})\s+"
                    r"([0-9a-f]{6,})\s+([0-9a-f]{2})\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


def sections(path):
    out = []
    for line in readelf("-S", path).splitlines():
        m = SEC_RE.match(line)
        if not m:
            continue
        out.append({"index": int(m.group(1)), "name": m.group(2).strip(), "type": m.group(3),
                    "addr": int(m.group(4), 16), "off": int(m.group(5), 16),
                    "size": int(m.group(6), 16), "flags": m.group(8), "link": int(m.group(9)),
                    "info": int(m.group(10))})
    return out


def segments(path):
    out = []
    for line in readelf("-l", path).splitlines():
        f = line.split()
        if len(f) >= 7 and f[1].startswith("0x") and f[2].startswith("0x"):
            flags = "".join(f[6:-1])
            out.append({"type": f[0], "off": int(f[1], 16), "vaddr": int(f[2], 16),
                        "filesz": int(f[4], 16), "memsz": int(f[5], 16), "flags": flags})
    return out


def symbols(path):
    """Symbols of .symtab (or .dynsym when there is none, as segscan reads them)."""
    text = readelf("-s", path)
    blocks = re.split(r"\nSymbol table '([^']+)'", "\n" + text)
    tables = {blocks[i]: blocks[i + 1] for i in range(1, len(blocks) - 1, 2)}
    body = tables.get(".symtab") or tables.get(".dynsym") or ""
    out = []
    for line in body.splitlines():
        f = line.split()
        if len(f) >= 7 and f[0].endswith(":") and f[0][:-1].isdigit():
            out.append({"value": int(f[1], 16), "size": num(f[2]), "type": f[3], "bind": f[4],
                        "ndx": f[6], "name": f[7] if len(f) > 7 else ""})
    return out


WIDE = ("R_X86_64_64", "R_X86_64_RELATIVE", "R_X86_64_GLOB_DAT", "R_X86_64_JUMP_SLOT",
        "R_X86_64_IRELATIVE", "R_X86_64_DTPMOD64", "R_X86_64_DTPOFF64", "R_X86_64_TPOFF64",
        "R_X86_64_PC64", "R_X86_64_COPY")


def relocs(path, secs):
    """[(target section index or None, start, end)] for every REL/RELA entry."""
    by_name = {s["name"]: s for s in secs}
    out = []
    target = None
    for line in readelf("-r", path).splitlines():
        m = re.match(r"^Relocation section '([^']+)'", line)
        if m:
            rs = by_name.get(m.group(1))
            target = rs["info"] if rs and rs["info"] else None
            continue
        f = line.split()
        if len(f) >= 3 and re.fullmatch(r"[0-9a-f]{8,16}", f[0]) and f[2].startswith("R_"):
            if f[2].endswith("_NONE"):
                continue
            width = 8 if f[2] in WIDE else 4
            off = int(f[0], 16)
            out.append((target, off, off + width))
    return out


def dynamic_flags(path):
    text = readelf("-d", path)
    return {
        "textrel": "(TEXTREL)" in text or re.search(r"\(FLAGS\).*TEXTREL", text) is not None,
        "bind_now": "(BIND_NOW)" in text or re.search(r"\(FLAGS\).*BIND_NOW", text) is not None
        or re.search(r"\(FLAGS_1\).*\bNOW\b", text) is not None,
        "pie": re.search(r"\(FLAGS_1\).*\bPIE\b", text) is not None,
        "dynamic": "Dynamic section at offset" in text,
    }


def elf_type(path):
    m = re.search(r"Type:\s+(\w+)", readelf("-h", path))
    return m.group(1)


# ---- BSS ------------------------------------------------------------------------------------

def union_len(ranges):
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(ranges):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def bss_truth(path, zero_run_min=64):
    data = open(path, "rb").read()
    secs = sections(path)
    segs = segments(path)
    rel = elf_type(path) == "REL"
    rl = relocs(path, secs)
    relro = [(g["vaddr"], g["vaddr"] + g["memsz"]) for g in segs if g["type"] == "GNU_RELRO"]

    # zero-init bytes: NOBITS alloc sections, plus writable PT_LOAD tails; union in linked images
    if rel:
        zero_init = sum(s["size"] for s in secs if s["type"] == "NOBITS" and "A" in s["flags"])
    else:
        # .tbss is per-thread memory that takes no address space of its segment (its addresses
        # overlap .bss): summed apart, never merged by address.
        ranges = [(s["addr"], s["addr"] + s["size"]) for s in secs
                  if s["type"] == "NOBITS" and "A" in s["flags"] and "T" not in s["flags"]]
        ranges += [(g["vaddr"] + g["filesz"], g["vaddr"] + g["memsz"]) for g in segs
                   if g["type"] == "LOAD" and "W" in g["flags"] and g["memsz"] > g["filesz"]]
        zero_init = union_len(ranges) + sum(
            s["size"] for s in secs if s["type"] == "NOBITS" and "A" in s["flags"] and "T" in s["flags"])

    def in_relro(s):
        return any(a <= s["addr"] and s["addr"] + s["size"] <= b for a, b in relro)

    def kind(s):
        f = s["flags"]
        if "A" not in f or "T" in f or s["type"] == "NOBITS" or "X" in f:
            return None
        if "W" in f:
            return "readonly" if (not rel and in_relro(s)) else "movable"
        if s["type"] in ("PROGBITS",):
            return "readonly"
        return None

    def written(sec, off, size):
        if rel:
            return any(t == sec["index"] and a < off + size and b > off for t, a, b in rl)
        va = sec["addr"] + off
        return any(t is None and a < va + size and b > va for t, a, b in rl)

    places = {}
    with_syms = set()
    for y in symbols(path):
        if y["type"] not in ("OBJECT", "NOTYPE") or y["size"] == 0 or not y["ndx"].isdigit():
            continue
        s = secs[int(y["ndx"])]
        k = kind(s)
        if k is None:
            continue
        with_syms.add(s["index"])
        off = y["value"] if rel else y["value"] - s["addr"]
        if off < 0 or off + y["size"] > s["size"]:
            continue
        key = (s["index"], off)
        if key not in places or places[key][1] < y["size"]:
            places[key] = (k, y["size"])
    out = {"movable": set(), "readonly": set()}
    for (si, off), (k, size) in places.items():
        s = secs[si]
        b = data[s["off"] + off: s["off"] + off + size]
        if b.count(0) == size and not written(s, off, size):
            out[k].add((s["name"], off, size))
    res = {"zero_init_bytes": zero_init}
    for k, key in (("movable", "movable"), ("readonly", "readonly_zero")):
        res[key] = out[k]
        res[key + "_bytes"] = sum(union_len([(off, off + size) for n2, off, size in out[k] if n2 == n])
                                  for n in {x[0] for x in out[k]})

    # zero runs: data sections without object symbols; zero bytes not written by relocations
    runs = set()
    for s in secs:
        if kind(s) != "movable" or s["index"] in with_syms or s["type"] == "NOBITS":
            continue
        b = data[s["off"]: s["off"] + s["size"]]
        zero = [c == 0 for c in b]
        for t, a, e in rl:
            lo, hi = (a, e) if rel else (a - s["addr"], e - s["addr"])
            if (rel and t != s["index"]) or (not rel and t is not None):
                continue
            for i in range(max(lo, 0), min(hi, len(b))):
                zero[i] = False
        i = 0
        while i < len(b):
            if not zero[i]:
                i += 1
                continue
            j = i
            while j < len(b) and zero[j]:
                j += 1
            if j - i >= zero_run_min:
                runs.add((s["name"], i, j - i))
            i = j
    res["zero_runs"] = runs
    res["zero_run_bytes"] = sum(r[2] for r in runs)
    return res


# ---- strings --------------------------------------------------------------------------------

# Allocated read-only PROGBITS sections that hold no literals: unwind and exception tables and
# the loader's path (issue 19: the string analysis scans only sections that can hold literals).
NO_LITERALS = {".eh_frame", ".eh_frame_hdr", ".sframe", ".interp"}


def literal_sections(path):
    """The sections that can hold literals (readelf -S): allocated, read-only, not executable,
    not TLS PROGBITS, minus NO_LITERALS and .gcc_except_table*."""
    out = []
    for s in sections(path):
        f = s["flags"]
        if "A" not in f or "W" in f or "X" in f or "T" in f or s["type"] != "PROGBITS" or s["size"] == 0:
            continue
        if s["name"] in NO_LITERALS or s["name"].startswith(".gcc_except_table"):
            continue
        out.append(s)
    return out


def text_runs(b, min_len):
    """Strings by the schema's definition: the text run right before each NUL."""
    out = []
    start = 0
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0:
            if i - start >= min_len:
                out.append((start, b[start:i]))
            i += 1
            start = i
        elif 0x20 <= c <= 0x7e or c == 0x09:
            i += 1
        else:
            ok = 0
            for n in (2, 3, 4):
                try:
                    ch = b[i:i + n].decode("utf-8", errors="strict")
                except UnicodeDecodeError:
                    continue
                if len(ch) == 1 and not (0x80 <= ord(ch) <= 0x9f) and ord(ch) >= 0x80:
                    ok = n
                break
            if ok:
                i += ok
            else:
                i += 1
                start = i
    return out


def string_stats(strings):
    """count, unique, duplicate_bytes, tail_merge_bytes from a list of bytes objects."""
    counts = {}
    for s in strings:
        counts[s] = counts.get(s, 0) + 1
    dup = sum((c - 1) * (len(s) + 1) for s, c in counts.items())
    suffixes = set()
    for s in counts:
        for k in range(1, len(s)):
            if s[k:] in counts:
                suffixes.add(s[k:])
    tail = sum(len(s) + 1 for s in suffixes)
    return {"count": len(strings), "unique": len(counts), "duplicate_bytes": dup,
            "tail_merge_bytes": tail, "counts": counts}


def strings_truth(path, min_len=4):
    data = open(path, "rb").read()
    found = []
    for s in literal_sections(path):
        found += [t for _, t in text_runs(data[s["off"]: s["off"] + s["size"]], min_len)]
    return string_stats(found)


# ---- PE and Mach-O (through LLVM's readers) ---------------------------------------------------

def pe_truth(path):
    """Sections, header flags and zero-init bytes of a PE image from llvm-readobj-14."""
    out = subprocess.run(["llvm-readobj-14", "--file-headers", "--sections", path],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    secs = []
    for block in out.split("  Section {")[1:]:
        g = lambda k: re.search(r"\n\s*%s: (\S+)" % k, block).group(1)  # noqa: E731
        secs.append({"name": re.search(r"Name: (\S+)", block).group(1), "vsize": num(g("VirtualSize")),
                     "raw": num(g("RawDataSize")), "ptr": num(g("PointerToRawData")),
                     "chars": int(re.search(r"Characteristics \[ \((0x[0-9A-Fa-f]+)\)", block).group(1), 16)})
    head = out.split("  Section {")[0]
    chars = [int(x, 16) for x in re.findall(r"Characteristics \[ \((0x[0-9A-Fa-f]+)\)", head)]
    magic = re.search(r"Magic: (0x[0-9A-Fa-f]+)", head)
    zero_init = sum(max(0, (s["vsize"] or s["raw"]) - s["raw"]) for s in secs)
    return {"sections": secs, "characteristics": chars[0], "dll_characteristics": chars[1] if len(chars) > 1 else 0,
            "magic": int(magic.group(1), 16) if magic else 0, "zero_init_bytes": zero_init}


def macho_truth(path):
    """Segments and sections of a Mach-O image from llvm-objdump-14 --macho --private-headers."""
    out = subprocess.run(["llvm-objdump-14", "--macho", "--private-headers", path],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    segs, secs = [], []
    for cmd in re.split(r"\nLoad command \d+\n", out)[1:]:
        if re.search(r"\n\s*cmd LC_SEGMENT(_64)?\n", "\n" + cmd):
            head, *sects = re.split(r"\nSection\n", cmd)
            v = lambda b, k: re.search(r"\n\s*%s (\S+)" % k, "\n" + b).group(1)  # noqa: E731
            segs.append({"name": v(head, "segname"), "vmaddr": int(v(head, "vmaddr"), 16),
                         "vmsize": int(v(head, "vmsize"), 16), "filesize": num(v(head, "filesize")),
                         "initprot": v(head, "initprot")})
            for s in sects:
                secs.append({"name": v(s, "segname") + "," + v(s, "sectname"), "addr": int(v(s, "addr"), 16),
                             "size": int(v(s, "size"), 16), "offset": num(v(s, "offset")),
                             "type": v(s, "type")})
    ranges = [(s["addr"], s["addr"] + s["size"]) for s in secs if "ZEROFILL" in s["type"]]
    ranges += [(g["vmaddr"] + g["filesize"], g["vmaddr"] + g["vmsize"]) for g in segs
               if "w" in g["initprot"] and g["vmsize"] > g["filesize"]]
    flags = re.search(r"\n\s*MH_MAGIC\S*\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+\d+\s+\d+\s+(.*)\n", out)
    return {"segments": segs, "sections": secs, "zero_init_bytes": union_len(ranges),
            "cputype": flags.group(1).lower() if flags else None,
            "filetype": flags.group(2) if flags else None, "flags": flags.group(3).split() if flags else []}


def strings_in(path, ranges, min_len=4):
    data = open(path, "rb").read()
    found = []
    for off, size in ranges:
        found += [t for _, t in text_runs(data[off:off + size], min_len)]
    return string_stats(found)
