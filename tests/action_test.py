#!/usr/bin/python3
"""action_test.py - the GitHub composite action (action.yml, issue 23) run offline.

usage: action_test.py --source DIR --segscan BIN --work DIR

action.yml is parsed with python3-yaml and its steps are run the way the runner runs a
composite action, as far as that can be done without GitHub: each `run:` step under
`bash -e {0}` with the runner's variables (GITHUB_ACTION_PATH, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, RUNNER_TEMP, RUNNER_OS, RUNNER_ARCH, HOME), its `env:` and
`working-directory:` with the ${{ }} expressions of inputs and step outputs substituted, and its
`if:` evaluated. The two `uses:` steps are checked, not run: actions/cache must cache the folder
the binary is taken from under the key step's key (the test plays a cache hit by putting BIN
there, so the build step, which needs apt-get and the network, is skipped and only
syntax-checked with bash -n; the static build itself is tested by the package tests), and
upload-sarif must be given the SARIF file the check step wrote, which must be SARIF 2.1.0.

Scenarios, on fixtures/term/wx.yaml built by yaml2obj-14 (file size 1760 bytes, the oracle for
the budgets below) with a baseline copy:
  - a passing budget with a baseline: exit-code 0, the Markdown report (its heading and table)
    appended to the job summary, SARIF written, the verdict step passes;
  - a failing budget (max 1 KiB): exit-code 1, the verdict step fails with 1, passes with
    fail-on-violation 'false'; the artifacts input as a glob (w*) and on two lines;
  - a rule whose artifacts pattern matches nothing: exit-code 1 (check fails closed), and 0 with
    allow-unmatched 'true';
  - a budget-file error: exit-code 2, and upload-sarif is skipped;
  - the cache key: segscan-static-OS-ARCH-<32 hex digits>, stable over two runs, changed by
    an edit of one source file (in a copy of the tree).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def lookup(name, ctx):
    parts = name.split(".")
    if parts[0] == "inputs":
        return ctx["inputs"][parts[1]]
    if parts[0] == "steps" and parts[2] == "outputs":
        return ctx["steps"].get(parts[1], {}).get(parts[3], "")
    if name == "github.action_path":
        return ctx["source"]
    if parts[0] == "runner":
        return ctx["runner"][parts[1]]
    raise KeyError("unknown context in action.yml: " + name)


def subst(s, ctx):
    return EXPR.sub(lambda m: str(lookup(m.group(1), ctx)), str(s))


def evaluate_if(cond, ctx):
    """The few forms of expression action.yml uses: always(), ==, != against string
    literals, && and ||, contexts."""
    cond = EXPR.sub(lambda m: m.group(1), cond)
    toks = re.findall(r"always\(\)|&&|\|\||==|!=|'[^']*'|[A-Za-z_][\w.-]*", cond)
    check("".join(toks).replace(" ", "") == cond.replace(" ", ""),
          "if: %r has a form this test does not know" % cond)
    py = []
    for t in toks:
        if t == "always()":
            py.append("True")
        elif t == "&&":
            py.append("and")
        elif t == "||":
            py.append("or")
        elif t in ("==", "!="):
            py.append(t)
        elif t.startswith("'"):
            py.append(repr(t[1:-1]))
        else:
            py.append(repr(str(lookup(t, ctx))))
    return bool(eval(" ".join(py), {"__builtins__": {}}))


def read_outputs(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    return out


def run_action(action, a, inputs, label, cache_hit=True):
    """Runs the steps; returns (ctx, {step id or name: exit status}, summary text)."""
    work = os.path.join(a.work, label)
    temp = os.path.join(work, "_temp")
    home = os.path.join(work, "_home")
    for d in (temp, home):
        os.makedirs(d, exist_ok=True)
    full = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    full.update(inputs)
    ctx = {"inputs": full, "steps": {}, "source": a.source, "segscan": a.segscan,
           "runner": {"temp": temp, "os": "Linux", "arch": "X64"}}
    summary = os.path.join(temp, "step_summary.md")
    open(summary, "w").close()
    status = {}
    failed = False
    for i, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", step.get("name", str(i)))
        cond = step.get("if")
        if cond is None:
            run_it = not failed
        else:
            run_it = evaluate_if(cond, ctx) and (not failed or "always()" in cond)
        if not run_it:
            status[sid] = "skipped"
            continue
        if "uses" in step:
            status[sid] = uses_step(step, ctx, cache_hit, home)
            continue
        check(step.get("shell") == "bash", "%s: step %r has no shell: bash" % (label, sid))
        outfile = os.path.join(temp, "output_%d" % i)
        open(outfile, "w").close()
        env = dict(os.environ)
        env.update(GITHUB_ACTION_PATH=a.source, GITHUB_OUTPUT=outfile, GITHUB_STEP_SUMMARY=summary,
                   RUNNER_TEMP=temp, RUNNER_OS="Linux", RUNNER_ARCH="X64", HOME=home,
                   GITHUB_WORKSPACE=work)
        for k, v in (step.get("env") or {}).items():
            env[k] = subst(v, ctx)
        cwd = os.path.join(work, subst(step.get("working-directory", "."), ctx))
        script = os.path.join(temp, "step_%d.sh" % i)
        with open(script, "w") as f:
            f.write(step["run"])
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                           cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        status[sid] = p.returncode
        ctx["steps"][sid] = read_outputs(outfile)
        if p.returncode != 0:
            failed = True
            ctx["last_output"] = p.stdout
    with open(summary) as f:
        return ctx, status, f.read()


def uses_step(step, ctx, cache_hit, home):
    ref = step["uses"]
    w = {k: subst(v, ctx) for k, v in (step.get("with") or {}).items()}
    if ref.startswith("actions/cache@"):
        bin_path = ctx["steps"]["key"]["bin"]
        path = os.path.expanduser(w["path"]).replace(os.path.expanduser("~"), home, 1)
        check(w["key"] == ctx["steps"]["key"]["key"], "cache key is not the key step's")
        check(os.path.dirname(bin_path) == path,
              "the binary %s is not in the cached folder %s" % (bin_path, path))
        if cache_hit:
            os.makedirs(path, exist_ok=True)
            shutil.copy(ctx["segscan"], bin_path)
        ctx["steps"][step["id"]] = {"cache-hit": "true" if cache_hit else "false"}
        return 0
    if ref.startswith("github/codeql-action/upload-sarif@"):
        ctx["uploaded"] = w["sarif_file"]
        return 0
    check(False, "unexpected action %s" % ref)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--segscan", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    a.source = os.path.abspath(a.source)
    a.work = os.path.abspath(a.work)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    with open(os.path.join(a.source, "action.yml")) as f:
        action = yaml.safe_load(f)

    check(action["runs"]["using"] == "composite", "not a composite action")
    for k in ("budget", "artifacts", "baseline"):
        check(k in action["inputs"], "input %s missing" % k)
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    check(any(u.startswith("actions/cache@") for u in uses), "no actions/cache step")
    check(any(u.startswith("github/codeql-action/upload-sarif@") for u in uses),
          "no upload-sarif step")
    build = [s for s in action["runs"]["steps"] if s.get("name", "").startswith("Build")]
    check(len(build) == 1 and "SEGSCAN_STATIC=ON" in build[0]["run"]
          and ".ci/setup\" --list" in build[0]["run"],
          "the build step does not build statically from .ci/setup's build list")
    for s in action["runs"]["steps"]:
        if "run" in s:
            p = subprocess.run(["bash", "-n"], input=s["run"], universal_newlines=True)
            check(p.returncode == 0, "step %r: bash -n fails" % s.get("name"))

    # fixtures: wx (1760 bytes, from fixtures/term/wx.yaml) and its baseline copy
    subprocess.run(["yaml2obj-14", os.path.join(a.source, "fixtures/term/wx.yaml"), "-o",
                    os.path.join(a.work, "wx")], check=True)
    check(os.path.getsize(os.path.join(a.work, "wx")) == 1760, "wx is not 1760 bytes")

    def scenario(label, budget, inputs, **kw):
        d = os.path.join(a.work, label)
        os.makedirs(os.path.join(d, "baseline"), exist_ok=True)
        shutil.copy(os.path.join(a.work, "wx"), d)
        shutil.copy(os.path.join(a.work, "wx"), os.path.join(d, "baseline"))
        with open(os.path.join(d, "budget.yaml"), "w") as f:
            f.write(budget)
        ins = {"budget": "budget.yaml", "artifacts": "wx"}
        ins.update(inputs)
        c, st, summary = run_action(action, a, ins, label, **kw)
        return c, st, summary, d

    passing = ("version: 1\nbudgets:\n  - name: file size\n    artifacts: wx\n"
               "    metric: file-size\n    max: 2 KiB\n  - name: vm growth\n    artifacts: wx\n"
               "    metric: vm-size\n    max-growth: 10%\n")
    c, st, summary, d = scenario("pass", passing, {"baseline": "baseline"})
    rc = c["steps"].get("check", {}).get("exit-code")
    check(rc == "0", "pass: exit-code %r, want 0 (%s)" % (rc, c.get("last_output", "")))
    check(st.get("Verdict") == 0, "pass: the verdict step failed: %r" % st)
    check("segscan check" in summary and "| file size" in summary and "2 passed" in summary,
          "pass: the job summary lacks the Markdown report: %r" % summary[:200])
    check("baseline baseline" in summary, "pass: the summary does not name the baseline")
    sarif = c.get("uploaded")
    check(sarif is not None and os.path.isfile(os.path.join(d, sarif)),
          "pass: upload-sarif was not given the SARIF file (%r)" % sarif)
    if sarif and os.path.isfile(os.path.join(d, sarif)):
        with open(os.path.join(d, sarif)) as f:
            doc = json.load(f)
        check(doc.get("version") == "2.1.0", "pass: SARIF version %r" % doc.get("version"))
    key = c["steps"]["key"]["key"]
    check(re.fullmatch(r"segscan-static-Linux-X64-[0-9a-f]{32}", key) is not None,
          "key %r" % key)
    check(st.get("Build segscan (static)") == "skipped", "cache hit: the build step ran")

    failing = ("version: 1\nbudgets:\n  - name: file size\n    artifacts: wx\n"
               "    metric: file-size\n    max: 1 KiB\n")
    c, st, summary, d = scenario("fail", failing, {"artifacts": "w*"})
    check(c["steps"]["check"].get("exit-code") == "1", "fail: exit-code %r, want 1"
          % c["steps"]["check"].get("exit-code"))
    check(st.get("Verdict") == 1, "fail: the verdict step exited %r, want 1" % st.get("Verdict"))
    check("1760" in summary and "fail" in summary, "fail: the summary lacks the failing row")
    c, st, summary, d = scenario("fail-soft", failing, {"artifacts": "wx\nwx",
                                                        "fail-on-violation": "false"})
    check(c["steps"]["check"].get("exit-code") == "1" and st.get("Verdict") == 0,
          "fail-on-violation false: %r" % st)

    unmatched = ("version: 1\nbudgets:\n  - name: gone\n    artifacts: build/renamed-app\n"
                 "    metric: file-size\n    max: 1 MiB\n")
    c, st, summary, d = scenario("unmatched", unmatched, {})
    check(c["steps"]["check"].get("exit-code") == "1", "unmatched: exit-code %r, want 1"
          % c["steps"]["check"].get("exit-code"))
    c, st, summary, d = scenario("unmatched-ok", unmatched, {"allow-unmatched": "true"})
    check(c["steps"]["check"].get("exit-code") == "0", "allow-unmatched: exit-code %r, want 0"
          % c["steps"]["check"].get("exit-code"))

    c, st, summary, d = scenario("bad", "version: 1\nbudgets:\n  - name: x\n    metric: nope\n",
                                 {})
    check(c["steps"]["check"].get("exit-code") == "2", "budget error: exit-code %r, want 2"
          % c["steps"]["check"].get("exit-code"))
    check(st.get("Upload SARIF") == "skipped" and st.get("Verdict") == 2,
          "budget error: upload %r, verdict %r" % (st.get("Upload SARIF"), st.get("Verdict")))

    # the cache key follows the sources
    copy = os.path.join(a.work, "src-copy")
    os.makedirs(copy)
    for part in ("CMakeLists.txt", "cmd", "core", "emit", "formats", "pipeline", "docs", ".ci"):
        src = os.path.join(a.source, part)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(copy, part))
        else:
            shutil.copy(src, os.path.join(copy, part))
    keys = []
    step = action["runs"]["steps"][0]
    for edit in (False, False, True):
        if edit:
            with open(os.path.join(copy, "core", "diag.c"), "a") as f:
                f.write("\n/* edited */\n")
        out = os.path.join(a.work, "key-out")
        open(out, "w").close()
        env = dict(os.environ, GITHUB_ACTION_PATH=copy, GITHUB_OUTPUT=out, RUNNER_OS="Linux",
                   RUNNER_ARCH="X64", HOME=a.work)
        subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], env=env, check=True)
        keys.append(read_outputs(out)["key"])
    check(keys[0] == keys[1] and keys[1] != keys[2], "cache keys %r" % keys)
    check(keys[0] == key, "the copy's key differs from the source's")

    if failures:
        print("%d of %d checks failed" % (len(failures), checked))
        return 1
    print("action: %d checks passed" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
