"""The sqlite3 shell's dot-commands in SQL text: what they do, beyond the statements around them.

    .tables   .schema users   .mode csv   .headers on            -> display only
    .output /tmp/contacts.csv  .once exports/new.csv            -> an export (new file or temporary path)
    .output notes.txt (an existing file)   .output |sh          -> asked
    .read setup.sql                                             -> the file's SQL, or asked when unreadable
    .shell CMD   .system CMD                                    -> CMD analyzed as shell
    .restore backup.db   .open --new app.db   .load ext.so      -> asked

A dot-command is a line opening with `.` and a letter where a statement may start (nothing
unfinished before it), as the shell reads it. What each command does is data:
`rules/sql_kinds.toml` [sqlite_shell]; a command in none of its lists is asked about.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.rules import Hit
from blastwall.model import Finding

_DOT = rx.compile(r"^[ \t]*\.([A-Za-z][A-Za-z0-9_]*)(.*)$", rx.M)
_READ_LIMIT = 256 * 1024
_MAX_MISSES = 64


class Dot(NamedTuple):
    """One dot-command: its name and the rest of its line."""

    name: str
    args: str


def split(text: str) -> tuple[str, list[Dot]] | None:
    """(the SQL without dot-commands, the commands), or None when the text has none."""
    if "." not in text:
        return None
    sql: list[str] = []
    dots: list[Dot] = []
    start, misses = 0, 0
    for m in _DOT.finditer(text):
        if not _at_statement_start(text[start:m.start()]):  # the buffer is empty after a dot-command
            misses += 1
            if misses > _MAX_MISSES:  # lines of one long statement: the rest is read as SQL
                break
            continue
        sql.append(text[start:m.start()])
        dots.append(Dot(m.group(1).lower(), m.group(2).strip()))
        start = m.end()
    if not dots:
        return None
    sql.append(text[start:])
    return "".join(sql), dots


def _at_statement_start(before: str) -> bool:
    """Whether nothing unfinished stands before: a word put after the text so far starts a
    statement of its own (the text is empty, comments, or ends its last statement)."""
    pieces = lexer.split(before + "\n" + _SENTINEL)
    return bool(pieces) and pieces[-1].code.strip() == _SENTINEL


_SENTINEL = "bw_dot_start"


def findings(dots: list[Dot], source: str, scope: Scope) -> tuple[list[Hit], list[Finding]]:
    """(hits, findings of shell commands and read files) for the dot-commands."""
    s = settings()
    hits: list[Hit] = []
    found: list[Finding] = []
    for dot in dots:
        said = f".{dot.name}"
        words = _words(dot.args)
        if dot.name in s["outputs"]:
            hits.extend(_output(dot, words, source))
        elif dot.name in s["shell"]:
            found.extend(_shell(dot.args, source, scope))
        elif dot.name in s["reads"]:
            found.extend(_read(words, source, scope, said))
        elif dot.name == "open" and any(w.lower() in s["open_destructive"] for w in words):
            hits.append(Hit("sqlite-dot", said, source, s["commands"]["open"]))
        elif dot.name in s["inert"] and ";" not in dot.args:
            continue
        elif dot.name in s["inert"]:  # `.tables ; DROP TABLE users`: a statement hidden in the arguments
            hits.append(Hit("sqlite-dot", said, source, "carries a statement after a semicolon"))
        else:
            hits.append(Hit("sqlite-dot", said, source, s["commands"].get(dot.name, "is not one blastwall reads")))
    return hits, found


def _output(dot: Dot, words: list[str] | None, source: str) -> list[Hit]:
    s = settings()
    said = f".{dot.name}"
    if words is None or dot.args.startswith("|"):
        return [Hit("sqlite-dot", said, source, s["commands"][dot.name])]
    files = [w for w in words if w.lower() not in s["output_desktop"]]
    if not files or (len(files) == 1 and files[0].lower() in s["output_streams"]):
        return []
    if len(files) > 1 or files[0].startswith("-"):
        return [Hit("sqlite-dot", said, source, "is given options blastwall does not read")]
    return [Hit("output-to-file", said, source, files[0])]


def _shell(command: str, source: str, scope: Scope) -> list[Finding]:
    from blastwall.analyze.base import AnalysisError, unknown
    from blastwall.analyze.shell import analyze_command

    if not command.strip():
        return []
    try:
        return analyze_command(command, scope.deeper("sqlite3 .shell"))
    except AnalysisError as exc:
        return [unknown("sql.sqlite:dot-command", f"the sqlite3 shell runs a command blastwall cannot read: {exc}",
                        source)]


def _read(words: list[str] | None, source: str, scope: Scope, said: str) -> list[Finding]:
    """The SQL of the file `.read` runs, when it can be read; else one finding that asks."""
    from blastwall.analyze.base import AnalysisError
    from blastwall.analyze.sql import analyze_sql
    from blastwall.analyze.sql.rules import finding

    unread = [finding(Hit("sqlite-dot", said, source, settings()["commands"]["read"]), scope.origin)]
    if not words or len(words) != 1 or words[0].startswith("|") or not scope.read_files:
        return unread
    here = scope.shell_dir or scope.cwd
    path = Path(words[0]).expanduser()
    if not path.is_absolute():
        if not here:
            return unread
        path = Path(here) / path
    try:
        if not path.is_file() or path.stat().st_size > _READ_LIMIT:
            return unread
        text = path.read_text(encoding="utf-8")
        return analyze_sql(text, scope.deeper(f"sqlite3 .read {words[0]}"), dialect="sqlite")
    except (OSError, UnicodeDecodeError, AnalysisError):
        return unread


def _words(args: str) -> list[str] | None:
    """The command's arguments as the shell splits them; None when the quoting does not close."""
    try:
        return shlex.split(args)
    except ValueError:
        return None


def settings() -> dict[str, Any]:
    from blastwall.analyze.sql.kinds import table

    return table()["sqlite_shell"]
