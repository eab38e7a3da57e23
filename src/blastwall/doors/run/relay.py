"""The hook relay: what the agent's hooks inside the sandbox talk to, outside it.

Inside `blastwall run`, the hook client finds this relay where it looks for the warm checker
(its socket is bound at the daemon socket path the client computes, so the C and the Python
client need no change). For each call the relay, outside the sandbox:

1. answers `accepted` (the daemon protocol, `daemon/wire.py`);
2. unless every action of the call only reads, takes a journal snapshot (`journal.py`): the
   work tree as it is before the action runs. A snapshot that fails blocks the call;
3. runs blastwall's own hook command for the agent (the C client or `python -I -S`, as
   `blastwall install` writes it) in the project folder with the environment `blastwall run`
   started with, so the check writes the audit log and files approval requests in the real
   store, which the sandbox cannot write; while it runs (an approval wait), `extend` frames keep
   the client waiting;
4. sends the hook's answer back, and notes the verdict beside the journal entry.

The relay never answers `refused` to a hook call: the client would then check in-process inside
the sandbox, without the journal.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from blastwall.daemon import wire
from blastwall.doors.owner_socket import owner_only
from blastwall.doors.run.journal import Journal

EXTEND_EVERY_S = 5.0
READ_S = 5.0
PROJECT_VARS = ("CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR", "GEMINI_CWD", "CURSOR_PROJECT_DIR")
CANARY_SESSION = "blastwall-doctor"  # doors/canary.py


class Call(NamedTuple):
    """One hook call the relay answered."""

    id: str  # the journal entry taken before it ("" for a read)
    ts: float
    agent: str
    session: str
    summary: str
    decision: str  # allow | ask | deny | failed
    detail: str


def _blocked(why: str) -> dict[str, Any]:
    return {"t": "answer", "code": 2, "out": "",
            "err": f"blastwall blocked this tool call: {why}; a human must review it.\n"}


class Relay:
    def __init__(self, path: str, *, project: str, journal: Journal | None, env: Mapping[str, str],
                 hook_command: Callable[[str, int], list[str]], run_id: str) -> None:
        self.path = path
        self.project = os.path.realpath(project)
        self.journal = journal
        self.env = dict(env)
        self.hook_command = hook_command
        self.run_id = run_id
        self.calls: list[Call] = []
        self.sessions: set[str] = set()
        self.started = False  # the agent is running: canary calls are journaled like any other
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with owner_only():
            self.sock.bind(path)
        self.sock.listen(64)
        self.thread = threading.Thread(target=self._serve, daemon=True, name="blastwall-run-relay")
        self.closed = False

    def start(self) -> Relay:
        self.thread.start()
        return self

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def _serve(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _peer_ok(self, conn: socket.socket) -> bool:
        try:
            _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        except OSError:
            return False
        return uid == os.getuid()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                if not self._peer_ok(conn):
                    return
                deadline = time.monotonic() + READ_S
                header = wire.recv_msg(conn, deadline)
                raw = wire.recv_frame(conn, deadline, wire.MAX_PAYLOAD)
                op = header.get("op")
                if op == "ping":
                    conn.sendall(wire.pack_msg({"t": "pong", "pid": os.getpid(), "uid": os.getuid(),
                                                "version": "run", "mode": "run"}))
                    return
                if op != "hook" or not isinstance(header.get("agent"), str):
                    conn.sendall(wire.pack_msg({"t": "refused", "why": "the run relay answers hook calls only"}))
                    return
                conn.sendall(wire.pack_msg({"t": "accepted"}))
                conn.sendall(wire.pack_msg(self.answer(conn, header, raw)))
            except (wire.WireError, OSError):
                return

    # --- one call -------------------------------------------------------------------------------

    def answer(self, conn: socket.socket | None, header: dict[str, Any], raw: bytes) -> dict[str, Any]:
        agent = str(header["agent"])
        hook_env = header.get("env") if isinstance(header.get("env"), dict) else {}
        actions, summary, session, reads_only = _describe(agent, raw, hook_env)
        canary = session == CANARY_SESSION and not self.started
        entry_id = ""
        if self.journal is not None and not reads_only and not canary:
            try:
                entry = self.journal.snapshot("action", action=summary, agent=agent, session=session, run=self.run_id)
                entry_id = entry.id
            except Exception as exc:  # noqa: BLE001 - no snapshot, no run: fail closed
                return _blocked(f"the work-tree journal could not take a snapshot ({type(exc).__name__}: "
                                f"{str(exc)[:160]})")
        code, out, err = self._check(conn, agent, header, raw, hook_env)
        from blastwall.doors.canary import read_answer

        verdict = read_answer(agent, code, out, err)
        if entry_id and self.journal is not None:
            with contextlib.suppress(OSError):
                self.journal.note(entry_id, decision=verdict.decision)
        if not canary:
            with self.lock:
                if session:
                    self.sessions.add(session)
                self.calls.append(Call(entry_id, time.time(), agent, session, summary, verdict.decision,
                                       verdict.detail))
        return {"t": "answer", "code": code, "out": out, "err": err}

    def _cwd(self, raw: bytes, hook_env: Mapping[str, Any], header: dict[str, Any]) -> str:
        for candidate in (_payload_cwd(raw), header.get("cwd")):
            if isinstance(candidate, str) and candidate:
                real = os.path.realpath(candidate)
                if _inside(real, self.project):
                    return real
        return self.project

    def _check(self, conn: socket.socket | None, agent: str, header: dict[str, Any], raw: bytes,
               hook_env: Mapping[str, Any]) -> tuple[int, str, str]:
        timeout = header.get("timeout_s")
        started = header.get("started")
        budget = 30.0
        if isinstance(timeout, int) and isinstance(started, (int, float)):
            budget = max(3.0, started + timeout - time.monotonic() - 1.0)
        env = dict(self.env)
        for name in PROJECT_VARS:
            value = hook_env.get(name)
            if isinstance(value, str) and _inside(os.path.realpath(value), self.project):
                env[name] = value
        argv = self.hook_command(agent, max(3, min(600, int(budget))))
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=self._cwd(raw, hook_env, header), env=env)
        except OSError as exc:
            return 2, "", f"blastwall blocked this tool call: its check could not start ({exc}); a human must review it.\n"
        result: dict[str, bytes] = {}

        def talk() -> None:
            result["out"], result["err"] = proc.communicate(raw)

        worker = threading.Thread(target=talk, daemon=True)
        worker.start()
        limit = time.monotonic() + budget + 2.0
        while worker.is_alive():
            worker.join(EXTEND_EVERY_S)
            if not worker.is_alive():
                break
            if time.monotonic() > limit:
                proc.kill()
                worker.join()
                return 2, "", "blastwall blocked this tool call: its check did not finish in time; a human must review it.\n"
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(wire.pack_msg({"t": "extend", "s": EXTEND_EVERY_S * 2}))
        return proc.returncode, result.get("out", b"").decode("utf-8", "replace"), \
            result.get("err", b"").decode("utf-8", "replace")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _payload_cwd(raw: bytes) -> str | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("cwd") or data.get("directory")
    return value if isinstance(value, str) else None


def _describe(agent: str, raw: bytes, env: Mapping[str, Any]) -> tuple[list[Any], str, str, bool]:
    """(actions, one-line redacted summary, session id, only reads) of a hook payload. What
    cannot be read is taken as not only reading, so it gets a snapshot."""
    try:
        import importlib

        from blastwall.approvals.requests import summary
        from blastwall.doors.hooks import _MODULES
        from blastwall.model import Surface

        data = json.loads(raw)
        door = importlib.import_module(f"blastwall.doors.hooks.{_MODULES[agent]}").DOOR
        actions = door.actions(data, {k: v for k, v in env.items() if isinstance(v, str)})
    except Exception:  # noqa: BLE001
        return [], "(a tool call blastwall could not read)", "", False
    if not actions:
        return [], "", "", True
    session = actions[0].context.session or ""
    reads_only = all(a.surface == Surface.FILE_READ for a in actions)
    return actions, summary(actions), session, reads_only
