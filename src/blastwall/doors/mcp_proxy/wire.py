"""The MCP stdio transport as the proxy sees it: newline-delimited JSON-RPC messages.

- `LineReader` splits a pipe into lines without ever holding more than `limit` bytes of one
  line: a longer line comes out in pieces (`part`... `last`), so the proxy can stream it on or
  refuse it without running out of memory.
- `parse` reads one client message strictly: UTF-8, JSON, no duplicate object keys anywhere
  (two parsers that disagree on `{"command": "rm -rf /", "command": "ls"}` are a bypass).
- `error` and `refusal` build the answers the proxy writes itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

MAX_LINE = 16 * 1024 * 1024  # bytes in one message; MCP messages are a few KiB, tool results rarely MBs
READ_CHUNK = 1 << 16
PREFIX_KEEP = 1 << 16  # how much of an oversized client line is kept to find its id

# JSON-RPC 2.0 error codes
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_BUSY = -32000  # implementation-defined range (-32000..-32099)


class BadMessage(ValueError):
    """A client line the proxy cannot pass on: answered with a JSON-RPC error, never forwarded."""

    def __init__(self, code: int, message: str, msg_id: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.msg_id = code, message, msg_id


class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def parse(line: bytes) -> Any:
    """One client message (an object, or a list of them for a batch). Raises `BadMessage`."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadMessage(PARSE_ERROR, "Parse error: the message is not UTF-8 text") from exc
    try:
        return json.loads(text, object_pairs_hook=_pairs)
    except _DuplicateKey as exc:
        raise BadMessage(INVALID_REQUEST, f"Invalid Request: the key {str(exc)[:60]!r} appears twice in one "
                                          "object; blastwall does not forward ambiguous messages") from exc
    except RecursionError as exc:
        raise BadMessage(PARSE_ERROR, "Parse error: the message nests too deeply") from exc
    except ValueError as exc:
        raise BadMessage(PARSE_ERROR, f"Parse error: the message is not JSON ({str(exc)[:80]})") from exc


def is_request(msg: Any) -> bool:
    return isinstance(msg, dict) and isinstance(msg.get("method"), str) and "id" in msg


def method_of(msg: Any) -> str | None:
    method = msg.get("method") if isinstance(msg, dict) else None
    return method if isinstance(method, str) else None


def id_key(msg_id: Any) -> str:
    """A hashable, type-preserving key for a JSON-RPC id (1 and "1" are different requests)."""
    return json.dumps(msg_id, sort_keys=True)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error(msg_id: Any, code: int, message: str) -> bytes:
    return dumps({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})


def refusal(msg_id: Any, text: str, meta: dict[str, Any]) -> bytes:
    """A tools/call result that failed at the tool level: the model reads `text` and adapts."""
    result = {"content": [{"type": "text", "text": text}], "isError": True, "_meta": meta}
    return dumps({"jsonrpc": "2.0", "id": msg_id, "result": result})


def id_from_prefix(prefix: bytes) -> Any:
    """The top-level `id` of a message of which only `prefix` is known, when it comes before the
    first value that runs past the prefix (`{"jsonrpc":"2.0","id":7,"method":...,"params":<huge>`);
    None otherwise. Only values that end inside the prefix count, so a cut-off id is never read."""
    text = prefix.decode("utf-8", "ignore")
    dec = json.JSONDecoder()
    n = len(text)

    def skip(i: int) -> int:
        while i < n and text[i] in " \t\r\n":
            i += 1
        return i

    i = skip(0)
    if i >= n or text[i] != "{":
        return None
    i += 1
    try:
        while True:
            i = skip(i)
            key, i = dec.raw_decode(text, i)
            i = skip(i)
            if not isinstance(key, str) or i >= n or text[i] != ":":
                return None
            value, i = dec.raw_decode(text, skip(i + 1))
            i = skip(i)
            if i >= n or text[i] not in ",}":
                return None
            if key == "id":
                return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None
            if text[i] == "}":
                return None
            i += 1
    except (ValueError, RecursionError):
        return None


class LineReader:
    """Lines from a file descriptor, at most `limit` bytes each in memory.

    `chunks()` yields `("line", data)` for a whole line (without its newline), or, for a line
    longer than `limit`, `("part", data)` pieces followed by one `("last", data)`. A final line
    without a newline still counts. A read error ends the stream like end of file.
    """

    def __init__(self, fd: int, limit: int = MAX_LINE) -> None:
        self.fd, self.limit = fd, limit

    def _read(self) -> bytes:
        try:
            return os.read(self.fd, READ_CHUNK)
        except OSError:
            return b""

    def chunks(self) -> Iterator[tuple[str, bytes]]:
        buf = bytearray()
        scanned = 0  # bytes of `buf` known to hold no newline
        big = False
        while True:
            nl = buf.find(b"\n", scanned)
            if nl >= 0:
                piece = bytes(buf[:nl])
                del buf[:nl + 1]
                scanned = 0
                if not big and len(piece) > self.limit:  # the whole long line came in one read
                    yield ("part", piece)
                    piece, big = b"", True
                yield ("last" if big else "line", piece)
                big = False
                continue
            if buf and (big or len(buf) > self.limit):
                yield ("part", bytes(buf))
                buf.clear()
                big = True
            scanned = len(buf)
            data = self._read()
            if not data:
                if big:
                    yield ("last", bytes(buf))
                elif buf:
                    yield ("line", bytes(buf))
                return
            buf += data
