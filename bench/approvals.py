#!/usr/bin/env python3
"""Approval throughput on both store backends, and what the approvals gate adds to a verdict.

    python bench/approvals.py [--seconds 3] [--workers 1,4,8] [--calls 300]

1. N worker processes, each with its own store connection, loop for `--seconds`: file a
   request (and its audit entry), sign a grant with an approver key, verify it, consume its
   nonce (and audit the use). Requests filed/s and grants verified/s, SQLite beside PostgreSQL.
2. Median / p95 of one allowed action: `engine.check` alone (no gate), then `check` + `gate`
   on the allow path (one audit append) with the store kept open, and with the store opened
   per call as a hook process does.

PostgreSQL is a throwaway cluster started like the tests' (tests/pg.py); without its binaries
only SQLite is measured. Nothing outside a temporary folder is touched.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# --- the throwaway PostgreSQL ------------------------------------------------------------------


@contextmanager
def postgres_server() -> Iterator[Any]:
    """A running cluster (tests/pg.py's), or None with the reason printed."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import pg
    except ImportError as exc:
        print(f"PostgreSQL: not measured ({exc})")
        yield None
        return
    bindir = pg.bin_dir()
    if bindir is None:
        print("PostgreSQL: not measured (initdb and pg_ctl are not installed)")
        yield None
        return
    try:
        cluster = pg._Cluster(bindir)
        server = cluster.start()
    except BaseException as exc:  # noqa: BLE001 - pg.py skips (raises) when it cannot run a server
        print(f"PostgreSQL: not measured ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
        yield None
        return
    try:
        yield server
    finally:
        cluster.stop()


class Backends:
    """A fresh, empty store URL per measurement, for every backend available."""

    def __init__(self, tmp: Path, server: Any) -> None:
        self.tmp, self.server, self.n = tmp, server, 0

    @property
    def names(self) -> list[str]:
        return ["sqlite", "postgres"] if self.server is not None else ["sqlite"]

    def fresh(self, backend: str) -> str:
        self.n += 1
        if backend == "sqlite":
            return f"sqlite:///{self.tmp}/state-{self.n}/blastwall.db"
        name = f"bench_{self.n}"
        self.server.create_database(name)
        return str(self.server.dsn(name))


# --- 1. request -> grant -> use, in N processes ------------------------------------------------


def _worker(barrier: Any, results: Any, url: str, keys: str, seconds: float, worker: int) -> None:
    from blastwall.approvals.grants import issue, verify
    from blastwall.approvals.keys import load_private, trusted_keys
    from blastwall.approvals.requests import build_request
    from blastwall.audit.log import record
    from blastwall.engine import check
    from blastwall.model import Action, Context, Surface
    from blastwall.store import open_store

    try:
        key, private = load_private("bench", None, folder=keys)
        trusted = trusted_keys({}, folder=keys)
        ctx = Context(cwd="/srv/app", agent="bench", session=f"w{worker}")
        verdict = check(Action(Surface.SHELL, "rm -rf build", ctx))
        store = open_store(url)
        barrier.wait(timeout=60)
        requests = grants = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            action = Action(Surface.SHELL, f"rm -rf build/{worker}-{requests}", ctx)
            req = build_request([action], [verdict], verdict.reasons, required=1, expires_s=3600)
            store.add_request(req)
            record(store, "request", req.id, {"digest": req.digest, "action": req.summary, "required": 1})
            requests += 1
            store.add_grant(issue(private, key, approver="bench", ttl_s=900, request_id=req.id, digest=req.digest))
            for row in store.grants_for(req.digest):
                grant = verify(row, trusted, digest=req.digest)
                if store.consume_grant(grant.nonce, f"bench:w{worker}"):
                    record(store, "grant-used", grant.nonce, {"request": req.id, "approver": grant.approver})
                    grants += 1
        store.close()
        results.put((worker, requests, grants, ""))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        results.put((worker, 0, 0, f"{type(exc).__name__}: {exc}"))


def throughput(url: str, keys: str, workers: int, seconds: float) -> tuple[float, float, int, bool]:
    """(requests/s, grants verified/s, audit entries, chain ok) for `workers` processes."""
    from blastwall.audit import verify
    from blastwall.store import open_store

    open_store(url).close()  # the schema exists before the clock starts
    forks = "fork" in multiprocessing.get_all_start_methods()  # fast; spawn where there is no fork
    mp = multiprocessing.get_context("fork") if forks else multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(workers), mp.Queue()
    procs = [mp.Process(target=_worker, args=(barrier, results, url, keys, seconds, w)) for w in range(workers)]
    for p in procs:
        p.start()
    got = [results.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    errors = [e for *_, e in got if e]
    if errors:
        raise RuntimeError(f"a worker failed: {errors[0]}")
    store = open_store(url)
    try:
        report = verify(store)
    finally:
        store.close()
    return (sum(g[1] for g in got) / seconds, sum(g[2] for g in got) / seconds, report.entries, report.ok)


# --- 2. the gate on the allow path -------------------------------------------------------------


def _samples(fn: Callable[[int], object], calls: int) -> list[float]:
    for i in range(min(20, calls)):  # warm up: imports, caches, the first connection
        fn(-1 - i)
    out = []
    for i in range(calls):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _fmt(samples: list[float]) -> str:
    s = sorted(samples)
    return f"median {statistics.median(s):7.3f} ms   p95 {s[max(0, int(len(s) * 0.95) - 1)]:7.3f} ms"


def gate_latency(backends: Backends, calls: int) -> None:
    from blastwall.approvals.gate import gate
    from blastwall.engine import check
    from blastwall.model import Action, Context, Surface
    from blastwall.policy.engine import default_policy
    from blastwall.store import open_store

    policy = default_policy()
    ctx = Context(cwd="/srv/app", agent="bench", session="latency")
    action = Action(Surface.SHELL, "git status --short", ctx)
    verdict = check(action, policy=policy)
    assert verdict.decision.value == "allow", verdict

    def bare(_: int) -> object:
        return check(action, policy=policy)

    base = _samples(bare, calls)
    print(f"  {'check only (no gate)':46s} {_fmt(base)}")
    for backend in backends.names:
        url = backends.fresh(backend)
        store = open_store(url)

        def gated(_: int, store: Any = store) -> object:
            v = check(action, policy=policy)
            result = gate([action], [v], v.decision.value, v.reasons, policy=policy, can_ask=True, store=store)
            assert result.decision == "allow"
            return result

        kept = _samples(gated, calls)
        entries = store.audit_head()[0]
        store.close()
        os.environ["BLASTWALL_DATABASE_URL"] = url

        def per_call(_: int) -> object:
            v = check(action, policy=policy)
            return gate([action], [v], v.decision.value, v.reasons, policy=policy, can_ask=True)

        opened = _samples(per_call, calls)
        del os.environ["BLASTWALL_DATABASE_URL"]
        added = statistics.median(kept) - statistics.median(base)
        print(f"  {'check + gate, ' + backend + ', store kept open':46s} {_fmt(kept)}   (+{added:.3f} ms)")
        added = statistics.median(opened) - statistics.median(base)
        print(f"  {'check + gate, ' + backend + ', store opened per call':46s} {_fmt(opened)}   (+{added:.3f} ms)")
        assert entries >= calls, entries  # every allowed call left its audit entry


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0, help="how long each throughput run lasts")
    ap.add_argument("--workers", default="1,4,8", help="process counts, comma-separated")
    ap.add_argument("--calls", type=int, default=300, help="gate calls per latency row")
    args = ap.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="blastwall-bench-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")  # keys, trust: never the real home
        os.environ["XDG_STATE_HOME"] = os.path.join(tmp, "state")
        os.environ.pop("BLASTWALL_DATABASE_URL", None)
        from blastwall.approvals.keys import generate

        keys = os.path.join(tmp, "config", "blastwall", "keys")
        generate("bench", None, folder=keys)
        with postgres_server() as server:
            backends = Backends(Path(tmp), server)
            print(f"request -> signed grant -> verify + use, {args.seconds:g} s per run, {os.cpu_count()} cpus")
            print(f"  {'processes':>9s}" + "".join(f"   {b + ' requests/s':>21s} {b + ' grants/s':>19s}"
                                                   for b in backends.names))
            for n in counts:
                cells = []
                for backend in backends.names:
                    req_s, grant_s, entries, ok = throughput(backends.fresh(backend), keys, n, args.seconds)
                    if not ok:
                        raise SystemExit(f"the audit chain on {backend} does not verify after {entries} entries")
                    cells.append(f"   {req_s:>21,.0f} {grant_s:>19,.0f}")
                print(f"  {n:>9d}" + "".join(cells))
            print("  (every run's audit chain verified afterwards; SQLite commits in WAL mode with synchronous=NORMAL,")
            if server is not None:
                print("   the throwaway PostgreSQL runs with fsync=off: a real server's commits cost more)")
            else:
                print("   no fsync per commit)")
            print(f"\nallowed action, {args.calls} calls each (gate = one audit append)")
            gate_latency(backends, args.calls)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
