#!/usr/bin/env python3
"""What `blastwall gateway` adds to an API call, against a direct call to the same upstream.

    python bench/gateway.py [--requests 400] [--concurrency 8] [--seconds 3]

Three processes on loopback: a local GitHub stand-in (blastwall.testing.fake_github, HTTP/1.1
keep-alive), the gateway (`python -m blastwall.doors.gateway`, its real start-up path, with a
private config, credential file and SQLite store in a temporary folder), and this client.

1. Latency: `GET /repos/acme/api`, one request at a time on a kept-alive connection, direct
   and through the gateway in alternating blocks so that drift hits both alike. Median and p95
   of each, and of the difference (what the gateway adds: auth, analysis, pre-flight, the
   approvals gate and its audit append, forwarding with the credential, streaming back).
2. Throughput: `--concurrency` client threads for `--seconds`, direct, then through the gateway.

Nothing outside the temporary folder is touched.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = """
import sys, time
from blastwall.testing.fake_github import FakeGitHub
with FakeGitHub(token=sys.argv[1]) as gh:
    gh.record = False
    gh.add_repo("acme", "api")
    print(gh.base, flush=True)
    sys.stdin.read()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, headers: dict[str, str], proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the gateway exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(url, headers=headers).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the gateway did not start")


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency(direct: tuple[str, dict[str, str]], gateway: tuple[str, dict[str, str]], n: int) -> None:
    d_ms: list[float] = []
    g_ms: list[float] = []
    with httpx.Client() as c:
        for _ in range(50):  # warm-up: connections, imports, caches on both paths
            c.get(direct[0], headers=direct[1])
            c.get(gateway[0], headers=gateway[1])
        block = 20
        for _ in range(max(1, n // block)):
            for url, headers, out in ((*direct, d_ms), (*gateway, g_ms)):
                for _ in range(block):
                    t0 = time.perf_counter()
                    r = c.get(url, headers=headers)
                    out.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, r.text
    dm, gm = statistics.median(d_ms), statistics.median(g_ms)
    dp, gp = pct(d_ms, 95), pct(g_ms, 95)
    print(f"latency ({len(d_ms)} requests each, one at a time, kept-alive connection)")
    print(f"  direct          median {dm:6.2f} ms   p95 {dp:6.2f} ms")
    print(f"  via gateway     median {gm:6.2f} ms   p95 {gp:6.2f} ms")
    print(f"  added           median {gm - dm:+6.2f} ms   p95 {gp - dp:+6.2f} ms")


def throughput(url: str, headers: dict[str, str], concurrency: int, seconds: float) -> float:
    stop = time.monotonic() + seconds
    counts = [0] * concurrency

    def worker(i: int) -> None:
        with httpx.Client() as c:
            while time.monotonic() < stop:
                assert c.get(url, headers=headers).status_code == 200
                counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="blastwall-bench-gateway-")
    env = {**os.environ, "XDG_CONFIG_HOME": f"{home}/config", "XDG_STATE_HOME": f"{home}/state",
           "BLASTWALL_CREDENTIAL_STORE": "file", "PYTHONPATH": str(ROOT / "src")}
    env.pop("BLASTWALL_DATABASE_URL", None)
    env.pop("BLASTWALL_POLICY", None)
    os.environ.update({k: env[k] for k in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "BLASTWALL_CREDENTIAL_STORE")})
    sys.path.insert(0, str(ROOT / "src"))
    from blastwall import credentials
    from blastwall.doors.gateway.auth import new_token, token_sha256

    real = "ghp_BenchRealToken0123456789abcdefABCDEF"
    agent = new_token()
    credentials.put("github", real)
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, real], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
    assert upstream.stdout is not None
    base = upstream.stdout.readline().decode().strip()
    port = free_port()
    cfg = Path(home) / "gateway.toml"
    cfg.write_text(textwrap.dedent(f"""\
        [gateway]
        [gateway.routes.github]
        upstream = "{base}"
        analyze_as = "https://api.github.com"
        credential = "github"
        [gateway.agents.bench]
        token_sha256 = "{token_sha256(agent)}"
        routes = ["github"]
        """))
    cmd = [sys.executable, "-m", "blastwall.doors.gateway", "--config", str(cfg), "--quiet",
           "--listen", f"127.0.0.1:{port}"]
    gw = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        direct = (f"{base}/repos/acme/api", {"Authorization": f"Bearer {real}"})
        via = (f"http://127.0.0.1:{port}/github/repos/acme/api", {"Authorization": f"Bearer {agent}"})
        wait_up(via[0], via[1], gw)
        print(f"blastwall gateway bench ({os.cpu_count()} cpus, Python {sys.version.split()[0]})")
        latency(direct, via, args.requests)
        d = throughput(*direct, args.concurrency, args.seconds)
        g = throughput(*via, args.concurrency, args.seconds)
        print(f"throughput ({args.concurrency} client threads, {args.seconds:g} s each)")
        print(f"  direct          {d:8.0f} requests/s")
        print(f"  via gateway     {g:8.0f} requests/s  ({g / d:.0%} of direct)")
    finally:
        gw.terminate()
        gw.wait(timeout=10)
        upstream.terminate()
        upstream.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
