"""The stdio relay: the real server as a child process, its pipes bridged to ours.

    client ──stdin──► [client thread] ──► server's stdin          (tools/call: checked first)
    client ◄─stdout── [server thread] ◄── server's stdout         (tools/list: hints learned)
                      [check threads] ──► server's stdin or client (one per tools/call)

- Every client line is parsed (strictly, see wire.py); a `tools/call` is handed to its own
  thread, so a call held for a human's approval never stops the other traffic: other calls,
  pings, notifications and server-to-client requests flow on meanwhile. Calls may therefore
  reach the server in another order than they were sent, as JSON-RPC allows; everything that
  is not a tools/call is forwarded at once, byte for byte.
- `notifications/cancelled` for a call still being checked is kept from the server (it never
  saw the request); the check stops (a waiting approval too) and nothing is answered. For a
  call already forwarded it goes on to the server as usual.
- Lines the proxy cannot pass on (not JSON, duplicate keys, larger than the cap) are answered
  with a JSON-RPC error and dropped. Server lines are never parsed except responses to the
  client's tools/list requests; a server line past the cap is streamed through in pieces.
- The child runs in its own process group; SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded
  to it. When the client closes stdin, pending checks finish, the server's stdin is closed
  and the server gets `grace_s` to exit before SIGTERM (and again before SIGKILL). The proxy
  exits with the server's status (128 + N when signal N ended it).
- Only protocol goes to stdout; diagnostics go to stderr, one line each.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

from blastwall.doors.mcp_proxy import wire
from blastwall.doors.mcp_proxy.guard import Guard, Ruling

MAX_CHECKS = 256  # tool calls being checked at once; more are refused
FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
BATCH_REFUSED = ("Invalid Request: blastwall did not forward this batch because it holds a tool call that was "
                 "blocked; send the requests one at a time")


def note(text: str) -> None:
    """One diagnostic line on stderr (never stdout: that is the protocol)."""
    with contextlib.suppress(OSError):
        os.write(2, f"blastwall mcp-proxy: {text}\n".encode("utf-8", "replace"))


class Pipe:
    """Whole lines to a file descriptor, one writer at a time. A closed reader is noted once and
    later writes are dropped (the relay learns of the end from the other direction)."""

    def __init__(self, fd: int, label: str, closer: Any = None) -> None:
        self.fd, self.label, self._closer = fd, label, closer
        self.lock = threading.RLock()
        self.broken = False

    def raw(self, data: bytes) -> None:
        with self.lock:
            if self.broken:
                return
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(self.fd, view):]
            except OSError as exc:
                self.broken = True
                note(f"cannot write to the {self.label} ({exc.strerror or exc}); dropping what follows")

    def line(self, data: bytes) -> None:
        self.raw(data + b"\n")

    def close(self) -> None:
        with self.lock:
            self.broken = True
            with contextlib.suppress(OSError):
                if self._closer is not None:
                    self._closer()
                else:
                    os.close(self.fd)


class _Pending:
    """One tool call being checked."""

    def __init__(self, msg_id: Any) -> None:
        self.msg_id = msg_id
        self.cancelled = threading.Event()


class Relay:
    def __init__(self, argv: Sequence[str], guard: Guard, *, max_line: int = wire.MAX_LINE, grace_s: float = 5.0,
                 client_in: int = 0, client_out: int = 1) -> None:
        self.argv, self.guard, self.max_line, self.grace_s = list(argv), guard, max_line, grace_s
        self.client_in = client_in
        self.client = Pipe(client_out, "client")
        self.server: Pipe | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self._pending: dict[str, list[_Pending]] = {}
        self._pending_lock = threading.Lock()
        self._checks: set[threading.Thread] = set()
        self._checks_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CHECKS)
        self._client_done = threading.Event()

    # --- lifetime ----------------------------------------------------------------------------

    def run(self) -> int:
        try:
            self.child = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                                          process_group=0)
        except OSError as exc:
            note(f"cannot start the server {self.argv[0]!r}: {exc.strerror or exc}")
            return 127 if isinstance(exc, FileNotFoundError) else 126
        assert self.child.stdin is not None and self.child.stdout is not None
        self.server = Pipe(self.child.stdin.fileno(), "server", self.child.stdin.close)
        previous = self._forward_signals()
        from_server = threading.Thread(target=self._server_loop, name="mcp-from-server", daemon=True)
        from_client = threading.Thread(target=self._client_loop, name="mcp-from-client", daemon=True)
        from_server.start()
        from_client.start()
        try:
            status = self.child.wait()
        finally:
            self._restore_signals(previous)
        from_server.join(timeout=2.0)  # what the server wrote before it exited still goes out
        self.guard.stores.close()
        if not self._client_done.is_set() and status != 0:
            note(f"the server exited with status {status} while the client was still connected")
        return 128 - status if status < 0 else status

    def _forward_signals(self) -> dict[int, Any]:
        previous: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return previous
        for name in FORWARDED_SIGNALS:
            signum = getattr(signal, name, None)
            if signum is not None:
                previous[signum] = signal.signal(signum, self._relay_signal)
        return previous

    @staticmethod
    def _restore_signals(previous: dict[int, Any]) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _relay_signal(self, signum: int, frame: Any) -> None:
        if self.child is not None and self.child.poll() is None:
            with contextlib.suppress(OSError):
                self.child.send_signal(signum)

    def _client_closed(self) -> None:
        """The client's stdin ended: let the checks finish, close the server's stdin, and give
        the server `grace_s` to exit on its own before asking it to (SIGTERM), then forcing it."""
        with self._checks_lock:
            checks = list(self._checks)
        for thread in checks:
            thread.join()
        self._client_done.set()
        assert self.server is not None and self.child is not None
        self.server.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                self.child.wait(timeout=self.grace_s)
                return
            except subprocess.TimeoutExpired:
                note(f"the server did not exit after its input closed; sending {sig.name}")
                self._relay_signal(sig, None)

    # --- server → client ---------------------------------------------------------------------

    def _server_loop(self) -> None:
        assert self.child is not None and self.child.stdout is not None
        streaming = False
        for kind, data in wire.LineReader(self.child.stdout.fileno(), self.max_line).chunks():
            if kind == "line":
                if self.guard.hints.waiting:
                    self._learn(data)
                self.client.line(data)
            elif kind == "part":
                if not streaming:  # hold the client's pipe so no other line lands inside this one
                    self.client.lock.acquire()
                    streaming = True
                self.client.raw(data)
            else:
                self.client.line(data)
                if streaming:
                    self.client.lock.release()
                    streaming = False
        if streaming:
            self.client.lock.release()

    def _learn(self, data: bytes) -> None:
        try:
            msg = wire.parse(data)
        except wire.BadMessage:
            return
        for m in msg if isinstance(msg, list) else [msg]:
            if isinstance(m, dict) and "method" not in m and "result" in m and "id" in m:
                if self.guard.hints.claim(wire.id_key(m["id"])):
                    self.guard.hints.learn(m["result"])

    # --- client → server ---------------------------------------------------------------------

    def _client_loop(self) -> None:
        prefix = b""
        for kind, data in wire.LineReader(self.client_in, self.max_line).chunks():
            if kind == "line":
                try:
                    self._from_client(data)
                except Exception as exc:  # noqa: BLE001 - one bad line never ends the relay
                    note(f"dropped a client message ({type(exc).__name__})")
                    self.client.line(wire.error(None, wire.INVALID_REQUEST, "Invalid Request: blastwall could "
                                                "not read this message"))
            elif kind == "part":
                prefix = prefix or data[:wire.PREFIX_KEEP]
            else:
                msg_id = wire.id_from_prefix(prefix or data[:wire.PREFIX_KEEP])
                prefix = b""
                note(f"refused a client message larger than {self.max_line} bytes")
                self.client.line(wire.error(msg_id, wire.INVALID_REQUEST, f"Invalid Request: the message is "
                                            f"larger than blastwall's limit of {self.max_line} bytes"))
        self._client_closed()

    def _from_client(self, data: bytes) -> None:
        assert self.server is not None
        if not data.strip():
            return
        try:
            msg = wire.parse(data)
        except wire.BadMessage as exc:
            self.client.line(wire.error(exc.msg_id, exc.code, exc.message))
            return
        batch = isinstance(msg, list)
        messages = msg if batch else [msg]
        calls = [m for m in messages if wire.method_of(m) == "tools/call"]
        for m in messages:
            if wire.method_of(m) == "tools/list" and "id" in m:
                self.guard.hints.expect(wire.id_key(m["id"]))
        if not calls:
            self._pass(data, messages, batch)
            return
        if not self._slots.acquire(blocking=False):
            self._answer_busy(calls, batch)
            return
        pending = [_Pending(m.get("id")) for m in calls]
        with self._pending_lock:
            for p, m in zip(pending, calls, strict=True):
                if "id" in m:
                    self._pending.setdefault(wire.id_key(p.msg_id), []).append(p)
        thread = threading.Thread(target=self._check, args=(data, messages, calls, pending, batch),
                                  name="mcp-check", daemon=True)
        with self._checks_lock:
            self._checks.add(thread)
        thread.start()

    def _pass(self, data: bytes, messages: list[Any], batch: bool) -> None:
        """Forward a line without tool calls; a cancellation of a call still being checked stops
        that check instead (the server never saw the call)."""
        assert self.server is not None
        with self._pending_lock:
            swallowed = False
            for m in messages:
                if wire.method_of(m) == "notifications/cancelled" and "id" not in m:
                    params = m.get("params")
                    target = params.get("requestId") if isinstance(params, dict) else None
                    waiting = self._pending.get(wire.id_key(target), [])
                    for p in waiting:
                        p.cancelled.set()
                    swallowed = swallowed or bool(waiting)
            if not (swallowed and not batch):
                self.server.line(data)

    def _answer_busy(self, calls: list[Any], batch: bool) -> None:
        note(f"refused a tool call: {MAX_CHECKS} calls are being checked already")
        answers = [wire.error(m["id"], wire.SERVER_BUSY, f"blastwall is checking {MAX_CHECKS} tool calls "
                                                         "already; retry this one later")
                   for m in calls if "id" in m]
        if answers:
            self.client.line(b"[" + b",".join(answers) + b"]" if batch else answers[0])

    # --- checks ------------------------------------------------------------------------------

    def _check(self, data: bytes, messages: list[Any], calls: list[Any], pending: list[_Pending],
               batch: bool) -> None:
        try:
            rulings = [self.guard.check(m.get("params"), p.cancelled) for m, p in zip(calls, pending, strict=True)]
            self._conclude(data, messages, calls, pending, rulings, batch)
        except Exception as exc:  # noqa: BLE001 - a failed check blocks the call, never forwards it
            note(f"a tool call check failed ({type(exc).__name__}); the call was blocked")
            with self._pending_lock:
                self._drop_pending(pending)
            for m in calls:
                if "id" in m:
                    self.client.line(wire.error(m["id"], wire.INVALID_REQUEST, "blastwall could not check this "
                                                                               "tool call; it was not forwarded"))
        finally:
            self._slots.release()
            with self._checks_lock:
                self._checks.discard(threading.current_thread())

    def _drop_pending(self, pending: list[_Pending]) -> None:
        """Forget `pending` (the caller holds `_pending_lock`)."""
        for p in pending:
            key = wire.id_key(p.msg_id)
            waiting = self._pending.get(key)
            if waiting is not None and p in waiting:
                waiting.remove(p)
                if not waiting:
                    del self._pending[key]

    def _conclude(self, data: bytes, messages: list[Any], calls: list[Any], pending: list[_Pending],
                  rulings: list[Ruling], batch: bool) -> None:
        assert self.server is not None
        with self._pending_lock:  # forward before a later cancellation can reach the server
            self._drop_pending(pending)
            live = [(m, r) for m, r, p in zip(calls, rulings, pending, strict=True) if not p.cancelled.is_set()]
            if not batch and not live:
                return
            if all(r.forward for _, r in live):
                self.server.line(data)
                return
        answers = [_answer(m, r) for m, r in live if "id" in m and not r.forward]
        for m, r in live:
            if "id" not in m and not r.forward:
                note(f"dropped a tool call sent as a notification ({r.decision}): {r.text[:200]}")
        if batch:
            call_ids = {id(m) for m in calls}
            answers += [wire.error(m["id"], wire.INVALID_REQUEST, BATCH_REFUSED) for m in messages
                        if wire.is_request(m) and id(m) not in call_ids]
            answers += [wire.error(m["id"], wire.INVALID_REQUEST, BATCH_REFUSED) for m, r in live
                        if "id" in m and r.forward]
            if answers:
                self.client.line(b"[" + b",".join(answers) + b"]")
        elif answers:
            self.client.line(answers[0])


def _answer(msg: dict[str, Any], ruling: Ruling) -> bytes:
    if ruling.rpc_error is not None:
        return wire.error(msg["id"], *ruling.rpc_error)
    return wire.refusal(msg["id"], ruling.text, ruling.meta())


def run_relay(argv: Sequence[str], guard: Guard, **options: Any) -> int:
    """Run the proxy until the server exits; returns the exit status for the proxy."""
    if not argv:
        note("no server command given (blastwall mcp-proxy [OPTIONS] -- SERVER ARGS...)")
        return 2
    client_in, client_out = _own_protocol_fds()
    return Relay(argv, guard, client_in=client_in, client_out=client_out, **options).run()


def _own_protocol_fds() -> tuple[int, int]:
    """Private copies of stdin and stdout for the protocol; fd 0 becomes /dev/null and fd 1 a
    copy of stderr, so a stray print or a subprocess that inherits them can neither corrupt the
    client's stream nor eat its input."""
    sys.stdout.flush()
    client_in, client_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return client_in, client_out
