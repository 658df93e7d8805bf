#!/usr/bin/python3
"""term_test.py - the text report on a terminal (issue 23): colour, width, member summary.

usage: term_test.py GROUP --segscan BIN --fixtures SRC_DIR --golden DIR --work DIR
                    [--archive LIBC_A] [--update]

The fixtures are yaml2obj-14 files (fixtures/term/), byte-for-byte deterministic, built into
--work. segscan runs on the slave side of a real pseudo-terminal (Python's pty module) whose
size is set with TIOCSWINSZ, with TERM=xterm-256color and LANG=C.UTF-8 and neither NO_COLOR nor
COLUMNS in its environment; the terminal's CR LF line ends are read back as LF.

Groups:
  golden   wx at 120 and 60 columns (colour on) and the member summary of an archive at 120
           columns, compared with DIR/*.txt (--update rewrites them; review the diff). Also: at
           60 columns no line is wider than 60 once the colour escapes are removed, the long
           section name is cut in the middle with U+2026 and is whole in JSON on the same terminal,
           W+X 'rwx' and 'yes' are bold red (ESC[1;31m) and the W+X finding's 'error' too.
  plain    NO_COLOR=1 and --color=never on a terminal as wide as the wide layout give the pipe's
           bytes exactly; NO_COLOR= (empty) still colours; TERM=dumb does not; --color=always
           colours a pipe; JSON, CSV, Markdown and SARIF on a terminal, and -o text=FILE, hold no
           ESC byte; COLUMNS=60 on a pipe fits the table to 60 columns without colour;
           -d tables fit 60 columns (COLUMNS on a pipe, the pty's size on a terminal: names cut
           in the middle); --color=bogus is a usage error (exit 2); check and diff take --color too; a file
           that cannot be analyzed is named in bold red on a terminal's stderr, plainly with
           NO_COLOR. `diff` fits 60, 100 and 140 columns (COLUMNS on a pipe: the before/after
           columns go first, the long section name is cut in the middle) and on a 200-column
           terminal equals the pipe; `where` wraps its lines at spaces to 60 columns, keeping
           the pipe's words in order and a word too long for any line (the mangled name) whole.
  members  the member summary against independent oracles: the archive of the golden group
           (member sizes from `ar tv`, VM bytes = SHF_ALLOC section sizes from `readelf -S -W`)
           and the system's libc.a (its 20 largest ELF members by `ar tv` size, in that order
           up to ties, and '[N others]' whose N and file bytes are the rest).
"""
import argparse
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

failures = []
checked = 0
SGR = re.compile(r"\x1b\[[0-9;]*m")


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def base_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "COLUMNS", "LINES", "LC_ALL", "LC_CTYPE", "LANG", "TERM")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run_pty(argv, cols, env, cwd, stderr_too=False):
    """argv's stdout (and stderr with stderr_too, else to a pipe) on a pseudo-terminal of cols
    columns; returns (exit status, the terminal's bytes with CR LF read back as LF)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=slave if stderr_too else subprocess.PIPE, env=env, cwd=cwd)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 60)
        if not r:
            p.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the slave side was closed by the child's exit
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    if not stderr_too:
        p.stderr.read()
    rc = p.wait()
    return rc, out.replace(b"\r\n", b"\n")


def run_pipe(argv, env, cwd):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, cwd=cwd)
    return p.returncode, p.stdout


def build(src, work):
    """wx and libterm.a (three members of 4096, 1024 and 16384 .text bytes) in work."""
    os.makedirs(work, exist_ok=True)
    subprocess.run(["yaml2obj-14", os.path.join(src, "wx.yaml"), "-o",
                    os.path.join(work, "wx")], check=True)
    members = []
    for name, size in (("small_but_with_a_long_member_name.o", 1024), ("mid.o", 4096),
                       ("big.o", 16384)):
        subprocess.run(["yaml2obj-14", "-D", "SIZE=%d" % size, "-D", "HALF=%d" % (size // 2),
                        os.path.join(src, "member.yaml"), "-o", os.path.join(work, name)],
                       check=True)
        members.append(name)
    subprocess.run(["yaml2obj-14", os.path.join(src, "where.yaml"), "-o",
                    os.path.join(work, "where.o")], check=True)
    lib = os.path.join(work, "libterm.a")
    if os.path.exists(lib):
        os.unlink(lib)
    subprocess.run(["ar", "rcD", "libterm.a"] + members, cwd=work, check=True)


def golden_compare(golden, name, got, update):
    path = os.path.join(golden, name)
    if update:
        with open(path, "wb") as f:
            f.write(got)
        print("wrote " + path)
        return
    try:
        with open(path, "rb") as f:
            want = f.read()
    except OSError as e:
        check(False, "%s: no golden file (%s)" % (name, e))
        return
    if got != want:
        import difflib
        d = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                 got.decode(errors="replace").splitlines(), path, "got",
                                 lineterm="")
        print("\n".join(d))
    check(got == want, "%s differs from the golden file" % name)


def group_golden(a):
    seg, work = a.segscan, a.work
    env = base_env()
    for cols in (120, 60):
        rc, out = run_pty([seg, "-q", "wx"], cols, env, work)
        check(rc == 0, "wx at %d columns: exit %d" % (cols, rc))
        golden_compare(a.golden, "wx-%d.txt" % cols, out, a.update)
        text = out.decode()
        plain = SGR.sub("", text)
        check("\x1b[1;31mrwx\x1b[0m" in text, "%d columns: W+X perms not bold red" % cols)
        check("W+X segments \x1b[1;31myes\x1b[0m" in text,
              "%d columns: 'W+X segments yes' not bold red" % cols)
        check("\x1b[1;31merror\x1b[0m" in text, "%d columns: the error finding not bold red" % cols)
        check("RELRO \x1b[1;33mnone\x1b[0m" in text, "%d columns: 'RELRO none' not yellow" % cols)
        if cols == 60:
            wide = [l for l in plain.splitlines() if len(l) > 60]
            check(not wide, "60 columns: %d lines wider than 60: %r" % (len(wide), wide[:3]))
            cut = [l for l in plain.splitlines() if l.startswith("  .data.j") and "\u2026" in l]
            check(len(cut) == 1, "60 columns: the long section name is not cut with an ellipsis")
            rc, js = run_pty([seg, "-q", "-f", "json", "wx"], 60, env, work)
            check(b".data.jit_trampolines_written_at_run_time_by_the_code_generator" in js
                  and b"\x1b" not in js, "60 columns: JSON lost the full name or holds ESC")
    rc, out = run_pty([seg, "-q", "--only", "sizes", "libterm.a"], 120, env, work)
    check(rc == 0, "libterm.a: exit %d" % rc)
    golden_compare(a.golden, "libterm-120.txt", out, a.update)
    rc, out = run_pty([seg, "-q", "--only", "sizes", "-n", "1", "libterm.a"], 60, env, work)
    golden_compare(a.golden, "libterm-60-n1.txt", out, a.update)
    wide = [l for l in SGR.sub("", out.decode()).splitlines() if len(l) > 60]
    check(not wide, "libterm.a at 60 columns: lines wider than 60: %r" % wide[:3])
    check("[2 others]" in out.decode(), "libterm.a -n 1: no '[2 others]' row")


def group_plain(a):
    seg, work = a.segscan, a.work
    rc, pipe = run_pipe([seg, "-q", "wx"], base_env(), work)
    check(rc == 0 and b"\x1b" not in pipe, "pipe: exit %d or an ESC byte" % rc)
    widest = max(len(l) for l in pipe.decode().splitlines())
    cols = widest + 10  # the wide layout fits: only colour could differ
    for label, args, env in (("NO_COLOR=1", [], base_env(NO_COLOR="1")),
                             ("--color=never", ["--color=never"], base_env()),
                             ("NO_COLOR=1 --color=auto", ["--color=auto"], base_env(NO_COLOR="1")),
                             ("TERM=dumb", [], base_env(TERM="dumb")),
                             ("no TERM", [], base_env(TERM=None))):
        rc, out = run_pty([seg, "-q"] + args + ["wx"], cols, env, work)
        check(out == pipe, "%s on a %d-column terminal differs from the pipe" % (label, cols))
    rc, out = run_pty([seg, "-q", "wx"], cols, base_env(NO_COLOR=""), work)
    check(b"\x1b[1;31m" in out, "NO_COLOR= (empty) turned colour off")
    check(SGR.sub("", out.decode()).encode() == pipe,
          "the coloured report without its escapes differs from the pipe's")
    rc, out = run_pipe([seg, "-q", "--color=always", "wx"], base_env(), work)
    check(b"\x1b[1;31mrwx" in out, "--color=always did not colour a pipe")
    rc, out = run_pipe([seg, "-q", "--color=always", "wx"], base_env(NO_COLOR="1"), work)
    check(b"\x1b[1;31mrwx" in out, "--color=always lost to NO_COLOR (the option should win)")
    for fmt in ("json", "csv", "markdown", "sarif", "ndjson"):
        rc, out = run_pty([seg, "-q", "-f", fmt, "--color=always", "wx"], 60, base_env(), work)
        check(rc == 0 and b"\x1b" not in out, "-f %s on a terminal: exit %d or ESC" % (fmt, rc))
    txt = os.path.join(work, "wx-report.txt")
    rc, out = run_pty([seg, "-q", "-o", "text=" + txt, "wx"], 60, base_env(), work)
    with open(txt, "rb") as f:
        filed = f.read()
    check(b"\x1b" in out and filed == pipe, "-o text=FILE is not the pipe's bytes")
    rc, out = run_pipe([seg, "-q", "wx"], base_env(COLUMNS="60"), work)
    lines = out.decode().splitlines()
    check(b"\x1b" not in out and all(len(l) <= 60 for l in lines),
          "COLUMNS=60 on a pipe: ESC or a line wider than 60")
    rc, out = run_pty([seg, "-q", "-f", "json", "no-such-file"], 100, base_env(), work,
                      stderr_too=True)
    check(rc == 3 and b"segscan: no-such-file: \x1b[1;31m" in out,
          "a failure on a terminal's stderr is not bold red: %r" % out[:200])
    rc, out = run_pty([seg, "-q", "no-such-file"], 100, base_env(NO_COLOR="1"), work,
                      stderr_too=True)
    check(rc == 3 and b"segscan: no-such-file: " in out and b"\x1b" not in out,
          "NO_COLOR=1: the failure line holds ESC: %r" % out[:200])
    rc, out = run_pipe([seg, "-q", "-d", "sections,symbols", "wx"], base_env(COLUMNS="60"), work)
    lines = out.decode().splitlines()
    check(rc == 0 and all(len(l) <= 60 for l in lines) and b"\x1b" not in out,
          "-d sections,symbols with COLUMNS=60: a line wider than 60 or ESC: %r"
          % [l for l in lines if len(l) > 60][:2])
    rc, out = run_pty([seg, "-q", "-d", "sections,symbols", "wx"], 60, base_env(), work)
    lines = out.decode().splitlines()
    check(rc == 0 and all(len(l) <= 60 for l in lines) and any("\u2026" in l for l in lines),
          "-d sections,symbols on a 60-column terminal: a line wider than 60 or no name cut")
    rc, _ = run_pipe([seg, "--color=bogus", "wx"], base_env(), work)
    check(rc == 2, "--color=bogus: exit %d, want 2" % rc)
    budget = os.path.join(work, "budget.yaml")
    with open(budget, "w") as f:
        f.write("version: 1\nbudgets:\n  - name: file size\n    artifacts: wx\n"
                "    metric: file-size\n    max: 1000\n  - name: vm size\n    artifacts: wx\n"
                "    metric: vm-size\n    max: 1 MiB\n")
    rc, out = run_pty([seg, "check", "-q", "--budget", budget, "wx"], 100, base_env(), work)
    check(rc == 1 and b"\x1b[1;31mFAIL\x1b[0m" in out and b"\x1b[32mpass\x1b[0m" in out,
          "check on a terminal: FAIL not bold red or pass not green")
    rc2, out2 = run_pty([seg, "check", "-q", "--color=never", "--budget", budget, "wx"], 100,
                        base_env(), work)
    rc3, out3 = run_pipe([seg, "check", "-q", "--budget", budget, "wx"], base_env(), work)
    check(rc2 == rc3 == 1 and out2 == out3 and b"\x1b" not in out3,
          "check --color=never on a terminal differs from the pipe")
    rc, out = run_pty([seg, "diff", "--color=never", "wx", "wx"], 100, base_env(), work)
    check(rc == 0 and b"\x1b" not in out, "diff --color=never: exit %d or ESC" % rc)
    group_diff_where(a)


LONG = ".data.jit_trampolines_written_at_run_time_by_the_code_generator"


def group_diff_where(a):
    """diff and where fit the terminal's width; a pipe keeps the wide layout and whole names."""
    seg, work = a.segscan, a.work
    rc, pipe = run_pipe([seg, "diff", "wx", "big.o"], base_env(), work)
    text = pipe.decode()
    check(rc == 0 and "file before" in text and LONG in text and b"\x1b" not in pipe,
          "diff on a pipe: not the wide layout with whole names (exit %d)" % rc)
    rc, out = run_pty([seg, "diff", "--color=never", "wx", "big.o"], 200, base_env(), work)
    check(out == pipe, "diff on a 200-column terminal differs from the pipe")
    for cols, cols_kept in ((60, ()), (100, ("vm before",)), (140, ("vm before", "file before"))):
        rc, out = run_pipe([seg, "diff", "wx", "big.o"], base_env(COLUMNS=str(cols)), work)
        lines = out.decode().splitlines()
        # a line may pass the width only when one word alone is too long for a line
        wide = [l for l in lines if len(l) > cols and max(len(w) for w in l.split()) <= cols - 13]
        check(rc == 0 and not wide, "diff COLUMNS=%d: lines wider: %r" % (cols, wide[:2]))
        for label in cols_kept:
            check(any(label in l for l in lines), "diff COLUMNS=%d: no '%s' column" % (cols, label))
        check(any("delta" in l for l in lines) and any("+15616" in l for l in lines),
              "diff COLUMNS=%d: the deltas are gone" % cols)
        cut = [l for l in lines if l.startswith("- .data.") and "\u2026" in l]
        check(len(cut) == 1, "diff COLUMNS=%d: the long name cut %d times" % (cols, len(cut)))
    rc, pipe = run_pipe([seg, "where", "*", "--", "where.o"], base_env(), work)
    rc2, out = run_pipe([seg, "where", "*", "--", "where.o"], base_env(COLUMNS="60"), work)
    lines = out.decode().splitlines()
    # a line may pass 60 columns only when one word alone is too long for a line
    wide = [l for l in lines if len(l) > 60 and max(len(w) for w in l.split()) <= 60 - 15]
    check(rc == rc2 == 0 and not wide, "where COLUMNS=60: lines wider than 60: %r" % wide[:2])
    check(len(lines) > len(pipe.decode().splitlines()), "where COLUMNS=60: nothing wrapped")
    check(out.split() == pipe.split(), "where COLUMNS=60: not the pipe's words in the same order")
    check(any(l.startswith("  mangled      _ZN4llvm") for l in lines),
          "where COLUMNS=60: the mangled name left its line")


def ar_sizes(archive):
    out = subprocess.run(["ar", "tvO", archive], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    sizes = {}
    for l in out.splitlines():
        # rw-r--r-- 0/0   1234 Jan  1 00:00 1970 name.o 0x...
        m = re.match(r"\S+ \S+\s+(\d+) \S+ +\d+ \S+ \d+ (.+) 0x[0-9a-f]+$", l)
        if m:
            sizes.setdefault(m.group(2), []).append(int(m.group(1)))
    return sizes


def alloc_bytes(path):
    out = subprocess.run(["readelf", "-S", "-W", path], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    total = 0
    for l in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+"
                     r"[0-9a-f]+\s+(\S*)\s", l)
        if m and "A" in m.group(3):
            total += int(m.group(2), 16)
    return total


def summary_rows(text):
    """[(name, file, vm)] and the others row (count, file, vm) of the first member summary."""
    rows, others, on = [], None, False
    for l in text.splitlines():
        if re.match(r"  (Members|Slices) \(\d+\)", l):
            on = True
            continue
        if not on:
            continue
        m = re.match(r"  \[(\d+) others?\]\s+(\d+)(?: \S+ \S+)?\s+(\d+)", l)
        if m:
            others = tuple(int(x) for x in m.groups())
            continue
        m = re.match(r"  (\S+)\s+(\d+) [\d.]+ \S+\s+(\d+) ", l)
        if not m:
            break
        rows.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return rows, others


def group_members(a):
    seg, work = a.segscan, a.work
    rc, out = run_pipe([seg, "-q", "--only", "sizes", "libterm.a"], base_env(), work)
    rows, others = summary_rows(out.decode())
    sizes = ar_sizes(os.path.join(work, "libterm.a"))
    want = sorted(sizes, key=lambda n: -sizes[n][0])
    check([r[0] for r in rows] == want, "libterm.a: order %r, ar tv gives %r"
          % ([r[0] for r in rows], want))
    for name, file, vm in rows:
        check(sizes.get(name, [None])[0] == file, "libterm.a(%s): file %d, ar tv %r"
              % (name, file, sizes.get(name)))
        real = alloc_bytes(os.path.join(work, name))
        check(vm == real, "libterm.a(%s): vm %d, readelf's SHF_ALLOC sizes sum to %d"
              % (name, vm, real))
    check(others is None, "libterm.a: an others row without -n")
    if not a.archive:
        return
    rc, out = run_pipe([seg, "-q", "--only", "sizes", a.archive], base_env(), work)
    text = out.decode(errors="replace")
    rows, others = summary_rows(text)
    m = re.search(r": archive of (\d+) members, largest first", text)
    check(m is not None, "libc.a: no summary line")
    n = int(m.group(1)) if m else 0
    check(len(rows) == 20 and others is not None and others[0] == n - 20,
          "libc.a: %d rows and others %r for %d members (want 20 + %d)"
          % (len(rows), others, n, n - 20))
    sizes = ar_sizes(a.archive)
    # the members segscan analyzed: the detail blocks name them
    analyzed = set(re.findall(r"^\S*libc\.a\(([^)]+)\): ELF", text, re.M))
    check(len(analyzed) == n, "libc.a: %d detail blocks for %d members" % (len(analyzed), n))
    all_sizes = sorted((s for name in analyzed for s in sizes.get(name, [])), reverse=True)
    got = [r[1] for r in rows]
    check(got == all_sizes[:20], "libc.a: the 20 sizes %r are not ar tv's largest %r"
          % (got[:5], all_sizes[:5]))
    for name, file, _ in rows:
        check(file in sizes.get(name, []), "libc.a(%s): %d not among ar tv's %r"
              % (name, file, sizes.get(name)))
    if others:
        check(others[1] == sum(all_sizes[20:]), "libc.a: others hold %d bytes, ar tv's rest %d"
              % (others[1], sum(all_sizes[20:])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=["golden", "plain", "members"])
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--archive")
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    a.segscan = os.path.abspath(a.segscan)
    a.work = os.path.abspath(a.work)
    build(a.fixtures, a.work)
    {"golden": group_golden, "plain": group_plain, "members": group_members}[a.group](a)
    if failures:
        print("%d of %d checks failed" % (len(failures), checked))
        return 1
    if checked == 0:
        print("no checks ran")
        return 1
    print("%s: %d checks passed" % (a.group, checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
