"""Rails: the databases a `rails db:*` / `rake db:*` task acts on, read from the app's own config.

- The app: the folder of the script that runs (`/srv/app/bin/rails` is /srv/app, whatever the
  directory it runs in), `rake -f FILE` / `-C DIR`, else the directory it runs in.
- The environment: rake applies `NAME=value` arguments in order (the last `RAILS_ENV=` wins);
  `RAILS_ENV` beats `RACK_ENV`; default development, which also acts on test (as Rails does for
  db:drop and friends). A `-e`/`--environment` value is placed too.
- The database: `DATABASE_URL` (argument, environment), else that environment's section of
  config/database.yml (ERB `ENV.fetch("X") { "default" }` read; anything else unknown).
- `.env` files count only when the app loads them: Gemfile.lock lists dotenv. Without a
  Gemfile.lock blastwall cannot tell, and places the database both ways (the strictest wins).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from blastwall.environment.commands import Invocation
from blastwall.environment.dbsite import file_site, from_keys, from_url
from blastwall.environment.files import dotenv, erb, read_text, yaml_text
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
from blastwall.model import Finding

Lookup = Callable[[str], str | None]


def _spec() -> dict[str, Any]:
    return section("framework").get("rails") or {}


def rails(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = _spec()
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    root = _app_root(inv)
    if root is None:
        from blastwall.environment.selected import selected_test

        return [selected_test(inv, spec, vars_, unknown(f"the app it runs is not known, so {spec['config']} cannot be read"))]
    sites: list[Site] = []
    for env, how in _environments(inv, spec, vars_):
        for lookup in _lookups(vars_, root, env):
            sites += _sites(inv, spec, root, env, how, lookup)
    return sites


def _app_root(inv: Invocation) -> str | None:
    """The Rails app the command runs: the script's app, rake's -f/-C, else the directory."""
    if not inv.cwd:
        return None
    words = list(inv.argv)
    for i, w in enumerate(words[:-1]):
        if w in ("-C", "--directory"):
            return os.path.normpath(os.path.join(inv.cwd, words[i + 1]))
        if w in ("-f", "--rakefile"):
            return os.path.dirname(os.path.normpath(os.path.join(inv.cwd, words[i + 1])))
    for w in words:
        if w.startswith(("--directory=", "--rakefile=")):
            value = os.path.normpath(os.path.join(inv.cwd, w.split("=", 1)[1]))
            return value if w.startswith("--directory=") else os.path.dirname(value)
    script = next((w for w in words if os.path.basename(w) in ("rails", "rake")), "")
    if "/" in script:
        folder = os.path.dirname(os.path.normpath(os.path.join(inv.cwd, script)))
        return os.path.dirname(folder) if os.path.basename(folder) == "bin" else folder
    return inv.cwd


def _environments(inv: Invocation, spec: dict[str, Any], vars_: Vars) -> list[tuple[str, str]]:
    """The environments the task may run in: the one Rails picks, and any `-e` value beside it."""
    picked: dict[str, str] = {}
    for name in spec.get("selector_env", []):  # RAILS_ENV, then RACK_ENV
        args = [w.split("=", 1)[1] for w in inv.argv[1:] if w.startswith(name + "=")]
        if args:
            picked.setdefault("env", args[-1])
            picked.setdefault("how", f"{name}={args[-1]} (an argument)")
            break
        value, origin = vars_.get(name)
        if value:
            picked.setdefault("env", value)
            picked.setdefault("how", f"{name}={value} ({origin})")
            break
    out = [(picked.get("env", spec["default"]), picked.get("how", f"no RAILS_ENV, so {spec['default']}"))]
    words = inv.argv[1:]
    for i, w in enumerate(words):
        for opt in spec.get("selector_options", []):
            if w == opt and i + 1 < len(words):
                out.append((words[i + 1], f"{opt} {words[i + 1]}"))
            elif w.startswith(opt + "="):
                out.append((w.split("=", 1)[1], w))
    unique: dict[str, str] = {}
    for env, how in out:
        unique.setdefault(env, how)
    return list(unique.items())


def _lookups(vars_: Vars, root: str, env: str) -> list[Lookup]:
    """Variables as the app sees them: with its .env files when it loads them (dotenv in
    Gemfile.lock), without when it does not, both when blastwall cannot tell."""
    files = [f".env.{env}.local", *([".env.local"] if env != "test" else []), f".env.{env}", ".env"]
    lock = read_text(os.path.join(root, "Gemfile.lock"))
    with_files = _with_dotenv(vars_, root, files)
    without = _with_dotenv(vars_, root, [])
    if lock is None:
        return [with_files, without]
    return [with_files] if "dotenv" in lock else [without]


def _sites(inv: Invocation, spec: dict[str, Any], root: str, env: str, how: str, lookup: Lookup) -> list[Site]:
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


def _with_dotenv(vars_: Vars, root: str, files: list[str]) -> Lookup:
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


def _rails_db(db: dict[str, Any], via: str, names: tuple[tuple[str, str], ...], lookup: Lookup) -> Site:
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
