"""A database server container the line starts itself and then empties: scratch.

    docker run -d --name pg-x -p 55432:5432 postgres:16 && psql -h localhost -p 55432 -c 'DROP SCHEMA public CASCADE'
    docker run -d --name r -p 6390:6379 redis:7 && redis-cli -p 6390 FLUSHALL

`docker run --name` fails when the name exists and `-p HOSTPORT:PORT` fails when the port is taken
(made_here.py, `made_before`), so a database client that runs only when that run succeeded and dials
this machine's loopback over TCP at that host port talks to the new, empty server: the findings of
its statements are dropped (rules/container_db.toml). A client with no TCP host (psql's Unix socket),
a port the run did not publish, `;` before the client, a mounted volume, a shared network
namespace, an option or variable that picks another server: judged as before.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from blastwall.model import Finding


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return load_table("container_db")


def drop_container_db(found: list[Finding], cmd: Any, commands: list[Any], earlier: tuple[Any, ...],
                      shell_dir: str | None, line: str) -> list[Finding]:
    table = _table()
    prefixes = tuple(table["rules"])
    if not any(f.rule_id.startswith(prefixes) for f in found):
        return found
    endpoint = _endpoint(cmd)
    if endpoint is None:
        return found
    from blastwall.analyze.shell.made_here import made_before, place

    mine = place(cmd, commands)
    if mine is None:
        return found
    ports = {p for maker, _ in made_before("container", cmd, mine, commands, earlier, shell_dir, line)
             for p in _published(maker)}
    if endpoint not in ports:
        return found
    return [f for f in found if not f.rule_id.startswith(prefixes)]


def _published(maker: Any) -> set[int]:
    """The host ports a detached run of a database server image publishes, or none when its data or
    network is not its own, or it may run another program (a proxy to another server)."""
    from blastwall.analyze.shell.made_here import maker_parts

    table = _table()
    words = [w.text for w in maker.argv]
    if words[:2] not in (["docker", "run"], ["podman", "run"]) and words[:3] not in (
            ["docker", "container", "run"], ["podman", "container", "run"]):
        return set()
    parts = maker_parts("container", maker)
    if parts is None or not parts[1] or not _server(parts[1]) or not _detached(parts[0]):
        return set()
    words = parts[0]  # the options: words after the image are the container's
    ports: set[int] = set()
    for i, w in enumerate(words):
        flag, eq, value = w.partition("=") if w.startswith("--") else (w, "", "")
        if flag in table["run_forbid"]:
            return set()
        if not eq and i + 1 < len(words):
            value = words[i + 1]
        if flag in table["network_options"] and value.startswith(tuple(table["network_forbid"])):
            return set()
        if flag in table["publish"]:
            spec = value.rsplit("/", 1)[0]
            if spec != value and not value.endswith("/tcp"):
                continue
            parts = spec.rsplit(":", 2)
            if len(parts) == 3 and parts[0] in table["bind_ips"] and parts[1].isdigit():
                ports.add(int(parts[1]))
            elif len(parts) == 2 and parts[0].isdigit() and ":" not in parts[0]:
                ports.add(int(parts[0]))
    return ports


def _server(rest: list[str]) -> bool:
    """Whether the image and command words start a database server image's own server: an image the
    table names (any tag or digest) and only server settings after it (`-c NAME=VALUE`)."""
    table = _table()
    image = rest[0].lower().split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    image = image[:len(image) - len(last)] + last.split(":", 1)[0]
    for prefix in table["image_prefixes"]:
        image = image.removeprefix(prefix)
    if image not in table["server_images"]:
        return False
    args = rest[1:]
    return len(args) % 2 == 0 and all(
        args[i] in table["server_settings"] and "=" in args[i + 1] and not args[i + 1].startswith("-")
        for i in range(0, len(args), 2))


def _detached(options: list[str]) -> bool:
    """Whether the run returns while the container keeps running (`-d`, `--detach`, `-dit`)."""
    return any(o == "--detach" or (o.startswith("-") and not o.startswith("--") and "d" in o[1:]
                                   and o[1:].isalpha() and len(o) <= 4) for o in options)


def _endpoint(cmd: Any) -> int | None:
    """The port a database client dials on this machine's loopback over TCP, or None when it dials
    anything else, or where is not known from its words alone."""
    from blastwall.analyze.shell.names import program_name
    from blastwall.environment.clients import parse_client
    from blastwall.environment.commands import Invocation
    from blastwall.environment.table import section

    if not cmd.argv or cmd.assigns or cmd.env or any(w.dynamic for w in cmd.argv):
        return None
    program = program_name(cmd.argv[0].text)
    specs = section("client")
    loopbacks: dict[str, list[str]] = _table()["clients"]
    name = next((n for n in loopbacks if program in (specs.get(n) or {}).get("programs", ())), None)
    if name is None:
        return None
    spec = specs[name]
    words = tuple(w.text for w in cmd.argv)
    inv = Invocation(argv=words, dynamic=(False,) * len(words), env=(), cwd=None, elsewhere="", source=cmd.source)
    parsed = parse_client(name, inv)
    opts = parsed.options
    if parsed.unclear or parsed.dynamic or any(o in opts for o in (*spec.get("socket_options", ()),
                                                                    *spec.get("redirect_options", ()))):
        return None
    hosts = [v for o in spec.get("host_options", ()) for v in opts.get(o, ())]
    ports = [v for o in spec.get("port_options", ()) for v in opts.get(o, ())]
    urls = [v for o in spec.get("url_options", ()) for v in opts.get(o, ())]
    for word in [v for o in spec.get("database_options", ()) for v in opts.get(o, ())] + parsed.operands[:1]:
        if "://" in word:
            urls.append(word)
        elif "=" in word:
            return None  # a conninfo string: host=, hostaddr=, service=
    for url in urls:
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
        except ValueError:
            return None
        if parts.scheme.lower() not in spec.get("uri_schemes", ()) or not host or port is None:
            return None
        hosts.append(host)
        ports.append(str(port))
    if not hosts and spec.get("default_host") not in (None, "", "socket"):
        hosts = [str(spec["default_host"])]
    if not hosts or not ports or len(set(ports)) != 1 or not ports[0].isdigit():
        return None
    if any(h.strip("[]") not in loopbacks[name] for h in hosts):
        return None
    return int(ports[0])
