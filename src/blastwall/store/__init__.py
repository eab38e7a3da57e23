"""The store: approval requests, grants, the audit chain and shared settings.

    from blastwall.store import open_store
    store = open_store()          # BLASTWALL_DATABASE_URL, else the embedded SQLite file

`sqlite:///path` opens (and creates) an SQLite file; `postgresql://...` (or `postgres://`)
connects to PostgreSQL. Both implement `blastwall.store.base.Store`.
"""

from __future__ import annotations

from blastwall.store.base import AuditRow, GrantRow, Request, Store, StoreError

__all__ = ["AuditRow", "GrantRow", "Request", "Store", "StoreError", "open_store"]


def open_store(url: str | None = None) -> Store:
    from blastwall.locations import default_database_url

    url = url or default_database_url()
    if url.startswith("sqlite:///"):
        from blastwall.store.sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        from blastwall.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StoreError(f"unsupported store URL {url.split(':', 1)[0]!r}; use sqlite:///PATH or postgresql://...")
