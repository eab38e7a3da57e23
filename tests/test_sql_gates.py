"""The SQL analyzer's shortcuts answer exactly as the longer readings they skip.

Each shortcut (a cheap check that skips work only some statements need) is held equal to the
reading it replaces, kept here as the reference: over the SQL of every corpus and over generated
inputs. A shortcut that answers differently on any input fails here, whatever its speed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.sql import expired, pg, where
from blastwall.analyze.sql.rules import setting
from blastwall.analyze.sql.slots import node_slots
from tests.corpus_sql import sql_texts

SQL = sql_texts()


def _parsed(text: str) -> Any:
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        return parse_sql(text)
    except (ParseError, ValueError, OverflowError, RecursionError):
        return None


# ---- name_parts: a name without quotes splits at its dots ----------------------------------------

_NAME_CHARS = st.sampled_from(list('ab_Z9 ."`[]$#é\t') + ["\ud800", "\u00a0", "\x1c"])


@settings(max_examples=600, deadline=None)
@given(name=st.text(_NAME_CHARS, max_size=14))
def test_name_parts_reads_every_name_as_its_pattern_does(name):
    assert pg.name_parts(name) == pg.quoted_name_parts(name)


def test_name_parts_of_corpus_names_read_as_the_pattern_does():
    names = ["users", "public.users", "a..b", " a . b ", "", ".", "pg_temp.x", 'a."b.c"', "[dbo].[t]", "`db`.t"]
    for text in SQL:
        tree = _parsed(text)
        for n in where.nodes(tree) if tree is not None else ():
            if type(n).__name__ == "RangeVar":
                names.append(pg.rel(n))
    assert len(names) > 200
    for name in names:
        assert pg.name_parts(name) == pg.quoted_name_parts(name), name


# ---- walking a pglast tree: only attributes that can hold nodes -----------------------------------

def _every_node(node: Any) -> list[Any]:
    """`where.nodes` as it read every attribute of every node (the reference)."""
    from pglast import ast

    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (list, tuple)):
            stack.extend(n)
        elif isinstance(n, ast.Node):
            out.append(n)
            for slot in n:
                v = getattr(n, slot, None)
                if isinstance(v, (ast.Node, list, tuple)):
                    stack.append(v)
    return out


def test_node_slots_skip_only_attributes_that_never_hold_nodes():
    from pglast import ast

    classes = [c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.Node) and c is not ast.Node]
    assert len(classes) > 200
    for cls in classes:
        kept = node_slots(cls)
        assert list(kept) == [s for s in cls.__slots__ if s in kept]  # their order
        for name in cls.__slots__:
            if name not in kept:
                types = cls.__slots__[name].py_type
                types = types if isinstance(types, tuple) else (types,)
                assert not any(issubclass(t, (list, tuple, ast.Node)) for t in types), (cls, name)
    assert node_slots(ast.RangeVar) == ("alias",)


def test_walks_meet_the_same_nodes_in_the_same_order_over_every_corpus_script():
    seen = 0
    for text in SQL:
        tree = _parsed(text)
        if tree is None:
            continue
        assert [id(n) for n in where.nodes(tree)] == [id(n) for n in _every_node(tree)], text
        seen += 1
    assert seen > 300


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(SQL), min_size=1, max_size=4))
def test_walks_meet_the_same_nodes_over_scripts_of_corpus_statements(parts):
    tree = _parsed(";\n".join(parts))
    if tree is not None:
        assert [id(n) for n in where.nodes(tree)] == [id(n) for n in _every_node(tree)]


# ---- a clearly expired DELETE: the WHERE read before the table's name ------------------------------

def _expired_column_reference(node: Any, target: str, source: str, aliases: frozenset[str]) -> str:
    """`pg._expired_column` as it read the table's name first (the reference)."""
    if node.usingClause or node.withClause is not None:
        return ""
    spelled = pg._as_spelled(target, source)
    names = frozenset(a.lower() for a in aliases)
    if not (expired.short_lived_table(spelled) or expired.short_lived_container(node.whereClause, names) or
            expired.abandoned(spelled, node.whereClause, names) or expired.finished(spelled, node.whereClause, names) or
            expired.child_of_expired(spelled, node.whereClause, names)):
        return ""
    return expired.past_column(node.whereClause, names) or ""


_TABLES = ["sessions", "user_sessions", "password_reset_tokens", "logs.requests", "audit_logs", "orders", "carts",
           "jobs", "outbox", "dbo.EventLog", "tmp.exports", "storage.objects", "oauth_nonces", "ledger", "cache",
           "Sessions", "cart_items", "job_runs", "billing_tmp", "RateLimits", "s"]
_CONDS = ["expires_at < now()", "created_at < now() - interval '30 days'", "created_at < now()",
          "expires_at < now() + interval '1 day'", "last_seen < CURRENT_TIMESTAMP - interval '1 hour'",
          "updated_at < now() - interval '60 days'", "checked_out = false", "ordered_at IS NULL",
          "status = 'completed'", "state IN ('done', 'failed')", "processed_at IS NOT NULL", "done",
          "bucket_id = 'tmp-exports'", "bucket_id = 'avatars'", "id = 5", "price > 0", "1 = 1",
          "user_id IN (SELECT id FROM users)", "expire_date <= now()", "hit_at < now() - interval '7 days'",
          "cart_id IN (SELECT id FROM carts WHERE updated_at < now() - interval '60 days')",
          "created_at < '2001-01-01'", "valid_until < now() - 3", "lower(name) = 'x'", "s.expires_at < now()"]


@settings(max_examples=500, deadline=None)
@given(table=st.sampled_from(_TABLES), alias=st.sampled_from(["", " s", " AS t"]),
       conds=st.lists(st.sampled_from(_CONDS), min_size=1, max_size=3), joiner=st.sampled_from([" AND ", " OR "]))
def test_expired_cleanups_read_the_same_in_either_order(table, alias, conds, joiner):
    text = f"DELETE FROM {table}{alias} WHERE {joiner.join(conds)}"
    node = where.first_statement(text)
    target = pg.rel(node.relation)
    aliases = frozenset(filter(None, (node.relation.relname, getattr(node.relation.alias, "aliasname", None))))
    assert pg._expired_column(node, "delete", target, text, aliases) == \
        _expired_column_reference(node, target, text, aliases), text


def test_expired_cleanups_of_the_corpora_read_the_same_in_either_order():
    seen = 0
    for text in SQL:
        tree = _parsed(text)
        for n in where.nodes(tree) if tree is not None else ():
            if type(n).__name__ == "DeleteStmt" and n.whereClause is not None:
                target = pg.rel(n.relation)
                aliases = frozenset(filter(None, (n.relation.relname, getattr(n.relation.alias, "aliasname", None))))
                assert pg._expired_column(n, "delete", target, text, aliases) == \
                    _expired_column_reference(n, target, text, aliases), text
                seen += 1
    assert seen > 50


# ---- key-like columns: the settings read once -------------------------------------------------------

@pytest.mark.parametrize("column", ["id", "user_id", "order_number", "userId", "email", "status_code", "type_id",
                                    "customerid", "paid", "name", "tenant_id", "uuid", "slug", "id2", "x_1_id", ""])
def test_key_like_reads_the_settings_as_before(column):
    from blastwall.analyze.verbs import tokens

    words = [w for w in tokens(column) if not w.isdigit()]
    if not words or set(words) & set(setting("category_words")):
        expected = False
    elif words[-1] in setting("key_words"):
        expected = True
    elif len(words) > 1 or words[-1] in setting("not_key_words"):
        expected = False
    else:
        expected = any(words[-1].endswith(e) and len(words[-1]) >= len(e) + 3 for e in setting("key_endings"))
    assert where.key_like(column) is expected



# ---- [[glot.commands]] rows looked up by a statement's first word -----------------------------------

def _command_row_reference(src: str, ws: list[str], lexical_only: bool = False) -> Any:
    """`glot._command_row` as it read every row of the table in order (the reference)."""
    from blastwall.analyze.sql import glot

    saved = glot._command_rows
    rows = [(row["opener"].split(), row) for row in glot.table()["glot"]["commands"]]
    glot._command_rows = lambda: ({}, tuple(rows))  # every row, for every first word
    try:
        return glot._command_row(src, ws, lexical_only=lexical_only)
    finally:
        glot._command_rows = saved


def _command_texts() -> list[str]:
    from blastwall.analyze.sql import glot

    openers = [row["opener"] for row in glot.table()["glot"]["commands"]]
    extra = ["", "drop table t", "purge binary logs before now() - interval 7 day", "grant all on x to y",
             "restore database [EHR_RestoreCheck] from disk = 'x'", "load data infile 'x' replace into table t"]
    return openers + [f"{o} t with x" for o in openers] + extra + SQL


def test_command_rows_by_first_word_answer_as_the_whole_table_does():
    from blastwall.analyze.sql import glot, lexer

    texts = _command_texts()
    assert len(texts) > 400
    for src in texts:
        ws = lexer.words(lexer.code_only(src, hash_comments=True))
        for lexical_only in (False, True):
            assert glot._command_row(src, ws, lexical_only=lexical_only) == \
                _command_row_reference(src, ws, lexical_only), src


@settings(max_examples=300, deadline=None)
@given(ws=st.lists(st.sampled_from(["purge", "binary", "logs", "grant", "all", "on", "to", "restore", "database",
                                    "load", "data", "replace", "into", "table", "copy", "drop", "t", "with",
                                    "undrop", "flashback", "before", "export", "backup", "reset", "master"]),
                   max_size=6))
def test_command_rows_answer_generated_word_lists_as_the_whole_table_does(ws):
    from blastwall.analyze.sql import glot

    src = " ".join(ws)
    for lexical_only in (False, True):
        assert glot._command_row(src, ws, lexical_only=lexical_only) == _command_row_reference(src, ws, lexical_only)


# ---- ClickHouse mutations: only an ALTER is read ---------------------------------------------------

def _clickhouse_split_reference(text: str) -> Any:
    """`clickhouse._split` as it split every text twice (the reference)."""
    from blastwall.analyze.sql import clickhouse, lexer

    pieces = lexer.split(text)
    if len(pieces) != 1:
        return None
    text = pieces[0].text
    again = lexer.split(text)
    code = again[0].code if len(again) == 1 else ""
    if len(code) != len(text):
        return None
    head = clickhouse._HEAD.match(text)
    if head is None:
        return None
    table = text[head.start(1):head.end(1)]
    if any(c in text[: head.end()] for c in ("--", "/*", "#")):
        return None
    actions = []
    for a, b in clickhouse._commas(code, head.end()):
        lead = len(code[a:b]) - len(code[a:b].lstrip())
        actions.append((code[a + lead:b], text[a + lead:b]))
    if not any(m.fullmatch(c) for c, _ in actions for m in clickhouse._MUTATIONS) and not any(
            clickhouse._BLACKHOLE.fullmatch(t) for _, t in actions):
        return None
    return table, actions


_ALTERS = ["ALTER TABLE logs.events DELETE WHERE 1", "alter table t on cluster c update v = 0 where id = 7",
           "ALTER TABLE t DROP PARTITION 202401", " ALTER  TABLE t CLEAR COLUMN c IN PARTITION 2024 ;",
           "ALTER TABLE t ENGINE = BLACKHOLE", "ALTER TABLE a SWAP WITH b", "AlTeR TABLE t ADD COLUMN x int",
           "ALTER TABLE t DELETE WHERE id = 1; SELECT 1", "-- c\nALTER TABLE t DELETE WHERE 1", "ALTER TABLE `t` DELETE WHERE 1",
           "DELETE FROM t", "alter", "ALTER TABLE t DROP PARTITION p, DELETE WHERE 1", "SELECT 'alter table t'"]


@settings(max_examples=300, deadline=None)
@given(text=st.sampled_from(_ALTERS) | st.sampled_from(SQL), lead=st.sampled_from(["", " ", "\n", "/* x */ "]),
       tail=st.sampled_from(["", ";", " ; ", "\n"]))
def test_clickhouse_mutations_read_as_before(text, lead, tail):
    from blastwall.analyze.sql import clickhouse

    whole = lead + text + tail
    assert clickhouse._split(whole) == _clickhouse_split_reference(whole)


def test_clickhouse_mutations_of_the_corpora_read_as_before():
    from blastwall.analyze.sql import clickhouse

    for text in SQL + _ALTERS:
        assert clickhouse._split(text) == _clickhouse_split_reference(text), text


# ---- PL/pgSQL EXECUTE: the expression parsed once ----------------------------------------------------

def _dynamic_reference(expr: str, ctx: Any) -> Any:
    """`plpgsql._dynamic` as it parsed the expression twice (the reference)."""
    from blastwall.analyze.sql import plpgsql

    parsed = pg.statements(f"SELECT {expr}")
    if not parsed:
        return [plpgsql.Hit("dynamic-sql", "", ctx.source, f"EXECUTE {expr[:60]}")]
    target = where.first_statement(f"SELECT {expr}").targetList[0].val
    return plpgsql.built_hits(target, ctx, plpgsql.Hit("dynamic-sql", "", ctx.source, f"EXECUTE {expr[:60]}"), "EXECUTE")


_PIECES = ["'DROP TABLE '", "r.tablename", "' CASCADE'", "quote_ident(t)", "format('TRUNCATE %I', t)", "'x'",
           "format('DELETE FROM %I WHERE id = %L', t, 5)", "v_sql", "'DROP '", "'TABLE'", "concat('DROP TABLE ', t)",
           "'SELECT 1'", "$1", "'DELETE FROM t'", "string_agg(x, ',')", "(", ")", "'it''s'"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4), joiner=st.sampled_from([" || ", " ", ", "]))
def test_execute_strings_read_as_when_parsed_twice(parts, joiner):
    from blastwall.analyze.sql import plpgsql

    expr = joiner.join(parts)
    ctx = pg.Ctx("DO $$ BEGIN EXECUTE x; END $$", {})
    try:
        expected: Any = _dynamic_reference(expr, ctx)
    except Exception as e:  # noqa: BLE001 - the same failure is expected of the shortcut
        expected = type(e)
    try:
        got: Any = plpgsql._dynamic(expr, ctx)
    except Exception as e:  # noqa: BLE001
        got = type(e)
    assert got == expected, expr


# ---- readings shared within one check ----------------------------------------------------------------

def _routines() -> list[str]:
    return [t for t in SQL if any(w in t.lower() for w in ("do $", "do\n", "create function", "create or replace",
                                                            "language", "execute", "split"))]


def test_scripts_read_in_one_check_as_in_none():
    """Routine bodies and script splits shared within a check (`blastwall.memo`) give the findings
    a reading without sharing gives; read twice in one check, the second reading too."""
    from blastwall.analyze.base import Scope
    from blastwall.analyze.sql import analyze_sql
    from blastwall.memo import one_check

    texts = _routines()
    assert len(texts) > 30
    for text in texts:
        alone = analyze_sql(text, Scope())
        with one_check():
            first = analyze_sql(text, Scope())
            again = analyze_sql(text, Scope())
        assert first == alone and again == alone, text


# ---- WHERE conditions printed by pglast's printer, set up once per node ------------------------------

def _chains(node: Any) -> list[Any]:
    """Each node below with the (container, member) links of its ancestry, as ids (the one-item
    tuple each printing wraps the node in is a new tuple each time: named, not counted by id)."""
    out = []
    for n in _every_node(node):
        links, a = [], getattr(n, "ancestors", None)
        while a is not None:
            wrapper = a.parent is not None and a.parent.parent is None
            links.append(("wrapper" if wrapper else id(a.node), a.member))
            a = a.parent
        out.append((id(n), links))
    return out


def _conditions() -> list[Any]:
    """Every WHERE, ON and expression of the corpora's statements (with the statements themselves)."""
    found = []
    for text in SQL:
        tree = _parsed(text)
        for n in where.nodes(tree) if tree is not None else ():
            kind = type(n).__name__
            if kind.endswith("Stmt") or kind in ("A_Expr", "BoolExpr", "SubLink", "FuncCall", "NullTest", "JoinExpr"):
                found.append(n)
    return found


def test_printed_conditions_and_their_ancestry_are_pglasts():
    from pglast.stream import RawStream
    from pglast.visitors import populate_ancestors

    from blastwall.analyze.sql.printing import mark_ancestors, sql_text

    nodes = _conditions()
    assert len(nodes) > 1000
    for n in nodes:
        try:
            expected: Any = str(RawStream()(n))
        except Exception as e:  # noqa: BLE001 - the same failure is expected of the shortcut
            expected = type(e)
        populate_ancestors((n,))
        chains = _chains(n)
        for below in _every_node(n):
            below.ancestors = None  # nothing left over from pglast's marking
        mark_ancestors(n)
        assert _chains(n) == chains
        try:
            got: Any = sql_text(n)
        except Exception as e:  # noqa: BLE001
            got = type(e)
        assert got == expected


_WHERES = ["price > 0", "id = 5 OR 1 = 1", "created_at IS NOT NULL OR 1=1", "true", "a = b AND (c < 3 OR d IN (1, 2))",
           "x = ANY(ARRAY[1,2])", "EXISTS (SELECT 1 FROM t WHERE t.id = u.id)", "name LIKE '%x%' ESCAPE '!'",
           "ts < now() - interval '30 days'", "NOT (a IS DISTINCT FROM b)", "CASE WHEN a THEN b ELSE c END",
           "coalesce(a, 0) + 1 > (SELECT max(x) FROM y)", "a::text COLLATE \"C\" = 'x'", "(a, b) IN (SELECT 1, 2)"]


@settings(max_examples=300, deadline=None)
@given(conds=st.lists(st.sampled_from(_WHERES), min_size=1, max_size=3), joiner=st.sampled_from([" AND ", " OR "]),
       negate=st.booleans())
def test_printed_generated_conditions_are_pglasts(conds, joiner, negate):
    from pglast.stream import RawStream

    from blastwall.analyze.sql.printing import sql_text

    cond = joiner.join(f"({c})" for c in conds)
    node = where.first_statement(f"DELETE FROM t WHERE {'NOT ' if negate else ''}{cond}").whereClause
    assert sql_text(node) == str(RawStream()(node))


# ---- libpg_query's JSON: every handled kind looked for in one pass ----------------------------------

def _handles_any_reference(raw: str, handled: frozenset[str]) -> bool:
    """Each kind's key looked for on its own (the reference)."""
    from blastwall.analyze.sql import pg_plain

    kinds = (handled - {"FuncCall"}) | pg_plain.hidden_holders(handled)
    return any(f'"{kind}":' in raw for kind in sorted(kinds))


def test_handled_kinds_are_found_in_the_json_of_every_corpus_script():
    from pglast.parser import parse_sql_json

    from blastwall.analyze.sql import pg_plain

    seen = 0
    for text in SQL:
        try:
            raw = parse_sql_json(text)
        except Exception:  # noqa: BLE001 - not PostgreSQL: nothing to look for
            continue
        assert pg_plain.handles_any(raw, pg._HANDLED) == _handles_any_reference(raw, pg._HANDLED), text
        seen += 1
    assert seen > 300


_KINDS = ["DropStmt", "DeleteStmt", "FuncCall", "A_Expr", "Drop", "Stmt", "a.b", "(x)", "GrantStmt"]


@settings(max_examples=400, deadline=None)
@given(kinds=st.frozensets(st.sampled_from(_KINDS)),
       raw=st.lists(st.sampled_from(['"DropStmt":', '"DropStmt"', 'DropStmt":', '"Drop":', '"a.b":', '"axb":',
                                     '"AlterDefaultPrivilegesStmt":', '"CallStmt":', '"GrantStmt":',
                                     '"(x)":', '{', '}', ' ', '"FuncCall":', '"DeleteStmt": {}', '""', ':']),
                    max_size=6).map("".join))
def test_handled_kinds_are_found_as_by_looking_for_each(kinds, raw):
    from blastwall.analyze.sql import pg_plain

    assert pg_plain.handles_any(raw, kinds) == _handles_any_reference(raw, kinds)


# ---- short-lived table names: every stem tried at once ------------------------------------------------

def _short_lived_reference(name: str) -> bool:
    """`expired.short_lived` as it tried each stem in turn, folding with a pattern (the reference)."""
    from blastwall import rx
    from blastwall.analyze.verbs import tokens

    w = expired._words()
    bare = name.rsplit(".", 1)[-1].strip('"`[]')
    parts = [expired._singular(p) for p in tokens(bare) if p]
    if not parts:
        return False
    joined = "".join(parts)
    folded = rx.sub(r"[^a-z0-9]", "", bare.lower())
    if any(p in w.table_keeps or any(p.startswith(k) or p.endswith(k) for k in w.table_keeps) for p in parts):
        return False
    if any(p in w.table_words for p in parts):
        return True
    texts = (joined, folded, expired._singular(folded), *parts)
    singulars = tuple(expired._singular(text) for text in texts)
    for stem in w.table_stems:
        for text, one in zip(texts, singulars, strict=True):
            if text.startswith(stem) or text.endswith(stem) or one.endswith(stem):
                return True
        if stem in joined and len(parts) > 1:
            return True
    return False


_NAME_WORDS = ["session", "sessions", "user", "token", "Tokens", "password", "reset", "audit", "log", "logs", "cache",
               "nonce", "oauth", "rate", "limit", "lock", "job", "queue", "order", "ledger", "tmp", "temp", "_", "-",
               ".", "Event", "Log", "2024", "é", "kv", "export", "history", "Archive", "request", "ies", "s"]


@settings(max_examples=800, deadline=None)
@given(name=st.lists(st.sampled_from(_NAME_WORDS), min_size=1, max_size=5).map("".join))
def test_short_lived_names_read_as_when_each_stem_was_tried_in_turn(name):
    from blastwall import rx

    assert expired.short_lived(name) == _short_lived_reference(name), name
    assert expired._fold(name) == rx.sub(r"[^a-z0-9]", "", name.lower())


def test_short_lived_names_of_the_corpora_read_as_before():
    names = set()
    for text in SQL:
        tree = _parsed(text)
        for n in where.nodes(tree) if tree is not None else ():
            if type(n).__name__ == "RangeVar" and n.relname:
                names.add(n.relname)
    assert len(names) > 100
    for name in sorted(names):
        assert expired.short_lived(name) == _short_lived_reference(name), name


# ---- sqlglot: a script it could not read is not tried again as its one statement ---------------------

def _unread(text: str, dialect: str) -> bool:
    from blastwall.analyze.sql import glot

    return glot._statements(text, dialect) is None


def test_a_statement_reads_alike_with_and_without_its_last_semicolon_in_every_dialect():
    from blastwall.analyze.sql import glot, lexer

    texts = {t for t in SQL if len(t) < 2000}
    texts |= {p.text for t in list(texts) for p in lexer.split(t, hash_comments=True)}
    checked = 0
    for text in sorted(texts):
        core = glot._chunk(text)
        for dialect in ("mysql", "tsql", "sqlite"):
            unread = _unread(core, dialect)
            assert _unread(f"{core};", dialect) == unread, (dialect, text)
            assert _unread(f"  {core} ;\n", dialect) == unread, (dialect, text)
            checked += unread
    assert checked > 1000


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(SQL) | st.sampled_from(["DO $$ BEGIN EXECUTE 'x'; END $$", "EXEC sp_who",
                                                              "BEGIN", "END", "GO", "IF 1=1 SELECT 1", "'", "/*"]),
                      min_size=1, max_size=3), dialect=st.sampled_from(["mysql", "tsql", "sqlite"]))
def test_generated_scripts_read_alike_with_and_without_their_last_semicolon(parts, dialect):
    from blastwall.analyze.sql import glot

    core = glot._chunk(";\n".join(parts))
    assert _unread(f"{core};", dialect) == _unread(core, dialect)


def test_a_script_sqlglot_could_not_read_is_not_read_again_in_the_check():
    from blastwall.analyze.sql import glot
    from blastwall.memo import one_check

    with one_check():
        assert glot.statements("DO $$ BEGIN EXECUTE 'x' || y; END $$;", "mysql") is None
        calls = []
        saved = glot._statements
        glot._statements = lambda text, dialect: calls.append(text) or saved(text, dialect)
        try:
            assert glot.statements("DO $$ BEGIN EXECUTE 'x' || y; END $$", "mysql") is None
            assert glot.statements("DO $$ BEGIN EXECUTE 'x' || y; END $$", "tsql") is None  # another dialect: read
            assert glot.statements("SELECT 1", "mysql") is not None and glot.statements("SELECT 1;", "mysql")
        finally:
            glot._statements = saved
    assert calls == ["DO $$ BEGIN EXECUTE 'x' || y; END $$", "SELECT 1", "SELECT 1;"]


# ---- the handler walk: what each node class needs, looked up once per class --------------------------

def _walk_reference(root: Any, ctx: Any) -> list[Any]:
    """`pg.walk` as it looked up each node's handler by name and read every attribute (the reference)."""
    from pglast import ast

    hits: list[Any] = []
    stack = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, (list, tuple)):
            stack.extend(reversed(n))
            continue
        if not isinstance(n, ast.Node):
            continue
        name = type(n).__name__
        handler = pg.HANDLERS.get(name)
        if handler is not None:
            hits.extend(handler(n, ctx))
        if name in pg.PRUNE:
            continue
        for slot in reversed(tuple(n)):
            v = getattr(n, slot, None)
            if isinstance(v, (ast.Node, list, tuple)):
                stack.append(v)
    return hits


def test_the_handler_walk_finds_what_reading_every_attribute_finds_over_the_corpora():
    seen = 0
    for text in SQL:
        tree = _parsed(text)
        for raw in tree or ():
            ctx = pg.Ctx(text, {})
            assert pg.walk(raw.stmt, ctx) == _walk_reference(raw.stmt, ctx), text
            seen += 1
    assert seen > 300
