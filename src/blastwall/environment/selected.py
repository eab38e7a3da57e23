"""A framework's own test environment, selected explicitly on the line, when the project's config
cannot be read (no working directory is known): `RAILS_ENV=test bin/rails db:drop`,
`MIX_ENV=test mix ecto.drop`, `php artisan migrate:fresh --env=testing`,
`DJANGO_SETTINGS_MODULE=app.settings.test manage.py flush`, and Ecto's config read when it can be.

    selected_test(inv, spec, vars_, unread) -> Site   # the test selection, or `unread` (unknown)

Every framework keeps a separate configuration per environment, and its test environment is the
one its own test runner recreates on this machine; the framework's guards stand behind it (Rails
refuses db:drop/purge on a database whose stored environment is production; Laravel confirms
migrate:fresh in production). The selection counts only when every selection the command sees
names test (`evidence.toml` name globs: `test_prod`, `testing-prod` are production), no variable
of `[framework.X] url_env`/`host_env` points the test environment at a server off this machine,
and no `unsafe_env` (DISABLE_DATABASE_ENVIRONMENT_CHECK) turns a guard off. Anything else keeps
`unread`: the directory is not known, so treat it as production.
"""

from __future__ import annotations

import os
import re
from typing import Any

from blastwall.environment.commands import Invocation
from blastwall.environment.dbsite import file_site, from_url
from blastwall.environment.files import read_text
from blastwall.environment.hosts import where_is
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import environment_of_name, section, settings_name
from blastwall.model import Finding


def _selections(inv: Invocation, spec: dict[str, Any], vars_: Vars) -> list[tuple[str, str]]:
    """Every (environment name, how it is chosen) the command sees: options, NAME=value
    arguments (rake), variables; a settings module by its last dotted part."""
    out: list[tuple[str, str]] = []
    words = inv.argv[1:]
    options = spec.get("selector_options", [])
    for i, w in enumerate(words):
        for opt in options:
            if w == opt and i + 1 < len(words):
                out.append((words[i + 1], f"{opt} {words[i + 1]}"))
            elif w.startswith(opt + "="):
                out.append((w.split("=", 1)[1], w))
        for name in spec.get("selector_env", []):
            if w.startswith(name + "="):
                out.append((w.split("=", 1)[1], f"{w} (an argument)"))
    for name in spec.get("selector_env", []):
        value, origin = vars_.get(name)
        if value is not None:
            out.append((value, f"{name}={value} ({origin})"))
    if spec.get("settings_module"):
        out = [(settings_name(v), how) for v, how in out]
    return out


def _named_parts(value: str) -> list[str]:
    """The words of a name, however joined: MyApp.ProdRepo, pgsql_prod, live-db -> my app prod repo..."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", value)
    return [p for p in re.split(r"[./:_\-\s]+", spaced.lower()) if p]


def selected_test(inv: Invocation, spec: dict[str, Any], vars_: Vars, unread: Site) -> Site:
    if any(vars_.get(name)[0] is not None or any(w.startswith(name + "=") for w in inv.argv)
           for name in spec.get("unsafe_env", [])):
        return unread
    if spec.get("line_url_env") and not spec.get("selector_env"):  # prisma: its conventional URL, given on the line
        given = [(k, v) for k, v in vars_.line if k in spec["line_url_env"] and v is not None]
        if any(w == o or w.startswith(o + "=") for w in inv.argv for o in spec.get("schema_options", ())):
            return unread  # another schema file: its datasource may name another variable or a URL
        return from_url(given[-1][1], f"{given[-1][0]} (set on the command line)") if given else unread
    memory = _in_memory(inv, spec, vars_)
    if memory is not None:
        return memory
    chosen = _selections(inv, spec, vars_)
    if not chosen or any(environment_of_name(env) != "test" for env, _ in chosen):
        return unread
    for opt in spec.get("target_options", []):  # mix ecto.drop -r Prod.Repo: a repo named for another environment
        values = [inv.argv[i + 1] for i, w in enumerate(inv.argv[:-1]) if w == opt]
        values += [w.split("=", 1)[1] for w in inv.argv if w.startswith(opt + "=")]
        for v in values:
            if any(environment_of_name(p) not in (None, "test") for p in _named_parts(v)):
                return unread
    env, how = chosen[-1]
    names = tuple((how.split("=", 1)[0].split(" ", 1)[0], e) for e, how in chosen[-1:])
    for name in spec.get("url_env", []):
        value, origin = vars_.get(name)
        if value is not None:
            site = from_url(value, f"{name} ({origin})", names)
            return site
    for name in spec.get("host_env", []):
        value, origin = vars_.get(name)
        if value is not None:
            w = where_is(value)
            if not w.local:
                return unknown(f"{name} ({origin}): {w.why}")
    return Site(True, f"{how} selects the framework's own test configuration, which its test runner recreates on "
                      f"this machine ({unread.where})", names)


def _in_memory(inv: Invocation, spec: dict[str, Any], vars_: Vars) -> Site | None:
    """The framework's database selected on the line as an in-memory SQLite one (`[framework.X] memory`:
    `DB_CONNECTION=sqlite DB_DATABASE=:memory:`, or a URL variable `sqlite::memory:`), which exists only
    in the command's process: None when it is not, or when a URL variable, a connection option
    (`--database=mysql`) or another driver may pick another database."""
    memory = spec.get("memory")
    if not memory:
        return None
    for opt in spec.get("target_options", []):
        if any(w == opt or w.startswith(opt + "=") for w in inv.argv):
            return None  # another connection of config/database.php, which is not read
    for name in memory.get("url_env", []):  # a URL wins over the connection's other keys
        value, origin = vars_.get(name)
        if value is not None:
            site = from_url(value, f"{name} ({origin})")
            return site if site.nature else None
    driver, _ = vars_.get(memory["driver_env"])
    database, origin = vars_.get(memory["database_env"])
    if driver is None or database is None or driver.strip().lower() != memory["driver"]:
        return None
    site = file_site(database, f"{memory['database_env']} ({origin}) of {memory['driver_env']}={driver}")
    return site if site.nature else None


# -- Ecto (mix ecto.drop, ecto.reset, ecto.rollback) ---------------------------------------------

_KEY = re.compile(r"""\b(hostname|url|database|socket_dir)\s*:\s*("[^"]*"|System\.(?:get_env|fetch_env!)\(\s*"(\w+)"[^)]*\)|[^,\n]+)""")


def ecto(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    """The repo's config for MIX_ENV (default dev) in config/<env>.exs; config/runtime.exs that
    sets a repo's url or hostname outside a prod-only block, or any value blastwall cannot read,
    is unknown. Without a directory: the explicit test selection (selected_test)."""
    spec = section("framework").get("ecto") or {}
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    if not inv.cwd:
        return [selected_test(inv, spec, vars_, unknown("the directory it runs in is not known, so config/*.exs "
                                                             "cannot be read"))]
    env = (vars_.get("MIX_ENV")[0] or "dev").strip()
    runtime = read_text(os.path.join(inv.cwd, "config/runtime.exs")) or ""
    if _KEY.search(runtime) and "config_env() == :prod" not in runtime:
        return [unknown("config/runtime.exs sets the repo's server when the app starts")]
    text = read_text(os.path.join(inv.cwd, f"config/{env}.exs"))
    if text is None:
        return [unknown(f"config/{env}.exs is not readable, so the database of MIX_ENV={env} is not known")]
    keys: dict[str, str] = {}
    for key, raw, var in _KEY.findall(text):
        if var:
            value = vars_.get(var)[0]
            if value is None:
                return [unknown(f"config/{env}.exs reads {key} from {var}, which is not set")]
            keys[key] = value
        elif raw.startswith('"'):
            keys[key] = re.sub(r"#\{[^}]*\}", "", raw.strip('"'))
        else:
            return [unknown(f"config/{env}.exs sets {key} to an expression blastwall does not evaluate")]
    names = (("MIX_ENV", env),)
    via = f"config/{env}.exs"
    if "url" in keys:
        return [from_url(keys["url"], f"{via} url", names)]
    database = (("database", keys["database"]),) if keys.get("database") else ()
    if "socket_dir" in keys:
        return [Site(True, f"{via} uses the Unix socket in {keys['socket_dir']}", (*names, *database))]
    host = keys.get("hostname", "localhost")
    w = where_is(host)
    return [Site(w.local, f"{via} hostname: {w.why}", (*names, *database))]
