"""The verb model: what a name says it does, when no rule table names it.

    read_words(["db:wipe"])             -> Reading(verb="wipe", noun="db", severity=HIGH)
    read_words(["flask", "db", "downgrade"]) -> Reading(verb="downgrade", noun="db", severity=HIGH)
    read_words(["cache:clear"])         -> None  (the object is regenerable)
    read_words(["clean"])               -> None  (a weak verb alone)

Programs, subcommands, task names (npm scripts, make targets, rake/artisan/manage.py tasks),
stored procedures and MCP tools are all names. Each is split into words at case changes,
digits and separators (`dropAllTables`, `drop-all`, `db_reset`, `migrate:fresh`, `ecto.drop`);
two adjacent words are also tried joined (`tear-down` -> teardown). The vocabulary and how it
weighs verbs by their nouns is data: `rules/verbs.toml`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.ruleset import load_table
from blastwall.model import Severity

__all__ = ["Reading", "age_bounded", "off_value", "read_words", "safe_flags_present", "tokens", "undo_flag_present"]

_PARTS = rx.compile(r"[A-Z]+[a-z]*|[a-z]+|[0-9]+")


class Reading(NamedTuple):
    """What a name says: its destructive verb, the noun that weighs it, and how bad that is."""

    verb: str
    noun: str
    severity: Severity


class _Vocabulary(NamedTuple):
    strong: frozenset[str]
    weak: frozenset[str]
    data: frozenset[str]
    regenerable: frozenset[str]
    safe_words: frozenset[str]
    safe_flags: frozenset[str]
    off_values: frozenset[str]


@functools.cache
def _vocabulary() -> _Vocabulary:
    t: dict[str, Any] = load_table("verbs")
    return _Vocabulary(
        strong=frozenset(t["verbs"]["strong"]),
        weak=frozenset(t["verbs"]["weak"]),
        data=frozenset(t["nouns"]["data"]),
        regenerable=frozenset(t["nouns"]["regenerable"]),
        safe_words=frozenset(t["safe"]["safe_words"]),
        safe_flags=frozenset(t["safe"]["safe_flags"]),
        off_values=frozenset(t["safe"]["off_values"]),
    )


def tokens(name: str) -> list[str]:
    """`dropAllTables` -> [drop, all, tables]; `HTMLParser` -> [html, parser]; `db:reset` -> [db, reset]."""
    name = str(name)
    if name.isascii() and name.isalpha() and name.islower():
        return [name]  # one lower-case word (`push`, `restore`): the pattern's one match, as it is
    out: list[str] = []
    for part in _PARTS.findall(name):
        caps = len(part) - len(part.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if 1 < caps < len(part):
            out.append(part[:caps - 1])
            part = part[caps - 1:]
        out.append(part)
    return [p.lower() for p in out]


def _terms(ts: list[str]) -> list[tuple[int, str]]:
    """Each word and each joined pair of neighbours, with the position it ends at; a word run
    together from a verb and a noun (`dropalltables`, `purgeorders`, `dbreset`: names SQL folds
    to lower case) also gives its two parts."""
    out = [(i, t) for i, t in enumerate(ts)]
    out += [(i + 1, ts[i] + ts[i + 1]) for i in range(len(ts) - 1)]
    for i, t in enumerate(ts):
        out += [(i, part) for part in _compound(t)]
    return sorted(out)


@functools.lru_cache(maxsize=4096)
def _compound(word: str) -> tuple[str, ...]:
    """`dropalltables` -> (dropall, tables); `cacheclear` -> (cache, clear); `dropbox` -> ()."""
    v = _vocabulary()
    nouns = v.data | v.regenerable
    for verb in v.strong | v.weak:
        if len(word) > len(verb) and word.startswith(verb) and word[len(verb):] in nouns:
            return verb, word[len(verb):]
        if len(word) > len(verb) and word.endswith(verb) and word[:-len(verb)] in nouns:
            return word[:-len(verb)], verb
    return ()


def read_words(words: Iterable[str], program: str = "", holds: str = "") -> Reading | None:
    """What a command path, task name or tool name says it does (None: nothing destructive).

    `words` are the subcommand words in order (or a name's parts); `program` the program's name,
    whose verbs count (`wipe-db`, `nuke`) but whose nouns weigh only a verb in the same word
    (`stack clean` is not a clean of a stack). A safe word before the verb (`list deleted`,
    `help drop`) or a safe part after it in the same word (`rollback:status`) makes it a read.
    `holds` names what the program keeps (a program of `holds_data`: `borg`, `rabbitmqctl`): a weak verb
    alone acts on it (`borg prune`, `rabbitmqctl reset`), unless a regenerable noun is named last."""
    return _read(tuple(words), program, holds)


# What a prefix before a verb in one word makes of it: not the verb done (`undelete`, `nodelete`, `predelete`).
_NOT_DONE = frozenset({"un", "no", "non", "anti", "pre", "post", "on", "after", "before", "can", "is", "should"})


@functools.lru_cache(maxsize=1024)
def _verb_suffixed(word: str) -> tuple[str, ...]:
    """A program named by what it acts on and a strong verb run together (`ldapdelete`, `kdestroy`):
    the verb; strong verbs of five letters or more only, so `model` is not a `del`."""
    for verb in _vocabulary().strong:
        if len(verb) >= 5 and word.endswith(verb) and len(word) - len(verb) >= 1:
            prefix = word[:-len(verb)]
            if prefix not in _NOT_DONE:
                return (verb,)
    return ()


# Words that chain a second step onto the first (`drop-and-status` drops, then shows a status).
_CHAINING = frozenset({"and", "then", "plus", "also"})


@functools.lru_cache(maxsize=2048)
def _read(words: tuple[str, ...], program: str, holds: str = "") -> Reading | None:
    v = _vocabulary()
    named = [(program, True)] if program else []
    parsed: list[tuple[list[tuple[int, str]], bool, bool]] = []  # (terms, is the program, dotted)
    for word, is_program in [*named, *((w, False) for w in words)]:
        ts = tokens(word)
        terms = _terms(ts)
        if is_program and len(ts) == 1:
            terms += [(0, part) for part in _verb_suffixed(ts[0])]
        parsed.append((terms, is_program, "." in word))
    verb: tuple[int, int, str, bool] | None = None  # (word, position, verb, strong)
    for w, (terms, is_program, _) in enumerate(parsed):
        if verb is None and not is_program and words and words[w - len(named)].lower() in v.safe_words:
            return None
        at = next((i for i, t in terms if t in v.strong or t in v.weak), None)
        if at is None:
            continue
        if verb is None and any(t in v.safe_words for i, t in terms if i == at + 1) and not any(
                t in v.strong or t in v.weak or t in _CHAINING for i, t in terms if i > at + 1):
            return None  # `rollback:status`, `drop-preview`; but `check-and-delete`, `drop-and-status` delete
        for i, t in terms:
            if (t in v.strong or t in v.weak) and (verb is None or (t in v.strong and not verb[3])):
                verb = (w, i, t, t in v.strong)
    if verb is None:
        return None
    vw, _, name, strong = verb
    nouns: list[tuple[int, int, str, bool]] = [(-1, 0, holds, False)] if holds else []  # (word, position, noun, regenerable)
    for w, (terms, is_program, dotted) in enumerate(parsed):
        if w != vw and (is_program or (w > vw and dotted)):
            continue  # the program's own name, or an argument that names a file (`remove data.dvc`)
        nouns += [(w, i, t, t in v.regenerable) for i, t in terms if t in v.data or t in v.regenerable]
    if nouns:
        head = max(nouns)
        if head[3]:
            return None  # the last thing named is rebuilt by itself
        data = next((n for _, _, n, regen in reversed(nouns) if not regen), "")
        return Reading(name, data, Severity.HIGH)
    return Reading(name, "", Severity.MEDIUM) if strong else None


_AGE = rx.compile(r"(?i)\s*(\d+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?|w|weeks?|mo|months?|y|years?)\s*")
_DAY_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000, "y": 31536000}


def age_bounded(words: list[str], program: str = "") -> bool:
    """An option of `age_options` (or of the program's own `age_options_by_program`: rclone's
    `--min-age`) bounds the run to what expired: a date before today, or an age of a day or more
    (`--older-than 30d`, `--before=2024-01-01`). Its value comes after `=` or as the next word; any
    other value (a variable, `0d`, `1h`, a future date) does not bound it."""
    options = _age_options(program)
    for i, w in enumerate(words):
        name, eq, value = w.partition("=")
        if name not in options:
            continue
        from blastwall.analyze.sql.expired import literal_time

        value = value if eq else (words[i + 1] if i + 1 < len(words) else "")
        if literal_time(value) == -1:
            return True
        m = _AGE.fullmatch(value)
        if m:
            unit = m.group(2).lower()
            key = "mo" if unit.startswith("mo") else "m" if unit.startswith("min") else unit[0]
            if int(m.group(1)) * _DAY_SECONDS[key] >= 86400:
                return True
    return False


@functools.cache
def _age_options(program: str) -> frozenset[str]:
    """`age_options` and the program's own `age_options_by_program` (the table is read once a process)."""
    safe = load_table("verbs")["safe"]
    return frozenset([*safe.get("age_options", ()), *safe.get("age_options_by_program", {}).get(program, ())])


def undo_flag_present(flags: Iterable[str]) -> bool:
    """An option that reverses the verb it comes with (`cargo yank --undo`: the version is restored)."""
    undo = frozenset(load_table("verbs")["safe"].get("undo_options", ()))
    return any(f.partition("=")[0] in undo for f in flags)


def off_value(value: str) -> bool:
    """A value that turns a boolean option off (`--delete=false`, `--dry-run=none`)."""
    return value.lower() in _vocabulary().off_values


def safe_flags_present(flags: Iterable[str]) -> bool:
    """An option that makes any invocation a dry run, a preview or help (`--dry-run`,
    `--what-if`, `-h`); `--dry-run=false` and `--dry-run=none` do not count."""
    v = _vocabulary()
    for f in flags:
        name, eq, value = f.partition("=")
        if name in v.safe_flags and not (eq and value.lower() in v.off_values):
            return True
    return False
