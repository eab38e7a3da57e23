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
import shlex
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
        if row.get("keys"):
            out.extend(_keyed_options(name, row, argv, scope))
            continue
        for word in _files(row, argv):
            out.extend(_judged(name, row, word, cmd, scope))
    return out


def _settings(name: str, row: dict[str, Any], argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`cargo --config 'target.X.runner="CMD"'`: each KEY=VALUE setting (a TOML value) read as the
    environment variable it stands for (`CARGO_TARGET_X_RUNNER=CMD`), judged as that variable is when
    set before the command (a runner or wrapper runs; RUSTFLAGS are read for code they load)."""
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
    from blastwall.analyze.shell.resolve import _wrapper_assignments  # only for a line that sets something

    return _wrapper_assignments([argv[0], *assigned], [], scope, cmd.source)


def _keyed_options(name: str, row: dict[str, Any], argv: list[Word], scope: Scope) -> list[Finding]:
    """`printf 'destination: ../' > _config.yml && jekyll build`: a top-level key of the program's
    configuration (`config_options` FILE, a comma list, or its default files) that stands for an
    option (`keys`), judged as `line OPTION VALUE` when the line does not give the option itself."""
    from blastwall import rx
    from blastwall.analyze.shell.scripts import pieces_written, script_text

    words = [w.text for w in argv[1:]]
    given = {k for k, spellings in row["keys"].items() for o in spellings for w in words if w == o or w.startswith(o + "=")}
    files: list[str] = []
    for i, w in enumerate(words[:-1]):
        if w in row.get("config_options", ()):
            files += [f for f in words[i + 1].split(",") if f]
    out: list[Finding] = []
    for path in files or row.get("config_files", []):
        text = script_text(path, scope).text
        if text is None:  # `>> _config.yml` onto a file not read here: what the line adds
            text = "".join(p for p in pieces_written(path, scope) or () if p)
        for key, spellings in row["keys"].items():
            if key in given:
                continue
            found = list(rx.finditer(rf"(?m)^{key}[ \t]*:[ \t]*(?P<v>[^\n#]*)", text))  # the last one holds
            value = found[-1].group("v").strip().strip("\"'") if found else ""
            option = spellings[0]
            if value:
                from blastwall.analyze.shell import analyze_command

                out.extend(analyze_command(f"{row['line']} {option} {shlex.quote(value)}",
                                           scope.deeper(f"{name} ({key} in {path})")))
    return out


def _toml_value(text: str) -> str:
    """A TOML value as the command line it names: a string as it is, an array of words joined."""
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
