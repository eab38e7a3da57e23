"""Docker and Compose: is the daemon this machine's, and is a compose stack made for tests?

The daemon, as the docker CLI picks it: `-H/--host`, `--context`, `DOCKER_HOST`,
`DOCKER_CONTEXT`, the current context of ~/.docker/config.json (its endpoint in
~/.docker/contexts/meta/<sha256 of the name>/meta.json); none of these: the local socket.

A compose stack, as compose resolves it: `-f` files (else `COMPOSE_FILE`, else compose.yaml and
friends in the directory or a parent, with the override file), the project name (`-p`,
`COMPOSE_PROJECT_NAME`, the files' `name:`, else the project directory's name), and the named
volumes `down -v` removes (`<project>_<key>` or the volume's `name:`; external ones stay).
A stack whose files are made for tests (docker-compose.test.yml) is `test`, unless one of its
volumes is also a volume of the project's default stack: then `down -v` takes that stack's data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.environment.clients import parse_options
from blastwall.environment.commands import Invocation
from blastwall.environment.files import dotenv, load_yaml, read_text
from blastwall.environment.hosts import where_is
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import environment_of_name, section
from blastwall.model import Finding

COMPOSE_FINDINGS = ("shell.docker:compose-*", "shell.compose:*")


def _spec() -> dict[str, Any]:
    return section("docker")


def _home() -> str:
    return os.path.expanduser("~")


def docker_daemon(inv: Invocation, vars_: Vars) -> Site:
    """Whether the docker daemon `inv` talks to is on this machine."""
    if inv.elsewhere:
        return unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")
    spec = _spec()
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], set(spec["host_options"]) | set(spec["context_options"]) |
                           {"--config"})
    hosts = [v for o in spec["host_options"] for v in parsed.options.get(o, [])]
    contexts = [v for o in spec["context_options"] for v in parsed.options.get(o, [])]
    if hosts:
        return _endpoint(hosts[-1], f"{inv.program} -H")
    if contexts:
        return _context(contexts[-1], "--context", parsed.options.get("--config", [None])[-1])
    found = vars_.first(["DOCKER_HOST"])
    if found:
        return _endpoint(found[1], f"DOCKER_HOST ({found[2]})")
    found = vars_.first(["DOCKER_CONTEXT"])
    if found:
        return _context(found[1], f"DOCKER_CONTEXT ({found[2]})")
    given = parsed.options.get("--config", [])
    config_dir = (given[-1] if given else None) or vars_.get("DOCKER_CONFIG")[0] or os.path.join(_home(), ".docker")
    if given and inv.cwd and not os.path.isabs(config_dir):
        config_dir = os.path.join(inv.cwd, config_dir)
    text = read_text(os.path.join(config_dir, "config.json"))
    current = ""
    if text:
        try:
            current = str(json.loads(text).get("currentContext") or "")
        except (ValueError, AttributeError):
            return unknown("~/.docker/config.json is not JSON blastwall can read")
    if current and current != "default":
        return _context(current, "the current docker context", config_dir)
    return Site(True, "the docker daemon is this machine's (no DOCKER_HOST or remote context)")


def _context(name: str, via: str, config_dir: str | None = None) -> Site:
    if name == "default":
        return Site(True, f"docker context default ({via}) is this machine's daemon")
    base = config_dir or os.path.join(_home(), ".docker")
    meta = os.path.join(base, "contexts", "meta", hashlib.sha256(name.encode()).hexdigest(), "meta.json")
    text = read_text(meta)
    try:
        host = str(json.loads(text)["Endpoints"]["docker"]["Host"]) if text else ""
    except (ValueError, KeyError, TypeError):
        host = ""
    if not host:
        return unknown(f"docker context {name} ({via}) has no endpoint blastwall can read")
    return _endpoint(host, f"docker context {name} ({via})")


def _endpoint(url: str, via: str) -> Site:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return unknown(f"{via} names {url}, not an endpoint blastwall can read")
    if scheme in ("unix", "npipe", "fd"):
        return Site(True, f"{via} is the local socket {rest or url}")
    host = rest.rsplit("@", 1)[-1].split("/", 1)[0]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    w = where_is(host.strip("[]"))
    return Site(w.local, f"{via}: {w.why}")


# -- compose -------------------------------------------------------------------------------------

class Stack(NamedTuple):
    files: tuple[str, ...]
    directory: str
    project: str
    volumes: tuple[str, ...]  # the full names `down -v` removes
    named: tuple[str, ...] = ()  # volumes whose `name:` the file sets (not scoped to the project)


def docker_sites(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    daemon = docker_daemon(inv, vars_)
    if not daemon.local:
        return [daemon]
    if globs.match_any(finding.rule_id, COMPOSE_FINDINGS):
        return [_compose_site(inv, daemon, vars_)]
    if finding.rule_id == "shell.docker:volume-rm":
        spec = _spec()
        words = inv.argv[1:]
        volumes = [w for w in parse_options(words, inv.dynamic[1:], set(spec["host_options"]) |
                                            set(spec["context_options"])).operands if w not in ("volume", "rm")]
        if volumes:
            return [daemon._replace(names=(("volume", v),)) for v in volumes]
    return [daemon]


def _compose_site(inv: Invocation, daemon: Site, vars_: Vars) -> Site:
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
        foreign = [v for v in stack.named if environment_of_name(v) not in ("test", "local")]
        if foreign:
            return Site(True, where, names, nature="dev", nature_why=f"it names volume {foreign[0]} itself, which "
                        "any stack may use")
        shared = _shared_with_default(stack, vars_)
        if shared:
            return Site(True, where, names, nature="dev", nature_why=shared)
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
    project_dir = next((v for o in spec["directory_options"] for v in parsed.options.get(o, [])), "")
    env_files = parsed.options.get("--env-file", []) if not default_only else []
    base = os.path.normpath(os.path.join(cwd, project_dir)) if project_dir else cwd
    if env_files:
        loaded = [dotenv(os.path.join(cwd, f)) for f in env_files]
        if any(d is None for d in loaded):
            return unknown(f"--env-file {env_files[0]} is not readable")
    else:
        loaded = [dotenv(os.path.join(base, ".env")) or {}]  # compose reads the project's .env

    def setting(name: str) -> str:
        """A compose variable: the process's (or this line's), else the env files' (later files win)."""
        value = vars_.process.get(name) if default_only else vars_.get(name)[0]
        if value:
            return value
        return next((d[name] for d in reversed(loaded) if d and d.get(name)), "")

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
    docs = []
    for f in files:
        doc = load_yaml(f)
        if not isinstance(doc, dict):
            return unknown(f"{f} is not a compose file blastwall can read")
        docs.append(doc)
    directory = os.path.normpath(os.path.join(cwd, project_dir)) if project_dir else os.path.dirname(files[0])
    project = "" if default_only else next((v for o in spec["project_options"] for v in parsed.options.get(o, [])), "")
    if not project:  # the default stack is run without this line's variables
        project = setting("COMPOSE_PROJECT_NAME")
    if not project:
        project = next((str(d["name"]) for d in reversed(docs) if isinstance(d.get("name"), str)), "")
    project = _normalize(project or os.path.basename(directory))
    volumes: dict[str, str] = {}
    named: list[str] = []
    for doc in docs:
        table = doc.get("volumes")
        if isinstance(table, dict):
            for key, value in table.items():
                spec_v = value if isinstance(value, dict) else {}
                if spec_v.get("external"):
                    volumes.pop(str(key), None)
                    continue
                volumes[str(key)] = str(spec_v.get("name") or f"{project}_{key}")
                if spec_v.get("name"):
                    named.append(str(spec_v["name"]))
    return Stack(tuple(files), directory, project, tuple(sorted(set(volumes.values()))), tuple(named))


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
