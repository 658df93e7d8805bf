#!/usr/bin/env python3
"""The installable forms of segscan (issue 23): `cmake --install` and the Debian package (one
build tree, configured for /usr), and the static build. Each is built from the source tree
in a scratch build directory of its own.

    package_test.py deb|static --source DIR --work DIR --segscan BIN --fixtures DIR
                    --version X.Y.Z

Oracles: dpkg-deb -I/-c and dpkg -S (which package owns each library the binary needs),
readelf -d/-l and ldd (shared-library dependencies), size -B (the report's totals), the
source tree's docs/ (what must be installed), and the dynamic build's output on the same
inputs (the static binary must not differ from it by a byte).
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def must(cmd, what, **kw):
    r = run(cmd, **kw)
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:])
        sys.exit("%s failed (exit %d): %s" % (what, r.returncode, " ".join(cmd)))
    return r


def configure_and_build(a, name, *options):
    b = os.path.join(a.work, name)
    shutil.rmtree(b, ignore_errors=True)
    must(["cmake", "-S", a.source, "-B", b, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"] + list(options),
         "configure " + name)
    must(["cmake", "--build", b, "--target", "segscan", "-j2"], "build " + name)
    return b


def size_B(path):
    f = run(["size", "-B", path]).stdout.splitlines()[1].split()
    return int(f[0]), int(f[1]), int(f[2])


def needed(path):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", "-W", path]).stdout)


def report_matches_size(binary, target, what):
    """A full report of target: exit 0, one image, totals equal to size -B."""
    r = run([binary, "-q", "-f", "json", target])
    check(r.returncode == 0, "%s: report of %s exits 0 (got %d: %s)" % (what, target, r.returncode, r.stderr))
    try:
        im = json.loads(r.stdout)["images"][0]
    except (ValueError, IndexError, KeyError):
        check(False, "%s: report of %s is JSON with an image" % (what, target))
        return
    t = im["totals"]
    check(im["file_size"] == os.path.getsize(target) and
          (t["text"], t["data"], t["bss"]) == size_B(target),
          "%s: report of %s: %s == size -B %s" % (what, target, t, size_B(target)))
    check("permissions" in im and "strings" in im and "bss" in im, "%s: every analysis ran" % what)


def doc_files(source):
    """What the install must hold, from the source tree: README, LICENSE, docs/*.md,
    docs/*.schema.json and docs/diagrams, docs/examples."""
    files = ["README.md", "LICENSE"]
    for pat in ("docs/*.md", "docs/*.schema.json", "docs/diagrams/*", "docs/examples/*"):
        files += sorted(os.path.relpath(p, source) for p in glob.glob(os.path.join(source, pat)))
    return files


def check_references(root, binary, docdir, manpage, what):
    """Every document --help and the man page name exists where they say (root: where the
    package was unpacked, "" for an install)."""
    env = dict(os.environ, MANWIDTH="200")
    helps = run([binary, "--help"]).stdout + run([binary, "check", "--help"]).stdout
    check(docdir + "/" in helps, "%s: --help names %s" % (what, docdir))
    for ref in ("docs/segscan.schema.json", "README.md", "LICENSE", "docs/segscan-check.schema.json"):
        check(ref in helps, "%s: --help names %s" % (what, ref))
        check(os.path.isfile(root + docdir + "/" + ref), "%s: %s%s/%s is installed" % (what, root, docdir, ref))
    man = [manpage] if os.path.isfile(manpage) else []
    check(man, "%s: man page %s" % (what, manpage))
    if man:
        with open(man[0]) as fh:
            text = fh.read()
        check("@SEGSCAN_DOCDIR@" not in text and "docs/segscan.schema.json" in text,
              "%s: the man page names the installed schema" % what)
        for ref in sorted(set(re.findall(re.escape(docdir) + r"/([\w./-]+\w)", text))):
            check(os.path.isfile(root + docdir + "/" + ref), "%s: the man page's %s/%s exists" % (what, docdir, ref))
        r = run(["man", "-l", man[0]], env=env)
        check(r.returncode == 0 and "EXIT STATUS" in r.stdout and "FILE(MEMBER)" in r.stdout,
              "%s: man -l renders the page: %s" % (what, r.stderr[-300:]))


# ---- cmake --install ------------------------------------------------------------------------

def t_install(a, b):
    """cmake --install of build tree b (configured for /usr) into a staging root (DESTDIR)."""
    root = os.path.join(a.work, "install-root")
    shutil.rmtree(root, ignore_errors=True)
    must(["cmake", "--install", b], "cmake --install", env=dict(os.environ, DESTDIR=root))
    docdir = "/usr/share/doc/segscan"
    for f in doc_files(a.source):
        check(os.path.isfile(root + docdir + "/" + f), "install: %s%s/%s" % (root, docdir, f))
    binary = root + "/usr/bin/segscan"
    check(os.access(binary, os.X_OK), "install: bin/segscan")
    check(run([binary, "--version"]).stdout.strip() == "segscan " + a.version, "install: --version")
    check_references(root, binary, docdir, root + "/usr/share/man/man1/segscan.1", "install")
    report_matches_size(binary, binary, "install")


# ---- the Debian package ---------------------------------------------------------------------

def t_deb(a):
    b = configure_and_build(a, "build-deb", "-DCMAKE_INSTALL_PREFIX=/usr")
    t_install(a, b)
    for old in glob.glob(os.path.join(b, "*.deb")):
        os.unlink(old)
    must(["cpack", "-G", "DEB"], "cpack -G DEB", cwd=b)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    debs = glob.glob(os.path.join(b, "*.deb"))
    check([os.path.basename(d) for d in debs] == ["segscan_%s_%s.deb" % (a.version, arch)],
          "one package, named as Debian names them: %s" % debs)
    if len(debs) != 1:
        return
    deb = debs[0]
    print("package: %s, %d bytes" % (deb, os.path.getsize(deb)))
    info = run(["dpkg-deb", "-I", deb]).stdout
    fields = dict(re.findall(r"^ (\S+): (.*)$", info, re.M))
    check(fields.get("Package") == "segscan" and fields.get("Version") == a.version and
          fields.get("Architecture") == arch and fields.get("Maintainer") and
          fields.get("Section") == "devel", "dpkg-deb -I: control fields: %s" % fields)

    # The contents: the binary, the man page and every document, all under /usr.
    listing = run(["dpkg-deb", "-c", deb]).stdout
    files = sorted(l.split()[-1][1:] for l in listing.splitlines() if not l.startswith("d"))
    want = sorted(["/usr/bin/segscan", "/usr/share/man/man1/segscan.1"] +
                  ["/usr/share/doc/segscan/" + f for f in doc_files(a.source)])
    check(files == want, "dpkg-deb -c: %s\n  want %s" % (files, want))
    check(all(l.split()[1] == "root/root" for l in listing.splitlines()), "files owned by root")

    root = os.path.join(a.work, "deb-root")
    shutil.rmtree(root, ignore_errors=True)
    must(["dpkg", "-x", deb, root], "dpkg -x")
    binary = root + "/usr/bin/segscan"

    # Depends: exactly the packages owning the libraries the binary needs (dpkg -S), each
    # with a version, as dpkg-shlibdeps states them.
    libs = needed(binary)
    check(libs and "libelf.so.1" in libs, "readelf -d: the packaged binary's NEEDED: %s" % libs)
    owners = set()
    for line in run(["ldd", binary]).stdout.splitlines():
        m = re.search(r"^\s*(\S+) => (/\S+)", line)
        if m and m.group(1) in libs:
            o = run(["dpkg", "-S", os.path.realpath(m.group(2))]).stdout or \
                run(["dpkg", "-S", m.group(2)]).stdout
            owners |= {x.strip().split(":")[0] for x in o.split(": ")[0].split(",") if x.strip()}
    depends = {}
    for d in fields.get("Depends", "").split(","):
        m = re.match(r"\s*([a-z0-9.+-]+)\s*(\(.*\))?", d)
        if m:
            depends[m.group(1)] = m.group(2)
    check(set(depends) == owners and owners, "Depends %s == owners of NEEDED libraries %s" %
          (fields.get("Depends"), sorted(owners)))
    check(depends.get("libc6") and depends["libc6"].startswith("(>="), "libc6 with a minimum version")
    # Satisfied on this Debian 12 machine: dpkg checks the Depends against what is installed.
    r = run(["dpkg", "--dry-run", "-i", deb]) if os.geteuid() == 0 else None
    if r is not None:
        check(r.returncode == 0 and "dependency problems" not in r.stderr + r.stdout,
              "dpkg --dry-run -i: %s %s" % (r.stdout[-300:], r.stderr[-300:]))

    # It runs from the scratch root, and says where its documents are.
    check(run([binary, "--version"]).stdout.strip() == "segscan " + a.version, "deb: --version")
    check_references(root, binary, "/usr/share/doc/segscan", root + "/usr/share/man/man1/segscan.1", "deb")
    report_matches_size(binary, binary, "deb")
    stripped = run(["readelf", "-S", "-W", binary]).stdout
    check(".debug_info" not in stripped and ".symtab" not in stripped, "the packaged binary is stripped")


# ---- the static build -----------------------------------------------------------------------

def t_static(a):
    b = configure_and_build(a, "build-static", "-DSEGSCAN_STATIC=ON")
    binary = os.path.join(b, "segscan")
    dyn = run(["readelf", "-d", "-W", binary]).stdout
    check(needed(binary) == [], "readelf -d: no NEEDED entry: %s" % needed(binary))
    phdrs = run(["readelf", "-l", "-W", binary]).stdout
    check("INTERP" not in phdrs, "no PT_INTERP (no dynamic loader)")
    check(re.search(r"Type:\s+DYN", run(["readelf", "-h", binary]).stdout) is not None and
          "FLAGS_1" in dyn and "PIE" in dyn, "static-pie: a position-independent executable")
    r = run(["ldd", binary])
    check("statically linked" in r.stdout + r.stderr or "not a dynamic executable" in r.stdout + r.stderr,
          "ldd: %r" % (r.stdout + r.stderr))
    check(run([binary, "--version"]).stdout.strip() == "segscan " + a.version, "static: --version")
    report_matches_size(binary, binary, "static")
    # Byte for byte what the dynamic build says, through every library it linked in: libelf
    # (ELF), zlib and zstd (compressed debug sections, gzip-size), libyaml (a budget file).
    inputs = [os.path.join(a.fixtures, f) for f in ("gcc-debug-zlib", "gcc-debug-zstd", "libfixture.a",
                                                     "gcc-static")]
    for f in inputs:
        check(os.path.exists(f), "fixture %s" % f)
    args = ["-q", "-f", "json", "--verify-compressed"] + inputs
    rs, rd = run([binary] + args), run([a.segscan] + args)
    norm = lambda s: re.sub(r'"generator": "[^"]*"', "", s)
    check(rs.returncode == rd.returncode == 0 and norm(rs.stdout) == norm(rd.stdout),
          "static and dynamic reports are equal (exit %d/%d)" % (rs.returncode, rd.returncode))
    budget = os.path.join(a.work, "static-budget.yaml")
    with open(budget, "w") as fh:
        fh.write("budgets:\n  - metric: gzip-size\n    max: 100 MiB\n  - metric: file-size\n"
                 "    section: .debug_info\n    max: 1 MiB\npolicy:\n  - rule: forbid-wx\n")
    cargs = ["check", "--budget", budget, "-f", "json", inputs[0], inputs[1]]
    rs, rd = run([binary] + cargs), run([a.segscan] + cargs)
    check(rs.returncode == rd.returncode == 0 and norm(rs.stdout) == norm(rd.stdout),
          "static and dynamic check are equal (exit %d/%d: %s)" % (rs.returncode, rd.returncode, rs.stderr))
    # Sizes, for the record (stripped copies).
    for name, path in (("static", binary), ("dynamic", a.segscan)):
        s = os.path.join(a.work, name + "-stripped")
        must(["strip", "-o", s, path], "strip")
        print("%s segscan: %d bytes, stripped %d" % (name, os.path.getsize(path), os.path.getsize(s)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["deb", "static"])
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--segscan", required=True, help="the test build's segscan")
    ap.add_argument("--fixtures", required=True, help="the ELF fixtures")
    ap.add_argument("--version", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    {"deb": t_deb, "static": t_static}[a.what](a)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
