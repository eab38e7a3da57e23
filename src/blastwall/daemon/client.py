"""What `blastwall hook` does with the daemon (standard library only).

    answer = ask("claude-code", raw, timeout_s=30, started=t0, deadline=t0 + 25, env=os.environ)

`ask` returns the daemon's `Answer`, or None when the caller must check in-process: the daemon
is not running (it is started for the next call), is switched off, refused the call, did not
accept it within `ACCEPT_S`, or went away mid-check. A daemon that accepted a call but does not
answer by the deadline gets a blocking answer: never an allow.

In system mode the daemon is the only checker (the hook's own user cannot write the store or the
audit log): when it cannot be reached the answer blocks and names the fix.
"""

from __future__ import annotations

import os
import sys
import time
from _socket import AF_UNIX, SOCK_STREAM
from _socket import socket as _socket_type

from blastwall.daemon import place as places
from blastwall.daemon import wire

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - the hook client imports only the cheapest modules
    from collections.abc import Mapping

ACCEPT_S = 0.5  # a warm daemon accepts in well under a millisecond; a busy machine gets this long
MAX_EXTEND_S = 600.0  # the longest a check waiting for an approval may hold the agent
GRACE_S = 0.5  # past the daemon's own deadline before the client answers for it


class Answer(tuple):  # (code, out, err); a plain tuple class: NamedTuple would import typing
    __slots__ = ()

    def __new__(cls, code: int, out: str, err: str) -> Answer:
        return tuple.__new__(cls, (code, out, err))

    code = property(lambda self: self[0])
    out = property(lambda self: self[1])
    err = property(lambda self: self[2])


def blocked(why: str) -> Answer:
    return Answer(2, "", f"blastwall blocked this tool call: {why}; a human must review it.\n")


def ask(agent: str, raw: bytes, *, timeout_s: int | None, started: float, deadline: float,
        env: Mapping[str, str], cwd: str | None = None) -> Answer | None:
    system = places.system_mode()
    if not system and not places.enabled(env):
        return None
    where = places.system_place() if system else places.user_place(env)
    if where is None:
        return None
    sock = _connect(where, system)
    if sock is None:
        if system:
            return blocked("blastwall's checker is not running (system mode); an administrator should run "
                           "`sudo systemctl start blastwall` or `blastwall daemon start --system`")
        spawn(env)
        return None
    try:
        header = {"v": wire.VERSION, "op": "hook", "agent": agent, "timeout_s": timeout_s, "started": started,
                  "cwd": cwd if cwd is not None else _cwd(), "env": dict(env)}
        sock.settimeout(ACCEPT_S)
        sock.sendall(wire.pack_msg(header) + wire.pack(raw))
        first = wire.recv_msg(sock, time.monotonic() + ACCEPT_S)
        if first.get("t") != "accepted":
            return blocked(f"blastwall's checker refused the call ({str(first.get('why', '?'))[:100]})") \
                if system else None
        latest = deadline + GRACE_S
        while True:
            try:
                msg = wire.recv_msg(sock, latest)
            except wire.WireTimeout:
                return blocked(f"the check did not finish within {time.monotonic() - started:.0f} s")
            except wire.WireError:
                return blocked("blastwall's checker went away mid-check") if system else None
            kind = msg.get("t")
            if kind == "answer":
                return Answer(int(msg.get("code", 2)), str(msg.get("out", "")), str(msg.get("err", "")))
            if kind == "extend":
                try:
                    more = min(float(msg.get("s", 0)), MAX_EXTEND_S)
                except (TypeError, ValueError):
                    more = 0.0
                limit = started + MAX_EXTEND_S + 30 if timeout_s is None else started + timeout_s
                latest = min(max(latest, time.monotonic() + more + GRACE_S), limit)
    except wire.WireError:
        return blocked("blastwall's checker did not accept the call") if system else None
    except OSError:
        return blocked("blastwall's checker connection failed") if system else None
    finally:
        sock.close()


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def _connect(where: places.Place, system: bool) -> _socket_type | None:
    try:
        st = os.lstat(where.socket)
    except OSError:
        return None
    if st.st_mode & 0o170000 != 0o140000:  # not a socket (stat.S_ISSOCK without importing stat)
        return None
    if not system and st.st_uid != os.getuid():
        return None  # not ours: never ask a checker someone else runs
    if system:
        try:
            folder = os.lstat(where.folder)
        except OSError:
            return None
        if folder.st_uid != 0 and not _service_owned(folder.st_uid):
            return None
    sock = _socket_type(AF_UNIX, SOCK_STREAM)
    sock.settimeout(ACCEPT_S)
    try:
        sock.connect(where.socket)
    except OSError as exc:
        sock.close()
        if isinstance(exc, (ConnectionRefusedError, FileNotFoundError)) and not system:
            try:  # a stale socket file left by a daemon that died: the next daemon binds afresh
                os.unlink(where.socket)
            except OSError:
                pass
        return None
    return sock


def _service_owned(uid: int) -> bool:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name == "blastwall"
    except (KeyError, ImportError):
        return False


def spawn(env: Mapping[str, str]) -> bool:
    """Start the user-level daemon in the background (detached, its own session). Many hooks may
    race here; the daemon holds a lock, so only one stays. True when a start was attempted."""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        return True
    try:  # the child: detach, and let a grandchild become the daemon
        os.setsid()
        if os.fork():
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execve(sys.executable, [sys.executable, *start_args()], dict(env))
    except BaseException:  # noqa: BLE001 - a failed start is the next call's in-process check
        pass
    os._exit(0)


def start_args() -> list[str]:
    """The interpreter arguments that start the daemon the way this process was started: with
    `-I -S` and an explicit path when the hook was (no `.pth` files, no `PYTHON*` variables)."""
    if "site" in sys.modules:
        return ["-m", "blastwall.daemon.server"]
    return ["-I", "-S", "-c", f"import sys; sys.path[:0] = {sys.path!r}; "
                              "from blastwall.daemon.server import main; main()"]


def call(op: str, fields: dict[str, object] | None = None, payload: bytes = b"", *, env: Mapping[str, str],
         system: bool | None = None, timeout_s: float = 35.0, accept_s: float | None = None,
         limit: int = wire.MAX_HEADER) -> dict[str, object] | None:
    """Send the daemon a request other than a hook call (`ping`, `stop`, `batch`, the server's
    `ops` such as system mode's approvals) and return its final message, or None when no daemon
    answered. `accept_s`: the first message must come that soon; `limit`: the largest answer."""
    system = places.system_mode() if system is None else system
    where = places.system_place() if system else places.user_place(env, create=False)
    if where is None:
        return None
    sock = _connect(where, system)
    if sock is None:
        return None
    try:
        sock.sendall(wire.pack_msg({"v": wire.VERSION, "op": op, **(fields or {})}) + wire.pack(payload))
        deadline = time.monotonic() + timeout_s
        msg = wire.recv_msg(sock, min(deadline, time.monotonic() + accept_s) if accept_s else deadline, limit)
        while msg.get("t") in ("accepted", "extend"):
            msg = wire.recv_msg(sock, deadline, limit)
        return msg
    except (wire.WireError, OSError):
        return None
    finally:
        sock.close()


def ping(env: Mapping[str, str], *, system: bool | None = None, timeout_s: float = 1.0) -> dict[str, object] | None:
    """The running daemon's `pong` (pid, uid, version, mode), or None."""
    return call("ping", env=env, system=system, timeout_s=timeout_s)


def stop(env: Mapping[str, str], *, system: bool | None = None) -> bool:
    """Ask the daemon to exit; True when one answered."""
    msg = call("stop", env=env, system=system, timeout_s=2.0)
    return bool(msg and msg.get("t") == "stopping")
