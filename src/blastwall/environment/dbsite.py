"""A database server named by a framework's config: a URL, or host/port/database keys."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from blastwall.environment.files import UNREAD
from blastwall.environment.hosts import where_is
from blastwall.environment.site import Site, unknown

SQLITE_SCHEMES = ("sqlite", "sqlite3", "file")


def from_url(url: str, via: str, names: tuple[tuple[str, str], ...] = ()) -> Site:
    """The site of a database URL (`postgres://u@host:5432/db`, `sqlite3:db/test.sqlite3`, `file:./dev.db`)."""
    if UNREAD in url or not url.strip():
        return unknown(f"{via} is only known when the app runs")
    scheme = url.split(":", 1)[0].lower()
    if scheme.split("+", 1)[0] in SQLITE_SCHEMES:  # SQLAlchemy names the driver too: sqlite+aiosqlite:///x.db
        path = url.split(":", 1)[1].removeprefix("//")
        return file_site(path, via, names)
    if "://" not in url or any(c in url for c in "$`"):  # `$PROD_URL`: a value the shell fills in, not a URL
        return unknown(f"{via} is not a URL blastwall can read ({url[:60]})")
    try:
        parts = urlsplit(url)
        hosts = [h for h in parts.netloc.rsplit("@", 1)[-1].split(",") if h]
    except ValueError:
        return unknown(f"{via} is not a URL blastwall can read")
    database = unquote(parts.path.strip("/").split("/", 1)[0])
    query = {unquote(k): unquote(v) for k, _, v in (p.partition("=") for p in parts.query.split("&") if p)}
    if scheme.endswith("+srv"):
        return unknown(f"{via} lists its servers in DNS (+srv), which blastwall does not look up")
    if query.get("service"):
        return unknown(f"{via} names service={query['service']}, a server in pg_service.conf blastwall does not read")
    database = query.get("dbname") or database  # libpq: the query's dbname replaces the path's
    for key in ("host", "hostaddr"):  # libpq dials these whatever the authority says: each one counts
        hosts += [h for h in query.get(key, "").split(",") if h]
    named = (*names, ("database", database)) if database else names
    if not hosts:
        return Site(True, f"{via} names no host, so it uses the local Unix socket", named)
    from blastwall.environment.clients import local_service

    sites = []
    for h in hosts:
        host, _, port = h.rpartition(":") if h.count(":") == 1 else (h, "", "")
        w = where_is(unquote(host))
        site = Site(w.local, f"{via}: {w.why}", named)
        service = local_service(int(port), "", _protocol(scheme)) if w.local and port.isdigit() else None
        sites.append(site._replace(nature="local", nature_why=f"port {port} is {service}") if service else site)
    bad = [s for s in sites if not s.local]
    return bad[0] if bad else sites[0]


def _protocol(scheme: str) -> str:
    """The wire protocol of a URL scheme, as evidence.toml [[service]] `protocols` name it."""
    base = scheme.lower().split("+", 1)[0]
    return {"postgresql": "postgres", "mariadb": "mysql", "mongodb": "mongo", "rediss": "redis"}.get(base, base)


def from_keys(host: str | None, database: str | None, via: str, names: tuple[tuple[str, str], ...] = (),
              default_host: str = "socket", lookup: Callable[[str], str | None] | None = None) -> Site:
    """The site of a config's `host` and `database` keys. No host means the client's default:
    for libpq, PGHOSTADDR / PGHOST / PGSERVICE as the app will see them (`lookup`), else the socket."""
    if (host and UNREAD in host) or (database and UNREAD in database):
        return unknown(f"{via} is only known when the app runs")
    named = (*names, ("database", database)) if database else names
    if not host and default_host == "socket" and lookup is not None:
        if lookup("PGSERVICE"):
            return unknown(f"{via} names no host and PGSERVICE names a server blastwall does not read")
        for name in ("PGHOSTADDR", "PGHOST"):
            value = lookup(name)
            if value:
                w = where_is(value) if UNREAD not in value else where_is("")
                return Site(w.local, f"{via} names no host, so {name}: {w.why}", named)
    if not host:
        if default_host == "socket":
            return Site(True, f"{via} names no host, so it uses the local Unix socket", named)
        host = default_host
    w = where_is(host)
    return Site(w.local, f"{via}: {w.why}", named)


def in_memory(path: str) -> bool:
    """A SQLite database that is no file: `:memory:` (`sqlite::memory:`, `sqlite:///:memory:`,
    `file::memory:?cache=shared`) or a URI's `mode=memory`. It exists only in the process that opens it."""
    name, _, query = path.partition("?")
    return name in (":memory:", "/:memory:") or ("mode=memory" in query.split("&") and bool(name) and "/" not in name)


def file_site(path: str, via: str, names: tuple[tuple[str, str], ...] = ()) -> Site:
    """A SQLite database: a file on this machine wherever its folder is; its name may say test.
    One in memory is the command's own scratch: it is made empty when the process opens it."""
    if in_memory(path):
        return Site(True, f"{via} is an in-memory SQLite database ({path})", names, nature="test",
                    nature_why="it exists only in the process that opens it, which starts it empty")
    base = os.path.basename(path)
    if UNREAD in base:
        return unknown(f"{via} is only known when the app runs")
    stem = base.split(".", 1)[0]
    shown = base if UNREAD in path else path
    named = (*names, ("database file", stem)) if stem and stem != ":memory:" else names
    return Site(True, f"{via} is a database file on this machine ({shown})", named)
