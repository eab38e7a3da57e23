"""The credential formats of `analyze/rules/secret_formats.toml`, compiled, and masking.

    for fmt in formats():
        for value, start, end in fmt.find(line): ...
    mask("ghp_abc...xyz")  -> "ghp_***"

A format is a row of data (id, name, hints, regex); the scanner, `--fix` and redaction read the
same rows. Masking shows at most four characters and never more than a quarter of the value.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.ruleset import load_table


class Format(NamedTuple):
    id: str
    name: str
    hints: tuple[str, ...]
    regex: rx.Pattern
    requires: rx.Pattern | None
    fixable: bool
    files: tuple[str, ...] = ()  # file name globs the format is looked for in (empty: every file)
    not_files: tuple[str, ...] = ()  # ... and not in these (templates)
    unless: rx.Pattern | None = None  # a match this also matches is not a credential (`PUBLIC_KEY=`)
    value: rx.Pattern | None = None  # a regex the value must contain
    generic: bool = False  # a catch-all shape: tried after the specific formats and the plugins

    def find(self, line: str, low: str | None = None) -> Iterator[tuple[str, int, int]]:
        """(value, start, end) of every credential of this format in `line` (`low`: line.lower())."""
        low = line.lower() if low is None else low
        if not any(h in low for h in self.hints):
            return
        for m in self.regex.finditer(line):
            group = "secret" if "secret" in self.regex.groupindex else 0
            value = m.group(group)
            if (value and not is_placeholder(value) and not (self.unless and self.unless.search(m.group(0)))
                    and (self.value is None or self.value.search(value))):
                yield value, m.start(group), m.end(group)

    def applies_to(self, filename: str) -> bool:
        """True when the format is looked for in a file of this name (its `files` globs)."""
        if not self.files and not self.not_files:
            return True
        from blastwall.analyze import globs

        base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return (not self.files or globs.match_any(base, self.files)) and not globs.match_any(base, self.not_files)

    @property
    def screen(self) -> rx.Pattern:
        """The format's regex over a whole text (`^`/`$` at line ends): every line `find` reports
        is touched by one of its matches, so a text it does not match holds none."""
        return _screen(self.regex.pattern)


@functools.cache
def table() -> dict[str, Any]:
    return load_table("secret_formats")


@functools.cache
def formats() -> tuple[Format, ...]:
    out = []
    for row in table()["format"]:
        out.append(Format(
            id=str(row["id"]),
            name=str(row["name"]),
            hints=tuple(h.lower() for h in row["hints"]),
            regex=rx.compile(row["regex"]),
            requires=rx.compile(row["requires"]) if row.get("requires") else None,
            fixable=bool(row.get("fixable", True)),
            files=tuple(str(g).lower() for g in row.get("files", [])),
            not_files=tuple(str(g).lower() for g in row.get("not_files", [])),
            unless=rx.compile(row["unless"]) if row.get("unless") else None,
            value=rx.compile(row["value"]) if row.get("value") else None,
            generic=bool(row.get("generic", False)),
        ))
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _screen(pattern: str) -> rx.Pattern:
    return rx.compile(pattern, rx.M)


def by_id(format_id: str) -> Format | None:
    return next((f for f in formats() if f.id == format_id), None)


@functools.cache
def _placeholders() -> tuple[frozenset[str], tuple[rx.Pattern, ...], bool]:
    p = table()["placeholders"]
    return (frozenset(v.casefold() for v in p["values"]), tuple(rx.compile(x, rx.I) for x in p["patterns"]),
            bool(p.get("repeated_character")))


def is_placeholder(value: str) -> bool:
    """True for values that only stand in for a secret (`${DB_PASSWORD}`, `<token>`, `changeme`)."""
    v = value.strip().strip("'\"")
    values, patterns, repeated = _placeholders()
    return (not v or v.casefold() in values or (repeated and len(set(v.casefold())) == 1)
            or any(p.search(v) for p in patterns))


def mask(value: str) -> str:
    """A value a human can recognize and nobody can use: `ghp_***`, `hu***`."""
    shown = min(4, len(value) // 4)
    return value[:shown] + "***"
