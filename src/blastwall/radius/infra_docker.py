"""Docker blast radius: the volumes `docker volume rm`, `docker volume prune`, `docker system
prune --volumes`, `docker rm -v` and `docker compose down -v` would delete, their size and the
containers attached, read-only (`docker volume ls`, `docker inspect`, `docker ps`, `docker
system df -v`).

The volume list is what counts; the containers attached and the sizes are extra calls made
while time is left (`docker system df -v` can be slow on a large host: without it the sizes
are unknown and said so). A volume holding data, or of unknown size, is `irreplaceable`:
docker keeps no other copy.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Any, NamedTuple

from blastwall.model import Action, Finding
from blastwall.radius.base import MeasureContext, Radius
from blastwall.radius.infra_cli import (
    CliFailure,
    flag_value,
    human,
    knowledge,
    plural,
    positionals,
    run_json,
    run_json_lines,
)

SOURCE = "docker"
JSON_LINES = "{{json .}}"
_ANONYMOUS = re.compile(r"^[0-9a-f]{64}$")
_SIZE = re.compile(r"^\s*([0-9.]+)\s*([kKMGTP]?i?B)\s*$")
_UNITS = {"B": 1, "kB": 1000, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4, "PB": 1000**5,
          "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}
ENV_PASSED = ("DOCKER_HOST", "DOCKER_CONTEXT", "COMPOSE_PROJECT_NAME")


class DockerTarget(NamedTuple):
    program: str  # the executable to ask (docker, podman, ...)
    flags: tuple[str, ...]  # global flags for every call (--context X, -H ...)
    what: str  # "docker volume rm", "docker compose down -v", ...
    volumes: tuple[str, ...] = ()  # named volumes
    filters: tuple[str, ...] = ()  # `docker volume ls --filter` values
    anonymous_only: bool = False  # prune without --all: only anonymous volumes go
    containers: tuple[str, ...] = ()  # docker rm -v: the containers whose anonymous volumes go
    env: tuple[tuple[str, str], ...] = ()


def _table() -> dict[str, Any]:
    return knowledge()["docker"]  # type: ignore[no-any-return]


def _value_options(program: str) -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table

    return frozenset(load_table("shell_docker")["program"][program]["value_options"])


def target_of(action: Action, finding: Finding, ctx: MeasureContext) -> DockerTarget | None:
    try:
        words = shlex.split(finding.source)
    except ValueError:
        return None
    env = tuple((k, v) for w in words if "=" in w and not w.startswith("-")
                for k, _, v in [w.partition("=")] if k in ENV_PASSED)
    for i, w in enumerate(words):
        base = w.rsplit("/", 1)[-1]
        if base in _table()["programs"] or base in _table()["compose_programs"]:
            return _parse(base, words[i + 1:], finding.rule_id, dict(env), ctx)
    return None


def _parse(program: str, rest: list[str], rule_id: str, env: dict[str, str], ctx: MeasureContext) -> DockerTarget | None:
    compose = program in _table()["compose_programs"]
    options = _value_options("compose" if compose else "docker")
    pos = positionals(rest, options)
    flags: list[str] = []
    for name in _table()["pass_flags"]:
        value = flag_value(rest, (name,))
        if value and not compose:
            flags += [name, value]
    exe = "docker" if compose else program
    tail = tuple(sorted(env.items()))
    if rule_id.endswith(("compose-down-volumes", "down-volumes")):
        project = flag_value(rest, ("-p", "--project-name")) or env.get("COMPOSE_PROJECT_NAME") or _project_of(ctx.cwd)
        if not project:
            return None
        label = f"label={_table()['compose_project_label']}={project}"
        return DockerTarget(exe, tuple(flags), f"compose down -v (project {project})", filters=(label,), env=tail)
    if rule_id == "shell.docker:volume-rm" and pos[:1] in (["volume"], ["volumes"]) and len(pos) > 1:
        if pos[1] == "prune":
            every = any(w in rest for w in ("-a", "--all"))
            return DockerTarget(exe, tuple(flags), f"{program} volume prune", filters=("dangling=true",),
                                anonymous_only=not every, env=tail)
        names = tuple(pos[2:])
        return DockerTarget(exe, tuple(flags), f"{program} volume rm", volumes=names, env=tail) if names else None
    if rule_id == "shell.docker:system-prune-volumes":
        return DockerTarget(exe, tuple(flags), f"{program} system prune --volumes", filters=("dangling=true",),
                            anonymous_only=True, env=tail)
    if rule_id == "shell.docker:rm-volumes":
        names = tuple(pos[1:] if pos[:1] == ["rm"] else pos[2:])
        return DockerTarget(exe, tuple(flags), f"{program} rm -v", containers=names, env=tail) if names else None
    return None


def _project_of(cwd: str | None) -> str:
    """Compose's default project name: the working directory's name, lower case, [a-z0-9_-]."""
    if not cwd:
        return ""
    return re.sub(r"[^a-z0-9_-]", "", os.path.basename(os.path.normpath(cwd)).lower())


def measure(t: DockerTarget, ctx: MeasureContext) -> Radius:
    env = dict(t.env)
    base = [t.program, *t.flags]
    missing: list[str] = []
    try:
        if t.containers:
            found = run_json([*base, "inspect", "--type", "container", *t.containers], ctx, tool=SOURCE, env=env)
            volumes = [{"Name": m.get("Name"), "Mountpoint": m.get("Source", "")}
                       for c in found if isinstance(c, dict) for m in c.get("Mounts") or []
                       if m.get("Type") == "volume" and _ANONYMOUS.match(str(m.get("Name", "")))]
        else:
            argv = [*base, "volume", "ls", *[a for f in t.filters for a in ("--filter", f)], "--format", JSON_LINES]
            volumes = run_json_lines(argv, ctx, tool=SOURCE, env=env)
            if t.volumes:
                by_name = {v.get("Name"): v for v in volumes}
                missing = [n for n in t.volumes if n not in by_name]
                volumes = [by_name[n] for n in t.volumes if n in by_name]
            if t.anonymous_only:
                volumes = [v for v in volumes if _anonymous(v)]
    except CliFailure as exc:
        return Radius.unmeasured(str(exc), SOURCE)
    names = [str(v.get("Name")) for v in volumes]
    attached, notes = _attached(base, names, t, ctx, env)
    sizes, size_note = _sizes(base, volumes, ctx, env)
    return _radius(t, names, sizes, attached, missing, [*notes, *([size_note] if size_note else [])])


def _anonymous(volume: dict[str, Any]) -> bool:
    labels = str(volume.get("Labels") or "")
    return "com.docker.volume.anonymous" in labels or bool(_ANONYMOUS.match(str(volume.get("Name", ""))))


def _attached(base: list[str], names: list[str], t: DockerTarget, ctx: MeasureContext,
              env: dict[str, str]) -> tuple[list[str], list[str]]:
    if not names and not t.containers:
        return [], []
    if t.containers:
        return list(t.containers), []
    argv = [*base, "ps", "-a", *[a for n in names for a in ("--filter", f"volume={n}")], "--format", JSON_LINES]
    try:
        rows = run_json_lines(argv, ctx, tool=SOURCE, env=env)
    except CliFailure as exc:
        return [], [f"the containers using them are unknown ({exc})"]
    return [f"{r.get('Names')} ({r.get('State')})" for r in rows], []


def _sizes(base: list[str], volumes: list[dict[str, Any]], ctx: MeasureContext,
           env: dict[str, str]) -> tuple[dict[str, int | None], str]:
    sizes: dict[str, int | None] = {str(v.get("Name")): None for v in volumes}
    if not sizes:
        return sizes, ""
    note = ""
    try:
        df = run_json([*base, "system", "df", "-v", "--format", JSON_LINES], ctx, tool=SOURCE, env=env)
        for row in (df.get("Volumes") or []) if isinstance(df, dict) else []:
            if isinstance(row, dict) and row.get("Name") in sizes:
                sizes[row["Name"]] = size_of(row.get("Size"))
    except CliFailure as exc:
        note = f"sizes from docker system df are unknown ({exc})"
    for v in volumes:
        name = str(v.get("Name"))
        if sizes[name] is None and v.get("Mountpoint"):
            sizes[name] = _tree_size(str(v["Mountpoint"]), ctx)
    return sizes, note if any(s is None for s in sizes.values()) else ""


def size_of(text: Any) -> int | None:
    """Bytes in docker's human size (`1.2GB`, `53.7MB`, `0B`); None for N/A."""
    m = _SIZE.match(str(text or ""))
    if not m or m.group(2) not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def _tree_size(path: str, ctx: MeasureContext) -> int | None:
    """The bytes under a readable mount point, or None when unreadable or out of time."""
    if not os.access(path, os.R_OK | os.X_OK):
        return None
    total, stack = 0, [path]
    while stack:
        if ctx.left() <= 0:
            return None
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    elif e.is_file(follow_symlinks=False):
                        total += e.stat(follow_symlinks=False).st_size
        except OSError:
            return None
    return total


def _radius(t: DockerTarget, names: list[str], sizes: dict[str, int | None], attached: list[str],
            missing: list[str], notes: list[str]) -> Radius:
    known = [s for s in sizes.values() if s is not None]
    total = sum(known)
    counts = {"volumes": len(names), "bytes": total, "containers": len(attached)}
    unknown = len(known) < len(names)
    size = f"{human(total)}{' and more of unknown size' if unknown and known else ''}" if known else "size unknown"
    if names:
        summary = f"{t.what} deletes {plural(len(names), 'volume')} ({size}): {', '.join(names[:5])}"
        summary += f" and {len(names) - 5} more" if len(names) > 5 else ""
    else:
        summary = f"{t.what} deletes no volume"
    if attached and names:
        summary += f"; {plural(len(attached), 'container')} use{'s' if len(attached) == 1 else ''} them"
    details = [f"volume {n}: {human(s) if (s := sizes.get(n)) is not None else 'size unknown'}" for n in names[:20]]
    details += [f"container {c}" for c in attached[:20]]
    details += [f"volume {m} does not exist" for m in missing] + notes
    irreplaceable = True if names and (unknown or total > 0) else None
    return Radius(True, summary, counts, irreplaceable=irreplaceable, source=SOURCE, details=tuple(details))
