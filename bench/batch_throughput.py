#!/usr/bin/env python3
"""`check --batch` throughput on the mixed development corpora, beside its baselines in one run.

    python bench/batch_throughput.py [--rounds 3] [--repeat 1] [CORPUS.jsonl ...]

Default corpora: ../shared/corpus/dev.jsonl and ../shared/corpus/round2/*.jsonl (labels
removed, as the scorer feeds them). Default settings: no `--probe`, the policy found from
here. Each round runs, interleaved so the machine's other load hits them alike:

- json:      parsing the lines with json.loads only, in this process (the floor);
- N workers: a fresh `python` process that imports blastwall, loads the policy and runs
  `blastwall.batch.run_batch` with N worker processes (1 = in process, 2 = both cores).
  Printed: the whole process's wall time (start-up included), the lines/s of `run_batch`
  itself (loading the analyzers once plus checking every line), and the CPU time per line of
  the parent and its workers together (which the machine's other load does not change);
- cli:       `blastwall check --batch -` as the scorer runs it, when the command works, three ways:
  with no daemon (`BLASTWALL_DAEMON=off`: the process loads everything first); through a warm
  daemon (the default once a hook or a batch started one; this script starts its own, in a
  private runtime folder, and stops it at the end), which has checked these lines in earlier
  rounds; and as the first batch of a daemon started for it (lines it has never seen: nothing of
  them is in its per-process caches). Through a daemon, also the CPU time of the daemon's
  processes per line (Linux: /proc), which the machine's other load changes little.

`--repeat N` feeds the corpora N times over (a longer batch spreads the start-up). Figures are
the median and the best of the rounds.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "corpus"

DRIVER = r"""
import io, json, resource, sys, time
t0 = time.perf_counter()
from blastwall.batch import run_batch
from blastwall.policy.load import load_policy
policy = load_policy(None)
t1 = time.perf_counter()
lines = open(sys.argv[1], encoding="utf-8").readlines()
out = io.StringIO()
c0 = time.process_time()
n = run_batch(lines, out, policy, workers=int(sys.argv[2]))
t2 = time.perf_counter()
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = time.process_time() - c0 + kids.ru_utime + kids.ru_stime
print(json.dumps({"n": n, "import_s": t1 - t0, "batch_s": t2 - t1, "cpu_s": cpu,
                  "decisions": [json.loads(x)["decision"] for x in out.getvalue().splitlines()]}))
"""


def corpus_feed(paths: list[str], repeat: int) -> str:
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    rows.append(json.dumps({k: row[k] for k in ("id", "kind", "input", "context") if k in row}))
    return ("\n".join(rows) + "\n") * repeat


def run_driver(path: str, workers: int) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", DRIVER, path, str(workers)], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"driver failed: {proc.stderr.strip()[-400:]}")
    out = json.loads(proc.stdout.splitlines()[-1])
    out["wall_s"] = wall
    return out


def run_cli(path: str, env: dict[str, str]) -> tuple[float, bytes] | None:
    exe = shutil.which("blastwall")
    if exe is None:
        return None
    with open(path, "rb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.run([exe, "check", "--batch", "-"], stdin=fh, capture_output=True, check=False, env=env)
    wall = time.perf_counter() - t0
    return (wall, proc.stdout) if proc.returncode == 0 and proc.stdout else None


def daemon_env() -> dict[str, str] | None:
    """An environment whose daemon is this script's own (a private runtime folder), started and
    warm; None when `blastwall` is not on PATH or the daemon does not start."""
    exe = shutil.which("blastwall")
    if exe is None:
        return None
    run = tempfile.mkdtemp(prefix="bw-bench-", dir="/tmp")  # short: a socket path has ~100 bytes
    env = {**os.environ, "XDG_RUNTIME_DIR": run, "BLASTWALL_DAEMON": "on", "BLASTWALL_DAEMON_IDLE": "600"}
    proc = subprocess.run([exe, "daemon", "start"], env=env, capture_output=True, check=False)
    return env if proc.returncode == 0 else None


def tree_cpu(root: int) -> float | None:
    """CPU seconds of process `root` and its descendants, the exited ones it reaped included
    (Linux /proc; None elsewhere)."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    children: dict[int, list[int]] = {}
    own: dict[int, int] = {}
    for name in names:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(name))
            own[int(name)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    if root not in own:
        return None
    total, stack = own[root], [root]
    while stack:
        for pid in children.get(stack.pop(), []):
            total += own.get(pid, 0)
            stack.append(pid)
    return total / os.sysconf("SC_CLK_TCK")


def daemon_pid(env: dict[str, str]) -> int | None:
    folder = os.path.join(env["XDG_RUNTIME_DIR"], "blastwall")
    try:
        lock = next(f for f in os.listdir(folder) if f.endswith(".lock"))
        return int(Path(folder, lock).read_text().strip())
    except (OSError, StopIteration, ValueError):
        return None


def run_daemon_cli(path: str, env: dict[str, str]) -> tuple[float, bytes, float | None] | None:
    """`run_cli` through the daemon of `env`, with the CPU seconds its processes spent."""
    pid = daemon_pid(env)
    before = tree_cpu(pid) if pid else None
    c = run_cli(path, env)
    if c is None:
        return None
    time.sleep(0.05)  # the worker's last accounting
    after = tree_cpu(pid) if pid else None
    return c[0], c[1], (after - before) if before is not None and after is not None else None


def stop_daemon(env: dict[str, str]) -> None:
    subprocess.run([shutil.which("blastwall") or "blastwall", "daemon", "stop"], env=env, capture_output=True,
                   check=False)
    shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)


def fmt(n: int, seconds: list[float]) -> str:
    med, best = statistics.median(seconds), min(seconds)
    return f"{n / med:8,.0f}/s median  {n / best:8,.0f}/s best  ({med * 1000:7.1f} ms median)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="*")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    paths = args.corpus or [str(SHARED / "dev.jsonl"), *sorted(glob.glob(str(SHARED / "round2" / "*.jsonl")))]
    feed = corpus_feed(paths, args.repeat)
    lines = feed.splitlines()
    scratch = tempfile.mkdtemp(prefix="bw-batch-bench-")
    path = os.path.join(scratch, "feed.jsonl")
    Path(path).write_text(feed, encoding="utf-8")
    print(f"{len(lines)} lines from {', '.join(Path(p).name for p in paths)} (x{args.repeat}); "
          f"{os.cpu_count()} CPUs; rounds: {args.rounds}")
    json_s: list[float] = []
    start_s: list[float] = []
    walls: dict[int, list[float]] = {w: [] for w in args.workers}
    batch: dict[int, list[float]] = {w: [] for w in args.workers}
    cpu: dict[int, list[float]] = {w: [] for w in args.workers}
    cli: list[float] = []
    warm: list[float] = []
    warm_cpu: list[float] = []
    first: list[float] = []
    first_cpu: list[float] = []
    outputs: set[bytes] = set()
    off = {**os.environ, "BLASTWALL_DAEMON": "off"}
    denv = daemon_env()
    if denv is not None:
        run_cli(path, denv)  # its first batch (timed below as "first batch of a daemon")
    decisions: dict[int, list[str]] = {}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for line in lines:
            json.loads(line)
        json_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=False)
        start_s.append(time.perf_counter() - t0)
        for w in args.workers:
            r = run_driver(path, w)
            walls[w].append(r["wall_s"])
            batch[w].append(r["batch_s"])
            cpu[w].append(r["cpu_s"])
            decisions.setdefault(w, r["decisions"])
        c = run_cli(path, off)
        if c is not None:
            cli.append(c[0])
            outputs.add(c[1])
        if denv is not None:
            d = run_daemon_cli(path, denv)
            if d is not None:
                warm.append(d[0])
                outputs.add(d[1])
                if d[2] is not None:
                    warm_cpu.append(d[2])
        fresh = daemon_env()
        if fresh is not None:
            d = run_daemon_cli(path, fresh)
            stop_daemon(fresh)
            if d is not None:
                first.append(d[0])
                outputs.add(d[1])
                if d[2] is not None:
                    first_cpu.append(d[2])
    n = len(lines)
    print(f"  {'json.loads only':28s} {fmt(n, json_s)}")
    print(f"  {'python -c pass':28s} {statistics.median(start_s) * 1000:7.1f} ms median")
    for w in args.workers:
        print(f"  {f'run_batch, {w} worker(s)':28s} {fmt(n, batch[w])}")
        print(f"  {f'  whole process, {w} worker(s)':28s} {fmt(n, walls[w])}")
        per = statistics.median(cpu[w]) / n
        print(f"  {f'  CPU, {w} worker(s)':28s} {per * 1000:8.3f} ms a line = {1 / per:,.0f} lines per CPU-second "
              "(what each free core adds)")
    if cli:
        print(f"  {'check --batch -, no daemon':28s} {fmt(n, cli)}")
    else:
        print("  blastwall check --batch -: not measured (no working `blastwall` command on PATH)")
    for label, times, cpus in (("check --batch -, warm daemon", warm, warm_cpu),
                               ("  first batch of a daemon", first, first_cpu)):
        if times:
            print(f"  {label:28s} {fmt(n, times)}")
        if cpus:
            per = statistics.median(cpus) / n
            print(f"  {'    CPU of the daemon':28s} {per * 1000:8.3f} ms a line")
    same = len({tuple(d) for d in decisions.values()}) == 1 and len(outputs) <= 1
    print(f"  decisions identical across worker counts and forms: {'yes' if same else 'NO'}")
    if denv is not None:
        stop_daemon(denv)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
