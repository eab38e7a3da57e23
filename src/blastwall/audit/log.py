"""Append and verify the audit hash chain.

Each entry stores the hash of the entry before it (`prev`) and its own hash:

    hash = sha256(prev "\\n" repr(ts) "\\n" kind "\\n" ref "\\n" data)

where `data` is the entry's canonical JSON, redacted before it is written. The sequence number
is storage order only and is not hashed, so the chain alone says which entry follows which: an
edited entry no longer matches its hash, a deleted, inserted or moved entry breaks the link to
its neighbour, and a log cut short no longer reaches the head the store recorded on the last
append. `verify` names the entry and the kind of damage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any, NamedTuple

from blastwall.redact import redact
from blastwall.store.base import AuditRow, Store

GENESIS = "0" * 64
KINDS = ("verdict", "request", "approve", "deny", "grant", "grant-used", "grant-refused", "notify", "expired")


def entry_hash(prev: str, ts: float, kind: str, ref: str | None, data: str) -> str:
    text = f"{prev}\n{ts!r}\n{kind}\n{ref or ''}\n{data}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _chain(prev: str, seq: int, ts: float, kind: str, ref: str | None, data: str) -> str:
    return entry_hash(prev, ts, kind, ref, data)


def scrub(value: Any) -> Any:
    """`value` with every string redacted (credentials never reach the log)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def record(store: Store, kind: str, ref: str | None, data: dict[str, Any]) -> AuditRow:
    """Append one redacted entry to the chain."""
    text = json.dumps(scrub(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return store.append_audit(kind, ref, text, _chain)


class Problem(NamedTuple):
    seq: int
    code: str  # edited | deleted | inserted | reordered | truncated | head
    message: str


class VerifyReport(NamedTuple):
    entries: int
    problems: tuple[Problem, ...]
    head: str

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store) -> VerifyReport:
    return verify_rows(store.audit_rows(), store.audit_head())


def verify_rows(rows: Iterable[AuditRow], head: tuple[int, str]) -> VerifyReport:
    """Check the chain; every problem names the entry where it is seen first."""
    all_rows = list(rows)
    problems: list[Problem] = []
    by_hash = {r.hash: r for r in all_rows}
    prev_row: AuditRow | None = None
    for row in all_rows:
        if entry_hash(row.prev, row.ts, row.kind, row.ref, row.data) != row.hash:
            problems.append(Problem(row.seq, "edited", f"entry {row.seq} was edited: its content no longer matches "
                                                       "its hash"))
        expected_prev = prev_row.hash if prev_row else GENESIS
        expected_seq = prev_row.seq + 1 if prev_row else 1
        if row.prev != expected_prev:
            problems.append(_link_problem(row, prev_row, expected_seq, by_hash))
        prev_row = row
    head_seq, head_hash = head
    last_hash = prev_row.hash if prev_row else GENESIS
    last_seq = prev_row.seq if prev_row else 0
    if last_hash != head_hash:
        if head_hash == GENESIS or head_hash in by_hash:
            after = by_hash[head_hash].seq if head_hash in by_hash else 0
            problems.append(Problem(after + 1, "head", f"entries after entry {after} were appended outside blastwall "
                                                       "(the last append it recorded is entry " f"{head_seq})"))
        else:
            problems.append(Problem(last_seq, "truncated", f"the log ends at entry {last_seq} but the last append "
                                                           f"recorded entry {head_seq}: entries were deleted from "
                                                           "the end"))
    return VerifyReport(len(all_rows), tuple(problems), last_hash)


def _link_problem(row: AuditRow, prev_row: AuditRow | None, expected_seq: int,
                  by_hash: dict[str, AuditRow]) -> Problem:
    after = f"entry {prev_row.seq}" if prev_row else "the start of the log"
    actual = by_hash.get(row.prev)
    if actual is None:
        if row.seq > expected_seq:
            missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
            return Problem(row.seq, "deleted", f"entry {missing} is missing: entries were deleted between {after} "
                                               f"and entry {row.seq}")
        return Problem(row.seq, "deleted", f"entry {row.seq} follows an entry that is no longer in the log: an "
                                           f"entry after {after} was deleted or replaced")
    if actual.seq > row.seq:
        return Problem(row.seq, "reordered", f"entry {row.seq} is out of order: it follows entry {actual.seq}, "
                                             "which is stored after it")
    if prev_row is not None and prev_row.prev == row.prev:
        return Problem(prev_row.seq, "inserted", f"entry {prev_row.seq} was inserted: it claims the same "
                                                 f"predecessor as entry {row.seq}")
    return Problem(row.seq, "reordered", f"entry {row.seq} is out of order: it follows entry {actual.seq}, not {after}")


def export_jsonl(rows: Iterable[AuditRow], out: IO[str]) -> int:
    """Write entries as JSON lines (for a SIEM); returns how many were written."""
    n = 0
    for row in rows:
        out.write(json.dumps(row.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


def iter_dicts(rows: Iterable[AuditRow]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row.to_dict()
