"""Turn a catalog operation into findings, for the shell (`aws ...`) and the HTTP door."""

from __future__ import annotations

from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.catalogs import ops
from blastwall.analyze.catalogs.data import CatalogMissing
from blastwall.analyze.catalogs.verbs import Class, by_method, classify, table, words
from blastwall.model import Finding, Severity

# Options that make an aws call change nothing (the CLI prints, validates or explains).
_AWS_SAFE_FLAGS = ("--dry-run", "--dryrun", "--generate-cli-skeleton", "--help")


def rule_id(surface: str, op: ops.Op) -> str:
    """`http.aws.ec2:terminate-instances`, `http.github.repos:delete`, `http.google.compute:instances.delete`."""
    name = op.name
    namespace = op.service
    if op.provider == "github" and "/" in name:
        namespace, name = name.split("/", 1)
    elif op.provider == "google":
        parts = name.split(".")
        namespace, name = parts[0], ".".join("-".join(words(p)) for p in parts[1:])
    else:
        name = "-".join(words(name))
    ns = _id_part(namespace)
    leaf = _id_part(name) or "operation"
    return f"{surface}.{op.provider}{'.' + ns if ns else ''}:{leaf}"


def _id_part(text: str) -> str:
    """Lower case, runs of characters a rule id cannot hold made one dash."""
    out = "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else " " for c in text.lower())
    return "-".join(out.split()).strip("-.")


def finding(surface: str, op: ops.Op, cls: Class, target: str, source: str) -> Finding:
    reason = cls.reason.format(op=op.name, label=op.label, target=target or "the target").replace(" ()", "")
    return Finding(rule_id=rule_id(surface, op), effect=cls.effect, severity=cls.severity, reason=reason,
                   target=target, safer=cls.safer, source=source[:200])


def judge(op: ops.Op, method: str | None = None) -> Class | None:
    """The class of `op`; for REST providers an unlisted verb falls back to the HTTP method."""
    verb = classify(op.name, op.provider)
    if verb is not None:
        return verb.cls
    return by_method(method) if method else None


# ---- the aws CLI ----------------------------------------------------------------------------
def cli_findings(program: str, argv: list[Any], scope: Scope, source: str) -> list[Finding]:
    """`aws [global options] SERVICE OPERATION [options]` judged by its operation."""
    from blastwall.analyze.shell.programs import _tables_for, parse_args

    prog = _tables_for(program)[0].get(program)
    args = parse_args(argv[1:], prog)
    if program == "gcloud":
        return _gcloud(args, source)
    if len(args.positionals) < 2:
        return []
    service, operation = args.positionals[0], args.positionals[1]
    if _asks_help(argv, operation) or any(f.split("=", 1)[0] in _AWS_SAFE_FLAGS for f in args.flags):
        return []
    try:
        op = ops.aws_cli(service, operation)
        known = ops.aws_known_service(service)
    except CatalogMissing as exc:
        return [unknown("shell.aws:catalog-missing", f"{exc}; reinstall blastwall", source)]
    if op is None:
        op = ops.Op("aws", service if known else "", operation, f"AWS {service}")
    verb = classify(op.name, "aws")
    if verb is None:
        return [unknown("shell.aws:unknown-operation",
                        f"aws {service} {operation} is no operation blastwall knows; check what it does", source)]
    target = " ".join(args.positionals[2:])[:200]
    out: list[Finding] = []
    if verb.cls.severity > Severity.NONE:
        out.append(finding("shell", op._replace(name=operation), verb.cls, target, source))
    if op.sql:
        out.extend(_cli_sql(op, argv, scope, source))
    spec = table().get("cli_commands", {}).get(f"{service} {operation}")
    if spec:
        out.extend(_cli_commands(spec, argv, scope, source))
    return out


def _option_values(argv: list[Any], option: str) -> list[Any]:
    out = []
    for i, w in enumerate(argv):
        if w.text == option and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif w.text.startswith(option + "="):
            out.append(type(w)(w.text[len(option) + 1:], dynamic=w.dynamic))
    return out


def _cli_commands(spec: dict[str, str], argv: list[Any], scope: Scope, source: str) -> list[Finding]:
    """`aws ssm send-command --parameters commands=[...]`: each command is analyzed as shell."""
    from blastwall.analyze.shell import analyze_command

    values = _option_values(argv, spec["option"])
    if not values and any(w.text.split("=", 1)[0] in ("--cli-input-json", "--cli-input-yaml") for w in argv):
        return [unknown("shell.aws:remote-command-unseen", "the commands come from --cli-input-json/yaml, which "
                        "blastwall does not read; they run on remote machines", source)]
    texts: list[str] = []
    for w in values:
        if spec.get("optional") and not w.dynamic and spec["key"] not in w.text:
            continue  # a session document without a command (port forwarding)
        got = None if w.dynamic or w.text.startswith(("file://", "fileb://", "http")) else \
            _commands_in(w.text, spec.get("key", ""))
        if got is None:
            return [unknown("shell.aws:remote-command-unseen", f"the commands given with {spec['option']} cannot be "
                            "read; they run on remote machines", source)]
        texts.extend(got)
    out: list[Finding] = []
    for text in texts:
        out.extend(analyze_command(text, scope.deeper(f"aws {spec['option']} (runs on the targets)")))
    return out


def _commands_in(value: str, key: str) -> list[str] | None:
    """The commands in `commands=a,b`, `commands=["a","b"]`, `{"commands": [...]}` or a plain string."""
    import json

    if not key:
        return [value]
    text = value.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        got = data.get(key)
        return [str(x) for x in got] if isinstance(got, list) else ([got] if isinstance(got, str) else None)
    if text.startswith(key + "="):
        rest = text[len(key) + 1:].strip()
        try:
            parsed = json.loads(rest)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(x) for x in parsed]
        if rest.startswith("[") and rest.endswith("]"):
            rest = rest[1:-1]
        return _shorthand_items(rest)
    return None


def _shorthand_items(text: str) -> list[str] | None:
    """The items of an AWS shorthand list (`a,b`, `"a, b",'c'`), or None when it cannot be split
    for sure: a backslash outside a quoted item (`\\"rm -rf x\\"`), text after a closing quote, an
    unclosed quote."""
    items: list[str] = []
    cur: list[str] = []
    quote = ""
    quoted_item = False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"' and i + 1 < len(text) and text[i + 1] in '"\\':
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = ""
            else:
                cur.append(c)
        elif c in "\"'" and not "".join(cur).strip():
            cur, quote, quoted_item = [], c, True  # a quote inside an unquoted item is a plain character
        elif c == "\\":
            return None
        elif c == ",":
            items.append("".join(cur) if quoted_item else "".join(cur).strip())
            cur, quoted_item = [], False
        elif quoted_item and not c.isspace():
            return None  # text after a closing quote
        else:
            cur.append(c)
        i += 1
    if quote:
        return None
    items.append("".join(cur) if quoted_item else "".join(cur).strip())
    return [x for x in items if x.strip()] or [""]


_GCLOUD_SAFE_FLAGS = ("--help", "-h", "--validate-only", "--dry-run")


def _gcloud(args: Any, source: str) -> list[Finding]:
    """`gcloud GROUP ... RESOURCE VERB ARGS` judged as the discovery method it calls; a command
    the Google catalog does not name is left to the hand rules (rules/shell_cloud.toml)."""
    pos = list(args.positionals)
    if len(pos) < 3 or "help" in pos[:6] or any(f.split("=", 1)[0] in _GCLOUD_SAFE_FLAGS for f in args.flags):
        return []
    group = pos[1] if pos[0] in ("alpha", "beta") else pos[0]
    if pos[0] in ("alpha", "beta"):
        pos = pos[1:]
    apis = list(table().get("gcloud_apis", {}).get(group, [group]))
    try:
        found = ops.gcloud_method(apis, pos)
    except CatalogMissing as exc:
        return [unknown("shell.gcloud:catalog-missing", f"{exc}; reinstall blastwall", source)]
    if found is None:
        return []
    op, i = found
    verb = classify(op.name, "google")
    if verb is None or verb.cls.severity == Severity.NONE:
        return []
    cls = verb.cls
    named = [p for p in pos[i + 1:] if not p.startswith("-")]
    if named and "." in op.name:  # `gcloud filestore instances restore NAME`: the named instance, as its URL path
        from blastwall.analyze.catalogs.verbs import in_place

        collection, method = op.name.split(".")[-2:]
        cls = in_place(op.name, "google", f"/{collection}/{named[0]}:{method}") or cls
    return [finding("shell", op, cls, " ".join(pos[i + 1:])[:200], source)]


def _asks_help(argv: list[Any], operation: str) -> bool:
    """`aws ec2 terminate-instances help`: the word right after the operation, or the last word
    when no option comes before it (`--instance-ids help` names an instance called help)."""
    texts = [w.text for w in argv]
    if operation not in texts:
        return False
    after = texts[texts.index(operation) + 1:]
    return bool(after) and (after[0] == "help" or (after[-1] == "help" and not any(a.startswith("-") for a in after)))


def _cli_sql(op: ops.Op, argv: list[Any], scope: Scope, source: str) -> list[Finding]:
    """`aws rds-data execute-statement --sql "DROP TABLE x"`: the SQL analyzer reads the SQL."""
    from blastwall.analyze.sql import analyze_sql

    option = "--" + "-".join(words(op.sql))
    texts = _option_values(argv, option)
    if not texts:
        return [unknown("shell.aws:sql-unseen", f"aws {op.service} {op.name}: the SQL it runs is not on the command "
                        "line; blastwall cannot read it", source)]
    out: list[Finding] = []
    for w in texts:
        if w.dynamic:
            out.append(unknown("shell.aws:sql-dynamic", f"the SQL of aws {op.service} is built at run time", source))
        else:
            out.extend(analyze_sql(w.text, scope.deeper(f"aws {op.service} {op.name}")))
    return out


# ---- HTTP -----------------------------------------------------------------------------------
def http_findings(catalog: str, req: Any, path: str, scope: Scope) -> list[Finding] | None:
    """Findings for a request to a provider with a generated catalog; None when the catalog
    does not know the request (the caller's generic rules decide)."""
    try:
        found = ops.aws_http_all(req) if catalog == "aws" else [op for op in [_lookup(catalog, req, path)] if op]
        if not found:
            return None
        if catalog == "google" and google_dry_run(req):
            return []
        out: list[Finding] = []
        for op in found:
            out.extend(_http_op(catalog, op, req, scope))
    except CatalogMissing as exc:
        return [unknown(f"http.{catalog}:catalog-missing", f"{exc}; reinstall blastwall", req.display)]
    return out


def google_dry_run(req: Any) -> str | None:
    """The field that makes a Google API call only validate or estimate (`[generic] google_dry_run_fields`:
    BigQuery's `dryRun` on jobs.query or in a job's `configuration`, the standard `validateOnly` in the
    body or the query string), set to true; None otherwise. Nothing runs, so nothing is judged."""
    from blastwall.analyze.http.sniff import word_list

    fields = word_list("google_dry_run_fields")
    places = [req.body] if isinstance(req.body, dict) else []
    if places and isinstance(places[0].get("configuration"), dict):
        places.append(places[0]["configuration"])
    for place in places:
        for k, v in place.items():
            if str(k).lower() in fields and (v is True or (isinstance(v, str) and v.strip().lower() == "true")):
                return str(k)
    for k, v in req.query:
        if k.lower() in fields and v.strip().lower() == "true":
            return k
    return None


def _http_op(catalog: str, op: ops.Op, req: Any, scope: Scope) -> list[Finding]:
    rest = catalog != "aws" or bool(op.service and ops.aws_rest(op.service))
    cls = judge(op, req.method if rest else None)
    if catalog == "google" and cls is not None and cls.severity < Severity.MEDIUM:
        from blastwall.analyze.catalogs.verbs import in_place

        cls = in_place(op.name, op.provider, req.path) or cls  # restoreBackup over a live instance
    source = f"{req.method} {req.display}"
    if cls is None:
        return [unknown(f"http.{catalog}:unknown-operation",
                        f"{op.name} is no {op.label} operation blastwall knows; check what it does", source)]
    out: list[Finding] = []
    if cls.severity > Severity.NONE:
        out.append(finding("http", op, cls, req.display, source))
    if op.sql:
        out.extend(_http_sql(op, req, scope))
    elif req.method not in ("GET", "HEAD", "OPTIONS"):
        out.extend(_body_sql(req, scope))
    return out


_SQL_KEYS = frozenset({"sql", "query", "statement", "querystring", "sqlquery"})


def _body_sql(req: Any, scope: Scope) -> list[Finding]:
    """SQL in a body field of an operation whose spec does not say so (BigQuery `jobs.query`
    and `jobs.insert` `configuration.query.query`, Spanner `executeSql`): analyzed when it reads
    as SQL."""
    from blastwall.analyze.http.request import walk
    from blastwall.analyze.http.sniff import looks_like_sql
    from blastwall.analyze.sql import analyze_sql

    if not isinstance(req.body, (dict, list)):
        return []
    texts = [v for k, v in walk(req.body)[:2000] if k.lower() in _SQL_KEYS and isinstance(v, str) and looks_like_sql(v)]
    out: list[Finding] = []
    for text in texts[:20]:
        out.extend(analyze_sql(text, scope.deeper(f"SQL sent to {req.display}")))
    return out


def _lookup(catalog: str, req: Any, path: str) -> ops.Op | None:
    if catalog == "google":
        return ops.google_http(req.host, req.method, path, req.query)
    return ops.rest_http(catalog, req.method, path, req.query)


def _http_sql(op: ops.Op, req: Any, scope: Scope) -> list[Finding]:
    from blastwall.analyze.sql import analyze_sql

    value = req.params.get(op.sql)
    texts = value if isinstance(value, list) else [value]
    out: list[Finding] = []
    for text in texts:
        if isinstance(text, dict):  # redshift-data Sqls / dynamodb Statements: [{"Statement": ...}]
            text = text.get("Statement") or text.get("Sql")
        if isinstance(text, str) and text.strip():
            out.extend(analyze_sql(text, scope.deeper(f"SQL sent to {req.display}")))
    return out
