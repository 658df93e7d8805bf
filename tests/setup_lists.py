#!/usr/bin/env python3
"""The two package lists of .ci/setup (issue 23).

    setup_lists.py --source DIR --build DIR --segscan BIN

The README's first command runs `.ci/setup` (build list), .ci/run `.ci/setup --test` (build and
test lists). Checked here, with dpkg as the oracle:
  - the build list holds no test-only package, and neither does everything it pulls in
    (the Depends/Pre-Depends closure over the installed packages, as apt would install it);
  - every package the build really used is in the build list or pulled in by it: the packages
    owning each header the compiler read (CMake's depfiles), each library on segscan's link
    line (those -dev packages must be named in the list itself), each tool of the build
    (compiler, linker, archiver, make, pkg-config, cmake) and each shared library segscan
    needs at run time (readelf -d, ldd);
  - the README's first command and .ci/run use the lists as described;
  - a plain configure builds no test or fuzz helper (BUILD_TESTING off), .ci/run's does.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

FAILURES = []

# Packages that only the tests use, by name: none may be in the build list or its closure.
TEST_ONLY = re.compile(r"^(clang|lld|llvm|libclang|libllvm|liblief|lief|graphviz|libgvc|golang|"
                       r".*mono|shim|systemd-boot|grub|ipxe|hyperfine|python3|g\+\+|"
                       r"gcc-multilib|lib32|libx32|dpkg-dev|man-db)")


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def setup_list(source, *args):
    r = run(["bash", os.path.join(source, ".ci", "setup")] + list(args) + ["--list"])
    check(r.returncode == 0, ".ci/setup %s --list: %s" % (" ".join(args), r.stderr))
    return [p for p in r.stdout.split("\n") if p]


# ---- dpkg ------------------------------------------------------------------------------------

def installed():
    """name -> (provides, [alternative groups]) for every installed package (any arch)."""
    r = run(["dpkg-query", "-W", "-f",
             "${Package}\t${Status}\t${Provides}\t${Pre-Depends}\t${Depends}\n"])
    pk = {}
    for line in r.stdout.splitlines():
        name, status, provides, pre, dep = (line.split("\t") + [""] * 5)[:5]
        if "install ok installed" not in status:
            continue
        groups = []
        for field in (pre, dep):
            for g in field.split(","):
                alts = [re.sub(r"[\s(:].*$", "", a.strip()) for a in g.split("|")]
                alts = [a for a in alts if a]
                if alts:
                    groups.append(alts)
        prov = [re.sub(r"[\s(:].*$", "", p.strip()) for p in provides.split(",") if p.strip()]
        old = pk.get(name)
        pk[name] = (sorted(set(prov + (old[0] if old else []))), (old[1] if old else []) + groups)
    return pk


def closure(start, pk):
    """Every package that installing start pulls in: per dependency the first alternative
    that is installed (as a package or provided by one), as apt picks it."""
    providers = {}
    for name, (prov, _) in pk.items():
        for p in prov:
            providers.setdefault(p, []).append(name)
    seen, todo = set(), list(start)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alts in pk.get(p, ([], []))[1]:
            for a in alts:
                cand = [a] if a in pk else providers.get(a, [])
                if cand:
                    todo.extend(cand[:1])
                    break
    return seen


def owners(paths):
    """path -> set of packages owning it (dpkg -S), trying the /usr-merged spellings too."""
    out = {}
    variants = {}
    for p in paths:
        vs = {p, os.path.realpath(p)}
        for v in list(vs):
            if v.startswith("/usr/lib/") or v.startswith("/usr/bin/") or v.startswith("/usr/sbin/"):
                vs.add(v[4:])
            elif v.startswith("/lib/") or v.startswith("/bin/") or v.startswith("/sbin/"):
                vs.add("/usr" + v)
        variants[p] = vs
    allv = sorted({v for vs in variants.values() for v in vs})
    found = {}
    for i in range(0, len(allv), 200):
        r = run(["dpkg", "-S"] + allv[i:i + 200])
        for line in r.stdout.splitlines():
            if line.startswith("diversion ") or ": " not in line:
                continue
            pkgs, path = line.split(": ", 1)
            for pkgname in pkgs.split(","):
                found.setdefault(path.strip(), set()).add(pkgname.strip().split(":")[0])
    for p, vs in variants.items():
        out[p] = set().union(*(found.get(v, set()) for v in vs))
    return out


# ---- what the build used ---------------------------------------------------------------------

def depfile_headers(build, source):
    heads = set()
    for d in ("core", "formats", "emit", "cmd"):
        for f in glob.glob(os.path.join(build, d, "CMakeFiles", "*.dir", "*.d")):
            with open(f) as fh:
                text = fh.read().replace("\\\n", " ")
            for tok in text.split():
                if tok.startswith("/") and not tok.endswith(":") and \
                        not os.path.realpath(tok).startswith((os.path.realpath(source) + "/",
                                                              os.path.realpath(build) + "/")):
                    heads.add(os.path.normpath(tok))
    return heads


def cache_value(build, key):
    with open(os.path.join(build, "CMakeCache.txt")) as fh:
        for line in fh:
            m = re.match(r"%s:[A-Z]+=(.*)$" % re.escape(key), line)
            if m:
                return m.group(1)
    return None


def link_libraries(build):
    with open(os.path.join(build, "cmd", "CMakeFiles", "segscan.dir", "link.txt")) as fh:
        toks = fh.read().split()
    cc = toks[0]
    libs = set()
    for t in toks:
        if t.startswith("/") and re.search(r"\.(so|a)(\.[0-9.]+)?$", t):
            libs.add(t)
        elif t.startswith("-l"):
            r = run([cc, "-print-file-name=lib%s.so" % t[2:]])
            libs.add(r.stdout.strip())
    return libs


def runtime_libraries(segscan):
    libs = set()
    for line in run(["ldd", segscan]).stdout.splitlines():
        m = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.add(m.group(1))
    return libs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--segscan", required=True)
    a = ap.parse_args()

    build_list = setup_list(a.source)
    all_list = setup_list(a.source, "--test")
    test_only = [p for p in all_list if p not in build_list]
    check(len(build_list) >= 5 and len(test_only) >= 5, "two lists: %s / %s" % (build_list, test_only))
    check(all_list[:len(build_list)] == build_list, "--test installs the build list too")
    check(len(set(all_list)) == len(all_list), "no package twice: %s" % all_list)
    print("build list (%d): %s" % (len(build_list), " ".join(build_list)))
    print("test-only list (%d): %s" % (len(test_only), " ".join(test_only)))

    bad = [p for p in build_list if TEST_ONLY.match(p)]
    check(not bad, "the build list holds test-only packages: %s" % bad)
    pk = installed()
    missing = [p for p in all_list if p not in pk]
    check(not missing, "every listed package is installed (.ci/run ran .ci/setup --test): %s" % missing)
    cl = closure(build_list, pk)
    print("the build list pulls in %d packages" % len(cl))
    check(not (cl & set(test_only)), "the build list pulls in test-only packages: %s" %
          sorted(cl & set(test_only)))
    bad = sorted(p for p in cl if TEST_ONLY.match(p))
    check(not bad, "the build list pulls in test-only packages: %s" % bad)

    # What the build used.
    heads = depfile_headers(a.build, a.source)
    check(len(heads) >= 20, "the depfiles name system headers (%d)" % len(heads))
    links = link_libraries(a.build)
    check(any("libelf" in l for l in links) and any("libyaml" in l for l in links),
          "segscan's link line names libelf and libyaml: %s" % sorted(links))
    tools = set()
    for key in ("CMAKE_C_COMPILER", "CMAKE_MAKE_PROGRAM", "PKG_CONFIG_EXECUTABLE", "CMAKE_COMMAND",
                "CMAKE_AR", "CMAKE_LINKER", "CMAKE_RANLIB"):
        v = cache_value(a.build, key)
        check(v is not None and os.path.exists(v), "CMakeCache names %s: %s" % (key, v))
        if v:
            tools.add(os.path.realpath(v))
    cc = cache_value(a.build, "CMAKE_C_COMPILER")
    for prog in ("ld", "as", "cc1", "collect2"):
        p = run([cc, "-print-prog-name=%s" % prog]).stdout.strip()
        tools.add(os.path.realpath(shutil.which(p) or p))
    rt = runtime_libraries(a.segscan)
    check(len(rt) >= 3, "ldd names segscan's libraries: %s" % sorted(rt))

    own = owners(heads | links | tools | rt)
    for what, paths, where in (("header", heads, cl), ("tool", tools, cl),
                               ("run-time library", rt, cl), ("linked library", links, set(build_list))):
        for p in sorted(paths):
            o = own.get(p, set())
            check(o, "%s %s belongs to a Debian package (dpkg -S)" % (what, p))
            if o:
                check(o & where, "%s %s (package %s) is %s the build list" %
                      (what, p, ", ".join(sorted(o)),
                       "named in" if where is not cl else "pulled in by"))
    used = {q for p in heads | links | tools | rt for q in own.get(p, set())}
    print("the build used packages: %s" % " ".join(sorted(used)))

    # The commands.
    with open(os.path.join(a.source, "README.md")) as fh:
        readme = fh.read()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    check(len(blocks) >= 2 and blocks[0].startswith("bash .ci/setup && cmake -S . -B build") and
          blocks[1].strip() == "bash .ci/run",
          "the README opens with the two commands: %s" % blocks[:2])
    with open(os.path.join(a.source, ".ci", "run")) as fh:
        ci_run = fh.read()
    check(re.search(r"^bash \.ci/setup --test$", ci_run, re.M) is not None,
          ".ci/run installs the test list")
    configures = re.findall(r"^.*cmake -S \. -B \S+.*$", ci_run, re.M)
    check(len(configures) == 3 and all("-DBUILD_TESTING=ON" in c for c in configures),
          ".ci/run configures its three builds with the tests: %s" % configures)

    # A plain configure has no test targets; BUILD_TESTING=ON has them.
    with tempfile.TemporaryDirectory() as tmp:
        r = run(["cmake", "-S", a.source, "-B", os.path.join(tmp, "plain")])
        check(r.returncode == 0, "plain configure: %s" % r.stderr[-500:])
        r = run(["cmake", "--build", os.path.join(tmp, "plain"), "--target", "help"])
        targets = set(re.findall(r"^\.\.\. (\S+)", r.stdout, re.M))
        check("segscan" in targets and not any(t.startswith(("replay_", "unit", "lief", "fuzz_",
                                                             "radix", "strscan", "bss_index"))
                                               for t in targets),
              "a plain configure builds segscan and no test helper: %s" % sorted(targets))
        check(not os.path.exists(os.path.join(tmp, "plain", "tests")), "no tests/ in a plain build")
        r = run(["ctest", "--test-dir", os.path.join(tmp, "plain"), "-N"])
        check("Total Tests: 0" in r.stdout, "ctest finds no tests in a plain build: %r" % r.stdout[-200:])
    r = run(["ctest", "--test-dir", a.build, "-N"])
    m = re.search(r"Total Tests: (\d+)", r.stdout)
    check(m is not None and int(m.group(1)) > 50, "the test build has the suite: %r" % r.stdout[-100:])

    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
