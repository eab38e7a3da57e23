"""Framework commands: the database a task acts on, read from the project's own config for the
environment the command selects (evidence.toml `[framework.*]`).

- Prisma: the datasource `url` of the schema, `env("NAME")` from the variables, then `.env`.
- Supabase: without `--linked`/`--db-url` the local stack; `--db-url` is where it points.
Rails lives in rails.py, Django in django.py, Laravel in laravel.py.
"""

from __future__ import annotations

import os
import re
from typing import Any

from blastwall.environment.clients import parse_options
from blastwall.environment.commands import Invocation
from blastwall.environment.dbsite import from_url
from blastwall.environment.files import dotenv, read_text
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


# -- Prisma --------------------------------------------------------------------------------------

_DATASOURCE = re.compile(r"datasource\s+\w+\s*\{(.*?)\}", re.S)
_URL_KEYS = re.compile(r"""^\s*(url|directUrl|shadowDatabaseUrl)\s*=\s*(.*?)\s*$""", re.M)
_SCHEMA_VALUE = re.compile(r"""^(?:env\(\s*"([^"]+)"\s*\)|"([^"]*)")$""")
_CONFIG_SCHEMA = re.compile(r"""\bschema\s*:\s*(.+?)\s*[,\n}]""")
_CONFIG_URL = re.compile(r"""\b(url|directUrl|shadowDatabaseUrl)\s*:\s*(.+?)\s*[,\n}]""")
_CONFIG_VALUE = re.compile(r"""^(?:env\(\s*["'](\w+)["']\s*\)|process\.env\.(\w+)|process\.env\[\s*["'](\w+)["']\s*\]|["']([^"']*)["'])$""")


def prisma(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    """The schema's datasource: `url`, and `directUrl` and `shadowDatabaseUrl` (migrations use
    them) each count; prisma.config.* (or --config) may name the schema and the urls instead."""
    spec = _spec("prisma")
    root = _root(inv, "the Prisma schema")
    if isinstance(root, Site):
        if not inv.elsewhere:
            from blastwall.environment.selected import selected_test

            return [selected_test(inv, spec, vars_, root)]
        return [root]
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], set(spec["schema_options"]) | {"--config"})
    given = [v for o in spec["schema_options"] for v in parsed.options.get(o, [])]
    config = _prisma_config(root, parsed.last(["--config"]), spec)
    if isinstance(config, Site):
        return [config]
    schema_from_config, config_urls = config
    schemas = given or ([schema_from_config] if schema_from_config else spec["schemas"])
    text, path = None, ""
    for rel in schemas:
        path = os.path.join(root, rel)
        text = read_text(path) if not os.path.isdir(path) else _schema_dir(path)
        if text is not None:
            break
    urls: list[tuple[str, str]] = list(config_urls)  # (key, "env:NAME" or "lit:URL")
    if not urls:
        if text is None:
            return [unknown(f"no Prisma schema ({', '.join(schemas)}) in {root}")]
        block = _DATASOURCE.search(text)
        for key, raw in _URL_KEYS.findall(block.group(1) if block else ""):
            m = _SCHEMA_VALUE.match(raw.split("//", 1)[0].strip() if not raw.startswith('"') else raw)
            if m is None:
                return [unknown(f"the Prisma schema's datasource {key} is not one blastwall can read")]
            urls.append((key, f"env:{m.group(1)}" if m.group(1) else f"lit:{m.group(2)}"))
    if not any(k == "url" for k, _ in urls) and not config_urls:
        return [unknown("the Prisma schema's datasource has no url blastwall can read")]
    folder = os.path.dirname(path) if path and not os.path.isdir(path) else path
    dotenvs = [*spec["dotenv"], os.path.relpath(os.path.join(folder, ".env"), root)] if folder else spec["dotenv"]
    return [_prisma_url(key, ref, root, dotenvs, vars_) for key, ref in urls]


def _prisma_url(key: str, ref: str, root: str, dotenvs: list[str], vars_: Vars) -> Site:
    kind, _, value = ref.partition(":")
    if kind == "lit":
        return from_url(value, f"the schema's datasource {key}")
    name = value
    found, origin = vars_.get(name)
    if found is None:
        for rel in dict.fromkeys(dotenvs):
            loaded = dotenv(os.path.join(root, rel)) or {}
            if name in loaded:
                found, origin = loaded[name], f"in {rel}"
                break
    if found is None:
        return unknown(f"{name} (the schema's datasource {key}) is not set")
    return from_url(found, f"{name} ({origin})")


def _prisma_config(root: str, given: str | None, spec: dict[str, Any]) -> tuple[str, list[tuple[str, str]]] | Site:
    """(the schema it names, the urls it names) from prisma.config.* ("", [] without one)."""
    names = [given] if given else spec.get("configs", [])
    for rel in names:
        path = os.path.join(root, rel)
        text = read_text(path) if os.path.isfile(path) else None
        if text is None:
            if given:
                return unknown(f"{given} (--config) is not readable")
            continue
        schema = ""
        m = _CONFIG_SCHEMA.search(text)
        if m:
            value = _CONFIG_VALUE.match(m.group(1))
            if value is None or not value.group(4):
                return unknown(f"{rel} chooses its schema when it runs")
            schema = os.path.relpath(os.path.join(os.path.dirname(path), value.group(4)), root)
        urls = []
        for key, raw in _CONFIG_URL.findall(text):
            value = _CONFIG_VALUE.match(raw)
            if value is None:
                return unknown(f"{rel} chooses its datasource {key} when it runs")
            env_name = value.group(1) or value.group(2) or value.group(3)
            urls.append((key, f"env:{env_name}" if env_name else f"lit:{value.group(4)}"))
        return schema, urls
    return "", []


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

