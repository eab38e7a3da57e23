"""The gateway's ASGI application: `/ROUTE/PATH?QUERY` goes to the route's upstream.

    app = Gateway(cfg, policy, tokens={"railway": "..."})   # tokens: credential name -> value

Per request, in order: find the route (404), authenticate the agent's gateway token (401) and
check that the agent may use the route (403), read the body up to `max_body` (bigger bodies:
413, or spooled to disk and asked about when `oversize = "ask"`), build the action, check and
gate it on a worker thread (403 deny, 428 held for approval; with `[approvals] mode = "wait"`
the request is held until a human decides), then forward it with the real credential and
stream the answer back (502/504 when upstream fails). Every answer blastwall itself writes is
JSON: `{"error": "blastwall", "status", "decision", "state", "reasons", "request_id"?,
"message", "errors": [{"message"}]}` (the last one so GraphQL clients show the message).

A plain ASGI callable rather than a framework app: it is one catch-all route, and every
microsecond here is added to each API call an agent makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from blastwall.doors.gateway import upstream
from blastwall.doors.gateway.action import Body, build_action, forward_headers, upstream_url
from blastwall.doors.gateway.auth import authenticate, presented
from blastwall.doors.gateway.client import Content
from blastwall.doors.gateway.config import GatewayConfig, Route
from blastwall.doors.gateway.decide import Checked, Decider, Ruling

log = logging.getLogger("blastwall.gateway")
STATUS = {"deny": 403, "pending": 428, "denied": 403, "scope": 403, "agent": 403}
WATCH_OVER = 1024 * 1024  # stream answers larger than this (or of unknown size) watch for the agent leaving

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Reply:
    """An answer blastwall writes itself (JSON)."""

    def __init__(self, status: int, message: str, *, decision: str = "deny", state: str = "",
                 reasons: tuple[str, ...] = (), request_id: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        body: dict[str, Any] = {"error": "blastwall", "status": status, "decision": decision, "state": state,
                                "reasons": list(reasons), "message": message, "errors": [{"message": message}]}
        if request_id:
            body["request_id"] = request_id
        self.status = status
        self.body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.headers = {"content-type": "application/json", **(headers or {})}
        if request_id:
            self.headers["x-blastwall-request"] = request_id

    async def send(self, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        headers.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def ruling_reply(r: Ruling) -> Reply:
    why = "; ".join(x.rstrip(". ") for x in r.reasons[:3]) or "blastwall could not decide on this request"
    if r.state == "pending":
        message = (f"blastwall held this request for a human's approval (request {r.request_id}): {why}. "
                   f"It was not sent. Ask the user to run `blastwall approve {r.request_id}`, then retry the "
                   "identical request once.")
        return Reply(428, message, decision=r.decision, state=r.state, reasons=r.reasons, request_id=r.request_id)
    if r.state == "agent":
        message = f"blastwall would ask a human about this request, and the gateway cannot ask: {why}. It was not sent."
    else:
        message = f"blastwall blocked this request: {why}. It was not sent; do not retry it unchanged."
    return Reply(STATUS.get(r.state or r.decision, 403), message, decision=r.decision, state=r.state,
                 reasons=r.reasons, request_id=r.request_id)


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class Gateway:
    def __init__(self, cfg: GatewayConfig, policy: Any, tokens: dict[str, str], *,
                 decider: Decider | None = None) -> None:
        self.cfg, self.tokens = cfg, tokens
        self.decider = decider or Decider(policy)
        self.pool = ThreadPoolExecutor(max_workers=cfg.workers, thread_name_prefix="blastwall-gateway")
        self.http = upstream.pool(cfg)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        # websockets are not proxied: returning without accepting closes them

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def shutdown(self) -> None:
        await self.http.aclose()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.decider.close()

    # --- the request --------------------------------------------------------------------------

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        t0 = time.perf_counter()
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        name, _, rest = path.lstrip("/").partition("/")
        method = scope["method"]
        route = self.cfg.routes.get(name)
        if route is None:
            return await Reply(404, f"no gateway route {name!r}; routes: {', '.join(sorted(self.cfg.routes))}",
                               state="no-route").send(send)
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        by_name = dict(headers)
        agent = authenticate(presented(by_name, route), self.cfg.agents.values())
        if agent is None:
            return await Reply(401, "missing or unknown gateway token: present the token `blastwall gateway token "
                                    "add` printed, as Authorization: Bearer or X-Blastwall-Token",
                               state="unauthenticated", headers={"www-authenticate": 'Bearer realm="blastwall"'}
                               ).send(send)
        if route.name not in agent.routes:
            return await Reply(403, f"agent {agent.name} may not use route {route.name}", state="route").send(send)
        token = self.tokens.get(route.credential)
        if not token:
            return await Reply(502, f"the gateway holds no credential {route.credential!r} for route {route.name}",
                               state="no-credential").send(send)
        try:
            body = await self._read_body(receive, by_name)
        except _TooLarge as exc:
            return await Reply(413, str(exc), state="too-large").send(send)
        except _Disconnected:
            return None
        rest_path = "/" + rest if rest or path.endswith("/") else ""
        query = scope.get("query_string", b"")
        action = build_action(method, route, agent, rest_path, query, headers, body, self.cfg.max_body)
        oversize = body.size > self.cfg.max_body
        ruling, audit = await self._decide(action, agent, route, oversize)
        if not ruling.forward:
            if body.spool is not None:
                body.spool.close()
            self._log(agent.name, route, method, rest_path, ruling.decision, ruling.state, t0)
            return await ruling_reply(ruling).send(send)
        await self._forward(scope, receive, send, route, token, rest_path, query, headers, body, agent.name, t0,
                            audit)
        return None

    async def _decide(self, action: Any, agent: Any, route: Route, oversize: bool
                      ) -> tuple[Ruling, asyncio.Future[Ruling] | None]:
        """Check and gate on one worker thread. An allowed request is released as soon as it is
        checked; the same thread then writes its audit entry (the second future) while the
        request goes upstream. Anything else waits for the gate (approvals may hold it)."""
        loop = asyncio.get_running_loop()
        checked: asyncio.Future[Ruling] = loop.create_future()
        audit: asyncio.Future[Ruling] = loop.create_future()

        def work() -> None:
            try:
                c = self.decider.check(action, agent, route, oversize=oversize)
                if isinstance(c, Checked) and c.decision == "allow":
                    loop.call_soon_threadsafe(_resolve, checked, Ruling(True, "allow"))
                    loop.call_soon_threadsafe(_resolve, audit, self.decider.gate(c))
                    return
                ruling = self.decider.gate(c)
            except BaseException as exc:  # noqa: BLE001 - a request that was not checked is never sent
                ruling = Ruling(False, "deny", reasons=(f"blastwall could not check this request ({type(exc).__name__})",))
            for future in (checked, audit):
                with contextlib.suppress(RuntimeError):  # the loop closed while shutting down
                    loop.call_soon_threadsafe(_resolve, future, ruling)

        self.pool.submit(work)
        ruling = await checked
        return ruling, (audit if ruling.forward else None)

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> Body:
        declared = headers.get("content-length", "")
        limit = self.cfg.max_body if self.cfg.oversize == "deny" else self.cfg.max_upload
        if declared.isdigit() and int(declared) > limit:
            raise _TooLarge(self._too_large(int(declared)))
        digest = hashlib.sha256()
        chunks: list[bytes] = []
        size = 0
        spool: Any = None
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                if spool is not None:
                    spool.close()
                raise _Disconnected()
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if not chunk:
                continue
            size += len(chunk)
            digest.update(chunk)
            if size > limit:
                if spool is not None:
                    spool.close()
                raise _TooLarge(self._too_large(size))
            if spool is None and size > self.cfg.max_body:
                spool = tempfile.TemporaryFile(prefix="blastwall-gateway-")  # 0600, unlinked at once
                for c in chunks:
                    spool.write(c)
                chunks = []
            if spool is not None:
                spool.write(chunk)
            else:
                chunks.append(chunk)
        if spool is not None:
            return Body(None, size, digest.hexdigest(), spool)
        return Body(b"".join(chunks), size, digest.hexdigest())

    def _too_large(self, size: int) -> str:
        limit = self.cfg.max_body if self.cfg.oversize == "deny" else self.cfg.max_upload
        return (f"the request body ({size} bytes) is larger than the gateway accepts ({limit} bytes); "
                "blastwall does not send what it cannot check")

    async def _forward(self, scope: Scope, receive: Receive, send: Send, route: Route, token: str, path: str,
                       query: bytes, headers: list[tuple[str, str]], body: Body, agent: str, t0: float,
                       audit: asyncio.Future[Ruling] | None = None) -> None:
        method = scope["method"]
        sent = forward_headers(headers, route)
        content: Content = body.data if body.spool is None else _spooled(body)
        if body.spool is not None:
            sent.append(("content-length", str(body.size)))
        scrub = upstream.Scrubber([token])
        try:
            resp = await upstream.send(self.http, method, upstream_url(route.upstream, path, query), sent, content,
                                       route, token)
        except upstream.UpstreamError as exc:
            if body.spool is not None:
                body.spool.close()
            await _settled(audit)
            self._log(agent, route, method, path, "allow", f"upstream {exc.status}", t0)
            return await Reply(exc.status, scrub.text(exc.message), decision="allow", state="upstream").send(send)
        host = dict(headers).get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 80)))
        base = f"{scope.get('scheme', 'http')}://{host}/{route.name}"
        out_headers = [(k.encode("latin-1"), v.encode("latin-1", "replace"))
                       for k, v in upstream.response_headers(resp, scrub, route, base)]
        self._log(agent, route, method, path, "allow", str(resp.status), t0)
        await send({"type": "http.response.start", "status": resp.status, "headers": out_headers})
        length = resp.header("content-length")
        watch = method != "HEAD" and (not length.isdigit() or int(length) > WATCH_OVER)
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch(receive, gone)) if watch else None
        try:
            held = b""  # the last chunk waits for the audit entry: the answer completes only once it is written
            async for chunk in upstream.body(resp, scrub):
                if gone.is_set():
                    return None
                if held:
                    await send({"type": "http.response.body", "body": held, "more_body": True})
                held = chunk
            await _settled(audit)
            audit = None
            await send({"type": "http.response.body", "body": held})
        except Exception:  # noqa: BLE001 - the status is sent; cutting the stream is all that is left
            log.warning("upstream %s broke off mid-answer", route.name)
        finally:
            await resp.aclose()
            if watcher is not None:
                watcher.cancel()
            await _settled(audit)
        return None

    def _log(self, agent: str, route: Route, method: str, path: str, decision: str, outcome: str, t0: float) -> None:
        if log.isEnabledFor(logging.INFO):  # the path only: a query string can hold a secret
            log.info("%s %s %s /%s%s -> %s (%.1f ms)", decision, agent, method, route.name, path.split("?")[0],
                     outcome, (time.perf_counter() - t0) * 1000)


def _resolve(future: asyncio.Future[Ruling], value: Ruling) -> None:
    if not future.done():
        future.set_result(value)


async def _settled(audit: asyncio.Future[Ruling] | None) -> None:
    """Wait for the audit entry of an allowed request (the gate never raises)."""
    if audit is not None:
        ruling = await audit
        if not ruling.forward:  # pragma: no cover - the gate keeps an allow an allow
            log.error("the approvals gate turned an allowed request into %s after it was sent", ruling.decision)


async def _watch(receive: Receive, gone: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            if (await receive())["type"] == "http.disconnect":
                gone.set()
                return


async def _spooled(body: Body) -> AsyncIterator[bytes]:
    spool = body.spool
    try:
        spool.seek(0)
        while True:
            chunk = spool.read(upstream.CHUNK)
            if not chunk:
                break
            yield chunk
    finally:
        spool.close()


def build_app(cfg: GatewayConfig, policy: Any, tokens: dict[str, str], *, decider: Decider | None = None) -> Gateway:
    return Gateway(cfg, policy, tokens, decider=decider)
