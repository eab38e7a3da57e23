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


# --- signed checkpoints ------------------------------------------------------------------------

from blastwall.approvals import decide, keys  # noqa: E402
from blastwall.approvals.keys import sign as sign_bytes  # noqa: E402
from blastwall.approvals.requests import build_request  # noqa: E402
from blastwall.audit import checkpoints  # noqa: E402
from blastwall.engine import check_action  # noqa: E402
from blastwall.model import Action, Context, Surface  # noqa: E402
from blastwall.store import Request  # noqa: E402

PASSPHRASE = b"correct horse battery"


def key_pair(name: str = "alice", role: str = "approver", folder: str | None = None) -> tuple[Any, Any]:
    """A real Ed25519 key in the (isolated) keys folder, or in `folder`, which nobody trusts."""
    passphrase = PASSPHRASE if role == "approver" else None
    keys.generate(name, passphrase, role=role, folder=folder)
    return keys.load_private(name, passphrase, folder=folder)


def ask(db: Store, command: str = "git push --force origin main") -> Request:
    action = Action(Surface.SHELL, command, Context(cwd="/work", agent="codex", session="s1"))
    verdict = check_action(action)
    request = build_request([action], [verdict], list(verdict.reasons), required=1, expires_s=3600)
    db.add_request(request)
    return request


def approve(db: Store, public: Any, private: Any, command: str = "git push --force origin main") -> decide.Approval:
    return decide.approve(db, ask(db, command).id, private, public, approver=public.name, reason="checked")


def rewrite(db: Store, start: int, data: str = '{"decision":"allow"}', *, drop: Sequence[int] = ()) -> None:
    """Replace entry `start` (and delete the entries in `drop`), then recompute the hash of every
    later entry and the stored head: the consistent rewrite the chain alone cannot see."""
    statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM bw_audit WHERE seq = ?", [seq]) for seq in drop]
    prev, last = GENESIS, 0
    for row in db.audit_rows():
        if row.seq in drop:
            continue
        if row.seq < start:
            prev, last = row.hash, row.seq
            continue
        text = data if row.seq == start else row.data
        digest = entry_hash(prev, row.ts, row.kind, row.ref, text)
        statements.append(("UPDATE bw_audit SET data = ?, prev = ?, hash = ? WHERE seq = ?", [text, prev, digest, row.seq]))
        prev, last = digest, row.seq
    statements.append(("UPDATE bw_audit_head SET seq = ?, hash = ? WHERE id = 1", [last, prev]))
    tamper(db, *statements)


def more(db: Store, n: int = 3) -> None:
    for i in range(n):
        record(db, "verdict", f"later-{i}", {"decision": "allow", "i": i})


@pytest.fixture
def alice() -> tuple[Any, Any]:
    return key_pair("alice")


@pytest.fixture
def vouched(chain: Store, alice: tuple[Any, Any]) -> Store:
    """The 10-entry chain, an approval by alice (entry 11, its checkpoint 12), three more entries."""
    approval = approve(chain, *alice)
    assert approval.checkpoint is not None and approval.checkpoint.seq == ENTRIES + 2
    more(chain)
    return chain


def test_an_approval_signs_a_checkpoint_of_its_own_entry(vouched: Store) -> None:
    report = verify(vouched)  # the keys trusted here: alice.pub in the keys folder
    assert report.ok and report.problems == () and report.checkpoints == 1
    point = report.vouched
    assert point is not None and (point.entry, point.seq, point.signer, point.key_name, point.via) == \
        (12, 11, "alice", "alice", "approve")
    assert rows(vouched)[11].kind == "approve" and point.hash == rows(vouched)[11].hash
    assert point.ref == rows(vouched)[11].ref and rows(vouched)[12].ref == point.ref
    assert report.unvouched == 3 and report.head_seq == 15
    data = json.loads(rows(vouched)[12].data)
    assert set(data) == {"v", "seq", "hash", "signer", "key_id", "at", "via", "ref", "signature"}


def test_without_a_checkpoint_a_consistent_rewrite_goes_unseen(chain: Store) -> None:
    """The gap checkpoints close: rewriting an entry, every later hash and the head leaves one
    unbroken chain, and nothing in the store says otherwise."""
    rewrite(chain, 5)
    report = verify(chain)
    assert report.ok and report.vouched is None and report.unvouched == ENTRIES
    assert json.loads(rows(chain)[5].data) == {"decision": "allow"}


@pytest.mark.parametrize("start", [1, 5, 11])
def test_a_history_rewritten_before_a_checkpoint_is_named(vouched: Store, start: int) -> None:
    rewrite(vouched, start)
    report = verify(vouched)
    assert not report.ok and problems(report) == [(11, "checkpoint-mismatch")]
    message = report.problems[0].message
    assert "entry 11 no longer has the hash" in message and "alice signed" in message and "checkpoint entry 12" in \
        message and "was rewritten from the start of the log or later" in message
    assert report.vouched is None and report.checkpoints == 0 and report.unvouched == 14


def test_entries_after_the_last_checkpoint_are_not_yet_vouched_for(vouched: Store) -> None:
    rewrite(vouched, 14)
    report = verify(vouched)
    assert report.ok and report.vouched is not None and report.vouched.seq == 11 and report.unvouched == 3


def test_the_last_checkpoint_that_still_holds_bounds_the_rewrite(vouched: Store) -> None:
    public, private = keys.load_private("alice", PASSPHRASE)
    approve(vouched, public, private, "git push --force origin release")  # entries 16 (approve), 17 (checkpoint)
    more(vouched)
    rewrite(vouched, 14)
    report = verify(vouched)
    assert problems(report) == [(16, "checkpoint-mismatch")]
    assert "was rewritten after entry 11, the last entry a checkpoint still vouches for" in report.problems[0].message
    assert report.vouched is not None and report.vouched.seq == 11  # what still holds, and nothing after it
    assert report.unvouched == 3 + 1 + 3


def test_deleting_the_checkpoints_too_is_seen_only_as_an_older_checkpoint(vouched: Store) -> None:
    """What checkpoints cannot do: who rewrites the log and deletes every checkpoint after the
    point they change leaves one consistent log. `verify` then vouches only up to the older
    checkpoint, which says who signed it and when, so a human sees the newer one is gone."""
    public, private = keys.load_private("alice", PASSPHRASE)
    approve(vouched, public, private, "git push --force origin release")  # entries 16, 17
    rewrite(vouched, 14, drop=[17])
    report = verify(vouched)
    assert report.ok and report.vouched is not None and report.vouched.seq == 11 and report.checkpoints == 1


def test_a_deleted_vouched_entry_is_named_twice(vouched: Store) -> None:
    tamper(vouched, ("DELETE FROM bw_audit WHERE seq = 11", []))
    report = verify(vouched)
    assert problems(report) == [(12, "deleted"), (11, "checkpoint-mismatch")]
    assert "entry 11, which alice signed" in report.problems[1].message and "is no longer in the log" in \
        report.problems[1].message
    assert report.vouched is None


def test_a_denial_signs_a_checkpoint_in_the_name_of_the_human_behind_the_server(chain: Store) -> None:
    server, private = key_pair("server", role="server")
    rid = ask(chain).id
    decide.deny(chain, rid, by="web:carol", reason="no", private=private, key=server)
    report = verify(chain)
    assert report.ok and report.vouched is not None
    assert (report.vouched.signer, report.vouched.key_name, report.vouched.via, report.vouched.ref) == \
        ("web:carol", "server", "deny", rid)
    assert rows(chain)[report.vouched.seq].kind == "deny"


def test_a_denial_without_a_key_signs_nothing(chain: Store) -> None:
    decide.deny(chain, ask(chain).id, by="bob")
    report = verify(chain)
    assert report.ok and report.vouched is None and report.checkpoints == 0


def test_a_checkpoint_signed_by_an_untrusted_key_is_named(chain: Store, tmp_path: Any) -> None:
    mallory, private = key_pair("mallory", folder=str(tmp_path / "elsewhere"))
    rewrite(chain, 3)
    head = rows(chain)[ENTRIES]
    row = checkpoints.sign(chain, private, mallory, seq=head.seq, hash_=head.hash, signer="mallory", via="checkpoint")
    report = verify(chain)
    assert not report.ok and problems(report) == [(row.seq, "checkpoint-unknown-key")]
    assert f"is signed by key {mallory.key_id}" in report.problems[0].message and report.vouched is None


@pytest.mark.parametrize("field, value", [("seq", 9), ("hash", "f" * 64), ("signer", "bob"), ("via", "serve"),
                                          ("at", 1.0)])
def test_an_altered_checkpoint_is_a_bad_signature(vouched: Store, field: str, value: Any) -> None:
    data = json.loads(rows(vouched)[12].data)
    data[field] = value
    rewrite(vouched, 12, json.dumps(data, sort_keys=True, separators=(",", ":")))  # the chain itself stays whole
    report = verify(vouched)
    assert problems(report) == [(12, "checkpoint-bad-signature")]
    assert "does not verify with key alice: it was forged or altered" in report.problems[0].message


def test_a_signature_over_anything_else_is_no_checkpoint(chain: Store, alice: tuple[Any, Any]) -> None:
    """The signed text starts with its own domain, so a grant's signature (over bare JSON) never
    passes for a checkpoint's."""
    public, private = alice
    head = rows(chain)[ENTRIES]
    fields = checkpoints.statement(public, seq=head.seq, hash_=head.hash, signer="alice", via="checkpoint", ref=None)
    fields["signature"] = sign_bytes(private, json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
    record(chain, "checkpoint", None, fields)
    assert problems(verify(chain)) == [(ENTRIES + 1, "checkpoint-bad-signature")]


def test_a_human_key_signs_only_in_its_own_name(chain: Store, alice: tuple[Any, Any]) -> None:
    public, private = alice
    head = rows(chain)[ENTRIES]
    fields = checkpoints.statement(public, seq=head.seq, hash_=head.hash, signer="x", via="checkpoint", ref=None)
    assert fields["signer"] == "alice"
    fields["signer"] = "bob"
    fields["signature"] = sign_bytes(private, checkpoints._signed_text(fields))
    record(chain, "checkpoint", None, fields)
    report = verify(chain)
    assert problems(report) == [(ENTRIES + 1, "checkpoint-malformed")]
    assert "signed by key alice in the name of bob" in report.problems[0].message


@pytest.mark.parametrize("data", ['{"v":2}', "[]", '{"decision":"allow"}'])
def test_an_entry_of_kind_checkpoint_that_is_not_one_is_named(chain: Store, data: str) -> None:
    record(chain, "checkpoint", None, json.loads(data))
    assert problems(verify(chain)) == [(ENTRIES + 1, "checkpoint-malformed")]


def test_a_checkpoint_vouches_only_for_an_earlier_entry(chain: Store, alice: tuple[Any, Any]) -> None:
    public, private = alice
    row = checkpoints.sign(chain, private, public, seq=ENTRIES + 5, hash_="0" * 64, signer="alice", via="checkpoint")
    report = verify(chain)
    assert problems(report) == [(row.seq, "checkpoint-malformed")] and "not an entry before it" in \
        report.problems[0].message


def test_a_checkpoint_needs_the_keys_trusted_by_the_verifier(vouched: Store) -> None:
    assert problems(verify(vouched, trusted={})) == [(12, "checkpoint-unknown-key")]
    assert verify(vouched, trusted=keys.trusted_keys({})).ok


def test_chain_damage_before_a_checkpoint_keeps_it_from_vouching(vouched: Store) -> None:
    tamper(vouched, ("UPDATE bw_audit SET data = '{}' WHERE seq = 4", []))
    report = verify(vouched)
    assert problems(report) == [(4, "edited")] and report.vouched is None
    tamper(vouched, ("UPDATE bw_audit SET data = ? WHERE seq = 4", [rows(vouched)[4].data]))


def test_old_logs_without_checkpoints_verify_as_before(chain: Store) -> None:
    report = verify(chain, trusted={})
    assert report.ok and (report.entries, report.checkpoints, report.vouched, report.unvouched, report.head_seq) == \
        (ENTRIES, 0, None, ENTRIES, ENTRIES)


def test_exported_checkpoints_verify_offline(vouched: Store) -> None:
    out = io.StringIO()
    export_jsonl(vouched.audit_rows(), out)
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    again = [AuditRow(d["seq"], d["ts"], d["kind"], d["ref"],
                      json.dumps(d["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                      d["prev"], d["hash"]) for d in docs]
    report = verify_rows(again, (docs[-1]["seq"], docs[-1]["hash"]), keys.trusted_keys({}))
    assert report.ok and report.vouched is not None and report.vouched.seq == 11


# --- the server's periodic checkpoints ---------------------------------------------------------


def test_a_witness_signs_what_is_new_and_nothing_twice(chain: Store) -> None:
    server, private = key_pair("server", role="server")
    witness = checkpoints.Witness(private, server)
    first = witness.tick(chain)
    assert first is not None and json.loads(first.data)["seq"] == ENTRIES and witness.last == (ENTRIES, rows(chain)[10].hash)
    assert witness.tick(chain) is None  # only its own checkpoint since
    more(chain, 2)
    second = witness.tick(chain)
    assert second is not None and json.loads(second.data)["seq"] == ENTRIES + 3
    report = verify(chain)
    assert report.ok and report.vouched is not None and (report.vouched.signer, report.vouched.via) == ("serve", "serve")
    assert report.unvouched == 0 and witness.alarm is None


def test_a_witness_that_starts_on_a_vouched_log_waits_for_something_new(vouched: Store) -> None:
    server, private = key_pair("server", role="server")
    approve(vouched, *keys.load_private("alice", PASSPHRASE), "git push --force origin release")  # 16, and 17 for it
    witness = checkpoints.Witness(private, server)
    assert witness.tick(vouched) is None and witness.last == (17, rows(vouched)[17].hash) and witness.alarm is None
    more(vouched, 1)
    row = witness.tick(vouched)
    assert row is not None and json.loads(row.data)["seq"] == 18


def test_a_witness_remembers_what_the_store_forgot(chain: Store) -> None:
    """Someone rewrites the log and deletes the server's checkpoints with it: the store alone no
    longer shows anything, but the running server remembers what it signed and stops signing."""
    server, private = key_pair("server", role="server")
    witness = checkpoints.Witness(private, server)
    assert witness.tick(chain) is not None
    rewrite(chain, 4, drop=[ENTRIES + 1])
    more(chain)
    assert verify(chain).ok  # nothing in the store tells
    assert witness.tick(chain) is None
    assert witness.alarm is not None and f"entry {ENTRIES}, which this server vouched for, no longer has the hash" in \
        witness.alarm
    assert witness.tick(chain) is None and not any(r.kind == "checkpoint" for r in chain.audit_rows())


def test_a_witness_does_not_vouch_for_a_broken_log(chain: Store) -> None:
    server, private = key_pair("server", role="server")
    tamper(chain, ("UPDATE bw_audit SET data = '{}' WHERE seq = 4", []))
    witness = checkpoints.Witness(private, server)
    assert witness.tick(chain) is None and witness.alarm is not None and "edited at entry 4" in witness.alarm
    fresh = checkpoints.Witness(private, server)
    tamper(chain, ("UPDATE bw_audit SET data = ? WHERE seq = 4", ['{"decision":"ask","i":4,"reasons":["r"]}']))
    assert fresh.tick(chain) is not None
    more(chain, 1)
    tamper(chain, ("UPDATE bw_audit SET data = '{}' WHERE seq = ?", [ENTRIES + 2]))
    assert fresh.tick(chain) is None and fresh.alarm is not None and f"entry {ENTRIES + 2} does not follow" in fresh.alarm
