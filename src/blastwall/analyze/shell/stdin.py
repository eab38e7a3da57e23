"""What a command receives on stdin, when it can be known without running anything.

`echo cm0gLXJmIC8= | base64 -d | sh` feeds `rm -rf /` to sh: the producers here are
evaluated statically (echo, printf, cat of a heredoc or readable file, the decoders of
analyze/shell/decoders.py: base64, base32, basenc, xxd -r -p, gzip/bzip2/xz decompression;
tr, rev). Anything else (curl, a variable, a program's output) is unknown.
"""

from __future__ import annotations

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


def _before(reader: SimpleCommand | None, scope: Scope) -> Scope:
    """`scope` whose earlier commands leave out `reader` and the commands piped into it (they run
    with it, and read what it reads)."""
    if not scope.earlier or reader is None:
        return scope
    mine: set[int] = set()
    cmd: SimpleCommand | None = reader
    while cmd is not None and len(mine) < 64:
        mine.add(id(cmd))
        cmd = cmd.stdin_from
    return scope._replace(earlier=tuple(e for e in scope.earlier if id(e[0]) not in mine))


def file_as_run(path: str, scope: Scope, reader: SimpleCommand | None = None) -> str | None:
    """The text of a file a command (`reader`) reads as data (`cat f | sh`, `base64 -d f`, `sh < f`)
    as it is when the command runs: what an earlier command of the line wrote there (`echo ... > f;
    base64 -d f | sh`), None when an earlier command may have put other content there without
    blastwall knowing what (`mv other f`, `git stash pop`), else the file on disk."""
    scope = _before(reader, scope)
    if scope.earlier:
        from blastwall.analyze.shell.fsops import _brought
        from blastwall.analyze.shell.scripts import script_text, written_here

        if written_here(path, scope):
            return script_text(path, scope).text
        if _brought(path, scope):
            return None
    return read_file(path, scope)


def _bytes_as_run(path: str, scope: Scope, reader: SimpleCommand) -> bytes | None:
    """`file_as_run` in bytes: a file the line wrote earlier as its text, else the bytes on disk."""
    text = file_as_run(path, scope, reader)
    if text is None:
        return None
    scope = _before(reader, scope)
    if scope.earlier:
        from blastwall.analyze.shell.scripts import written_here

        if written_here(path, scope):
            return text.encode("utf-8")
    return _file_bytes(path, scope)


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
        texts = [upstream() if f == "-" else file_as_run(f, scope, cmd) for f in files]
        return None if any(t is None for t in texts) else "".join(t or "" for t in texts)
    decoded = _decoded_bytes(cmd, scope, depth)
    if decoded is not None:
        try:
            return decoded.decode("utf-8")
        except UnicodeDecodeError:
            return None  # binary output: not text a shell or a client could be judged by here
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


def _decoded_bytes(cmd: SimpleCommand | None, scope: Scope, depth: int) -> bytes | None:
    """What a decoder (`base64 -d`, `base32 -d`, `xxd -r -p`, `gunzip`: analyze/shell/decoders.py) writes,
    from what it reads: the bytes of a decoder before it in the pipe, or a known text."""
    from blastwall.analyze.shell.decoders import decoder

    if cmd is None or depth > 8 or not cmd.argv or any(w.dynamic for w in cmd.argv):
        return None
    found = decoder(program_name(cmd.argv[0].text), [w.text for w in cmd.argv[1:]])
    if found is None:
        return None
    if found.files:
        data = _bytes_as_run(found.files[0], scope, cmd) if len(found.files) == 1 else None
    elif cmd.stdin_text is None and cmd.stdin_file is None and cmd.stdin_from is not None:
        data = _decoded_bytes(cmd.stdin_from, scope, depth + 1)
        if data is None:
            upstream = stdout_of(cmd.stdin_from, scope, depth + 1)
            data = upstream.encode("utf-8") if upstream is not None else None
    elif cmd.stdin_file is not None:
        data = _bytes_as_run(cmd.stdin_file.text, scope, cmd)
    else:
        upstream = stdin_of(cmd, scope, depth + 1)
        data = upstream.encode("utf-8") if upstream is not None else None
    return None if data is None else found.decode(data)


def _file_bytes(path: str, scope: Scope) -> bytes | None:
    """The bytes of a file read_file may read (its checks first: reading allowed, a regular file, small)."""
    full = os.path.expanduser(path)
    if not os.path.isabs(full):
        full = os.path.join(scope.cwd or os.getcwd(), full)
    try:
        with open(full, "rb") as f:
            return f.read(MAX_FILE)
    except (OSError, ValueError):
        return None


def stdin_of(cmd: SimpleCommand, scope: Scope, depth: int = 0) -> str | None:
    """The text fed to `cmd` on stdin, or None when unknown (or when there is none)."""
    if cmd.stdin_text is not None:
        return cmd.stdin_text
    f = cmd.stdin_file
    if f is not None:
        return file_as_run(f.text, scope, cmd)
    return stdout_of(cmd.stdin_from, scope, depth)


def has_stdin(cmd: SimpleCommand) -> bool:
    return cmd.stdin_text is not None or cmd.stdin_file is not None or cmd.stdin_from is not None
