"""`R CMD TOOL ARGS`: R's tool runner (rules/r_cmd.toml).

    R CMD build . && R CMD check --as-cran pkg_0.1.tar.gz   -> R's own tools: nothing to read
    R CMD BATCH analysis.R                                   -> runs analysis.R: read like Rscript FILE
    R CMD rm -rf ~/data                                      -> runs rm with R's environment

Anything after `CMD` that is not one of R's tools is a program R CMD runs, analyzed as that command.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("r_cmd")


def r_cmd(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """The findings of `R [options] CMD TOOL ...`, or None when the words are not an `R CMD` line."""
    table = _table()
    values = frozenset(table["value_options"])
    i = 1
    while i < len(argv) and argv[i].text.startswith("-") and argv[i].text != "CMD":
        i += 2 if argv[i].text in values else 1
    if i >= len(argv) or argv[i].text != "CMD" or argv[i].dynamic:
        return None
    rest = argv[i + 1:]
    if not rest:
        return []  # `R CMD` alone prints its usage
    tool = rest[0]
    if tool.dynamic:
        from blastwall.analyze.base import unknown

        return [unknown("shell.exec:dynamic-command", f"R CMD runs {tool.text}, which blastwall cannot resolve",
                        cmd.source)]
    if tool.text in table["tools"]:
        return []
    if tool.text in table["scripts"]:
        from blastwall.analyze.shell.handlers import _script_file_findings

        script = next((w for w in rest[1:] if not w.text.startswith("-")), None)
        return [] if script is None else _script_file_findings("r", script.text, cmd, scope)
    from blastwall.analyze.shell.resolve import analyze_simple

    return analyze_simple(cmd.with_argv(list(rest)), scope.deeper("R CMD"), with_redirects=False)
