"""Append and verify the audit hash chain.

Each entry stores the hash of the entry before it (`prev`) and its own hash:

    hash = sha256(prev "\\n" repr(ts) "\\n" kind "\\n" ref "\\n" data)

where `data` is the entry's canonical JSON, redacted before it is written. The sequence number
is storage order only and is not hashed, so the chain alone says which entry follows which: an
edited entry no longer matches its hash, a deleted, inserted or moved entry breaks the link to
its neighbour, and a log cut short no longer reaches the head the store recorded on the last
append. `verify` names the entry and the kind of damage.

A history rewritten from some entry on, with every later hash and the head recomputed, is one
unbroken chain again; signed checkpoints (checkpoints.py) are what catch it, and `verify`
checks them too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from blastwall.model import _sha256  # CPython's builtin sha256: no OpenSSL load in a hook
from blastwall.redact import redact
from blastwall.store.base import AuditRow, Store

if TYPE_CHECKING:
    from blastwall.audit.checkpoints import Checkpoint

GENESIS = "0" * 64
KINDS = ("verdict", "request", "approve", "deny", "grant", "grant-used", "grant-refused", "notify", "login", "snapshot",
         "undo", "checkpoint")


def entry_hash(prev: str, ts: float, kind: str, ref: str | None, data: str) -> str:
    text = f"{prev}\n{ts!r}\n{kind}\n{ref or ''}\n{data}"
    return _sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _chain(prev: str, seq: int, ts: float, kind: str, ref: str | None, data: str) -> str:
    return entry_hash(prev, ts, kind, ref, data)


def scrub(value: Any) -> Any:
    """`value` with every string redacted (credentials never reach the log): dictionary keys too,
    and anything JSON has no type for is written as its redacted text."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {redact(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((scrub(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return redact(str(value))


def record(store: Store, kind: str, ref: str | None, data: dict[str, Any]) -> AuditRow:
    """Append one redacted entry to the chain."""
    text = json.dumps(scrub(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return store.append_audit(kind, ref, text, _chain)


def record_verbatim(store: Store, kind: str, ref: str | None, text: str) -> AuditRow:
    """Append `text` exactly as given, unredacted: only for data blastwall writes itself, holds
    nothing secret and must stay byte for byte as it is (a signed checkpoint)."""
    return store.append_audit(kind, ref, text, _chain)


class Problem(NamedTuple):
    seq: int
    code: str  # edited | deleted | inserted | reordered | truncated | head | checkpoint-* (checkpoints.CODES)
    message: str


class VerifyReport(NamedTuple):
    entries: int
    problems: tuple[Problem, ...]
    head: str
    head_seq: int = 0  # the seq of the last entry of the chain
    checkpoints: int = 0  # checkpoint entries that verify and still match their entry
    vouched: Checkpoint | None = None  # the latest checkpoint that holds, with no damage before it
    unvouched: int = 0  # entries after the one `vouched` covers (checkpoint entries not counted)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store, trusted: Mapping[str, Any] | None = None, *, now: float | None = None) -> VerifyReport:
    """Check the chain and its checkpoints; `trusted` (key_id -> PublicKey) defaults to the keys
    trusted here (`checkpoints.default_trusted`), read only when the log holds a checkpoint."""
    return verify_rows(store.audit_rows(), store.audit_head(), trusted, now=now)


def verify_rows(rows: Iterable[AuditRow], head: tuple[int, str], trusted: Mapping[str, Any] | None = None, *,
                now: float | None = None) -> VerifyReport:
    """Check the chain; every problem names the entry where it is seen first.

    The chain is followed from the start: each entry must name the hash of the last entry
    accepted into it. An entry recognized as inserted is reported and left out, so that the
    genuine entries after it still check against their real predecessor. Then every checkpoint
    entry is checked (checkpoints.py): its signature, and that the entry it vouches for still
    has the hash it signed."""
    all_rows = list(rows)
    problems: list[Problem] = []
    by_hash = {r.hash: r for r in all_rows}
    followed = {r.prev for r in all_rows}  # hashes some entry names as its predecessor
    head_seq, head_hash = head
    tip: AuditRow | None = None  # the last entry accepted into the chain
    for row in all_rows:
        if entry_hash(row.prev, row.ts, row.kind, row.ref, row.data) != row.hash:
            problems.append(Problem(row.seq, "edited", f"entry {row.seq} was edited: its content no longer matches "
                                                       "its hash"))
        if row.prev != (tip.hash if tip else GENESIS):
            problem = _link_problem(row, tip, by_hash, followed, head_hash)
            problems.append(problem)
            if problem.code == "inserted" and problem.seq == row.seq:
                continue  # the forgery is not part of the chain; the next entry follows `tip`
        tip = row
    last_hash = tip.hash if tip else GENESIS
    last_seq = tip.seq if tip else 0
    if last_hash != head_hash:
        if head_hash == GENESIS or head_hash in by_hash:
            after = by_hash[head_hash].seq if head_hash in by_hash else 0
            problems.append(Problem(after + 1, "head", f"entries after entry {after} were appended outside blastwall "
                                                       "(the last append it recorded is entry " f"{head_seq})"))
        elif not all_rows:
            problems.append(Problem(0, "truncated", f"the log is empty but the last append recorded entry {head_seq}: "
                                                    "every entry was deleted"))
        else:
            problems.append(Problem(last_seq, "truncated", f"the log ends at entry {last_seq} but the last append "
                                                           f"recorded entry {head_seq}: entries were deleted from "
                                                           "the end"))
    report = VerifyReport(len(all_rows), tuple(problems), last_hash, last_seq, unvouched=len(all_rows))
    if any(r.kind == "checkpoint" for r in all_rows):
        report = _with_checkpoints(report, all_rows, trusted, now)
    return report


def _with_checkpoints(report: VerifyReport, rows: list[AuditRow], trusted: Mapping[str, Any] | None,
                      now: float | None) -> VerifyReport:
    from blastwall.audit import checkpoints

    damage = [p.seq + 1 if p.code == "truncated" and p.seq else p.seq for p in report.problems]
    outcome = checkpoints.check(rows, checkpoints.default_trusted() if trusted is None else trusted,
                                first_problem=min(damage) if damage else None, now=now)
    vouched = outcome.vouched
    unvouched = sum(1 for r in rows if r.kind != "checkpoint" and (vouched is None or r.seq > vouched.seq))
    found = tuple(Problem(f.seq, f.code, f.message) for f in outcome.findings)
    return report._replace(problems=report.problems + found, checkpoints=len(outcome.verified), vouched=vouched,
                           unvouched=unvouched)


def _link_problem(row: AuditRow, tip: AuditRow | None, by_hash: dict[str, AuditRow], followed: set[str],
                  head_hash: str) -> Problem:
    """Why `row` does not follow `tip` (the last entry accepted into the chain)."""
    after = f"entry {tip.seq}" if tip else "the start of the log"
    if tip is not None and tip.prev == row.prev:
        # Two entries claim the same predecessor: the one no later entry follows (and that is
        # not the recorded head) is the one that was slipped in.
        if tip.hash not in followed and tip.hash != head_hash:
            inserted, other = tip, row
        elif row.hash not in followed and row.hash != head_hash:
            inserted, other = row, tip
        else:
            inserted, other = tip, row
        return Problem(inserted.seq, "inserted", f"entry {inserted.seq} was inserted: it claims the same "
                                                 f"predecessor as entry {other.seq} and no entry follows from it")
    if row.prev == GENESIS:
        return Problem(row.seq, "reordered", f"entry {row.seq} is out of order: it is the first entry of the chain "
                                             f"but is stored after {after}")
    actual = by_hash.get(row.prev)
    if actual is None:
        expected_seq = tip.seq + 1 if tip else 1
        if row.seq > expected_seq:
            missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
            return Problem(row.seq, "deleted", f"entry {missing} is missing: entries were deleted between {after} "
                                               f"and entry {row.seq}")
        if tip is None:
            return Problem(row.seq, "deleted", f"entry {row.seq} follows an entry that is no longer in the log: "
                                               "entries at the start of the log were deleted or replaced")
        return Problem(row.seq, "deleted", f"entry {row.seq} follows an entry that is no longer in the log: {after} "
                                           "was replaced, or entries after it were deleted")
    if actual.seq > row.seq:
        return Problem(row.seq, "reordered", f"entry {row.seq} is out of order: it follows entry {actual.seq}, "
                                             "which is stored after it")
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
