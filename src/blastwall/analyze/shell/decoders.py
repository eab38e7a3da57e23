"""Decoders whose output blastwall computes without running anything: base64, base32 and basenc,
`openssl base64 -d`, `xxd -r -p`, and gzip, bzip2 and xz decompression (`echo H4sI... | base64 -d |
gunzip | sh`). Each takes bytes and gives bytes, or None when the input is not valid for it, the
options change what it does, or its output would pass MAX_OUT (then the caller asks).

The knowledge is the tables below: which program and options decode what.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import NamedTuple

MAX_OUT = 256 * 1024  # bytes a decoder may produce here; more is not evaluated (a zip bomb, a big payload)

Decode = Callable[[bytes], "bytes | None"]


class Decoder(NamedTuple):
    decode: Decode
    files: tuple[str, ...]  # the files it reads instead of stdin (empty: stdin)


def _text_codec(fn: Callable[[bytes], bytes], *, newlines_only: bool = False) -> Decode:
    """`newlines_only`: the program skips line ends and nothing else (GNU base64, base32, basenc): at a
    space, tab or carriage return it stops, having printed what came before, which is not what the
    whole text decodes to (`echo cm0gLXJmIH4v LmNhY2hl | base64 -d` prints `rm -rf ~/` and stops)."""
    def run(data: bytes) -> bytes | None:
        if newlines_only and any(c in data for c in b" \t\r\v\f"):
            return None
        joined = b"".join(data.split())
        try:
            out = fn(joined)
        except (binascii.Error, ValueError):
            return None  # the program stops at what it cannot decode: what it printed before is not known here
        return out if len(out) <= MAX_OUT else None
    return run


def _b64(data: bytes) -> bytes:
    return base64.b64decode(data, validate=True)


def _b64url(data: bytes) -> bytes:
    return base64.b64decode(data.translate(bytes.maketrans(b"-_", b"+/")), validate=True)


def _b32(data: bytes) -> bytes:
    return base64.b32decode(data)


def _b32hex(data: bytes) -> bytes:
    return base64.b32hexdecode(data)


def _b16(data: bytes) -> bytes:
    return base64.b16decode(data, casefold=True)


def _hex_plain(data: bytes) -> bytes:
    return bytes.fromhex(data.decode("ascii"))


def _stream(make: Callable[[], object]) -> Decode:
    """A decompressor run to its end, member after member, and never past MAX_OUT."""
    def run(data: bytes) -> bytes | None:
        out = bytearray()
        try:
            while data:
                d = make()
                out += d.decompress(data, MAX_OUT + 1 - len(out))  # type: ignore[attr-defined]
                if len(out) > MAX_OUT or not d.eof:  # type: ignore[attr-defined]
                    return None  # too big, or cut short
                data = d.unused_data.lstrip(b"\0")  # type: ignore[attr-defined]
        except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
            return None
        return bytes(out)
    return run


class _Gzip:
    """zlib's gzip reader with the eof/unused_data/decompress(max_length) surface of bz2 and lzma."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._d.decompress(data, max_length)
        if self._d.unconsumed_tail:
            return out + b"\0" * MAX_OUT  # more than the limit: reported as too big
        return out

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data


# base64/base32/basenc: the decode options, and for basenc the encoding option that names the codec.
_DECODE_FLAGS = frozenset({"-d", "--decode", "-D"})
_TEXT_PROGRAMS: dict[str, Decode] = {"base64": _text_codec(_b64, newlines_only=True),
                                     "base32": _text_codec(_b32, newlines_only=True)}
_BASENC: dict[str, Decode] = {
    "--base64": _text_codec(_b64, newlines_only=True), "--base64url": _text_codec(_b64url, newlines_only=True),
    "--base32": _text_codec(_b32, newlines_only=True), "--base32hex": _text_codec(_b32hex, newlines_only=True),
    "--base16": _text_codec(_b16, newlines_only=True),
}
# Options of the text decoders that change nothing in what a valid input decodes to.
_TEXT_HARMLESS = frozenset({"--", "-w0", "--wrap=0"})

# Decompressors: program -> (codec, whether it decompresses without -d). Options that only choose
# stdout, force, keep or quiet are read; any other option is not evaluated here.
_GZ = _stream(_Gzip)
_BZ = _stream(bz2.BZ2Decompressor)
_XZ = _stream(lambda: lzma.LZMADecompressor())
_DECOMPRESSORS: dict[str, tuple[Decode, bool]] = {
    "gzip": (_GZ, False), "gunzip": (_GZ, True), "zcat": (_GZ, True), "gzcat": (_GZ, True),
    "pigz": (_GZ, False), "unpigz": (_GZ, True),
    "bzip2": (_BZ, False), "bunzip2": (_BZ, True), "bzcat": (_BZ, True),
    "xz": (_XZ, False), "unxz": (_XZ, True), "xzcat": (_XZ, True),
    "lzma": (_XZ, False), "unlzma": (_XZ, True), "lzcat": (_XZ, True),
}
_TO_STDOUT = frozenset({"zcat", "gzcat", "bzcat", "xzcat", "lzcat"})
_DECOMPRESS_FLAGS = frozenset({"d", "c", "f", "q", "k"})
_DECOMPRESS_LONG = {"--decompress": "d", "--uncompress": "d", "--stdout": "c", "--to-stdout": "c", "--force": "f",
                    "--quiet": "q", "--keep": "k"}

# openssl's spellings of a base64 decode with no cipher: `openssl base64 -d`, `openssl enc -d -a`
OPENSSL_BASE64 = frozenset({"base64", "enc", "-base64", "-a", "-A"})


def decoder(name: str, args: list[str]) -> Decoder | None:
    """The decoder `name args` is, or None when it is no decoder known here (or its options are not)."""
    files = tuple(a for a in args if not a.startswith("-") or a == "-")
    if name in _TEXT_PROGRAMS:
        opts = [a for a in args if a.startswith("-") and a != "-"]
        if _DECODE_FLAGS & set(opts) and all(a in _DECODE_FLAGS or a in _TEXT_HARMLESS for a in opts):
            return Decoder(_TEXT_PROGRAMS[name], files)
        return None
    if name == "basenc":
        opts = [a for a in args if a.startswith("-") and a != "-"]
        codecs = [a for a in opts if a in _BASENC]
        if len(codecs) == 1 and _DECODE_FLAGS & set(opts) and all(
                a in _BASENC or a in _DECODE_FLAGS or a in _TEXT_HARMLESS for a in opts):
            return Decoder(_BASENC[codecs[0]], files)
        return None
    if name == "openssl" and args and args[0] in ("base64", "enc"):
        rest = set(args[1:])
        if "-d" in rest and rest <= {"-d", *OPENSSL_BASE64} and (args[0] == "base64" or rest & {"-a", "-base64"}):
            return Decoder(_text_codec(_b64), ())
        return None
    if name == "xxd" and "-r" in args:
        plain = {"-p", "-ps", "-plain", "-postscript"}
        if set(args) - {"-r", *plain} or len(set(args) & plain) != 1:
            return None  # xxd -r without -p reads offsets and columns; other options change it again
        return Decoder(_text_codec(_hex_plain), ())
    if name in _DECOMPRESSORS:
        return _decompressor(name, args, files)
    return None


def _decompressor(name: str, args: list[str], files: tuple[str, ...]) -> Decoder | None:
    codec, always = _DECOMPRESSORS[name]
    letters: set[str] = set()
    for a in args:
        if a in ("-", "--") or not a.startswith("-"):
            continue
        if a.startswith("--"):
            if a not in _DECOMPRESS_LONG:
                return None
            letters.add(_DECOMPRESS_LONG[a])
        elif set(a[1:]) <= _DECOMPRESS_FLAGS:
            letters.update(a[1:])
        else:
            return None
    if not (always or "d" in letters):
        return None  # `gzip FILE` compresses
    if files and files != ("-",) and name not in _TO_STDOUT and "c" not in letters:
        return None  # `gunzip f.gz` decompresses the file in place and prints nothing
    return Decoder(codec, tuple(f for f in files if f != "-"))
