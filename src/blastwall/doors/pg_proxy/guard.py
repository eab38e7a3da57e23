"""What the proxy does with one statement: the engine's verdict, then the approvals gate.

    guard = Guard(policy, cwd=..., agent=..., environment=...)
    ctx = guard.context(user="app", database="app", host="10.0.0.5", port=5432)
    if not guard.cached(cache, sql):          # fast path: an allowed statement seen before
        outcome = await guard.decide(ctx, sql_text, cache, sql)

The verdict comes from `engine.check_action` on `Action(Surface.SQL, text, ctx)`; the gate then
audits it and turns an `ask` into an approval request (or a grant a human signed for exactly this
statement on this connection context). Both run in a worker thread: preflight may probe a server
and the gate may wait for a human, and the event loop keeps serving every other connection.

Allowed verdicts are cached per connection context (exact text, and the literal-free shape of
statements where literals cannot matter, see shapes.py), in a bounded LRU; ask and deny are never
cached. A cached statement is not audited again: the audit log holds the first time each
distinct allowed statement was seen by this proxy process, and every ask and deny.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple
from urllib.parse import quote

from blastwall.approvals.gate import Gated
from blastwall.doors.pg_proxy.shapes import MAX_LEN, mask, shape
from blastwall.model import Action, Context, Decision, Surface, Verdict

# SQLSTATEs of the errors the proxy answers with (docs/pg-proxy.md).
DENIED = "42501"  # insufficient_privilege: the policy or a human said no
HELD = "55000"  # object_not_in_prerequisite_state: waiting for a human's approval
NO_SNAPSHOT = "58000"  # system_error: approved, but the safety net could not be put in place
UNREADABLE = "22021"  # character_not_in_repertoire: text blastwall cannot decode


_SHAPED = b"\x00shape:"  # cache keys of shapes (statement texts never hold a NUL)


class Refusal(NamedTuple):
    code: str
    message: str
    hint: str = ""


class Outcome(NamedTuple):
    """`refusal` None: forward the statement; `approved`: a human approved it (take a snapshot)."""

    refusal: Refusal | None
    verdict: Verdict | None = None
    gated: Gated | None = None

    @property
    def approved(self) -> bool:
        return self.gated is not None and self.gated.state == "approved"


class Cache:
    """A bounded LRU of statements (exact bytes or shapes) known to be allowed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: OrderedDict[bytes, None] = OrderedDict()

    @property
    def table(self) -> OrderedDict[bytes, None]:
        """The keys themselves: the compiled data plane looks Queries up in it (lanes.py)."""
        return self._d

    def clear(self) -> None:
        self._d.clear()

    def __contains__(self, key: bytes) -> bool:
        try:  # one call: another thread may evict the key at any moment
            self._d.move_to_end(key)
            return True
        except KeyError:
            return False

    def add(self, key: bytes) -> None:
        self._d[key] = None
        if len(self._d) > self.size:
            with contextlib.suppress(KeyError):
                self._d.popitem(last=False)

    def __len__(self) -> int:
        return len(self._d)


Checker = Callable[[Action, Any], Verdict]


def summary(text: str, limit: int = 80) -> str:
    from blastwall.redact import redact

    one = " ".join(redact(text).split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


class Guard:
    def __init__(self, policy: Any, *, cwd: str | None = None, agent: str | None = None,
                 environment: str | None = None, cache_size: int = 4096, workers: int = 16,
                 checker: Checker | None = None) -> None:
        self.policy = policy
        self.cwd, self.agent, self.environment = cwd, agent, environment
        self.cache_size = cache_size
        self._caches: OrderedDict[Any, Cache] = OrderedDict()
        self._checker = checker
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blastwall-check")
        self._local = threading.local()
        self._stores: list[Any] = []
        self._lock = threading.Lock()

    # --- contexts and caches -------------------------------------------------------------------

    def context(self, *, user: str, database: str, host: str, port: int) -> Context:
        """The context of every statement on one connection: the same for every connection of the
        same user to the same database, so an approved statement's retry on a new connection matches."""
        where = quote(host, safe="") if host.startswith("/") else host  # a socket directory, as libpq writes it
        url = f"postgres://{quote(user, safe='')}@{where}:{port}/{quote(database, safe='')}"
        return Context(cwd=self.cwd, agent=self.agent, database=url, environment=self.environment)

    def cache_for(self, key: Any) -> Cache:
        cache = self._caches.get(key)
        if cache is None:
            cache = self._caches[key] = Cache(self.cache_size)
            if len(self._caches) > 256:
                self._caches.popitem(last=False)
        return cache

    def clear(self) -> None:
        """Forget every allowed statement, in the caches open sessions hold too (a reload)."""
        for cache in self._caches.values():
            cache.clear()
        self._caches.clear()

    @staticmethod
    def cached(cache: Cache, sql: bytes) -> bool:
        return sql in cache or (len(sql) <= MAX_LEN and _SHAPED + mask(sql) in cache)

    # --- deciding ------------------------------------------------------------------------------

    async def decide(self, ctx: Context, text: str, cache: Cache, sql: bytes) -> Outcome:
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self._pool, self._decide, ctx, text)
        v = outcome.verdict
        if outcome.refusal is None and v is not None and v.decision is Decision.ALLOW and not v.degraded \
                and not outcome.approved:
            cache.add(sql)
            if shape(sql) is not None:
                cache.add(_SHAPED + mask(sql))
        return outcome

    def _decide(self, ctx: Context, text: str) -> Outcome:
        from blastwall.approvals.gate import gate
        from blastwall.engine import check_action

        action = Action(Surface.SQL, text, ctx)
        checker = self._checker or check_action
        verdict = checker(action, self.policy)
        g = gate([action], [verdict], verdict.decision.value, verdict.reasons, policy=self.policy, can_ask=False,
                 store=self._store())
        return Outcome(self._refusal(text, verdict, g), verdict, g)

    def _store(self) -> Any:
        store = getattr(self._local, "store", None)
        if store is None:
            try:
                from blastwall.store import open_store

                store = open_store()
            except Exception:  # noqa: BLE001 - the gate opens (and reports) the store itself
                return None
            self._local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    @staticmethod
    def _refusal(text: str, v: Verdict, g: Gated) -> Refusal | None:
        if g.decision == "allow":
            return None
        what = summary(text)
        why = "; ".join(g.reasons) or "; ".join(v.reasons) or "blastwall's policy"
        if g.state == "pending" and g.request_id:
            rid = g.request_id
            return Refusal(HELD, f"blastwall: {what} is held for a human's approval: {why} (request {rid}; approve "
                                 f"with `blastwall approve {rid}`, then run it again)",
                           f"a human runs `blastwall approve {rid}`; then send exactly the same statement again")
        if g.state == "denied":
            return Refusal(DENIED, f"blastwall: {what} was denied: {why}", "do not retry this statement")
        if g.decision == "ask":
            return Refusal(HELD, f"blastwall: {what} needs a human's approval, which the pg-proxy cannot ask for "
                                 f"([approvals] mode = \"agent\"): {why}",
                           "set [approvals] mode = \"defer\" or \"wait\", or have a human run it")
        return Refusal(DENIED, f"blastwall: {what} is not allowed: {why}", "this statement is blocked by policy")

    def refusal(self, code: str, message: str, hint: str = "") -> Outcome:
        return Outcome(Refusal(code, message, hint))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for store in self._stores:
                with contextlib.suppress(Exception):
                    store.close()
            self._stores.clear()
