"""Configuration files given to a program on its command line, read for the commands they make it run
(rules/fed_configs.toml):

    systemctl edit --stdin postgresql <<'U' ... ExecStartPre=/usr/bin/rm -rf /var/lib/pg ... U
      -> the drop-in's ExecStartPre read as shell: asked
    supervisorctl -c <(printf '[program:x]\\ncommand=rm -rf /srv/data\\n') start x   -> asked
    ant -f /dev/stdin <<< '<project>...<delete dir="/srv/reports"/>...'              -> asked
    deno task --config <(echo '{"tasks":{"x":"deno fmt"}}') x                          -> passes
    logrotate -f /tmp/lr.conf   (written on the line with `rotate 0` on *.db files)      -> asked

The text is judged as a file of the row's later kind (analyze/later); a stream whose text is not
known asks; a named file that cannot be read is left to the program's other rules.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding


@functools.cache
def _index() -> dict[str, tuple[dict[str, Any], ...]]:
    from blastwall.analyze.ruleset import load_table

    out: dict[str, list[dict[str, Any]]] = {}
    for row in load_table("fed_configs")["program"]:
        for n in row["names"]:
            out.setdefault(n, []).append(row)
    return {n: tuple(rows) for n, rows in out.items()}


def fed_programs() -> frozenset[str]:
    return frozenset(_index())


def fed_config_findings(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    out: list[Finding] = []
    words = [w.text for w in argv[1:]]
    for row in _index().get(name, ()):
        if row.get("subcommands") and not any(s in words for s in row["subcommands"]):
            continue
        if row.get("variables"):
            out.extend(_settings(name, row, argv, cmd, scope))
            continue
        for word in _files(row, argv):
            out.extend(_judged(name, row, word, cmd, scope))
    return out


def _settings(name: str, row: dict[str, Any], argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`cargo --config 'target.X.runner="CMD"'`: each KEY=VALUE setting (a TOML value) read as the
    environment variable it stands for (`CARGO_TARGET_X_RUNNER=CMD`), judged as that variable is when
    set before the command (a runner or wrapper runs; RUSTFLAGS are read for code they load)."""
    from blastwall.analyze.shell.resolve import _wrapper_assignments

    assigned: list[Word] = []
    for i, w in enumerate(argv[1:-1], 1):
        if w.text not in row["options"]:
            continue
        value = argv[i + 1]
        key, eq, setting = value.text.partition("=")
        key = key.strip().strip("\"'")
        if not eq or not key or "/" in key:
            continue  # `--config .cargo/ci.toml`: a file, read by cargo's own rules
        var = row["variables"] + "".join(c if c.isalnum() else "_" for c in key).upper()  # target.'cfg(unix)'.runner
        assigned.append(Word(f"{var}={_toml_value(setting)}", dynamic=value.dynamic))
    if not assigned:
        return []
    return _wrapper_assignments([argv[0], *assigned], [], scope, cmd.source)


def _toml_value(text: str) -> str:
    """A TOML value as the command line it names: a string as it is, an array of words joined."""
    import shlex
    import tomllib

    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        return text.strip()
    if isinstance(value, list):
        return shlex.join(str(v) for v in value)
    return str(value)


def _files(row: dict[str, Any], argv: list[Word]) -> list[Word]:
    """The words naming the configuration the program reads (`/dev/stdin` for a stdin flag)."""
    options: list[str] = row.get("options", [])
    values: list[str] = row.get("values", [])
    out: list[Word] = []
    i = 1
    while i < len(argv):
        w = argv[i]
        t = w.text
        if t in row.get("stdin_flags", ()):
            out.append(Word.lit("/dev/stdin"))
        elif (t in options or (t.endswith("=") and t[:-1] in options)) and i + 1 < len(argv):  # `--config=<(...)`
            out.append(argv[i + 1])
            i += 1
        elif "=" in t and t.split("=", 1)[0] in options:
            value = t.split("=", 1)[1]
            out.append(Word(value, dynamic=w.dynamic, raw=value))
        elif t in values:
            i += 1
        elif row.get("positional") and (not t.startswith("-") or t == "-"):
            out.append(w)
        i += 1
    return out


def _judged(name: str, row: dict[str, Any], word: Word, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell.httpbody import STDIN_NAMES, from_file

    streamed = word.raw.startswith("<(") or word.text in STDIN_NAMES
    if word.dynamic and not streamed:
        return [unknown("shell.exec:streamed-config", f"{name} reads its configuration from {word.text[:60]}, "
                        "a name made at run time; a human must check the commands it names", cmd.source)]
    found = from_file(word.raw if word.raw.startswith("<(") else word.text, cmd, scope)
    if found.text is None:
        if not streamed:
            return []
        return [unknown("shell.exec:streamed-config", f"{name} reads its configuration from {word.raw[:60] or word.text}"
                        f" ({found.why}); a human must check the commands it names", cmd.source)]
    from blastwall.analyze.later.change import analyze_change

    shown = f"the configuration {name} reads from {word.raw[:40] if streamed else word.text}"
    return analyze_change(row["read_as"], None, found.text, scope, shown=shown)
