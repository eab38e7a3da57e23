"""Django: the database a management command acts on, read from the settings module it runs with.

The module: `--settings`, else `DJANGO_SETTINGS_MODULE`, else what manage.py sets by default
(`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")`). Its source is read with `ast`,
never imported or run: `DATABASES = {...}` (a literal, `dj_database_url.config/parse`,
`env.db()`, `os.environ.get("X", "default")`...), later `DATABASES["default"]["HOST"] = ...`
assignments, and `from .base import *` followed when the module does not set DATABASES itself.
A value blastwall cannot evaluate is unknown, and so is the target.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Any

from blastwall.environment.commands import Invocation
from blastwall.environment.dbsite import file_site, from_keys
from blastwall.environment.files import UNREAD, dotenv, read_text
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section, settings_name
from blastwall.model import Finding

_SETDEFAULT = re.compile(r"""setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
MAX_IMPORTS = 4
_ENV_CALLS = {"get", "getenv", "env", "str", "config"}  # os.environ.get, os.getenv, env(...), env.str, decouple config
_URL_CALLS = {"config", "parse", "db", "db_url"}  # dj_database_url.config/parse, env.db / env.db_url


def django(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = section("framework").get("django") or {}
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    if not inv.cwd:
        return [unknown("the directory it runs in is not known, so the settings cannot be read")]
    manage = next((w for w in inv.argv if os.path.basename(w) == spec.get("entry", "manage.py")), "")
    root = os.path.normpath(os.path.join(inv.cwd, os.path.dirname(manage))) if manage else inv.cwd
    module = _option(inv.argv, "--settings")
    how = f"--settings={module}"
    if not module:
        found = vars_.first(["DJANGO_SETTINGS_MODULE"])
        if found:
            module, how = found[1], f"DJANGO_SETTINGS_MODULE ({found[2]})"
    if not module and manage:
        text = read_text(os.path.join(root, os.path.basename(manage))) or ""
        m = _SETDEFAULT.search(text)
        if m:
            module, how = m.group(1), f"{os.path.basename(manage)}'s default settings {m.group(1)}"
    if not module:
        return [unknown("no settings module is named (--settings, DJANGO_SETTINGS_MODULE or manage.py)")]
    alias = _option(inv.argv, "--database") or "default"
    env_file = dotenv(os.path.join(root, ".env")) or {}

    def lookup(name: str) -> str | None:
        value = vars_.get(name)[0]
        return value if value is not None else env_file.get(name)

    databases = _databases(root, module, lookup, 0)
    if databases is None:
        return [unknown(f"the settings {module} ({how}) set no DATABASES blastwall can read")]
    db = databases.get(alias) if isinstance(databases, dict) else None
    if not isinstance(db, dict):
        return [unknown(f"the settings {module} have no database {alias!r}")]
    names = (("settings", settings_name(module)),)
    via = f"settings {module} DATABASES[{alias!r}]"
    engine = str(db.get("ENGINE") or "")
    if "sqlite" in engine:
        return [file_site(str(db.get("NAME") or ""), via, names)]
    if any(UNREAD in str(db.get(k, "")) for k in ("HOST", "NAME", "ENGINE")):
        return [unknown(f"{via} is only known when the app runs")]
    default_host = "socket" if "postgres" in engine else "localhost"
    return [from_keys(str(db.get("HOST") or "") or None, str(db.get("NAME") or ""), via, names, default_host,
                      lookup=lookup)]


def _option(argv: tuple[str, ...], name: str) -> str:
    for i, w in enumerate(argv):
        if w == name and i + 1 < len(argv):
            return argv[i + 1]
        if w.startswith(name + "="):
            return w.split("=", 1)[1]
    return ""


def _module_file(root: str, module: str) -> str | None:
    base = os.path.join(root, *module.split("."))
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _databases(root: str, module: str, lookup: Any, depth: int) -> Any:
    """DATABASES as `module` leaves it (None when neither it nor its star imports set it)."""
    path = _module_file(root, module)
    text = read_text(path) if path else None
    if text is None or depth > MAX_IMPORTS:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    value: Any = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            base = _resolve(module, node, path or "")
            inherited = _databases(root, base, lookup, depth + 1) if base else None
            if inherited is not None:
                value = inherited
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "DATABASES" and node.value is not None:
                    value = _eval(node.value, lookup)
                elif isinstance(target, ast.Subscript) and value is not None and node.value is not None:
                    _assign_item(value, target, _eval(node.value, lookup))
    return value


def _resolve(module: str, node: ast.ImportFrom, path: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    package = package[:len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*package, *(node.module.split(".") if node.module else [])])


def _assign_item(value: Any, target: ast.Subscript, item: Any) -> None:
    keys: list[Any] = []
    node: ast.expr = target
    while isinstance(node, ast.Subscript):
        keys.insert(0, node.slice.value if isinstance(node.slice, ast.Constant) else UNREAD)
        node = node.value
    if not (isinstance(node, ast.Name) and node.id == "DATABASES"):
        return
    holder = value
    for key in keys[:-1]:
        holder = holder.get(key) if isinstance(holder, dict) else None
    if isinstance(holder, dict):
        holder[keys[-1]] = item


def _eval(node: ast.expr, lookup: Any) -> Any:
    """A settings expression's value, as far as it can be read; UNREAD where it cannot."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        return {_eval(k, lookup) if k is not None else UNREAD: _eval(v, lookup) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.Call):
        return _call(node, lookup)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return f"{_eval(node.left, lookup)}/{_eval(node.right, lookup)}"  # BASE_DIR / "db.sqlite3"
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("os.environ", "environ"):
        key = _eval(node.slice, lookup)
        return lookup(key) if isinstance(key, str) and lookup(key) is not None else UNREAD
    if isinstance(node, ast.JoinedStr):
        return UNREAD
    return UNREAD


def _call(node: ast.Call, lookup: Any) -> Any:
    name = _dotted(node.func)
    last = name.rsplit(".", 1)[-1]
    args = [_eval(a, lookup) for a in node.args]
    kwargs = {k.arg: _eval(k.value, lookup) for k in node.keywords if k.arg}
    if name in ("os.path.join", "str", "Path", "os.fspath"):
        return "/".join(str(a) for a in args)
    url_call = last in _URL_CALLS and ("database_url" in name or name.startswith("env.") or name.startswith("environ."))
    if url_call:
        key = args[0] if args and last != "parse" and isinstance(args[0], str) else "DATABASE_URL"
        url = args[0] if last == "parse" and args else (lookup(key) if last != "parse" else None)
        url = url or kwargs.get("default")
        return _url_config(str(url)) if isinstance(url, str) and url != UNREAD else UNREAD
    if last in _ENV_CALLS and args and isinstance(args[0], str):
        value = lookup(args[0])
        if value is not None:
            return value
        default = args[1] if len(args) > 1 else kwargs.get("default")
        return default if default is not None else UNREAD
    return UNREAD


def _url_config(url: str) -> dict[str, Any]:
    """What dj_database_url makes of a URL: the keys this module looks at."""
    from urllib.parse import urlsplit

    scheme = url.split(":", 1)[0].lower()
    if scheme.startswith("sqlite"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.split(":", 1)[1].lstrip("/") or ":memory:"}
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return {"ENGINE": scheme, "HOST": UNREAD, "NAME": UNREAD}
    return {"ENGINE": scheme, "HOST": host, "NAME": parts.path.strip("/")}


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.insert(0, node.id)
    return ".".join(parts)
