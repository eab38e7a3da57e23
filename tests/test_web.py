"""`blastwall serve`: the approval page, its login, CSRF and origin checks, the JSON API and the
Slack endpoint (Starlette's TestClient), and one run in a real headless Chromium that approves
a hook process waiting on `git push --force origin main`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import typer
from needs import playwright_for

with warnings.catch_warnings():  # Starlette suggests httpx2 over httpx; either drives the TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from hookio import private_env
from pg import PgServer, postgres  # noqa: F401  (the session fixture)
from typer.testing import CliRunner

from blastwall.approvals import keys
from blastwall.approvals.grants import verify
from blastwall.approvals.requests import build_request
from blastwall.approvals.web import WebError, auth, create_app
from blastwall.approvals.web.cli import PASSPHRASE_FILE_VAR, read_passphrase, register
from blastwall.engine import check_action
from blastwall.model import Action, Context, Surface
from blastwall.store import open_store
from blastwall.store.base import Request, Store

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = Path(__file__).parent / "payloads"
CHROMIUM = "/usr/bin/chromium"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
LOGIN_CSRF = re.compile(r'name="login_csrf" value="([0-9a-f]+)"')
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Private config and state folders and an empty policy; the environment for subprocesses."""
    for var in ("BLASTWALL_DATABASE_URL", "BLASTWALL_ENVIRONMENT", PASSPHRASE_FILE_VAR):
        monkeypatch.delenv(var, raising=False)
    return private_env(tmp_path, monkeypatch, "", NO_COLOR="1")


@pytest.fixture()
def store(home: dict[str, str]) -> Store:
    return open_store()


def server_app(role: str = "server", **kwargs: Any) -> Any:
    keys.generate("server", None, role=role)
    kwargs.setdefault("approvals", {})
    return create_app(None, "server", None, **kwargs)


@pytest.fixture()
def app(home: dict[str, str]) -> Any:
    return server_app()


def file_request(store: Store, cwd: str, command: str = "git push --force origin main", *, required: int = 1,
                 expires_s: float = 3600, now: float | None = None) -> Request:
    action = Action(Surface.SHELL, command, Context(cwd=cwd, agent="claude-code", session="s1"))
    verdict = check_action(action)
    request = build_request([action], [verdict], list(verdict.reasons), required=required, expires_s=expires_s, now=now)
    store.add_request(request)
    return request


def secret(name: str = "server") -> bytes:
    """The sessions and user-record secret of the server whose key is `name` (created if missing)."""
    if not (Path(os.environ["XDG_CONFIG_HOME"]) / "blastwall" / "keys" / f"{name}.key").exists():
        keys.generate(name, None, role="server")
    return auth.key_secret(keys.load_private(name, None)[1])


def sign_in(client: TestClient, store: Store, user: str = "alice") -> str:
    """Sign `client` in as `user`; the CSRF token its forms carry."""
    token = auth.add_user(store, user, secret())
    page = client.get(f"/login?token={token}")
    assert page.status_code == 200 and f"signed in as {user}" in page.text
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def post(client: TestClient, path: str, data: dict[str, str], **headers: str) -> Any:
    return client.post(path, data=data, headers=headers, follow_redirects=False)


# --- signing in ---------------------------------------------------------------------------------------


def test_every_page_and_the_api_need_a_login(app: Any, store: Store, tmp_path: Path):
    rid = file_request(store, str(tmp_path)).id
    client = TestClient(app)
    for path in ("/", "/history", f"/requests/{rid}"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    for path in ("/api/requests", f"/api/requests/{rid}"):
        r = client.get(path)
        assert r.status_code == 401 and "sign in" in r.json()["error"]
    assert client.get("/api/requests", headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = post(client, f"/requests/{rid}/approve", {"csrf": "x"})
    assert r.status_code == 403 and "not signed in" in r.text
    assert store.grants_for_request(rid) == []
    assert client.get("/healthz").text == "ok" and client.get("/style.css").status_code == 200


def test_a_bad_token_is_refused(app: Any, store: Store):
    auth.add_user(store, "alice", secret())
    client = TestClient(app)
    r = client.get("/login?token=not-a-token", follow_redirects=False)
    assert r.status_code == 403 and "not valid" in r.text and "bw_session" not in r.cookies
    form = client.get("/login")
    r = post(client, "/login", {"login_csrf": LOGIN_CSRF.search(form.text).group(1), "token": "nope"})  # type: ignore[union-attr]
    assert r.status_code == 403 and "bw_session" not in r.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_form_needs_its_own_csrf_token_and_origin(app: Any, store: Store):
    token = auth.add_user(store, "alice", secret())
    client = TestClient(app)
    form = client.get("/login")
    login_csrf = LOGIN_CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    assert post(client, "/login", {"token": token}).status_code == 403  # no login CSRF field
    assert post(client, "/login", {"token": token, "login_csrf": "0" * 64}).status_code == 403
    r = post(client, "/login", {"token": token, "login_csrf": login_csrf}, Origin="http://evil.example")
    assert r.status_code == 403 and "evil.example" in r.text
    assert TestClient(app).post("/login", data={"token": token, "login_csrf": login_csrf}).status_code == 403  # no cookie
    login_csrf = LOGIN_CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]  # a refused try renews it
    r = post(client, "/login", {"token": token, "login_csrf": login_csrf}, Origin="http://testserver")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie and "max-age=43200" in cookie
    assert "secure" not in cookie
    assert "signed in as alice" in client.get("/").text


def test_a_sign_in_link_from_another_site_does_not_sign_in(app: Any, store: Store):
    token = auth.add_user(store, "alice", secret())
    client = TestClient(app)
    r = client.get(f"/login?token={token}", headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert r.status_code == 200 and "came from another site" in r.text and token not in r.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_secure_cookies_and_logout(home: dict[str, str], store: Store):
    client = TestClient(server_app(secure_cookies=True), base_url="https://testserver")
    csrf = sign_in(client, store)
    assert post(client, "/logout", {}).status_code == 403  # logout is a form with a CSRF token too
    r = post(client, "/logout", {"csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_new_token_ends_the_old_sessions(app: Any, store: Store):
    client = TestClient(app)
    sign_in(client, store)
    auth.add_user(store, "alice", secret())
    assert client.get("/", follow_redirects=False).status_code == 303
    assert auth.remove_user(store, "alice") and not auth.remove_user(store, "alice")


def test_forged_or_expired_session_cookies_are_ignored(home: dict[str, str], store: Store):
    app = server_app(session_ttl_s=1)
    client = TestClient(app)
    sign_in(client, store)
    cookie = client.cookies["bw_session"]
    body, mac = cookie.rsplit(".", 1)
    other = TestClient(app, cookies={"bw_session": body + "." + "0" * len(mac)})
    assert other.get("/", follow_redirects=False).status_code == 303
    time.sleep(1.2)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_nothing_in_the_store_forges_a_session(home: dict[str, str], store: Store):
    """Hook processes run as the agent's user and can open the store: nothing in it may sign in."""
    app = server_app()
    client = TestClient(app)
    sign_in(client, store, "alice")
    real = auth.Session("alice", "f" * 32, time.time() + 3600, auth.users(store, secret())["alice"][:16])
    for value in store.settings_with_prefix("").values():
        hexed = value.replace(".", "")
        for guess in (value.encode(), bytes.fromhex(hexed) if all(c in "0123456789abcdef" for c in hexed) else b""):
            forged = auth.Signer(guess).seal("session", real._asdict())
            assert TestClient(app, cookies={"bw_session": forged}).get("/", follow_redirects=False).status_code == 303


def test_a_user_written_into_the_store_without_the_servers_key_cannot_sign_in(app: Any, store: Store):
    token = "mallory-made-this-token"
    digest = hashlib.sha256(token.encode()).hexdigest()
    for value in (digest, f"{digest}.{'0' * 64}", f"{digest}.{hashlib.sha256(digest.encode()).hexdigest()}"):
        store.put_setting("web.user.mallory", value)
        r = TestClient(app).get(f"/login?token={token}", follow_redirects=False)
        assert r.status_code == 403 and "bw_session" not in r.cookies
        assert TestClient(app).get("/api/requests", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_first_start_creates_the_local_user_once(store: Store):
    token = auth.ensure_first_user(store, secret())
    assert token and auth.user_for_token(store, token, secret()) == ("local", hashlib.sha256(token.encode()).hexdigest())
    assert auth.ensure_first_user(store, secret()) is None
    with pytest.raises(auth.AuthError):
        auth.add_user(store, "no spaces", secret())


# --- the pages ----------------------------------------------------------------------------------------


def test_pending_page_lists_requests_escaped(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path), "git push --force origin main # <script>alert(1)</script>")
    client = TestClient(app)
    sign_in(client, store)
    page = client.get("/").text
    assert req.id in page and "git push --force origin main" in page and "claude-code" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "0 of 1 approval" in page and str(tmp_path) in page


def test_request_page_shows_the_action_findings_and_forms(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    sign_in(client, store)
    page = client.get(f"/requests/{req.id}").text
    finding = req.findings[0]
    for text in ("git push --force origin main", finding["rule_id"], finding["effect"], finding["severity"],
                 req.reasons[0].replace("'", "&#x27;").replace('"', "&quot;"), "Nobody has approved yet",
                 'action="/requests/' + req.id + '/approve"', 'action="/requests/' + req.id + '/deny"'):
        assert text in page, text
    assert client.get("/requests/bw-nothere").status_code == 404


def test_security_headers(app: Any, store: Store):
    client = TestClient(app)
    for r in (client.get("/login"), client.get("/style.css"), client.get("/api/requests")):
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"


def test_unknown_hosts_are_refused(home: dict[str, str]):
    client = TestClient(server_app(allowed_hosts=["127.0.0.1", "localhost"]))
    r = client.get("/login")
    assert r.status_code == 421 and "unknown host" in r.text and r.headers["x-frame-options"] == "DENY"
    assert TestClient(client.app, base_url="http://127.0.0.1:8765").get("/login").status_code == 200


# --- deciding -----------------------------------------------------------------------------------------


def test_approve_signs_a_grant_that_verifies(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    csrf = sign_in(client, store)
    r = post(client, f"/requests/{req.id}/approve", {"csrf": csrf, "reason": "checked the branch"},
             Origin="null", **{"Sec-Fetch-Site": "same-origin"})  # what Chromium sends under no-referrer
    assert r.status_code == 303 and r.headers["location"] == f"/requests/{req.id}"
    [row] = store.grants_for_request(req.id)
    grant = verify(row, keys.trusted_keys(), digest=req.digest)
    assert grant.approver == "web:alice" and grant.reason == "checked the branch" and grant.key.role == "server"
    assert 899 <= grant.expires_at - grant.issued_at <= 900.01  # the default grant lifetime
    assert store.get_request(req.id).status == "approved"  # type: ignore[union-attr]
    page = client.get(r.headers["location"]).text
    assert "Approved " + req.id in page and "web:alice" in page and "valid" in page
    assert "Approved" not in client.get("/").text  # the message is shown once
    assert any(a.kind == "approve" and a.ref == req.id for a in store.audit_rows())


def test_grant_lifetime_comes_from_the_policy(app: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    policy = tmp_path / "ttl.toml"
    policy.write_text("[approvals]\ngrant_ttl = 120\n")
    monkeypatch.setenv("BLASTWALL_POLICY", str(policy))
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    post(client, f"/requests/{req.id}/approve", {"csrf": sign_in(client, store)})
    [row] = store.grants_for_request(req.id)
    assert 119 <= row.expires_at - row.created_at <= 120.01


def test_csrf_token_missing_or_wrong_is_refused(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    csrf = sign_in(client, store)
    other = TestClient(app)
    other_csrf = sign_in(other, store, "bob")
    for data in ({}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": other_csrf}, {"csrf": csrf[:-1]}):
        r = post(client, f"/requests/{req.id}/approve", data)
        assert r.status_code == 403 and "CSRF token is missing or wrong" in r.text, data
        assert post(client, f"/requests/{req.id}/deny", data).status_code == 403
    assert store.grants_for_request(req.id) == [] and store.get_request(req.id).status == "pending"  # type: ignore[union-attr]


def test_requests_from_another_origin_are_refused(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    csrf = sign_in(client, store)
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "http://testserver.evil.example"},
                    {"Referer": "http://evil.example/page"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"}):
        r = post(client, f"/requests/{req.id}/approve", {"csrf": csrf}, **headers)
        assert r.status_code == 403 and "Refused" in r.text, headers
    assert store.grants_for_request(req.id) == []
    r = post(client, f"/requests/{req.id}/approve", {"csrf": csrf}, Origin="http://testserver",
             Referer="http://testserver/requests/" + req.id)
    assert r.status_code == 303 and len(store.grants_for_request(req.id)) == 1


def test_deny_sets_the_status(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    r = post(client, f"/requests/{req.id}/deny", {"csrf": sign_in(client, store), "reason": "not on main"})
    assert r.status_code == 303
    denied = store.get_request(req.id)
    assert denied is not None and (denied.status, denied.decided_by, denied.note) == ("denied", "web:alice", "not on main")
    page = client.get(r.headers["location"]).text
    assert "Denied " + req.id in page and 'action="/requests/' + req.id + '/approve"' not in page
    assert req.id in client.get("/history").text and req.id not in client.get("/").text


def test_decisions_on_the_page_and_in_slack_sign_audit_checkpoints(home: dict[str, str], store: Store, tmp_path: Path):
    from blastwall.audit import verify as verify_audit

    client = TestClient(slack_app(home))
    approved, denied, by_slack = (file_request(store, str(tmp_path), c) for c in
                                  ("git push --force origin main", "rm -rf /srv/data", "git reset --hard"))
    csrf = sign_in(client, store)
    post(client, f"/requests/{approved.id}/approve", {"csrf": csrf})
    post(client, f"/requests/{denied.id}/deny", {"csrf": csrf})
    slack_call(client, "deny", by_slack.id)
    points = [json.loads(r.data) for r in store.audit_rows(kind=["checkpoint"])]
    assert [(p["signer"], p["via"], p["ref"]) for p in points] == [
        ("web:alice", "approve", approved.id), ("web:alice", "deny", denied.id), ("slack:alice", "deny", by_slack.id)]
    report = verify_audit(store)  # the server's key is trusted: server.pub in the keys folder
    assert report.ok and report.checkpoints == 3 and report.vouched is not None
    assert (report.vouched.signer, report.vouched.key_name, report.vouched.ref) == ("slack:alice", "server", by_slack.id)
    assert not verify_audit(store, trusted={}).ok  # a verifier that does not trust the server's key says so


def test_the_server_signs_periodic_checkpoints_until_the_log_is_rewritten(app: Any, store: Store):
    import io

    from blastwall.approvals.web.serve import start_checkpoints
    from blastwall.audit import record

    def checkpoints() -> list[dict[str, Any]]:
        return [json.loads(r.data) for r in store.audit_rows(kind=["checkpoint"])]

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 20
        while len(checkpoints()) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    record(store, "verdict", "d", {"decision": "allow"})
    stream = io.StringIO()
    thread, stop = start_checkpoints(app.state.web, 0.05, stream)
    try:
        wait_for(1)
        record(store, "verdict", "d", {"decision": "allow"})
        wait_for(2)
        assert [(p["seq"], p["signer"], p["via"]) for p in checkpoints()] == [(1, "serve", "serve"), (3, "serve", "serve")]
        conn = sqlite3.connect(store.path)  # type: ignore[attr-defined]
        conn.execute("UPDATE bw_audit SET data = '{}' WHERE seq = 3")  # what it vouched for changes
        conn.commit()
        conn.close()
        thread.join(timeout=20)
        assert not thread.is_alive() and "entry 3, which this server vouched for, no longer has the hash" in \
            stream.getvalue()
    finally:
        stop.set()


def test_an_expired_request_shows_the_error(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path), expires_s=60, now=time.time() - 120)
    client = TestClient(app)
    csrf = sign_in(client, store)
    assert req.id not in client.get("/").text
    r = post(client, f"/requests/{req.id}/approve", {"csrf": csrf})
    page = client.get(r.headers["location"]).text
    assert "flash error" in page and "expired" in page and store.grants_for_request(req.id) == []
    r = post(client, "/requests/bw-nothere/approve", {"csrf": csrf})
    assert r.headers["location"] == "/" and "no request" in client.get("/").text


def test_two_people_for_a_request_that_needs_two(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path), required=2)
    alice, bob = TestClient(app), TestClient(app)
    a_csrf, b_csrf = sign_in(alice, store, "alice"), sign_in(bob, store, "bob")
    post(alice, f"/requests/{req.id}/approve", {"csrf": a_csrf})
    assert "1 of 2 approvals" in alice.get("/").text and store.get_request(req.id).status == "pending"  # type: ignore[union-attr]
    mine, theirs = alice.get(f"/requests/{req.id}").text, bob.get(f"/requests/{req.id}").text
    assert "You approved this" in mine and 'value="once"' not in mine and "/deny" in mine
    assert 'value="once"' in theirs and "1 of 2 approvals so far" in theirs
    r = post(alice, f"/requests/{req.id}/approve", {"csrf": a_csrf})
    assert "approved request " + req.id + " already" in alice.get(r.headers["location"]).text
    post(bob, f"/requests/{req.id}/approve", {"csrf": b_csrf})
    assert store.get_request(req.id).status == "approved"  # type: ignore[union-attr]
    trusted = keys.trusted_keys()
    assert {verify(g, trusted, digest=req.digest).identity for g in store.grants_for_request(req.id)} == {"alice", "bob"}


def test_an_approver_key_signs_in_its_own_name(home: dict[str, str], store: Store, tmp_path: Path):
    client = TestClient(server_app(role="approver"))
    req = file_request(store, str(tmp_path))
    r = post(client, f"/requests/{req.id}/approve", {"csrf": sign_in(client, store)})
    assert "as server" in client.get(r.headers["location"]).text
    [row] = store.grants_for_request(req.id)
    assert verify(row, keys.trusted_keys(), digest=req.digest).approver == "server"


def test_history_lists_decided_requests_and_audit_entries(app: Any, store: Store, tmp_path: Path):
    done, waiting = file_request(store, str(tmp_path)), file_request(store, str(tmp_path), "rm -rf /srv/data")
    client = TestClient(app)
    post(client, f"/requests/{done.id}/approve", {"csrf": sign_in(client, store)})
    page = client.get("/history").text
    assert done.id in page and waiting.id not in page and "approve" in page and "Recent audit entries" in page


def test_json_api(app: Any, store: Store, tmp_path: Path):
    req = file_request(store, str(tmp_path))
    client = TestClient(app)
    csrf = sign_in(client, store)
    [listed] = client.get("/api/requests").json()["requests"]
    assert listed["id"] == req.id and listed["status"] == "pending" and listed["approvals"] == 0
    assert listed["findings"] == list(req.findings)
    post(client, f"/requests/{req.id}/approve", {"csrf": csrf})
    token = auth.add_user(store, "script", secret())
    detail = TestClient(app).get(f"/api/requests/{req.id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert detail["status"] == "approved" and detail["approvals"] == 1
    assert [(g["approver"], g["valid"]) for g in detail["grants"]] == [("web:alice", True)]
    assert client.get("/api/requests").json() == {"requests": []}
    assert client.get("/api/requests/bw-nothere").status_code == 404


def test_two_servers_on_one_postgres_store_share_users_and_sessions(home: dict[str, str], tmp_path: Path,
                                                                   postgres: PgServer):  # noqa: F811
    postgres.create_database("bw_web")
    url = postgres.dsn("bw_web")
    keys.generate("server", None, role="server")
    first, second = (TestClient(create_app(url, "server", None, approvals={})) for _ in range(2))
    store = open_store(url)
    req = file_request(store, str(tmp_path))
    csrf = sign_in(first, store)
    second.cookies.update(first.cookies)  # a load balancer sends the next call to the other instance
    assert "signed in as alice" in second.get("/").text
    assert post(second, f"/requests/{req.id}/approve", {"csrf": csrf}).status_code == 303
    [row] = store.grants_for_request(req.id)
    assert verify(row, keys.trusted_keys(), digest=req.digest).approver == "web:alice"


# --- Slack ----------------------------------------------------------------------------------------------


def slack_app(home: dict[str, str]) -> Any:
    return server_app(approvals={"slack": {"signing_secret_env": "TEST_SLACK_SECRET", "approvers": {"U123": "alice"}}},
                      env={"TEST_SLACK_SECRET": SLACK_SECRET})


def slack_call(client: TestClient, action: str, rid: str, user: str = "U123", *, secret: str = SLACK_SECRET,
               age: float = 0) -> Any:
    payload = {"type": "block_actions", "user": {"id": user, "username": "someone"},
               "actions": [{"action_id": action, "value": rid}]}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(time.time() - age))
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return client.post("/slack/actions", content=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})


def test_slack_refuses_bad_signatures(home: dict[str, str], store: Store, tmp_path: Path):
    client = TestClient(slack_app(home))
    req = file_request(store, str(tmp_path))
    assert slack_call(client, "approve", req.id, secret="not-the-secret").status_code == 401
    assert slack_call(client, "approve", req.id, age=301).status_code == 401
    r = client.post("/slack/actions", content=b"payload={}")
    assert r.status_code == 401 and "not signed" in r.json()["error"]
    assert store.grants_for_request(req.id) == []


def test_slack_button_signs_a_grant_for_a_listed_user(home: dict[str, str], store: Store, tmp_path: Path):
    client = TestClient(slack_app(home))
    req = file_request(store, str(tmp_path))
    r = slack_call(client, "approve", req.id, "U999")
    assert r.status_code == 200 and "may not decide" in r.json()["text"] and store.grants_for_request(req.id) == []
    r = slack_call(client, "approve", req.id)
    assert r.status_code == 200 and f"Approved {req.id} as slack:alice" in r.json()["text"]
    [row] = store.grants_for_request(req.id)
    assert verify(row, keys.trusted_keys(), digest=req.digest).approver == "slack:alice"
    other = file_request(store, str(tmp_path), "rm -rf /srv/data")
    assert "Denied" in slack_call(client, "deny", other.id).json()["text"]
    assert store.get_request(other.id).decided_by == "slack:alice"  # type: ignore[union-attr]
    assert "no request" in slack_call(client, "approve", "bw-nothere").json()["text"]
    assert "unknown action" in slack_call(client, "delete", req.id).json()["text"]
    assert slack_call(client, "review", req.id).json() == {}


def test_the_buttons_of_a_slack_notification_work_here(home: dict[str, str], store: Store, tmp_path: Path):
    from blastwall.approvals.messages import slack_payload

    client = TestClient(slack_app(home))
    req = file_request(store, str(tmp_path))
    [actions] = [b for b in slack_payload(req, "http://127.0.0.1:8765")["blocks"] if b["type"] == "actions"]
    by_id = {e["action_id"]: e for e in actions["elements"]}
    assert by_id["review"]["url"] == f"http://127.0.0.1:8765/requests/{req.id}"
    assert TestClient(client.app).get(f"/requests/{req.id}", follow_redirects=False).headers["location"] == "/login"
    assert slack_call(client, "review", req.id).json() == {}
    assert "Approved" in slack_call(client, by_id["approve"]["action_id"], by_id["approve"]["value"]).json()["text"]
    assert store.get_request(req.id).status == "approved"  # type: ignore[union-attr]


def test_one_person_approves_once_on_the_web_and_in_slack(home: dict[str, str], store: Store, tmp_path: Path):
    client = TestClient(slack_app(home))
    req = file_request(store, str(tmp_path), required=2)
    post(client, f"/requests/{req.id}/approve", {"csrf": sign_in(client, store, "alice")})
    text = slack_call(client, "approve", req.id).json()["text"]
    assert "alice approved request " + req.id + " already (as web:alice)" in text
    assert len(store.grants_for_request(req.id)) == 1 and store.get_request(req.id).status == "pending"  # type: ignore[union-attr]


def test_slack_is_off_unless_configured(app: Any):
    assert TestClient(app).post("/slack/actions", content=b"").status_code == 404


def test_slack_settings_without_a_secret_stop_the_start(home: dict[str, str]):
    keys.generate("server", None, role="server")
    with pytest.raises(WebError, match="TEST_SLACK_SECRET is empty"):
        create_app(None, "server", None, approvals={"slack": {"signing_secret_env": "TEST_SLACK_SECRET"}}, env={})


# --- the command --------------------------------------------------------------------------------------


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command so that `serve` stays a subcommand
    register(app)
    return app


def _add_user_at_terminal(home: dict[str, str], name: str) -> tuple[int, str]:
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "blastwall", "serve", "--add-user", name], encoding="utf-8",
                          timeout=30, env={**os.environ, **home, "NO_COLOR": "1"}, dimensions=(40, 200))
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else -1, child.before


def test_add_user_prints_a_token_that_signs_in(home: dict[str, str], store: Store):
    secret()  # the server's key seals the record
    code, output = _add_user_at_terminal(home, "alice")
    assert code == 0, output
    token = re.search(r"token=(\S+)", output).group(1)  # type: ignore[union-attr]
    assert auth.user_for_token(store, token, secret()) is not None and auth.user_for_token(store, token, secret())[0] == "alice"  # type: ignore[index]
    code, output = _add_user_at_terminal(home, "a b")
    assert code == 2 and "error:" in output and "Traceback" not in output


def test_add_user_needs_a_terminal(home: dict[str, str], store: Store):
    result = CliRunner().invoke(cli(), ["serve", "--add-user", "mallory"])
    assert result.exit_code == 2 and "interactive terminal" in result.output
    assert "mallory" not in auth.users(store, secret())


def test_serve_without_a_key_fails_in_one_line(home: dict[str, str]):
    result = CliRunner().invoke(cli(), ["serve", "--key", "missing"])
    assert result.exit_code == 2 and "no key named 'missing'" in result.output and "Traceback" not in result.output


def test_passphrase_from_a_file_or_not_at_all(home: dict[str, str], tmp_path: Path):
    keys.generate("plain", None, role="server")
    assert read_passphrase("plain") is None
    keys.generate("locked", b"s3cret words", role="server")
    with pytest.raises(WebError, match=PASSPHRASE_FILE_VAR):
        read_passphrase("locked", env={}, stdin=open(os.devnull))  # noqa: SIM115 - not a terminal
    secret = tmp_path / "pass"
    secret.write_text("s3cret words\n")
    assert read_passphrase("locked", env={PASSPHRASE_FILE_VAR: str(secret)}) == b"s3cret words"
    create_app(None, "locked", b"s3cret words", approvals={})
    with pytest.raises(WebError, match="wrong passphrase"):
        create_app(None, "locked", b"wrong", approvals={})


def test_an_encrypted_key_asks_for_its_passphrase_at_a_terminal(home: dict[str, str]):
    import pexpect

    keys.generate("server", b"s3cret words", role="server")
    child = pexpect.spawn(sys.executable, ["-m", "blastwall", "serve", "--port", str(_free_port())], env=home,
                          encoding="utf-8", timeout=30, cwd=str(ROOT))
    try:
        child.expect("passphrase for key server")
        child.sendline("s3cret words")
        child.expect(r"sign in at http://127\.0\.0\.1:\d+/login\?token=")
    finally:
        child.terminate(force=True)


# --- a real browser -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lines(stream: Any, out: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        out.put(line)


def _wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_human_approves_a_waiting_hook_in_chromium(home: dict[str, str], tmp_path: Path):
    sync_playwright = playwright_for(CHROMIUM, "the browser test")
    policy = tmp_path / "policy.toml"
    policy.write_text('[approvals]\nmode = "wait"\nwait = 40\n')
    keys.generate("server", None, role="server")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "blastwall", "serve", "--port", str(port)], env=home, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    hook = None
    try:
        said: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_lines, args=(server.stderr, said), daemon=True).start()

        def login_url() -> str | None:
            if server.poll() is not None:
                raise AssertionError(f"blastwall serve stopped ({server.returncode}): {''.join(list(said.queue))}")
            m = re.search(r"(http://127\.0\.0\.1:\d+/login\?token=\S+)", "".join(list(said.queue)))
            return m.group(1) if m else None

        url = _wait_until(login_url, 30, "the sign-in address on stderr")

        def answers() -> bool:
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read() == b"ok"
            except OSError:
                return False

        _wait_until(answers, 30, "the server to answer")

        data = {k: v for k, v in json.loads((PAYLOADS / "claude_bash_force_push.json").read_text()).items()
                if not k.startswith("_")}
        data.update(cwd=str(tmp_path / "work"), transcript_path=str(tmp_path / "transcript.jsonl"))
        hook = subprocess.Popen([sys.executable, "-m", "blastwall", "hook", "claude-code"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=home, cwd=ROOT)
        assert hook.stdin is not None
        hook.stdin.write(json.dumps(data))
        hook.stdin.close()
        hook.stdin = None
        store = open_store()

        def pending() -> Request | None:
            if hook.poll() is not None:  # type: ignore[union-attr]
                out, err = hook.communicate()  # type: ignore[union-attr]
                raise AssertionError(f"the hook answered without waiting ({hook.returncode}): {out} {err}")  # type: ignore[union-attr]
            found = store.list_requests(status=["pending"])
            return found[0] if found else None

        request = _wait_until(pending, 30, "the hook to file an approval request")
        assert "git push --force origin main" in request.summary

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            try:
                page = browser.new_page()
                page.set_default_timeout(15000)
                page.goto(url)
                assert page.url == f"http://127.0.0.1:{port}/"  # the token left the address bar
                assert "signed in as local" in page.inner_text("header")
                page.click(f"text={request.id}")
                page.wait_for_url(f"**/requests/{request.id}")
                assert "git push --force origin main" in page.inner_text("main")
                page.fill("#approve-reason", "pushing my own branch")
                page.click("button.approve")
                page.wait_for_selector(".flash.ok")
                assert f"Approved {request.id} as web:local" in page.inner_text(".flash")
                page.screenshot(path=str(tmp_path / "approved.png"))
            finally:
                browser.close()

        out, err = hook.communicate(timeout=40)
        assert hook.returncode == 0, err
        assert out == "", out  # Claude Code: no objection
        assert store.get_request(request.id).status == "used"  # type: ignore[union-attr]
    finally:
        for proc in (hook, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_sign_ins_are_audited(app: Any, store: Store):
    client = TestClient(app)
    sign_in(client, store, "alice")
    r = client.get("/login?token=not-a-token", follow_redirects=False)
    assert r.status_code == 403
    logins = [json.loads(row.data) for row in store.audit_rows(kind=["login"])]
    assert {"user": "alice", "ok": True, "via": "web"} in logins
    assert {"user": None, "ok": False, "via": "web"} in logins
    assert all("not-a-token" not in row.data for row in store.audit_rows())
