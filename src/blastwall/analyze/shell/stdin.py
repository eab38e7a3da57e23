"""What a command receives on stdin, when it can be known without running anything.

`echo cm0gLXJmIC8= | base64 -d | sh` feeds `rm -rf /` to sh: the producers here are
evaluated statically (echo, printf, cat of a heredoc or readable file, base64/xxd decoding,
tr, rev). Anything else (curl, a variable, a program's output) is unknown.
"""

from __future__ import annotations

import base64
import binascii
import os

from blastwall import rx
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


def _tr_expand(spec: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            a, b = ord(spec[i]), ord(spec[i + 2])
            out.extend(chr(c) for c in range(a, b + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def stdout_of(cmd: SimpleCommand | None, scope: Scope, depth: int = 0) -> str | None:
    """The text `cmd` writes to stdout, or None when it cannot be known statically."""
    if cmd is None or depth > 8 or not cmd.argv:
        return None
    if any(w.dynamic for w in cmd.argv):
        return None
    name = program_name(cmd.argv[0].text)
    args = [w.text for w in cmd.argv[1:]]
    upstream = lambda: stdin_of(cmd, scope, depth + 1)
    if name == "echo":
        while args and rx.fullmatch(r"-[neE]+", args[0]):
            args = args[1:]
        return " ".join(args) + "\n"
    if name == "printf" and args:
        fmt = args[0].replace("\\n", "\n")
        if "%" not in fmt:
            return fmt
        if args[1:] and rx.fullmatch(r"%s\\?n?|%s\n?", args[0]):
            return "\n".join(args[1:]) + "\n"
        return None
    if name == "cat":
        files = [a for a in args if not a.startswith("-") or a == "-"]
        if not files or files == ["-"]:
            return upstream()
        texts = [read_file(f, scope) for f in files]
        return None if any(t is None for t in texts) else "".join(t or "" for t in texts)
    if name in ("base64", "openssl") and any(a in ("-d", "--decode", "-D") for a in args):
        data = upstream()
        if data is None:
            return None
        try:
            return base64.b64decode("".join(data.split()) + "==", validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    if name == "xxd" and "-r" in args:
        data = upstream()
        if data is None:
            return None
        try:
            return bytes.fromhex("".join(data.split())).decode("utf-8", "replace")
        except ValueError:
            return None
    if name == "tr" and len(args) == 2 and not any(a.startswith("-") for a in args):
        data = upstream()
        if data is None:
            return None
        src, dst = _tr_expand(args[0]), _tr_expand(args[1])
        if not dst:
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
