"""PostgreSQL protocol 3 on the wire: the few messages the proxy reads or writes itself.

Every message after start-up is a type byte and a big-endian int32 length that counts itself
but not the type byte. The proxy forwards bytes as they are; it decodes only the messages it
must look at (Query, Parse, Bind, Close, FunctionCall from the client; ReadyForQuery,
ErrorResponse, ParameterStatus from the server) and builds only the ones it answers with.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

# Start-up packets: int32 length, int32 code.
PROTOCOL_3 = 3 << 16
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
MAX_STARTUP = 10_000  # PostgreSQL's own limit for a start-up packet
MAX_CANCEL = 264  # protocol 3.2 allows secret keys up to 256 bytes

# The largest message whose text blastwall reads (Query, Parse, FunctionCall). Larger ones close
# the connection: PostgreSQL's own limit is 1 GB, but statements this big are not what an agent types.
MAX_CHECKED = 64 * 1024 * 1024

QUERY, PARSE, BIND, CLOSE, SYNC, FLUSH, TERMINATE, FUNCTION_CALL = b"QPBCSHXF"
EXECUTE, DESCRIBE = b"ED"
READY, ERROR, NOTICE, PARAMETER, BACKEND_KEY, DATA_ROW, AUTH = b"ZENSKDR"

_I32 = struct.Struct("!I")
_I16 = struct.Struct("!H")
u32 = _I32.unpack_from
HEADER = 5


class WireError(ValueError):
    """A message that cannot be what it says it is; the connection it came on is closed."""

    def __init__(self, message: str, code: str = "08P01") -> None:
        super().__init__(message)
        self.code = code


def forward(write: Callable[[bytes], object], data: bytes, start: int, pos: int) -> bytes:
    """Write `data[start:pos]`, the part of a chunk passed on as it is (all of `data`, without a copy,
    when that is all of it), and return what follows `pos`: the start of a message still arriving."""
    n = len(data)
    if start == 0 and pos == n:
        write(data)
    elif pos > start:
        write(data[start:pos])
    return data[pos:] if pos < n else b""


def frame(kind: int, body: bytes) -> bytes:
    return bytes((kind,)) + _I32.pack(len(body) + 4) + body


def cstring(text: str, codec: str = "utf-8") -> bytes:
    return text.replace("\x00", " ").encode(codec, "replace") + b"\x00"


def error_response(code: str, message: str, *, severity: str = "ERROR", detail: str = "", hint: str = "") -> bytes:
    """An ErrorResponse (or, with severity NOTICE, the body of a NoticeResponse)."""
    body = b"S" + cstring(severity) + b"V" + cstring(severity) + b"C" + cstring(code) + b"M" + cstring(message)
    if detail:
        body += b"D" + cstring(detail)
    if hint:
        body += b"H" + cstring(hint)
    return frame(ERROR if severity != "NOTICE" else NOTICE, body + b"\x00")


def ready_for_query(status: int) -> bytes:
    return frame(READY, bytes((status,)))


def query(sql: str, codec: str = "utf-8") -> bytes:
    return frame(QUERY, cstring(sql, codec))


# --- start-up ---------------------------------------------------------------------------------


def startup_params(body: bytes) -> dict[str, str]:
    """The key/value pairs after the protocol version of a StartupMessage."""
    parts = body.split(b"\x00")
    if len(parts) < 2 or parts[-1] != b"" or parts[-2] != b"":
        raise WireError("malformed startup packet")
    items = parts[:-2]
    if len(items) % 2:
        raise WireError("malformed startup packet")
    out: dict[str, str] = {}
    for k, v in zip(items[::2], items[1::2], strict=True):
        out[k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
    return out


def startup_message(params: dict[str, str], version: int = PROTOCOL_3) -> bytes:
    body = _I32.pack(version) + b"".join(cstring(k) + cstring(v) for k, v in params.items()) + b"\x00"
    return _I32.pack(len(body) + 4) + body


# --- client messages the proxy reads ----------------------------------------------------------


def _cstr(buf: bytes, start: int, end: int) -> tuple[bytes, int]:
    nul = buf.find(b"\x00", start, end)
    if nul < 0:
        raise WireError("malformed message: missing string terminator")
    return buf[start:nul], nul + 1


def query_text(msg: bytes) -> bytes:
    """The SQL of a Query message (the whole frame, type byte included)."""
    text, _ = _cstr(msg, HEADER, len(msg))
    return text


class ParseMsg(NamedTuple):
    name: bytes
    sql: bytes


def parse_msg(msg: bytes) -> ParseMsg:
    name, pos = _cstr(msg, HEADER, len(msg))
    sql, pos = _cstr(msg, pos, len(msg))
    if pos + 2 > len(msg):
        raise WireError("malformed Parse message")
    (count,) = _I16.unpack_from(msg, pos)
    if pos + 2 + 4 * count != len(msg):
        raise WireError("malformed Parse message")
    return ParseMsg(name, sql)


def bind_names(msg: bytes) -> tuple[bytes, bytes, int]:
    """(portal, statement, offset after the statement name) of a Bind message."""
    portal, pos = _cstr(msg, HEADER, len(msg))
    stmt, pos = _cstr(msg, pos, len(msg))
    return portal, stmt, pos


def close_target(msg: bytes) -> tuple[int, bytes]:
    """(b'S' statement | b'P' portal, name) of a Close message."""
    if len(msg) < HEADER + 2:
        raise WireError("malformed Close message")
    name, _ = _cstr(msg, HEADER + 1, len(msg))
    return msg[HEADER], name


def parse_with(msg: bytes, sql: str) -> bytes:
    """The Parse message `msg` with its SQL replaced and no parameter types (same statement name)."""
    name, _ = _cstr(msg, HEADER, len(msg))
    return frame(PARSE, name + b"\x00" + sql.encode() + b"\x00" + b"\x00\x00")


def bind_with(msg: bytes, statement: str) -> bytes:
    """The Bind message `msg` naming another prepared statement."""
    portal, _, pos = bind_names(msg)
    return frame(BIND, portal + b"\x00" + statement.encode() + b"\x00" + msg[pos:])


# --- server messages the proxy reads ----------------------------------------------------------


def fields(msg: bytes) -> dict[str, str]:
    """The fields of an ErrorResponse or NoticeResponse, by their one-letter code."""
    out: dict[str, str] = {}
    pos, end = HEADER, len(msg)
    while pos < end and msg[pos] != 0:
        code = chr(msg[pos])
        value, pos = _cstr(msg, pos + 1, end)
        out[code] = value.decode("utf-8", "replace")
    return out


def parameter(msg: bytes) -> tuple[str, str]:
    name, pos = _cstr(msg, HEADER, len(msg))
    value, _ = _cstr(msg, pos, len(msg))
    return name.decode("utf-8", "replace"), value.decode("utf-8", "replace")


def data_row(msg: bytes) -> list[bytes | None]:
    (count,) = _I16.unpack_from(msg, HEADER)
    pos = HEADER + 2
    out: list[bytes | None] = []
    for _ in range(count):
        (n,) = _I32.unpack_from(msg, pos)
        pos += 4
        if n == 0xFFFFFFFF:
            out.append(None)
        else:
            out.append(msg[pos:pos + n])
            pos += n
    return out


# PostgreSQL's client encodings and Python's codec for each. Text that is pure ASCII is read as
# such whatever the encoding; other text in an encoding missing here is refused.
ENCODINGS = {
    "UTF8": "utf-8", "UNICODE": "utf-8", "SQL_ASCII": "latin-1", "LATIN1": "latin-1", "LATIN2": "iso8859-2",
    "LATIN3": "iso8859-3", "LATIN4": "iso8859-4", "LATIN5": "iso8859-9", "LATIN6": "iso8859-10",
    "LATIN7": "iso8859-13", "LATIN8": "iso8859-14", "LATIN9": "iso8859-15", "LATIN10": "iso8859-16",
    "ISO_8859_5": "iso8859-5", "ISO_8859_6": "iso8859-6", "ISO_8859_7": "iso8859-7", "ISO_8859_8": "iso8859-8",
    "WIN866": "cp866", "WIN874": "cp874", "WIN1250": "cp1250", "WIN1251": "cp1251", "WIN1252": "cp1252",
    "WIN1253": "cp1253", "WIN1254": "cp1254", "WIN1255": "cp1255", "WIN1256": "cp1256", "WIN1257": "cp1257",
    "WIN1258": "cp1258", "KOI8R": "koi8-r", "KOI8U": "koi8-u", "EUC_JP": "euc_jp", "EUC_KR": "euc_kr",
    "EUC_CN": "gb2312", "SJIS": "shift_jis", "BIG5": "big5", "GBK": "gbk", "UHC": "cp949", "GB18030": "gb18030",
    "JOHAB": "johab",
}


def codec_of(encoding: str) -> str | None:
    return ENCODINGS.get(encoding.upper().replace("-", "_"))


def decode(sql: bytes, encoding: str) -> str | None:
    """The statement text in the connection's client encoding, or None when it cannot be read."""
    if sql.isascii():
        return sql.decode("ascii")
    codec = codec_of(encoding)
    if codec is None:
        return None
    try:
        return sql.decode(codec)
    except UnicodeDecodeError:
        return None
