"""Where a database or HTTP client connects, resolved the way the client does (evidence.toml
`[client.*]`): its options, then its variables, then its built-in default.

    client_sites("postgres", inv, finding, vars)  -> [Site(...)]   # one per server it may reach

Every host a command line gives the client counts (a conninfo's `hostaddr`, several `-h`): when
one is not on this machine, the target is not. A variable that names a server in a file
blastwall does not read (`PGSERVICE`), an option that sends the connection elsewhere (curl
`--connect-to`, mysql `--defaults-file`) or a dynamic word in a server option leaves it unknown.
"""

from __future__ import annotations

import os
import re
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from blastwall.analyze import globs
from blastwall.environment.commands import Invocation
from blastwall.environment.files import UNREAD, read_text
from blastwall.environment.hosts import where_is
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section
from blastwall.model import Finding


class Parsed(NamedTuple):
    options: dict[str, list[str]]  # option -> values (flags without a value: [""])
    operands: list[str]
    dynamic: bool  # a server-naming word is only known at run time


def parse_options(words: tuple[str, ...], dyn: tuple[bool, ...], takes_value: set[str]) -> Parsed:
    """Options and operands of a command (argv without the program), for the options in `takes_value`."""
    options: dict[str, list[str]] = {}
    operands: list[str] = []
    dynamic = False
    i = 0
    while i < len(words):
        w, d = words[i], dyn[i]
        if w == "--":
            operands.extend(words[i + 1:])
            dynamic = dynamic or any(dyn[i + 1:])
            break
        if w.startswith("--") and "=" in w:
            name, _, value = w.partition("=")
            options.setdefault(name, []).append(value)
            dynamic = dynamic or (d and name in takes_value)
        elif w in takes_value:
            value = words[i + 1] if i + 1 < len(words) else ""
            options.setdefault(w, []).append(value)
            dynamic = dynamic or (i + 1 < len(words) and dyn[i + 1])
            i += 1
        elif len(w) > 2 and w[0] == "-" and w[1] != "-" and w[:2] in takes_value:
            options.setdefault(w[:2], []).append(w[2:].lstrip("="))
            dynamic = dynamic or d
        elif w.startswith("-") and len(w) > 1:
            options.setdefault(w, []).append("")
        else:
            operands.append(w)
            dynamic = dynamic or d
        i += 1
    return Parsed(options, operands, dynamic)


def _values(parsed: Parsed, names: list[str]) -> list[str]:
    return [v for n in names for v in parsed.options.get(n, [])]


class Server(NamedTuple):
    host: str
    port: int | None
    database: str
    via: str  # "-h", "the connection string", "PGHOST (set on the command line)", "the default"


def _uri(text: str, schemes: list[str]) -> list[Server] | None:
    """Servers in a connection URI of one of `schemes` (None when `text` is not one)."""
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in schemes:
        return None
    try:
        parts = urlsplit(text)
        netloc = parts.netloc.rsplit("@", 1)[-1]
    except ValueError:
        return [Server("", None, "", "a connection string blastwall cannot read")]
    query = dict(p.partition("=")[::2] for p in parts.query.split("&") if p)
    database = unquote(parts.path.strip("/").split("/", 1)[0])
    hosts = [h for h in netloc.split(",") if h] or ([unquote(query["host"])] if query.get("host") else [])
    if query.get("hostaddr"):
        hosts.append(unquote(query["hostaddr"]))
    if not hosts:
        hosts = [""]  # postgresql:///db: libpq's default (the socket)
    out = []
    for h in hosts:
        host, port = _host_port(unquote(h))
        out.append(Server(host, port, database or query.get("dbname", ""), "the connection string"))
    return out


def _host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    return host, int(port) if port.isdigit() else None


def _conninfo(text: str) -> dict[str, str] | None:
    """A libpq `key=value ...` string (None when `text` is not one)."""
    if "=" not in text or "://" in text:
        return None
    import shlex

    try:
        pairs = [w.partition("=") for w in shlex.split(text.replace("= ", "=").replace(" =", "="))]
    except ValueError:
        return None
    if not all(sep and key.isidentifier() for key, sep, _ in pairs):
        return None
    return {key.lower(): value for key, _, value in pairs}


def client_sites(name: str, inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = section("client").get(name) or {}
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    takes = set(spec.get("value_options", [])) | {o for k in ("host_options", "port_options", "database_options",
                                                            "url_options", "socket_options", "redirect_options")
                                                for o in spec.get(k, [])}
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], takes)
    redirect = [o for o in spec.get("redirect_options", []) if o in parsed.options]
    if redirect:
        return [unknown(f"{inv.program} {redirect[0]} may send the connection to another server")]
    opaque = vars_.first(spec.get("opaque_env", []))
    if opaque:
        if opaque[1] == UNREAD:
            return [unknown(f"{opaque[0]} is {opaque[2]}")]
        return [unknown(f"{opaque[0]} is {opaque[2]}: it names a server blastwall does not read")]
    reconnect = _reconnects(name, spec, inv, parsed, finding, vars_)
    if reconnect:
        return [unknown(reconnect)]
    if name == "http":
        return _http_sites(inv, parsed)
    if name == "aws":
        return _aws_sites(spec, inv, parsed, vars_)
    if name == "sqlite":
        return _file_sites(parsed)
    if parsed.dynamic:
        return [unknown(f"{inv.program}'s server is only known when it runs (a variable or substitution)")]
    servers = _servers(name, spec, parsed, finding, vars_)
    sites = [_site(s, spec) for s in servers]
    switched = [a or b for a, b in _SWITCH.findall(finding.source)] if name == "mongo" else []
    if switched:  # db.getSiblingDB("prod") / `use prod`: the database the statement really acts on
        sites = [s._replace(names=(*((w, n) for w, n in s.names if w != "database"), ("database", db)))
                 if s.local else s for s in sites for db in switched]
    return sites


_SWITCH = re.compile(r"""getSiblingDB\(\s*["']([^"']+)["']|(?:^|[\s;])use\s+([A-Za-z0-9_.-]+)""")


def _reconnects(name: str, spec: dict[str, Any], inv: Invocation, parsed: Parsed, finding: Finding,
                vars_: Vars) -> str:
    """Why the statements may act on another server than the command names ("" when they cannot):
    a reconnect (evidence.toml `[reconnects]`) in what the client runs."""
    patterns = section("reconnects").get(name) or []
    if not patterns:
        return ""
    texts = [(finding.source, "the statement"), (inv.stdin, "the text fed to it")]
    texts += [(v, o) for o in spec.get("statement_options", []) for v in parsed.options.get(o, [])]
    files = [v for o in spec.get("file_options", []) for v in parsed.options.get(o, [])]
    if inv.stdin_file:
        files.append(inv.stdin_file)
    if not any(o in parsed.options for o in spec.get("startup_off", [])) and spec.get("startup_files"):
        env_file = vars_.get(spec.get("startup_env", ""))[0] if spec.get("startup_env") else None
        files += [env_file] if env_file else list(spec["startup_files"])
    for f in files:
        path = os.path.expanduser(f)
        if not os.path.isabs(path):
            if not inv.cwd:
                continue  # the analyzer reads what it can; an unreadable file is its finding
            path = os.path.join(inv.cwd, path)
        text = read_text(path) if os.path.isfile(path) else None
        if text is not None:
            texts.append((text, f))
    for text, where in texts:
        for pattern in patterns:
            m = re.search(pattern, text or "", re.I)
            if m:
                return f"{where} opens a connection of its own ({m.group(0).strip()}), which blastwall does not follow"
    return ""


def _option_file_host(spec: dict[str, Any], parsed: Parsed) -> Server | None:
    """The host a client's option files set (mysql reads /etc/my.cnf, ~/.my.cnf ... before its options)."""
    if any(o in parsed.options for o in spec.get("no_option_files", [])):
        return None
    found: dict[str, str] = {}
    for f in spec.get("option_files", []):
        path = os.path.expanduser(f)
        if not os.path.isfile(path):
            continue
        if path.endswith(".mylogin.cnf"):
            return Server("", None, "", f"a connection string blastwall cannot read ({f} is encrypted)")
        if not _read_option_file(path, found, 0):
            return Server("", None, "", f"a connection string blastwall cannot read ({f})")
    if found.get("socket"):
        return Server(found["socket"], None, "", f"socket= in the client's option files")
    if found.get("host"):
        return Server(found["host"], _int(found.get("port", "")), "", "host= in the client's option files")
    return None


_OPTION_SECTIONS = frozenset({"client", "mysql", "mariadb", "client-server", "client-mariadb", "mysqladmin",
                              "mysqldump", "mariadb-client"})


def _read_option_file(path: str, found: dict[str, str], depth: int) -> bool:
    text = read_text(path)
    if text is None or depth > 2:
        return False
    section_name = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("!include "):
            if not _read_option_file(line.split(None, 1)[1], found, depth + 1):
                return False
        elif line.startswith("!includedir "):
            folder = line.split(None, 1)[1]
            names = sorted(n for n in os.listdir(folder) if n.endswith(".cnf")) if os.path.isdir(folder) else []
            if not all(_read_option_file(os.path.join(folder, n), found, depth + 1) for n in names):
                return False
        elif line.startswith("[") and line.endswith("]"):
            section_name = line[1:-1].strip().lower()
        elif section_name in _OPTION_SECTIONS and "=" in line:
            key, _, value = line.partition("=")
            key = key.strip().lower().replace("_", "-")
            if key in ("host", "socket", "port"):
                found[key] = value.strip().strip("\"'")
    return True


def _servers(name: str, spec: dict[str, Any], parsed: Parsed, finding: Finding, vars_: Vars) -> list[Server]:
    schemes = spec.get("uri_schemes", [])
    explicit: list[Server] = []
    database = ""
    for value in _values(parsed, spec.get("url_options", [])):
        explicit.extend(_uri(value, schemes) or [Server(value, None, "", "a connection string blastwall cannot read")])
    for value in _values(parsed, spec.get("socket_options", [])):
        explicit.append(Server(value or "/", None, "", f"{spec.get('socket_options', ['--socket'])[0]}"))
    db_words = _values(parsed, spec.get("database_options", []))
    if spec.get("database_operand") and parsed.operands:
        db_words.insert(0, parsed.operands[0])
    for word in db_words:
        from_uri = _uri(word, schemes)
        info = _conninfo(word) if name == "postgres" else None
        if from_uri is not None:
            explicit.extend(from_uri)
        elif info is not None:
            if info.get("service"):
                return [Server("", None, "", "service= names a server in pg_service.conf, which blastwall does not read")]
            for key in ("host", "hostaddr"):
                for h in filter(None, info.get(key, "").split(",")):
                    explicit.append(Server(h, _int(info.get("port", "")), info.get("dbname", ""), f"conninfo {key}="))
            database = database or info.get("dbname", "")
        elif name == "mongo" and "/" in word:
            host, _, db = word.partition("/")
            explicit.append(Server(host.partition(":")[0], _int(host.partition(":")[2]), db, "the connection string"))
        elif not database:
            database = word
    port = _int((_values(parsed, spec.get("port_options", [])) or [""])[-1])
    for value in _values(parsed, spec.get("host_options", [])):
        if name == "mongo" and "://" in value:
            explicit.extend(_uri(value, schemes) or [])
            continue
        listed = value.split("/", 1)[-1] if name == "mongo" else value  # mongo: rs/host1,host2
        for h in filter(None, listed.split(",")):
            host, hport = _host_port(h) if name == "mongo" else (h, None)
            explicit.append(Server(host, hport or port, "", spec["host_options"][0]))
    if globs.match_any(finding.rule_id, spec.get("target_database", [])) and finding.target:
        database = finding.target.split()[-1]
    env_host = vars_.first(spec.get("host_env", []))
    if name == "postgres":  # libpq dials PGHOSTADDR whatever host name it was given
        addr = vars_.get("PGHOSTADDR")
        if addr[0]:
            explicit.append(Server(addr[0], None, "", f"PGHOSTADDR ({addr[1]})"))
    servers = explicit
    if not servers and spec.get("option_files"):
        configured = _option_file_host(spec, parsed)
        if configured is not None:
            servers = [configured]
    if not servers and env_host:
        servers = [Server(h, None, "", f"{env_host[0]} ({env_host[2]})") for h in env_host[1].split(",") if h]
    if not servers:
        servers = [Server(spec.get("default_host", ""), None, "", "its default")]
    env_port = vars_.first(spec.get("port_env", []))
    env_db = vars_.first(spec.get("database_env", []))
    out = []
    for s in servers:
        db = s.database or database or (env_db[1] if env_db else "")
        out.append(s._replace(port=s.port or port or (_int(env_port[1]) if env_port else None), database=db))
    return out


def named_by(why: str, host: str, via: str) -> str:
    """`why` with where the host came from after its name: "db (-h) is not on this machine"."""
    return f"{host} ({via}){why[len(host):]}" if why.startswith(host) else f"{why} ({via})"


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _site(server: Server, spec: dict[str, Any]) -> Site:
    host = server.host
    if host in ("socket", "") and spec.get("default_host") == "socket" and server.via == "its default":
        where = "no server is named, so it uses the local Unix socket"
        local = True
    elif server.via.startswith("a connection string") or server.via.startswith("service="):
        return unknown(server.via)
    elif host == "" and server.via == "the connection string":
        where, local = "the connection string names no host, so it uses the local Unix socket", \
            spec.get("default_host") == "socket"
    else:
        w = where_is(host)
        local = w.local
        where = named_by(w.why, host, "its default server" if server.via == "its default" else server.via)
    names = (("database", server.database),) if server.database and server.database != spec.get("default_database") \
        else ()
    site = Site(local, where, names)
    service = local_service(server.port, "") if local else None
    return site._replace(nature="local", nature_why=f"port {server.port} is {service}") if service else site


def local_service(port: int | None, path: str) -> str | None:
    """The disposable local service (evidence.toml [[service]]) at `port` and `path`, if any."""
    for row in section_rows("service"):
        ports, paths = row.get("ports", []), row.get("paths", [])
        if ports and port not in ports:
            continue
        if paths and not globs.match_any(path or "/", paths):
            continue
        if ports or (paths and path):
            return str(row["name"])
    return None


def section_rows(name: str) -> list[dict[str, Any]]:
    from blastwall.environment.table import table

    rows = table().get(name)
    return rows if isinstance(rows, list) else []


def _rc_redirect(spec: dict[str, Any], inv: Invocation) -> str:
    """The startup file (~/.curlrc, ~/.wgetrc ...) that may send the request elsewhere, or ""."""
    if inv.argv[1:2] == ("-q",) or "--disable" in inv.argv[1:2]:
        return ""  # curl -q as the first option: no .curlrc
    for f in (spec.get("rc_files") or {}).get(inv.program, []):
        path = os.path.expanduser(f)
        text = read_text(path) if os.path.isfile(path) else None
        lines = [ln for ln in (text or "").splitlines() if not ln.lstrip().startswith("#")]
        if any(re.search(p, ln, re.I) for ln in lines for p in spec.get("rc_redirects", [])):
            return f
    return ""


def _http_sites(inv: Invocation, parsed: Parsed) -> list[Site]:
    rc = _rc_redirect(section("client").get("http") or {}, inv)
    if rc:
        return [unknown(f"{rc} may send {inv.program}'s requests through a proxy or to another address")]
    urls = [w for w in parsed.operands if _looks_like_url(w)] + _values(parsed, ["--url"])
    if not urls:
        return [unknown(f"{inv.program} names no URL blastwall can read")]
    if parsed.dynamic:
        return [unknown(f"{inv.program}'s URL is only known when it runs (a variable or substitution)")]
    return [url_site(u) for u in urls]


def _looks_like_url(word: str) -> bool:
    if "://" in word:
        return word.split("://", 1)[0].lower() in ("http", "https")
    head = word.split("/", 1)[0]
    return bool(head) and ("." in head or ":" in head or head == "localhost") and not word.startswith("-") \
        and " " not in word and not head.startswith("@")


def url_site(url: str) -> Site:
    """The site of an HTTP(S) URL: its host, and a disposable local service at its port and path."""
    text = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(text)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return unknown(f"{url} is not a URL blastwall can read")
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    w = where_is(host)
    site = Site(w.local, w.why)
    if w.local:
        service = local_service(port, parts.path)
        if service:
            return site._replace(nature="local", nature_why=f"{parts.netloc}{parts.path} is {service}")
    return site


def _aws_sites(spec: dict[str, Any], inv: Invocation, parsed: Parsed, vars_: Vars) -> list[Site]:
    if inv.program in spec.get("local_programs", []):
        return [Site(True, f"{inv.program} always calls LocalStack on this machine", nature="local",
                     nature_why="LocalStack is a local AWS emulator")]
    urls = _values(parsed, spec.get("url_options", []))
    if not urls:
        found = vars_.first(spec.get("url_env", []))
        if found:
            urls = [found[1]]
    if not urls:
        return [unknown("it calls AWS itself (no --endpoint-url names a local emulator)")]
    if parsed.dynamic:
        return [unknown("its --endpoint-url is only known when it runs")]
    return [url_site(u) for u in urls]


def _file_sites(parsed: Parsed) -> list[Site]:
    if parsed.dynamic or not parsed.operands:
        return [unknown("the database file is not named")]
    path = parsed.operands[0]
    import os

    stem = os.path.basename(path).split(".", 1)[0]
    return [Site(True, f"{path} is a database file on this machine", (("database file", stem),) if stem else ())]
