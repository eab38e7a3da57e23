"""Docker: is the daemon a command talks to this machine's? (Compose stacks: compose.py.)

The daemon, as the docker CLI picks it: `-H/--host`, `--context`, `DOCKER_HOST`,
`DOCKER_CONTEXT`, the current context of ~/.docker/config.json (its endpoint in
~/.docker/contexts/meta/<sha256 of the name>/meta.json); none of these: the local socket.
Podman: `--url`, `--connection`, CONTAINER_HOST, CONTAINER_CONNECTION, and with `--remote`
(or `remote = true` in containers.conf) the default connection.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from blastwall.analyze import globs
from blastwall.environment.commands import Invocation
from blastwall.environment.files import read_text
from blastwall.environment.hosts import where_is
from blastwall.environment.options import parse_options
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
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
    podman = spec.get("podman") or {}
    if inv.program in podman.get("programs", []):
        return _podman(inv, vars_, podman)
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


def _podman(inv: Invocation, vars_: Vars, spec: dict[str, Any]) -> Site:
    """Podman's service, as podman picks it: `--url`, `--connection`, CONTAINER_HOST,
    CONTAINER_CONNECTION, then (with `--remote`, podman-remote, or `remote = true` in
    containers.conf) the default connection; otherwise this machine's."""
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], set(spec["url_options"]) | set(spec["connection_options"]))
    if parsed.dynamic:
        return unknown(f"{inv.program}'s service is only known when it runs")
    url = parsed.last(spec["url_options"])
    if url:
        return _endpoint(url, f"{inv.program} --url")
    connection = parsed.last(spec["connection_options"])
    if connection:
        return _podman_connection(connection, "--connection", spec)
    found = vars_.first(["CONTAINER_HOST"])
    if found:
        return _endpoint(found[1], f"CONTAINER_HOST ({found[2]})")
    found = vars_.first(["CONTAINER_CONNECTION"])
    if found:
        return _podman_connection(found[1], f"CONTAINER_CONNECTION ({found[2]})", spec)
    conf = _podman_conf(spec)
    remote = inv.program in spec.get("remote_programs", []) or any(f in parsed.options for f in spec["remote_flags"]) \
        or conf.get("remote") is True
    if not remote:
        return Site(True, f"{inv.program} runs containers on this machine (no --remote, --url or connection)")
    default = str(conf.get("active_service") or _podman_connections(spec).get("Default") or "")
    if not default:
        return unknown(f"{inv.program} is remote and blastwall cannot read which connection it uses")
    return _podman_connection(default, "the default connection", spec)


def _podman_conf(spec: dict[str, Any]) -> dict[str, Any]:
    """containers.conf's [engine] table (later files win), with its service destinations."""
    import tomllib

    engine: dict[str, Any] = {}
    for f in spec.get("conf_files", []):
        text = read_text(os.path.expanduser(f))
        if not text:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return {"remote": True}  # unreadable: it may make podman remote
        table = data.get("engine")
        if isinstance(table, dict):
            engine.update(table)
    return engine


def _podman_connections(spec: dict[str, Any]) -> dict[str, Any]:
    for f in spec.get("connection_files", []):
        text = read_text(os.path.expanduser(f))
        if text:
            try:
                data = json.loads(text).get("Connection") or {}
            except (ValueError, AttributeError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def _podman_connection(name: str, via: str, spec: dict[str, Any]) -> Site:
    uri = ""
    conns = _podman_connections(spec).get("Connections") or {}
    if isinstance(conns, dict) and isinstance(conns.get(name), dict):
        uri = str(conns[name].get("URI") or "")
    if not uri:
        dests = _podman_conf(spec).get("service_destinations") or {}
        entry = dests.get(name) if isinstance(dests, dict) else None
        uri = str(entry.get("uri") or "") if isinstance(entry, dict) else ""
    if not uri:
        return unknown(f"podman connection {name} ({via}) has no URI blastwall can read")
    return _endpoint(uri, f"podman connection {name} ({via})")


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


def docker_sites(inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    daemon = docker_daemon(inv, vars_)
    if not daemon.local:
        return [daemon]
    if globs.match_any(finding.rule_id, COMPOSE_FINDINGS):
        from blastwall.environment.compose import compose_site

        return [compose_site(inv, daemon, vars_)]
    if finding.rule_id == "shell.docker:volume-rm":
        spec = _spec()
        words = inv.argv[1:]
        podman = spec.get("podman") or {}
        takes = {*spec["host_options"], *spec["context_options"], "--config", *podman.get("url_options", []),
                 *podman.get("connection_options", [])}
        parsed = parse_options(words, inv.dynamic[1:], takes)
        if parsed.dynamic:
            return [unknown("the volumes it removes are only known when it runs")]
        volumes = [w for w in parsed.operands if w not in ("volume", "rm")]
        if volumes:
            return [daemon._replace(names=(("volume", v),)) for v in volumes]
    return [daemon]


