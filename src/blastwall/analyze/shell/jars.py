"""`java -jar TOOL.jar ARGS` and `java -cp ... MAIN ARGS` of a known tool: judged as `TOOL ARGS`.

    java -jar bfg-1.14.0.jar --delete-files '*.sql'   -> bfg --delete-files '*.sql'
    java -jar liquibase.jar --url=... dropAll         -> liquibase --url=... dropAll

The tools, their jar names and main classes are data (rules/jars.toml). Any other jar or class
is a program blastwall knows nothing about, judged as before.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

_VERSION = rx.compile(r"[-_]v?\d[\w.+-]*$")


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("jars")


@functools.cache
def _by_jar() -> dict[str, str]:
    return {name: row["tool"] for row in _table()["jar"] for name in row["jars"]}


@functools.cache
def _by_main() -> dict[str, str]:
    return {name: row["tool"] for row in _table()["jar"] for name in row["mains"]}


def jar_tool(path: str) -> str | None:
    """The tool a jar file is, by its name (`tools/bfg-1.14.0.jar` -> `bfg`), or None."""
    name = path.rsplit("/", 1)[-1]
    if not name.lower().endswith(".jar"):
        return None
    name = name[:-4].lower()
    for suffix in _table()["suffixes"]:
        name = name.removesuffix(suffix)
    name = _VERSION.sub("", name)
    for suffix in _table()["suffixes"]:
        name = name.removesuffix(suffix)
    return _by_jar().get(name)


def handle_java(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    values = frozenset(_table()["value_options"])
    i = 1
    while i < len(argv):
        t = argv[i].text
        if t == "-jar":
            if i + 1 >= len(argv) or argv[i + 1].dynamic:
                return None
            tool = jar_tool(argv[i + 1].text)
            return _as(tool, argv[i + 2:], cmd, scope) if tool else None
        if t in values:
            i += 2
            continue
        if t.startswith(("-", "@")):
            i += 1
            continue
        tool = None if argv[i].dynamic else _by_main().get(t)
        return _as(tool, argv[i + 1:], cmd, scope) if tool else None
    return None


def _as(tool: str, args: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell.resolve import analyze_simple

    return analyze_simple(cmd.with_argv([Word.lit(tool), *args]), scope.deeper(f"java {tool}"), with_redirects=False)


register(["java"], handle_java)
