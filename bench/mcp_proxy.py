#!/usr/bin/env python3
"""What `blastwall mcp-proxy` adds to one MCP tool call.

    python bench/mcp_proxy.py [--calls 300] [--warmup 30] [--tool ping]

One run, two connections to the same test server (tests/mcp_servers/notes.py): directly, and
through the proxy. Each sends `--calls` sequential `tools/call` requests for a cheap allowed
tool as raw JSON-RPC over pipes (no client library in the measurement) and times each round
trip. Prints median and p95 for both and the difference. The proxy's work per call: parse the
line, run the engine, audit the verdict (one append to the SQLite store it keeps open), forward.

The proxy's store, keys and policy live in a temporary folder; nothing else is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "tests" / "mcp_servers" / "notes.py"
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}}


class Connection:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def send(self, msg: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdout is not None
        self.send(msg)
        while True:
            answer = json.loads(self.proc.stdout.readline() or b"null")
            if answer is None:
                raise SystemExit(f"the connection closed (exit {self.proc.wait()})")
            if answer.get("id") == msg["id"]:
                return answer

    def start(self) -> None:
        self.request(INIT)
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.request({"jsonrpc": "2.0", "id": "list", "method": "tools/list"})

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def measure(conn: Connection, tool: str, calls: int, warmup: int) -> list[float]:
    conn.start()
    times: list[float] = []
    for i in range(warmup + calls):
        msg = {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": tool, "arguments": {}}}
        t0 = time.perf_counter()
        answer = conn.request(msg)
        elapsed = (time.perf_counter() - t0) * 1000
        if answer.get("result", {}).get("isError") or "error" in answer:
            raise SystemExit(f"the call failed: {json.dumps(answer)[:300]}")
        if i >= warmup:
            times.append(elapsed)
    conn.close()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--tool", default="ping")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="blastwall-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BLASTWALL_")}
        env |= {"XDG_CONFIG_HOME": os.path.join(tmp, "config"), "XDG_STATE_HOME": os.path.join(tmp, "state")}
        server = [sys.executable, str(SERVER)]
        proxy = [sys.executable, "-m", "blastwall.doors.mcp_proxy", "--name", "notes", "--cwd", tmp, "--", *server]
        direct = measure(Connection(server, env), args.tool, args.calls, args.warmup)
        proxied = measure(Connection(proxy, env), args.tool, args.calls, args.warmup)
    print(f"tools/call {args.tool}: {args.calls} sequential calls each (after {args.warmup} warm-up calls)")
    print(f"{'':14}{'median ms':>10}{'p95 ms':>10}")
    for label, values in (("direct", direct), ("through proxy", proxied)):
        print(f"{label:14}{statistics.median(values):10.2f}{p95(values):10.2f}")
    added_median = statistics.median(proxied) - statistics.median(direct)
    added_p95 = p95(proxied) - p95(direct)
    print(f"{'added':14}{added_median:10.2f}{added_p95:10.2f}   (target: under 5 ms median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
