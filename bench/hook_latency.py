#!/usr/bin/env python3
"""Hook latency and batch throughput, each beside its baseline in the same run.

    python bench/hook_latency.py [--runs 40] [--form-runs 200] [--corpus ../shared/corpus/dev.jsonl]
    python bench/hook_latency.py --forms-only       # only section 0

0. Which hook command starts fastest (what `blastwall install` should write), p50 / p99 over
   `--form-runs` runs each, the forms interleaved, beside `python3 -c pass` in the same run:
   the console-script wrapper (`.venv/bin/blastwall hook`), `python -m blastwall hook`, the
   Python form (`python -I -S -c "...main()"`) and the hook client in C that `install` writes
   when it was built (doors/hook_command.py), run directly and through `/bin/sh -c` exactly as
   the agents run it. Warm: with the daemon running (started by
   `blastwall daemon start`); cold: `BLASTWALL_DAEMON=off`, every call checks in-process. Then
   the daemon's round trips without an interpreter start: Claude Code's HTTP hook (a POST on a
   new connection) beside the Unix-socket call the command hook's client makes.
1. Median / p95 wall time of one `blastwall hook claude-code` process on typical payloads,
   beside `python3 -c pass` (bare interpreter start-up) and `python3 -c "import json"`: in the
   folder the bench runs from, then in a fixture repository where the targets exist (ignored
   node_modules/ and dist/, a fetched remote the force push diverges from), so the blast radius
   and the pre-prompt snapshot have something to measure and save.
2. What approvals add to a hook call, each beside the others in the same run: an allowed
   action with every verdict audited (the default: one SQLite append), with `[audit] verdicts =
   "blocking"` (the store is not opened for an allow), and an ask that a signed grant lets through
   (an open approval window: signature check, audit of its use).
3. `blastwall check --batch` throughput (actions/s) on the corpus, beside `cat` of the same file.

Keys, store, audit log and snapshots live in a temporary folder for the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAYLOADS = {
    "safe (git status)": "git status --short",
    "build cleanup": "rm -rf node_modules dist",
    "force push": "git push --force origin main",
    "wrapped + base64": "echo cm0gLXJmIC8= | base64 -d | sudo sh",
}

IN_FIXTURE = {  # run in the fixture repository (_fixture)
    "build cleanup (present)": "rm -rf node_modules dist",
    "force push (fetched)": "git push --force origin main",
    "reset --hard (dirty)": "git reset --hard HEAD~1",
    "overwrite a tracked file": "echo x > src/app.js",
}


def _payload(command: str, cwd: str | None = None) -> bytes:
    return json.dumps({
        "session_id": "bench", "transcript_path": "/tmp/t.jsonl", "cwd": cwd or os.getcwd(), "permission_mode": "default",
        "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
        "tool_use_id": "toolu_bench",
    }).encode()


def _fixture(root: Path) -> Path:
    """A repository whose targets exist: 300 ignored files under node_modules/ and dist/, an
    uncommitted change, and a remote whose main holds a commit this clone has reset away."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    repo = root / "repo"

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True)

    subprocess.run(["git", "init", "-q", "--bare", str(root / "origin.git")], env=env, check=True)
    (repo / "src").mkdir(parents=True)
    git("init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("node_modules/\ndist/\n")
    for i in range(20):
        (repo / "src" / f"m{i}.js").write_text(f"export const m{i} = {i};\n")
    (repo / "src" / "app.js").write_text("console.log(1);\n")
    git("add", "-A")
    git("commit", "-qm", "one")
    git("remote", "add", "origin", str(root / "origin.git"))
    git("push", "-q", "-u", "origin", "main")
    (repo / "src" / "m0.js").write_text("export const m0 = 'two';\n")
    git("commit", "-qam", "two")
    git("push", "-q")
    git("reset", "-q", "--hard", "HEAD~1")
    (repo / "src" / "m1.js").write_text("export const m1 = 'three';\n")
    git("commit", "-qam", "three")
    (repo / "src" / "m2.js").write_text("// not committed\n")
    for folder, n in (("node_modules/pkg", 280), ("dist", 20)):
        (repo / folder).mkdir(parents=True)
        for i in range(n):
            (repo / folder / f"f{i}.js").write_text("x" * 200)
    return repo


def _time(cmd: list[str], stdin: bytes, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, input=stdin, capture_output=True, check=False)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(q * len(s))) - 1))]


def _forms(runs: int, cold_runs: int) -> None:
    """Section 0 (see the module docstring)."""
    from blastwall.doors.hook_command import hook_argv, shell_command

    script = shutil.which("blastwall") or os.path.join(os.path.dirname(sys.executable), "blastwall")
    python_form = hook_argv("claude-code", 30, form="python")
    forms = {
        "python3 -c pass (baseline)": [sys.executable, "-c", "pass"],
        "console script: blastwall hook": [script, "hook", "claude-code", "--timeout", "30"],
        "python -m blastwall hook": [sys.executable, "-m", "blastwall", "hook", "claude-code", "--timeout", "30"],
        "python -I -S -c (Python form)": python_form,
        "  same, via /bin/sh -c": ["/bin/sh", "-c", shell_command(python_form)],
        "  its imports only (no call)": [*python_form[:4], python_form[4].replace(
            "from blastwall.cli.hook import main; main()", "import blastwall.cli.hook, blastwall.daemon.client")],
    }
    try:
        c_form = hook_argv("claude-code", 30, form="c")
        forms["hook client in C (installed form)"] = c_form
        forms["  same, via /bin/sh -c "] = ["/bin/sh", "-c", shell_command(c_form)]
    except FileNotFoundError:
        print("note: the hook client in C was not built (no C compiler at install): install writes the Python form")
    # A call whose analysis is trivial and probes nothing, so that start-up is what differs.
    stdin = _payload("echo blastwall-bench", tempfile.gettempdir())
    env = {k: v for k, v in os.environ.items() if k != "BLASTWALL_DAEMON"}
    started = subprocess.run([sys.executable, "-m", "blastwall", "daemon", "start"], env=env, capture_output=True,
                             text=True, check=False)
    status = subprocess.run([sys.executable, "-m", "blastwall", "daemon", "status", "--json"], env=env,
                            capture_output=True, text=True, check=False)
    try:
        daemon = json.loads(status.stdout)
    except ValueError:
        daemon = {}
    if os.path.exists("/etc/blastwall/system.toml"):
        print("note: /etc/blastwall/system.toml exists: hooks ask the system daemon (system mode)")
    where = f"{daemon.get('mode')} mode, pid {daemon.get('pid')}" if daemon.get("running") else \
        f"NOT running ({started.stdout.strip() or started.stderr.strip()[:200]})"
    for label, runs_now, run_env in ((f"warm (daemon running: {where})", runs, env),
                                     ("cold (BLASTWALL_DAEMON=off: in-process check)", cold_runs,
                                      {**env, "BLASTWALL_DAEMON": "off"})):
        samples: dict[str, list[float]] = {name: [] for name in forms}
        blocked = dict.fromkeys(forms, 0)
        for cmd in forms.values():  # one warm-up each (page cache, bytecode)
            subprocess.run(cmd, input=stdin, capture_output=True, env=run_env, check=False)
        for _ in range(runs_now):  # interleaved, so drift hits every form alike
            for name, cmd in forms.items():
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, input=stdin, capture_output=True, env=run_env, check=False)
                samples[name].append((time.perf_counter() - t0) * 1000)
                if proc.returncode != 0 or proc.stdout.strip():
                    blocked[name] += 1  # the call was allowed: any answer means the hook did not check it
        base = samples["python3 -c pass (baseline)"]
        print(f"\nhook command forms, {label}, {runs_now} runs each, `echo` (allowed)")
        print(f"  {'form':36s} {'p50':>8s} {'p99':>8s}   x baseline p50 / p99")
        for name, got in samples.items():
            odd = f"   ({blocked[name]} calls not answered allow)" if blocked[name] else ""
            print(f"  {name:36s} {_pct(got, 0.5):6.1f}ms {_pct(got, 0.99):6.1f}ms   "
                  f"{_pct(got, 0.5) / _pct(base, 0.5):5.2f}x / {_pct(got, 0.99) / _pct(base, 0.99):5.2f}x{odd}")
    subprocess.run([sys.executable, "-m", "blastwall", "daemon", "stop"], env=env, capture_output=True, check=False)
    _http(runs, stdin, env)


def _http(runs: int, stdin: bytes, env: dict[str, str]) -> None:
    """Claude Code's HTTP hook: one POST per call on a new connection, as the agent sends it,
    beside the Unix-socket round trip the command hook's client makes (both to the same daemon)."""
    import http.client

    from blastwall.daemon import client, httphook

    endpoint = httphook.create(os.path.join(env["XDG_CONFIG_HOME"], "blastwall"))
    subprocess.run([sys.executable, "-m", "blastwall", "daemon", "start"], env=env, capture_output=True, check=False)
    headers = {"X-Blastwall-Token": endpoint.token, "Content-Type": "application/json"}

    def post() -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
        conn.request("POST", "/hook/claude-code?timeout=30", body=stdin, headers=headers)
        body = conn.getresponse().read()
        conn.close()
        return body

    def unix() -> object:
        t = time.monotonic()
        return client.ask("claude-code", stdin, timeout_s=30, started=t, deadline=t + 25, env=env, cwd=tempfile.gettempdir())

    for _ in range(5):
        post(), unix()
    samples: dict[str, list[float]] = {"HTTP hook round trip (POST, new connection)": [],
                                       "Unix-socket round trip (the command hook's client)": []}
    answers = set()
    for _ in range(runs):
        for name, call in zip(samples, (post, unix)):
            t0 = time.perf_counter()
            answer = call()
            samples[name].append((time.perf_counter() - t0) * 1000)
            if name.startswith("HTTP"):
                answers.add(answer)
    print(f"\ndaemon round trips, {runs} runs each, `echo` (allowed; HTTP answers: {sorted(a[:40] for a in answers)})")
    for name, got in samples.items():
        print(f"  {name:52s} p50 {_pct(got, 0.5):6.2f}ms   p99 {_pct(got, 0.99):6.2f}ms")
    subprocess.run([sys.executable, "-m", "blastwall", "daemon", "stop"], env=env, capture_output=True, check=False)
    os.unlink(httphook.config_path(os.path.join(env["XDG_CONFIG_HOME"], "blastwall")))


def _fmt(samples: list[float]) -> str:
    s = sorted(samples)
    return f"median {statistics.median(s):7.1f} ms   p95 {s[int(len(s) * 0.95) - 1]:7.1f} ms"


WINDOW_POLICY = """
[approvals.windows.bench]
surface = "shell"
pattern = "git push --force origin main"
"""


def _approvals(hook: list[str], runs: int) -> None:
    """The approvals stage's share of a hook call (see the module docstring)."""
    folder = Path(os.environ["XDG_CONFIG_HOME"]).parent
    audited = folder / "audited.toml"
    audited.write_text('[audit]\nverdicts = "all"\n' + WINDOW_POLICY)
    quiet = folder / "quiet.toml"
    quiet.write_text('[audit]\nverdicts = "blocking"\n')
    os.environ["BLASTWALL_POLICY"] = str(audited)
    from blastwall.approvals import decide, keys
    from blastwall.approvals.settings import compile_settings
    from blastwall.store import open_store

    keys.generate("bench", None)
    public, private = keys.load_private("bench", None)
    window = compile_settings({"windows": {"bench": {"pattern": "git push --force origin main"}}}).window("bench")
    decide.open_window(open_store(), "bench", window, private, public, approver="bench", for_s=3600)
    print("\napprovals in the hook (policy file in every row)")
    rows = [("allow, every verdict audited", audited, "git status --short"),
            ("allow, [audit] verdicts=blocking", quiet, "git status --short"),
            ("ask let through by a signed grant", audited, "git push --force origin main")]
    medians = {}
    for label, policy, command in rows:
        os.environ["BLASTWALL_POLICY"] = str(policy)
        samples = _time(hook, _payload(command), runs)
        medians[label] = statistics.median(samples)
        print(f"  {label:36s} {_fmt(samples)}")
    os.environ.pop("BLASTWALL_POLICY", None)
    audit_cost = medians[rows[0][0]] - medians[rows[1][0]]
    print(f"  audit append on the allow path: {audit_cost:+.1f} ms (median difference)")


def main() -> int:
    scratch = tempfile.mkdtemp(prefix="blastwall-bench-")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(scratch, "config")
    os.environ["XDG_STATE_HOME"] = os.path.join(scratch, "state")
    os.environ["XDG_DATA_HOME"] = os.path.join(scratch, "data")  # the pre-prompt snapshots
    os.environ.pop("BLASTWALL_DATABASE_URL", None)
    # Measure what an installed blastwall does: bytecode cached, as pip install leaves it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "src")],
                   capture_output=True, check=False)
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--form-runs", type=int, default=200, help="runs per hook command form, warm (section 0)")
    ap.add_argument("--cold-form-runs", type=int, default=100, help="runs per hook command form, cold (section 0)")
    ap.add_argument("--forms-only", action="store_true", help="only section 0: which hook command starts fastest")
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.jsonl"))
    args = ap.parse_args()
    _forms(args.form_runs, args.cold_form_runs)
    if args.forms_only:
        shutil.rmtree(scratch, ignore_errors=True)
        return 0
    exe = shutil.which("blastwall")
    hook = [exe, "hook", "claude-code"] if exe else [sys.executable, "-m", "blastwall", "hook", "claude-code"]
    print(f"hook latency ({args.runs} runs each, {os.cpu_count()} cpus)")
    base = _time([sys.executable, "-c", "pass"], b"", args.runs)
    print(f"  {'python3 -c pass (baseline)':32s} {_fmt(base)}")
    label = 'python3 -c "import json"'
    print(f"  {label:32s} {_fmt(_time([sys.executable, '-c', 'import json'], b'', args.runs))}")
    for name, command in PAYLOADS.items():
        samples = _time(hook, _payload(command), args.runs)
        added = statistics.median(samples) - statistics.median(base)
        print(f"  {'hook: ' + name:32s} {_fmt(samples)}   (+{added:.1f} ms over baseline)")
    repo = str(_fixture(Path(scratch) / "fixture"))
    print("in a fixture repository (targets present, a fetched remote)")
    for name, command in IN_FIXTURE.items():
        samples = _time(hook, _payload(command, repo), args.runs)
        added = statistics.median(samples) - statistics.median(base)
        print(f"  {'hook: ' + name:32s} {_fmt(samples)}   (+{added:.1f} ms over baseline)")
    _approvals(hook, args.runs)
    corpus = Path(args.corpus)
    if corpus.is_file():
        lines = [json.loads(x) for x in corpus.read_text().splitlines() if x.strip()]
        feed = "".join(json.dumps({k: r[k] for k in ("id", "kind", "input") if k in r}) + "\n" for r in lines).encode()
        check = [exe, "check", "--batch", "-"] if exe else [sys.executable, "-m", "blastwall", "check", "--batch", "-"]
        t0 = time.perf_counter()
        subprocess.run(["cat"], input=feed, capture_output=True, check=False)
        cat_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        proc = subprocess.run(check, input=feed, capture_output=True, check=False)
        batch_s = time.perf_counter() - t0
        n = len(proc.stdout.splitlines())
        print(f"\ncheck --batch on {corpus.name}: {n} actions in {batch_s:.2f} s = {n / batch_s:,.0f} actions/s "
              f"(including start-up; cat of the same input: {cat_s * 1000:.1f} ms)")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
