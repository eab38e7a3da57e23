"""Which data plane moves the bytes: the compiled one (`_lane.c`) when it was built, else the
pure-Python one (plane.py, pipe.py). Both relay the same bytes with the same semantics; the
compiled one also frames a connection's steady-state traffic itself (Bind/Execute/Sync and the
server's answers), handing only the messages the session reads to Python.

`BLASTWALL_PG_PLANE=python` (or `--plane python`) forces the pure-Python plane.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from blastwall.doors.pg_proxy import plane as pyplane
from blastwall.doors.pg_proxy.pipe import Pipe

log = logging.getLogger("blastwall.pg_proxy")

CHOICES = ("auto", "compiled", "python")


def _compiled() -> Any:
    try:
        return importlib.import_module("blastwall.doors.pg_proxy._lane")
    except ImportError:
        return None


def planes() -> list[str]:
    """The data planes this installation can run."""
    return ["compiled", "python"] if _compiled() is not None else ["python"]


def resolve(choice: str = "auto") -> str:
    """The plane `choice` (or $BLASTWALL_PG_PLANE) runs: "compiled" or "python". Raises ValueError."""
    choice = os.environ.get("BLASTWALL_PG_PLANE", "") or choice
    if choice not in CHOICES:
        raise ValueError(f"the data plane is one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "python":
        return "python"
    if _compiled() is None:
        if choice == "compiled":
            raise ValueError("the compiled data plane is not built (reinstall blastwall where a C compiler is "
                             "installed, or use --plane python)")
        return "python"
    return "compiled"


def guarded(fn: Callable[..., None], lost: Callable[[], None] | None) -> Callable[..., None]:
    """`fn` for the compiled plane to call: an error inside it is logged and closes that connection
    (`lost`), never the proxy, as on the Python plane (pipe.py)."""
    def call(*args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - one connection's bug never stops the others
            log.exception("pg-proxy: closing a connection after an internal error")
            if lost is not None:
                try:
                    lost()
                except Exception:  # noqa: BLE001
                    log.exception("pg-proxy: closing the connection failed")
    return call


class Counts:
    """What both directions of a connection share (the compiled plane has its own, in C)."""

    __slots__ = ("sent", "ready", "status", "unsynced")

    def __init__(self) -> None:
        self.sent = 1  # Query/Sync/FunctionCall forwarded, counting the start-up (each gets one ReadyForQuery)
        self.ready = 0  # ReadyForQuery received
        self.status = ord("I")
        self.unsynced = 0  # extended-protocol messages forwarded since the last Sync


class Lane:
    """One data plane and the factories for what lives on it."""

    def __init__(self, choice: str = "auto") -> None:
        self.name = resolve(choice)
        module = _compiled() if self.name == "compiled" else None
        self._c = module
        self.compiled = module is not None
        self.plane: Any = module.Plane() if module is not None else pyplane.Plane()
        self.READ: int = module.READ if module is not None else pyplane.READ

    def counts(self) -> Any:
        return self._c.Counts() if self._c is not None else Counts()

    def pipe(self, sock: socket.socket, lock: threading.Lock, on_data: Callable[[bytes], None],
             on_lost: Callable[[], None], on_full: Callable[[], None], on_drained: Callable[[], None]) -> Any:
        """A relaying socket; the compiled plane takes over the descriptor (the socket object is detached)."""
        Pipe.prepare(sock)
        if self._c is None:
            return Pipe(self.plane, sock, lock, on_data, on_lost, on_full, on_drained)
        return self._c.Port(self.plane, sock.detach(), lock, guarded(on_data, on_lost), guarded(on_lost, None),
                            guarded(on_full, on_lost), guarded(on_drained, on_lost))

    def link(self, client: Any, server: Any, counts: Any) -> None:
        """Let the compiled plane forward between these two sockets itself (see `Session._go_fast`)."""
        if self._c is not None:
            client.link(server, self._c.CLIENT, counts)
            server.link(client, self._c.SERVER, counts)
