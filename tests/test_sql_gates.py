"""The SQL analyzer's shortcuts answer exactly as the longer readings they skip.

Each shortcut (a cheap check that skips work only some statements need) is held equal to the
reading it replaces, kept here as the reference: over the SQL of every corpus and over generated
inputs. A shortcut that answers differently on any input fails here, whatever its speed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.sql import expired, pg, where
from blastwall.analyze.sql.rules import setting
from blastwall.analyze.sql.slots import node_slots

ROOT = Path(__file__).resolve().parent
CORPORA = [*sorted((ROOT.parents[1] / "shared" / "corpus").rglob("*.jsonl")), *sorted((ROOT / "blind").glob("*.jsonl")),
           *sorted((ROOT / "cases").glob("*.jsonl"))]


def _sql_texts() -> list[str]:
    """The SQL of the corpora: SQL lines, and the strings of MCP arguments."""
    found: list[str] = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            if row.get("kind") == "sql" and isinstance(row.get("input"), str):
                found.append(row["input"])
            elif row.get("kind") == "mcp" and isinstance(row.get("input"), dict):
                args = row["input"].get("arguments")
                found += [v for v in (args.values() if isinstance(args, dict) else ()) if isinstance(v, str)]
    return sorted(set(found))


SQL = _sql_texts()


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
            expired.abandoned(spelled, node.whereClause, names) or expired.finished(spelled, node.whereClause, names)):
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

