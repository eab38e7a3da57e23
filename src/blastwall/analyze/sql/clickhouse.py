"""ClickHouse mutations: ALTER TABLE statements that delete or rewrite rows.

    ALTER TABLE logs.events DELETE WHERE 1                  -> read as DELETE FROM logs.events WHERE 1
    ALTER TABLE t ON CLUSTER c UPDATE v = 0 WHERE id = 7    -> read as UPDATE t SET v = 0 WHERE id = 7
    ALTER TABLE t DROP PARTITION 202401                     -> drop-partition (MySQL's DROP PARTITION too)
    ALTER TABLE t CLEAR COLUMN c IN PARTITION 2024          -> clear-column
    ALTER TABLE t ENGINE = BLACKHOLE                        -> blackhole-engine (MySQL: every row is dropped)
    ALTER TABLE a SWAP WITH b                               -> swap-table (Snowflake: the contents trade places)

A DELETE or UPDATE mutation is judged as the standard statement that does the same, so the WHERE
rules (always true, selective, clearly expired) are the ones every other DELETE and UPDATE meets.
Other actions of the same ALTER (separated by commas) are read as an ALTER TABLE of their own.
"""

from __future__ import annotations

from collections.abc import Callable

from blastwall import rx
from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.rules import Hit

_NAME = r"(?:[A-Za-z_][\w$]*|`[^`]*`|\"[^\"]*\")"
_HEAD = rx.compile(rf"\s*alter\s+table\s+(?:if\s+exists\s+)?({_NAME}(?:\s*\.\s*{_NAME})*)"
                   rf"(?:\s+on\s+cluster\s+(?:{_NAME}|'[^']*'))?\s+", rx.I)
# Matched on the action's code (literals blanked in place), so keywords inside strings never count;
# the parts are then cut from the text at the same offsets.
_DELETE = rx.compile(r"delete\s+(?:in\s+partition\s+.+?\s+)?(?P<where>where)\s+.*", rx.I | rx.S)
_UPDATE = rx.compile(r"update\s+(?P<set>.+?)\s+(?:(?P<part>in)\s+partition\s+.+?\s+)?(?P<where>where)\s+.*",
                     rx.I | rx.S)
_DROP_PARTITION = rx.compile(r"drop\s+(?:detached\s+)?(?P<kw>partition|part)\s+.+", rx.I | rx.S)
_CLEAR_COLUMN = rx.compile(r"clear\s+column\s+(?:if\s+exists\s+)?(?P<what>[^\s,]+).*", rx.I | rx.S)
# MySQL's BLACKHOLE engine keeps no rows: converting a table to it discards every row it holds.
_BLACKHOLE = rx.compile(r"engine\s*=?\s*[`'\"]?blackhole\b[`'\"]?\s*", rx.I | rx.S)
# Snowflake's SWAP WITH trades the two tables' contents: the first now holds what the second held.
_SWAP = rx.compile(r"swap\s+with\s+(?P<other>\S.*?)\s*", rx.I | rx.S)
_MUTATIONS = (_DELETE, _UPDATE, _DROP_PARTITION, _CLEAR_COLUMN, _BLACKHOLE, _SWAP)

# Words that open an ALTER action: a comma before one starts the next action (UPDATE's own
# assignments are separated by commas too).
_ACTION_WORDS = frozenset({"add", "drop", "delete", "update", "clear", "modify", "rename", "comment", "materialize",
                           "freeze", "unfreeze", "attach", "detach", "replace", "move", "fetch", "remove", "reset",
                           "alter", "apply", "on", "engine", "swap"})

Reader = Callable[[str], list[Hit]]


def is_mutation(text: str) -> bool:
    """Whether the statement is an ALTER TABLE with a ClickHouse row mutation or a partition drop."""
    return _split(text) is not None


def hits(text: str, read: Reader) -> list[Hit] | None:
    """The hits of a mutation (`read` judges the standard statement it stands for), or None when
    the statement is not one."""
    found = _split(text)
    if found is None:
        return None
    table, actions = found
    out: list[Hit] = []
    for code, action in actions:
        out += [h._replace(source=text) for h in _action(table, code, action, read)]
    return out


def _split(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(table, [(action code, action text)]) when some action is a mutation, else None. Only an
    ALTER is one: a text without the word (`_HEAD` needs it, in any case) is read no further."""
    if "alter" not in text.lower():
        return None
    pieces = lexer.split(text)
    if len(pieces) != 1:
        return None
    stripped = pieces[0].text
    # the code of the stripped text (the same offsets as the text): the split's own when nothing was stripped
    again = pieces if stripped == text else lexer.split(stripped)
    text = stripped
    code = again[0].code if len(again) == 1 else ""
    if len(code) != len(text):
        return None
    head = _HEAD.match(text)  # on the text: a quoted table name is blanked in the code
    if head is None:
        return None
    table = text[head.start(1):head.end(1)]
    actions = []
    if any(c in text[: head.end()] for c in ("--", "/*", "#")):
        return None  # a comment inside the head: not read here (the parsers' reading stands)
    for a, b in _commas(code, head.end()):
        lead = len(code[a:b]) - len(code[a:b].lstrip())
        actions.append((code[a + lead:b], text[a + lead:b]))
    if not any(m.fullmatch(c) for c, _ in actions for m in _MUTATIONS) and not any(
            _BLACKHOLE.fullmatch(t) for _, t in actions):  # ENGINE='BLACKHOLE': a literal, blanked in the code
        return None
    return table, actions


def _commas(code: str, start: int) -> list[tuple[int, int]]:
    """Spans of the comma-separated actions of an ALTER, outside parentheses and assignments."""
    spans, depth, begin = [], 0, start
    for i in range(start, len(code)):
        c = code[i]
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0 and lexer.first_word(code[i + 1:i + 40]) in _ACTION_WORDS:
            spans.append((begin, i))
            begin = i + 1
    spans.append((begin, len(code)))
    return spans


def _action(table: str, code: str, action: str, read: Reader) -> list[Hit]:
    if (m := _DELETE.fullmatch(code)) is not None:
        return read(f"DELETE FROM {table} WHERE {action[m.end('where'):].strip()}")
    if (m := _UPDATE.fullmatch(code)) is not None:
        end = m.start("part") if m.group("part") else m.start("where")
        assignments = action[m.start("set"):end].strip()
        return read(f"UPDATE {table} SET {assignments} WHERE {action[m.end('where'):].strip()}")
    if (m := _DROP_PARTITION.fullmatch(code)) is not None:
        return [Hit("drop-partition", table, action, action[m.end("kw"):].strip())]
    if (m := _CLEAR_COLUMN.fullmatch(code)) is not None:
        return [Hit("clear-column", table, action, action[m.start("what"):m.end("what")])]
    if _BLACKHOLE.fullmatch(code) is not None or _BLACKHOLE.fullmatch(action) is not None:
        return [Hit("blackhole-engine", table, action, "BLACKHOLE")]
    if (m := _SWAP.fullmatch(code)) is not None:
        return [Hit("swap-table", table, action, action[m.start("other"):m.end("other")])]
    return read(f"ALTER TABLE {table} {action.strip()}")
