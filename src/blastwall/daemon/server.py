"""The warm checker daemon: one event loop that accepts hook calls and hands them to warm workers.

    python -m blastwall.daemon.server            # what the first hook call starts (user-level)
    blastwall daemon start | status | stop        # the same, by hand

The parent imports the engine, the rule tables and every door once (`warm()`), then forks warm
workers from that state (`workers.py`). For each call a worker takes the hook's environment and
working directory, reads the policy files, secrets list, keys and trust afresh (as an in-process
check does), checks, and sends its answer on a pipe; when none is free, a one-shot worker is
forked for the call. The parent never runs a check itself and is the watchdog: a crash or hang
in a check (a C extension fault, a runaway parse) costs only that worker, which is killed at the
deadline, and the call is answered "blocked". Workers' approval waits reach the client as
`extend` frames.

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

from blastwall.daemon import fresh, httphook, keeper, place, wire, workers

IDLE_S = 900.0  # exit after 15 minutes without a call (BLASTWALL_DAEMON_IDLE overrides)
READ_S = 2.0  # a client has this long to send its request
HOOK_DEADLINE_S = 25.0  # as cli/hook.py: the check's own deadline without --timeout
MAX_EXTEND_S = 600.0
OP_DEADLINE_S = 30.0  # an op (system mode's approvals) reads and writes the store: no human waits inside
MAX_BATCH_S = 600.0  # the longest one piece of `check --batch` may run (the client checks it in-process after)
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
        self.worker: workers.Worker | None = None  # the worker checking it
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


class Server:
    def __init__(self, where: place.Place, *, allowed_uids: frozenset[int] | None = None,
                 allowed_gids: frozenset[int] = frozenset(), idle_s: float = IDLE_S,
                 env_for: Callable[[dict[str, Any], int], dict[str, str]] | None = None,
                 runner: Callable[[str, bytes], tuple[int, str, str]] | None = None,
                 store_url: str | None = None, endpoint: httphook.Endpoint | None = None,
                 ops: Mapping[str, Callable[[dict[str, Any], bytes, int], dict[str, Any]]] | None = None,
                 pool: int = 2) -> None:
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
        # the folders that chose this daemon's configuration: when one is removed (a throwaway
        # configuration, a test's folder) nobody will call this daemon again
        self.anchors = [d for d in (os.environ.get("XDG_CONFIG_HOME"), os.environ.get("XDG_STATE_HOME"))
                        if d and os.path.isdir(d)]
        self.workers: list[workers.Worker] = []  # warm ones (pool) and one-shot ones checking a call
        self.exited: list[int] = []  # workers that finished; reaped when the loop is idle
        self.pool = pool
        self.scratch = ""

    # --- set-up -------------------------------------------------------------------------------

    def bind(self) -> None:
        import tempfile

        if self.pool and not self.scratch:
            self.scratch = tempfile.mkdtemp(prefix="blastwall-prime-")
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
                    elif kind == "worker":
                        self._from_worker(job)
                except Exception as exc:  # noqa: BLE001 - one call's failure is that call's blocking answer
                    _log(f"error in {kind}: {type(exc).__name__}: {exc}")
                    if isinstance(job, Job):
                        self._finish(job, _blocked("blastwall's checker failed on this call"))
            self._expire(time.monotonic())
            if self._should_exit(time.monotonic()):
                break
            if not self.jobs:  # between calls: a worker primed now does not take CPU from a check
                self._reap_exited()
                self._fill_pool()
        self.close()

    def _next_timeout(self, now: float) -> float:
        deadlines = [j.latest if j.worker else j.deadline for j in self.jobs.values()]
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
        return not all(os.path.isdir(d) for d in self.anchors)

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
        """Hand one hook call to a worker; the parent watches it."""
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
        self._dispatch(job, {"kind": "hook", "header": header, "raw": raw, "env": env, "cwd": header.get("cwd"),
                             "timeout_s": timeout_s, "started": started})

    def _op(self, job: Job, op: str, header: dict[str, Any], raw: bytes) -> None:
        """A request other than a hook call (`ops`, e.g. approvals in system mode), in a worker
        like a check: its answer is whatever message the op returns."""
        uid = _peer(job.conn)[0]
        if op == "batch":  # `check --batch` (batchop.py): it runs where the caller ran, for as long as it said
            if self.installation.changed():
                self._finish(job, {"t": "refused", "why": "blastwall was updated; this checker restarts"})
                self.stopping = True
                return
            job.latest = time.monotonic() + _seconds(header.get("deadline_s"), OP_DEADLINE_S, MAX_BATCH_S)
            cwd = header.get("cwd")
        else:
            job.latest = time.monotonic() + OP_DEADLINE_S
            cwd = None
        job.send({"t": "accepted"})
        self._dispatch(job, {"kind": op, "header": header, "raw": raw, "env": self.env_for(header, uid),
                             "cwd": cwd, "uid": uid})

    def _task(self, job: dict[str, Any], result_w: int) -> Callable[[], dict[str, Any]]:
        """What a worker runs for `job` (a hook call or an op)."""
        header, raw = job["header"], job["raw"]
        if job["kind"] == "hook":
            return _hook_task(result_w, header, raw, job.get("timeout_s"), float(job.get("started") or 0.0),
                              self.runner)
        fn = self.ops[job["kind"]]
        return lambda: fn(header, raw, int(job.get("uid", -1)))

    # --- workers ------------------------------------------------------------------------------

    def _dispatch(self, job: Job, spec: dict[str, Any]) -> None:
        """Give the call to a free warm worker, or fork a one-shot worker for it."""
        self.keeper.ensure()
        data = workers.frame(wire.encode(spec))
        for worker in self.workers:
            if worker.ready and worker.job is None and worker.job_w >= 0:
                try:
                    workers.write_all(worker.job_w, data)
                except OSError:
                    self._retire(worker, kill=True)
                    continue
                worker.job, job.worker = job, worker
                return
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _oneshot(write_fd, spec, self._task)
        os.close(write_fd)
        worker = workers.Worker(pid, -1, read_fd)
        worker.ready, worker.job, job.worker = True, job, worker
        self._add(worker)

    def _add(self, worker: workers.Worker) -> None:
        os.set_blocking(worker.result_r, False)
        self.workers.append(worker)
        self.sel.register(worker.result_r, selectors.EVENT_READ, ("worker", worker))

    def _fill_pool(self) -> None:
        """Keep `pool` warm workers (called between calls only)."""
        while sum(1 for w in self.workers if w.job_w >= 0) < self.pool and not self.stopping:
            job_r, job_w = os.pipe()
            result_r, result_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(job_w)
                os.close(result_r)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                self._close_inherited()
                from blastwall.store import keep_open

                keep_open()  # this worker serves call after call: one store connection, not one per call
                workers.serve_jobs(job_r, result_w, self._task, self._prime)
                os._exit(0)
            os.close(job_r)
            os.close(result_w)
            self._add(workers.Worker(pid, job_w, result_r))

    def _prime(self) -> None:
        if self.scratch:
            sample_calls(self.scratch, approvals=False, samples=2, own=True)

    def _close_inherited(self) -> None:
        """In a new worker: nothing of the parent's connections or other workers stays open."""
        fds = [j.conn.fileno() for j in self.jobs.values()]
        fds += [fd for w in self.workers for fd in (w.job_w, w.result_r) if fd >= 0]
        fds += [s.fileno() for s in (self.sock, self.web) if s is not None]
        _close_quietly(*fds)

    def _from_worker(self, worker: workers.Worker) -> None:
        try:
            chunk = os.read(worker.result_r, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # it exited: a one-shot worker that answered, or one that crashed
            job = worker.job
            self._retire(worker, kill=False)
            if job is not None:
                self._finish(job, _blocked("the check crashed; `blastwall explain` shows what blastwall saw"))
            return
        for body in worker.frames(chunk):
            kind, rest = body[:1], body[1:]
            job = worker.job
            if kind == b"R":
                worker.ready = True
            elif kind == b"E" and job is not None:  # the check waits for a human
                try:
                    more = min(float(rest), MAX_EXTEND_S)
                except ValueError:
                    more = 0.0
                job.latest = min(max(job.latest, time.monotonic() + more), job.limit)
                job.send({"t": "extend", "s": more})
            elif kind in (b"A", b"X") and job is not None:
                worker.job, job.worker = None, None
                worker.calls += 1
                try:
                    answer = json.loads(rest) if kind == b"A" else None
                    if not isinstance(answer, dict) or "t" not in answer:
                        raise ValueError("no message")
                except ValueError:
                    answer = _blocked("the check failed; `blastwall explain` shows what blastwall saw")
                self._finish(job, answer)
                if worker.job_w < 0 or worker.calls >= workers.MAX_CALLS:
                    self._retire(worker, kill=False)

    def _retire(self, worker: workers.Worker, *, kill: bool) -> None:
        """Forget a worker: close its pipes (a warm one exits when its job pipe closes)."""
        if worker in self.workers:
            self.workers.remove(worker)
        try:
            self.sel.unregister(worker.result_r)
        except (KeyError, ValueError):
            pass
        _close_quietly(*(fd for fd in (worker.job_w, worker.result_r) if fd >= 0))
        worker.job_w = worker.result_r = -1
        if kill:
            try:
                os.kill(worker.pid, signal.SIGKILL)
            except OSError:
                pass
        self.exited.append(worker.pid)

    def _reap_exited(self) -> None:
        for pid in list(self.exited):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.exited.remove(pid)

    def _expire(self, now: float) -> None:
        for job in list(self.jobs.values()):
            if job.worker is None and now > job.deadline:
                self._drop(job)  # never sent its request
            elif job.worker is not None and now > job.latest:
                self._retire(job.worker, kill=True)
                job.worker = None
                self._finish(job, _blocked(f"the check did not finish within {now - job.started:.0f} s"))

    def _finish(self, job: Job, msg: dict[str, Any]) -> None:
        job.send(msg)
        self._drop(job)

    def _drop(self, job: Job) -> None:
        if job.worker is not None:  # nobody waits for this check any more: its worker goes
            self._retire(job.worker, kill=True)
            job.worker = None
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
        for worker in list(self.workers):
            self._retire(worker, kill=True)
        for pid in self.exited:
            _reap(pid)
        self.exited = []
        if self.scratch:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = ""
        self.keeper.close()


# --- the worker ---------------------------------------------------------------------------------


def _oneshot(result_w: int, spec: dict[str, Any],
             make_task: Callable[[dict[str, Any], int], Callable[[], dict[str, Any]]]) -> None:
    """In a worker forked for one call: take the caller's environment and folder, run it, send
    the answer framed as a warm worker does, exit."""
    body = b"X"
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        workers.close_in_forks(result_w)
        task = make_task(spec, result_w)
        os.environ.clear()
        os.environ.update(spec["env"])
        if isinstance(spec.get("cwd"), str):
            try:
                os.chdir(spec["cwd"])
            except OSError:
                pass
        body = b"A" + json.dumps(task(), ensure_ascii=True).encode("ascii")
    except BaseException:  # noqa: BLE001 - the parent blocks the call
        body = b"X"
    try:
        workers.write_all(result_w, workers.frame(body))
        os.close(result_w)  # the answer is complete now, not when this process has torn down its memory
    finally:
        os._exit(0)


def _hook_task(write_fd: int, header: dict[str, Any], raw: bytes, timeout_s: int | None, started: float,
               runner: Callable[[str, bytes], tuple[int, str, str]]) -> Callable[[], dict[str, Any]]:
    def task() -> dict[str, Any]:
        from blastwall.doors.hooks.base import set_budget, set_deadline_extender
        from blastwall.doors.hooks.budget import Budget

        def extend(seconds: float) -> None:
            workers.write_all(write_fd, workers.frame(f"E{float(seconds):.1f}".encode()))

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


def _seconds(value: Any, default: float, most: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return min(max(float(value), 1.0), most)
    return default


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


# A file whose read loads the credential check's formats, the detect-secrets plugins and the
# redacted view (made-up values in the shapes they look for).
_SAMPLE_TEXT = ("warm-up\nRAILWAY_TOKEN=00000000-1111-4222-8333-444444444444\n"
                "jwt: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YXJtIn0.c2lnbmF0dXJlLW9mLXRoZS13YXJtLXVw\n")


def sample_calls(scratch: str, *, approvals: bool, samples: int = len(_SAMPLES), own: bool = False) -> None:
    """Whole hook calls run in `scratch`: what a check touches is then loaded (and, in a warm
    worker, copied). With `own` they read this process's own configuration (never with
    approvals: nothing is written), so the caches keyed by it are filled as the real calls
    will key them; otherwise a throwaway configuration under `scratch` (policy, store, state)."""
    saved = dict(os.environ)
    try:
        if not own:
            _throwaway_configuration(scratch)
        approvals = approvals and not own
        from blastwall.doors.hooks import run_hook

        readme = os.path.join(scratch, "README.md")  # the Read sample: the content check, its detectors, a view
        if not os.path.exists(readme):
            with open(readme, "w", encoding="utf-8") as f:
                f.write(_SAMPLE_TEXT)

        for tool, tool_input in _SAMPLES[:samples]:
            raw = json.dumps({"session_id": "warm", "transcript_path": os.path.join(scratch, "t"), "cwd": scratch,
                              "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": tool_input}).encode()
            run_hook("claude-code", raw, approvals=approvals)
    except Exception as exc:  # noqa: BLE001
        _log(f"warm-up check failed: {type(exc).__name__}: {exc}")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _throwaway_configuration(scratch: str) -> None:
    """Point this process's configuration, store and state into `scratch` (the caller restores
    os.environ)."""
    os.environ.update(XDG_CONFIG_HOME=os.path.join(scratch, "config"),
                      XDG_STATE_HOME=os.path.join(scratch, "state"), XDG_DATA_HOME=os.path.join(scratch, "data"),
                      BLASTWALL_POLICY=os.path.join(scratch, "p.toml"),
                      BLASTWALL_DATABASE_URL="sqlite:///" + os.path.join(scratch, "warm.db"))
    if not os.path.exists(os.environ["BLASTWALL_POLICY"]):
        with open(os.environ["BLASTWALL_POLICY"], "w", encoding="utf-8") as f:
            f.write("")


def warm_batch(scratch: str) -> None:
    """What `check --batch` needs beyond a hook call (every analyzer, dialect, grammar and rule
    table: blastwall.batch.warm_up), loaded under a throwaway configuration."""
    saved = dict(os.environ)
    try:
        _throwaway_configuration(scratch)
        from blastwall.batch import warm_up
        from blastwall.policy.load import load_policy

        warm_up(load_policy(scratch), thorough=True)
    except Exception as exc:  # noqa: BLE001 - a batch then loads what it needs itself
        _log(f"batch warm-up failed: {type(exc).__name__}: {exc}")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def warm(*, batch: bool = False) -> None:
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
        if batch:
            warm_batch(scratch)
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
    warm(batch=True)
    from blastwall.locations import default_database_url

    from blastwall.locations import config_dir

    endpoint = httphook.load(config_dir())
    if endpoint is not None:
        idle_s = float("inf")  # Claude Code's HTTP hook has no client that would start it again
    from blastwall.daemon import batchop

    server = Server(where, idle_s=idle_s, store_url=default_database_url(), endpoint=endpoint,
                    ops={"batch": batchop.run})
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
