"""Redis commands whose arguments decide what they do (`rules/sql.toml` `[redis.argued]`, `[redis.expiry]`).

- `COPY a b REPLACE`, `RESTORE k 0 payload REPLACE`: REPLACE overwrites the key already there;
  without it the command fails on an existing key and loses nothing.
- `MIGRATE host port k 0 5000`: without COPY the key leaves this server; REPLACE overwrites it there.
- `EXPIRE k 0`, `PEXPIRE k -1`, `EXPIREAT k <a time already past>`: the key is deleted now, as DEL
  does; a time in the future only schedules what the application asked for. A time that is not a
  whole number (a variable) cannot be judged: asked.
"""

from __future__ import annotations

import time
from typing import Any

from blastwall.analyze.sql.rules import Hit, table


def _redis() -> dict[str, Any]:
    return dict(table()["redis"])


def known(cmd: str) -> bool:
    """A command judged here."""
    redis = _redis()
    return cmd in redis["argued"] or cmd in redis["expiry"] or cmd in redis["emptied"]


def hits(argv: list[str], src: str) -> list[Hit]:
    """The hits of `argv` (its command one of `known`)."""
    cmd = argv[0].upper()
    redis = _redis()
    if cmd in redis["expiry"]:
        return _expiry(argv, redis["expiry"][cmd], src)
    if cmd in redis["emptied"]:
        return _emptied(argv, redis["emptied"][cmd], src)
    row = redis["argued"][cmd]
    words = {a.upper() for a in argv[1:]}
    passes_with = set(row.get("passes_with", []))
    if not words & set(row.get("asks_with", [])) and (not passes_with or words & passes_with):
        return []
    target = argv[int(row.get("target_at", 1))] if len(argv) > int(row.get("target_at", 1)) else ""
    return [Hit(str(row["kind"]), target, src, cmd)]


def _expiry(argv: list[str], unit: str, src: str) -> list[Hit]:
    """EXPIRE family: `unit` is `relative` (seconds or milliseconds from now), `seconds` or
    `milliseconds` (a Unix time)."""
    from blastwall.analyze.sql.nosql import ephemeral_key

    if len(argv) < 3 or ephemeral_key(argv[1]):
        return []  # too few arguments: Redis refuses it; a short-lived key: written again
    value = argv[2].strip()
    try:
        when = int(value)
    except ValueError:
        return [Hit("redis-expire-now", argv[1], src, f"{argv[0].upper()} with a time blastwall cannot read ({value[:40]})")]
    now = 0 if unit == "relative" else int(time.time() * (1000 if unit == "milliseconds" else 1))
    if when > now:
        return []
    return [Hit("redis-expire-now", argv[1], src, f"{argv[0].upper()} {value}")]


def _emptied(argv: list[str], shapes: list[list[str]], src: str) -> list[Hit]:
    """`XTRIM k MAXLEN 0`, `ZREMRANGEBYRANK k 0 -1`, `LTRIM k 1 0`: every element of the key removed."""
    from blastwall.analyze.sql.nosql import ephemeral_key

    if len(argv) < 3 or ephemeral_key(argv[1]):
        return []
    rest = [a.lower() for a in argv[2:]]
    whole = any(rest[: len(shape)] == [w.lower() for w in shape] for shape in shapes)
    if argv[0].upper() == "LTRIM" and len(rest) == 2:
        try:
            start, stop = int(rest[0]), int(rest[1])
        except ValueError:
            return [Hit("redis-del", argv[1], src, f"LTRIM with a range blastwall cannot read ({' '.join(rest)[:40]})")]
        whole = (start >= 0) == (stop >= 0) and start > stop
    return [Hit("redis-del", argv[1], src, " ".join(argv[:1] + argv[2:])[:60])] if whole else []
