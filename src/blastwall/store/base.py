"""The store's interface: approval requests, signed grants and the audit chain.

One class, two backends (`sqlite.py`, `postgres.py`) that differ only in how they connect,
how they take the audit append lock and their parameter style. Every method is one short
transaction; nothing here trusts a row for a decision: a grant only counts after its
signature verifies (approvals/grants.py), and the audit chain is checked by audit/log.py.

Concurrency contract (tested on both backends with many processes):
- `consume_grant` is an atomic compare-and-set: of two processes using the same grant, exactly
  one gets True.
- `append_audit` serializes appends so that every entry chains to the one before it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

SCHEMA_VERSION = 1

PENDING, APPROVED, DENIED, USED, EXPIRED = "pending", "approved", "denied", "used", "expired"


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says what to fix."""


class Request(NamedTuple):
    """An approval request: what an agent wanted to do and why blastwall stopped it."""

    id: str
    digest: str
    surface: str
    summary: str  # one line, redacted
    actions: tuple[dict[str, Any], ...]  # redacted canonical actions
    findings: tuple[dict[str, Any], ...]
    reasons: tuple[str, ...]
    agent: str | None
    session: str | None
    cwd: str | None
    environment: str | None
    required: int  # approvals needed
    created_at: float
    expires_at: float
    status: str = PENDING
    decided_by: str | None = None
    decided_at: float | None = None
    note: str | None = None  # the approver's or denier's reason
    radius: dict[str, Any] | None = None  # pre-flight / blast-radius facts shown to the approver

    def open(self, now: float | None = None) -> bool:
        return self.status in (PENDING, APPROVED) and (now or time.time()) < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        d = self._asdict()
        d["actions"], d["findings"], d["reasons"] = list(self.actions), list(self.findings), list(self.reasons)
        return d


class GrantRow(NamedTuple):
    """A stored grant: the signed payload (JSON text) and its signature, plus use bookkeeping.

    The columns beside `payload` exist for look-ups only; the verifier reads the payload."""

    nonce: str
    request_id: str | None
    digest: str | None
    scope: str  # "once" | "window"
    payload: str
    signature: str
    key_id: str
    approver: str
    created_at: float
    expires_at: float
    used_at: float | None = None
    used_by: str | None = None


class AuditRow(NamedTuple):
    seq: int
    ts: float
    kind: str
    ref: str | None
    data: str  # canonical JSON text, redacted before it was written
    prev: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts": self.ts, "kind": self.kind, "ref": self.ref, "data": json.loads(self.data),
                "prev": self.prev, "hash": self.hash}


_REQUEST_COLS = ("id", "digest", "surface", "summary", "actions", "findings", "reasons", "agent", "session", "cwd",
                 "environment", "required", "created_at", "expires_at", "status", "decided_by", "decided_at", "note",
                 "radius")
_GRANT_COLS = GrantRow._fields
_AUDIT_COLS = AuditRow._fields
_JSON_COLS = {"actions", "findings", "reasons", "radius"}


def _request_from(row: Sequence[Any]) -> Request:
    values = dict(zip(_REQUEST_COLS, row, strict=True))
    for key in _JSON_COLS:
        raw = values[key]
        values[key] = json.loads(raw) if raw is not None else None
    values["actions"] = tuple(values["actions"] or ())
    values["findings"] = tuple(values["findings"] or ())
    values["reasons"] = tuple(values["reasons"] or ())
    values["required"] = int(values["required"])
    return Request(**values)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class Store:
    """Backend-independent queries. Subclasses provide `_connect`, `_transaction`, `_lock_audit`.

    SQL is written with `?` placeholders; backends with another style set `_param`."""

    url: str = ""
    _param = "?"
    _contains_sql = "instr(data, ?) > 0"  # the backend's substring test over the audit data
    backend = ""

    # --- backend hooks -----------------------------------------------------------------------

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _lock_audit(self, cur: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sql(self, text: str) -> str:
        return text if self._param == "?" else text.replace("?", self._param)

    def _run(self, cur: Any, text: str, params: Sequence[Any] = ()) -> Any:
        cur.execute(self._sql(text), tuple(params))
        return cur

    # --- requests ----------------------------------------------------------------------------

    def add_request(self, req: Request) -> None:
        values = [(_dumps(getattr(req, c)) if c in _JSON_COLS and getattr(req, c) is not None else getattr(req, c))
                  for c in _REQUEST_COLS]
        values[_REQUEST_COLS.index("actions")] = _dumps(list(req.actions))
        values[_REQUEST_COLS.index("findings")] = _dumps(list(req.findings))
        values[_REQUEST_COLS.index("reasons")] = _dumps(list(req.reasons))
        marks = ",".join("?" for _ in _REQUEST_COLS)
        with self._transaction(write=True) as cur:
            self._run(cur, f"INSERT INTO bw_requests ({','.join(_REQUEST_COLS)}) VALUES ({marks})", values)

    def get_request(self, request_id: str) -> Request | None:
        with self._transaction() as cur:
            row = self._run(cur, f"SELECT {','.join(_REQUEST_COLS)} FROM bw_requests WHERE id = ?", (request_id,)).fetchone()
        return _request_from(row) if row else None

    def open_request_for(self, digest: str, now: float | None = None) -> Request | None:
        """The newest request for `digest` that is still pending or approved and not expired."""
        now = now or time.time()
        with self._transaction() as cur:
            row = self._run(cur, f"SELECT {','.join(_REQUEST_COLS)} FROM bw_requests WHERE digest = ? AND "
                                 "status IN ('pending', 'approved') AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
                            (digest, now)).fetchone()
        return _request_from(row) if row else None

    def latest_request_for(self, digest: str) -> Request | None:
        with self._transaction() as cur:
            row = self._run(cur, f"SELECT {','.join(_REQUEST_COLS)} FROM bw_requests WHERE digest = ? "
                                 "ORDER BY created_at DESC LIMIT 1", (digest,)).fetchone()
        return _request_from(row) if row else None

    def list_requests(self, *, status: Sequence[str] | None = None, limit: int = 100, now: float | None = None,
                      include_expired: bool = False) -> list[Request]:
        now = now or time.time()
        where: list[str] = []
        params: list[Any] = []
        if isinstance(status, str):
            status = (status,)
        if status:
            where.append(f"status IN ({','.join('?' for _ in status)})")
            params.extend(status)
        if not include_expired:
            where.append("expires_at > ?")
            params.append(now)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._transaction() as cur:
            rows = self._run(cur, f"SELECT {','.join(_REQUEST_COLS)} FROM bw_requests {clause} "
                                  f"ORDER BY created_at DESC LIMIT {int(limit)}", params).fetchall()
        return [_request_from(r) for r in rows]

    def set_request_status(self, request_id: str, status: str, *, by: str | None = None, note: str | None = None,
                           only_from: Sequence[str] = (PENDING, APPROVED)) -> bool:
        """Move a request to `status` if it is in one of `only_from`; True when it moved."""
        if isinstance(only_from, str):
            only_from = (only_from,)
        if not only_from:
            return False  # from no state: nothing moves (and `IN ()` is not SQL everywhere)
        marks = ",".join("?" for _ in only_from)
        with self._transaction(write=True) as cur:
            cur = self._run(cur, f"UPDATE bw_requests SET status = ?, decided_by = COALESCE(?, decided_by), "
                                 f"decided_at = ?, note = COALESCE(?, note) WHERE id = ? AND status IN ({marks})",
                            (status, by, time.time(), note, request_id, *only_from))
            return bool(cur.rowcount == 1)

    # --- grants ------------------------------------------------------------------------------

    def add_grant(self, grant: GrantRow) -> None:
        marks = ",".join("?" for _ in _GRANT_COLS)
        with self._transaction(write=True) as cur:
            self._run(cur, f"INSERT INTO bw_grants ({','.join(_GRANT_COLS)}) VALUES ({marks})", list(grant))

    def grants_for(self, digest: str) -> list[GrantRow]:
        """Unused once-grants stored for `digest` (rows only: the caller verifies each)."""
        with self._transaction() as cur:
            rows = self._run(cur, f"SELECT {','.join(_GRANT_COLS)} FROM bw_grants WHERE digest = ? AND scope = 'once' "
                                  "AND used_at IS NULL ORDER BY created_at", (digest,)).fetchall()
        return [GrantRow(*r) for r in rows]

    def grants_for_request(self, request_id: str) -> list[GrantRow]:
        with self._transaction() as cur:
            rows = self._run(cur, f"SELECT {','.join(_GRANT_COLS)} FROM bw_grants WHERE request_id = ? ORDER BY created_at",
                             (request_id,)).fetchall()
        return [GrantRow(*r) for r in rows]

    def window_grants(self, now: float | None = None) -> list[GrantRow]:
        with self._transaction() as cur:
            rows = self._run(cur, f"SELECT {','.join(_GRANT_COLS)} FROM bw_grants WHERE scope = 'window' AND expires_at > ? "
                                  "ORDER BY created_at", (now or time.time(),)).fetchall()
        return [GrantRow(*r) for r in rows]

    def consume_grant(self, nonce: str, used_by: str) -> bool:
        """Mark a once-grant used. Atomic: of two callers exactly one gets True."""
        with self._transaction(write=True) as cur:
            cur = self._run(cur, "UPDATE bw_grants SET used_at = ?, used_by = ? WHERE nonce = ? AND used_at IS NULL",
                            (time.time(), used_by[:200], nonce))
            return bool(cur.rowcount == 1)

    # --- audit -------------------------------------------------------------------------------

    def append_audit(self, kind: str, ref: str | None, data: str, chain: Any) -> AuditRow:
        """Append one entry; `chain(prev_hash, seq, ts, kind, ref, data) -> hash` computes its hash
        under the append lock so that concurrent appends still form one chain."""
        with self._transaction(write=True) as cur:
            self._lock_audit(cur)
            head = self._run(cur, "SELECT seq, hash FROM bw_audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, "0" * 64)
            ts = time.time()
            digest = chain(prev, seq, ts, kind, ref, data)
            self._run(cur, "INSERT INTO bw_audit (seq, ts, kind, ref, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (seq, ts, kind, ref, data, prev, digest))
            self._run(cur, "UPDATE bw_audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
            return AuditRow(seq, ts, kind, ref, data, prev, digest)

    def audit_rows(self, *, after: int = 0, limit: int | None = None, kind: Sequence[str] | None = None,
                   ref: str | None = None, since: float | None = None, newest_first: bool = False,
                   contains: str | None = None, upto: int | None = None) -> Iterator[AuditRow]:
        """Entries in order, after `after` and up to `upto` (`contains`: only those whose data text
        holds that text, a cheap first cut the caller checks exactly: `"session":"abc"`)."""
        where: list[str] = ["seq > ?"]
        params: list[Any] = [after]
        if upto is not None:
            where.append("seq <= ?")
            params.append(upto)
        if contains:
            where.append(self._contains_sql)
            params.append(contains)
        if kind:
            where.append(f"kind IN ({','.join('?' for _ in kind)})")
            params.extend(kind)
        if ref:
            where.append("ref = ?")
            params.append(ref)
        if since:
            where.append("ts >= ?")
            params.append(since)
        order = "DESC" if newest_first else "ASC"
        tail = f" LIMIT {int(limit)}" if limit else ""
        with self._transaction() as cur:
            rows = self._run(cur, f"SELECT {','.join(_AUDIT_COLS)} FROM bw_audit WHERE {' AND '.join(where)} "
                                  f"ORDER BY seq {order}{tail}", params).fetchall()
        for r in rows:
            yield AuditRow(int(r[0]), float(r[1]), r[2], r[3], r[4], r[5], r[6])

    def audit_head(self) -> tuple[int, str]:
        with self._transaction() as cur:
            row = self._run(cur, "SELECT seq, hash FROM bw_audit_head WHERE id = 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, "0" * 64)

    def audit_mentions(self, kind: str, ref: str) -> bool:
        with self._transaction() as cur:
            return self._run(cur, "SELECT 1 FROM bw_audit WHERE kind = ? AND ref = ? LIMIT 1", (kind, ref)).fetchone() is not None

    # --- settings (shared by every `blastwall serve` instance) ---------------------------------

    def setting(self, key: str) -> str | None:
        with self._transaction() as cur:
            row = self._run(cur, "SELECT value FROM bw_settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def setting_or_create(self, key: str, make: Any) -> str:
        """The value of `key`, created with `make()` by the first caller (race-safe)."""
        value = self.setting(key)
        if value is not None:
            return value
        with self._transaction(write=True) as cur:
            self._run(cur, "INSERT INTO bw_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, make()))
        value = self.setting(key)
        assert value is not None
        return value

    def put_setting(self, key: str, value: str) -> None:
        with self._transaction(write=True) as cur:
            self._run(cur, "INSERT INTO bw_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                           "excluded.value", (key, value))

    def delete_setting(self, key: str) -> None:
        with self._transaction(write=True) as cur:
            self._run(cur, "DELETE FROM bw_settings WHERE key = ?", (key,))

    def settings_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every setting whose key starts with `prefix`, compared as text: case-sensitive on both
        backends, and `_` or `%` in it are themselves (LIKE would treat them as wildcards, and
        SQLite's LIKE ignores case)."""
        with self._transaction() as cur:
            rows = self._run(cur, f"SELECT key, value FROM bw_settings WHERE substr(key, 1, {len(prefix)}) = ?",
                             (prefix,)).fetchall()
        return {str(k): str(v) for k, v in rows}


SCHEMA = """
CREATE TABLE IF NOT EXISTS bw_requests (
  id TEXT PRIMARY KEY, digest TEXT NOT NULL, surface TEXT NOT NULL, summary TEXT NOT NULL,
  actions TEXT NOT NULL, findings TEXT NOT NULL, reasons TEXT NOT NULL,
  agent TEXT, session TEXT, cwd TEXT, environment TEXT, required INTEGER NOT NULL,
  created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, status TEXT NOT NULL,
  decided_by TEXT, decided_at DOUBLE PRECISION, note TEXT, radius TEXT);
CREATE INDEX IF NOT EXISTS bw_requests_digest ON bw_requests (digest, created_at);
CREATE INDEX IF NOT EXISTS bw_requests_status ON bw_requests (status, expires_at);
CREATE TABLE IF NOT EXISTS bw_grants (
  nonce TEXT PRIMARY KEY, request_id TEXT, digest TEXT, scope TEXT NOT NULL, payload TEXT NOT NULL,
  signature TEXT NOT NULL, key_id TEXT NOT NULL, approver TEXT NOT NULL,
  created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
  used_at DOUBLE PRECISION, used_by TEXT);
CREATE INDEX IF NOT EXISTS bw_grants_digest ON bw_grants (digest);
CREATE INDEX IF NOT EXISTS bw_grants_request ON bw_grants (request_id);
CREATE TABLE IF NOT EXISTS bw_audit (
  seq BIGINT PRIMARY KEY, ts DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, ref TEXT, data TEXT NOT NULL,
  prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bw_audit_ref ON bw_audit (ref, kind);
CREATE TABLE IF NOT EXISTS bw_audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
INSERT INTO bw_audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
  ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS bw_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def schema_statements() -> list[str]:
    return [s.strip() for s in SCHEMA.split(";") if s.strip()]
