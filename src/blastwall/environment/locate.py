"""Which part of the evidence table answers for a finding, and the sites it finds.

    sites_for(action, finding) -> list[Site] | None    # None: the table knows nothing of this finding

Families, tried in order (evidence.toml): framework tasks (Rails, Django, Laravel, Prisma,
Supabase), Kubernetes, Docker, then the database and HTTP clients. A finding is matched to the
commands of its family on the line: the one it came from when its source says so, else all of
them (several servers: the strictest decides). A family finding whose command blastwall cannot
find on the line is unknown.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from blastwall.analyze import globs
from blastwall.environment import FAMILY_PREFIXES
from blastwall.environment.commands import Invocation, Line, read_line
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
from blastwall.model import Action, Finding, Surface

Resolver = Callable[[Invocation, Finding, Vars], list[Site]]


# Framework -> (the programs or scripts that run its tasks, module:function that resolves them).
FRAMEWORKS: dict[str, tuple[tuple[str, ...], str]] = {
    "rails": (("rails", "rake"), "frameworks:rails"),
    "django": (("manage.py", "django-admin", "django-admin.py"), "django:django"),
    "laravel": (("artisan",), "frameworks:laravel"),
    "prisma": (("prisma",), "frameworks:prisma"),
    "supabase": (("supabase",), "frameworks:supabase"),
}


def _resolver(ref: str) -> Resolver:
    import importlib

    module, _, func = ref.partition(":")
    resolve: Resolver = getattr(importlib.import_module(f"blastwall.environment.{module}"), func)
    return resolve


def sites_for(action: Action, finding: Finding, memo: dict[str, Line] | None = None) -> list[Site] | None:
    """`memo` keeps the line read once for all findings of one action (never across actions:
    the files a line sources can change between two checks)."""
    if action.surface is Surface.HTTP:
        return _http_action(action, finding)
    if action.surface is Surface.SQL:
        return _sql_action(action, finding)
    if action.surface is Surface.SHELL and isinstance(action.payload, str):
        return _shell_action(action, finding, {} if memo is None else memo)
    return None


def _http_action(action: Action, finding: Finding) -> list[Site] | None:
    url = action.payload.get("url") if isinstance(action.payload, dict) else None
    if not finding.rule_id.startswith("http.") or not isinstance(url, str):
        return None
    from blastwall.environment.clients import url_site

    return [url_site(url)]


def _sql_action(action: Action, finding: Finding) -> list[Site] | None:
    if not finding.rule_id.startswith("sql."):
        return None
    from blastwall.environment.dbsite import from_url
    from blastwall.environment.hosts import where_is

    database = action.context.database or ""
    host = dict(action.context.extra).get("host", "")
    if "://" in database:
        return [from_url(database, "the action's connection string")]
    if host:
        w = where_is(host)
        return [Site(w.local, f"{w.why} (the action's host)", (("database", database),) if database else ())]
    return [unknown("the action does not say which server it runs on (no connection string in its context)")]


def _shell_action(action: Action, finding: Finding, memo: dict[str, Line]) -> list[Site] | None:
    family = _family(finding)
    if family is None:
        return None
    programs, resolve, files = family
    if "line" not in memo:
        memo["line"] = read_line(action.payload, action.context.cwd)
    line = memo["line"]
    candidates = [inv for inv in line.invocations if _runs(inv, programs)]
    if not candidates:
        return [unknown("blastwall could not find the command that acts on it")]
    exact = [inv for inv in candidates if inv.source and inv.source == finding.source]
    process = Vars(()).process
    sites: list[Site] = []
    for inv in exact or candidates:
        doubt = _doubt(inv, line, files)
        sites.extend([unknown(doubt)] if doubt else resolve(inv, finding, Vars(inv.env, process)))
    if line.tunnels:
        sites = [s if not s.local else Site(False, f"{s.where}, but {line.tunnels[0]} on the same command line "
                                                   "can make a local port lead to another machine") for s in sites]
    return sites


def _doubt(inv: Invocation, line: Line, files: bool) -> str:
    """Why nothing about `inv`'s target can be proved from the line ("" when something can)."""
    if inv.more_args:
        return f"{inv.program} gets more arguments at run time (xargs), which may name another server"
    if inv.program in line.functions:
        return f"the command line defines its own {inv.program}, which may do anything"
    earlier = [what for index, what in line.changers if index < inv.index] if files else []
    if earlier:
        return f"{earlier[0]} comes before it on the same line and may change the files that say where it acts"
    return ""


Family = tuple[tuple[str, ...], Resolver, bool]  # programs, resolver, reads project or user files


def _family(finding: Finding) -> Family | None:
    rule = finding.rule_id
    if not rule.startswith(FAMILY_PREFIXES):
        return None
    for name, (programs, ref) in FRAMEWORKS.items():
        spec = section("framework").get(name) or {}
        if globs.match_any(rule, spec.get("findings", [])):
            return programs, _resolver(ref), True
    kube = section("kube")
    if globs.match_any(rule, kube.get("findings", [])):
        from blastwall.environment.kube import kube_sites

        return tuple(kube["programs"]), lambda inv, f, v: kube_sites(inv, v), True
    docker = section("docker")
    if globs.match_any(rule, docker.get("findings", [])):
        from blastwall.environment.docker import docker_sites

        return (*docker["programs"], *docker["compose_programs"]), docker_sites, True
    clients = section("client")
    for name, spec in clients.items():
        if globs.match_any(rule, spec.get("findings", [])):
            return tuple(spec["programs"]), _client(name), bool(spec.get("option_files"))
    if rule.startswith("sql."):
        carriers = [n for n, spec in clients.items() if spec.get("carries_sql")]
        programs = tuple(p for n in carriers for p in clients[n]["programs"])
        return programs, _sql_client, True
    return None


def _client(name: str) -> Resolver:
    from blastwall.environment.clients import client_sites

    return lambda inv, f, v: client_sites(name, inv, f, v)


def _sql_client(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    from blastwall.environment.clients import client_sites

    for name, spec in section("client").items():
        if spec.get("carries_sql") and inv.program in spec["programs"]:
            sites = client_sites(name, inv, finding, vars_)
            table = _table_name(finding)
            return [s._replace(names=(*s.names, ("table", table))) if table and s.local else s for s in sites]
    return [unknown("blastwall does not know where this client connects")]


def _table_name(finding: Finding) -> str:
    """The table a SQL finding acts on, when its target is one plain name (`tmp_load`, `public.tmp_load`)."""
    target = finding.target.strip()
    if not target or " " in target or not finding.rule_id.startswith("sql.postgres:"):
        return ""
    if "cascade" in finding.source.lower():  # TRUNCATE tmp_x CASCADE empties the tables that reference it
        return ""
    return target.rsplit(".", 1)[-1].strip('"')


def _runs(inv: Invocation, programs: tuple[str, ...]) -> bool:
    if inv.program in programs:
        return True
    return any(os.path.basename(w) in programs for w in inv.argv[1:3])
