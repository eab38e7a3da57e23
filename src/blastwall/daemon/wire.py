"""The daemon's protocol on its Unix socket, version 1 (standard library only).

Every message is a frame: a 4-byte big-endian length, then that many bytes. A request is two
frames: a JSON header, then the agent's raw payload bytes as they came on the hook's stdin.

    header  {"v": 1, "op": "hook", "agent": "claude-code", "timeout_s": 30 | null,
             "started": <time.monotonic() when the hook process started>,
             "cwd": "/path", "env": {...}}
    payload b'{"tool_name": "Bash", ...}'

The daemon answers with JSON frames:

    {"t": "accepted"}                    the check runs (sent at once; no frame: not answering)
    {"t": "extend", "s": 120.0}          the check waits for a human; wait that much longer
    {"t": "answer", "code": 2, "out": "...", "err": "..."}   what the hook prints and its exit code
    {"t": "refused", "why": "..."}       the daemon will not check this (version, size, peer):
                                         the client checks in-process

`op: "ping"` answers {"t": "pong", "pid": N, "uid": N, "version": "...", "mode": "user"|"system"}.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

VERSION = 1
MAX_HEADER = 1024 * 1024  # an environment and a path; more is not a real hook call
MAX_PAYLOAD = 8 * 1024 * 1024 + 1  # the hook door refuses more than 4 MiB itself
_LEN = struct.Struct(">I")


class WireError(Exception):
    """The peer broke the protocol, went away, or took too long."""


class WireTimeout(WireError):
    """The peer did not send in time."""


def pack(data: bytes) -> bytes:
    return _LEN.pack(len(data)) + data


def pack_json(obj: dict[str, Any]) -> bytes:
    return pack(json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii"))


def recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    """`n` bytes from a blocking socket before `deadline` (time.monotonic())."""
    chunks: list[bytes] = []
    left = n
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WireTimeout("timed out")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(left, 1 << 20))
        except TimeoutError as exc:
            raise WireTimeout("timed out") from exc
        except OSError as exc:
            raise WireError(f"connection lost ({exc.strerror or exc})") from exc
        if not chunk:
            raise WireError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket, deadline: float, limit: int) -> bytes:
    (size,) = _LEN.unpack(recv_exact(sock, 4, deadline))
    if size > limit:
        raise WireError(f"frame of {size} bytes is over the {limit}-byte limit")
    return recv_exact(sock, size, deadline) if size else b""


def recv_json(sock: socket.socket, deadline: float, limit: int = MAX_HEADER) -> dict[str, Any]:
    raw = recv_frame(sock, deadline, limit)
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise WireError("frame is not JSON") from exc
    if not isinstance(obj, dict):
        raise WireError("frame is not a JSON object")
    return obj


class FrameReader:
    """Incremental frames from a non-blocking stream (the daemon side)."""

    def __init__(self, limits: tuple[int, ...]) -> None:
        self.buf = bytearray()
        self.limits = limits  # the size limit of each expected frame, in order
        self.frames: list[bytes] = []

    def feed(self, data: bytes) -> bool:
        """Add bytes; True when every expected frame is complete. Raises WireError on a bad size."""
        self.buf += data
        while len(self.frames) < len(self.limits) and len(self.buf) >= 4:
            (size,) = _LEN.unpack(self.buf[:4])
            if size > self.limits[len(self.frames)]:
                raise WireError(f"frame of {size} bytes is over the limit")
            if len(self.buf) < 4 + size:
                break
            self.frames.append(bytes(self.buf[4:4 + size]))
            del self.buf[:4 + size]
        return len(self.frames) == len(self.limits)
