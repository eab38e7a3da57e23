"""The root package's lifecycle scripts that an install runs, judged as the code they hold.

    npm install        (package.json: "postinstall": "rm -rf ~/data")   ->  rm -rf ~/data
    yarn / pnpm i / bun install / npm ci                                 ->  the same scripts
    npm install express / npm install --ignore-scripts                   ->  none run

An install without package words runs the root package.json's preinstall, install, postinstall,
prepublish, preprepare, prepare, postprepare (and npm's dependencies) scripts: they are read like
`npm run NAME` reads its script. Which commands install and which scripts they run is a table
(rules/shell_scripts.toml [install_lifecycle]). A package.json that is not there or cannot be read
keeps the command's usual judgement (the install itself is not asked about).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import Word
from blastwall.model import Finding


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("shell_scripts").get("install_lifecycle", {}))


def install_managers() -> frozenset[str]:
    return frozenset(k for k, v in _table().items() if k in ("npm", "yarn", "pnpm", "bun") and isinstance(v, list))


def install_script_findings(name: str, argv: list[Word], scope: Scope) -> list[Finding]:
    """The findings of the lifecycle scripts `argv` (an install of the root package) runs; [] when it
    runs none, or when the package.json cannot be read."""
    table = _table()
    subcommand = _installs(name, argv[1:], table)
    if subcommand is None:
        return []
    directory = _option(argv[1:], tuple(table.get("dir_options", ())))
    if directory is not None and directory.dynamic:
        return []  # a folder made at run time: the package.json is not known, the usual judgement stands
    scripts = _root_scripts(scope, directory.text if directory else None)
    if not scripts:
        return []
    names = list(table.get("scripts", ()))
    if subcommand in table.get("then_test", ()):
        names += ["pretest", "test", "posttest"]
    from blastwall.analyze.shell.handlers import _shell_text

    found: list[Finding] = []
    for script in names:
        text = scripts.get(script)
        if isinstance(text, str) and text.strip():
            found.extend(f._replace(reason=f"{f.reason} (the package script {script}, which {name} "
                                           f"{subcommand or 'install'} runs)")
                         for f in _shell_text(text, scope, f"{name} lifecycle script {script}"))
    return found


def _installs(name: str, args: list[Word], table: dict[str, Any]) -> str | None:
    """The install subcommand (`""` for the program alone) when `args` install the root package
    without package words and without --ignore-scripts; None otherwise."""
    commands = table.get(name)
    if not isinstance(commands, list):
        return None
    valued = frozenset(table.get("value_options", ()))
    skip = frozenset(table.get("skip_options", ()))
    printing = frozenset(table.get("print_options", ()))
    words: list[tuple[str, bool]] = []  # (word, whether it may be an option's value)
    i = 0
    while i < len(args):
        w = args[i]
        t = w.text
        if t == "--":
            words.extend((a.text, False) for a in args[i + 1:])
            break
        if t.startswith("-") and t != "-":
            option, eq, value = t.partition("=")
            if option in skip and (not eq or value.lower() in ("true", "1", "yes")):
                return None
            if option in printing:
                return None
            if not eq and i + 1 < len(args) and not args[i + 1].text.startswith("-"):
                if option in valued:
                    i += 1  # its value: no package word
                elif option.startswith("--"):
                    words.append((args[i + 1].text, True))  # npm reads `--foo bar` as foo=bar
                    i += 1
            i += 1
            continue
        words.append((t, False))
        i += 1
    at = next((k for k, (t, _) in enumerate(words) if t in commands), None)
    if at is None:
        return "" if "" in commands and not any(not maybe for _, maybe in words) else None
    if any(not maybe for _, maybe in words[:at]) or any(not maybe for _, maybe in words[at + 1:]):
        return None  # another subcommand first, or package words
    return words[at][0]


def _option(args: list[Word], names: tuple[str, ...]) -> Word | None:
    for i, w in enumerate(args):
        for n in names:
            if w.text == n and i + 1 < len(args):
                return args[i + 1]
            if n.startswith("--") and w.text.startswith(n + "="):
                return Word(w.text[len(n) + 1:], dynamic=w.dynamic)
    return None


def _root_scripts(scope: Scope, directory: str | None) -> dict[str, Any] | None:
    from blastwall.analyze.shell.tasks import task_text

    if not scope.read_files or not scope.cwd:
        return None
    base = os.path.join(scope.cwd, os.path.expanduser(directory)) if directory else scope.cwd
    text = task_text(os.path.join(base, "package.json"), scope)  # as an earlier checkout leaves it
    if text is None:
        return None
    try:
        scripts = json.loads(text).get("scripts")
    except (ValueError, AttributeError):
        return None
    return scripts if isinstance(scripts, dict) else None
