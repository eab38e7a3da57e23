"""The approval page as a Starlette app: sign in, see pending requests, approve or deny.

    app = create_app(None, "server", None)      # the default store, key `server`, no passphrase

The server holds a private key (the agent never sees it) and signs a grant for the logged-in
human: with a key of role `server` the grant names them (`web:alice`, `slack:bob`) and a
request needing two approvals counts two people; with a key of role `approver` the grant names
the key itself (grants.issue insists on that), so every web user then counts as one approver.

Routes:
- `GET /login[?token=]`, `POST /login`, `POST /logout`: sign in with a login token (auth.py);
- `GET /`, `GET /requests/{id}`, `GET /history`: the pages (pages.py, request_page.py);
- `GET /sessions`, `GET /sessions/{id}`: agent sessions and one session's timeline (timeline_page.py);
- `POST /requests/{id}/approve|deny`: the decisions (CSRF token + same-origin check); approve's
  `scope` is the button pressed: `once` or `window:NAME:MINUTES` (once, and the window opened for
  the request's folder and rules);
- `GET /api/requests[/{id}]`: the same data as JSON (session cookie or `Authorization: Bearer
  <login token>`);
- `POST /slack/actions`: Slack buttons (slack.py), when `[approvals.slack]` is set up;
- `GET /style.css`, `GET /healthz` (for a load balancer) need no login.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request as HttpRequest
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from blastwall.approvals import decide, keys
from blastwall.approvals.web import auth, pages, slack, timeline_page
from blastwall.approvals.web.desk import Desk
from blastwall.approvals.web.pages import Flash, Viewer
from blastwall.approvals.web.request_page import request_page
from blastwall.locations import keys_dir
from blastwall.store import open_store
from blastwall.store.base import Store, StoreError

SESSION_COOKIE, LOGIN_COOKIE, FLASH_COOKIE = "bw_session", "bw_login", "bw_flash"
T = TypeVar("T")

SECURITY_HEADERS = (
    ("content-security-policy", "default-src 'self'; style-src 'self'; script-src 'none'; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("cross-origin-opener-policy", "same-origin"),
)


class WebError(RuntimeError):
    """The approval page cannot start; the message says what to fix."""


class Guard:
    """ASGI middleware: refuse unknown `Host` headers (DNS rebinding) and add security headers."""

    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str] | None) -> None:
        self.app, self.allowed_hosts = app, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS)]
            await send(message)

        if self.allowed_hosts is not None:
            host = (urlsplit("//" + Headers(scope=scope).get("host", "")).hostname or "").lower()
            if host not in self.allowed_hosts:
                await PlainTextResponse(f"unknown host {host[:80]!r}; open the page by the address blastwall serve "
                                        "printed (or pass --allowed-host)", 421)(scope, receive, with_headers)
                return
        await self.app(scope, receive, with_headers)


def _json_error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status)


class Web:
    """The app's state and its handlers."""

    def __init__(self, store: Store, key: keys.PublicKey, private: Any, *, secure: bool,
                 allowed_origins: frozenset[str], approvals: Mapping[str, Any], keys_folder: str | None,
                 slack_config: slack.SlackConfig | None, session_ttl_s: float) -> None:
        self.desk = Desk(store, key, private, approvals=approvals, keys_folder=keys_folder)
        self.secure, self.allowed_origins, self.slack = secure, allowed_origins, slack_config
        self.signer = auth.Signer(auth.key_secret(private), session_ttl_s=session_ttl_s)
        self._lock = threading.Lock()

    # --- plumbing ----------------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` in a worker thread, one at a time (the store holds one connection). A broken
        connection is reopened for the next call."""
        def locked() -> T:
            with self._lock:
                try:
                    return fn(*args)
                except StoreError:
                    self.desk.reopen()
                    raise
        return await run_in_threadpool(locked)

    def _cookie(self, response: Response, name: str, value: str, max_age: int, path: str = "/") -> None:
        response.set_cookie(name, value, max_age=max_age, path=path, secure=self.secure, httponly=True,
                            samesite="strict")

    def _user_for_token(self, token: str) -> tuple[str, str] | None:
        return auth.user_for_token(self.desk.store, token, self.signer.secret)

    def _audit_login(self, user: str | None) -> None:
        from blastwall.audit.log import record

        record(self.desk.store, "login", user or "-", {"user": user, "ok": user is not None, "via": "web"})

    def _known(self, rid: str) -> bool:
        return self.desk.store.get_request(rid) is not None

    def _user(self, cookie: str | None) -> auth.Session | None:
        session = self.signer.read_session(cookie)
        if session is None:
            return None
        stored = auth.users(self.desk.store, self.signer.secret).get(session.user)
        return session if stored is not None and stored[:16] == session.token_tag else None

    async def _viewer(self, request: HttpRequest) -> Viewer | None:
        session = await self.call(self._user, request.cookies.get(SESSION_COOKIE))
        return Viewer(session.user, self.signer.csrf_token(session)) if session else None

    async def _api_user(self, request: HttpRequest) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            found = await self.call(self._user_for_token, header[7:].strip())
            return found[0] if found else None
        viewer = await self._viewer(request)
        return viewer.user if viewer else None

    def _flash(self, request: HttpRequest) -> Flash | None:
        data = self.signer.unseal("flash", request.cookies.get(FLASH_COOKIE))
        return Flash(str(data.get("k")), str(data.get("m"))) if data else None

    def _page(self, request: HttpRequest, html: str, status: int = 200) -> HTMLResponse:
        response = HTMLResponse(html, status)
        if FLASH_COOKIE in request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def _redirect(self, url: str, flash: Flash | None = None) -> RedirectResponse:
        response = RedirectResponse(url, 303)
        if flash is not None:
            self._cookie(response, FLASH_COOKIE, self.signer.seal("flash", {"k": flash.kind, "m": flash.message[:600]}),
                         60)
        return response

    def _forbidden(self, message: str, viewer: Viewer | None = None) -> HTMLResponse:
        return HTMLResponse(pages.error_page("Refused", message, viewer), 403)

    async def _checked_form(self, request: HttpRequest) -> tuple[Viewer, Any] | Response:
        """The viewer and the form of a state-changing POST, or the 403 that refuses it."""
        problem = auth.cross_site(request.headers, request.headers.get("host", ""), self.allowed_origins)
        if problem:
            return self._forbidden(f"Refused: {problem}. Open this page from the server itself and try again.")
        session = await self.call(self._user, request.cookies.get(SESSION_COOKIE))
        if session is None:
            return self._forbidden("Refused: you are not signed in, or your session ended. Sign in and try again.")
        form = await request.form()
        if not self.signer.csrf_ok(session, str(form.get("csrf") or "")):
            return self._forbidden("Refused: the form's CSRF token is missing or wrong. Reload the page and try again.")
        return Viewer(session.user, self.signer.csrf_token(session)), form

    # --- handlers ----------------------------------------------------------------------------

    async def style(self, request: HttpRequest) -> Response:
        return Response(pages.CSS, media_type="text/css")

    async def healthz(self, request: HttpRequest) -> Response:
        return PlainTextResponse("ok")

    def _login_form(self, error: str = "", status: int = 200) -> HTMLResponse:
        nonce = self.signer.login_nonce()
        response = HTMLResponse(pages.login_page(self.signer.login_token(nonce), error), status)
        self._cookie(response, LOGIN_COOKIE, nonce, auth.LOGIN_NONCE_TTL_S, path="/login")
        return response

    async def _sign_in(self, token: str) -> Response:
        found = await self.call(self._user_for_token, token)
        await self.call(self._audit_login, found[0] if found else None)
        if found is None:
            return self._login_form("That login token is not valid (it may have been replaced).", 403)
        cookie, _ = self.signer.new_session(*found)
        response = self._redirect("/")
        self._cookie(response, SESSION_COOKIE, cookie, int(self.signer.session_ttl_s))
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    async def login_get(self, request: HttpRequest) -> Response:
        token = request.query_params.get("token")
        if token:
            if request.headers.get("sec-fetch-site", "none").lower() not in ("none", "same-origin"):
                # A link on another site must not sign this browser in to someone else's account.
                return self._login_form("This sign-in link came from another site; paste your token to sign in.")
            return await self._sign_in(token)
        if await self._viewer(request):
            return self._redirect("/")
        return self._login_form()

    async def login_post(self, request: HttpRequest) -> Response:
        problem = auth.cross_site(request.headers, request.headers.get("host", ""), self.allowed_origins)
        if problem:
            return self._forbidden(f"Refused: {problem}. Open the sign-in page from the server itself.")
        form = await request.form()
        if not self.signer.login_ok(request.cookies.get(LOGIN_COOKIE), str(form.get("login_csrf") or "")):
            return self._login_form("The sign-in form expired or did not come from this page; try again.", 403)
        return await self._sign_in(str(form.get("token") or ""))

    async def logout(self, request: HttpRequest) -> Response:
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        response = self._redirect("/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def index(self, request: HttpRequest) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._redirect("/login")
        rows = await self.call(self.desk.pending_rows)
        return self._page(request, pages.pending_page(rows, viewer, self._flash(request), time.time()))

    async def detail(self, request: HttpRequest) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._redirect("/login")
        found = await self.call(self.desk.detail, request.path_params["rid"])
        if found is None:
            return self._page(request, pages.error_page("Not found", "There is no such request.", viewer), 404)
        return self._page(request, request_page(found, viewer, self._flash(request), time.time()))

    async def history(self, request: HttpRequest) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._redirect("/login")
        done, audit = await self.call(self.desk.history)
        return self._page(request, pages.history_page(done, audit, viewer, time.time()))

    async def sessions(self, request: HttpRequest) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._redirect("/login")
        found = await self.call(self.desk.sessions)
        return self._page(request, timeline_page.sessions_page(found, viewer, time.time()))

    async def session(self, request: HttpRequest) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return self._redirect("/login")
        sid = request.path_params["sid"]
        steps = await self.call(self.desk.session, sid)
        return self._page(request, timeline_page.session_page(sid, steps, viewer, self._flash(request)),
                          200 if steps else 404)

    async def approve(self, request: HttpRequest) -> Response:
        return await self._decide(request, self._approve)

    def _approve(self, rid: str, approver: str, reason: str, scope: str = "once") -> str:
        """`scope` is the button pressed: `once`, or `window:NAME:MINUTES`."""
        if scope in ("", "once", "approve"):
            return self.desk.approve(rid, approver, reason)
        kind, _, rest = scope.partition(":")
        name, _, minutes = rest.rpartition(":")
        if kind != "window" or not name or not minutes.isdigit():
            raise decide.DecideError(f"unknown approval {scope[:60]!r}; reload the page")
        return self.desk.approve_window(rid, approver, reason, name, int(minutes))

    async def deny(self, request: HttpRequest) -> Response:
        return await self._decide(request, self.desk.deny)

    async def _decide(self, request: HttpRequest, act: Callable[..., str]) -> Response:
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        viewer, form = checked
        rid = request.path_params["rid"]
        reason = " ".join(str(form.get("reason") or "").split())[:500]
        extra = [str(form.get("scope") or "once")[:200]] if act == self._approve else []
        try:
            flash = Flash("ok", await self.call(act, rid, f"web:{viewer.user}", reason, *extra))
        except decide.DecideError as exc:
            flash = Flash("error", str(exc))
        known = await self.call(self._known, rid)
        return self._redirect(f"/requests/{quote(rid, safe='')}" if known else "/", flash)

    async def api_list(self, request: HttpRequest) -> Response:
        if await self._api_user(request) is None:
            return _json_error("sign in first (session cookie or Authorization: Bearer <login token>)", 401)
        rows = await self.call(self.desk.pending)
        return JSONResponse({"requests": [self.desk.as_json(r, n) for r, n in rows]})

    async def api_detail(self, request: HttpRequest) -> Response:
        if await self._api_user(request) is None:
            return _json_error("sign in first (session cookie or Authorization: Bearer <login token>)", 401)
        found = await self.call(self.desk.detail, request.path_params["rid"])
        if found is None:
            return _json_error("no such request", 404)
        out = self.desk.as_json(found.request, found.approvals)
        out["grants"] = [dict(g._asdict(), valid=not g.problem) for g in found.grants]
        out["same_action"] = [r.id for r in found.same]
        return JSONResponse(out)

    async def slack_actions(self, request: HttpRequest) -> Response:
        if self.slack is None:
            return _json_error("Slack is not set up on this server ([approvals.slack])", 404)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > slack.MAX_BODY:
                return _json_error("request too large", 413)
        problem = slack.check_signature(request.headers, body, self.slack.secret)
        if problem:
            return _json_error(problem, 401)
        config = self.slack
        result = await self.call(slack.handle, body, config, lambda rid, who: self.desk.approve(rid, who, "from Slack"),
                                 lambda rid, who: self.desk.deny(rid, who, "from Slack"))
        return JSONResponse(result)

    def routes(self) -> list[Route]:
        return [
            Route("/style.css", self.style), Route("/healthz", self.healthz),
            Route("/login", self.login_get, methods=["GET"]), Route("/login", self.login_post, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/", self.index), Route("/history", self.history),
            Route("/sessions", self.sessions), Route("/sessions/{sid}", self.session),
            Route("/requests/{rid}", self.detail),
            Route("/requests/{rid}/approve", self.approve, methods=["POST"]),
            Route("/requests/{rid}/deny", self.deny, methods=["POST"]),
            Route("/api/requests", self.api_list), Route("/api/requests/{rid}", self.api_detail),
            Route("/slack/actions", self.slack_actions, methods=["POST"]),
        ]


def _server_approvals(approvals: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The `[approvals]` section of the policy where the server runs (empty when unreadable)."""
    if approvals is not None:
        return approvals
    from blastwall.policy.load import load_policy

    try:
        return dict(load_policy(os.getcwd()).section("approvals") or {})
    except Exception:  # noqa: BLE001 - the page works on defaults; `blastwall policy check` shows the problem
        return {}


def create_app(store_url: str | None, key_name: str, passphrase: bytes | None, *, keys_folder: str | None = None,
               secure_cookies: bool = False, allowed_hosts: Iterable[str] | None = None,
               allowed_origins: Iterable[str] = (), approvals: Mapping[str, Any] | None = None,
               env: Mapping[str, str] | None = None, session_ttl_s: float = auth.SESSION_TTL_S) -> Starlette:
    """The approval page. `allowed_hosts` (host names) limits the `Host` header (None: any);
    `allowed_origins` adds `host:port` values a form may come from (a proxy's public name);
    `approvals` replaces the `[approvals]` section read from the policy where the server runs.
    Raises `WebError` when the key, the store or the Slack settings cannot be used."""
    try:
        key, private = keys.load_private(key_name, passphrase, folder=keys_folder)
    except keys.KeyError_ as exc:
        hint = (f" (for this page: `blastwall keys init --name {key_name} --role server`)"
                if not os.path.exists(os.path.join(keys_folder or keys_dir(), f"{key_name}.key")) else "")
        raise WebError(f"{exc}{hint}") from exc
    section = _server_approvals(approvals)
    try:
        slack_config = slack.config_of(section, env)
    except slack.SlackConfigError as exc:
        raise WebError(str(exc)) from exc
    try:
        store = open_store(store_url)
        web = Web(store, key, private, secure=secure_cookies, approvals=section, keys_folder=keys_folder,
                  allowed_origins=frozenset(o.lower() for o in allowed_origins), slack_config=slack_config,
                  session_ttl_s=session_ttl_s)
    except StoreError as exc:
        raise WebError(str(exc)) from exc
    app = Starlette(routes=web.routes())
    app.add_middleware(Guard, allowed_hosts=frozenset(h.lower() for h in allowed_hosts)
                       if allowed_hosts is not None else None)
    app.state.web = web
    return app
