"""Renames read by sqlglot that take a table away from the name its readers use.

PostgreSQL's own reading judges `ALTER ... RENAME` (`pg_changes.rename`); this judges the other
dialects' spellings: `ALTER TABLE t RENAME [TO] t_old` (MySQL, MariaDB, SQLite, DuckDB, Snowflake,
BigQuery) and T-SQL's rename procedures (`EXEC sp_rename 'dbo.t', 't_old'`, `sp_renamedb`), whose
arguments are named in `rules/sql.toml` `[[procedures.renames]]`. Every reader of the old name
finds it missing, or finds whatever is created there next: `rename-table`, asked.

A column or index renamed keeps the table's data under the table's name and is undone by renaming
it back; every dialect passes it, as PostgreSQL's `RENAME COLUMN` passes.
"""

from __future__ import annotations

from typing import Any

from blastwall.analyze.sql.rules import Hit, table


def alter_rename(action: Any, target: str, src: str) -> list[Hit]:
    """`ALTER TABLE t RENAME TO t_old` (sqlglot's `AlterRename` action)."""
    new = action.this.sql(comments=False) if action.this is not None else ""
    return [Hit("rename-table", target, src, f" (to {new})" if new else "")]


def _row(procedure: str) -> dict[str, Any] | None:
    short = procedure.rsplit(".", 1)[-1].strip("[]\"").lower()
    return next((r for r in table()["procedures"]["renames"] if r["procedure"] == short), None)


def is_rename_procedure(procedure: str) -> bool:
    return _row(procedure) is not None


def procedure_hits(procedure: str, args: Any, src: str) -> list[Hit] | None:
    """The hits of `EXEC <rename procedure> ...` (sqlglot's `Execute`), None for another procedure.
    `args` are the call's argument expressions: string literals by position or `@name = value`.
    An argument that is not a constant string (a variable) leaves the object's type unknown: asked."""
    row = _row(procedure)
    if row is None:
        return None
    params: list[str] = row["parameters"]
    given: dict[str, str | None] = {}
    for i, arg in enumerate(args or ()):
        name = params[i] if i < len(params) else f"#{i}"
        if type(arg).__name__ == "EQ":  # @objtype = 'COLUMN'
            name, arg = str(arg.this.name).lstrip("@").lower(), arg.expression
        given[name] = _constant(arg)
    obj = given.get(params[0])
    kind = given.get(row.get("type_parameter", ""), "")
    if obj is not None and kind is not None and kind.lower() not in row["moves_away"]:
        return []  # a column, index or statistics renamed: the table keeps its name
    new = given.get(params[1])
    return [Hit("rename-table", obj or "an object named at run time", src, f" (to {new})" if new else "")]


def _constant(arg: Any) -> str | None:
    """The text of a string constant (`'x'`, `N'x'`), None for anything else."""
    kind = type(arg).__name__
    if kind == "National" or (kind == "Literal" and arg.is_string):
        return str(arg.this)
    return None
