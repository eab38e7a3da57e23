"""Compose stacks: what `down -v` removes, and whether that is made for tests.

A stack, as compose resolves it: `-f` files (else `COMPOSE_FILE`, else compose.yaml and friends
in the directory or a parent, with the override file) and every file they `include:`, the
project name (`-p`, `COMPOSE_PROJECT_NAME`, the files' `name:`, else the project directory's
name; the last `-p` given wins), values interpolated as compose does (`${VAR:-default}`), and
the named volumes `down -v` removes (`<project>_<key>` or the volume's `name:`; external ones stay).

A stack whose files are made for tests (docker-compose.test.yml) is `test` when every volume it
removes is named for tests or scratch (a project `shop_test`, a volume `pgdata_test`) and none is
also a volume of the project's default stack. Any other name may be another stack's data: a
project directory or a `name:` is something the agent spells, and `down -v` removes whatever
volume carries that name on the daemon.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.environment.commands import Invocation
from blastwall.environment.files import dotenv, load_yaml
from blastwall.environment.options import parse_options
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import environment_of_name, section

MAX_INCLUDES = 16


class Stack(NamedTuple):
    files: tuple[str, ...]
    directory: str
    project: str
    volumes: tuple[str, ...]  # the full names `down -v` removes


def _spec() -> dict[str, Any]:
    return section("docker")


def compose_site(inv: Invocation, daemon: Site, vars_: Vars) -> Site:
    if not inv.cwd:
        return unknown("the directory it runs in is not known, so its compose file cannot be read")
    stack = _stack(inv, vars_)
    if isinstance(stack, Site):
        return stack
    shown = ", ".join(os.path.relpath(f, inv.cwd) for f in stack.files)
    where = f"{daemon.where}; the stack is {shown} (project {stack.project})"
    names = (("compose project", stack.project),)
    if not stack.volumes:
        return Site(True, where, names, nature="local", nature_why="it declares no named volume, so down -v "
                    "removes only anonymous ones")
    if all(globs.match_any(os.path.basename(f).lower(), _spec()["test_files"]) for f in stack.files):
        shared = _shared_with_default(stack, vars_)
        if shared:
            return Site(True, where, names, nature="dev", nature_why=shared)
        unnamed = [v for v in stack.volumes if environment_of_name(v) not in ("test", "local")]
        if unnamed:
            return Site(True, where, names, nature="dev", nature_why=f"volume {unnamed[0]} is not named for tests, "
                        "so a stack elsewhere with that project or volume name may hold data in it")
        return Site(True, where, names, nature="test",
                    nature_why=f"{shown} is made for tests and shares no volume with the default stack")
    return Site(True, where, names)


def _stack(inv: Invocation, vars_: Vars, default_only: bool = False) -> Stack | Site:
    spec = _spec()
    takes = set(spec["compose_file_options"]) | set(spec["project_options"]) | set(spec["directory_options"]) | \
        set(spec["host_options"]) | set(spec["context_options"])
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], takes | {"--env-file"})
    if parsed.dynamic:
        return unknown("its compose files or project are only known when it runs")
    cwd = inv.cwd or "/"
    project_dir = parsed.last(spec["directory_options"]) or ""
    env_files = parsed.options.get("--env-file", []) if not default_only else []
    base = os.path.normpath(os.path.join(cwd, project_dir)) if project_dir else cwd
    if env_files:
        loaded = [dotenv(os.path.join(cwd, f)) for f in env_files]
        if any(d is None for d in loaded):
            return unknown(f"--env-file {env_files[0]} is not readable")
    else:
        loaded = [dotenv(os.path.join(base, ".env")) or {}]  # compose reads the project's .env

    def setting(name: str) -> str | None:
        """A compose variable: the process's (or this line's), else the env files' (later files win)."""
        value = vars_.process.get(name) if default_only else vars_.get(name)[0]
        if value is not None:
            return value
        return next((d[name] for d in reversed(loaded) if d and name in d), None)

    given = [] if default_only else [v for o in spec["compose_file_options"] for v in parsed.options.get(o, [])]
    if not given:
        from_env = setting("COMPOSE_FILE")
        if from_env:
            sep = setting("COMPOSE_PATH_SEPARATOR") or ":"
            given = [f for f in from_env.split(sep) if f]
    if given:
        files = [os.path.normpath(os.path.join(cwd, f)) for f in given]
    else:
        files = _default_files(base)
        if not files:
            return unknown(f"no compose file in {project_dir or cwd} or its parents, so what down -v removes is not known")
    docs = _documents(files)
    if isinstance(docs, Site):
        return docs
    directory = os.path.normpath(os.path.join(cwd, project_dir)) if project_dir else os.path.dirname(files[0])
    project = "" if default_only else (parsed.last(spec["project_options"]) or "")
    if not project:  # the default stack is run without this line's variables
        project = setting("COMPOSE_PROJECT_NAME") or ""
    if not project:
        project = next((str(d["name"]) for _, d in reversed(docs) if isinstance(d.get("name"), str)), "")
    project = interpolate(project, setting)
    if project is None:
        return unknown("its project name is only known when it runs (a variable compose cannot resolve)")
    project = _normalize(project or os.path.basename(directory))
    volumes: dict[str, str] = {}
    for _, doc in docs:
        table = doc.get("volumes")
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            spec_v = value if isinstance(value, dict) else {}
            if spec_v.get("external"):
                volumes.pop(str(key), None)
                continue
            name = interpolate(str(spec_v.get("name") or f"{project}_{key}"), setting)
            if name is None:
                return unknown(f"volume {key}'s name is only known when it runs")
            volumes[str(key)] = name
    return Stack(tuple(files), directory, project, tuple(sorted(set(volumes.values()))))


def _documents(files: list[str]) -> list[tuple[str, dict[str, Any]]] | Site:
    """The files and every file they include (`include:`), read; a file that is not a compose
    file blastwall can read makes the stack unknown."""
    out: list[tuple[str, dict[str, Any]]] = []
    queue = list(files)
    seen: set[str] = set()
    while queue:
        f = queue.pop(0)
        if f in seen:
            continue
        if len(seen) >= MAX_INCLUDES:
            return unknown("its compose files include more files than blastwall reads")
        seen.add(f)
        doc = load_yaml(f)
        if not isinstance(doc, dict):
            return unknown(f"{f} is not a compose file blastwall can read")
        out.append((f, doc))
        for entry in doc.get("include") or []:
            paths = entry.get("path") if isinstance(entry, dict) else entry
            for p in [paths] if isinstance(paths, str) else (paths or []):
                if not isinstance(p, str) or "$" in p:
                    return unknown(f"{f} includes a file blastwall cannot name")
                queue.append(os.path.normpath(os.path.join(os.path.dirname(f), p)))
    return out


_VAR = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate(text: str, setting: Callable[[str], str | None]) -> str | None:
    """`text` with compose's variables replaced (`$$` is `$`); None when one cannot be resolved
    (`${X:?message}` unset, a nested or unknown form)."""
    if "$" not in text:
        return text
    failed = False

    def one(m: re.Match[str]) -> str:
        nonlocal failed
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2) or "", m.group(3) or ""
        value = setting(name)
        unset = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return arg if unset else str(value)
        if op.endswith("+"):
            return "" if unset else arg
        if op.endswith("?"):
            failed = failed or unset
            return str(value or "")
        return str(value or "")

    out = _VAR.sub(one, text)
    return None if failed or "${" in out else out


def _default_files(start: str) -> list[str]:
    spec = _spec()
    here = start
    for _ in range(64):
        for name in spec["default_files"]:
            path = os.path.join(here, name)
            if os.path.isfile(path):
                overrides = [os.path.join(here, o) for o in spec["override_files"] if os.path.isfile(os.path.join(here, o))]
                return [path, *overrides[:1]]
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return []


def _shared_with_default(stack: Stack, vars_: Vars) -> str:
    """Why `down -v` of this test stack would take the default stack's data ("" when it would not)."""
    probe = Invocation(("docker", "compose", "--project-directory", stack.directory), (False,) * 4, (),
                       stack.directory, "", "")
    default = _stack(probe, vars_, default_only=True)
    if isinstance(default, Site) or set(default.files) == set(stack.files):
        return ""
    both = sorted(set(stack.volumes) & set(default.volumes))
    if not both:
        return ""
    shown = os.path.basename(default.files[0])
    return f"volume {', '.join(both)} is also a volume of the project's default stack ({shown}), which may hold data"


def _normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", name.lower())
