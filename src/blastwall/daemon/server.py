"""The warm checker daemon: one event loop that accepts hook calls and forks a worker per check.

    python -m blastwall.daemon.server            # what the first hook call starts (user-level)
    blastwall daemon start | status | stop        # the same, by hand

The parent imports the engine, the rule tables and every door once (`warm()`), then forks a
worker per call from that warm state. The worker takes the hook's environment and working
directory, reads the policy files, secrets list, keys and trust afresh (as an in-process check
does), checks, and writes its answer to a pipe. The parent never runs a check itself, so a crash
or hang in one (a C extension fault, a runaway parse) costs only that worker: the parent kills it
at the deadline and answers "blocked". Workers' approval waits reach the client as `extend`
frames.

What is loaded once and could go stale is blastwall's own code and rule tables: the parent
compares their stamps (`fresh.Watch`) before each call and, when they changed, refuses the call
(the client checks in-process) and exits, so the next call starts a daemon on the new code.

Peers are checked with SO_PEERCRED: in user-level mode only the daemon's own uid; in system mode
the uids and groups `/etc/blastwall/system.toml` allows. The daemon exits after `idle_s` without
calls, when its socket file is removed or replaced, or on `stop`.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from blastwall.daemon import fresh, place, wire

IDLE_S = 900.0  # exit after 15 minutes without a call (BLASTWALL_DAEMON_IDLE overrides)
READ_S = 2.0  # a client has this long to send its request
HOOK_DEADLINE_S = 25.0  # as cli/hook.py: the check's own deadline without --timeout
MAX_EXTEND_S = 600.0
_CRED = struct.Struct("3i")


class Job:
    """One connection: reading its request, then a worker checking it."""

    def __init__(self, conn: socket.socket, now: float) -> None:
        self.conn = conn
        self.reader = wire.FrameReader((wire.MAX_HEADER, wire.MAX_PAYLOAD))
        self.deadline = now + READ_S
        self.latest = float("inf")
        self.pid = 0
        self.pipe = -1
        self.buf = b""
        self.started = now


class Server:
    def __init__(self, where: place.Place, *, allowed_uids: frozenset[int] | None = None,
                 allowed_gids: frozenset[int] = frozenset(), idle_s: float = IDLE_S,
                 env_for: Callable[[dict[str, Any], int], dict[str, str]] | None = None,
                 runner: Callable[[str, bytes], tuple[int, str, str]] | None = None) -> None:
        self.where = where
        self.allowed_uids = allowed_uids if allowed_uids is not None else frozenset({os.getuid()})
        self.allowed_gids = allowed_gids
        self.idle_s = idle_s
        self.env_for = env_for or (lambda header, _uid: _text_map(header.get("env")))
        self.runner = runner or _run_hook
        self.sel = selectors.DefaultSelector()
        self.jobs: dict[int, Job] = {}  # by connection fd
        self.by_pipe: dict[int, Job] = {}
        self.last_call = time.monotonic()
        self.stopping = False
        self.installation = fresh.Watch()
        self.sock: socket.socket | None = None
        self.inode: tuple[int, int] | None = None

    # --- set-up -------------------------------------------------------------------------------

    def bind(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(self.where.socket)
        except FileNotFoundError:
            pass
        old = os.umask(0o177 if not self.where.system else 0o111)
        try:
            sock.bind(self.where.socket)
        finally:
            os.umask(old)
        sock.listen(64)
        sock.setblocking(False)
        st = os.stat(self.where.socket)
        self.inode = (st.st_dev, st.st_ino)
        self.sock = sock
        self.sel.register(sock, selectors.EVENT_READ, ("listen", None))

    # --- the loop -----------------------------------------------------------------------------

    def serve(self) -> None:
        while not self.stopping:
            now = time.monotonic()
            timeout = self._next_timeout(now)
            for key, _ in self.sel.select(timeout):
                kind, job = key.data
                try:
                    if kind == "listen":
                        self._accept()
                    elif kind == "conn":
                        self._read(job)
                    elif kind == "pipe":
                        self._from_worker(job)
                except Exception as exc:  # noqa: BLE001 - one call's failure is that call's blocking answer
                    _log(f"error in {kind}: {type(exc).__name__}: {exc}")
                    if job is not None:
                        self._finish(job, _blocked("blastwall's checker failed on this call"))
            self._expire(time.monotonic())
            if self._should_exit(time.monotonic()):
                break
        self.close()

    def _next_timeout(self, now: float) -> float:
        deadlines = [j.deadline if not j.pid else j.latest for j in self.jobs.values()]
        soonest = min(deadlines, default=now + 1.0)
        return max(0.0, min(soonest - now, 1.0))

    def _should_exit(self, now: float) -> bool:
        if self.jobs:
            return False
        if now - self.last_call > self.idle_s:
            _log("idle: exiting")
            return True
        try:  # someone removed or replaced the socket file: this daemon is no longer the one
            st = os.stat(self.where.socket)
            if (st.st_dev, st.st_ino) != self.inode:
                return True
        except OSError:
            return True
        return False

    def _accept(self) -> None:
        assert self.sock is not None
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return
        self.last_call = time.monotonic()
        if not self._peer_ok(conn):
            _send(conn, {"t": "refused", "why": "this user may not use this checker"})
            conn.close()
            return
        conn.setblocking(False)
        job = Job(conn, self.last_call)
        self.jobs[conn.fileno()] = job
        self.sel.register(conn, selectors.EVENT_READ, ("conn", job))

    def _peer_ok(self, conn: socket.socket) -> bool:
        try:
            _pid, uid, gid = _CRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
        except (OSError, AttributeError, struct.error):
            return False
        if uid in self.allowed_uids or gid in self.allowed_gids:
            return True
        if self.allowed_gids:
            import pwd
            import grp

            try:
                name = pwd.getpwuid(uid).pw_name
                return any(name in grp.getgrgid(g).gr_mem for g in self.allowed_gids)
            except KeyError:
                return False
        return False

    def _read(self, job: Job) -> None:
        try:
            data = job.conn.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(job)
            return
        try:
            complete = job.reader.feed(data)
        except wire.WireError as exc:
            self._finish(job, {"t": "refused", "why": str(exc)})
            return
        if complete:
            self.sel.unregister(job.conn)
            self._start(job)

    def _start(self, job: Job) -> None:
        try:
            header = json.loads(job.reader.frames[0])
        except ValueError:
            self._finish(job, {"t": "refused", "why": "header is not JSON"})
            return
        if not isinstance(header, dict) or header.get("v") != wire.VERSION:
            self._finish(job, {"t": "refused", "why": f"protocol version {wire.VERSION} expected"})
            return
        op = header.get("op")
        if op == "ping":
            self._finish(job, {"t": "pong", "pid": os.getpid(), "uid": os.getuid(), "version": _version(),
                               "mode": "system" if self.where.system else "user", "since": self.started_wall})
            return
        if op == "stop":
            self._finish(job, {"t": "stopping"})
            self.stopping = True
            return
        if op != "hook" or not isinstance(header.get("agent"), str):
            self._finish(job, {"t": "refused", "why": "unknown request"})
            return
        if self.installation.changed():
            self._finish(job, {"t": "refused", "why": "blastwall was updated; this checker restarts"})
            self.stopping = True
            return
        uid = _peer_uid(job.conn)
        env = self.env_for(header, uid)
        timeout_s = header.get("timeout_s")
        timeout_s = int(timeout_s) if isinstance(timeout_s, int) and not isinstance(timeout_s, bool) else None
        try:
            started = float(header.get("started"))
        except (TypeError, ValueError):
            started = time.monotonic()
        started = min(started, time.monotonic())
        job.latest = min(started + HOOK_DEADLINE_S, started + timeout_s - _margin(timeout_s)) \
            if timeout_s else started + HOOK_DEADLINE_S
        job.started = started
        job.timeout_s = timeout_s  # type: ignore[attr-defined]
        _send(job.conn, {"t": "accepted"})
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            _worker(write_fd, read_fd, header, env, job.reader.frames[1], timeout_s, started, self.runner)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        job.pid, job.pipe = pid, read_fd
        self.by_pipe[read_fd] = job
        self.sel.register(read_fd, selectors.EVENT_READ, ("pipe", job))

    def _from_worker(self, job: Job) -> None:
        try:
            chunk = os.read(job.pipe, 65536)
        except BlockingIOError:
            return
        if chunk:
            job.buf += chunk
            while job.buf.startswith(b"E") and b"\n" in job.buf:
                line, job.buf = job.buf.split(b"\n", 1)
                try:
                    more = min(float(line[1:]), MAX_EXTEND_S)
                except ValueError:
                    more = 0.0
                limit = job.started + job.timeout_s - _margin(job.timeout_s) if job.timeout_s else float("inf")  # type: ignore[attr-defined]
                job.latest = min(max(job.latest, time.monotonic() + more), limit)
                _send(job.conn, {"t": "extend", "s": more})
            return
        _reap(job.pid)
        job.pid = 0
        try:
            code, out, err = json.loads(job.buf)
            answer = {"t": "answer", "code": int(code), "out": str(out), "err": str(err)}
        except (ValueError, TypeError):
            answer = _blocked("the check crashed; a human must review it, and `blastwall explain` shows what "
                              "blastwall saw")
        self._finish(job, answer)

    def _expire(self, now: float) -> None:
        for job in list(self.jobs.values()):
            if not job.pid and now > job.deadline:
                self._drop(job)
            elif job.pid and now > job.latest:
                _kill(job.pid)
                job.pid = 0
                within = f"{now - job.started:.0f} s"
                self._finish(job, _blocked(f"the check did not finish within {within}"))

    def _finish(self, job: Job, msg: dict[str, Any]) -> None:
        _send(job.conn, msg)
        self._drop(job)

    def _drop(self, job: Job) -> None:
        if job.pid:
            _kill(job.pid)
            job.pid = 0
        if job.pipe >= 0:
            try:
                self.sel.unregister(job.pipe)
            except (KeyError, ValueError):
                pass
            self.by_pipe.pop(job.pipe, None)
            os.close(job.pipe)
            job.pipe = -1
        fd = job.conn.fileno()
        if fd >= 0:
            try:
                self.sel.unregister(job.conn)
            except (KeyError, ValueError):
                pass
            self.jobs.pop(fd, None)
            job.conn.close()

    def close(self) -> None:
        for job in list(self.jobs.values()):
            self._finish(job, _blocked("blastwall's checker stopped"))
        if self.sock is not None:
            try:
                st = os.stat(self.where.socket)
                if (st.st_dev, st.st_ino) == self.inode:
                    os.unlink(self.where.socket)
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    started_wall = time.time()


# --- the worker ---------------------------------------------------------------------------------


def _worker(write_fd: int, read_fd: int, header: dict[str, Any], env: Mapping[str, str], raw: bytes,
            timeout_s: int | None, started: float, runner: Callable[[str, bytes], tuple[int, str, str]]) -> None:
    """In the forked child: become the hook process that asked, check, answer on the pipe."""
    os.close(read_fd)
    data = b""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(env)
        cwd = header.get("cwd")
        if isinstance(cwd, str):
            try:
                os.chdir(cwd)
            except OSError:
                pass
        from blastwall.doors.hooks.base import set_budget, set_deadline_extender
        from blastwall.doors.hooks.budget import Budget

        def extend(seconds: float) -> None:
            os.write(write_fd, f"E{float(seconds):.1f}\n".encode())

        set_deadline_extender(extend)
        set_budget(Budget(timeout_s, started) if timeout_s else None)
        code, out, err = runner(str(header["agent"]), raw)
        data = json.dumps([code, out, err]).encode()
    except BaseException:  # noqa: BLE001 - no answer: the parent blocks the call
        data = b""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    finally:
        os._exit(0)


def _run_hook(agent: str, raw: bytes) -> tuple[int, str, str]:
    from blastwall.doors.hooks import run_hook

    r = run_hook(agent, raw)
    return r.exit_code, r.stdout, r.stderr


# --- helpers ------------------------------------------------------------------------------------


def _margin(timeout_s: int) -> float:
    from blastwall.doors.hooks.budget import margin_s

    return margin_s(timeout_s)


def _text_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and "\0" not in k + v}


def _peer_uid(conn: socket.socket) -> int:
    try:
        return _CRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))[1]
    except (OSError, struct.error):
        return -1


def _blocked(why: str) -> dict[str, Any]:
    return {"t": "answer", "code": 2, "out": "",
            "err": f"blastwall blocked this tool call: {why}; a human must review it.\n"}


def _send(conn: socket.socket, msg: dict[str, Any]) -> None:
    try:
        conn.setblocking(True)
        conn.settimeout(2.0)
        conn.sendall(wire.pack_json(msg))
    except OSError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _version() -> str:
    from blastwall import __version__

    return __version__


_LOG_FD = 2


def _log(message: str) -> None:
    try:
        os.write(_LOG_FD, f"{time.strftime('%Y-%m-%dT%H:%M:%S')} blastwall daemon[{os.getpid()}]: {message}\n"
                 .encode("ascii", "backslashreplace"))
    except OSError:
        pass


# --- start-up -----------------------------------------------------------------------------------


def warm() -> None:
    """Import what a check needs and fill the rule-table caches, so a worker starts warm. Nothing
    read here depends on a policy file or the environment of a call."""
    import importlib

    for name in ("blastwall.engine", "blastwall.doors.hooks.base", "blastwall.doors.hooks.claude_code",
                 "blastwall.doors.hooks.cursor", "blastwall.doors.hooks.gemini", "blastwall.doors.hooks.codex",
                 "blastwall.doors.hooks.opencode", "blastwall.policy.load", "blastwall.approvals.gate",
                 "blastwall.store", "blastwall.audit", "sqlite3", "tomllib"):
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a worker imports it again and reports
            _log(f"warm-up could not import {name}: {type(exc).__name__}")
    try:
        from blastwall.engine import check_action, make_action
        from blastwall.policy.engine import compile_layers, default_document

        defaults = compile_layers([("defaults", default_document())])
        samples = [("shell", "git status && rm -rf build && psql -c 'DROP TABLE t' && curl -X DELETE https://api.github.com/x"),
                   ("sql", "DELETE FROM t WHERE id = 1"),
                   ("http", {"method": "POST", "url": "https://backboard.railway.app/graphql/v2",
                             "body": '{"query":"mutation { volumeDelete(volumeId: \\"v\\") }"}'}),
                   ("mcp", {"server": "fs", "tool": "write_file", "arguments": {"path": "x", "content": "y"}}),
                   ("file_read", {"path": "README.md"})]
        for kind, payload in samples:
            check_action(make_action(kind, payload, {"cwd": "/nonexistent-blastwall-warmup"}), defaults)
    except Exception as exc:  # noqa: BLE001
        _log(f"warm-up check failed: {type(exc).__name__}: {exc}")
    gc.collect()
    gc.freeze()  # workers are forked from here: keep these pages shared


def _lock(path: str) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def serve_user(env: Mapping[str, str] | None = None, *, idle_s: float | None = None) -> int:
    """Run the user-level daemon in this process until it is idle or stopped. 0 on a clean exit,
    1 when another daemon already serves this configuration or no private folder can be had."""
    global _LOG_FD
    env = os.environ if env is None else env
    where = place.user_place(env)
    if where is None:
        return 1
    lock = _lock(where.lock)
    if lock is None:
        return 1
    try:
        _LOG_FD = os.open(where.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        pass
    if idle_s is None:
        try:
            idle_s = float(env.get("BLASTWALL_DAEMON_IDLE", "") or IDLE_S)
        except ValueError:
            idle_s = IDLE_S
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "stopping", True))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    warm()
    server = Server(where, idle_s=idle_s)
    server.bind()
    _log(f"listening on {where.socket}")
    server.serve()
    os.close(lock)
    return 0


def main(argv: list[str] | None = None) -> None:
    gc.disable()
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--system"]:
        from blastwall.daemon.system import serve_system

        raise SystemExit(serve_system())
    raise SystemExit(serve_user())


if __name__ == "__main__":
    main()
