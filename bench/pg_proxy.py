"""Throughput of `blastwall pg-proxy` next to a direct connection, pgbouncer and a bare relay.

    python bench/pg_proxy.py [--seconds 4] [--rounds 3] [--clients 8] [--threads 2] [--scale 5]

Starts a throwaway PostgreSQL (tests/pg.py), fills it with `pgbench -i -s SCALE`, starts the
proxy (`python -m blastwall.doors.pg_proxy`, default policy, private state folders) on its
compiled data plane and, as `pg-proxy/py`, on the pure-Python one; pgbouncer (session pooling,
trust auth; skipped when it is not installed); and `bare relay` (bench/bare_relay.c, compiled
here: it moves bytes and reads none, so it is what the extra hop alone costs, the ceiling of any
proxy). Then it runs each workload against each target in turn, for SECONDS each, ROUNDS times
(the targets interleaved, so that whatever else the machine does weighs on all of them alike),
and reports the median round:

- select-only, prepared   `pgbench -S -M prepared` (Parse once per connection)
- select-only, simple     `pgbench -S -M simple`   (a new literal in every statement)
- TPC-B-like, simple      `pgbench`                (BEGIN, 3 UPDATEs, SELECT, INSERT, END)
- TPC-B-like, prepared    `pgbench -M prepared`

and prints TPS, average latency, the ratios to direct, to pgbouncer and to the bare relay, and
the CPU time (user + system) each proxy spends per transaction. Everything shares the machine's
cores: the figures are the proxy's cost on a box where the database, the client and the proxy
compete.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pg import _Cluster, _free_port, bin_dir  # noqa: E402

WORKLOADS = [
    ("select-only, prepared", ["-S", "-M", "prepared"]),
    ("select-only, simple", ["-S", "-M", "simple"]),
    ("TPC-B-like, simple", ["-M", "simple"]),
    ("TPC-B-like, prepared", ["-M", "prepared"]),
]


def pgbench(bindir: Path, port: int, args: list[str], seconds: int, clients: int, threads: int) -> tuple[float, float]:
    out = subprocess.run([str(bindir / "pgbench"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-n",
                          "-c", str(clients), "-j", str(threads), "-T", str(seconds), *args, "postgres"],
                         capture_output=True, text=True, timeout=seconds + 60)
    tps = re.search(r"tps = ([0-9.]+)", out.stdout)
    lat = re.search(r"latency average = ([0-9.]+) ms", out.stdout)
    if out.returncode != 0 or not tps or not lat:
        raise RuntimeError(f"pgbench failed on port {port}: {out.stderr.strip()[-600:]}")
    return float(tps.group(1)), float(lat.group(1))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_proxy(upstream: int, home: Path, plane: str = "auto") -> tuple[subprocess.Popen[str], int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "PG"))}
    env["BLASTWALL_PG_PLANE"] = plane
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        (home / var).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / var)
    proc = subprocess.Popen([sys.executable, "-m", "blastwall.doors.pg_proxy", "--upstream", f"127.0.0.1:{upstream}",
                             "--listen", "127.0.0.1:0", "--cwd", str(home)], stderr=subprocess.PIPE, text=True,
                            env=env, cwd=str(home))
    line = proc.stderr.readline() if proc.stderr else ""
    m = re.search(r"listening on [^:]+:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"the proxy did not start: {line}")
    return proc, int(m.group(1))


def start_bare_relay(upstream: int, folder: Path) -> tuple[subprocess.Popen[str] | None, int]:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None, 0
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "bare_relay"
    subprocess.run([cc, "-O2", "-o", str(exe), str(ROOT / "bench" / "bare_relay.c")], check=True, timeout=60)
    port = _free_port()
    proc = subprocess.Popen([str(exe), str(port), str(upstream)], text=True)
    if not wait_port(port):
        proc.kill()
        return None, 0
    return proc, port


def wait_port(port: int) -> bool:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def start_pgbouncer(upstream: int, folder: Path) -> tuple[subprocess.Popen[str] | None, int]:
    exe = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if exe is None:
        return None, 0
    port = _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port={upstream}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'userlist.txt'}
pool_mode = session
max_client_conn = 200
default_pool_size = 50
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
""")
    runner: list[str] = []
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        entry = pwd.getpwnam("postgres")
        for p in (folder, *folder.iterdir()):
            os.chown(p, entry.pw_uid, entry.pw_gid)
        os.chmod(folder.parent, 0o755)
        runner = ["runuser", "-u", "postgres", "--"]
    proc = subprocess.Popen([*runner, exe, str(folder / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    if wait_port(port):
        return proc, port
    proc.kill()
    return None, 0


def stop(proc: subprocess.Popen[str], pidfile: Path | None = None) -> None:
    pids = [proc.pid]
    if pidfile is not None and pidfile.exists():  # pgbouncer itself, when it runs under runuser
        pids.insert(0, int(pidfile.read_text().split()[0]))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scale", type=int, default=5)
    args = ap.parse_args()
    bindir = bin_dir()
    if bindir is None or not (bindir / "pgbench").exists():
        print("PostgreSQL server binaries and pgbench are needed", file=sys.stderr)
        return 1
    cluster = _Cluster(bindir)
    work = Path(tempfile.mkdtemp(prefix="blastwall-bench-"))
    procs: list[subprocess.Popen[str]] = []
    bouncer = None
    try:
        server = cluster.start()
        subprocess.run([str(bindir / "pgbench"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "-i",
                        "-q", "-s", str(args.scale), "postgres"], check=True, capture_output=True, timeout=300)
        proxy, proxy_port = start_proxy(server.port, work / "proxy")
        pyproxy, pyproxy_port = start_proxy(server.port, work / "proxy-py", "python")
        procs += [proxy, pyproxy]
        bouncer, bouncer_port = start_pgbouncer(server.port, work / "pgbouncer")
        relay, relay_port = start_bare_relay(server.port, work / "relay")
        extras = [p for p in (bouncer, relay) if p is not None]
        procs += extras
        targets = [("direct", server.port), ("pg-proxy", proxy_port), ("pg-proxy/py", pyproxy_port)]
        targets += [("pgbouncer", bouncer_port)] if bouncer is not None else []
        targets += [("bare relay", relay_port)] if relay is not None else []
        for _, port in targets:  # warm up: connections, caches, the proxy's imports
            pgbench(bindir, port, ["-S", "-M", "prepared"], 2, args.clients, args.threads)
        missing = [what for what, proc in (("pgbouncer", bouncer), ("a C compiler for the bare relay", relay))
                   if proc is None]
        print(f"pgbench -c {args.clients} -j {args.threads}, median of {args.rounds} interleaved rounds of "
              f"{args.seconds} s, scale {args.scale}, {os.cpu_count()} CPUs, PostgreSQL {bindir.parent.name}"
              f"{' (not installed: ' + ', '.join(missing) + ')' if missing else ''}\n")
        head = (f"{'workload':<24}{'target':<13}{'TPS':>9}{'latency ms':>12}{'vs direct':>11}{'vs pgbouncer':>14}"
                f"{'vs relay':>10}{'CPU/tx':>10}")
        print(head)
        print("-" * len(head))
        pids = {"pg-proxy": proxy.pid, "pg-proxy/py": pyproxy.pid}
        pidfile = work / "pgbouncer" / "pgbouncer.pid"
        if bouncer is not None and pidfile.exists():
            pids["pgbouncer"] = int(pidfile.read_text().split()[0])
        if relay is not None:
            pids["bare relay"] = relay.pid
        for name, extra in WORKLOADS:
            rounds: dict[str, list[tuple[float, float]]] = {t: [] for t, _ in targets}
            cpu: dict[str, list[float]] = {t: [] for t in pids}
            for _ in range(args.rounds):
                for target, port in targets:
                    before = cpu_seconds(pids[target]) if target in pids else 0.0
                    rounds[target].append(pgbench(bindir, port, extra, args.seconds, args.clients, args.threads))
                    if target in pids:
                        used = cpu_seconds(pids[target]) - before
                        cpu[target].append(used / (rounds[target][-1][0] * args.seconds))
            results = {t: sorted(r)[len(r) // 2] for t, r in rounds.items()}
            cpu_per_tx = {t: f"{sorted(c)[len(c) // 2] * 1e6:.1f} us" for t, c in cpu.items() if c}
            for target, _ in targets:
                tps, lat = results[target]
                ratios = [f"{tps / results[base][0]:.0%}" if base in results and target not in (base, "direct")
                          and (base != "bare relay" or target != "pgbouncer") else ""
                          for base in ("direct", "pgbouncer", "bare relay")]
                print(f"{name if target == 'direct' else '':<24}{target:<13}{tps:>9.0f}{lat:>12.3f}{ratios[0]:>11}"
                      f"{ratios[1]:>14}{ratios[2]:>10}{cpu_per_tx.get(target, ''):>10}")
        return 0
    finally:
        for p in procs:
            stop(p, work / "pgbouncer" / "pgbouncer.pid" if p is bouncer else None)
            if p.stderr is not None:
                p.stderr.close()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
