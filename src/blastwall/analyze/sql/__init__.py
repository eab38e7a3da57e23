"""SQL, MongoDB shell and Redis: what a statement would do to the data behind it.

    analyze_sql("TRUNCATE orders", Scope())  -> [Finding(rule_id="sql.postgres:truncate", ...)]

The reading order, most exact first:
1. PostgreSQL's own grammar (pglast) over the whole script, unless another dialect is named;
2. Mongo shell code and Redis commands, recognised by their shape;
3. statement by statement: the named dialect (sqlglot), PostgreSQL, then sqlglot's other
   dialects; a statement nothing parses is judged by its words (strings and comments removed).
Then transactions that roll back are netted out (script.py) and each hit becomes a finding
worded from `rules/sql.toml`. Parsers are imported only when text needs them.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.base import MAX_INPUT, AnalysisError, Scope, unknown
from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.budget import ATTEMPT, PIECE, Budget, current
from blastwall.analyze.sql.pg import Stmt
from blastwall.analyze.sql.rules import Hit, finding
from blastwall.memo import once
from blastwall.model import Finding

__all__ = ["analyze_cypher", "analyze_mongo", "analyze_redis", "analyze_sql"]

_DIALECTS = {
    None: "postgres", "": "postgres", "postgres": "postgres", "postgresql": "postgres", "pg": "postgres",
    "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "sqlite3": "sqlite", "mssql": "tsql",
    "tsql": "tsql", "sqlserver": "tsql", "duckdb": "duckdb", "bigquery": "bigquery", "snowflake": "snowflake",
    "oracle": "oracle", "plsql": "oracle", "clickhouse": "clickhouse",
}
_FALLBACKS = ("mysql", "tsql", "sqlite")
_DDL_COMMITS = frozenset({"mysql", "oracle"})  # DDL commits the open transaction: a ROLLBACK after it undoes nothing
# A spelling only MySQL/MariaDB take, in a script with no dialect: backquoted names. (`START
# TRANSACTION` and `BEGIN` are PostgreSQL's too, the reading of a script with no dialect.)
_MYSQL_SPELLING = rx.compile(r"`")


def _ddl_commits(name: str, dialect: str | None, text: str) -> bool:
    """Whether a DDL statement commits the open transaction, so a ROLLBACK after it undoes nothing:
    in MySQL/MariaDB and Oracle; with no dialect known, unless the script is provably one whose DDL
    rolls back (PostgreSQL, SQLite, SQL Server: a spelling only they take, `[transactions]
    ddl_rolls_back_spellings`). Verified, never guessed: `START TRANSACTION; DROP TABLE t; ROLLBACK;`
    from an unknown client counts the drop."""
    if name in _DDL_COMMITS:
        return True
    if dialect or "rollback" not in text.lower():
        return False
    from blastwall.analyze.sql.rules import table

    rows = table()["transactions"]
    return (rx.search(rows["ddl_rolls_back_spellings"], lexer.code_only(text), rx.I) is None
            and rx.search(rows["ddl_rolls_back_quotes"], text, rx.I) is None)


def analyze_sql(text: str, scope: Scope, *, dialect: str | None = None) -> list[Finding]:
    """Findings for the destructive statements of an SQL script (or Mongo/Redis input)."""
    if not text or not text.strip():
        return []
    if len(text) > MAX_INPUT:
        return [unknown("sql.parse:too-large", "SQL text larger than blastwall analyzes; review it by hand", text)]
    name = _DIALECTS.get((dialect or "").lower(), (dialect or "").lower())
    if name == "mongo":
        return analyze_mongo(text, scope)
    if name == "redis":
        return _redis_text(text, scope)
    dotted = _sqlite_commands(text, scope) if name in ("postgres", "sqlite") and "." in text else None
    if dotted is not None:  # `.tables`, `.output /tmp/x.csv`, `.shell CMD`: the sqlite3 shell's commands
        rest, found_dots = dotted
        return found_dots + (analyze_sql(rest, scope, dialect=dialect) if rest.strip() else [])
    whole, meta = text, _psql_commands(text, scope) if name == "postgres" and "\\" in text else None
    if meta is not None:  # `SELECT format('DROP TABLE %I', ...) FROM pg_tables \gexec`, `\dt`, `\! CMD`
        text, found_meta = meta
        if not text.strip():
            return _store_tables(whole) + found_meta
        return _store_tables(whole) + found_meta + [f for f in analyze_sql(text, scope, dialect=dialect)
                                                     if f.rule_id != "sql.blastwall:store"]
    try:
        stmts = _read(text, name, stops=scope.stops_on_error)
    except RecursionError:
        return [unknown("sql.parse:too-deep", "SQL nests too deeply to analyze; a human must review it", text)]
    if stmts is None:
        return analyze_mongo(text, scope) if _is_mongo(text) else _redis_text(text, scope)
    from blastwall.analyze.sql.script import net_hits

    found = _findings(net_hits(stmts, ddl_commits=_ddl_commits(name, dialect, text), savepoint_begins=name == "sqlite"),
                      scope)
    # backquoted names matter only to a ROLLBACK's reading (MySQL commits DDL): a seed of backquoted
    # INSERTs is read once, not twice (each statement outside PostgreSQL's grammar spends the budget)
    if dialect is None and (_mysql_lexing_differs(text)
                            or (_MYSQL_SPELLING.search(text) and "rollback" in text.lower())):
        seen = {(f.rule_id, f.target) for f in found}
        found += [f for f in analyze_sql(text, scope, dialect="mysql") if (f.rule_id, f.target) not in seen]
    opened = lexer.executable_comments(text)
    if opened is not None:  # `/*!50000 DROP TABLE users */`: MySQL and MariaDB run the comment's body
        seen = {(f.rule_id, f.target) for f in found}
        found += [f._replace(reason=f"{f.reason} (inside a MySQL executable comment)")
                  for f in analyze_sql(opened, scope, dialect="mysql") if (f.rule_id, f.target) not in seen]
    return _store_tables(text) + found


def _store_tables(text: str) -> list[Finding]:
    """Any statement that names a table of blastwall's own store (`rules/sql.toml` store_tables)."""
    low = text.lower()
    if "bw_" not in low:
        return []
    from blastwall.analyze.sql.rules import setting

    names = "|".join(rx.escape(t) for t in setting("store_tables"))
    hits = sorted(set(rx.findall(rf"\b({names})\b", low)))
    return [finding(Hit("blastwall-store", ", ".join(hits), text[:200]))] if hits else []


def _psql_commands(text: str, scope: Scope) -> tuple[str, list[Finding]] | None:
    """psql's backslash commands taken out of the text: (the SQL left, findings for what the
    commands run), or None when it has none (`analyze/sql/psql.py`)."""
    from blastwall.analyze.sql import psql

    found = psql.split(text)
    if found is None:
        return None
    sql, metas = found
    return sql, _findings(psql.hits(metas, text), scope)


def _sqlite_commands(text: str, scope: Scope) -> tuple[str, list[Finding]] | None:
    """The sqlite3 shell's dot-commands taken out of the text: (the SQL left, findings for what
    the commands do), or None when it has none (`analyze/sql/dots.py`)."""
    from blastwall.analyze.sql import dots

    found = dots.split(text)
    if found is None:
        return None
    sql, commands = found
    hits, findings = dots.findings(commands, text, scope)
    return sql, _findings(hits, scope) + findings


def _mysql_lexing_differs(text: str) -> bool:
    """`#` comments and backslash escapes: MySQL may see statements where PostgreSQL sees none; `||`
    is OR in MySQL (concatenation in PostgreSQL): `WHERE id = 5 || 1` is true for every row there."""
    return "#" in text or "\\" in text or "||" in text


def analyze_mongo(code: str, scope: Scope) -> list[Finding]:
    """Findings for Mongo shell code (`db.users.drop()`, `db.orders.deleteMany({})`)."""
    from blastwall.analyze.sql.nosql import mongo_hits

    if len(code) > MAX_INPUT:
        raise AnalysisError("Mongo shell code larger than blastwall analyzes")
    return _findings(mongo_hits(code), scope)


def analyze_cypher(text: str, scope: Scope) -> list[Finding]:
    """Findings for a Cypher query (`MATCH (n) DETACH DELETE n`, `DROP CONSTRAINT c`)."""
    from blastwall.analyze.sql.cypher import cypher_hits

    if len(text) > MAX_INPUT:
        return [unknown("sql.parse:too-large", "Cypher text larger than blastwall analyzes; review it by hand", text)]
    return _findings(cypher_hits(text), scope)


def analyze_redis(argv: list[str], scope: Scope) -> list[Finding]:
    """Findings for one Redis command given as argv (`["FLUSHALL"]`, `["DEL", "k"]`)."""
    from blastwall.analyze.sql.nosql import redis_hits

    return _findings(redis_hits([str(a) for a in argv]), scope)


def _redis_text(text: str, scope: Scope) -> list[Finding]:
    from blastwall.analyze.sql.nosql import redis_hits, split_redis

    return _findings([h for argv in split_redis(text) for h in redis_hits(argv)], scope)


def _is_mongo(text: str) -> bool:
    """Whether the text reads as Mongo shell code (asked twice of a text no SQL grammar reads: once per check)."""
    from blastwall.analyze.sql.nosql import looks_like_mongo

    return once(("sql.mongo", text), lambda: looks_like_mongo(text))


def inner_hits(sql: str, depth: int = 1, dialect: str = "postgres") -> list[Hit]:
    """The hits of SQL that another statement runs from a string (`analyze/sql/dynamic.py`)."""
    from blastwall.analyze.sql.script import net_hits

    stmts = _read(sql, dialect, depth)
    if stmts is None:
        return [Hit("exec-dynamic", "a string", sql, "text that is not SQL")]
    return net_hits(stmts, ddl_commits=dialect in _DDL_COMMITS)


class _Spent(Exception):
    """The check's budget for reading outside PostgreSQL's grammar is spent (`analyze/sql/budget.py`)."""


def _read(text: str, dialect: str, depth: int = 0, *, stops: bool = True) -> list[Stmt] | None:
    """Statements of the script; None when it is Mongo or Redis input rather than SQL. `stops`: a
    failed statement ends the script, so what an earlier CREATE made is the script's own. When the
    check's reading budget runs out here (or in SQL a statement runs), the statements left unread
    become one `too-many-unread` hit: the script asks, never passes half read."""
    budget = current()
    was_spent = budget.spent
    stmts = _read_all(text, dialect, depth, stops, budget)
    if stmts is not None and budget.spent and not was_spent and \
            not any(h.kind == "too-many-unread" for st in stmts for h in st.hits):
        stmts = [*stmts, Stmt("", [budget.hit()])]  # a statement's own SQL spent it, and its reader kept no hit
    return stmts


def _read_all(text: str, dialect: str, depth: int, stops: bool, budget: Budget) -> list[Stmt] | None:
    from blastwall.analyze.sql import glot, pg

    if dialect == "postgres":
        whole = pg.statements(text, stops=stops)
        if whole is not None:
            return whole
    elif len(text) <= MAX_FALLBACK_CHARS and not _read_alone(text) and budget.spend(len(text) + ATTEMPT):
        whole = glot.statements(text, dialect)
        if whole is not None and not _glot_dropped_statements(text, whole):
            return _without_scratch(whole, stops)
    if _is_mongo(text) or _is_redis(text):
        return None
    from blastwall.analyze.sql import blocks

    out: list[Stmt] = []
    looping = False  # after WHILE ... BEGIN a row bound bounds one pass only (analyze/sql/blocks.py)
    pieces = _pieces(text, dialect in _DDL_COMMITS)
    for i, piece in enumerate(pieces):
        try:
            inner = blocks.loop_body(piece)
            looping = looping or inner is not None
            if inner is not None:
                out.extend(_read_piece(blocks.unbounded(inner), dialect, depth, budget) if inner.code.strip() else [])
                continue
            out.extend(_read_piece(blocks.unbounded(piece) if looping else piece, dialect, depth, budget))
        except _Spent:
            out.append(Stmt(piece.text, [budget.stop(len(pieces) - i)]))
            break
    return _without_scratch(out, stops)


def _without_scratch(stmts: list[Stmt], stops: bool = True) -> list[Stmt]:
    """Statements read one by one or by sqlglot, without what they do to the script's own
    temporary tables (`analyze/sql/scratch.py`; PostgreSQL's whole-script reading does this itself)."""
    from blastwall.analyze.sql.scratch import Scratch

    scratch = Scratch(made=stops)
    out = []
    for st in stmts:
        out.append(st._replace(hits=scratch.keep(st.hits)) if st.hits else st)
        scratch.note(st.text)
    return out


def _read_alone(text: str) -> bool:
    """Statements sqlglot misreads as a whole script, read statement by statement instead:
    EXEC('...') and kin (sqlglot re-renders their strings), ClickHouse mutations, and the
    statements of BEGIN ... END blocks (a block's BEGIN is read as a transaction)."""
    from blastwall.analyze.sql import blocks, clickhouse, dynamic, events

    low = text.lower()
    if not any(w in low for w in ("exec", "prepare", "alter", "begin", "event", "trigger", "while")):
        return False
    for p in _pieces(text, True):
        inner = blocks.body(p)
        if inner is not None or dynamic.read(p.text) is not None or clickhouse.is_mutation(p.text) or \
                events.body(p) is not None or blocks.loop_body(p) is not None:
            return True
    return False


def _glot_dropped_statements(text: str, stmts: list[Stmt]) -> bool:
    """sqlglot reads some unknown text as nothing; count statements to be sure none vanished."""
    return len(_pieces(text, True)) > len(stmts)


def _pieces(text: str, hash_comments: bool) -> list[lexer.Piece]:
    """The script's statements (`lexer.split`), split once per check for every reading that asks
    (the MySQL re-reading splits a script as three of its readers do). Shared: read, never changed."""
    return once(("sql.split", text, hash_comments), lambda: lexer.split(text, hash_comments=hash_comments))


def _is_redis(text: str) -> bool:
    from blastwall.analyze.sql.nosql import looks_like_redis

    return looks_like_redis(text)


# A statement PostgreSQL's parser did not take is tried in the other dialects only up to this size;
# a longer one is read as unparsed text (its findings, or an ask), which keeps every check of an
# input under 100 kB within its time budget (tests/test_regex_budget.py).
MAX_FALLBACK_CHARS = 8192


def _read_piece(piece: lexer.Piece, dialect: str, depth: int, budget: Budget) -> list[Stmt]:
    """One statement that did not parse as part of the whole script. Every reading past
    PostgreSQL's parser is paid from the check's budget; `_Spent` when it cannot be."""
    from blastwall.analyze.sql import blocks, clickhouse, dynamic, events, glot, pg
    from blastwall.analyze.sql.script import tx_of

    if not budget.spend(len(piece.text) + PIECE):
        raise _Spent
    inner = blocks.body(piece)
    if inner is not None:  # BEGIN EXECUTE IMMEDIATE '...'; END; -- the block's first statement
        return _read_piece(inner, dialect, depth, budget) if inner.code.strip() else []
    scheduled = events.body(piece)
    if scheduled is not None:  # CREATE EVENT ... DO <statement>: what it runs, later and again
        return [Stmt(piece.text, inner_hits(scheduled, depth + 1, "mysql" if dialect == "postgres" else dialect))]
    ran = dynamic.hits(piece.text, lambda sql, d: inner_hits(sql, d, dialect), depth)
    if ran is not None:  # EXEC('...'), EXECUTE IMMEDIATE '...', PREPARE s FROM '...'
        return [Stmt(piece.text, ran)]
    mutated = clickhouse.hits(piece.text, lambda sql: inner_hits(sql, depth, dialect))
    if mutated is not None:  # ALTER TABLE t DELETE WHERE ..., DROP PARTITION ...
        return [Stmt(piece.text, mutated)]
    tx, savepoint = tx_of(piece.code)
    if tx:
        return [Stmt(piece.text, [], tx, savepoint)]
    order = [dialect] if dialect != "postgres" else []
    order += ["postgres"] + [d for d in _FALLBACKS if d != dialect]
    for name in order:
        if name != "postgres" and len(piece.text) > MAX_FALLBACK_CHARS:
            continue  # sqlglot's tokenizer is pure Python: a huge piece would cost ~0.2 s per dialect
        if name != "postgres" and not budget.spend(len(piece.text) + ATTEMPT):
            raise _Spent
        found = pg.statements(piece.text) if name == "postgres" else glot.statements(piece.text, name)
        if found is not None:
            if name != "postgres" and not budget.spend(len(piece.text)):
                raise _Spent  # sqlglot renders what it read (each statement's source): as much again
            return found
    if not budget.spend(ATTEMPT):
        raise _Spent
    return [Stmt(piece.text, glot.unparsed_hits(piece.text, piece.code))]


def _new_export(path: str, scope: Scope, statement: str) -> bool:
    from blastwall.analyze.sql.exports import new_export, writes_folder

    return new_export(path, scope, folder=writes_folder(statement))


def _findings(hits: list[Hit], scope: Scope) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for h in hits:
        key = (h.kind, h.target, h.source)
        if h.kind in ("copy-to-file", "output-to-file") and _new_export(h.detail, scope, h.source):
            continue
        if key not in seen:
            seen.add(key)
            out.append(finding(h, scope.origin))
    return out
