"""Framework commands: the database a task acts on, read from the project's own config for the
environment the command selects (evidence.toml `[framework.*]`).

- Rails: RAILS_ENV / RACK_ENV / `-e` (default development; development also acts on test, as
  Rails does for db:drop and friends), `DATABASE_URL`, else config/database.yml (ERB defaults).
- Laravel (artisan): `--env=X` loads `.env.X` when it exists, else `.env`; real variables win.
- Prisma: the datasource `url` of the schema, `env("NAME")` from the variables, then `.env`.
- Supabase: without `--linked`/`--db-url` the local stack; `--db-url` is where it points.
Django lives in django.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from blastwall.environment.clients import parse_options
from blastwall.environment.commands import Invocation
from blastwall.environment.dbsite import file_site, from_keys, from_url
from blastwall.environment.files import dotenv, erb, read_text, yaml_text
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
from blastwall.model import Finding


def _spec(name: str) -> dict[str, Any]:
    return section("framework").get(name) or {}


def _root(inv: Invocation, what: str) -> str | Site:
    if inv.elsewhere:
        return unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")
    if not inv.cwd:
        return unknown(f"the directory it runs in is not known, so {what} cannot be read")
    return inv.cwd


def _selected(inv: Invocation, spec: dict[str, Any], vars_: Vars) -> tuple[str, str] | None:
    """(environment name, how it was chosen) from the command's options, `NAME=value` arguments
    (rake reads those) and variables."""
    options = spec.get("selector_options", [])
    words = inv.argv[1:]
    for i, w in enumerate(words):
        for opt in options:
            if w == opt and i + 1 < len(words):
                return words[i + 1], f"{opt} {words[i + 1]}"
            if w.startswith(opt + "="):
                return w.split("=", 1)[1], w
        for name in spec.get("selector_env", []):
            if w.startswith(name + "="):
                return w.split("=", 1)[1], w
    found = vars_.first(spec.get("selector_env", []))
    if found:
        return found[1], f"{found[0]}={found[1]} ({found[2]})"
    return None


# -- Rails ---------------------------------------------------------------------------------------

def rails(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = _spec("rails")
    root = _root(inv, spec["config"])
    if isinstance(root, Site):
        return [root]
    chosen = _selected(inv, spec, vars_)
    env, how = chosen if chosen else (spec["default"], f"no RAILS_ENV, so {spec['default']}")
    lookup = _with_dotenv(vars_, root, [f".env.{env}.local", *([".env.local"] if env != "test" else []),
                                        f".env.{env}", ".env"])
    line_words = [w.split("=", 1)[1] for w in inv.argv if w.startswith("DATABASE_URL=")]
    url = line_words[-1] if line_words else None
    url_from = "DATABASE_URL (an argument)"
    if url is None:
        for name in spec.get("url_env", []):
            value = lookup(name)
            if value:
                url, url_from = value, f"{name} (the environment or a .env file)"
                break
    if url:
        return [from_url(url, url_from, (("RAILS_ENV", env),))]
    path = os.path.join(root, spec["config"])
    text = read_text(path)
    if text is None:
        return [unknown(f"{spec['config']} is not readable in {root}, so the database of {env} is not known")]
    config = yaml_text(erb(text, lookup))
    if not isinstance(config, dict):
        return [unknown(f"{spec['config']} is not YAML blastwall can read")]
    tasks = [w for w in inv.argv if ":" in w and not w.startswith("-")]
    if any(t in spec.get("all_tasks", []) for t in tasks):
        envs = [str(k) for k, v in config.items() if isinstance(v, dict) and not str(k).startswith(("default", "<<"))]
    else:
        envs = [env] + (["test"] if env == spec.get("with_test") and "test" in config else [])
    sites = []
    for name in envs:
        block = config.get(name)
        if not isinstance(block, dict):
            sites.append(unknown(f"{spec['config']} has no {name} section ({how})"))
            continue
        for label, db in _databases(block):
            via = f"{spec['config']} {name}{label}"
            sites.append(_rails_db(db, via, (("RAILS_ENV", name),), lookup))
    return sites


def _with_dotenv(vars_: Vars, root: str, files: list[str]) -> Callable[[str], str | None]:
    """Variables as the app sees them: the environment first, then the first dotenv file that
    sets them (dotenv never overrides a variable that is already set)."""
    loaded = [d for f in files if (d := dotenv(os.path.join(root, f))) is not None]

    def lookup(name: str) -> str | None:
        value = vars_.get(name)[0]
        if value is not None:
            return value
        return next((d[name] for d in loaded if name in d), None)

    return lookup


def _databases(block: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A Rails environment's databases: the block itself, or each named database of a multi-db config."""
    if any(k in block for k in ("adapter", "database", "url", "host")):
        return [("", block)]
    return [(f".{k}", v) for k, v in block.items() if isinstance(v, dict)] or [("", block)]


def _rails_db(db: dict[str, Any], via: str, names: tuple[tuple[str, str], ...],
              lookup: Callable[[str], str | None]) -> Site:
    if db.get("url"):
        return from_url(str(db["url"]), f"{via} url", names)
    adapter = str(db.get("adapter") or "")
    database = str(db.get("database") or "")
    if "sqlite" in adapter:
        return file_site(database, f"{via} database", names)
    if db.get("socket"):
        return Site(True, f"{via} uses the Unix socket {db['socket']}", (*names, ("database", database)))
    host = db.get("host")
    return from_keys(str(host) if host else None, database, via, names, lookup=lookup)


# -- Laravel -------------------------------------------------------------------------------------

def laravel(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = _spec("laravel")
    root = _root(inv, spec["dotenv"])
    if isinstance(root, Site):
        return [root]
    chosen = _selected(inv, spec, vars_)
    env_name = chosen[0] if chosen else ""
    candidates = ([f"{spec['dotenv']}.{env_name}"] if env_name else []) + [spec["dotenv"]]
    loaded, used = None, ""
    for name in candidates:
        loaded = dotenv(os.path.join(root, name))
        if loaded is not None:
            used = name
            break
    if loaded is None:
        return [unknown(f"no {' or '.join(candidates)} in {root}, so the database is not known")]
    file_vars = loaded

    def get(key: str) -> str | None:
        value, _ = vars_.get(key)
        return value if value is not None else file_vars.get(key)

    names = (("APP_ENV", env_name or get("APP_ENV") or ""),)
    names = names if names[0][1] else ()
    url = get("DB_URL") or get("DATABASE_URL")
    if url:
        return [from_url(url, f"{used} DB_URL", names)]
    if (get("DB_CONNECTION") or "").lower() == "sqlite":
        return [file_site(get("DB_DATABASE") or "database/database.sqlite", f"{used} DB_DATABASE", names)]
    return [from_keys(get("DB_HOST") or spec["default_host"], get("DB_DATABASE"), f"{used} DB_HOST", names,
                      default_host=spec["default_host"])]


# -- Prisma --------------------------------------------------------------------------------------

_DATASOURCE = re.compile(r"datasource\s+\w+\s*\{(.*?)\}", re.S)
_URL = re.compile(r"""^\s*url\s*=\s*(?:env\(\s*"([^"]+)"\s*\)|"([^"]*)")""", re.M)
_PROVIDER = re.compile(r"""^\s*provider\s*=\s*"([^"]+)\"""", re.M)


def prisma(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = _spec("prisma")
    root = _root(inv, "the Prisma schema")
    if isinstance(root, Site):
        return [root]
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], set(spec["schema_options"]))
    given = [v for o in spec["schema_options"] for v in parsed.options.get(o, [])]
    schemas = given or spec["schemas"]
    text, path = None, ""
    for rel in schemas:
        path = os.path.join(root, rel)
        text = read_text(path) if not os.path.isdir(path) else _schema_dir(path)
        if text is not None:
            break
    if text is None:
        return [unknown(f"no Prisma schema ({', '.join(schemas)}) in {root}")]
    block = _DATASOURCE.search(text)
    url_m = _URL.search(block.group(1)) if block else None
    if url_m is None:
        return [unknown("the Prisma schema's datasource has no url blastwall can read")]
    if url_m.group(2) is not None:
        return [from_url(url_m.group(2), "the schema's datasource url")]
    name = url_m.group(1)
    value, origin = vars_.get(name)
    if value is None:
        for rel in spec["dotenv"]:
            loaded = dotenv(os.path.join(root, rel)) or {}
            if name in loaded:
                value, origin = loaded[name], f"in {rel}"
                break
    if value is None:
        return [unknown(f"{name} (the schema's datasource url) is not set")]
    return [from_url(value, f"{name} ({origin})")]


def _schema_dir(path: str) -> str | None:
    texts = [read_text(os.path.join(path, n)) for n in sorted(os.listdir(path)) if n.endswith(".prisma")]
    joined = "\n".join(t for t in texts if t)
    return joined or None


# -- Supabase ------------------------------------------------------------------------------------

def supabase(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = _spec("supabase")
    if inv.elsewhere:
        return [unknown(f"supabase runs through {inv.elsewhere}, on another machine or in a container")]
    words = inv.argv[1:]
    remote = [w for w in words if w.split("=", 1)[0] in spec["remote_flags"]]
    if remote:
        return [unknown(f"{remote[0].split('=', 1)[0]} acts on the hosted project it names, not this machine")]
    parsed = parse_options(words, inv.dynamic[1:], set(spec["url_options"]))
    urls = [v for o in spec["url_options"] for v in parsed.options.get(o, [])]
    if urls:
        if parsed.dynamic:
            return [unknown("its --db-url is only known when it runs")]
        return [from_url(u, "--db-url") for u in urls]
    from blastwall.environment.docker import docker_daemon

    daemon = docker_daemon(inv, vars_)
    if not daemon.local:
        return [daemon]
    return [Site(True, f"without --linked or --db-url it acts on the local stack (supabase start); {daemon.where}",
                 nature="local", nature_why="the Supabase local stack is rebuilt from the project's migrations and seed")]

