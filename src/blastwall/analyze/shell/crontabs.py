"""A table replaced whole by a carrier's input: `echo JOB | crontab -`, `crontab jobs.txt`.

crontab installs its input as the user's entire crontab: every job there now that the input does
not repeat is deleted. The input keeps them when it is built from the current table: a
`crontab -l` (same user) whose output goes, unfiltered, into the pipe, alone or in a group with
the new lines (`(crontab -l; echo JOB) | crontab -`, `{ crontab -l; cat new; } | crontab -`).
Anything else (a heredoc, a file, `crontab -l | grep -v x`, another user's table) replaces the
table: asked (rules/carriers.toml `[replaces]`). The new jobs are judged on their own as well.
"""

from __future__ import annotations

from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity

_STDOUT = (">", ">|", "&>", ">&", "&>>", ">>")


def replaced(name: str, row: dict[str, Any], words: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """The finding of `cmd` (a `name` whose input replaces its table) unless its stdin is built
    from the table's own listing (`row["lister"]`, e.g. `-l`)."""
    if _keeps(name, str(row["lister"]), _user(words), cmd, scope):
        return []
    return [Finding(rule_id=row["id"], effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                    reason=row["reason"], target=cmd.source[:120], safer=row.get("safer", ""),
                    source=cmd.source[:200])]


def _user(words: list[Word]) -> str:
    texts = [w.text for w in words]
    for i, t in enumerate(texts):
        if t == "-u" and i + 1 < len(texts):
            return texts[i + 1]
        if t.startswith("-u") and len(t) > 2:
            return t[2:]
    return ""


def _keeps(name: str, lister: str, user: str, cmd: SimpleCommand, scope: Scope) -> bool:
    producer = cmd.stdin_from
    if producer is None or cmd.stdin_text is not None or cmd.stdin_file is not None:
        return False
    earlier = [c for c, _ in scope.earlier]
    at = next((k for k in range(len(earlier) - 1, -1, -1) if earlier[k] is producer), None)
    if at is None:
        return False
    group: list[Any] = []
    for c in reversed(earlier[: at + 1]):  # the commands whose output is the pipe's: the producer's group
        if tuple(c.ctx[: len(producer.ctx)]) != tuple(producer.ctx):
            break
        group.append(c)
    for c in group:
        if c.ctx != producer.ctx or not _lists(c, name, lister, user):
            continue
        if any(r.op in _STDOUT and r.fd in ("", "1") for r in c.redirects):
            continue  # its listing goes to a file, not the pipe
        if any(other.stdin_from is c for other in group):
            continue  # filtered before it reaches the pipe
        return True
    return False


def _lists(c: Any, name: str, lister: str, user: str) -> bool:
    """`crontab -l` (through sudo or a path) for the same user."""
    texts = [w.text for w in c.argv]
    if any(w.dynamic for w in c.argv):
        return False
    at = next((i for i, t in enumerate(texts) if t.rsplit("/", 1)[-1] == name), None)
    if at is None or any(t not in ("sudo", "doas", "command") for t in texts[:at]):
        return False
    rest = texts[at + 1:]
    return lister in rest and _user(c.argv[at + 1:]) == user and all(
        t in (lister, "-u") or (i > 0 and rest[i - 1] == "-u") for i, t in enumerate(rest))
