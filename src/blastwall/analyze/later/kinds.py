"""Which files run later, and how to read them: the `[[kind]]` rows of `rules/later.toml`.

    kind_of("db/migrate/20240101_drop.rb")  -> Kind(name="rails", extractor="ops", ...)
    kind_of("src/app.ts")                    -> None (ordinary code: nothing here runs it later)
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

SNIFF_CHARS = 4096  # how much of the text a `sniff` pattern looks at


class Kind(NamedTuple):
    """One row of the table: a kind of file whose content runs later."""

    name: str
    extractor: str
    when: str  # "when this migration is applied", "when make {where} runs"
    subject: str  # "this migration"
    framework: str = ""
    keys: tuple[str, ...] = ()
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()
    when_named: bool = False  # runs only when a command names it (`bash x.sh`), which is judged then
    language: str = ""  # extractor "code": the language the whole file is (python, ruby, node)
    commands: tuple[str, ...] = ()  # patterns whose group `cmd` is a shell command the file runs
    argv_lists: bool = False  # extractor "ci": a list value is one command's words (compose's exec form)
    calls: tuple[str, ...] = ()  # extractor "calls": patterns (group `call`) of a delete or run-a-command call
    spare_calls: tuple[str, ...] = ()  # extractor "calls": a call these match is left out (a clean task's build folder)

    def when_text(self, where: str) -> str:
        text = self.when.replace("{where}", where or "").replace("  ", " ")
        return text.replace(" ()", "").strip()


@functools.cache
def table() -> dict[str, Any]:
    return load_table("later")


@functools.cache
def _rows() -> tuple[tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...], Any, Kind], ...]:
    out = []
    for row in table()["kind"]:
        sniff = rx.compile(row["sniff"]) if row.get("sniff") else None
        kind = Kind(name=row["name"], extractor=row["extractor"], when=row["when"], subject=row["subject"],
                    framework=row.get("framework", ""), keys=tuple(row.get("keys", ())),
                    up=tuple(row.get("up", ())), down=tuple(row.get("down", ())),
                    when_named=bool(row.get("when_named", False)), language=row.get("language", ""),
                    commands=tuple(row.get("commands", ())), argv_lists=bool(row.get("argv_lists", False)),
                    calls=tuple(row.get("calls", ())), spare_calls=tuple(row.get("spare_calls", ())))
        pats = tuple((g, _literals(g)) for g in row["globs"])
        out.append((pats, tuple(row.get("not_globs", ())), sniff, kind))
    return tuple(out)


def _literals(glob: str) -> tuple[str, ...]:
    """The literal parts of a glob, each of which a matching path must contain: a cheap test that
    spares an ordinary path (`src/app.ts`) the compiled matchers of every kind."""
    parts, buf, i = [], "", 0
    while i < len(glob):
        c = glob[i]
        if c in "*?":
            parts.append(buf)
            buf = ""
        elif c == "[":
            end = glob.find("]", i + 2)
            parts.append(buf)
            buf = ""
            i = end if end > 0 else len(glob)
        else:
            buf += c
        i += 1
    parts.append(buf)
    return tuple(p for p in parts if p)


def _glob_match(shown: str, pats: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    return any(all(lit in shown for lit in lits) and globs.match(shown, g) for g, lits in pats)


def _shown(path: str) -> str:
    """The path as the globs see it: forward slashes, one "/" in front."""
    p = posixpath.normpath(path.strip().replace("\\", "/"))  # migrations/../migrations/x.sql, ./x
    return p if p.startswith("/") else "/" + p


@functools.cache
def _unsniffed() -> Callable[[str], bool]:
    """Whether a path (as `_shown` writes it) matches a glob of a row without a `sniff` pattern:
    one predicate for all of them. Without text, only those rows can give a kind."""
    return globs.matcher(tuple(g for pats, _, sniff, _ in _rows() if sniff is None for g, _ in pats))


@functools.cache
def _sniffs() -> tuple[Any, ...]:
    """The sniff patterns of the rows that have one, in table order."""
    return tuple(sniff for _, _, sniff, _ in _rows() if sniff is not None)


def kind_of(path: str, text: str | None = None) -> Kind | None:
    """The kind of file `path` is, or None when nothing runs it later. Rows with a `sniff`
    pattern need `text` (the file's content, before or after the write) to match too."""
    if not path or not path.strip():
        return None
    shown = _shown(path)
    if not _unsniffed()(shown) and (not text or not any(p.search(text[:SNIFF_CHARS]) for p in _sniffs())):
        return None  # no row that needs no text has a glob it matches, no row's sniff pattern the text
    for pats, nots, sniff, kind in _rows():
        if not _glob_match(shown, pats) or globs.match_any(shown, nots):
            continue
        if sniff is not None and (not text or not sniff.search(text[:SNIFF_CHARS])):
            continue
        return kind
    return None


def rule(rule_id: str) -> dict[str, Any]:
    return next(r for r in table()["rule"] if r["id"] == rule_id)


def rule_finding(rule_id: str, target: str, *, label: str = "") -> Finding:
    """The finding of one of the table's own `[[rule]]` rows."""
    row = rule(rule_id)
    return Finding(rule_id=rule_id, effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                   reason=str(row["reason"]).format(target=target, label=label), target=target,
                   safer=str(row.get("safer", "")), source=target[:200])
