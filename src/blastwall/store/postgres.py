"""The team store: PostgreSQL (`BLASTWALL_DATABASE_URL=postgresql://...`), shared by agents on
many hosts and by several `blastwall serve` instances behind a load balancer. Audit appends take
a transaction-scoped advisory lock so the hash chain stays one chain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from blastwall.store.base import SCHEMA_VERSION, Store, StoreError, schema_statements

AUDIT_LOCK_KEY = 0x626C61737477616C  # "blastwal"
SCHEMA_LOCK_KEY = AUDIT_LOCK_KEY + 1
CONNECT_TIMEOUT_S = 5


class PostgresStore(Store):
    backend = "postgres"
    _param = "%s"
    _contains_sql = "strpos(data, ?) > 0"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self._psycopg = psycopg
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                         application_name="blastwall")
            self._ensure_schema()
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the blastwall store on PostgreSQL ({_first_line(exc)}); check "
                             "BLASTWALL_DATABASE_URL") from exc

    def _ensure_schema(self) -> None:
        if self._schema_current():
            return  # the common case, one round trip: every hook process opens the store
        with self._transaction(write=True) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
            cur.execute("CREATE TABLE IF NOT EXISTS bw_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = cur.execute("SELECT value FROM bw_meta WHERE key = 'schema_version'").fetchone()
            if row and int(row[0]) == SCHEMA_VERSION:
                return
            for stmt in schema_statements():
                cur.execute(stmt)
            cur.execute("INSERT INTO bw_meta (key, value) VALUES ('schema_version', %s) ON CONFLICT (key) DO UPDATE "
                        "SET value = excluded.value", (str(SCHEMA_VERSION),))

    def _schema_current(self) -> bool:
        try:
            row = self._conn.execute("SELECT value FROM bw_meta WHERE key = 'schema_version'").fetchone()
        except self._psycopg.errors.UndefinedTable:
            return False  # a new database: the locked path below creates everything
        return row is not None and str(row[0]) == str(SCHEMA_VERSION)

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Any]:
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield cur
        except self._psycopg.Error as exc:
            raise StoreError(f"blastwall store error ({_first_line(exc)})") from exc

    def _lock_audit(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (AUDIT_LOCK_KEY,))

    def close(self) -> None:
        self._conn.close()


def _first_line(exc: BaseException) -> str:
    from blastwall.redact import redact

    return redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)[:200]
