"""Laravel (artisan): the database a command acts on, read as Laravel reads it.

- The app: the folder of the `artisan` script that runs (`php /srv/app/artisan` is /srv/app).
- A cached configuration (bootstrap/cache/config.php, `php artisan config:cache`) is used
  instead of .env and config/: blastwall does not evaluate it, so the target is unknown.
- `--env=X` loads `.env.X` when it exists, else `.env`; real variables win. Laravel takes the
  first `--env`; blastwall places each one given.
- The connection: `--database=NAME`, else config/database.php's `default` (`env('DB_CONNECTION',
  ...)`); its `url`, `host`, `database` and `driver` read from config/database.php when the app
  has one (`env('X', 'default')` or a literal; any other expression is unknown), else Laravel's
  own defaults (DB_URL, DB_HOST 127.0.0.1, DB_DATABASE).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from blastwall.environment.commands import Invocation
from blastwall.environment.dbsite import file_site, from_keys, from_url
from blastwall.environment.files import dotenv, read_text
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
from blastwall.model import Finding

Get = Callable[[str], str | None]
UNKNOWN_EXPR = object()


def laravel(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = section("framework").get("laravel") or {}
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    if not inv.cwd:
        from blastwall.environment.selected import selected_test

        return [selected_test(inv, spec, vars_, unknown(f"the directory it runs in is not known, so {spec['dotenv']} cannot be read"))]
    script = next((w for w in inv.argv if os.path.basename(w) in spec.get("programs", ["artisan"])), "")
    root = os.path.dirname(os.path.normpath(os.path.join(inv.cwd, script))) if "/" in script else inv.cwd
    cached = os.path.join(root, spec.get("config_cache", "bootstrap/cache/config.php"))
    if os.path.exists(cached):
        return [unknown(f"{os.path.relpath(cached, root)} holds a cached configuration that Laravel uses instead of "
                        ".env (php artisan config:clear to use .env)")]
    envs = _options(inv.argv, "--env") or [(vars_.get("APP_ENV")[0] or "")]
    return [_site(root, spec, env_name, inv, vars_) for env_name in dict.fromkeys(envs)]


def _options(argv: tuple[str, ...], name: str) -> list[str]:
    out = []
    for i, w in enumerate(argv):
        if w == name and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif w.startswith(name + "="):
            out.append(w.split("=", 1)[1])
    return out


def _site(root: str, spec: dict[str, Any], env_name: str, inv: Invocation, vars_: Vars) -> Site:
    candidates = ([f"{spec['dotenv']}.{env_name}"] if env_name else []) + [spec["dotenv"]]
    loaded, used = None, ""
    for name in candidates:
        loaded = dotenv(os.path.join(root, name))
        if loaded is not None:
            used = name
            break
    if loaded is None:
        return unknown(f"no {' or '.join(candidates)} in {root}, so the database is not known")
    file_vars = loaded

    def get(key: str) -> str | None:
        value, _ = vars_.get(key)
        return value if value is not None else file_vars.get(key)

    names = (("APP_ENV", env_name or get("APP_ENV") or ""),)
    names = names if names[0][1] else ()
    config = read_text(os.path.join(root, "config", "database.php"))
    connection = (_options(inv.argv, "--database") or [""])[-1]
    if config is None:
        return _stock(spec, used, names, get, connection)
    default = _expr(_key(config, "default") or "", get)
    connection = connection or (default if isinstance(default, str) else "")
    if not connection:
        return unknown("config/database.php chooses its default connection in a way blastwall does not read")
    block = _block(config, connection)
    if block is None:
        return unknown(f"config/database.php has no connection {connection!r} blastwall can read")
    split = [k for k in ("read", "write") if _key(block, k) is not None]
    if split:
        return unknown(f"config/database.php's {connection} connection has {split[0]} hosts of its own, "
                       "which blastwall does not read")
    values = {k: _expr(_key(block, k) or "null", get) for k in ("driver", "url", "host", "database")}
    if any(v is UNKNOWN_EXPR for v in values.values()):
        return unknown(f"config/database.php's {connection} connection is only known when the app runs")
    via = f"config/database.php {connection} ({used})"
    if values["url"]:
        return from_url(str(values["url"]), f"{via} url", names)
    if str(values["driver"] or "").lower() == "sqlite":
        return file_site(str(values["database"] or "database/database.sqlite"), f"{via} database", names)
    return from_keys(str(values["host"] or spec["default_host"]), str(values["database"] or "") or None,
                     f"{via} host", names, default_host=spec["default_host"])


def _stock(spec: dict[str, Any], used: str, names: tuple[tuple[str, str], ...], get: Get, connection: str) -> Site:
    """Laravel's own config/database.php (an app without one)."""
    if connection and connection != (get("DB_CONNECTION") or connection):
        return unknown(f"--database={connection} names a connection blastwall cannot read without config/database.php")
    url = get("DB_URL") or get("DATABASE_URL")
    if url:
        return from_url(url, f"{used} DB_URL", names)
    if (connection or get("DB_CONNECTION") or "").lower() == "sqlite":
        return file_site(get("DB_DATABASE") or "database/database.sqlite", f"{used} DB_DATABASE", names)
    return from_keys(get("DB_HOST") or spec["default_host"], get("DB_DATABASE"), f"{used} DB_HOST", names,
                     default_host=spec["default_host"])


_ENV = re.compile(r"""^env\(\s*(['"])(\w+)\1\s*(?:,\s*(?:(['"])(.*?)\3|(null|\d+)))?\s*\)$""")
_LITERAL = re.compile(r"""^(['"])(.*?)\1$""")


def _expr(text: str, get: Get) -> Any:
    """A config value: `env('X', 'default')`, a literal string, null; UNKNOWN_EXPR otherwise."""
    text = text.strip().rstrip(",").strip()
    if text == "null":
        return None
    m = _ENV.match(text)
    if m:
        value = get(m.group(2))
        if value is not None:
            return value
        return m.group(4) if m.group(3) else (None if m.group(5) in (None, "null") else m.group(5))
    m = _LITERAL.match(text)
    return m.group(2) if m else UNKNOWN_EXPR


def _key(text: str, key: str) -> str | None:
    """The expression after `'key' =>` at the top of `text` (an array body), or None."""
    depth = 0
    i = 0
    pattern = re.compile(r"""(['"])""" + re.escape(key) + r"""\1\s*=>\s*""")
    while i < len(text):
        c = text[i]
        if c in "'\"":
            if depth <= 1:
                m = pattern.match(text, i)
                if m:
                    return _value(text, m.end())
            i = _string_end(text, i)
            continue
        depth += c in "[("
        depth -= c in "])"
        i += 1
    return None


def _value(text: str, start: int, *, whole: bool = False) -> str:
    """The expression from `start` to the next comma at its level, or (`whole`) to the bracket
    that closes the array it is in."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _string_end(text, i)
            continue
        if c in "[(":
            depth += 1
        elif c in "])":
            if depth == 0:
                break
            depth -= 1
        elif c == "," and depth == 0 and not whole:
            break
        i += 1
    return text[start:i]


def _block(text: str, name: str) -> str | None:
    """The body of the connection array `'name' => [ ... ]` under 'connections'."""
    connections = re.search(r"""['"]connections['"]\s*=>\s*\[""", text)
    if connections is None:
        return None
    m = re.compile(r"""(['"])""" + re.escape(name) + r"""\1\s*=>\s*\[""").search(text, connections.end())
    if m is None:
        return None
    return _value(text, m.end(), whole=True)


def _string_end(text: str, i: int) -> int:
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return j
