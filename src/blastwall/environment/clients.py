"""Where a database or HTTP client connects, resolved the way the client does (evidence.toml
`[client.*]`): its options, then its variables, then its built-in default.

    client_sites("postgres", inv, finding, vars)  -> [Site(...)]   # one per server it may reach

Every host a command line gives the client counts (a conninfo's `hostaddr`, several `-h`): when
one is not on this machine, the target is not. A variable that names a server in a file
blastwall does not read (`PGSERVICE`), an option that sends the connection elsewhere (curl
`--connect-to`, mysql `--defaults-file`) or a dynamic word in a server option leaves it unknown.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from blastwall import rx
from blastwall.analyze import globs
from blastwall.environment.commands import Invocation
from blastwall.environment.files import UNREAD, note, read_text
from blastwall.environment.hosts import where_is
from blastwall.environment.options import Parsed, parse_options
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.statements import Script
from blastwall.environment.table import section
from blastwall.model import Finding


def _values(parsed: Parsed, names: list[str]) -> list[str]:
    return [v for n in names for v in parsed.options.get(n, [])]


class Server(NamedTuple):
    host: str
    port: int | None
    database: str
    via: str  # "-h", "the connection string", "PGHOST (set on the command line)", "the default"


LIBPQ_SCHEMES = ("postgres", "postgresql")


def _uri(text: str, schemes: list[str]) -> list[Server] | None:
    """Servers in a connection URI of one of `schemes` (None when `text` is not one). libpq reads
    the query after the path: `?host=`, `?hostaddr=`, `?dbname=`, `?service=` replace what the
    URI's other parts say (`postgresql://localhost/x?host=db` dials db)."""
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in schemes:
        return None
    if scheme.lower().endswith("+srv"):
        return [Server("", None, "", "a connection string whose servers DNS lists (+srv), which blastwall does not "
                                     "look up")]
    try:
        parts = urlsplit(text)
        netloc = parts.netloc.rsplit("@", 1)[-1]
    except ValueError:
        return [Server("", None, "", "a connection string blastwall cannot read")]
    query = {unquote(k): unquote(v) for k, _, v in (p.partition("=") for p in parts.query.split("&") if p)}
    libpq = scheme.lower() in LIBPQ_SCHEMES
    if libpq and query.get("service"):
        return [Server("", None, "", "service= names a server in pg_service.conf, which blastwall does not read")]
    database = unquote(parts.path.strip("/").split("/", 1)[0])
    if libpq and query.get("dbname"):
        database = query["dbname"]
    hosts = [unquote(h) for h in netloc.split(",") if h]
    if query.get("host") and (libpq or not hosts):
        hosts = [h for h in query["host"].split(",") if h]
    if query.get("hostaddr"):
        hosts += [h for h in query["hostaddr"].split(",") if h]
    if not hosts:
        hosts = [""]  # postgresql:///db: libpq's default (the socket)
    port_q = query.get("port", "") if libpq else ""
    out = []
    for h in hosts:
        host, port = _host_port(h)
        out.append(Server(host, port or _int(port_q.split(",")[0]), database or query.get("dbname", ""),
                          "the connection string"))
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


_SERVER_KEYS = ("host_options", "port_options", "database_options", "url_options", "socket_options",
                "redirect_options", "statement_options", "file_options")


class Grammar(NamedTuple):
    takes: frozenset[str]  # options that take a value
    known: tuple[str, ...]  # long options a prefix may stand for (sorted; empty: no abbreviations)
    matters: frozenset[str]  # options that say where it connects
    bundles: bool


@functools.cache
def grammar(name: str, program: str) -> Grammar:
    """How client `name`'s `program` reads its options (evidence.toml: `abbreviations` for
    getopt_long and my_getopt, `short_bundles`; an HTTP client's own table from the analyzer's)."""
    spec = section("client").get(name) or {}
    takes = set(spec.get("value_options", [])) | {o for k in _SERVER_KEYS for o in spec.get(k, [])}
    known: set[str] = set(spec.get("flag_options", []))
    table_name = (spec.get("grammars") or {}).get(program)
    if table_name:
        from blastwall.analyze.ruleset import load_table

        table = load_table("clients")[table_name]
        takes |= set(table.get("long_values", [])) | {f"-{c}" for c in str(table.get("short_values", ""))}
        known |= set(table.get("long_flags", []))
    matters = frozenset(o for k in _SERVER_KEYS for o in spec.get(k, []))
    long = tuple(sorted(o for o in known | takes if o.startswith("--"))) if spec.get("abbreviations") else ()
    return Grammar(frozenset(takes), long, matters, bool(spec.get("short_bundles", True)))


def parse_client(name: str, inv: Invocation) -> Parsed:
    """`inv`'s options as client `name` reads them."""
    g = grammar(name, inv.program)
    return parse_options(inv.argv[1:], inv.dynamic[1:], g.takes, known=g.known, matters=g.matters, bundles=g.bundles)


def client_sites(name: str, inv: Invocation, finding: Finding, vars_: Vars) -> list[Site]:
    spec = section("client").get(name) or {}
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    parsed = parse_client(name, inv)
    if parsed.unclear:
        return [unknown(f"{inv.program} {parsed.unclear} may stand for more than one option, one of which says "
                        "where it connects")]
    redirect = [o for o in spec.get("redirect_options", []) if o in parsed.options]
    if redirect:
        return [unknown(f"{inv.program} {redirect[0]} may send the connection to another server")]
    opaque = vars_.first(spec.get("opaque_env", []))
    if opaque:
        if opaque[1] == UNREAD:
            return [unknown(f"{opaque[0]} is {opaque[2]}")]
        return [unknown(f"{opaque[0]} is {opaque[2]}: it names a server blastwall does not read")]
    script = Script.of(name, spec, inv, parsed, finding, vars_) if spec.get("carries_sql") or \
        section("reconnects").get(name) else None
    reconnect = script.reconnect(name) if script else ""
    if reconnect:
        return [unknown(reconnect)]
    if name == "http":
        return _http_sites(inv, parsed, vars_)
    if name == "aws":
        return _aws_sites(spec, inv, parsed, vars_)
    if name == "sqlite":
        return _file_sites(parsed)
    if parsed.dynamic:
        return [unknown(f"{inv.program}'s server is only known when it runs (a variable or substitution)")]
    servers = _servers(name, spec, parsed, finding, vars_)
    sites = [_site(s, spec) for s in servers]
    switched = script.databases(name) if script else []
    if switched:  # `use prod`, getSiblingDB("prod"): the databases the statements really act on
        sites = [s._replace(names=(*((w, n) for w, n in s.names if w != "database"), ("database", db)))
                 if s.local else s for s in sites for db in switched]
    return sites


def _option_file_host(spec: dict[str, Any], parsed: Parsed) -> Server | None:
    """The host a client's option files set (mysql reads /etc/my.cnf, ~/.my.cnf ... before its options)."""
    if any(o in parsed.options for o in spec.get("no_option_files", [])):
        return None
    found: dict[str, str] = {}
    for f in spec.get("option_files", []):
        path = os.path.expanduser(f)
        note(path)
        if not os.path.isfile(path):
            continue
        if path.endswith(".mylogin.cnf"):
            return Server("", None, "", f"a connection string blastwall cannot read ({f} is encrypted)")
        if not _read_option_file(path, found, 0):
            return Server("", None, "", f"a connection string blastwall cannot read ({f})")
    if found.get("socket"):
        return Server(found["socket"], None, "", "socket= in the client's option files")
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
    databases: list[str] = []  # every database the words name: the client takes one, blastwall counts each
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
            if info.get("dbname"):
                databases.append(info["dbname"])
        elif name == "mongo" and "/" in word:
            host, _, db = word.partition("/")
            explicit.append(Server(host.partition(":")[0], _int(host.partition(":")[2]), db, "the connection string"))
        elif word:
            databases.append(word)
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
        databases = [finding.target.split()[-1]]
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
    fallback = list(dict.fromkeys(databases)) or [env_db[1] if env_db else ""]
    out = []
    for s in servers:
        for db in ([s.database] if s.database else fallback):
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
    service = local_service(server.port, "", str(spec.get("protocol", ""))) if local else None
    return site._replace(nature="local", nature_why=f"port {server.port} is {service}") if service else site


def local_service(port: int | None, path: str, protocol: str = "http") -> str | None:
    """The disposable local service (evidence.toml [[service]]) at `port` and `path` that speaks
    `protocol`, if any: a PostgreSQL client on port 10000 is not talking to Azurite."""
    for row in section_rows("service"):
        ports, paths = row.get("ports", []), row.get("paths", [])
        if protocol not in row.get("protocols", ["http"]):
            continue
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


def _rc_redirect(spec: dict[str, Any], inv: Invocation, vars_: Vars) -> str:
    """The startup file (~/.curlrc, $XDG_CONFIG_HOME/curlrc, ~/.wgetrc ...) that may send the
    request elsewhere, or ""."""
    if inv.argv[1:2] == ("-q",) or "--disable" in inv.argv[1:2]:
        return ""  # curl -q as the first option: no .curlrc
    for f in (spec.get("rc_files") or {}).get(inv.program, []):
        if f.startswith("$"):
            name, _, rest = f[1:].partition("/")
            base = vars_.get(name)[0]
            if not base:
                continue
            if UNREAD in base:
                return f"${name}"
            f = os.path.join(base, rest)
        path = os.path.expanduser(f)
        note(path)
        text = read_text(path) if os.path.isfile(path) else None
        lines = [ln for ln in (text or "").splitlines() if not ln.lstrip().startswith("#")]
        if any(re.search(p, ln, re.I) for ln in lines for p in spec.get("rc_redirects", [])):
            return f
    return ""


def _http_sites(inv: Invocation, parsed: Parsed, vars_: Vars) -> list[Site]:
    rc = _rc_redirect(section("client").get("http") or {}, inv, vars_)
    if rc:
        return [unknown(f"{rc} may send {inv.program}'s requests through a proxy or to another address")]
    urls = [w for w in parsed.operands if _looks_like_url(w)] + _values(parsed, ["--url"])
    if not urls:
        return [unknown(f"{inv.program} names no URL blastwall can read")]
    if parsed.dynamic:
        return [unknown(f"{inv.program}'s URL is only known when it runs (a variable or substitution)")]
    from blastwall.environment.test_keys import header_credentials

    keys = [u.partition(":")[0] for u in _values(parsed, ["-u", "--user"])] + _values(parsed, ["--oauth2-bearer"])
    keys += header_credentials(_values(parsed, ["-H", "--header"]))
    return [url_site(u, keys) for u in urls]


def _looks_like_url(word: str) -> bool:
    if "://" in word:
        return word.split("://", 1)[0].lower() in ("http", "https")
    head = word.split("/", 1)[0]
    return bool(head) and ("." in head or ":" in head or head == "localhost") and not word.startswith("-") \
        and " " not in word and not head.startswith("@")


def url_site(url: str, keys: list[str] | None = None) -> Site:
    """The site of an HTTP(S) URL: its host, and a disposable local service at its port and path;
    `keys`, the credentials the request carries (a provider's test-mode key: environment/test_keys.py)."""
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
    else:
        sandbox = provider_sandbox(host)
        if sandbox:
            return site._replace(nature="test", nature_why=f"{host} is {sandbox}, kept apart from live data")
        if keys:
            from blastwall.environment.test_keys import shown, test_mode

            mode = test_mode(host, keys)
            if mode:
                return site._replace(nature="test", nature_why=f"the request to {host} authenticates with a "
                                     f"{shown(mode)} key: {mode}, kept apart from live data")
    return site


def provider_sandbox(host: str) -> str | None:
    """The provider sandbox (evidence.toml [[sandbox]]) `host` belongs to, if any."""
    low = host.lower().rstrip(".")
    for row in section_rows("sandbox"):
        if globs.match_any(low, row.get("hosts", [])):
            return str(row["name"])
    return None


def _aws_sites(spec: dict[str, Any], inv: Invocation, parsed: Parsed, vars_: Vars) -> list[Site]:
    """The endpoint the AWS CLI calls: `--endpoint-url`, else (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
    a service's AWS_ENDPOINT_URL_<SERVICE>, which wins over AWS_ENDPOINT_URL; none: AWS itself."""
    if inv.program in spec.get("local_programs", []):
        return [Site(True, f"{inv.program} always calls LocalStack on this machine", nature="local",
                     nature_why="LocalStack is a local AWS emulator")]
    urls = _values(parsed, spec.get("url_options", []))
    if not urls:
        ignore = (vars_.get(spec.get("ignore_env", ""))[0] or "").lower()
        if ignore in ("true", "1", "yes") or ignore == UNREAD.lower():
            return [unknown(f"{spec['ignore_env']} makes it call AWS itself")]
        names = [n for n in _names(vars_) if n.startswith(spec.get("service_env_prefix", "\0"))]
        found = [vars_.get(n)[0] for n in names]
        urls = [u for u in found if u]
        global_url = vars_.first(spec.get("url_env", []))
        if global_url:
            urls.append(global_url[1])
    if not urls:
        return [unknown("it calls AWS itself (no --endpoint-url names a local emulator)")]
    if parsed.dynamic or any(UNREAD in u for u in urls):
        return [unknown("its endpoint is only known when it runs")]
    return [url_site(u) for u in urls]


def _names(vars_: Vars) -> list[str]:
    """Every variable the program may see (set on the line or in the environment)."""
    return list(dict.fromkeys([k for k, _ in vars_.line if k.isidentifier()] + list(vars_.process)))


_REACHES_FILE = rx.compile(r"(?i)attach|\.(?:open|restore|read|import|load|clone|recover)\b|^-init$|^-?-?cmd$")


def _file_sites(parsed: Parsed) -> list[Site]:
    if parsed.dynamic or not parsed.operands:
        return [unknown("the database file is not named")]
    path = parsed.operands[0]
    import os

    sql = parsed.operands[1:]
    given = [*sql, *(v for _, v in parsed.order), *parsed.options]
    if path == ":memory:" and sql and not any(_REACHES_FILE.search(w) for w in given):
        # an in-memory database lives and dies with this one process: what its SQL deletes, the same
        # SQL made (ATTACH, `.open`, `.restore`, `.read`, `-init` would reach a file: not here)
        return [Site(True, ":memory: is an in-memory database that ends with the command", nature="local",
                     nature_why="nothing in it outlives the command")]
    stem = os.path.basename(path).split(".", 1)[0]
    return [Site(True, f"{path} is a database file on this machine", (("database file", stem),) if stem else ())]
