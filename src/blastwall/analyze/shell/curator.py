"""Elasticsearch Curator's command line: `curator_cli [OPTIONS] ACTION --filter_list JSON`.

    curator_cli --host es delete_indices --filter_list '[{"filtertype":"pattern","kind":"prefix",
        "value":"logs-"},{"filtertype":"age","source":"name","direction":"older",
        "timestring":"%Y.%m.%d","unit":"days","unit_count":30}]'
        ->  [Finding("shell.curator:delete-expired-indices", LOW)]: only log indices past 30 days

Curator applies each filter of the list in turn, each narrowing the indices acted on. A deletion
is a clearly expired cleanup (like `find /srv/app/logs -mtime +30 -delete`) when the list holds
an age filter that keeps only indices older than one unit or more (days, weeks, months, years),
and a prefix filter that keeps only indices whose name says they hold short-lived data (logs,
metrics, traces: the words of analyze/sql/expired.py), neither of them inverted with
`exclude`. Anything else (no filter list, JSON that does not parse, `filtertype: none`, an age
filter in seconds, younger indices, snapshots) is read by the verb model, which asks.
"""

from __future__ import annotations

import json
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity

_UNITS = frozenset({"days", "weeks", "months", "years"})
_DELETES = frozenset({"delete_indices"})


def handle_curator(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    words = [w.text for w in argv[1:]]
    action = next((w for w in words if w in _DELETES), None)
    filters = None if action is None or any(w.dynamic for w in argv[1:]) else _filter_list(words)
    prefix = _expired(filters) if filters is not None else None
    if prefix is None:  # read by the verb model, as a program no table knows (its options skipped)
        from blastwall.analyze.shell.subcommands import verb_findings

        return verb_findings(name, argv, cmd.source, known=False)
    return [Finding(rule_id="shell.curator:delete-expired-indices", effect=Effect.DELETE, severity=Severity.LOW,
                    reason=f"curator_cli deletes only indices {prefix}* older than their retention age",
                    target=f"{prefix}*", reversible=False,
                    safer="run the same action with --dry-run first and review the list", source=cmd.source[:200])]


def _filter_list(words: list[str]) -> list[dict[str, Any]] | None:
    found: list[str] = []
    for i, w in enumerate(words):
        if w == "--filter_list" and i + 1 < len(words):
            found.append(words[i + 1])
        elif w.startswith("--filter_list="):
            found.append(w.split("=", 1)[1])
    if len(found) != 1:
        return None
    try:
        value = json.loads(found[0])
    except ValueError:
        return None
    items = value if isinstance(value, list) else [value]
    return items if items and all(isinstance(f, dict) for f in items) else None


def _expired(filters: list[dict[str, Any]]) -> str | None:
    """The short-lived prefix the list keeps, when it also keeps only indices past an age."""
    from blastwall.analyze.sql.expired import short_lived

    aged = False
    prefix: str | None = None
    for f in filters:
        if f.get("exclude") not in (None, False):
            continue  # an inverted filter still narrows the list, but bounds nothing here
        kind = f.get("filtertype")
        if kind == "age" and f.get("direction") == "older" and f.get("unit") in _UNITS and \
                isinstance(f.get("unit_count"), int) and not isinstance(f.get("unit_count"), bool) and \
                f["unit_count"] >= 1 and f.get("source", "creation_date") in ("name", "creation_date",
                                                                                 "field_stats"):
            aged = True
        elif kind == "pattern" and f.get("kind") == "prefix" and isinstance(f.get("value"), str):
            value = f["value"]
            if value and not any(c in value for c in "*?[]{}()|\\^$.+") and short_lived(value.strip("-_.")):
                prefix = value
    return prefix if aged else None


register(["curator_cli"], handle_curator)
