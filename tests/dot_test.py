#!/usr/bin/env python3
"""Tests of the memory-layout diagrams (--format dot|svg|png), issue 5.

    dot_test.py CHECK --segscan BIN --fixtures DIR --golden DIR [--update]

CHECK is one of: golden, render, hostile, determinism, compact, formats, nodot, large,
mutate.
Every DOT a check produces is also rendered with `dot -Tsvg`, which must exit 0 with an
empty stderr (no errors and no warnings).

Golden files are regenerated with --update (or SEGSCAN_UPDATE_GOLDEN=1):
    python3 tests/dot_test.py golden --update --segscan build/segscan \
        --fixtures build/fixtures/dot --golden tests/golden/dot
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

# Fixture file -> golden name. Paths are given relative to the fixture directory so the goldens
# do not depend on where the build lives.
GOLDEN = {
    "elf-exec": "elf-exec.dot",
    "elf-rel": "elf-rel.dot",
    "elf-wx": "elf-wx.dot",
    "pe-exe": "pe-exe.dot",
    "macho-exe": "macho-exe.dot",
    "macho-fat": "macho-fat.dot",
    "archive.a": "archive.dot",
    "hostile": "hostile.dot",
}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run_segscan(args, segscan, cwd, env=None, expect=(0,)):
    p = subprocess.run([segscan, "-q"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    if p.returncode not in expect:
        fail("segscan %s: exit %d, stderr: %s" % (" ".join(args), p.returncode,
                                                   p.stderr.decode(errors="replace")))
    return p


def render(dot_bytes, what):
    """Renders DOT with Graphviz; it must succeed silently. Returns the SVG bytes."""
    t = time.monotonic()
    p = subprocess.run(["dot", "-Tsvg"], input=dot_bytes, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    took = time.monotonic() - t
    if p.returncode != 0 or p.stderr:
        fail("dot -Tsvg on %s: exit %d, stderr: %s" % (what, p.returncode,
                                                        p.stderr.decode(errors="replace")[:2000]))
    return p.stdout, took


def check_golden(a):
    for fx, name in sorted(GOLDEN.items()):
        p = run_segscan(["-f", "dot", fx], a.segscan, a.fixtures)
        render(p.stdout, fx)
        path = os.path.join(a.golden, name)
        if a.update:
            os.makedirs(a.golden, exist_ok=True)
            with open(path, "wb") as f:
                f.write(p.stdout)
            print("updated " + path)
            continue
        try:
            want = open(path, "rb").read()
        except OSError as e:
            fail("golden %s missing (%s); regenerate with --update" % (path, e))
            continue
        if want != p.stdout:
            with tempfile.NamedTemporaryFile(suffix=".dot", delete=False) as t:
                t.write(p.stdout)
            d = subprocess.run(["diff", "-u", path, t.name], stdout=subprocess.PIPE)
            fail("%s differs from %s (new output in %s):\n%s" % (
                fx, path, t.name, d.stdout.decode(errors="replace")[:3000]))


def check_render(a):
    # Every fixture, all at once (one graph, several clusters), a real binary (segscan itself),
    # each in full and compact modes, and a run with a broken input (still a valid graph).
    runs = [["-f", "dot"] + sorted(GOLDEN), ["-f", "dot", "--dot-max-sections", "0"] +
            sorted(GOLDEN), ["-f", "dot", "--dot-max-sections", "1"] + sorted(GOLDEN),
            ["-f", "dot", a.segscan], ["-f", "dot", "--dot-max-sections", "3", a.segscan]]
    for args in runs:
        p = run_segscan(args, a.segscan, a.fixtures)
        render(p.stdout, " ".join(args))
    with tempfile.TemporaryDirectory() as td:
        broken = os.path.join(td, "broken")
        with open(os.path.join(a.fixtures, "elf-exec"), "rb") as f:
            data = f.read()
        with open(broken, "wb") as f:
            f.write(data[:100])  # the program headers run past the end
        p = run_segscan(["-f", "dot", broken, "elf-exec"], a.segscan, a.fixtures, expect=(3,))
        render(p.stdout, "broken + elf-exec")
        if b"i0f" not in p.stdout:
            fail("the valid input after a broken one is not drawn")
        p = run_segscan(["-f", "dot", broken], a.segscan, a.fixtures, expect=(3,))
        render(p.stdout, "broken only")


def html_labels(text):
    """The bodies of the HTML-like labels (label=<...>): names are escaped, so the angle
    brackets inside a label balance."""
    for m in re.finditer(r"label=<", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"<": 1, ">": -1}.get(text[i], 0)
            i += 1
        if depth:
            fail("unbalanced label at %d" % m.start())
            return
        yield text[m.end():i - 1]


def check_hostile(a):
    p = run_segscan(["-f", "dot", "--dot-max-sections", "0", "hostile"], a.segscan, a.fixtures)
    out = p.stdout
    render(out, "hostile")
    text = out.decode("utf-8")  # the DOT itself must be valid UTF-8
    expected = [
        "q&quot;uote&#39;",
        "{brace} [x] |y| digraph{a-&gt;b}",
        "&lt;b&gt;bold&lt;/b&gt;&lt;TABLE&gt;&lt;TR&gt;&lt;TD&gt;x&lt;/TD&gt;&lt;/TR&gt;"
        "&lt;/TABLE&gt;&gt;",
        # Graphviz reads backslash escapes in labels too: each drawn backslash is doubled.
        "new\\\\x0aline\\\\x0d\\\\x09end",
        "ctl\\\\x01\\\\x1b[31mred\\\\x7f",
        "back\\\\\\\\slash\\\\\\\\N\\\\\\\\l &amp;amp; &amp;#60;",
        "bidi\\\\u{202e}evil\\\\u{fffe}non",
        "\\\\xff\\\\xfe\\\\xc0\\\\x80\\\\xed\\\\xa0\\\\x80\\\\xe2",
        ".long_012345678901234567890123456789012345678901...",
    ]
    for e in expected:
        n = text.count(e)
        if n != 2:  # once in the file column, once in memory
            fail("hostile: %r appears %d times, want 2" % (e, n))
    for bad in ["<b>bold", "\x1b", "\x01", "\u202e", "\ufffe", "digraph{a->b}"]:
        if bad in text:
            fail("hostile: raw %r reached the DOT" % bad)
    if any(ord(c) < 0x20 and c not in "\n" for c in text):
        fail("hostile: a control character other than newline is in the DOT")
    # Every HTML-like label must be well-formed XML once Graphviz's entities are resolved.
    for body in html_labels(text):
        try:
            ET.fromstring("<root>" + body.replace("&nbsp;", " ") + "</root>")
        except ET.ParseError as e:
            fail("hostile: label is not well-formed (%s): %s" % (e, body[:200]))
    # The rendered SVG shows the escaped text, never markup from a name.
    svg, _ = render(out, "hostile")
    root = ET.fromstring(svg)
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    # A name's backslash is drawn as \\ and an escape as \xNN, as in the text report, so the
    # drawn name "back\\slash" cannot pass for an escape.
    for e in ['q"uote\'', "<b>bold</b><TABLE>", "digraph{a->b}", "new\\x0aline",
              "back\\\\slash\\\\N\\\\l &amp; &#60;", "\\xff\\xfe"]:
        if e not in texts:
            fail("hostile: rendered SVG lacks the text %r" % e)


def check_determinism(a):
    args = ["-f", "dot"] + sorted(GOLDEN) + [a.segscan]
    one = run_segscan(["-j", "1"] + args, a.segscan, a.fixtures).stdout
    two = run_segscan(["-j", "2"] + args, a.segscan, a.fixtures).stdout
    three = run_segscan(["-j", "2"] + args, a.segscan, a.fixtures).stdout
    if not (one == two == three):
        fail("determinism: runs differ")
    if not one:
        fail("determinism: no output")


def counts(dot):
    text = dot.decode("utf-8")
    return {
        "mem_rows": len(re.findall(r'PORT="m\d+"', text)),
        "file_rows": len(re.findall(r'PORT="f\d+"', text)),
        "edges": len(re.findall(r"^\s*i\d+f:f\d+:e -> ", text, re.M)),
        "boxes": text.count("<TABLE BORDER=\"2\""),
    }


def many_sections_yaml(nsec, nseg):
    """An executable with nseg LOADs (each r-x or rw-) holding nsec small sections in all."""
    lines = ["--- !ELF", "FileHeader:", "  Class: ELFCLASS64", "  Data: ELFDATA2LSB",
             "  Type: ET_EXEC", "  Machine: EM_X86_64", "ProgramHeaders:"]
    per = nsec // nseg
    for g in range(nseg):
        flags = "[ PF_R, PF_X ]" if g % 2 == 0 else "[ PF_R, PF_W ]"
        lines += ["  - Type: PT_LOAD", "    Flags: " + flags,
                  "    VAddr: 0x%x" % (0x400000 + g * 0x100000), "    Align: 0x1000",
                  "    FirstSec: s%d" % (g * per), "    LastSec: s%d" % (g * per + per - 1)]
    lines.append("Sections:")
    addr = 0
    for i in range(per * nseg):
        g = i // per
        if i % per == 0:
            addr = 0x400000 + g * 0x100000
        flags = "[ SHF_ALLOC, SHF_EXECINSTR ]" if g % 2 == 0 else "[ SHF_ALLOC, SHF_WRITE ]"
        size = 1 + (i * 37) % 200
        # Packed (alignment 1) in the file as in memory, so each section lies in its segment.
        lines += ["  - Name: s%d" % i, "    Type: SHT_PROGBITS", "    Flags: " + flags,
                  "    Address: 0x%x" % addr, "    AddressAlign: 1", "    Size: %d" % size]
        addr += size
    return "\n".join(lines) + "\n...\n"


def check_compact(a):
    with tempfile.TemporaryDirectory() as td:
        y = os.path.join(td, "many.yaml")
        b = os.path.join(td, "many")
        with open(y, "w") as f:
            f.write(many_sections_yaml(600, 30))
        subprocess.run(["yaml2obj-14", y, "-o", b], check=True)
        full = run_segscan(["-f", "dot", "--dot-max-sections", "0", b], a.segscan, td).stdout
        cf = counts(full)
        if cf["mem_rows"] < 600 or cf["edges"] < 600 or cf["boxes"] != 30:
            fail("compact: full mode should draw every section and segment: %s" % cf)
        for n in (1, 2, 5, 12):
            out = run_segscan(["-f", "dot", "--dot-max-sections", str(n), b], a.segscan,
                              td).stdout
            c = counts(out)
            if c["boxes"] > n or c["mem_rows"] > n * c["boxes"] or c["file_rows"] > 3 * n or \
                    c["edges"] > c["file_rows"] * n:
                fail("compact N=%d: bounds exceeded: %s" % (n, c))
            if b"others</I>" not in out:
                fail("compact N=%d: no merged row" % n)
            _, took = render(out, "many sections, N=%d" % n)
            print("N=%d: %s, dot %.2fs" % (n, c, took))
        default = run_segscan(["-f", "dot", b], a.segscan, td).stdout
        if default != run_segscan(["-f", "dot", "--dot-max-sections", "12", b], a.segscan,
                                  td).stdout:
            fail("compact: the default is not --dot-max-sections 12")


def check_formats(a):
    p = run_segscan(["-f", "svg", "elf-exec"], a.segscan, a.fixtures)
    try:
        root = ET.fromstring(p.stdout)
        if not root.tag.endswith("svg"):
            fail("svg: root element is %s" % root.tag)
    except ET.ParseError as e:
        fail("svg: not XML: %s" % e)
    if p.stderr:
        fail("svg: stderr not empty: %s" % p.stderr[:500])
    p = run_segscan(["-f", "png", "elf-exec", "macho-fat"], a.segscan, a.fixtures)
    if not p.stdout.startswith(b"\x89PNG\r\n\x1a\n") or p.stdout[12:16] != b"IHDR":
        fail("png: not a PNG file")
    if p.stderr:
        fail("png: stderr not empty: %s" % p.stderr[:500])
    p = run_segscan(["-f", "dott", "elf-exec"], a.segscan, a.fixtures, expect=(2,))
    p = run_segscan(["--dot-max-sections", "x", "elf-exec"], a.segscan, a.fixtures, expect=(2,))


def check_nodot(a):
    with tempfile.TemporaryDirectory() as td:
        env = dict(os.environ, PATH=td)  # an empty directory: no dot on PATH
        for fmt in ("svg", "png"):
            p = run_segscan(["-f", fmt, "elf-exec"], os.path.abspath(a.segscan), a.fixtures,
                            env=env, expect=(2,))
            err = p.stderr.decode(errors="replace")
            if "graphviz" not in err or "dot" not in err or err.count("\n") != 1:
                fail("no dot, %s: want one line naming the package graphviz, got %r" % (fmt, err))
            if p.stdout:
                fail("no dot, %s: wrote to stdout" % fmt)
        # dot format itself needs no Graphviz.
        run_segscan(["-f", "dot", "elf-exec"], os.path.abspath(a.segscan), a.fixtures, env=env)
        # A dot that fails: exit 1 and a message.
        fake = os.path.join(td, "dot")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\ncat >/dev/null\nexit 7\n")
        os.chmod(fake, 0o755)
        env = dict(os.environ, PATH=td + ":/bin:/usr/bin")
        p = run_segscan(["-f", "svg", "elf-exec"], os.path.abspath(a.segscan), a.fixtures,
                        env=env, expect=(1,))
        if b"dot failed" not in p.stderr:
            fail("failing dot: stderr %r" % p.stderr)


def check_large(a):
    """The largest shared library on the machine renders in compact mode, in seconds."""
    libdir = "/usr/lib/x86_64-linux-gnu"
    try:
        libs = [os.path.join(libdir, n) for n in os.listdir(libdir) if ".so" in n]
        libs = [l for l in libs if os.path.isfile(l) and not os.path.islink(l)]
    except OSError:
        libs = []
    if not libs:
        fail("no shared library found in %s: nothing to render" % libdir)
        return
    big = max(libs, key=lambda l: (os.path.getsize(l), l))
    t = time.monotonic()
    p = run_segscan(["-f", "dot", big], a.segscan, a.fixtures)
    took_scan = time.monotonic() - t
    _, took = render(p.stdout, big)
    c = counts(p.stdout)
    print("%s (%d bytes): segscan %.2fs, dot %.2fs, %s" % (big, os.path.getsize(big), took_scan,
                                                         took, c))
    if took > 30:
        fail("dot took %.1fs on %s in compact mode" % (took, big))


def check_mutate(a):
    """Damaged inputs (fixed seed): segscan draws what it could read, and the DOT still renders
    cleanly, whatever the headers claim."""
    import random
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as td:
        for fx in ("elf-exec", "pe-exe", "macho-exe", "hostile", "elf-rel"):
            data = open(os.path.join(a.fixtures, fx), "rb").read()
            for k in range(40):
                b = bytearray(data)
                for _ in range(rng.randint(1, 8)):
                    pos = rng.randrange(min(len(b), 512) if rng.random() < 0.8 else len(b))
                    b[pos] = rng.randrange(256)
                path = os.path.join(td, "%s-%d" % (fx, k))
                with open(path, "wb") as f:
                    f.write(b)
            args = ["-f", "dot", "-j", "1"] + sorted(
                os.path.join(td, n) for n in os.listdir(td) if n.startswith(fx))
            p = run_segscan(args, a.segscan, td, expect=(0, 3))
            render(p.stdout, "mutations of " + fx)
            for n in (0, 2):
                p = run_segscan(["--dot-max-sections", str(n)] + args, a.segscan, td,
                                expect=(0, 3))
                render(p.stdout, "mutations of %s, N=%d" % (fx, n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("check", choices=["golden", "render", "hostile", "determinism", "compact",
                                      "formats", "nodot", "large", "mutate"])
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--update", action="store_true",
                    default=os.environ.get("SEGSCAN_UPDATE_GOLDEN") == "1")
    a = ap.parse_args()
    a.segscan = os.path.abspath(a.segscan)
    if shutil.which("dot") is None:
        print("Graphviz's dot is not installed (Debian package graphviz)")
        return 1
    globals()["check_" + a.check](a)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
