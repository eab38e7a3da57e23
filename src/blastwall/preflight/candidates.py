"""What an action says about where it runs: the resources the inventory can place.

A `Candidate` is one thing named by the action or a finding, with the inventory kinds it can
match: a connection string (`databases`), a host (`hosts`, `databases`), a kubectl namespace or
context, a bucket, a git branch a push names, the context's environment hint. The knowledge
of which program flag names what is data (`PROGRAM_FLAGS`), not code.
"""

from __future__ import annotations

import posixpath
from typing import NamedTuple
from urllib.parse import urlsplit

from blastwall import rx
from blastwall.model import Action, Finding
from blastwall.preflight.payload import action_texts


class Candidate(NamedTuple):
    kinds: tuple[str, ...]  # inventory kinds to look it up in; "environment" = an environment name
    values: tuple[str, ...]  # the forms to match (s3://bucket and bucket)
    label: str  # how a reason names it: "host prod-db.internal"


CONTEXT_LABEL = "the action's context"

# program -> option -> kind. Options take a value (`-n prod`, `--namespace=prod`, `-nprod`).
_PG = {"-h": "hosts", "--host": "hosts", "-d": "databases", "--dbname": "databases"}
_MY = {"-h": "hosts", "--host": "hosts", "-D": "databases", "--database": "databases"}
PROGRAM_FLAGS: dict[str, dict[str, str]] = {
    "kubectl": {"-n": "namespaces", "--namespace": "namespaces", "--context": "clusters", "--cluster": "clusters"},
    "helm": {"-n": "namespaces", "--namespace": "namespaces", "--kube-context": "clusters"},
    **{p: _PG for p in ("psql", "pg_dump", "pg_dumpall", "pg_restore", "dropdb", "createdb", "vacuumdb", "reindexdb")},
    **{p: _MY for p in ("mysql", "mysqldump", "mysqladmin", "mariadb")},
    "redis-cli": {"-h": "hosts"},
    "mongosh": {"--host": "hosts"},
    "mongo": {"--host": "hosts"},
    "railway": {"-e": "environment", "--environment": "environment", "-s": "services", "--service": "services"},
    "heroku": {"-a": "services", "--app": "services"},
    "fly": {"-a": "services", "--app": "services"},
    "flyctl": {"-a": "services", "--app": "services"},
    "gcloud": {"--project": "projects", "--cluster": "clusters"},
    "aws": {"--cluster": "clusters", "--cluster-name": "clusters"},
}
# Programs whose first operand is a host (ssh) or a database (psql, dropdb), and the options
# of theirs that take a value (so the operand is not mistaken for one).
OPERAND_KIND: dict[str, tuple[str, frozenset[str]]] = {
    "ssh": ("hosts", frozenset(["-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w"])),
    "psql": ("databases", frozenset(["-c", "-d", "-f", "-F", "-h", "-L", "-o", "-p", "-P", "-R", "-T", "-U", "-v", "--set", "--variable"])),
    "dropdb": ("databases", frozenset(["-h", "-p", "-U", "--host", "--port", "--username", "--maintenance-db"])),
}
# Finding rule ids whose target is itself a resource of a kind.
TARGET_KINDS: tuple[tuple[str, str], ...] = (
    ("shell.git:push", "branches"),
    ("http.github:", "branches"),
    ("mcp.github:", "branches"),
    ("http.gitlab:", "branches"),
    ("shell.postgres:dropdb", "databases"),
    ("shell.kubectl:delete-namespace", "namespaces"),
)
# MCP argument names -> kind.
ARGUMENT_KINDS: dict[str, str] = {
    "namespace": "namespaces", "context": "clusters", "cluster": "clusters", "host": "hosts", "hostname": "hosts",
    "database": "databases", "dbname": "databases", "branch": "branches", "bucket": "buckets",
    "bucket_name": "buckets", "environment": "environment",
}
# Context keys (besides `database` and `environment`) that doors may pass.
CONTEXT_KINDS: dict[str, str] = {"namespace": "namespaces", "cluster": "clusters", "host": "hosts",
                                 "branch": "branches", "project": "projects"}

DB_SCHEMES = frozenset({"postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis", "rediss",
                        "sqlserver", "mssql", "clickhouse", "cockroachdb", "libsql"})
BUCKET_SCHEMES = frozenset({"s3", "s3a", "gs", "r2", "az", "abfs", "abfss", "wasb", "wasbs"})
_URI = rx.compile(r"([a-z][a-z0-9+.-]{0,20})://([^\s'\"<>]+)", rx.I)
_SCP_HOST = rx.compile(r"^(?:[^@/\s:]+@)?([A-Za-z0-9][A-Za-z0-9.-]*):")  # not followed by // (a URL)
_SEPARATORS = frozenset({";", "|", "||", "&", "&&", "(", ")", "|&"})


def host(value: str) -> Candidate:
    v = value.lower().rsplit("@", 1)[-1]
    return Candidate(("hosts", "databases"), (v,), f"host {v}")


def named(kind: str, value: str) -> Candidate:
    if kind == "hosts":
        return host(value)
    if kind == "buckets":
        return bucket(value)
    if kind == "environment":
        return Candidate(("environment",), (value,), f"environment {value}")
    singular = kind[:-1] if kind.endswith("s") else kind
    if kind == "branches":
        singular = "branch"
    return Candidate((kind,), (value,), f"{singular} {value}")


def bucket(value: str) -> Candidate:
    if "://" in value:
        scheme, rest = value.split("://", 1)
        name = rest.split("/", 1)[0]
        forms: tuple[str, ...] = (f"{scheme.lower()}://{name}", name, value.rstrip("/"))
    else:
        name = value
        forms = (name,)
    return Candidate(("buckets",), tuple(dict.fromkeys(forms)), f"bucket {name}")


def from_uri(text: str) -> list[Candidate]:
    """Candidates in every URI inside `text` (connection strings, buckets, URLs)."""
    out: list[Candidate] = []
    for m in _URI.finditer(text):
        scheme = m.group(1).lower()
        if scheme in BUCKET_SCHEMES:
            out.append(bucket(m.group(0)))
            continue
        try:
            parts = urlsplit(m.group(0))
            hostname = parts.hostname or ""
        except ValueError:
            continue
        if scheme in DB_SCHEMES:
            user = f"{parts.username}@" if parts.username else ""
            port = f":{parts.port}" if _safe_port(parts) else ""
            uri = f"{scheme}://{user}{hostname}{port}{parts.path}"  # the password never leaves this line
            out.append(Candidate(("databases",), (uri, uri.lower()), f"database {uri}"))
            dbname = parts.path.strip("/").split("/", 1)[0]
            if dbname:
                out.append(Candidate(("databases",), (dbname,), f"database {dbname}"))
        if hostname:
            out.append(host(hostname))
    return out


def _safe_port(parts: object) -> int | None:
    try:
        return parts.port  # type: ignore[attr-defined,no-any-return]
    except ValueError:
        return None


def _program_candidates(words: list[str]) -> list[Candidate]:
    out: list[Candidate] = []
    for i, word in enumerate(words):
        prog = posixpath.basename(word)
        flags = PROGRAM_FLAGS.get(prog)
        operand = OPERAND_KIND.get(prog)
        if flags is None and operand is None:
            if prog in ("rsync", "scp"):
                out.extend(_scp_hosts(words[i + 1:]))
            continue
        seg = []
        for w in words[i + 1:]:
            if w in _SEPARATORS:
                break
            seg.append(w)
        if flags:
            out.extend(_flag_values(seg, flags))
        if operand:
            kind, takes_value = operand
            value = _first_operand(seg, takes_value | frozenset(flags or ()))
            if value and "://" not in value:
                out.append(named(kind, value))
    return out


def _flag_values(seg: list[str], flags: dict[str, str]) -> list[Candidate]:
    out = []
    for j, w in enumerate(seg):
        kind, value = None, None
        if w in flags and j + 1 < len(seg):
            kind, value = flags[w], seg[j + 1]
        elif w.startswith("--") and "=" in w and w.split("=", 1)[0] in flags:
            kind, value = flags[w.split("=", 1)[0]], w.split("=", 1)[1]
        elif len(w) > 2 and w[0] == "-" and w[1] != "-" and w[:2] in flags:
            kind, value = flags[w[:2]], w[2:].lstrip("=")
        if kind and value and not value.startswith("-"):
            out.append(named(kind, value))
    return out


def _first_operand(seg: list[str], takes_value: frozenset[str]) -> str | None:
    skip = False
    for w in seg:
        if skip:
            skip = False
            continue
        if w.startswith("-"):
            skip = w in takes_value
            continue
        return w
    return None


def _scp_hosts(words: list[str]) -> list[Candidate]:
    out = []
    for w in words:
        if w in _SEPARATORS:
            break
        m = _SCP_HOST.match(w)
        if m and not w.startswith("-") and not w.startswith("//", m.end()):
            out.append(host(m.group(1)))
    return out


def from_action(action: Action) -> list[Candidate]:
    """What the action and its context name."""
    ctx = action.context
    out: list[Candidate] = []
    if ctx.environment:
        out.append(Candidate(("environment",), (ctx.environment,), CONTEXT_LABEL))
    if ctx.database:
        out.extend(from_uri(ctx.database) if "://" in ctx.database else [named("databases", ctx.database)])
    for key, value in ctx.extra:
        if key in CONTEXT_KINDS and value:
            out.append(named(CONTEXT_KINDS[key], value))
    words = action_texts(action)
    for w in words:
        if "://" in w:
            out.extend(from_uri(w))
    out.extend(_program_candidates(words))
    if isinstance(action.payload, dict) and isinstance(action.payload.get("arguments"), dict):
        for key, value in action.payload["arguments"].items():
            if isinstance(value, str) and value and str(key).lower() in ARGUMENT_KINDS:
                out.append(named(ARGUMENT_KINDS[str(key).lower()], value))
    return _unique(out)


def from_finding(f: Finding) -> list[Candidate]:
    """What a finding's own target names."""
    from blastwall.policy.engine import branch_names

    out: list[Candidate] = from_uri(f.target) if "://" in f.target else []
    for prefix, kind in TARGET_KINDS:
        if f.rule_id.startswith(prefix) and f.target:
            names = branch_names(f.target) if kind == "branches" else [f.target.split()[-1]]
            out.extend(named(kind, n) for n in names)
    return out


def _unique(cands: list[Candidate]) -> list[Candidate]:
    return list(dict.fromkeys(cands))
