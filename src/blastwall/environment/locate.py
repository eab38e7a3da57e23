"""Which part of the evidence table answers for a finding, and the sites it finds.

    sites_for(action, finding) -> list[Site] | None    # None: the table knows nothing of this finding

Families, tried in order (evidence.toml): framework tasks (Rails, Django, Laravel, Prisma,
Supabase), Kubernetes, Docker, then the database and HTTP clients. A finding is matched to the
commands of its family on the line: the one it came from when its source says so, else all of
them (several servers: the strictest decides). A family finding whose command blastwall cannot
find on the line is unknown.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import NamedTuple

from blastwall.analyze import globs
from blastwall.environment import FAMILY_PREFIXES
from blastwall.analyze.shell.names import program_name
from blastwall.environment.commands import SOURCED, UNREADABLE, Invocation, Line, read_line
from blastwall.environment.files import consulted, shell_env
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
from blastwall.model import Action, Finding, Surface

Resolver = Callable[[Invocation, Finding, Vars], list[Site]]


# Framework -> (the programs or scripts that run its tasks, module:function that resolves them).
FRAMEWORKS: dict[str, tuple[tuple[str, ...], str]] = {
    "rails": (("rails", "rake"), "rails:rails"),
    "django": (("manage.py", "django-admin", "django-admin.py"), "django:django"),
    "laravel": (("artisan",), "laravel:laravel"),
    "prisma": (("prisma",), "frameworks:prisma"),
    "supabase": (("supabase",), "frameworks:supabase"),
    "ecto": (("mix",), "selected:ecto"),
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
    if action.surface is Surface.MCP and isinstance(action.payload, dict):
        return _mcp_request(action, finding)
    return None


def _mcp_request(action: Action, finding: Finding) -> list[Site] | None:
    """An HTTP request an MCP tool sends (`fetch`, `http_request`: a URL argument, its headers),
    placed as the HTTP door places the same request."""
    from blastwall.analyze.ruleset import load_table

    args = action.payload.get("arguments")
    if not isinstance(args, dict):
        return None
    urls = [args[k] for k in load_table("mcp")["generic"]["url_keys"] if isinstance(args.get(k), str)]
    if not urls:
        return None
    headers = args.get("headers")
    request = {"url": urls[0], **({"headers": headers} if isinstance(headers, dict) else {})}
    return _http_action(Action(Surface.HTTP, request, action.context), finding)


def _http_action(action: Action, finding: Finding) -> list[Site] | None:
    url = action.payload.get("url") if isinstance(action.payload, dict) else None
    if not finding.rule_id.startswith("http.") or not isinstance(url, str):
        return None
    from blastwall.environment.clients import url_site
    from blastwall.environment.test_keys import header_credentials

    headers = action.payload.get("headers") if isinstance(action.payload, dict) else None
    return [url_site(url, header_credentials(headers) if isinstance(headers, dict) else None)]


def _sql_action(action: Action, finding: Finding) -> list[Site] | None:
    if not finding.rule_id.startswith("sql."):
        return None
    from blastwall.environment.dbsite import from_url
    from blastwall.environment.hosts import where_is

    database = action.context.database or ""
    host = dict(action.context.extra).get("host", "")
    if "://" in database:
        sites = [from_url(database, "the action's connection string")]
    elif host:
        w = where_is(host)
        sites = [Site(w.local, f"{w.why} (the action's host)", (("database", database),) if database else ())]
    else:
        return [unknown("the action does not say which server it runs on (no connection string in its context)")]
    if _acts_on_server(finding):
        return [_server_wide(s) for s in sites]
    targets = target_databases(finding, database.lower().startswith(("mysql", "mariadb")))
    return [_with_database(s, db) if s.local else s for s in sites for db in targets] if targets else sites


def _shell_action(action: Action, finding: Finding, memo: dict[str, Line]) -> list[Site] | None:
    family = _family(finding)
    if family is None:
        return None
    if "line" not in memo:
        memo["line"] = read_line(action.payload, action.context.cwd)
    line = memo["line"]
    candidates = [inv for inv in line.invocations if _runs(inv, family)]
    carried = _carriers(finding, candidates)
    if not carried:
        return [unknown("blastwall could not find the command that acts on it" if not candidates else
                        "it comes from a program on the line that blastwall does not place")]
    exact = [inv for inv in carried if inv.source and inv.source == finding.source]
    process = Vars(()).process
    if "agent_env" not in memo:
        memo["agent_env"] = agent_env(action.context.agent, action.context.session)  # type: ignore[assignment]
    session: tuple[tuple[str, str | None], ...] = memo["agent_env"]  # type: ignore[assignment]
    sites: list[Site] = []
    for inv in exact or carried:
        doubt = _doubt(inv, line, family, action.context.cwd)
        if doubt:
            sites.append(unknown(doubt))
            continue
        with consulted() as files_read:
            found = family.resolve(inv, finding, Vars((*session, *inv.env), process))
        read = [*(_path(v, inv.cwd) for k, v in (*session, *inv.env) if k == SOURCED and v), *files_read]
        hit = _rewritten(line, inv, read) if any(s.local for s in found) else None
        if hit:
            found = [unknown(f"{hit[0]} comes before it on the same line and may change {hit[1]}, which "
                             "says where it acts")]
        sites.extend(found)
    if line.tunnels:
        sites = [s if not s.local else Site(False, f"{s.where}, but {line.tunnels[0]} on the same command line "
                                                   "can make a local port lead to another machine") for s in sites]
    return sites


def agent_env(agent: str | None, session: str | None) -> tuple[tuple[str, str | None], ...]:
    """Variables the agent's own shell sets before every command of this session (Claude Code's
    session-env scripts: evidence.toml `[agents]`), as if sourced first; one blastwall cannot
    read makes every variable unknown."""
    spec = (section("agents") or {}).get(agent or "") or {}
    if not spec or not session or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", session):
        return ()
    out: list[tuple[str, str | None]] = []
    for pattern in spec.get("session_env", []):
        folder = _expand(pattern.replace("{session}", session))
        if not folder or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            loaded = shell_env(path) if os.path.isfile(path) else None
            out += [(SOURCED, path), *loaded.items()] if loaded is not None else [(UNREADABLE, path)]
    return tuple(out)


def _expand(pattern: str) -> str:
    """`~/x`, `$NAME/x` (empty when NAME is unset)."""
    if pattern.startswith("$"):
        name, _, rest = pattern[1:].partition("/")
        base = os.environ.get(name)
        return os.path.join(base, rest) if base else ""
    return os.path.expanduser(pattern)


_VIA = re.compile(r"\(via ([^)]*)\)")


def _carriers(finding: Finding, candidates: list[Invocation]) -> list[Invocation]:
    """The candidates that can be where the finding comes from. A statement's reason names its
    carrier (`(via usql -c)`, `(via python code > ...)`: another program than the family's places
    nothing) and its text is in what the carrier runs (its words, heredoc, the command piped into
    it, its -f or stdin file). An HTTP request is carried by the client whose words name its host
    and port."""
    if finding.rule_id.startswith("sql."):
        m = _VIA.search(finding.reason)
        if m is not None:
            chain = [part.split()[0] for part in m.group(1).split(" > ") if part.split()]
            followed = set(section("carriers").get("followed", []))
            if any(program_name(head) not in followed for head in chain[:-1]):
                return []  # it runs inside code or a task blastwall reads but does not place (python code > psql)
            candidates = [inv for inv in candidates if inv.program == program_name(chain[-1])]
        needle = _flat(finding.source.rstrip("…"))[:48]
        return [inv for inv in candidates if not needle or needle in _runs_text(inv)]
    if finding.rule_id.startswith("http."):
        netloc = _request_netloc(finding.source)
        if not netloc:
            return candidates
        return [inv for inv in candidates if any(_same_server(netloc, _request_netloc(w)) for w in inv.argv[1:])]
    needle = _flat(finding.source.rstrip("…"))[:80]  # a command the line reader did not find (python code) places nothing
    return [inv for inv in candidates if not needle or needle in _flat(inv.source) or needle in _flat(" ".join(inv.argv))]


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def _runs_text(inv: Invocation) -> str:
    """Everything `inv` may run as statements: its words, what is fed or piped to it, its files."""
    texts = [" ".join(inv.argv), inv.source, inv.stdin, inv.piped]
    files = [inv.stdin_file] + [inv.argv[i + 1] for i, w in enumerate(inv.argv[:-1]) if w in ("-f", "--file")]
    files += [w.split("=", 1)[1] for w in inv.argv if w.startswith("--file=")]
    files += [w for w in inv.argv[1:] if w.endswith((".sql", ".js", ".mjs", ".cjs"))]
    for f in filter(None, files):
        path = os.path.expanduser(f)
        if not os.path.isabs(path) and inv.cwd:
            path = os.path.join(inv.cwd, path)
        from blastwall.environment.files import read_text

        texts.append(read_text(path) or "")
    return _flat("\n".join(texts))


def _request_netloc(text: str) -> str:
    """`host|port` of a request (`DELETE localhost:8025/api/v1/messages`, `https://127.0.0.1/x`);
    the port only when the text names one."""
    from urllib.parse import urlsplit

    text = text.strip()
    text = text.split(None, 1)[-1] if " " in text else text
    if "://" not in text and not text.split("/", 1)[0]:
        return ""
    try:
        parts = urlsplit(text if "://" in text else f"http://{text}")
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    return f"{host}|{port}" if host and port else host


def _same_server(a: str, b: str) -> bool:
    """The same host, and the same port when both name one."""
    if not a or not b:
        return False
    host_a, _, port_a = a.partition("|")
    host_b, _, port_b = b.partition("|")
    return host_a == host_b and (port_a == port_b or not port_a or not port_b)


def _doubt(inv: Invocation, line: Line, family: Family, cwd: str | None = None) -> str:
    """Why nothing about `inv`'s target can be proved from the line ("" when something can)."""
    if family.framework and cwd and inv.cwd is None:  # not "no folder given": a project somewhere else
        return f"a cd blastwall cannot follow moves {inv.program} into a project it cannot read"
    if inv.more_args:
        return f"{inv.program} gets more arguments at run time (xargs), which may name another server"
    if inv.program in line.functions:
        return f"the command line defines its own {inv.program}, which may do anything"
    redirect = [k for k, v in inv.env if k in section("redirect_env").get("names", []) and v is not None]
    if redirect:
        return f"{redirect[0]} is set on the command line, which can make {inv.program} connect somewhere else"
    if not family.framework:
        unvouched = _unvouched(inv, line)
        if unvouched:
            return unvouched
    earlier = [c.what for c in line.changers if c.index < inv.index] if family.files else []
    if earlier:
        return f"{earlier[0]} comes before it on the same line and may change the files that say where it acts"
    return ""


def _rewritten(line: Line, inv: Invocation, read: list[str]) -> tuple[str, str] | None:
    """(the changer, the file) when a command earlier on the line may rewrite a file that
    placing `inv` read: a redirection only its own target; another changer (cp, sed -i, git
    checkout, tar -x...) a file its words name, or any file in the project or the home folder."""
    home = os.path.expanduser("~")
    for c in line.changers:
        if c.index >= inv.index:
            continue
        for path in read:
            path = os.path.normpath(path)
            if c.target:
                hit = c.target == path
            else:
                hit = "*" in c.words or any(os.path.basename(path) in w for w in c.words) or \
                    any(_inside(path, root) for root in (inv.cwd, home) if root)
            if hit:
                return c.what, path
    return None


def _inside(path: str, root: str) -> bool:
    root = os.path.normpath(root)
    return root != "/" and (path == root or path.startswith(root + os.sep))


def _path(word: str, cwd: str | None) -> str:
    path = os.path.expanduser(word)
    return os.path.normpath(path if os.path.isabs(path) or not cwd else os.path.join(cwd, path))


def _unvouched(inv: Invocation, line: Line) -> str:
    """Why the program `inv` runs may not be the client its name says ("" when it is): a path
    outside the folders packages install to (`./dropdb`), or a file an earlier command on the
    line writes into a PATH folder under that name."""
    word = inv.argv[0]
    if "/" in word:
        trusted = tuple(os.path.expanduser(d) for d in section("programs").get("trusted_dirs", []))
        return "" if word.startswith(trusted) else \
            f"{word} is not an installed {inv.program}: a program at that path may connect anywhere"
    name = os.path.basename(word)
    earlier = [c for c in line.changers if c.index < inv.index]
    if not earlier:
        return ""
    on_path = {os.path.normpath(os.path.join(d or ".", name)) for d in Vars(()).process.get("PATH", "").split(os.pathsep)}
    for c in earlier:
        if c.target in on_path or any(w == name or w.endswith("/" + name) for w in c.words):
            return f"{c.what} comes before it on the same line and may put another {name} on PATH"
    return ""


class Family(NamedTuple):
    programs: tuple[str, ...]
    resolve: Resolver
    files: bool  # reads project or user files: anything rewritten earlier on the line voids them
    framework: bool = False  # its programs are the project's own scripts (bin/rails, manage.py, artisan)


def _family(finding: Finding) -> Family | None:
    return _family_of(finding.rule_id)


@functools.lru_cache(maxsize=1024)
def _family_of(rule: str) -> Family | None:
    """The family of a finding's rule id: the evidence table and the resolvers are fixed for the
    process (rule tables are read once), so this is a pure function of the id."""
    if not rule.startswith(FAMILY_PREFIXES):
        return None
    matched = [(programs, ref) for name, (programs, ref) in FRAMEWORKS.items()
               if globs.match_any(rule, (section("framework").get(name) or {}).get("findings", []))]
    if len(matched) == 1:
        return Family(matched[0][0], _resolver(matched[0][1]), True, framework=True)
    if matched:  # shell.migrate:* is artisan's and mix's: each command by its own framework
        return Family(tuple(p for ps, _ in matched for p in ps), _by_program(matched), True, framework=True)
    kube = section("kube")
    if globs.match_any(rule, kube.get("findings", [])):
        from blastwall.environment.kube import kube_sites

        return Family(tuple(kube["programs"]), lambda inv, f, v: kube_sites(inv, v), True)
    docker = section("docker")
    if globs.match_any(rule, docker.get("findings", [])):
        from blastwall.environment.docker import docker_sites

        return Family((*docker["programs"], *docker["compose_programs"]), docker_sites, True)
    clients = section("client")
    for name, spec in clients.items():
        if globs.match_any(rule, spec.get("findings", [])):
            return Family(tuple(spec["programs"]), _client(name), False)
    if rule.startswith("sql."):
        carriers = [n for n, spec in clients.items() if spec.get("carries_sql")]
        programs = tuple(p for n in carriers for p in clients[n]["programs"])
        return Family(programs, _sql_client, False)
    return None


def _by_program(matched: list[tuple[tuple[str, ...], str]]) -> Resolver:
    def resolve(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
        for programs, ref in matched:
            if _runs(inv, Family(programs, resolve, True, framework=True)):
                return _resolver(ref)(inv, finding, vars_)
        return [unknown("blastwall could not find the command that acts on it")]

    return resolve


def _client(name: str) -> Resolver:
    from blastwall.environment.clients import client_sites

    def resolve(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
        sites = client_sites(name, inv, finding, vars_)
        return [_server_wide(s) for s in sites] if _acts_on_server(finding) else sites

    return resolve


def _sql_client(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    from blastwall.environment.clients import client_sites

    for name, spec in section("client").items():
        if spec.get("carries_sql") and inv.program in spec["programs"]:
            sites = client_sites(name, inv, finding, vars_)
            if _acts_on_server(finding):
                return [_server_wide(s) for s in sites]
            databases = target_databases(finding, bool(spec.get("qualified_database")))
            if databases:  # DROP DATABASE shop, DROP TABLE other_db.t: that database, not the connection's
                return [_with_database(s, db) if s.local else s for s in sites for db in databases]
            table = _table_name(finding)
            return [s._replace(names=(*s.names, ("table", table))) if table and s.local else s for s in sites]
    return [unknown("blastwall does not know where this client connects")]


def target_databases(finding: Finding, qualified: bool) -> list[str]:
    """The databases a statement acts on when they are not the one it is connected to: the
    target of a database-level statement (evidence.toml `[sql_targets]`), or, where a table is
    named database.table (MySQL), each such database."""
    parts = [p.strip().strip('"`') for p in finding.target.split(",") if p.strip()]
    if globs.match_any(finding.rule_id, section("sql_targets").get("database_rules", [])):
        return parts
    if qualified:
        return list(dict.fromkeys(p.split(".", 1)[0].strip('"`') for p in parts if "." in p))
    return []


def _acts_on_server(finding: Finding) -> bool:
    return globs.match_any(finding.rule_id, section("sql_targets").get("server_rules", []))


def _server_wide(site: Site) -> Site:
    """A statement on the server itself: on this machine it is `dev` at most, whatever the database's name."""
    if not site.local:
        return site
    return site._replace(names=(), nature="dev", nature_why="it acts on the server itself (its files, settings, "
                         "roles or other sessions), which no database name places")


def _with_database(site: Site, database: str) -> Site:
    return site._replace(names=(*((w, n) for w, n in site.names if w != "database"), ("database", database)))


def _table_name(finding: Finding) -> str:
    """The table a SQL finding acts on, when its target is one plain name (`tmp_load`, `public.tmp_load`)."""
    target = finding.target.strip()
    if not target or " " in target or not finding.rule_id.startswith("sql.postgres:"):
        return ""
    if "cascade" in finding.source.lower():  # TRUNCATE tmp_x CASCADE empties the tables that reference it
        return ""
    return target.rsplit(".", 1)[-1].strip('"')


def _runs(inv: Invocation, family: Family) -> bool:
    """Whether `inv` runs one of the family's programs: itself, or, for a framework, through its
    runner (`php artisan`, `python manage.py`, `npx prisma`). A client behind a program blastwall
    does not unwrap (`cross-env A=b dropdb`) is not taken for the client: what it sets is unseen."""
    if inv.program in family.programs:
        return True
    return family.framework and any(os.path.basename(w) in family.programs for w in inv.argv[1:3])
