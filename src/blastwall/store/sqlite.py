"""The embedded store: one SQLite file (created 0600 on first use), safe under many concurrent
hook processes (WAL journal, `BEGIN IMMEDIATE` for every write, a busy timeout)."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from blastwall.store.base import SCHEMA_VERSION, Store, StoreError, schema_statements

BUSY_TIMEOUT_S = 15.0


class SQLiteStore(Store):
    backend = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))
        self.url = "sqlite:///" + self.path
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if not os.path.exists(self.path):  # create it private before SQLite does (its -wal/-shm copy the mode)
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                         check_same_thread=False)
            self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if self._conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self._create()
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the blastwall store at {self.path} ({exc}); check that the folder is "
                             "writable, or set BLASTWALL_DATABASE_URL") from exc

    def _create(self) -> None:
        """Switch to WAL and create the schema; safe when several processes open a new store at
        once. Changing the journal mode takes an exclusive lock and SQLite does not wait for it
        (the busy timeout does not apply), so that step retries until the timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.04)
        with self._transaction(write=True) as cur:
            if cur.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return  # another process created it meanwhile
            for stmt in schema_statements():
                cur.execute(stmt)
            cur.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Any]:
        cur = self._conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield cur
            cur.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise StoreError(f"blastwall store error ({exc})") from exc
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def _lock_audit(self, cur: Any) -> None:
        pass  # BEGIN IMMEDIATE already holds the database's write lock

    def close(self) -> None:
        self._conn.close()
