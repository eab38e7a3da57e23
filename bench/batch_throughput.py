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
  the parent and its workers together (which the machine's other load changes less); with 1
  worker, also the CPU time per line of checking the same lines again in that warm process, alone
  and then in it and a fork of it at once (the warm daemon's baseline: two processes checking at
  once on two cores each pay more a line than one alone, by ~5% on a quiet machine and by much
  more when other work keeps the cores busy; the daemon's own work is what it adds to that);
- cli:       `blastwall check --batch -` as the scorer runs it, when the command works, three ways:
  with no daemon (`BLASTWALL_DAEMON=off`: the process loads everything first); through a warm
  daemon (the default once a hook or a batch started one; this script starts its own, in a
  private runtime folder, and stops it at the end), which has checked these lines in earlier
  rounds; and as the first batch of a daemon started for it (lines it has never seen: nothing of
  them is in its per-process caches). Through a daemon, also the CPU time of the daemon's
  processes per line (Linux: /proc), split into its parent (which relays the piece and its
  answer), the batch worker (which checks a share itself) and the worker's checkers. A round in
  which the daemon restarted or stopped (blastwall's own files changed under it: the client then
  checked the batch in-process) is left out and counted.

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
again = pair = None
if sys.argv[2] == "1":  # the same lines again in this warm process, alone and with a twin at once
    import os
    c1 = time.process_time()
    run_batch(lines, io.StringIO(), policy, workers=1)
    again = time.process_time() - c1
    r, w = os.pipe()
    pid = os.fork()
    c1 = time.process_time()
    run_batch(lines, io.StringIO(), policy, workers=1)
    mine = time.process_time() - c1
    if pid == 0:
        os.write(w, repr(mine).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    pair = (mine + float(os.read(r, 64))) / 2
print(json.dumps({"n": n, "import_s": t1 - t0, "batch_s": t2 - t1, "cpu_s": cpu, "again_cpu_s": again,
                  "pair_cpu_s": pair,
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
    split = cpu_split(root)
    return None if split is None else sum(split)


def cpu_split(root: int) -> tuple[float, float, float] | None:
    """CPU seconds of process `root` itself, of its children and of their descendants (the daemon:
    its parent, its workers, the checkers a batch worker forked); a process that exited counts
    in the one that reaped it (Linux /proc; None elsewhere)."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    children: dict[int, list[int]] = {}
    own: dict[int, int] = {}
    exited: set[int] = set()
    for name in names:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(name))
            own[int(name)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
            if fields[0] == "Z":
                exited.add(int(name))
    if root not in own:
        return None
    ticks = [own[root], 0, 0]
    stack = [(pid, 1) for pid in children.get(root, [])]
    while stack:
        pid, depth = stack.pop()
        # an exited child not reaped yet counts where its time goes when it is: its parent
        ticks[min(depth - 1 if pid in exited else depth, 2)] += own.get(pid, 0)
        stack += [(kid, depth + 1) for kid in children.get(pid, [])]
    hz = os.sysconf("SC_CLK_TCK")
    return ticks[0] / hz, ticks[1] / hz, ticks[2] / hz


def daemon_pid(env: dict[str, str]) -> int | None:
    folder = os.path.join(env["XDG_RUNTIME_DIR"], "blastwall")
    try:
        lock = next(f for f in os.listdir(folder) if f.endswith(".lock"))
        return int(Path(folder, lock).read_text().strip())
    except (OSError, StopIteration, ValueError):
        return None


def run_daemon_cli(path: str, env: dict[str, str]) -> tuple[float, bytes, tuple[float, float, float] | None] | None:
    """`run_cli` through the daemon of `env`, with the CPU seconds its processes spent (parent,
    workers, checkers). The CPU is None when the same daemon is not running before and after (it
    restarted or stopped, e.g. because blastwall's own files changed: the client then checked
    the batch in-process, and that round says nothing about the daemon)."""
    pid = daemon_pid(env)
    before = cpu_split(pid) if pid else None
    c = run_cli(path, env)
    if c is None:
        return None
    time.sleep(0.05)  # the worker's last accounting
    after = cpu_split(pid) if pid and daemon_pid(env) == pid else None
    if before is None or after is None:
        return c[0], c[1], None
    return c[0], c[1], (after[0] - before[0], after[1] - before[1], after[2] - before[2])


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
    again: dict[int, list[float]] = {w: [] for w in args.workers}
    pair: list[float] = []
    cli: list[float] = []
    warm: list[float] = []
    warm_cpu: list[tuple[float, float, float]] = []
    first: list[float] = []
    first_cpu: list[tuple[float, float, float]] = []
    missed = {"warm": 0, "first": 0}  # rounds the daemon did not answer (it restarted or stopped)
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
            if r["again_cpu_s"] is not None:
                again[w].append(r["again_cpu_s"])
                pair.append(r["pair_cpu_s"])
            decisions.setdefault(w, r["decisions"])
        c = run_cli(path, off)
        if c is not None:
            cli.append(c[0])
            outputs.add(c[1])
        if denv is not None:
            d = run_daemon_cli(path, denv)
            if d is not None:
                outputs.add(d[1])
                if d[2] is not None:
                    warm.append(d[0])
                    warm_cpu.append(d[2])
                else:
                    missed["warm"] += 1
        fresh = daemon_env()
        if fresh is not None:
            d = run_daemon_cli(path, fresh)
            stop_daemon(fresh)
            if d is not None:
                outputs.add(d[1])
                if d[2] is not None:
                    first.append(d[0])
                    first_cpu.append(d[2])
                else:
                    missed["first"] += 1
    n = len(lines)
    print(f"  {'json.loads only':28s} {fmt(n, json_s)}")
    print(f"  {'python -c pass':28s} {statistics.median(start_s) * 1000:7.1f} ms median")
    for w in args.workers:
        print(f"  {f'run_batch, {w} worker(s)':28s} {fmt(n, batch[w])}")
        print(f"  {f'  whole process, {w} worker(s)':28s} {fmt(n, walls[w])}")
        per = statistics.median(cpu[w]) / n
        print(f"  {f'  CPU, {w} worker(s)':28s} {per * 1000:8.3f} ms a line = {1 / per:,.0f} lines per CPU-second "
              "(what each free core adds)")
        if again[w]:
            print(f"  {'  CPU, 1 worker, again':28s} {statistics.median(again[w]) / n * 1000:8.3f} ms a line "
                  "(the same lines once more in that warm process)")
            print(f"  {'  CPU, 2 at once, again':28s} {statistics.median(pair) / n * 1000:8.3f} ms a line "
                  "(that process and a fork of it, both at once: the warm daemon's baseline)")
    if cli:
        print(f"  {'check --batch -, no daemon':28s} {fmt(n, cli)}")
    else:
        print("  blastwall check --batch -: not measured (no working `blastwall` command on PATH)")
    for label, times, cpus, key in (("check --batch -, warm daemon", warm, warm_cpu, "warm"),
                                    ("  first batch of a daemon", first, first_cpu, "first")):
        if times:
            print(f"  {label:28s} {fmt(n, times)}")
        if cpus:
            per = statistics.median(sum(c) for c in cpus) / n
            parts = [statistics.median(c[i] for c in cpus) / n * 1000 for i in range(3)]
            print(f"  {'    CPU of the daemon':28s} {per * 1000:8.3f} ms a line (parent {parts[0]:.3f}, "
                  f"batch worker {parts[1]:.3f}, its checkers {parts[2]:.3f})")
        if missed[key]:
            print(f"  {'':28s} {missed[key]} round(s) left out: the daemon restarted or stopped during them "
                  "(blastwall's files changed?) and the client checked in-process")
    same = len({tuple(d) for d in decisions.values()}) == 1 and len(outputs) <= 1
    print(f"  decisions identical across worker counts and forms: {'yes' if same else 'NO'}")
    if denv is not None:
        stop_daemon(denv)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
