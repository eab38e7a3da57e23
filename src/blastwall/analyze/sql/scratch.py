"""Temporary tables a script made, for statements read one by one or by another dialect's parser.

PostgreSQL's own reading (`pg_changes.Facts`) follows temporary tables through a whole script. When
the script is read statement by statement (`DROP TEMPORARY TABLE` is MySQL's) or by sqlglot, this
does the same from the statements' text: a table the script created `TEMPORARY` earlier, a T-SQL
`#table`, or one in `pg_temp` is the session's scratch, and deleting, emptying or dropping it loses
nothing. A scratch name is forgotten once the script drops or renames it (the name may then find a
permanent table).

A table or database (MySQL's schema) the script created without IF NOT EXISTS or OR REPLACE is its
own too: the CREATE fails when the name is taken, so dropping, emptying or deleting from that exact
name (same spelling, same qualifier) loses only what the script made (a TRUNCATE ... CASCADE also
empties the tables that reference it, which need not be the script's). Any rename in the script
forgets every such name (a table renamed into the new database, or another table renamed to the
name).
"""

from __future__ import annotations

from collections.abc import Iterable

from blastwall import rx
from blastwall.analyze.sql.rules import Hit

_NAME = r"((?:[\w$]+|`[^`]+`|\"[^\"]+\"|\[[^\]]+\])(?:\.(?:[\w$]+|`[^`]+`|\"[^\"]+\"|\[[^\]]+\]))*)"
_CREATE = rx.compile(rf"^\s*create\s+(?:or\s+replace\s+)?(?:global\s+|local\s+)?temp(?:orary)?\s+table\s+"
                     rf"(?:if\s+not\s+exists\s+)?{_NAME}", rx.I)
_GONE = rx.compile(rf"^\s*(?:drop\s+(?:temporary\s+)?table\s+(?:if\s+exists\s+)?|alter\s+table\s+(?:if\s+exists\s+)?"
                   rf"|rename\s+table\s+){_NAME}", rx.I)
_MADE = rx.compile(rf"^\s*create\s+(table|database|schema)\s+(if\s+not\s+exists\s+)?{_NAME}", rx.I)
_DROPPED = rx.compile(rf"^\s*drop\s+(table|database|schema)\s+(?:if\s+exists\s+)?{_NAME}", rx.I)
_RENAMES = rx.compile(r"^\s*rename\b|\brename\s+(?:to|as)\b|^\s*alter\s+(?:database|schema)\b", rx.I)
# Statement kinds that drop a database or MySQL schema the script made.
MADE_DB_KINDS = frozenset({"drop-database", "drop-schema"})
# Statement kinds whose loss is only the scratch table's own rows or definition.
SCRATCH_KINDS = frozenset({"delete-all", "delete-broad", "delete-expired", "update-all", "update-broad", "truncate",
                           "drop-table", "alter-drop-column", "alter-drop-constraint", "alter-column-type",
                           "upsert-overwrite", "replace-into", "insert-overwrite", "rename-table"})


def _bare(name: str) -> str:
    return _exact(name).lower()


def _exact(name: str) -> str:
    """The name without its quotes; a part that holds a dot stays quoted (`"pg_temp.users"` is one table)."""
    from blastwall.analyze.sql.pg import name_parts, quoted_part

    return ".".join(quoted_part(p) for p in name_parts(name))


def _last(name: str) -> str:
    from blastwall.analyze.sql.pg import name_parts

    parts = name_parts(name)
    return parts[-1].lower() if parts else ""


class Scratch:
    """Temporary tables, and tables and databases created, so far in one script."""

    __slots__ = ("databases", "made", "names", "tables")

    def __init__(self, made: bool = True) -> None:
        self.made = made  # False: the client goes on after a failed CREATE (see pg_changes.Facts)
        self.names: set[str] = set()
        self.tables: set[str] = set()
        self.databases: set[str] = set()

    def holds(self, target: str) -> bool:
        """Every table named in `target` (a comma-separated list) is scratch."""
        names = [_bare(t.strip()) for t in target.split(",") if t.strip()]
        return bool(names) and all(self._one(n) for n in names)

    def _one(self, name: str) -> bool:
        from blastwall.analyze.sql.pg import name_parts

        parts = name_parts(name)
        if parts[-1].startswith("#"):
            return True  # T-SQL: #t and ##t live in tempdb
        if len(parts) >= 2 and (parts[-2] == "pg_temp" or parts[-2].startswith("pg_temp_")):
            return True
        return len(parts) == 1 and parts[0] in self.names

    def keep(self, hits: Iterable[Hit]) -> list[Hit]:
        """The hits that touch more than scratch."""
        return [h for h in hits if not (h.kind in SCRATCH_KINDS and self.holds(h.target))
                and not (h.kind in ("drop-table", "rename-table") and self._made(h.target))
                and not (h.kind in SCRATCH_KINDS and not h.cascade and self._made(h.target))
                and not (h.kind in MADE_DB_KINDS and not h.cascade and _exact(h.target.strip()) in self.databases)]

    def _made(self, target: str) -> bool:
        names = [t.strip() for t in target.split(",") if t.strip()]
        return bool(names) and all(self._one(_bare(n)) or _exact(n) in self.tables for n in names)

    def note(self, statement: str) -> None:
        """Learn what `statement` (one statement's text) creates or removes."""
        if _RENAMES.search(statement):
            self.tables.clear()
            self.databases.clear()
        made = _CREATE.match(statement)
        if made:
            self.names.add(_last(made.group(1)))
            return
        created = _MADE.match(statement)
        if created and not created.group(2) and self.made:  # CREATE OR REPLACE does not match: it takes an existing one
            (self.tables if created.group(1).lower() == "table" else self.databases).add(_exact(created.group(3)))
        dropped = _DROPPED.match(statement)
        if dropped:
            (self.tables if dropped.group(1).lower() == "table" else self.databases).discard(_exact(dropped.group(2)))
        gone = _GONE.match(statement)
        if gone and (" rename " in f" {statement.lower()} " or statement.lstrip()[:4].lower() in ("drop", "rena")):
            self.names.discard(_last(gone.group(1)))
