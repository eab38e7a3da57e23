"""The verb model on a command line: programs and subcommands no rule table names.

    flask db downgrade base   -> shell.verbs:destructive-name (downgrade, db: high)
    restic forget --prune     -> shell.verbs:destructive-name (forget: medium)
    yarn cache clean          -> nothing (the cache is regenerable)

The command path is the program's name and the subcommand words that follow it, up to the
first option, file-like word or value (`analyze/verbs.py` reads it). A program with a rule table
is judged here only by subcommands none of its rules names: the table stays the authority on
what it knows (`git reset --soft` is not a destructive reset).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.restores import restore_findings
from blastwall.analyze.verbs import Reading, age_bounded, read_words, safe_flags_present, undo_flag_present
from blastwall.model import Effect, Finding, Severity

MAX_PATH = 4
_SUBCOMMAND = rx.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_:.][A-Za-z0-9]+)*$")


@functools.cache
def _table() -> dict:
    return load_table("verbs")


@functools.cache
def _operands_only() -> frozenset[str]:
    return frozenset(_table()["programs"]["operands_only"])


@functools.cache
def _local_state() -> frozenset[str]:
    return frozenset(_table()["programs"]["local_state"])


@functools.cache
def _file_extensions() -> frozenset[str]:
    return frozenset(_table()["programs"]["file_extensions"])


@functools.cache
def _value_options() -> frozenset[str]:
    return frozenset(_table()["flags"].get("value_options", ()))


def _names_a_file(word: str) -> bool:
    return "." in word and word.rsplit(".", 1)[1].lower() in _file_extensions()


def command_path(argv: list[Word], *, past_options: bool = False) -> list[str]:
    """The subcommand words after the program: leading positionals up to the first option, or
    the first word that reads as a file, a path, a value or text (`a.sh`, `x/y`, `k=v`, `two words`);
    dotted task names stay (`ecto.drop`). With `past_options` (a program whose options blastwall
    does not know), options are stepped over (`tool --yes destroy`, `tool -f conf.yml destroy`):
    the word after one may be its value, so a value-looking word there does not end the path."""
    out: list[str] = []
    after_option = False
    takes_value = False
    for w in argv[1:]:
        t = w.text
        if takes_value:
            takes_value = False
            continue  # `-p payments-core`: the option's value (rules/verbs.toml value_options)
        if len(out) >= MAX_PATH or t == "--":
            break
        if past_options and t.startswith("-") and len(t) > 1 and not w.dynamic:
            after_option = "=" not in t
            takes_value = after_option and t in _value_options()
            continue
        # a word of ASCII letters (`push`) is one _SUBCOMMAND matches, without asking it
        if w.dynamic or not (t.isascii() and t.isalpha() or _SUBCOMMAND.match(t)) or _names_a_file(t):
            if after_option:
                after_option = False
                continue
            break
        out.append(t)
        after_option = False
    return out


def _named_by_table(name: str, path: list[str]) -> bool:
    """Whether a rule of the program's table names this subcommand (then the table decides)."""
    return _named(name, tuple(path))


@functools.lru_cache(maxsize=1024)
def _named(name: str, path: tuple[str, ...]) -> bool:
    """A rule claims the paths it spells out: every word of its `command` matches the path's
    leading words, and no deeper word of the path is one the rule says it leaves alone
    (`unless_arg`). A rule for `doppler secrets` that stops at `delete` does not claim
    `doppler secrets delete KEY`; `git reset --soft` stays the `reset` rule's."""
    from blastwall.analyze.shell.programs import _tables_for

    rules = _tables_for(name)[1].get(name) or []
    for rule in rules:
        command = rule.row.get("command")
        command = [command] if isinstance(command, str) else list(command or [])
        if command and _spells_out(command, path, rule.row.get("unless_arg")):
            return True
        anywhere = rule.row.get("command_any")
        anywhere = [anywhere] if isinstance(anywhere, str) else list(anywhere or [])
        if any(globs.match(p, g) for p in path for g in anywhere):
            return True
    return False


def _spells_out(command: list[str], path: tuple[str, ...], unless: object) -> bool:
    if not path or len(path) < len(command):
        return bool(path) and all(globs.match_any(p, tuple(c.split("|"))) for p, c in zip(path, command))
    if not all(globs.match_any(p, tuple(c.split("|"))) for p, c in zip(path, command)):
        return False
    left_alone = [unless] if isinstance(unless, str) else list(unless or [])  # type: ignore[call-overload]
    return not any(globs.match(p, g) for p in path[len(command):] for g in left_alone)


@functools.cache
def _destructive_flags() -> frozenset[str]:
    return frozenset(_table().get("flags", {}).get("destructive", ()))


def _flag_reading(argv: list[Word], exempt: frozenset[str] = frozenset()) -> Reading | None:
    """`s5cmd sync --delete`, `tool load --drop`, `myloader --overwrite-tables`, `timeshift --delete-all`:
    an option that destroys what the program acts on (rules/verbs.toml [flags]: the `destructive`
    list, or an option whose name the verb model reads as destructive); `--delete=false`,
    `--override false`, `--no-delete`, `--rollback-on-failure` and `--remove-orphans` do not."""
    from blastwall.analyze.verbs import off_value

    flags = _table().get("flags", {})
    boolean = frozenset(flags.get("boolean_valued", ()))
    texts = [w.text if not w.dynamic else "" for w in argv]
    for i, f in enumerate(texts[1:], 1):
        if not f.startswith("-") or f == "--":
            continue
        key, eq, value = f.partition("=")
        if key in exempt:
            continue  # `meson setup --wipe`: only the program's own output (own_flags.py)
        if not eq and key in boolean and i + 1 < len(texts):
            value = texts[i + 1]
            eq = "=" if off_value(value) else ""
        if eq and off_value(value):
            continue
        if key in _destructive_flags():
            return Reading(key, "", Severity.MEDIUM)
        if key.startswith("--") or _single_dash_word(key):
            reading = _option_name_reading(key)
            if reading is not None:
                return reading
    return None


def _single_dash_word(key: str) -> bool:
    """`-purge`, `-delete`, `-force-delete`: a whole word after one dash, as Go, Java and HashiCorp
    tools spell long options (`nomad job stop -purge`, `keytool -delete`); a cluster of short
    letters (`-rf`, `-xvf`) is not one (four letters at least, lower case, no digits)."""
    word = key[1:]
    return len(word) >= 4 and key[1:2] != "-" and word.replace("-", "").isalpha() and word.isascii() and word.islower()


@functools.lru_cache(maxsize=1024)
def _option_name_reading(key: str) -> Reading | None:
    """`--overwrite-tables` -> overwrite on tables (high); `--delete-all` -> delete (medium);
    `--no-delete`, `--delete-on-failure`, `--clean` (a weak verb alone) -> None."""
    from blastwall.analyze.verbs import tokens

    flags = _table().get("flags", {})
    ts = tokens(key)
    if not ts or ts[0] in frozenset(flags.get("negating", ())) or set(ts) & frozenset(flags.get("conditional", ())):
        return None
    reading = read_words(["-".join(ts)])
    return Reading(key, reading.noun, reading.severity) if reading is not None else None


def _cleans(path: list[str]) -> bool:
    """The command path names a weak verb alone (`clean`, `clear`): a chore on what the program
    itself makes, which an option spelled with a strong verb (`--expunge`, `--purge`) only widens."""
    from blastwall.analyze.verbs import tokens

    weak = frozenset(_table()["verbs"]["weak"])
    return any(t in weak for w in path for t in tokens(w))


def _holds_data(name: str) -> bool:
    return name in frozenset(_table()["programs"].get("holds_data", ()))


def verb_findings(name: str, argv: list[Word], source: str, *, known: bool, scope: Any = None) -> list[Finding]:
    """A finding when the program's name or its subcommands read as destructive and no table
    says otherwise; `known` programs (with a rule table or handler) are read by subcommand only."""
    if name in _operands_only():
        return []
    path = command_path(argv, past_options=not known)
    if known and not path and _holds_data(name):
        # a store a table knows, called with its options first (`nats --context prod stream purge S`):
        # its verbs are read past them, as an unknown program's are
        path = command_path(argv, past_options=True)
    if path and path[0] in _table()["programs"].get("test_subcommands", {}).get(name, ()):
        return []  # `cargo test delete_removes_row`: a test's name, not a subcommand
    if known and (not path or _named_by_table(name, path)):
        return []
    flags = [w.text for w in argv[1:] if w.text.startswith("-") and not w.dynamic]
    holds = _holds_data(name)
    if safe_flags_present(flags) or undo_flag_present(flags):
        return []
    if not holds and age_bounded([w.text for w in argv[1:] if not w.dynamic], name):
        return []
    if name in _local_state():
        return []
    restored = restore_findings(name, argv, path, source, scope)
    if restored is not None:
        return restored
    reading = read_words(path, program="" if known else name, holds=name if holds else "")
    if reading is None and not known and len(path) > 1:
        from blastwall.analyze.shell.registry_refs import registry_reference

        reading = registry_reference(path, argv)
    if reading is None and not known:
        from blastwall.analyze.shell.own_flags import exempt_options

        reading = _flag_reading(argv, exempt_options(name, argv, path))
        if reading is not None and not reading.noun and reading.verb not in _destructive_flags() and _cleans(path):
            reading = None  # `bazel clean --expunge`: the option widens a cleanup of what the tool rebuilds
    if reading is None:
        return []
    row = _table()["rule"][0]
    target = " ".join([name, *path])
    noun = f" on {reading.noun}" if reading.noun else ""
    severity = max(reading.severity, Severity.parse(str(row["severity"])))
    return [Finding(
        rule_id=str(row["id"]),
        effect=Effect(str(row["effect"])),
        severity=severity,
        reason=str(row["reason"]).format(target=target, verb=reading.verb, noun=noun),
        target=target,
        safer=str(row["safer"]),
        source=source[:200],
        confidence=0.7,
    )]
