"""Signed checkpoints: a key agents cannot use vouches for the audit chain up to one entry.

The hash chain (log.py) shows any entry that was edited, deleted, inserted or moved, but not a
history rewritten from some entry on with every later hash and the stored head recomputed:
agents run as the store's OS user, so whatever they can write they can rewrite consistently. A
checkpoint is a statement signed by a human's approver key (or by `blastwall serve`'s key in the
name of the human signed in): "entry N of this log has hash H". Because H chains over every
entry before N, rewriting anything at or before N changes the hash stored at N, and no one
without the key can sign a new statement for it.

A checkpoint is itself an audit entry, of kind `checkpoint`, written right after the entry it
vouches for (an approval, a denial) or on demand (`blastwall audit checkpoint`):

    {"v": 1, "seq": N, "hash": H, "signer": "alice" | "web:alice" | "slack:bob" | "serve",
     "key_id": "...", "at": 1712345678.123, "via": "approve" | "deny" | "window" | "checkpoint" | "serve",
     "ref": "bw-..." | null, "signature": "<base64 Ed25519>"}

The signature covers `DOMAIN` followed by the canonical JSON of every field but `signature`, so
a checkpoint signature is never a grant signature (grants sign bare JSON) nor the reverse. The
entry is written verbatim (nothing in it is secret, and redaction must not touch the signed
text). Keys are trusted as for grants: `keys/*.pub` and `[approvals] approvers` of trusted
policy layers; a key of role `approver` signs only in its own name.

What checkpoints cannot do: they live in the same store, so someone who deletes every
checkpoint after the point they rewrite leaves no trace in the store alone. `audit verify` says
which checkpoint is the latest that holds, by whom and when, so a human notices one that went
missing; `blastwall audit export` copies checkpoints off the host with the entries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from blastwall.approvals.keys import PublicKey, verify_signature
from blastwall.approvals.keys import sign as sign_bytes
from blastwall.store.base import AuditRow, Store

KIND = "checkpoint"
VERSION = 1
DOMAIN = b"blastwall audit checkpoint v1\n"
VIAS = ("approve", "deny", "window", "checkpoint", "serve")

# Problem codes (stable: scripts and tests key on them).
MISMATCH = "checkpoint-mismatch"  # the entry a checkpoint vouches for no longer has its hash
BAD_SIGNATURE = "checkpoint-bad-signature"  # forged or altered
UNKNOWN_KEY = "checkpoint-unknown-key"  # signed by a key that is not trusted here
MALFORMED = "checkpoint-malformed"  # not a checkpoint blastwall writes
CODES = (MISMATCH, BAD_SIGNATURE, UNKNOWN_KEY, MALFORMED)


class Checkpoint(NamedTuple):
    """A checkpoint entry whose signature verified with a trusted key."""

    entry: int  # the seq of the checkpoint entry itself
    seq: int  # the entry it vouches for
    hash: str
    signer: str  # alice, web:alice, slack:bob, serve
    key_id: str
    key_name: str
    at: float
    via: str
    ref: str | None

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class Finding(NamedTuple):
    """A checkpoint problem: `seq` is the entry where it shows (log.Problem is built from it)."""

    seq: int
    code: str
    message: str


def _signed_text(fields: Mapping[str, Any]) -> bytes:
    body = json.dumps({k: v for k, v in fields.items() if k != "signature"}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return DOMAIN + body.encode("utf-8")


def statement(key: PublicKey, *, seq: int, hash_: str, signer: str, via: str, ref: str | None,
              now: float | None = None) -> dict[str, Any]:
    """The fields a checkpoint signs (a human key always signs in its own name)."""
    from blastwall.redact import redact

    if via not in VIAS:
        raise ValueError(f"unknown checkpoint origin {via!r}")
    if key.role == "approver":
        signer = key.name
    return {"v": VERSION, "seq": int(seq), "hash": str(hash_), "signer": redact(signer)[:200], "key_id": key.key_id,
            "at": round(time.time() if now is None else now, 3), "via": via,
            "ref": None if ref is None else redact(ref)[:200]}


def sign(store: Store, private: Any, key: PublicKey, *, seq: int, hash_: str, signer: str, via: str,
         ref: str | None = None, now: float | None = None) -> AuditRow:
    """Sign "entry `seq` has hash `hash_`" and append it to the log as a checkpoint entry."""
    from blastwall.audit.log import record_verbatim

    fields = signed(private, key, seq=seq, hash_=hash_, signer=signer, via=via, ref=ref, now=now)
    return record_verbatim(store, KIND, fields["ref"], entry_text(fields))


def signed(private: Any, key: PublicKey, *, seq: int, hash_: str, signer: str, via: str, ref: str | None = None,
           now: float | None = None) -> dict[str, Any]:
    """The checkpoint's fields with their signature, not yet written anywhere (in system mode the
    human's process signs them and the daemon, which alone writes the store, appends them)."""
    fields = statement(key, seq=seq, hash_=hash_, signer=signer, via=via, ref=ref, now=now)
    fields["signature"] = sign_bytes(private, _signed_text(fields))
    return fields


def entry_text(fields: Mapping[str, Any]) -> str:
    """The audit entry's text for signed checkpoint fields (written verbatim)."""
    return json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def vouch(store: Store, row: AuditRow, private: Any, key: PublicKey, *, signer: str, via: str,
          ref: str | None = None) -> AuditRow | None:
    """Sign a checkpoint for `row` (the entry a decision just wrote). A store that fails here
    leaves the decision made and unvouched (None): the next checkpoint covers it."""
    from blastwall.store.base import StoreError

    try:
        return sign(store, private, key, seq=row.seq, hash_=row.hash, signer=signer, via=via, ref=ref)
    except StoreError:
        return None


def read(row: AuditRow, trusted: Mapping[str, PublicKey]) -> Checkpoint | Finding:
    """The checkpoint in entry `row` if its signature verifies with a trusted key."""
    def bad(code: str, message: str) -> Finding:
        return Finding(row.seq, code, f"checkpoint entry {row.seq} {message}")

    try:
        fields = json.loads(row.data)
    except ValueError:
        return bad(MALFORMED, "is not valid JSON")
    if not isinstance(fields, dict) or fields.get("v") != VERSION:
        return bad(MALFORMED, "is not a blastwall checkpoint of a known version")
    key = trusted.get(str(fields.get("key_id")))
    if key is None:
        return bad(UNKNOWN_KEY, f"is signed by key {str(fields.get('key_id'))[:16]}, which is not a trusted approver "
                                "key here (keys/*.pub or [approvals] approvers)")
    if not verify_signature(key, _signed_text(fields), str(fields.get("signature", ""))):
        return bad(BAD_SIGNATURE, f"does not verify with key {key.name}: it was forged or altered")
    try:
        point = Checkpoint(row.seq, int(fields["seq"]), str(fields["hash"]), str(fields["signer"]), key.key_id,
                           key.name, float(fields["at"]), str(fields["via"]),
                           None if fields.get("ref") is None else str(fields["ref"]))
    except (KeyError, TypeError, ValueError) as exc:
        return bad(MALFORMED, f"lacks a field ({exc})")
    if key.role == "approver" and point.signer != key.name:
        return bad(MALFORMED, f"is signed by key {key.name} in the name of {point.signer}")
    if not 0 < point.seq < row.seq:
        return bad(MALFORMED, f"vouches for entry {point.seq}, which is not an entry before it")
    return point


class Outcome(NamedTuple):
    findings: tuple[Finding, ...]
    verified: tuple[Checkpoint, ...]  # signatures that verified and entries that still match
    vouched: Checkpoint | None  # the latest of those before the first damage to the log


def check(rows: Iterable[AuditRow], trusted: Mapping[str, PublicKey], *, first_problem: int | None,
          now: float | None = None) -> Outcome:
    """Every checkpoint entry in `rows` (all the log's rows, in storage order) against the entry
    it vouches for. `first_problem` is the first entry where the chain itself is broken."""
    from blastwall.humanize import relative

    all_rows = list(rows)
    by_seq = {r.seq: r for r in all_rows}
    findings: list[Finding] = []
    holding: list[Checkpoint] = []
    broken: list[tuple[Checkpoint, AuditRow | None]] = []
    for row in all_rows:
        if row.kind != KIND:
            continue
        found = read(row, trusted)
        if isinstance(found, Finding):
            findings.append(found)
            continue
        target = by_seq.get(found.seq)
        if target is not None and target.hash == found.hash:
            holding.append(found)
        else:
            broken.append((found, target))
    for point, target in broken:
        earlier = [p.seq for p in holding if p.seq < point.seq]
        since = (f"after entry {max(earlier)}, the last entry a checkpoint still vouches for" if earlier
                 else "from the start of the log or later")
        who = f"{point.signer} signed {relative(point.at, now)} (checkpoint entry {point.entry})"
        if target is None:
            message = (f"entry {point.seq}, which {who} vouches for, is no longer in the log: the log was cut "
                       f"short or rewritten {since}")
        else:
            message = (f"entry {point.seq} no longer has the hash {point.hash[:16]} that {who} vouches for (it now "
                       f"has {target.hash[:16]}): the log up to entry {point.seq} was rewritten {since}")
        findings.append(Finding(point.seq, MISMATCH, message))
    holding.sort(key=lambda p: (p.seq, p.at))
    # Nothing at or after the first damage is vouched for: not where the chain breaks, and not
    # where a checkpoint no longer matches (a later checkpoint may have signed the rewrite).
    limits = [s for s in (first_problem, *(p.seq for p, _ in broken)) if s is not None]
    clean = [p for p in holding if not limits or p.seq < min(limits)]
    findings.sort(key=lambda f: f.seq)
    return Outcome(tuple(findings), tuple(holding), clean[-1] if clean else None)


def default_trusted(cwd: str | None = None) -> dict[str, PublicKey]:
    """The keys trusted here: `keys/*.pub` and `[approvals] approvers` of the trusted policy layers
    for `cwd` (the keys folder alone when the policy cannot be read)."""
    from blastwall.approvals.keys import KeyError_, trusted_keys

    try:
        from blastwall.approvals.settings import settings_of
        from blastwall.policy.load import load_policy

        section: Mapping[str, Any] = settings_of(load_policy(cwd)).raw
    except Exception:  # noqa: BLE001 - an unreadable policy leaves the keys folder
        section = {}
    try:
        return trusted_keys(section)
    except KeyError_:
        return trusted_keys({})


class Witness:
    """A long-running signer (`blastwall serve --checkpoint-every`) that remembers, in its own
    memory, the last entry it vouched for. Each `tick` signs the head when entries were added
    since, but only after checking that the entry it vouched for last still has its hash and that
    every entry since chains to it: a rewrite, even one that also deleted the checkpoints from the
    store, stops it signing (`alarm` says why) instead of vouching for the rewritten log."""

    def __init__(self, private: Any, key: PublicKey, *, signer: str = "serve",
                 trusted: Callable[[], Mapping[str, PublicKey]] | None = None) -> None:
        self.private, self.key, self.signer = private, key, signer
        self.trusted = trusted or default_trusted
        self.last: tuple[int, str] | None = None
        self.alarm: str | None = None

    def tick(self, store: Store) -> AuditRow | None:
        """Sign a checkpoint of the head if there is something new to vouch for; None otherwise."""
        if self.alarm is not None:
            return None
        tip = self._new_tip(store)
        if tip is None:
            return None
        row = sign(store, self.private, self.key, seq=tip.seq, hash_=tip.hash, signer=self.signer, via="serve")
        self.last = (tip.seq, tip.hash)
        return row

    def _new_tip(self, store: Store) -> AuditRow | None:
        from blastwall.audit.log import entry_hash, verify_rows

        if self.last is None:  # the first look: the whole log must verify
            rows = list(store.audit_rows())
            report = verify_rows(rows, store.audit_head(), self.trusted())
            if not report.ok:
                first = report.problems[0]
                self.alarm = (f"the audit log does not verify ({first.code} at entry {first.seq}); no periodic "
                              "checkpoints until a human has looked (`blastwall audit verify`) and restarted the server")
                return None
            if not rows:
                return None
            tip = next(r for r in rows if r.seq == report.head_seq)
            if report.unvouched == 0:
                self.last = (tip.seq, tip.hash)  # vouched for already: watch it from here
                return None
            return tip
        seq, digest = self.last
        fresh = list(store.audit_rows(after=seq - 1))
        if not fresh or fresh[0].seq != seq or fresh[0].hash != digest or \
                entry_hash(fresh[0].prev, fresh[0].ts, fresh[0].kind, fresh[0].ref, fresh[0].data) != digest:
            self.alarm = (f"entry {seq}, which this server vouched for, no longer has the hash it signed: the audit "
                          "log was rewritten; no more periodic checkpoints (`blastwall audit verify`)")
            return None
        for before, row in zip(fresh, fresh[1:], strict=False):
            if row.prev != before.hash or entry_hash(row.prev, row.ts, row.kind, row.ref, row.data) != row.hash:
                self.alarm = (f"entry {row.seq} does not follow the entry before it: the audit log was changed after "
                              f"entry {seq}, which this server vouched for; no more periodic checkpoints "
                              "(`blastwall audit verify`)")
                return None
        if not any(r.kind != KIND for r in fresh[1:]):
            return None  # nothing new, or only checkpoints
        return fresh[-1]
