"""The daemon's protocol on its Unix socket, version 1 (standard library only, and only its
cheapest modules: the hook client starts in the time of a bare interpreter, so nothing here
imports `json`, `re`, `enum` or `typing`).

Every message is a frame: a 4-byte big-endian length, then that many bytes. A message's bytes
are fields, each a 4-byte length and its bytes, alternating key and value; a value starts with
a tag: `s` text (UTF-8, lone surrogates kept), `i` integer, `f` float, `n` None, `b` boolean,
`y` bytes, `m` a nested message (an environment), `j` JSON (anything else; imported only then).

A hook call is two frames: a header message, then the agent's raw payload bytes.

    header  {"v": 1, "op": "hook", "agent": "claude-code", "timeout_s": 30 | None,
             "started": <time.monotonic() when the hook process started>,
             "cwd": "/path", "env": {...}}

The daemon answers with messages:

    {"t": "accepted"}                    the check runs (sent at once; no frame: not answering)
    {"t": "extend", "s": 120.0}          the check waits for a human; wait that much longer
    {"t": "answer", "code": 2, "out": "...", "err": "..."}   what the hook prints and its exit code
    {"t": "refused", "why": "..."}       the daemon will not check this (version, size, peer):
                                         the client checks in-process

`op: "ping"` answers {"t": "pong", "pid": N, "uid": N, "version": "...", "mode": "user"|"system"};
`op: "stop"` answers {"t": "stopping"}; other ops (system mode's approvals) answer
{"t": "result", ...}.
"""

from __future__ import annotations

import time
from _struct import Struct

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import socket
    from typing import Any

VERSION = 1
MAX_HEADER = 1024 * 1024  # an environment and a path; more is not a real hook call
MAX_PAYLOAD = 8 * 1024 * 1024 + 1  # the hook door refuses more than 4 MiB itself
MAX_DEPTH = 3
_LEN = Struct(">I")


class WireError(Exception):
    """The peer broke the protocol, went away, or took too long."""


class WireTimeout(WireError):
    """The peer did not send in time."""


def pack(data: bytes) -> bytes:
    return _LEN.pack(len(data)) + data


def _value(v: Any, depth: int) -> bytes:
    if v is None:
        return b"n"
    if v is True or v is False:
        return b"b1" if v else b"b0"
    if isinstance(v, int):
        return b"i" + str(v).encode()
    if isinstance(v, float):
        return b"f" + repr(v).encode()
    if isinstance(v, str):
        return b"s" + v.encode("utf-8", "surrogatepass")
    if isinstance(v, (bytes, bytearray)):
        return b"y" + bytes(v)
    if isinstance(v, dict) and depth < MAX_DEPTH and all(isinstance(k, str) for k in v) and \
            all(v2 is None or isinstance(v2, (str, int, float, bytes)) for v2 in v.values()):
        return b"m" + encode(v, depth + 1)
    import json

    return b"j" + json.dumps(v, ensure_ascii=True).encode("ascii")


def encode(msg: dict[str, Any], depth: int = 0) -> bytes:
    """A message's bytes (without the frame's length)."""
    parts = []
    for k, v in msg.items():
        key = k.encode("utf-8", "surrogatepass")
        value = _value(v, depth)
        parts.append(_LEN.pack(len(key)) + key + _LEN.pack(len(value)) + value)
    return b"".join(parts)


def decode(data: bytes, depth: int = 0) -> dict[str, Any]:
    """A message from its bytes; WireError when they are not one."""
    out: dict[str, Any] = {}
    pos, end = 0, len(data)
    view = memoryview(data)
    while pos < end:
        fields = []
        for _ in (0, 1):
            if pos + 4 > end:
                raise WireError("truncated message")
            (size,) = _LEN.unpack_from(data, pos)
            pos += 4
            if pos + size > end:
                raise WireError("truncated message")
            fields.append(bytes(view[pos:pos + size]))
            pos += size
        key, value = fields
        out[key.decode("utf-8", "surrogatepass")] = _decode_value(value, depth)
    return out


def _decode_value(value: bytes, depth: int) -> Any:
    tag, body = value[:1], value[1:]
    try:
        if tag == b"s":
            return body.decode("utf-8", "surrogatepass")
        if tag == b"i":
            return int(body)
        if tag == b"f":
            return float(body)
        if tag == b"n":
            return None
        if tag == b"b":
            return body == b"1"
        if tag == b"y":
            return body
        if tag == b"m" and depth < MAX_DEPTH:
            return decode(body, depth + 1)
        if tag == b"j":
            import json

            return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError("bad value") from exc
    raise WireError("unknown value tag")


def pack_msg(msg: dict[str, Any]) -> bytes:
    return pack(encode(msg))


def recv_exact(sock: Any, n: int, deadline: float) -> bytes:
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


def recv_frame(sock: Any, deadline: float, limit: int) -> bytes:
    (size,) = _LEN.unpack(recv_exact(sock, 4, deadline))
    if size > limit:
        raise WireError(f"frame of {size} bytes is over the {limit}-byte limit")
    return recv_exact(sock, size, deadline) if size else b""


def recv_msg(sock: Any, deadline: float, limit: int = MAX_HEADER) -> dict[str, Any]:
    return decode(recv_frame(sock, deadline, limit))


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
