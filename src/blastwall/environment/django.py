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

_ASSIGNED = re.compile(r"""os\.environ\[\s*["'](\w+)["']\s*\]\s*=\s*["']([^"']*)["']""")
_DEFAULTED = re.compile(r"""os\.environ\.setdefault\(\s*["'](\w+)["']\s*,\s*["']([^"']*)["']""")
_LOADS_DOTENV = re.compile(r"\b(load_dotenv|read_env|read_dotenv|dotenv|decouple|environ\.Env)\b")
_SETDEFAULT = re.compile(r"""setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
MAX_IMPORTS = 4
_ENV_CALLS = {"get", "getenv", "env", "str", "config"}  # os.environ.get, os.getenv, env(...), env.str, decouple config
_URL_CALLS = {"config", "parse", "db", "db_url"}  # dj_database_url.config/parse, env.db / env.db_url


def django(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = section("framework").get("django") or {}
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    if not inv.cwd:
        from blastwall.environment.selected import selected_test

        return [selected_test(inv, spec, vars_, unknown("the directory it runs in is not known, so the settings cannot be read"))]
    manage = next((w for w in inv.argv if os.path.basename(w) == spec.get("entry", "manage.py")), "")
    root = os.path.normpath(os.path.join(inv.cwd, os.path.dirname(manage))) if manage else inv.cwd
    manage_text = (read_text(os.path.join(root, os.path.basename(manage))) or "") if manage else ""
    paths = _search_path(inv, vars_, root if manage or "-m" in inv.argv else None)
    if isinstance(paths, Site):
        return [paths]
    forced = dict(_ASSIGNED.findall(manage_text))  # os.environ["X"] = "..." in manage.py wins over the environment
    module = _option(inv.argv, "--settings")
    how = f"--settings={module}"
    if not module and forced.get("DJANGO_SETTINGS_MODULE"):
        module, how = forced["DJANGO_SETTINGS_MODULE"], f"{os.path.basename(manage)} sets DJANGO_SETTINGS_MODULE"
    if not module:
        found = vars_.first(["DJANGO_SETTINGS_MODULE"])
        if found:
            module, how = found[1], f"DJANGO_SETTINGS_MODULE ({found[2]})"
    if not module and manage:
        m = _SETDEFAULT.search(manage_text)
        if m:
            module, how = m.group(1), f"{os.path.basename(manage)}'s default settings {m.group(1)}"
    if not module:
        return [unknown("no settings module is named (--settings, DJANGO_SETTINGS_MODULE or manage.py)")]
    alias = _option(inv.argv, "--database") or "default"
    defaults = dict(_DEFAULTED.findall(manage_text))
    env_file = dotenv(os.path.join(root, ".env")) or {}
    texts: list[str] = [manage_text]
    sites: list[Site] = []
    for with_dotenv in (True, False):
        def lookup(name: str, with_dotenv: bool = with_dotenv) -> str | None:
            if name in forced:
                return forced[name]
            value = vars_.get(name)[0]
            if value is not None:
                return value
            if name in defaults:
                return defaults[name]
            return env_file.get(name) if with_dotenv else None

        databases = _databases(paths, module, lookup, 0, texts)
        site = _site(databases, module, how, alias, lookup)
        if site not in sites:
            sites.append(site)
        if any(_LOADS_DOTENV.search(t) for t in texts) or not env_file:
            break  # the app loads .env (or there is none): one reading is the app's
    return sites


def _site(databases: Any, module: str, how: str, alias: str, lookup: Any) -> Site:
    if databases is None:
        return unknown(f"the settings {module} ({how}) set no DATABASES blastwall can read")
    if databases == UNREAD:
        return unknown(f"the settings {module} change DATABASES in a way blastwall does not evaluate "
                       "(inside a condition, a call, or a module it cannot find)")
    db = databases.get(alias) if isinstance(databases, dict) else None
    if not isinstance(db, dict):
        return unknown(f"the settings {module} have no database {alias!r}")
    names = (("settings", settings_name(module)),)
    via = f"settings {module} DATABASES[{alias!r}]"
    engine = str(db.get("ENGINE") or "")
    if "sqlite" in engine:
        return file_site(str(db.get("NAME") or ""), via, names)
    if any(UNREAD in str(db.get(k, "")) for k in ("HOST", "NAME", "ENGINE")):
        return unknown(f"{via} is only known when the app runs")
    default_host = "socket" if "postgres" in engine else "localhost"
    return from_keys(str(db.get("HOST") or "") or None, str(db.get("NAME") or ""), via, names, default_host,
                     lookup=lookup)


def _search_path(inv: Invocation, vars_: Vars, first: str | None) -> list[str] | Site:
    """Where Python looks for the settings module: manage.py's folder (or the directory for
    `python -m django`), then `--pythonpath`, then PYTHONPATH. `django-admin` alone does not look
    in the directory it runs in."""
    out = [first] if first else []
    for i, w in enumerate(inv.argv):
        value = inv.argv[i + 1] if w == "--pythonpath" and i + 1 < len(inv.argv) else \
            (w.split("=", 1)[1] if w.startswith("--pythonpath=") else None)
        if value is not None:
            out.insert(1 if first else 0, os.path.normpath(os.path.join(inv.cwd or "/", value)))
    pythonpath, origin = vars_.get("PYTHONPATH")
    if pythonpath:
        if UNREAD in pythonpath:
            return unknown(f"PYTHONPATH is {origin}")
        out += [os.path.normpath(os.path.join(inv.cwd or "/", p)) for p in pythonpath.split(os.pathsep) if p]
    if not out:
        return unknown("django-admin finds the settings on PYTHONPATH or --pythonpath, and neither is set")
    return out


def _option(argv: tuple[str, ...], name: str) -> str:
    """The value of the last `name` option (argparse: the last one wins)."""
    found = ""
    for i, w in enumerate(argv):
        if w == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif w.startswith(name + "="):
            found = w.split("=", 1)[1]
    return found


def _module_file(paths: list[str], module: str) -> str | None:
    for root in paths:
        base = os.path.join(root, *module.split("."))
        for path in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(path):
                return path
    return None


def _databases(paths: list[str], module: str, lookup: Any, depth: int, texts: list[str]) -> Any:
    """DATABASES as `module` leaves it (None when neither it nor its star imports set it; UNREAD
    when it changes it in a way blastwall does not evaluate)."""
    path = _module_file(paths, module)
    text = read_text(path) if path else None
    if text is None or depth > MAX_IMPORTS:
        return None
    texts.append(text)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    value: Any = None
    for node in _top_level(tree, paths, module, path or ""):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            base = _resolve(module, node, path or "")
            inherited = _databases(paths, base, lookup, depth + 1, texts) if base else None
            if inherited is not None:
                value = inherited
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "DATABASES" and node.value is not None:
                    value = _eval(node.value, lookup)
                elif isinstance(target, ast.Subscript) and value is not None and node.value is not None:
                    _assign_item(value, target, _eval(node.value, lookup))
        elif _touches(node):
            return UNREAD
    return value


def _top_level(tree: ast.Module, paths: list[str], module: str, path: str) -> list[ast.stmt]:
    """The statements that run unconditionally. `try: from .local import * / except ImportError:
    pass` runs the import when that module exists."""
    out: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Try) and all(isinstance(n, (ast.ImportFrom, ast.Pass)) for n in node.body) and \
                all(all(isinstance(n, ast.Pass) for n in h.body) for h in node.handlers) and not node.finalbody \
                and not node.orelse:
            out += [n for n in node.body if isinstance(n, ast.ImportFrom) and
                    _module_file(paths, _resolve(module, n, path)) is not None]
        else:
            out.append(node)
    return out


_OPAQUE_CALLS = {"exec", "eval", "globals", "setattr", "import_module", "__import__", "vars", "locals"}


def _touches(node: ast.stmt) -> bool:
    """Whether a statement blastwall does not evaluate may change DATABASES: an assignment, a
    method call or a star import inside a condition, loop or block, or a dynamic import or exec."""
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            if any(_mentions_databases(t) for t in targets):
                return True
        elif isinstance(sub, ast.Call):
            if isinstance(sub.func, ast.Attribute) and _mentions_databases(sub.func.value):
                return True
            if _dotted(sub.func).rsplit(".", 1)[-1] in _OPAQUE_CALLS:
                return True
        elif (isinstance(sub, ast.ImportFrom) and any(a.name == "*" for a in sub.names)) or \
                (isinstance(sub, ast.Global) and "DATABASES" in sub.names):
            return True
    return False


def _mentions_databases(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "DATABASES" for n in ast.walk(node))


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
