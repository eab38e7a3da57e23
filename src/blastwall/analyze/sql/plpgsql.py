"""Procedural bodies: `DO $$ ... $$` blocks and `CREATE FUNCTION ... AS $$ ... $$`.

SQL-language bodies are parsed as SQL. PL/pgSQL bodies are parsed with pglast's PL/pgSQL
parser: every embedded statement is analyzed, and `EXECUTE` strings are rebuilt from their
literal parts (`'TRUNCATE ' || t`, `format('DROP TABLE %I', t)`) with run-time pieces standing
in as a placeholder name. Other languages, and bodies that do not parse, are scanned for
destructive words.
"""

from __future__ import annotations

from typing import Any

from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.rules import Hit, table
from blastwall.memo import once

PLACEHOLDER = "blastwall_runtime_name"
RUNTIME = "(a name chosen at run time)"


def routine_hits(node: Any, ctx: Any) -> list[Hit]:
    """Hits of the body of a DO block or CREATE FUNCTION statement."""
    opts = node.args if type(node).__name__ == "DoStmt" else node.options
    language, body = "plpgsql" if type(node).__name__ == "DoStmt" else "sql", ""
    for o in opts or ():
        if o.defname == "language":
            language = str(getattr(o.arg, "sval", language)).lower()
        elif o.defname == "as":
            parts = o.arg if isinstance(o.arg, (list, tuple)) else [o.arg]
            body = str(getattr(parts[0], "sval", "")) if parts else ""
    # What follows reads only these four: the MySQL re-reading of a script meets the same routine again
    key = ("sql.routine", ctx.source, ctx.depth, language, body)
    return list(once(key, lambda: _body_hits(body, language, ctx)))


def _body_hits(body: str, language: str, ctx: Any) -> list[Hit]:
    if not body.strip() or ctx.depth >= _max_depth():
        return _scan(body, language, ctx) if body.strip() else []
    if language == "sql":
        return _sql_hits(body, ctx) or []
    if language == "plpgsql":
        return _plpgsql_hits(ctx)
    return _scan(body, language, ctx)


def _max_depth() -> int:
    from blastwall.analyze.sql.pg import MAX_DEPTH

    return MAX_DEPTH


def _sql_hits(text: str, ctx: Any) -> list[Hit] | None:
    from blastwall.analyze.sql.pg import statements

    parsed = statements(text, ctx.depth + 1)
    if parsed is None:
        return None
    return [h._replace(source=ctx.source) for s in parsed for h in s.hits]


def _scan(body: str, language: str, ctx: Any) -> list[Hit]:
    lex = table()["lexical"]
    found = lexer.find_phrases(body, lex["phrases"])  # strings too: other languages quote their SQL
    return [Hit("unparsed-body", "", ctx.source, f"{language} ({', '.join(found)})")] if found else []


def _plpgsql_hits(ctx: Any) -> list[Hit]:
    from pglast import parse_plpgsql

    try:
        tree = parse_plpgsql(ctx.source)
    except Exception:  # noqa: BLE001 - pglast raises several types; any failure means unreadable
        body = ctx.source
        return _scan(body, "PL/pgSQL", ctx)
    hits: list[Hit] = []
    rows = _row_texts(tree)
    for key, node in _items(tree):
        if key == "PLpgSQL_stmt_dynexecute" or key == "PLpgSQL_stmt_dynfors" or key == "PLpgSQL_stmt_open":
            expr = node.get("query") or node.get("dynquery")
            if isinstance(expr, dict):
                query = _query(expr)
                row = rows.get(id(node))
                hits.extend(_dynamic(query, ctx) if row is None else
                            built_hits(row, ctx, Hit("dynamic-sql", "", ctx.source, f"EXECUTE {query[:60]}"), "EXECUTE"))
        elif key == "PLpgSQL_expr" and not node.get("_dynamic"):
            hits.extend(_embedded(str(node.get("query", "")), int(node.get("parseMode", 0)), ctx))
    return hits


def _row_texts(tree: Any) -> dict[int, Any]:
    """EXECUTEs of a loop variable that holds the text each row of its query builds: `FOR s IN SELECT
    format('ANALYZE %I', tablename) FROM pg_tables LOOP EXECUTE s` runs that text once per row, so
    `EXECUTE s` is judged as it. By the EXECUTE node's id, the SELECT's one expression (a pglast node).
    Only inside the loop's body, for a variable declared once, of one FOR over one plain SELECT of one
    column, and set nowhere else in the body (no assignment, INTO, FETCH or GET DIAGNOSTICS)."""
    from blastwall.analyze.sql.where import first_statement

    out: dict[int, Any] = {}
    for function in tree if isinstance(tree, list) else [tree]:
        body = function.get("PLpgSQL_function", {}) if isinstance(function, dict) else {}
        declared: dict[str, int] = {}
        for datum in body.get("datums") or ():
            var = datum.get("PLpgSQL_var") if isinstance(datum, dict) else None
            if isinstance(var, dict):
                declared[str(var.get("refname", "")).lower()] = declared.get(str(var.get("refname", "")).lower(), 0) + 1
        items = _items(body.get("action"))
        sets: dict[int, int] = {}
        for _, node in items:
            for _, varno in _row_fields(node.get("var") or node.get("target")):
                sets[varno] = sets.get(varno, 0) + 1
            for key in ("varno", "target"):
                if isinstance(node.get(key), int):
                    sets[node[key]] = sets.get(node[key], 0) + 1
        for key, node in items:
            fields = _row_fields(node.get("var"))
            if key != "PLpgSQL_stmt_fors" or len(fields) != 1:
                continue
            name, varno = fields[0][0].lower(), fields[0][1]
            if sets.get(varno) != 1 or declared.get(name) != 1:
                continue
            try:
                select = first_statement(_query(node.get("query") or {}))
            except Exception:  # noqa: BLE001 - a query pglast cannot read binds nothing
                continue
            if type(select).__name__ != "SelectStmt" or int(select.op or 0) != 0 or len(select.targetList or ()) != 1:
                continue
            for inner_key, inner in _items(node.get("body")):
                if inner_key == "PLpgSQL_stmt_dynexecute" and _query(inner.get("query") or {}).strip().lower() == name:
                    out[id(inner)] = select.targetList[0].val
    return out


def _row_fields(var: Any) -> list[tuple[str, int]]:
    """(name, varno) of the variables a FOR, SELECT INTO, EXECUTE INTO or FETCH sets."""
    row = var.get("PLpgSQL_row") if isinstance(var, dict) else None
    if not isinstance(row, dict):
        return []
    return [(str(f.get("name", "")), int(f.get("varno", -1))) for f in row.get("fields") or () if isinstance(f, dict)]


def _items(tree: Any) -> list[tuple[str, dict[str, Any]]]:
    """(node kind, node) for every PL/pgSQL node; the strings EXECUTE runs are marked dynamic."""
    out: list[tuple[str, dict[str, Any]]] = []
    stack = [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(reversed(n))
        elif isinstance(n, dict):
            for k, v in n.items():
                if isinstance(v, dict) and k.startswith("PLpgSQL_"):
                    out.append((k, v))
                    if k in ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors", "PLpgSQL_stmt_open"):
                        for sub in ("query", "dynquery"):
                            inner = v.get(sub, {}).get("PLpgSQL_expr") if isinstance(v.get(sub), dict) else None
                            if isinstance(inner, dict):
                                inner["_dynamic"] = True
                stack.append(v)
    return out


def _query(expr: dict[str, Any]) -> str:
    inner = expr.get("PLpgSQL_expr", expr)
    return str(inner.get("query", "")) if isinstance(inner, dict) else ""


def _embedded(query: str, mode: int, ctx: Any) -> list[Hit]:
    """A statement or expression written in the body (run as is)."""
    candidates = [query] if mode == 0 else [f"SELECT {query}", query]
    for text in candidates:
        found = _sql_hits(text, ctx)
        if found is not None:
            return found
    return []


def _dynamic(expr: str, ctx: Any) -> list[Hit]:
    """The SQL an EXECUTE runs, rebuilt from the literal parts of its string expression (parsed
    once, as the expression of a SELECT; one that does not parse is SQL blastwall cannot see)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    unseen = Hit("dynamic-sql", "", ctx.source, f"EXECUTE {expr[:60]}")
    try:
        parsed = parse_sql(f"SELECT {expr}")
    except (ParseError, ValueError, OverflowError, RecursionError):
        return [unseen]
    if not parsed:
        return [unseen]
    return built_hits(parsed[0].stmt.targetList[0].val, ctx, unseen, "EXECUTE")


def built_hits(node: Any, ctx: Any, unseen: Hit, runner: str) -> list[Hit]:
    """The hits of the SQL a string expression builds (`node`, rebuilt from its literal parts) when
    `runner` runs it as a statement; `unseen` when the expression is built wholly at run time."""
    text = _rebuild(node)
    if not text or lexer.first_word(text).startswith(PLACEHOLDER):  # the statement's kind is chosen at run time
        return [unseen]
    deeper = ctx._replace(depth=ctx.depth + 1)
    # A run-time piece is a value (`$1`) where the grammar allows one, else a name.
    found = _sql_hits(text.replace(PLACEHOLDER, "$1"), deeper) if PLACEHOLDER in text else None
    if found is None:
        found = _sql_hits(text, deeper)
    if found is None:
        phrases = lexer.find_phrases(lexer.code_only(text), table()["lexical"]["phrases"])
        return [unseen._replace(detail=f"{runner} of SQL with {', '.join(phrases)}")] if phrases else []
    return [h._replace(target=h.target.replace(PLACEHOLDER, RUNTIME)) for h in found]


def text_hits(node: Any, ctx: Any, called: str) -> list[Hit]:
    """The SQL a function given SQL as text runs (`cron.schedule(..., $$DELETE ...$$)`,
    `exec_sql('DROP TABLE ' || quote_ident('t'))`): literals folded and analyzed; SQL built from
    anything else is asked about (`sql-text-dynamic`)."""
    text = _rebuild(node)
    if not text.strip() or PLACEHOLDER in text:
        return [Hit("sql-text-dynamic", called, ctx.source, "its text is not a literal")]
    if ctx.depth >= _max_depth():
        return _scan(text, "sql", ctx)
    found = _sql_hits(text, ctx._replace(depth=ctx.depth + 1))
    if found is None:
        phrases = lexer.find_phrases(lexer.code_only(text), table()["lexical"]["phrases"])
        return [Hit("sql-text-dynamic", called, ctx.source, f"SQL that does not parse, with {', '.join(phrases)}")] \
            if phrases else []
    return found


def rebuilt_text(node: Any) -> str:
    """The SQL a string expression builds, run-time parts as the placeholder name."""
    return _rebuild(node)


def _rebuild(node: Any) -> str:
    """Text of a string expression: literals as written, run-time parts as the placeholder."""
    kind = type(node).__name__
    if kind == "A_Const":
        return str(getattr(node.val, "sval", getattr(node.val, "ival", "")))
    if kind == "TypeCast":
        return _rebuild(node.arg)
    if kind == "A_Expr" and node.name and getattr(node.name[-1], "sval", "") == "||":
        return _rebuild(node.lexpr) + _rebuild(node.rexpr)
    if kind == "FuncCall" and node.funcname:
        name = str(getattr(node.funcname[-1], "sval", "")).lower()
        args = list(node.args or ())
        if name == "format" and args:
            return _format(_rebuild(args[0]), [_rebuild(a) for a in args[1:]])
        if name in ("quote_ident", "quote_literal", "quote_nullable") and len(args) == 1:
            inner = _rebuild(args[0])
            return inner if name == "quote_ident" else f"'{inner}'"
        if name == "string_agg" and len(args) == 2:  # each row's text, joined by the separator
            row = _rebuild(args[0])
            return row + _rebuild(args[1]) + row
        if name in ("concat", "concat_ws"):
            parts = [_rebuild(a) for a in args]
            return (parts[0] if name == "concat_ws" and parts else "").join(parts[1:] if name == "concat_ws" else parts)
    return PLACEHOLDER


def _format(fmt: str, args: list[str]) -> str:
    """PostgreSQL format(): %s %I %L take the next argument, %% is a percent sign."""
    out, i, n = [], 0, 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            if spec == "%":
                out.append("%")
            else:
                value = args[n] if n < len(args) else PLACEHOLDER
                out.append(f"'{value}'" if spec == "L" else value)
                n += 1
            i += 2
            continue
        out.append(fmt[i])
        i += 1
    return "".join(out)
