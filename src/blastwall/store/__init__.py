"""The store: approval requests, grants, the audit chain and shared settings.

    from blastwall.store import open_store
    store = open_store()          # BLASTWALL_DATABASE_URL, else the embedded SQLite file

`sqlite:///path` opens (and creates) an SQLite file; `postgresql://...` (or `postgres://`)
connects to PostgreSQL. Both implement `blastwall.store.base.Store`.
"""

from __future__ import annotations

from blastwall.store.base import AuditRow, GrantRow, Request, Store, StoreError

__all__ = ["AuditRow", "GrantRow", "Request", "Store", "StoreError", "keep_open", "open_store"]

# A long-lived warm worker of the daemon checks call after call: it keeps one SQLite connection
# per store file instead of opening one per call (keep_open). Keyed by URL and by the file's
# identity, so a store file that was removed or replaced is opened afresh.
_kept: dict[str, tuple[tuple[int, int], Store]] | None = None


def keep_open() -> None:
    """From now on, in this process, `open_store` hands out one SQLite store per file and its
    `close()` keeps it open. Only for a process that serves many checks (the daemon's workers)."""
    global _kept
    _kept = {}


def open_store(url: str | None = None) -> Store:
    from blastwall.locations import default_database_url

    url = url or default_database_url()
    if _kept is not None and url.startswith("sqlite:///"):
        return _kept_store(url)
    return _open(url)


def _kept_store(url: str) -> Store:
    import os

    assert _kept is not None
    try:
        st = os.stat(url[len("sqlite:///"):])
        ident = (st.st_dev, st.st_ino)
    except OSError:
        ident = (-1, -1)
    kept = _kept.get(url)
    if kept is not None and kept[0] == ident and ident != (-1, -1):
        return kept[1]
    if kept is not None:
        kept[1].__dict__.pop("close", None)
        kept[1].close()
    store = _open(url)
    try:
        st = os.stat(url[len("sqlite:///"):])
        ident = (st.st_dev, st.st_ino)
    except OSError:
        return store  # not kept: it will be looked for again
    store.close = lambda: None  # type: ignore[method-assign]
    _kept[url] = (ident, store)
    return store


def _open(url: str) -> Store:
    if url.startswith("sqlite:///"):
        from blastwall.store.sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        from blastwall.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"unsupported store URL {url.split(':', 1)[0]!r}; use sqlite:///PATH or postgresql://...")
