"""What a command receives on stdin, when it can be known without running anything.

`echo cm0gLXJmIC8= | base64 -d | sh` feeds `rm -rf /` to sh: the producers here are
evaluated statically (echo, printf, cat of a heredoc or readable file, base64/xxd decoding,
tr, rev). Anything else (curl, a variable, a program's output) is unknown.
"""

from __future__ import annotations

import base64
import binascii
import os

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand
from blastwall.analyze.shell.names import program_name

MAX_FILE = 256 * 1024


def read_file(path: str, scope: Scope) -> str | None:
    """Text of a file the command names, when reading files is allowed and it exists."""
    if not scope.read_files or not path or "$" in path:
        return None
    full = os.path.expanduser(path)
    if not os.path.isabs(full):
        full = os.path.join(scope.cwd or os.getcwd(), full)
    try:
        if not os.path.isfile(full) or os.path.getsize(full) > MAX_FILE:
            return None  # a FIFO or device would block or never end: only regular files are read
        with open(full, "rb") as f:
            return f.read(MAX_FILE).decode("utf-8", "replace")
    except (OSError, ValueError):
        return None


def _tr_expand(spec: str) -> str | None:
    """A tr set with its ranges spelled out (None for a range that runs backwards, which tr refuses)."""
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            a, b = ord(spec[i]), ord(spec[i + 2])
            if b < a:
                return None
            out.extend(chr(c) for c in range(a, b + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


# openssl's spellings of a base64 decode with no cipher: `openssl base64 -d`, `openssl enc -d -a`
_OPENSSL_BASE64 = frozenset({"base64", "enc", "-base64", "-a", "-A"})


def _base64_decoder(name: str, args: list[str]) -> bool:
    """`base64 -d [FILE]`, `openssl base64 -d`: a plain base64 decode (a cipher, `-i` that skips
    garbage, or any other option is not evaluated here)."""
    decode = {"-d", "--decode", "-D"}
    if name == "base64":
        return bool(decode & set(args)) and all(a in decode or a == "--" or not a.startswith("-") for a in args)
    if name == "openssl" and args and args[0] in ("base64", "enc"):
        rest = set(args[1:])
        return "-d" in rest and rest <= {"-d", *_OPENSSL_BASE64} and (args[0] == "base64" or rest & {"-a", "-base64"})
    return False


def stdout_of(cmd: SimpleCommand | None, scope: Scope, depth: int = 0) -> str | None:
    """The text `cmd` writes to stdout, or None when it cannot be known statically."""
    if cmd is None or depth > 8 or not cmd.argv:
        return None
    if any(w.dynamic for w in cmd.argv):
        return None
    name = program_name(cmd.argv[0].text)
    args = [w.text for w in cmd.argv[1:]]
    upstream = lambda: stdin_of(cmd, scope, depth + 1)
    if name in ("echo", "printf"):
        from blastwall.analyze.shell import echoprint

        return echoprint.echo(args) if name == "echo" else echoprint.printf(args)
    if name == "cat":
        if any(a.startswith("-") and a not in ("-", "-u", "--") for a in args):
            return None  # -A, -n, -v...: cat changes what it prints
        files = [a for a in args if a != "--"]
        if not files or files == ["-"]:
            return upstream()
        texts = [upstream() if f == "-" else read_file(f, scope) for f in files]
        return None if any(t is None for t in texts) else "".join(t or "" for t in texts)
    if _base64_decoder(name, args):
        files = [a for a in args if not a.startswith("-") and a not in _OPENSSL_BASE64]
        data = read_file(files[0], scope) if files else upstream()
        if data is None or len(files) > 1:
            return None
        try:
            return base64.b64decode("".join(data.split()), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None  # base64 stops at what it cannot decode: what it printed before is not known here
    if name == "xxd" and "-r" in args:
        if set(args) - {"-r", "-p", "-ps", "-plain", "-postscript"} or len(set(args) & {"-p", "-ps", "-plain", "-postscript"}) != 1:
            return None  # xxd -r without -p reads offsets and columns; other options change it again
        data = upstream()
        if data is None:
            return None
        try:
            return bytes.fromhex("".join(data.split())).decode("utf-8")
        except ValueError:
            return None
    if name == "tr" and len(args) == 2 and not any(a.startswith("-") for a in args):
        if any(ch in a for a in args for ch in "\\["):
            return None  # escapes, classes ([:upper:]) and repeats ([a*3]) are not evaluated here
        data = upstream()
        src, dst = _tr_expand(args[0]), _tr_expand(args[1])
        if data is None or src is None or not dst:
            return None
        dst = dst + dst[-1] * max(0, len(src) - len(dst))
        return data.translate(str.maketrans(src, dst[: len(src)]))
    if name == "rev":
        data = upstream()
        return None if data is None else "\n".join(line[::-1] for line in data.split("\n"))
    return None


def stdin_of(cmd: SimpleCommand, scope: Scope, depth: int = 0) -> str | None:
    """The text fed to `cmd` on stdin, or None when unknown (or when there is none)."""
    if cmd.stdin_text is not None:
        return cmd.stdin_text
    f = cmd.stdin_file
    if f is not None:
        return read_file(f.text, scope)
    return stdout_of(cmd.stdin_from, scope, depth)


def has_stdin(cmd: SimpleCommand) -> bool:
    return cmd.stdin_text is not None or cmd.stdin_file is not None or cmd.stdin_from is not None
