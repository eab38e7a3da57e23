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

from blastwall.daemon import fresh, httphook, keeper, place, wire

IDLE_S = 900.0  # exit after 15 minutes without a call (BLASTWALL_DAEMON_IDLE overrides)
READ_S = 2.0  # a client has this long to send its request
HOOK_DEADLINE_S = 25.0  # as cli/hook.py: the check's own deadline without --timeout
MAX_EXTEND_S = 600.0
OP_DEADLINE_S = 30.0  # an op (system mode's approvals) reads and writes the store: no human waits inside
_CRED = struct.Struct("3i")


class Job:
    """One connection: reading its request, then a worker checking it.

    `http` is None for the Unix socket (frames: accepted, extend, answer) and the endpoint's
    request reader for Claude Code's HTTP hook (one response at the end)."""

    def __init__(self, conn: socket.socket, now: float, http: httphook.Reader | None = None) -> None:
        self.conn = conn
        self.http = http
        self.frames = wire.FrameReader((wire.MAX_HEADER, wire.MAX_PAYLOAD))
        self.deadline = now + READ_S
        self.latest = float("inf")
        self.limit = float("inf")  # the agent's own timeout: extensions never pass it
        self.pid = 0
        self.pipe = -1
        self.buf = b""
        self.started = now

    def send(self, msg: dict[str, Any]) -> None:
        if self.http is None:
            _send(self.conn, wire.pack_msg(msg))
        elif msg.get("t") == "answer":
            body = httphook.answer_body(int(msg.get("code", 2)), str(msg.get("out", "")), str(msg.get("err", "")))
            _send(self.conn, httphook.response(200, body))
        elif msg.get("t") in ("refused", "pong", "stopping"):
            why = str(msg.get("why", "refused"))
            _send(self.conn, httphook.response(int(msg.get("status", 503)), json.dumps({"error": why}).encode()))
        # "accepted" and "extend" have no HTTP form: the response comes at the end


class Spare:
    """A worker forked ahead of time: it has run a throwaway check (so the pages a check writes
    are already its own copies) and waits for one job on `job_w`; its answer comes on `result_r`.
    Each spare serves one call and exits, like a worker forked for the call."""

    def __init__(self, pid: int, job_w: int, result_r: int) -> None:
        self.pid, self.job_w, self.result_r = pid, job_w, result_r
        self.ready = False  # it says b"R" on `result_r` once primed


class Server:
    def __init__(self, where: place.Place, *, allowed_uids: frozenset[int] | None = None,
                 allowed_gids: frozenset[int] = frozenset(), idle_s: float = IDLE_S,
                 env_for: Callable[[dict[str, Any], int], dict[str, str]] | None = None,
                 runner: Callable[[str, bytes], tuple[int, str, str]] | None = None,
                 store_url: str | None = None, endpoint: httphook.Endpoint | None = None,
                 ops: Mapping[str, Callable[[dict[str, Any], bytes, int], dict[str, Any]]] | None = None,
                 spares: int = 1) -> None:
        self.where = where
        self.allowed_uids = allowed_uids if allowed_uids is not None else frozenset({os.getuid()})
        self.allowed_gids = allowed_gids
        self.idle_s = idle_s
        self.env_for = env_for or (lambda header, _uid: _text_map(header.get("env")))
        self.runner = runner or _run_hook
        self.endpoint = endpoint
        self.ops = dict(ops or {})
        self.sel = selectors.DefaultSelector()
        self.jobs: dict[int, Job] = {}  # by connection fd
        self.last_call = time.monotonic()
        self.stopping = False
        self.installation = fresh.Watch()
        self.keeper = keeper.Keeper(store_url or "")
        self.sock: socket.socket | None = None
        self.web: socket.socket | None = None
        self.inode: tuple[int, int] | None = None
        self.started_wall = time.time()
        self.spares: list[Spare] = []
        self.exited: list[int] = []  # workers that answered; reaped when the loop is idle
        self.spare_count = spares
        self.scratch = ""

    # --- set-up -------------------------------------------------------------------------------

    def bind(self) -> None:
        import tempfile

        if self.spare_count and not self.scratch:
            self.scratch = tempfile.mkdtemp(prefix="blastwall-spare-")
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
        if self.endpoint is not None:
            web = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            web.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                web.bind(("127.0.0.1", self.endpoint.port))
            except OSError as exc:
                web.close()
                _log(f"HTTP hook endpoint: cannot listen on 127.0.0.1:{self.endpoint.port} ({exc.strerror})")
                return
            web.listen(64)
            web.setblocking(False)
            self.web = web
            self.sel.register(web, selectors.EVENT_READ, ("listen-http", None))

    # --- the loop -----------------------------------------------------------------------------

    def serve(self) -> None:
        while not self.stopping:
            now = time.monotonic()
            for key, _ in self.sel.select(self._next_timeout(now)):
                kind, job = key.data
                try:
                    if kind == "listen":
                        self._accept()
                    elif kind == "listen-http":
                        self._accept_http()
                    elif kind == "conn":
                        self._read(job)
                    elif kind == "pipe":
                        self._from_worker(job)
                    elif kind == "spare":
                        self._spare_ready(job)
                except Exception as exc:  # noqa: BLE001 - one call's failure is that call's blocking answer
                    _log(f"error in {kind}: {type(exc).__name__}: {exc}")
                    if isinstance(job, Job):
                        self._finish(job, _blocked("blastwall's checker failed on this call"))
            self._expire(time.monotonic())
            if self._should_exit(time.monotonic()):
                break
            if not self.jobs:  # between calls: a spare primed now does not take CPU from a check
                self._reap_exited()
                self._spawn_spares()
        self.close()

    def _next_timeout(self, now: float) -> float:
        deadlines = [j.latest if j.pid else j.deadline for j in self.jobs.values()]
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
            _send(conn, wire.pack_msg({"t": "refused", "why": "this user may not use this checker"}))
            conn.close()
            return
        self._track(Job(conn, self.last_call))

    def _accept_http(self) -> None:
        assert self.web is not None and self.endpoint is not None
        try:
            conn, _ = self.web.accept()
        except BlockingIOError:
            return
        self.last_call = time.monotonic()
        self._track(Job(conn, self.last_call, http=httphook.Reader(self.endpoint)))

    def _track(self, job: Job) -> None:
        job.conn.setblocking(False)
        self.jobs[job.conn.fileno()] = job
        self.sel.register(job.conn, selectors.EVENT_READ, ("conn", job))

    def _peer_ok(self, conn: socket.socket) -> bool:
        uid, gid = _peer(conn)
        if uid < 0:
            return False
        if uid in self.allowed_uids or gid in self.allowed_gids:
            return True
        if self.allowed_gids:
            import grp
            import pwd

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
        if job.http is not None:
            try:
                request = job.http.feed(data)
            except httphook.Refusal as exc:
                self._finish(job, {"t": "refused", "why": str(exc), "status": exc.status})
                return
            if request is not None:
                self.sel.unregister(job.conn)
                header = {"v": wire.VERSION, "op": "hook", "agent": request.agent, "timeout_s": request.timeout_s,
                          "started": job.started, "cwd": httphook.payload_cwd(request.body)}
                self._check(job, header, request.body, dict(os.environ))
            return
        try:
            complete = job.frames.feed(data)
        except wire.WireError as exc:
            self._finish(job, {"t": "refused", "why": str(exc)})
            return
        if complete:
            self.sel.unregister(job.conn)
            self._start(job)

    def _start(self, job: Job) -> None:
        try:
            header = wire.decode(job.frames.frames[0])
        except wire.WireError:
            self._finish(job, {"t": "refused", "why": "header is not a message"})
            return
        if not isinstance(header, dict) or header.get("v") != wire.VERSION:
            self._finish(job, {"t": "refused", "why": f"protocol version {wire.VERSION} expected"})
            return
        op = header.get("op")
        if op == "ping":
            self._finish(job, {"t": "pong", "pid": os.getpid(), "uid": os.getuid(), "version": _version(),
                               "mode": "system" if self.where.system else "user", "since": self.started_wall,
                               "http_port": self.endpoint.port if self.web is not None and self.endpoint else None})
            return
        if op == "stop":
            self._finish(job, {"t": "stopping"})
            self.stopping = True
            return
        if isinstance(op, str) and op in self.ops:
            self._op(job, op, header, job.frames.frames[1])
            return
        if op != "hook" or not isinstance(header.get("agent"), str):
            self._finish(job, {"t": "refused", "why": "unknown request"})
            return
        self._check(job, header, job.frames.frames[1], self.env_for(header, _peer(job.conn)[0]))

    def _check(self, job: Job, header: dict[str, Any], raw: bytes, env: dict[str, str]) -> None:
        """Fork the worker that checks one hook call; the parent watches it."""
        if self.installation.changed():
            self._finish(job, {"t": "refused", "why": "blastwall was updated; this checker restarts"}
                         if job.http is None else _blocked("blastwall was updated; retry"))
            self.stopping = True
            return
        timeout_s = header.get("timeout_s")
        timeout_s = timeout_s if isinstance(timeout_s, int) and not isinstance(timeout_s, bool) else None
        try:
            started = min(float(header.get("started")), time.monotonic())  # type: ignore[arg-type]
        except (TypeError, ValueError):
            started = time.monotonic()
        job.started = started
        job.limit = started + timeout_s - _margin(timeout_s) if timeout_s else float("inf")
        job.latest = min(started + HOOK_DEADLINE_S, job.limit)
        job.send({"t": "accepted"})
        self.keeper.ensure()
        def fork() -> None:
            read_fd, write_fd = os.pipe()
            self._fork(job, read_fd, write_fd, env, header.get("cwd"),
                       _hook_task(write_fd, header, raw, timeout_s, started, self.runner))

        self._dispatch(job, "hook", header, raw, env, fork, timeout_s=timeout_s, started=started)

    def _fork(self, job: Job, read_fd: int, write_fd: int, env: Mapping[str, str], cwd: Any,
              task: Callable[[], dict[str, Any]]) -> None:
        pid = os.fork()
        if pid == 0:
            _worker(write_fd, read_fd, env, cwd, task)
        os.close(write_fd)
        self._watch(job, pid, read_fd)

    def _watch(self, job: Job, pid: int, read_fd: int) -> None:
        os.set_blocking(read_fd, False)
        job.pid, job.pipe = pid, read_fd
        self.sel.register(read_fd, selectors.EVENT_READ, ("pipe", job))

    # --- spares -------------------------------------------------------------------------------

    def _spawn_spares(self) -> None:
        """Keep `spare_count` spares ready (called when no call is waiting on this loop)."""
        while len(self.spares) < self.spare_count and not self.stopping:
            job_r, job_w = os.pipe()
            result_r, result_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(job_w)
                os.close(result_r)
                self._spare_main(job_r, result_w)
            os.close(job_r)
            os.close(result_w)
            spare = Spare(pid, job_w, result_r)
            self.spares.append(spare)
            self.sel.register(result_r, selectors.EVENT_READ, ("spare", spare))

    def _spare_main(self, job_r: int, result_w: int) -> None:
        """In a spare: prime, wait for the job, run it, exit."""
        try:
            for fd in [j.conn.fileno() for j in self.jobs.values()] + [s.job_w for s in self.spares] + \
                    [s.result_r for s in self.spares]:
                try:
                    os.close(fd)  # nothing of other calls stays open here
                except OSError:
                    pass
            if self.scratch:
                sample_calls(self.scratch, approvals=False, samples=2, own=True)
            os.write(result_w, b"R")
            chunks = []
            while True:
                chunk = os.read(job_r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            if not chunks:
                os._exit(0)  # the daemon went away or retired this spare
            job = wire.decode(b"".join(chunks))
            header, raw = job["header"], job["raw"]
            if job["kind"] == "hook":
                task = _hook_task(result_w, header, raw, job["timeout_s"], job["started"], self.runner)
            else:
                fn = self.ops[job["kind"]]
                task = lambda: fn(header, raw, job["uid"])  # noqa: E731
        except BaseException:  # noqa: BLE001 - no answer: the parent blocks the call
            os._exit(0)
        _worker(result_w, None, job["env"], header.get("cwd") if job["kind"] == "hook" else None, task)

    def _reap_exited(self) -> None:
        for pid in list(self.exited):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.exited.remove(pid)

    def _spare_ready(self, spare: Spare) -> None:
        self.sel.unregister(spare.result_r)
        try:
            said = os.read(spare.result_r, 1)
        except OSError:
            said = b""
        if said == b"R":
            spare.ready = True
            return
        self.spares.remove(spare)  # it died while priming
        _close_quietly(spare.job_w, spare.result_r)
        _reap(spare.pid)

    def _dispatch(self, job: Job, kind: str, header: dict[str, Any], raw: bytes, env: Mapping[str, str],
                  fallback: Callable[[], None], **extra: Any) -> None:
        """Hand the call to a spare, or fork a worker for it when none is ready."""
        for spare in list(self.spares):
            if not spare.ready:
                continue
            self.spares.remove(spare)
            try:
                data = wire.encode({"kind": kind, "header": header, "raw": raw, "env": dict(env), **extra})
                view = memoryview(data)
                while view:
                    view = view[os.write(spare.job_w, view):]
                os.close(spare.job_w)
            except OSError:  # the spare died: retire it and try the next
                _close_quietly(spare.job_w, spare.result_r)
                _kill(spare.pid)
                continue
            self._watch(job, spare.pid, spare.result_r)
            return
        fallback()

    def _op(self, job: Job, op: str, header: dict[str, Any], raw: bytes) -> None:
        """A request other than a hook call (`ops`, e.g. approvals in system mode), in a worker
        like a check: its answer is whatever message the op returns."""
        uid = _peer(job.conn)[0]
        job.latest = time.monotonic() + OP_DEADLINE_S
        job.send({"t": "accepted"})
        self.keeper.ensure()
        fn = self.ops[op]
        env = self.env_for(header, uid)

        def fork() -> None:
            read_fd, write_fd = os.pipe()
            self._fork(job, read_fd, write_fd, env, None, lambda: fn(header, raw, uid))

        self._dispatch(job, op, header, raw, env, fork, uid=uid)

    def _from_worker(self, job: Job) -> None:
        try:
            chunk = os.read(job.pipe, 65536)
        except BlockingIOError:
            return
        if chunk:
            job.buf += chunk
            while job.buf.startswith(b"E") and b"\n" in job.buf:  # "E<seconds>\n": waiting for a human
                line, job.buf = job.buf.split(b"\n", 1)
                try:
                    more = min(float(line[1:]), MAX_EXTEND_S)
                except ValueError:
                    more = 0.0
                job.latest = min(max(job.latest, time.monotonic() + more), job.limit)
                job.send({"t": "extend", "s": more})
            return
        self.exited.append(job.pid)  # reaped later: its exit need not delay the answer
        job.pid = 0
        try:
            answer = json.loads(job.buf)
            if not isinstance(answer, dict) or "t" not in answer:
                raise ValueError("no message")
        except (ValueError, TypeError):
            answer = _blocked("the check crashed; `blastwall explain` shows what blastwall saw")
        self._finish(job, answer)

    def _expire(self, now: float) -> None:
        for job in list(self.jobs.values()):
            if not job.pid and now > job.deadline and job.pipe < 0:
                self._drop(job)
            elif job.pid and now > job.latest:
                _kill(job.pid)
                job.pid = 0
                self._finish(job, _blocked(f"the check did not finish within {now - job.started:.0f} s"))

    def _finish(self, job: Job, msg: dict[str, Any]) -> None:
        job.send(msg)
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
        if self.web is not None:
            self.web.close()
            self.web = None
        for spare in self.spares:
            if not spare.ready:
                try:
                    self.sel.unregister(spare.result_r)
                except (KeyError, ValueError):
                    pass
            _close_quietly(spare.job_w, spare.result_r)
            _kill(spare.pid)
        self.spares = []
        if self.scratch:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = ""
        self.keeper.close()


# --- the worker ---------------------------------------------------------------------------------


def _worker(write_fd: int, read_fd: int | None, env: Mapping[str, str], cwd: Any,
            task: Callable[[], dict[str, Any]]) -> None:
    """In the forked child: take the caller's environment and folder, run `task`, write the
    message it returns on the pipe (nothing when it fails: the parent answers "blocked")."""
    if read_fd is not None:
        os.close(read_fd)
    data = b""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(env)
        if isinstance(cwd, str):
            try:
                os.chdir(cwd)
            except OSError:
                pass
        data = json.dumps(task(), ensure_ascii=True).encode("ascii")
    except BaseException:  # noqa: BLE001 - no answer: the parent blocks the call
        data = b""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
        os.close(write_fd)  # the answer is complete now, not when this process has torn down its memory
    finally:
        os._exit(0)


def _hook_task(write_fd: int, header: dict[str, Any], raw: bytes, timeout_s: int | None, started: float,
               runner: Callable[[str, bytes], tuple[int, str, str]]) -> Callable[[], dict[str, Any]]:
    def task() -> dict[str, Any]:
        from blastwall.doors.hooks.base import set_budget, set_deadline_extender
        from blastwall.doors.hooks.budget import Budget

        def extend(seconds: float) -> None:
            os.write(write_fd, f"E{float(seconds):.1f}\n".encode())

        set_deadline_extender(extend)
        set_budget(Budget(timeout_s, started) if timeout_s else None)
        code, out, err = runner(str(header["agent"]), raw)
        return {"t": "answer", "code": int(code), "out": str(out), "err": str(err)}

    return task


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


def _peer(conn: socket.socket) -> tuple[int, int]:
    """(uid, gid) of the process at the other end of a Unix socket; (-1, -1) when unknown."""
    try:
        _pid, uid, gid = _CRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
        return uid, gid
    except (OSError, AttributeError, struct.error):
        return -1, -1


def _blocked(why: str) -> dict[str, Any]:
    return {"t": "answer", "code": 2, "out": "",
            "err": f"blastwall blocked this tool call: {why}; a human must review it.\n"}


def _send(conn: socket.socket, data: bytes) -> None:
    try:
        conn.setblocking(True)
        conn.settimeout(2.0)
        conn.sendall(data)
    except OSError:
        pass


def _close_quietly(*fds: int) -> None:
    for fd in fds:
        try:
            os.close(fd)
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


_SAMPLES = (("Bash", {"command": "git status && ls -la"}),
            ("Bash", {"command": "rm -rf /nonexistent/warm && psql -c 'DROP TABLE t'"}),
            ("Bash", {"command": "curl -X DELETE https://api.github.com/repos/o/r"}),
            ("Read", {"file_path": "README.md"}),
            ("Write", {"file_path": "x.py", "content": "x = 1\n"}),
            ("mcp__fs__write_file", {"path": "x", "content": "y"}))


def sample_calls(scratch: str, *, approvals: bool, samples: int = len(_SAMPLES), own: bool = False) -> None:
    """Whole hook calls run in `scratch`: what a check touches is then loaded (and, in a spare
    worker, copied). With `own` they read this process's own configuration (never with
    approvals: nothing is written), so the caches keyed by it are filled as the real calls
    will key them; otherwise a throwaway configuration under `scratch` (policy, store, state)."""
    saved = dict(os.environ)
    try:
        if not own:
            os.environ.update(XDG_CONFIG_HOME=os.path.join(scratch, "config"),
                              XDG_STATE_HOME=os.path.join(scratch, "state"), XDG_DATA_HOME=os.path.join(scratch, "data"),
                              BLASTWALL_POLICY=os.path.join(scratch, "p.toml"),
                              BLASTWALL_DATABASE_URL="sqlite:///" + os.path.join(scratch, "warm.db"))
            if not os.path.exists(os.environ["BLASTWALL_POLICY"]):
                with open(os.environ["BLASTWALL_POLICY"], "w", encoding="utf-8") as f:
                    f.write("")
        approvals = approvals and not own
        from blastwall.doors.hooks import run_hook

        for tool, tool_input in _SAMPLES[:samples]:
            raw = json.dumps({"session_id": "warm", "transcript_path": os.path.join(scratch, "t"), "cwd": scratch,
                              "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": tool_input}).encode()
            run_hook("claude-code", raw, approvals=approvals)
    except Exception as exc:  # noqa: BLE001
        _log(f"warm-up check failed: {type(exc).__name__}: {exc}")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def warm() -> None:
    """Import what a check needs and run whole hook calls once, approvals included, in a
    throwaway configuration, so every lazy import, compiled pattern and table a check touches is
    in the parent before workers are forked. Nothing of the real configuration is read or
    written here; caches that depend on the environment are keyed by it."""
    import importlib
    import shutil
    import tempfile

    for name in ("blastwall.engine", "blastwall.doors.hooks.base", "blastwall.doors.hooks.claude_code",
                 "blastwall.doors.hooks.cursor", "blastwall.doors.hooks.gemini", "blastwall.doors.hooks.codex",
                 "blastwall.doors.hooks.opencode", "blastwall.policy.load", "blastwall.approvals.gate",
                 "blastwall.store", "blastwall.store.sqlite", "blastwall.audit", "blastwall.audit.log",
                 "blastwall.snapshots.take", "sqlite3", "tomllib"):
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a worker imports it again and reports
            _log(f"warm-up could not import {name}: {type(exc).__name__}")
    scratch = tempfile.mkdtemp(prefix="blastwall-warm-")
    try:
        sample_calls(scratch, approvals=True)
        sample_calls(scratch, approvals=False, own=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
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
    from blastwall.locations import default_database_url

    from blastwall.locations import config_dir

    server = Server(where, idle_s=idle_s, store_url=default_database_url(), endpoint=httphook.load(config_dir()))
    server.bind()
    _log(f"listening on {where.socket}")
    server.serve()
    try:
        os.unlink(where.lock)
    except OSError:
        pass
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
