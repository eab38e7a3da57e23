"""AppleScript read as code (`osascript -e CODE`, MCP AppleScript servers), by the table
rules/applescript.toml:

    display notification "Tests passed" with title "CI"              ->  []
    tell application "Finder" to get POSIX path of (selection as alias)  ->  []
    tell application "Finder" to delete every item of folder "Docs"  ->  ask: delete changes things
    do shell script "rm -rf ~/x"                                      ->  the shell line, judged as shell
    do shell script "rm -rf " & quoted form of p                      ->  ask: built at run time

Each line is one statement (`¬` continues a line; `--` and `#` start comments). Past the prefixes
`tell application "X" to` and `set NAME to`, a statement passes when its first word is a read verb
and no word outside its strings is a changing word; anything else asks, naming the word.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.model import Finding

__all__ = ["applescript_findings"]

_TOKEN = rx.compile(r'"(?:[^"\\]|\\.)*"|--.*|#.*|[A-Za-z_][A-Za-z_0-9]*|\|[^|]*\||&|\S')
_TELL = rx.compile(r'(?i)^\s*tell\s+(?:application|app|process)\s+(?:"(?:[^"\\]|\\.)*"|id\s+"[^"]*")\s*')
_SET = rx.compile(r"(?i)^\s*set\s+(?:[A-Za-z_][A-Za-z_0-9]*|\|[^|]*\|)\s+to\s+")
_SHELL = rx.compile(r"(?i)\bdo\s+shell\s+script\b")


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    t = load_table("applescript")
    return {"read": frozenset(t["read_verbs"]), "change": frozenset(t["changing_words"]),
            "blocks": frozenset(t["block_lines"])}


def applescript_findings(code: str, scope: Scope, source: str) -> list[Finding]:
    """What AppleScript CODE does: [] when every statement only shows or reads, the shell lines of
    `do shell script` judged as shell, and an ask for any statement blastwall cannot read."""
    text = code.replace("\r\n", "\n").replace("\r", "\n").replace("¬\n", " ")
    found: list[Finding] = []
    for line in text.split("\n"):
        found += _statement(line.strip(), scope, source)
    return found


def _statement(line: str, scope: Scope, source: str) -> list[Finding]:
    if not line or line.startswith(("--", "#")):
        return []
    if _SHELL.search(line):
        return _shell(line, scope, source)
    while True:
        m = _TELL.match(line) or _SET.match(line)
        if m is None:
            break
        rest = line[m.end():]
        if rest.lower().startswith("to "):
            rest = rest[3:]
        if not rest.strip():
            return []  # `tell application "Finder"`: a block opens
        line = rest
    words = [t.lower() for t in _TOKEN.findall(line) if t[:1].isalpha() or t[:1] == "_"]
    if not words or " ".join(words) in _table()["blocks"]:
        return []
    changing = next((w for w in words if w in _table()["change"]), None)
    if changing is not None:
        return [unknown("code.applescript:changes", f"AppleScript `{changing}` changes files, apps or the machine; "
                        "a human must read it", source)]
    if words[0] not in _table()["read"]:
        return [unknown("code.applescript:unknown-verb", f"AppleScript statement `{words[0]}` is not one blastwall "
                        "reads; a human must read it", source)]
    return []


def _shell(line: str, scope: Scope, source: str) -> list[Finding]:
    """`do shell script "LINE" [with administrator privileges]`: LINE judged as a shell line; a
    script built with `&` or from a variable asks. What stands before it is read as a statement."""
    from blastwall.analyze.shell import analyze_command

    m = _SHELL.search(line)
    assert m is not None
    before = line[:m.start()].strip()
    found = _statement(before, scope, source) if before and not _TELL.fullmatch(before + " ") and \
        not before.lower().rstrip().endswith((" to", "(")) else []
    tokens = _TOKEN.findall(line[m.end():])
    if not tokens or not tokens[0].startswith('"') or "&" in tokens[1:]:
        return found + [unknown("code.applescript:shell-built", "AppleScript `do shell script` runs a command built "
                                "at run time; a human must read it", source)]
    shell_line = rx.sub(r'\\(.)', lambda c: {"n": "\n", "t": "\t", "r": "\n"}.get(c.group(1), c.group(1)),
                        tokens[0][1:-1])
    return found + analyze_command(shell_line, scope.deeper("do shell script"))
