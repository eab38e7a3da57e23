"""The audit chain against tampering, on both backends.

Each test records a short chain through `record`, then changes the database behind the
store's back (plain SQL on a connection of its own, as someone with access to the file or the
server would) and checks that `verify` says what happened and where.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest
from pg import postgres  # noqa: F401  (the session fixture the store fixture uses)
from test_store import _isolated, shared_postgres_url, store  # noqa: F401  (the two-backend fixtures)

from blastwall.audit import entry_hash, export_jsonl, record, verify
from blastwall.audit.log import GENESIS, KINDS, VerifyReport, verify_rows
from blastwall.store import AuditRow, Store

ENTRIES = 10


def tamper(db: Store, *statements: tuple[str, Sequence[Any]]) -> None:
    """Run SQL (`?` placeholders) on the store's database through a separate connection."""
    if db.backend == "sqlite":
        conn = sqlite3.connect(db.path, isolation_level=None)  # type: ignore[attr-defined]
        try:
            for sql, params in statements:
                conn.execute(sql, tuple(params))
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(db.url, autocommit=True) as pg:
        for sql, params in statements:
            pg.execute(sql.replace("?", "%s").encode(), tuple(params))


def rows(db: Store) -> dict[int, AuditRow]:
    return {r.seq: r for r in db.audit_rows()}


def forged(prev: str, seq: int, ts: float, data: str = '{"decision":"allow"}') -> tuple[str, list[Any]]:
    """An INSERT of an entry whose hash is computed correctly and chained to `prev`."""
    return ("INSERT INTO bw_audit (seq, ts, kind, ref, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [seq, ts, "grant-used", "n-forged", data, prev, entry_hash(prev, ts, "grant-used", "n-forged", data)])


def renumber(after: int, by: int) -> list[tuple[str, list[Any]]]:
    """Shift the seq of every entry after `after` by `by` (in two steps: seq is a primary key)."""
    return [("UPDATE bw_audit SET seq = seq + 100000 WHERE seq > ?", [after]),
            ("UPDATE bw_audit SET seq = seq - 100000 + ? WHERE seq > 100000", [by])]


def swap(a: int, b: int) -> list[tuple[str, list[Any]]]:
    return [("UPDATE bw_audit SET seq = -1 WHERE seq = ?", [a]), ("UPDATE bw_audit SET seq = ? WHERE seq = ?", [a, b]),
            ("UPDATE bw_audit SET seq = ? WHERE seq = -1", [b])]


@pytest.fixture
def chain(store: Store) -> Store:  # noqa: F811
    for i in range(ENTRIES):
        record(store, KINDS[i % len(KINDS)], f"ref-{i + 1}", {"i": i + 1, "decision": "ask", "reasons": ["r"]})
    return store


def problems(report: VerifyReport) -> list[tuple[int, str]]:
    return [(p.seq, p.code) for p in report.problems]


def test_an_untouched_chain_verifies(chain: Store) -> None:
    report = verify(chain)
    assert report.ok and report.problems == () and report.entries == ENTRIES
    assert chain.audit_head() == (ENTRIES, report.head) and report.head == rows(chain)[ENTRIES].hash
    assert rows(chain)[1].prev == GENESIS
    assert [r.seq for r in chain.audit_rows()] == list(range(1, ENTRIES + 1))


def test_an_empty_log_verifies(store: Store) -> None:  # noqa: F811
    report = verify(store)
    assert report.ok and report.entries == 0 and report.head == GENESIS


def test_an_edited_entry_is_named(chain: Store) -> None:
    tamper(chain, ("UPDATE bw_audit SET data = ? WHERE seq = 4", ['{"decision":"allow","i":4,"reasons":["r"]}']))
    report = verify(chain)
    assert not report.ok and problems(report) == [(4, "edited")]
    assert "entry 4 was edited" in report.problems[0].message


@pytest.mark.parametrize("column, value", [("ts", 1.5), ("kind", "approve"), ("ref", "ref-x"), ("prev", "f" * 64)])
def test_every_hashed_column_is_covered(chain: Store, column: str, value: Any) -> None:
    tamper(chain, (f"UPDATE bw_audit SET {column} = ? WHERE seq = 7", [value]))
    report = verify(chain)
    assert not report.ok and report.problems[0].seq == 7 and report.problems[0].code == "edited"
    assert "entry 7" in report.problems[0].message


def test_an_edited_entry_with_a_recomputed_hash_breaks_the_next_link(chain: Store) -> None:
    row = rows(chain)[5]
    data = '{"decision":"allow"}'
    tamper(chain, ("UPDATE bw_audit SET data = ?, hash = ? WHERE seq = 5",
                   [data, entry_hash(row.prev, row.ts, row.kind, row.ref, data)]))
    report = verify(chain)
    assert not report.ok and problems(report) == [(6, "deleted")]
    assert "entry 6 follows an entry that is no longer in the log: entry 5 was replaced" in report.problems[0].message


def test_a_deleted_middle_entry_is_named(chain: Store) -> None:
    tamper(chain, ("DELETE FROM bw_audit WHERE seq = 5", []))
    report = verify(chain)
    assert not report.ok and problems(report) == [(6, "deleted")]
    assert "entry 5 is missing" in report.problems[0].message and "between entry 4 and entry 6" in \
        report.problems[0].message


def test_deleted_entries_renumbered_to_hide_the_gap_are_still_found(chain: Store) -> None:
    tamper(chain, ("DELETE FROM bw_audit WHERE seq IN (5, 6)", []), *renumber(6, -2))
    report = verify(chain)
    assert not report.ok and problems(report) == [(5, "deleted")]
    assert "entry 5 follows an entry that is no longer in the log" in report.problems[0].message


def test_a_deleted_first_entry_is_named(chain: Store) -> None:
    tamper(chain, ("DELETE FROM bw_audit WHERE seq = 1", []))
    report = verify(chain)
    assert problems(report) == [(2, "deleted")] and "entry 1 is missing" in report.problems[0].message


def test_a_log_cut_short_is_truncated(chain: Store) -> None:
    tamper(chain, ("DELETE FROM bw_audit WHERE seq > 7", []))
    report = verify(chain)
    assert not report.ok and problems(report) == [(7, "truncated")]
    assert "ends at entry 7" in report.problems[0].message and "recorded entry 10" in report.problems[0].message


def test_a_log_emptied_entirely_is_truncated(chain: Store) -> None:
    tamper(chain, ("DELETE FROM bw_audit", []))
    report = verify(chain)
    assert not report.ok and problems(report) == [(0, "truncated")]
    assert "the log is empty but the last append recorded entry 10" in report.problems[0].message


def test_a_forged_entry_inserted_in_the_middle_is_named(chain: Store) -> None:
    before = rows(chain)
    tamper(chain, *renumber(5, 1), forged(before[5].hash, 6, before[5].ts + 0.001))
    after = rows(chain)
    assert len(after) == ENTRIES + 1 and after[7].hash == before[6].hash  # the forgery sits at 6
    report = verify(chain)
    assert not report.ok and problems(report) == [(6, "inserted")]
    assert "entry 6 was inserted" in report.problems[0].message


def test_a_forged_first_entry_is_named(chain: Store) -> None:
    tamper(chain, *renumber(0, 1), forged(GENESIS, 1, rows(chain)[1].ts - 1))
    report = verify(chain)
    assert not report.ok and problems(report) == [(1, "inserted")] and "entry 1 was inserted" in \
        report.problems[0].message


@pytest.mark.parametrize("a, b", [(3, 7), (4, 5), (1, 2), (9, 10)])
def test_swapped_entries_are_reordered(chain: Store, a: int, b: int) -> None:
    tamper(chain, *swap(a, b))
    report = verify(chain)
    assert not report.ok and report.problems[0].seq == a and report.problems[0].code == "reordered", report.problems
    assert {p.code for p in report.problems} <= {"reordered", "head"}
    assert f"entry {a} is out of order" in report.problems[0].message


def test_an_entry_appended_outside_blastwall_is_head(chain: Store) -> None:
    last = rows(chain)[ENTRIES]
    tamper(chain, forged(last.hash, ENTRIES + 1, last.ts + 1))
    report = verify(chain)
    assert not report.ok and problems(report) == [(ENTRIES + 1, "head")]
    assert "entries after entry 10 were appended outside blastwall" in report.problems[0].message


def test_a_forged_entry_beside_a_genuine_one_is_left_out_of_the_chain(chain: Store) -> None:
    """A forgery stored after the genuine entry it copies its predecessor from: reported once,
    and the genuine entries after it still verify."""
    before = rows(chain)
    tamper(chain, *renumber(6, 1), forged(before[5].hash, 7, before[6].ts + 0.001))
    report = verify(chain)
    assert problems(report) == [(7, "inserted")] and "entry 7 was inserted" in report.problems[0].message


def test_a_forged_last_entry_beside_the_genuine_last_one_is_named(chain: Store) -> None:
    before = rows(chain)
    tamper(chain, forged(before[ENTRIES - 1].hash, ENTRIES + 1, before[ENTRIES].ts + 1))
    report = verify(chain)
    assert problems(report) == [(ENTRIES + 1, "inserted")]


def test_verify_rows_reports_problems_in_log_order(chain: Store) -> None:
    tamper(chain, ("UPDATE bw_audit SET data = '{}' WHERE seq = 8", []), ("DELETE FROM bw_audit WHERE seq = 3", []))
    report = verify_rows(chain.audit_rows(), chain.audit_head())
    assert problems(report) == [(4, "deleted"), (8, "edited")]


# --- what is written -------------------------------------------------------------------------

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6" * 3  # the shape of a GitHub token: ghp_ and 36 characters
SECRETS = {  # name: (text carrying it, the secret part that must not be stored)
    "url": ("psql postgres://u:hunter2@h/db -c 'DROP TABLE t'", "hunter2"),
    "header": ("curl -H 'Authorization: Bearer abcdefghijklmnop' https://api", "abcdefghijklmnop"),
    "github": (f"git clone https://{GITHUB_TOKEN}@github.com/acme/api", GITHUB_TOKEN[4:]),
}


class Opaque:
    """Something JSON has no type for, whose text carries a secret."""

    def __str__(self) -> str:
        return SECRETS["url"][0]

    __repr__ = __str__


def stored_text(db: Store) -> str:
    if db.backend == "sqlite":
        conn = sqlite3.connect(db.path)  # type: ignore[attr-defined]
        try:
            found = conn.execute("SELECT kind, ref, data FROM bw_audit").fetchall()
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(db.url) as pg:
            found = pg.execute(b"SELECT kind, ref, data FROM bw_audit").fetchall()
    return "\n".join(" ".join(str(c) for c in r) for r in found)


def test_secrets_are_redacted_before_they_are_written(store: Store) -> None:  # noqa: F811
    data: dict[str, Any] = {name: text for name, (text, _) in SECRETS.items()}
    data["nested"] = {"reasons": [SECRETS["url"][0]], "pairs": [(SECRETS["header"][0], 1)]}
    data["a set"] = {SECRETS["github"][0]}
    data["an object"] = Opaque()
    data[SECRETS["url"][0]] = "a key can carry a secret too"
    row = record(store, "verdict", "d" * 64, data)
    text = stored_text(store)
    for name, (_, secret) in SECRETS.items():
        assert secret not in text, name
        assert secret not in row.data, name
    assert "postgres://u:***@h/db" in text and "Bearer ***" in text
    assert verify(store).ok


def test_export_writes_one_json_object_per_entry_that_verifies_offline(chain: Store) -> None:
    out = io.StringIO()
    assert export_jsonl(chain.audit_rows(), out) == ENTRIES
    lines = out.getvalue().splitlines()
    assert len(lines) == ENTRIES
    docs = [json.loads(line) for line in lines]
    assert all(isinstance(d, dict) and set(d) == {"seq", "ts", "kind", "ref", "data", "prev", "hash"} for d in docs)
    assert [d["seq"] for d in docs] == list(range(1, ENTRIES + 1)) and docs[2]["data"]["i"] == 3
    again = [AuditRow(d["seq"], d["ts"], d["kind"], d["ref"],
                      json.dumps(d["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                      d["prev"], d["hash"]) for d in docs]
    assert verify_rows(again, (docs[-1]["seq"], docs[-1]["hash"])).ok
