"""Archivers that delete what they archived: `zip -m`, `7z a -sdel`, `rar m`, `rar a -df`,
`zstd --rm`, and `tar --remove-files` (archives.py calls `moved_into`).

The sources are data moved into the archive (rules/archive_moves.toml): nothing is lost when the
archive stays in the project and the sources are project files, or when each compressed copy is
written beside its file (`zstd --rm f` -> f.zst, as gzip does). An archive written to stdout, a
null device, a temp folder, build output or a place blastwall cannot resolve, or encrypted, keeps
nothing the user can count on: each source is judged like `rm -r` of it.
"""

from __future__ import annotations

import functools
import posixpath
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.paths import classify_in
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding, Severity


class Move(NamedTuple):
    """What an archiver command moves: its sources, and where they go."""

    sources: list[Word]
    archive: Word | None  # None: each compressed copy is written beside its file
    hidden: bool = False  # encrypted, or written to stdout: the archive keeps nothing to count on
    listed: bool = False  # the names come from a list or stdin: not known here


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("archive_moves")


@functools.cache
def _tools() -> dict[str, dict[str, Any]]:
    return {n: row for row in _table()["tool"] for n in row["names"]}


def handle_archiver(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    row = _tools()[name]
    move = _READERS[row["grammar"]](row, name, argv)
    if move is None:
        return None  # it keeps its sources: the tables judge it as usual
    from blastwall.analyze.shell.fsops import analyze_fs
    from blastwall.analyze.shell.programs import match

    if move.listed:
        found = [unknown("shell.fs:archive-move", f"{name} deletes the files it archives, named by a list blastwall "
                         "does not read; a human must check them", cmd.source)]
    else:
        found = moved_into(name, move, scope, cmd.source, "shell.fs:archive-move", f"{name} deletes")
    return found + match(name, argv, source=cmd.source) + analyze_fs(name, argv, scope, cmd.source)


def moved_into(name: str, move: Move, scope: Scope, source: str, rule_id: str, verb: str) -> list[Finding]:
    """The findings of deleting `move.sources` once archived: like `rm -r` of each, but for the
    sources a kept archive holds."""
    from blastwall.analyze.shell.fsops import analyze_fs

    if not move.sources:
        return []
    found = analyze_fs("rm", [Word.lit("rm"), Word.lit("-r"), Word.lit("--"), *move.sources], scope, source)
    found = [f._replace(rule_id=rule_id, reason=f.reason.replace("rm deletes", verb, 1)) if f.rule_id == "shell.fs:rm"
             else f for f in found]
    if move.hidden:
        return found
    if move.archive is None:
        kept = {w.text for w in move.sources}
        where = "a compressed copy beside it"
    elif _kept(move.archive, scope):
        kept = {w.text for w in move.sources if _moved(w, scope)}
        where = move.archive.text
    else:
        return found
    return [f._replace(severity=Severity.NONE, reversible=True, reason=f"{f.reason}, into {where}")
            if f.rule_id == rule_id and f.target in kept else f for f in found]


def _inside(word: Word, scope: Scope) -> bool:
    """A path blastwall can read that stays inside the project (relative, no `..` out of it)."""
    t = word.text
    if word.dynamic or not t or t.startswith(("/", "~", "$", "-")) or "`" in t:
        return False
    folder = scope.shell_dir
    if folder and folder.startswith(("/", "~", "$")):
        return False
    norm = posixpath.normpath(posixpath.join(folder, t) if folder else t)
    return not norm.startswith("..") and norm != "."


def _kept(archive: Word, scope: Scope) -> bool:
    return _inside(archive, scope) and classify_in(archive.text, scope).kind in _table()["kept_kinds"]


def _moved(source: Word, scope: Scope) -> bool:
    return _inside(source, scope) and (source.path_class or classify_in(source.text, scope)).kind in \
        _table()["moved_kinds"]


# ---- command lines ------------------------------------------------------------------------------
def _zip(row: dict[str, Any], name: str, argv: list[Word]) -> Move | None:
    values = set(row["value_options"])
    moving = hidden = listed = False
    archive: Word | None = None
    positional: list[Word] = []
    i = 1
    while i < len(argv):
        w, t = argv[i], argv[i].text
        if t == "--":
            positional.extend(argv[i + 1:])
            break
        if t.startswith("-") and len(t) > 1:
            opt = t.partition("=")[0]
            moving |= opt in row["move"]
            hidden |= opt in row["encrypt"]
            listed |= opt in row["names_from"]
            if t in values and i + 1 < len(argv):
                if t in row["output"]:
                    archive = argv[i + 1]
                i += 2
                continue
            if not t.startswith("--"):
                letters = _letters(t, row["value_letters"])
                moving |= row["move_letter"] in letters
                hidden |= bool({"e", "P"} & set(letters))
                if letters[-1:] in row["value_letters"] and len(letters) == len(t) - 1 and i + 1 < len(argv):
                    i += 1  # the value is the next word
            i += 1
            continue
        positional.append(w)  # a pattern of `-x`/`-i` too: read as a source, never missed
        i += 1
    if not moving or not positional:
        return None
    target = archive or positional[0]
    return Move([w for w in positional[1:] if w.text != "-"], target, hidden=hidden or target.text == "-",
                listed=listed)


def _letters(t: str, value_letters: str) -> str:
    """The option letters of `-rm9` (a value letter ends the bundle: `-P secret` / `-Psecret`)."""
    out = ""
    for c in t[1:]:
        out += c
        if c in value_letters:
            break
    return out


def _switched(row: dict[str, Any], name: str, argv: list[Word]) -> Move | None:
    """7z and rar: `PROG COMMAND [-switches] ARCHIVE [FILES]`, every switch one word."""
    if len(argv) < 2:
        return None
    command = argv[1].text.lower() if row["grammar"] == "rar" else argv[1].text
    moving = command in row.get("move_commands", [])
    if not moving and command not in row["commands"]:
        return None
    hidden = listed = False
    positional: list[Word] = []
    words = argv[2:]
    for i, w in enumerate(words):
        t = w.text
        if t == "--":
            positional.extend(words[i + 1:])
            break
        if t.startswith("-") and len(t) > 1:
            low = t.lower() if row["grammar"] == "rar" else t
            moving |= low in row["move"]
            hidden |= any(low.startswith(p) for p in row["encrypt"]) or low in row.get("stdout", [])
            listed |= any(low.startswith(p) for p in row["names_from"] if p.startswith("-"))
            continue
        if t.startswith("@"):
            listed = True
            continue
        positional.append(w)
    if not moving or not positional:
        return None
    if hidden or any(w.text in row.get("no_name", []) for w in words):
        return Move(positional, None, hidden=True, listed=listed)  # an archive name may be missing: all are sources
    return Move(positional[1:], positional[0], hidden=hidden, listed=listed)


def _compressor(row: dict[str, Any], name: str, argv: list[Word]) -> Move | None:
    values = set(row["value_options"])
    moving = hidden = listed = multiple = False
    output: Word | None = None
    positional: list[Word] = []
    i = 1
    while i < len(argv):
        w, t = argv[i], argv[i].text
        if t == "--":
            positional.extend(argv[i + 1:])
            break
        if t.startswith("-") and len(t) > 1:
            opt, eq, value = t.partition("=")
            moving |= opt in row["move"]
            hidden |= opt in row["stdout"] or (not t.startswith("--") and "c" in t[1:] and t[1:].isalpha())
            listed |= opt in row["names_from"]
            multiple |= opt in row["multiple"]
            if opt in row["output"] + row["output_dir"]:
                chosen = Word(value, dynamic=w.dynamic) if eq else (argv[i + 1] if i + 1 < len(argv) else None)
                if chosen is not None:
                    output = chosen if opt in row["output"] else Word(posixpath.join(chosen.text, "x"),
                                                                      dynamic=chosen.dynamic)
            if t in values and not eq:
                i += 2
                continue
            i += 1
            continue
        positional.append(w)
        i += 1
    if not moving or not positional:
        return None
    if name in row["output_positional"] and not multiple and len(positional) == 2 and output is None:
        output = positional.pop()
    return Move(positional, output, hidden=hidden, listed=listed)


_READERS = {"zip": _zip, "7z": _switched, "rar": _switched, "compressor": _compressor}

register(list(_tools()), handle_archiver)
