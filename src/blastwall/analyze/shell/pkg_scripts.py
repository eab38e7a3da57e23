"""Package scripts set from the command line: the command they hold runs later, so it is judged now.

    npm pkg set scripts.prepare="rm -rf ~/.ssh" && npm install     ->  rm -rf ~/.ssh (prepare runs on install)
    npm pkg set scripts.lint="git push -f origin main"              ->  git push -f (whenever lint runs)
    npm set-script lint "git push -f origin main"                    ->  the same, npm 7-8's spelling
    composer config scripts.post-install-cmd 'rm -rf storage/app'     ->  rm -rf storage/app (runs on install)

A script written into package.json runs on a later `npm run NAME`, and lifecycle scripts
(`prepare`, `preinstall`, `install`, `postinstall`) run on `npm install` without being named: a
name proves nothing, so every script set is read as shell code, whenever it runs. The commands
that set scripts are a table (rules/shell_scripts.toml [pkg_set]). A value blastwall cannot know
(a variable, a substitution, JSON it cannot read under --json) is asked about.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("shell_scripts").get("pkg_set", {}))


def pkg_script_findings(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """The findings of the scripts `argv` sets, or None when it sets none."""
    words = [w.text for w in argv]
    table = _table()
    as_json = any(w in table.get("json_flags", ()) for w in words)
    for row in table.get("pairs", ()):
        rest = _after(argv, tuple(row))
        if rest is not None:
            return _judge([_pair(w) for w in rest if not w.text.startswith("-")], as_json, cmd, scope)
    for row in table.get("name_value", ()):
        rest = _after(argv, tuple(row))
        if rest is not None:
            pos = [w for w in rest if not w.text.startswith("-")]
            if len(pos) < 2:
                return None
            return _judge([("scripts." + pos[0].text, pos[1])], False, cmd, scope)
    for row in table.get("key_value", ()):
        rest = _after(argv, tuple(row))
        if rest is not None:
            pos = _operands(rest, row[0])
            if len(pos) < 2:
                return None
            return _judge([(pos[0].text, w) for w in pos[1:]], as_json, cmd, scope, composer=True)
    return None


def _after(argv: list[Word], head: tuple[str, ...]) -> list[Word] | None:
    """The words after `head` (the program, then its subcommands; options between are skipped)."""
    if not argv or argv[0].text.rsplit("/", 1)[-1] != head[0]:
        return None
    want = list(head[1:])
    valued = frozenset(_table().get("value_options", ())) | frozenset(
        _table().get("program_value_options", {}).get(head[0], ()))
    i = 1
    while i < len(argv):
        if not want:
            return argv[i:]
        t = argv[i].text
        if t == want[0]:
            want.pop(0)
        elif t in valued:
            i += 1
        elif not t.startswith("-"):
            return None
        i += 1
    return [] if not want else None


def _operands(words: list[Word], program: str) -> list[Word]:
    """The words that are no option nor an option's value."""
    valued = frozenset(_table().get("program_value_options", {}).get(program, ()))
    out: list[Word] = []
    skip = False
    for w in words:
        if skip:
            skip = False
        elif w.text in valued:
            skip = True
        elif not w.text.startswith("-"):
            out.append(w)
    return out


def _pair(word: Word) -> tuple[str, Word]:
    key, eq, value = word.text.partition("=")
    return key.strip(), Word(value, dynamic=word.dynamic) if eq else Word("", dynamic=True)


def _judge(pairs: list[tuple[str, Word]], as_json: bool, cmd: SimpleCommand, scope: Scope,
           composer: bool = False) -> list[Finding] | None:
    from blastwall.analyze.shell.handlers import _shell_text

    scripts: list[tuple[str, str | None]] = []
    for key, value in pairs:
        if key == "scripts" or key.startswith(("scripts.", "scripts[")):
            scripts.extend(_scripts_of(key, value, as_json))
    if not scripts:
        return None
    found: list[Finding] = []
    for name, text in scripts:
        if composer and text is not None:
            text = _composer_line(text)
        if text is None:
            found.append(unknown("shell.scripts:unread-package-script",
                                 f"sets the package script {name} to a command blastwall cannot read (made at run time, or "
                                 "PHP code); it runs on a later run or install: a human must check it", cmd.source))
        else:
            found.extend(f._replace(reason=f"{f.reason} (the package script {name}, which runs later)")
                         for f in _shell_text(text, scope, f"package script {name}"))
    return found


def judge_scripts(pairs: list[tuple[str, Word]], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """The findings of scripts set elsewhere (a jq filter: jq_scripts.py), as `npm pkg set` judges them."""
    return _judge(pairs, False, cmd, scope)


def _composer_line(text: str) -> str | None:
    """A composer script line as shell: `@php artisan x` is `php artisan x`, `@putenv X=1` and
    `@other-script` run nothing here; `Vendor\\Class::method` is PHP code blastwall does not read (None)."""
    if " " not in text.strip() and "::" in text:
        return None
    if not text.startswith("@"):
        return text
    head, _, rest = text.partition(" ")
    prefixes = _table().get("composer_prefixes", {})
    if head in prefixes:
        return f"{prefixes[head]} {rest}".strip() if prefixes[head] else ""
    return ""


def _scripts_of(key: str, value: Word, as_json: bool) -> list[tuple[str, str | None]]:
    name = key[len("scripts"):].lstrip(".").strip("[]\"'") or "scripts"
    if value.dynamic or "$(" in value.text or "`" in value.text:
        return [(name, None)]
    if not as_json:
        return [(name, value.text)]
    try:
        data = json.loads(value.text)
    except ValueError:
        return [(name, None)]
    if isinstance(data, str):
        return [(name, data)]
    if isinstance(data, list):  # composer's `--json scripts.x '["a", "b"]'`: each line runs
        return [(name, v if isinstance(v, str) else None) for v in data] or [(name, None)]
    if isinstance(data, dict) and key == "scripts":
        return [(str(k), v if isinstance(v, str) else None) for k, v in data.items()]
    return [(name, None)]
