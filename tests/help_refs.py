#!/usr/bin/python3
"""help_refs.py - every file, folder, README section and URL that segscan's --help texts and
its man page name exists in the repository (issue 23).

usage: help_refs.py --segscan BIN --source DIR

Texts: `segscan --help`, `segscan check --help`, `segscan diff --help` and docs/segscan.1 (roff
markup removed). Checked:
  - repository paths (README.md, LICENSE, action.yml, docs/..., tests/..., .ci/...) are files or
    folders of the source tree;
  - DOCDIR/X (the installed documents: --help prints the configured folder, the man page
    @SEGSCAN_DOCDIR@) names an X of the source tree, which the install copies;
  - a README section named in quotes after README.md ("Size budgets and diffs in CI") is a
    heading of README.md, and a section named in *italics* by --help likewise;
  - URLs are https and their host is one the README names too (segscan has no web site of its
    own: every link must also be in the user's document).
At least one reference of each text must be found, so a text that lost its references fails.
"""
import argparse
import os
import re
import subprocess
import sys

failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def deroff(t):
    t = re.sub(r"\\f[BIRP]", "", t)
    t = t.replace("\\-", "-").replace("\\(lq", '"').replace("\\(rq", '"').replace("\\(em", "-")
    t = re.sub(r'^\.(B|I|BR|IR|RB|TP|PP|SH|SS|TH)\b ?', "", t, flags=re.M)
    return t.replace('" "', " ").replace('", "', ", ")


PATH = re.compile(r"(?<![\w./@-])((?:docs|tests|fixtures|\.ci|cmd|core|emit|formats|pipeline)"
                  r"/[\w./-]*[\w/]|README\.md|LICENSE|action\.yml)(?![\w])")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    src = a.source
    texts = {}
    for cmd in ([], ["check"], ["diff"]):
        p = subprocess.run([a.segscan] + cmd + ["--help"], stdout=subprocess.PIPE,
                           universal_newlines=True)
        check(p.returncode == 0, "segscan %s --help: exit %d" % (" ".join(cmd), p.returncode))
        texts["segscan %s--help" % (cmd[0] + " " if cmd else "")] = p.stdout
    with open(os.path.join(src, "docs", "segscan.1")) as f:
        texts["docs/segscan.1"] = deroff(f.read())
    with open(os.path.join(src, "README.md")) as f:
        readme = f.read()
    headings = [h.strip().strip("`") for h in re.findall(r"^#+ (.+)$", readme, re.M)]
    docdir = re.search(r"installed in (/\S+?)/?\.?\n", texts["segscan --help"])
    check(docdir is not None, "--help names no installed document folder")
    for name, text in texts.items():
        flat = re.sub(r"\s+", " ", text)
        refs = 0
        for m in PATH.finditer(text):
            ref = m.group(1).rstrip("/.")
            refs += 1
            check(os.path.exists(os.path.join(src, ref)), "%s names %s, not in the repository"
                  % (name, ref))
        for prefix in ([docdir.group(1)] if docdir else []) + ["@SEGSCAN_DOCDIR@"]:
            for m in re.finditer(re.escape(prefix) + r"/([\w./-]*\w)", text):
                refs += 1
                check(os.path.exists(os.path.join(src, m.group(1))),
                      "%s names %s/%s: %s is not in the repository" % (name, prefix, m.group(1),
                                                                         m.group(1)))
        for m in re.finditer(r'README(?:\.md)?,? "([^"]+)"', flat):
            refs += 1
            check(any(m.group(1) in h for h in headings),
                  "%s names the README section \"%s\", which has no such heading"
                  % (name, m.group(1)))
        for m in re.finditer(r"\(see ([A-Z][\w ]+?)(?: and ([A-Z][\w ]+?))?\)", flat):
            for sec in filter(None, m.groups()):
                refs += 1
                check(any(h.lower().startswith(sec.lower()) for h in headings),
                      "%s says 'see %s': no README heading starts so" % (name, sec))
        for m in re.finditer(r"\b(\w+)://[^\s)\"']+", text):
            refs += 1
            url = m.group(0).rstrip(".,;")
            check(m.group(1) == "https", "%s: %s is not https" % (name, url))
            host = re.match(r"https?://([^/]+)", url)
            check(host is not None and host.group(1) in readme,
                  "%s links %s, whose host the README does not name" % (name, url))
        check(refs > 0, "%s: no reference found (the patterns of this test are stale?)" % name)
        print("%s: %d references" % (name, refs))
    if failures:
        print("%d of %d checks failed" % (len(failures), checked))
        return 1
    print("%d checks passed" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
