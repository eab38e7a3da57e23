"""Settings that keep data recoverable, turned down or off (`rules/sql_durability.toml`).

    cut("binlog_expire_logs_seconds", "1")                 -> "MySQL binary log retention ... = 1"
    cut("binlog_expire_logs_seconds", "2592000")           -> ""      (30 days: a longer window)
    cut("delta.logRetentionDuration", "interval 0 days")   -> "Delta Lake table history ... = interval 0 days"
    cut("appendonly", "no")                                -> "Redis append-only file ... = no"
    cut("work_mem", "64MB")                                -> None    (not a durability setting)
    object_settings("ALTER TABLE `p.d.t` SET OPTIONS (description = 'x')") -> [("description", "'x'")]

A window below its floor, an `off` value, or a value that cannot be read is a cut (a non-empty
detail); a longer window, a `never` value or another value is kept (""). `object_settings` reads
the settings statements no grammar takes (`ALTER <object> name SET OPTIONS (...)`, `SET
TBLPROPERTIES (...)`, Snowflake's `SET k = v ...`, CockroachDB's `CONFIGURE ZONE USING k = v, ...`,
T-SQL's `SET RECOVERY FULL`), so `setting_hits` judges them key by key: every key known (a
durability setting kept, or one that only describes the object) passes; a cut asks; an unknown
key leaves the statement to the readers after it.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.sql.rules import Hit

_HEAD = rx.compile(
    r"^\s*alter\s+(?:table|schema|database|account|dataset|view|materialized\s+view|index)\s+"
    r"(?:if\s+exists\s+)?(?:(?P<name>[`\"\w.$-]+)\s+)?"
    r"(?P<verb>set\s+options|set\s+tblproperties|set|configure\s+zone\s+using)\s+(?P<body>.*?)\s*;?\s*$",
    rx.I | rx.S)
_PAIR = rx.compile(
    r"\s*(?P<key>'[\w.]+'|\"[\w.]+\"|`[\w.]+`|[A-Za-z_][\w.]*)\s*(?:=\s*|\s+)"
    r"(?P<value>'(?:[^']|'')*'|\"[^\"]*\"|-?[\w.]+(?:\s*\(\s*\))?)\s*(?:,|\s|$)")
_QUANTITY = rx.compile(r"^\s*(?:interval\s+)?'?\s*(-?[0-9]+(?:\.[0-9]+)?)\s*'?\s*([a-z]*)\s*$", rx.I)


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("sql_durability")


@functools.cache
def _rows() -> dict[str, dict[str, Any]]:
    return {name: row for row in _table()["setting"] for name in row["names"]}


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1].replace("''", "'")
    return text


def cut(name: str, value: str) -> str | None:
    """The detail of a durability setting turned down or off; "" when the value keeps it; None when
    `name` is no durability setting."""
    row = _rows().get(unquote(name).lower())
    if row is None:
        return None
    said = unquote(value)
    shown = f"{row['engine']}: {unquote(name)} = {said or repr(said)}"
    if "off" in row:
        return shown if said.lower() in row["off"] else ""
    amount = _amount(said, str(row["unit"]))
    if amount is None:
        return shown  # a value blastwall cannot read: its window is unknown
    if amount in row.get("never", ()):
        return ""
    return shown if amount < row["floor"] else ""


def _amount(value: str, unit: str) -> float | None:
    """The value in the setting's own unit: `1`, `'interval 0 days'`, `'2 hours'`, `48h`."""
    found = _QUANTITY.match(value)
    if found is None:
        return None
    units = _table()["units"]
    number, spelled = float(found.group(1)), found.group(2).lower()
    if not spelled:
        return number
    per = units.get(spelled, units.get(spelled[:-1]) if spelled.endswith("s") else None)
    return None if per is None else number * per / units[unit]


def alter_system_harmless(name: str) -> bool:
    """ALTER SYSTEM of a setting that only changes logging, statistics or planning (`[alter_system]`)."""
    rows = _table()["alter_system"]
    low = name.lower()
    return low in rows["names"] or any(low.startswith(p) for p in rows["prefixes"])


def object_settings(src: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(the object's name, its `key = value` pairs) of an object-settings statement, or None when the
    statement is not one, or has text this reader cannot account for."""
    if "set" not in src.lower() and "configure" not in src.lower():
        return None
    head = _HEAD.match(src)
    if head is None:
        return None
    body = head.group("body").strip()
    if head.group("verb").lower() in ("set options", "set tblproperties"):
        if not (body.startswith("(") and body.endswith(")")):
            return None
        body = body[1:-1]
    pairs, at = [], 0
    while at < len(body):
        found = _PAIR.match(body, at)
        if found is None or found.end() == at:
            return None
        pairs.append((unquote(found.group("key")).lower(), found.group("value")))
        at = found.end()
    return (head.group("name") or "", pairs) if pairs else None


def setting_hits(src: str) -> list[Hit] | None:
    """Hits of an object-settings statement read key by key; None when it is not one, or names a
    key that is neither a durability setting nor one that only describes the object."""
    read = object_settings(src)
    if read is None:
        return None
    target, pairs = read
    describe = frozenset(_table()["describe"]["keys"])
    cuts = []
    for key, value in pairs:
        detail = cut(key, value)
        if detail is None and key not in describe:
            return None
        if detail:
            cuts.append(detail)
    return [Hit("durability-off", target, src, "; ".join(cuts))] if cuts else []
