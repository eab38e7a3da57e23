"""Row checks: the few decisions a catalog row cannot express as a path and a condition.

A row names its check with `check = "NAME"`. A check returns findings (an empty list means
the request is known harmless) or None when the row does not apply after all.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.http.catalog import Rule
from blastwall.analyze.http.request import Request
from blastwall.analyze.http.sniff import looks_like_sql, setting
from blastwall.model import Finding, Severity


@dataclass(frozen=True)
class CheckContext:
    req: Request
    rule: Rule
    captures: dict[str, str]
    scope: Scope
    arguments: dict[str, Any] = field(default_factory=dict)  # GraphQL root-field arguments
    dialect: str | None = None
    make: Callable[..., Finding] | None = None  # builds the row's finding: make(severity=..., detail=...)


Check = Callable[[CheckContext], "list[Finding] | None"]
CHECKS: dict[str, Check] = {}


def register(name: str) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return deco


def _sql(text: str, ctx: CheckContext, origin: str) -> list[Finding]:
    from blastwall.analyze.sql import analyze_sql

    return analyze_sql(text, ctx.scope.deeper(origin), dialect=ctx.dialect)


@register("sql_body")
def sql_body(ctx: CheckContext) -> list[Finding] | None:
    """The body carries SQL (`query`, `sql`, `statement`): the SQL analyzer decides."""
    body = ctx.req.body
    if isinstance(body, dict):
        if body.get("read_only") is True:
            return []
        texts = [body[k] for k in ("query", "sql", "statement", "q") if isinstance(body.get(k), str)]
    elif isinstance(body, str):
        texts = [body]
    else:
        texts = []
    texts += [v for k, v in ctx.req.query if k in ("query", "sql")]
    out: list[Finding] = []
    for text in texts:
        out.extend(_sql(text, ctx, f"SQL sent to {ctx.req.display}"))
    return out


@register("postgrest_rpc")
def postgrest_rpc(ctx: CheckContext) -> list[Finding] | None:
    """A PostgREST RPC (`POST /rest/v1/rpc/exec_sql {"sql": "..."}`) as the SQL call it makes:
    `SELECT exec_sql(sql => '...')`, so the SQL analyzer reads the function and its text arguments."""
    import json

    function = ctx.captures.get("function", "")
    if not rx.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]{0,62}", function):
        return [ctx.make(severity=Severity.MEDIUM, detail="a function name blastwall cannot read")] if ctx.make else None
    body = ctx.req.body
    fields = list(ctx.req.query) if ctx.req.method in ("GET", "HEAD") else []
    if isinstance(body, dict):
        fields += list(body.items())
    elif body not in (None, "", [], {}):  # one unnamed argument (`Prefer: params=single-object`) or a list
        fields.append(("", body))
    args = []
    for name, value in fields[:50]:
        text = value if isinstance(value, str) else json.dumps(value)
        literal = "'" + text.replace("'", "''") + "'"
        key = str(name)
        args.append(f'"{key.replace(chr(34), chr(34) * 2)}" => {literal}' if key else literal)
    return _sql(f"SELECT {function}({', '.join(args)})", ctx, f"RPC {function} at {ctx.req.display}")


@register("sql_text")
def sql_text(ctx: CheckContext) -> list[Finding] | None:
    """Databases that take SQL as the body or a `query` parameter (ClickHouse HTTP)."""
    texts = [v for k, v in ctx.req.query if k == "query" and v.strip()]
    if ctx.req.body_text.strip() and ctx.req.method not in ("GET", "HEAD"):
        texts.append(ctx.req.body_text)
    out: list[Finding] = []
    for text in texts:
        if looks_like_sql(text) or rx.match(r"\s*(system|kill|optimize|detach|attach|rename|exchange)\b", text, rx.I):
            out.extend(_sql(text, ctx, f"SQL sent to {ctx.req.display}"))
    return out


_POSTGREST_RESERVED = {"select", "order", "limit", "offset", "on_conflict", "columns", "apikey"}


@register("postgrest")
def postgrest(ctx: CheckContext) -> list[Finding] | None:
    """PostgREST DELETE/PATCH: harmless with a selective filter (`id=eq.42`), else every row."""
    filters = [(k, v) for k, v in ctx.req.query if k not in _POSTGREST_RESERVED]
    if any(_selective(k, v) for k, v in filters):
        return []
    table = ctx.captures.get("table", "")
    if ctx.req.method == "DELETE":
        from blastwall.analyze.http import expired

        column = expired.postgrest_column(table, filters)
        if column:
            return [expired.finding(table, column, ctx.req.display, ctx.scope)]
    assert ctx.make is not None
    detail = "no filter" if not filters else "a filter that is not selective"
    return [ctx.make(detail=detail)]


def _top_level(text: str) -> list[str]:
    """`a.eq.1,and(b.eq.2,c.eq.3)` -> the parts between commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _selective(key: str, value: str) -> bool:
    v = value.strip()
    if key in ("or", "and", "not.or", "not.and"):
        inner = v.strip("()")
        parts = [p.strip() for p in _top_level(inner) if p.strip()]
        checks = [bool(rx.match(r"^[\w.\"]+\.(eq|in)\.", p)) and not rx.search(r"\.(eq|in)\.\(?\s*\)?$", p)
                  for p in parts]
        return bool(checks) and (all(checks) if key.endswith("or") else any(checks))
    if v.startswith("eq."):
        return len(v) > 3 and v[3:] not in ("*", "%")
    if v.startswith("in."):
        return bool(rx.match(r"^in\.\(\s*[^)\s]", v))
    return False


_SECRETISH = rx.compile(r"(?i)(url|uri|dsn|host|database|db_|secret|token|key|password|passwd|pwd|credential|auth)")


def variables_risky(names: list[str], environment: str | None, replace: bool) -> str | None:
    """Why setting these variables could break something, or None when it is additive."""
    prod = setting("production_names", ["production", "prod", "live"])
    if replace:
        return "replaces the whole variable set"
    env = (environment or "").strip().lower()
    if env and any(env == p or env.startswith(p + "-") or env.endswith("-" + p) for p in prod):
        return f"overwrites variables in {environment}"
    risky = [n for n in names if _SECRETISH.search(n)]
    if risky:
        return f"may overwrite {', '.join(sorted(risky)[:3])}"
    return None


@register("variables")
def variables(ctx: CheckContext) -> list[Finding] | None:
    """Railway variableUpsert / variableCollectionUpsert: risky when it replaces or overwrites."""
    given = ctx.arguments.get("input")
    args: dict[str, Any] = given if isinstance(given, dict) else ctx.arguments
    names: list[str] = []
    if isinstance(args.get("name"), str):
        names.append(args["name"])
    if isinstance(args.get("variables"), dict):
        names.extend(str(k) for k in args["variables"])
    why = variables_risky(names, str(args.get("environmentId") or "") or ctx.scope.environment,
                          args.get("replace") is True)
    if why is None:
        return []
    assert ctx.make is not None
    return [ctx.make(detail=why)]


def removed_properties(body: object) -> list[str]:
    """The names a schema update removes: keys of a `properties` object set to null (Notion's
    `PATCH /v1/databases/ID {"properties": {"Email": null}}` deletes the column and its values on
    every page)."""
    props = body.get("properties") if isinstance(body, dict) else None
    return [str(k) for k, v in props.items() if v is None] if isinstance(props, dict) else []


@register("null_properties")
def null_properties(ctx: CheckContext) -> list[Finding] | None:
    """A database schema update that sets properties to null removes them and their values."""
    names = removed_properties(ctx.req.body)
    if not names:
        return []
    assert ctx.make is not None
    return [ctx.make(detail=f"removes {', '.join(sorted(names)[:3])}")]


@register("k8s_exec")
def k8s_exec(ctx: CheckContext) -> list[Finding] | None:
    """`pods/NAME/exec?command=sh&command=-c&command=...`: analyze the command it runs."""
    argv = ctx.req.query_values("command")
    if not argv:
        return []
    from blastwall.analyze.shell import analyze_command

    text = unwrap_argv(argv)
    return analyze_command(text, ctx.scope.deeper(f"exec in pod {ctx.captures.get('name', '')}"))


def unwrap_argv(argv: list[str]) -> str:
    """`["sh", "-c", "rm -rf /x"]` -> `rm -rf /x`; any other argv -> its shell-quoted join."""
    shells = set(setting("shells", ["sh", "bash"]))
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in shells and argv[1] in ("-c", "-lc", "-ec", "-xc", "-ic"):
        return argv[2]
    return shlex.join(argv)


@register("cypher")
def cypher(ctx: CheckContext) -> list[Finding] | None:
    """Neo4j transactions: statements that delete, remove or drop."""
    from blastwall.analyze.sql import analyze_cypher

    texts = [v for k, v in _pairs(ctx.req.body) if k in ("statement", "query") and isinstance(v, str)]
    found = [f for t in texts[:50] for f in analyze_cypher(t, ctx.scope.deeper(f"Cypher sent to {ctx.req.display}"))]
    assert ctx.make is not None
    return [ctx.make(severity=max(f.severity for f in found), detail=found[0].reason[:120])] if found else []


def _pairs(value: Any) -> list[tuple[str, Any]]:
    from blastwall.analyze.http.request import walk

    return walk(value)



@register("delete_by_query")
def delete_by_query(ctx: CheckContext) -> list[Finding] | None:
    """Elasticsearch/OpenSearch `_delete_by_query`: a clearly expired cleanup (`analyze/http/expired.py`)
    is judged as one; any other query deletes every document it matches."""
    from blastwall.analyze.http import expired

    index = ctx.captures.get("index", "")
    column = expired.es_column(index, ctx.req.body)
    if column:
        return [expired.finding(index, column, ctx.req.display, ctx.scope)]
    assert ctx.make is not None
    return [ctx.make()]


@register("update_by_query")
def update_by_query(ctx: CheckContext) -> list[Finding] | None:
    """Elasticsearch/OpenSearch `_update_by_query`: a script run on every document the query matches.
    No script only re-indexes in place; a script over no query (or `match_all`) rewrites every
    document of the index, and a script that sets `ctx.op` to delete deletes what it matches."""
    body = ctx.req.body if isinstance(ctx.req.body, dict) else {}
    script = body.get("script")
    source = script.get("source", script.get("inline", "")) if isinstance(script, dict) else script
    if not script and not ctx.req.query_values("script"):
        return []
    assert ctx.make is not None
    if isinstance(source, str) and rx.search(r"ctx\.op\s*=+\s*['\"]delete['\"]", source):
        return [ctx.make(detail="the script deletes the documents it matches")]
    query = body.get("query")
    if not query and not ctx.req.query_values("q") or (isinstance(query, dict) and set(query) == {"match_all"}):
        return [ctx.make(detail="no query: every document")]
    return []


@register("null_values")
def null_values(ctx: CheckContext) -> list[Finding] | None:
    """Config-var PATCH (Heroku): a null value unsets a variable; overwriting a credential asks."""
    body = ctx.req.body if isinstance(ctx.req.body, dict) else {}
    assert ctx.make is not None
    unset = [str(k) for k, v in body.items() if v is None]
    if unset:
        return [ctx.make(detail=f"unsets {', '.join(sorted(unset)[:3])}")]
    why = variables_risky([str(k) for k in body], ctx.scope.environment, False)
    return [ctx.make(severity=Severity.MEDIUM, detail=why)] if why else []


@register("solr_delete")
def solr_delete(ctx: CheckContext) -> list[Finding] | None:
    """Solr update requests that carry a delete (`<delete>`, `{"delete": ...}`, `stream.body`)."""
    text = ctx.req.body_text + " " + " ".join(v for _, v in ctx.req.query)
    if not rx.search(r"(?i)<delete>|\"delete\"\s*:|\bdelete\b", text):
        return []
    assert ctx.make is not None
    return [ctx.make()]


@register("redis_rest")
def redis_rest(ctx: CheckContext) -> list[Finding] | None:
    """Redis over REST (Upstash, Vercel KV, Webdis): the command is the path (`/flushall`,
    `/del/key`) or the body (`["FLUSHALL"]`; `[["DEL", "k"], ["SET", "a", "1"]]` at /pipeline or
    /multi-exec), each judged as the redis-cli command it is."""
    from blastwall.analyze.sql import analyze_redis

    commands = _redis_commands(ctx.req)
    if commands is None:
        assert ctx.make is not None
        return [ctx.make(detail="a body blastwall cannot read as Redis commands")]
    scope = ctx.scope.deeper(f"Redis command sent to {ctx.req.display}")
    return [f for argv in commands for f in analyze_redis(argv, scope)]


def _redis_commands(req: Request) -> list[list[str]] | None:
    """The Redis commands of a REST request; None when its body is neither a command nor a list of them."""
    segments = [s for s in req.path.split("/") if s]
    body = req.body
    if segments and segments[0].lower() not in ("pipeline", "multi-exec"):
        last = segments[-1].rsplit(".", 1)[0] if len(segments) > 1 and "." in segments[-1] else segments[-1]
        argv = [*segments[:-1], last]  # Webdis: `/GET/key.json` names the reply's format
        return [argv + ([req.body_text] if req.body_text.strip() else [])]
    if body is None or body == "":
        return []
    if isinstance(body, list) and all(isinstance(a, (str, int, float)) for a in body):
        return [[str(a) for a in body]] if body else []
    if isinstance(body, list) and all(isinstance(c, list) and all(isinstance(a, (str, int, float)) for a in c)
                                      for c in body):
        return [[str(a) for a in c] for c in body if c]
    return None


from blastwall.analyze.http import body_checks as _body_checks  # noqa: E402,F401  (registers its checks)
