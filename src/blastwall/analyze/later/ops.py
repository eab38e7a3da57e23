"""Steps of framework migrations (Alembic, Django, Rails, Knex/Sequelize/TypeORM, Laravel,
Liquibase): each destructive call becomes the SQL statement it runs (`rules/later_ops.toml`).

    ops_steps("def upgrade():\\n    op.drop_table('bookings')\\n", alembic)
        -> [Step("sql", "DROP TABLE bookings", 2)]

Only the part of the file that runs when the migration is applied is read: `downgrade()`,
`def down`, `down:` and Liquibase `<rollback>` undo what the migration made and run on rollback.
Commented-out lines do not run either.
"""

from __future__ import annotations

import bisect
import functools
import posixpath
from typing import Any

from blastwall import rx
from blastwall.analyze.later.kinds import Kind
from blastwall.analyze.later.steps import Step, drop_comment_lines, drop_regions, line_at
from blastwall.analyze.ruleset import load_table

_ESCAPES = {"n": "\n", "t": "\t", "'": "'", '"': '"', "\\": "\\", "`": "`"}
_PLACEHOLDER = rx.compile(r"\{(any|table|app|lower[1-9]|[1-9])\}")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("later_ops")


@functools.cache
def _ops(framework: str) -> tuple[tuple[Any, Any, str], ...]:
    """(pattern, table_from pattern or None, sql template) of the framework's ops."""
    strings = _table()["strings"]
    out = []
    for op in _table()["op"]:
        if framework not in op["frameworks"]:
            continue
        pattern = op["pattern"]
        for name, value in strings.items():
            pattern = pattern.replace("{" + name + "}", value)
        table_from = rx.compile(op["table_from"], rx.S) if op.get("table_from") else None
        out.append((rx.compile(pattern, rx.S), table_from, op["sql"]))
    return tuple(out)


def framework(name: str) -> dict[str, Any]:
    return dict(_table()["framework"].get(name, {}))


def ops_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    fw = framework(kind.framework)
    body = drop_comment_lines(text, fw.get("comments", []))
    body = drop_regions(body, fw.get("up", []), fw.get("down", []))
    app = _django_app(path)
    found: list[tuple[int, Step]] = []
    taken: set[int] = set()  # start offsets of calls already read (an earlier, more specific op wins)
    for pattern, table_from, template in _ops(kind.framework):
        tables = _tables(table_from, body)
        for m in pattern.finditer(body):
            if m.start() in taken:
                continue
            sql = _fill(template, m, _table_before(tables, m.start()), app)
            if sql is None:
                continue
            taken.add(m.start())
            found.append((m.start(), Step("sql", sql, line_at(body, m.start()), where=m.group(0).split("(")[0].strip()[:60])))
            if len(found) > MAX_CALLS:
                break  # the caller reports a file with more steps than blastwall reads
    return [s for _, s in sorted(found, key=lambda t: t[0])]


MAX_CALLS = 1000


def _tables(pattern: Any, text: str) -> list[tuple[int, str]]:
    """(offset, table) of every `table_from` match (`Schema::table('users', ...)`), in order."""
    return [(m.start(), m.group(1)) for m in pattern.finditer(text)] if pattern is not None else []


def _table_before(tables: list[tuple[int, str]], pos: int) -> str | None:
    """The table of the last `table_from` match before `pos`."""
    i = bisect.bisect_left(tables, (pos, "")) - 1
    return tables[i][1] if i >= 0 else None


def _fill(template: str, m: Any, table: str | None, app: str) -> str | None:
    """The SQL of one call; None when a name it needs is unknown (`{table}` with no table)."""
    groups = m.groups()
    missing = False

    def put(p: Any) -> str:
        nonlocal missing
        key = p.group(1)
        if key == "any":
            value = next((g for g in groups if g is not None), None)
            return _unescape(value) if value is not None else ""
        if key == "table":
            if table is None:
                missing = True
            return table or ""
        if key == "app":
            return app
        index = int(key[-1])
        value = groups[index - 1] if index <= len(groups) else None
        if value is None:
            missing = True
            return ""
        return value.lower() if key.startswith("lower") else value

    sql = _PLACEHOLDER.sub(put, template)
    if missing or not sql.strip():
        return None
    return sql


def _unescape(body: str) -> str:
    """A string literal's body as the program sees it (common escapes only)."""
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _django_app(path: str) -> str:
    """The Django app label a migration belongs to: the folder that holds `migrations/`."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    if "migrations" in parts:
        i = len(parts) - 1 - parts[::-1].index("migrations")
        if i > 0:
            return parts[i - 1]
    return posixpath.basename(posixpath.dirname(posixpath.dirname(path))) or "app"
