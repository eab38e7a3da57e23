"""Approval notifications: what webhooks, Slack and the desktop receive, and that a slow, broken
or missing receiver never holds the hook past the bound nor raises."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blastwall import __version__
from blastwall.approvals import messages, notify
from blastwall.approvals.notify import NO_DESKTOP, TOTAL_S, notify_decision, notify_request
from blastwall.store.base import Request

SECRET = "hunter2"
SLACK_PATH = "/services/T0000/B0000/XXXXsecretXXXX"


def make_request(summary: str = f"psql postgres://u:{SECRET}@db/x -c 'DROP TABLE orders'",
                 reasons: tuple[str, ...] = ("DROP TABLE deletes orders and all its rows",), **kw: Any) -> Request:
    now = time.time()
    values: dict[str, Any] = dict(
        id="bw-abcdefgh", digest="d" * 64, surface="shell", summary=summary, actions=(),
        findings=({"rule_id": "sql.postgres:drop-table", "effect": "delete", "severity": "high", "target": "orders",
                   "environment": "production", "source": f"postgres://u:{SECRET}@db/x", "reason": "x"},),
        reasons=reasons, agent="claude-code", session="s-1", cwd="/srv/app", environment="production", required=1,
        created_at=now, expires_at=now + 3600)
    values.update(kw)
    return Request(**values)


class Receiver:
    """A real HTTP server on 127.0.0.1: /ok answers 200, /fail 500, /hang sleeps, /moved redirects."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path.startswith("/hang"):
                    outer.stop.wait(10)
                if self.path.startswith("/moved"):
                    self.send_response(302)
                    self.send_header("Location", "/ok")
                    self.end_headers()
                    return
                code = 500 if self.path.startswith("/fail") else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def json(self, path_prefix: str) -> list[Any]:
        return [json.loads(p["body"]) for p in self.posts if p["path"].startswith(path_prefix)]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- payloads --------------------------------------------------------------------------------

def test_generic_webhook_payload(receiver: Receiver) -> None:
    config = {"webhook": f"{receiver.base}/ok/hook", "url": "http://127.0.0.1:8765/",
              "webhook_headers": {"X-Team": "ops"}}
    results = notify_request(make_request(), config)
    assert results == [{"target": "webhook", "ok": True, "detail": f"{receiver.base[7:]}: HTTP 200"}]
    (post,) = receiver.posts
    assert post["headers"]["Content-Type"] == "application/json"
    assert post["headers"]["User-Agent"] == f"blastwall/{__version__}"
    assert post["headers"]["X-Team"] == "ops"
    assert SECRET.encode() not in post["body"]
    payload = json.loads(post["body"])
    assert payload["event"] == "approval_requested"
    req = payload["request"]
    assert req["id"] == "bw-abcdefgh"
    assert req["summary"] == "psql postgres://u:***@db/x -c 'DROP TABLE orders'"
    assert req["reasons"] == ["DROP TABLE deletes orders and all its rows"]
    assert req["findings"] == [{"rule_id": "sql.postgres:drop-table", "effect": "delete", "severity": "high",
                                "target": "orders", "environment": "production"}]
    assert {"agent", "session", "cwd", "environment", "required", "created_at", "expires_at"} <= set(req)
    assert payload["approve"] == {"cli": "blastwall approve bw-abcdefgh",
                                  "url": "http://127.0.0.1:8765/requests/bw-abcdefgh"}


def test_generic_webhook_without_url_has_no_link(receiver: Receiver) -> None:
    notify_request(make_request(), {"webhook": f"{receiver.base}/ok"})
    (payload,) = receiver.json("/ok")
    assert payload["approve"] == {"cli": "blastwall approve bw-abcdefgh"}


def slack_texts(message: dict[str, Any]) -> list[str]:
    out = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return out


def test_slack_payload(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BW_TEST_SLACK", f"{receiver.base}/ok{SLACK_PATH}")
    results = notify_request(make_request(), {"slack_env": "BW_TEST_SLACK", "url": "http://127.0.0.1:8765"})
    assert [r["ok"] for r in results] == [True]
    assert "secret" not in results[0]["detail"] and "services" not in results[0]["detail"]
    (post,) = receiver.posts
    assert SECRET.encode() not in post["body"]
    message = json.loads(post["body"])
    assert "bw-abcdefgh" in message["text"]
    types = [b["type"] for b in message["blocks"]]
    assert types[0] == "header" and "context" in types and types[-1] == "actions"
    assert any("```psql postgres://u:***@db/x" in t for t in slack_texts(message))
    assert any("• DROP TABLE deletes orders" in t for t in slack_texts(message))
    assert any("blastwall approve bw-abcdefgh" in t for t in slack_texts(message))
    buttons = {e["action_id"]: e for e in message["blocks"][-1]["elements"]}
    assert buttons["review"]["url"] == "http://127.0.0.1:8765/requests/bw-abcdefgh"
    assert buttons["approve"]["value"] == buttons["deny"]["value"] == "bw-abcdefgh"
    assert buttons["approve"]["style"] == "primary" and buttons["deny"]["style"] == "danger"


def test_slack_without_url_has_no_buttons() -> None:
    message = messages.slack_payload(make_request())
    assert "actions" not in [b["type"] for b in message["blocks"]]


def test_slack_keeps_within_limits() -> None:
    huge = make_request(summary="x & y " * 2000, reasons=tuple("r <b> " * 100 for _ in range(200)))
    message = messages.slack_payload(huge, "http://127.0.0.1:8765")
    for text in slack_texts(message):
        assert len(text) <= 3000
    assert "&am…" not in json.dumps(message)  # never half an escaped entity
    assert len(message["blocks"]) <= 50


# --- failures are results, within the bound ----------------------------------------------------

def test_server_error_is_not_ok(receiver: Receiver) -> None:
    (result,) = notify_request(make_request(), {"webhook": f"{receiver.base}/fail"})
    assert result["ok"] is False and "HTTP 500" in result["detail"]


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    (result,) = notify_request(make_request(), {"webhook": f"{receiver.base}/moved"})
    assert result["ok"] is False and "302" in result["detail"]
    assert [p["path"] for p in receiver.posts] == ["/moved"]


def test_hanging_receivers_are_cut_off_at_the_bound(receiver: Receiver) -> None:
    config = {"webhook": [f"{receiver.base}/hang/{i}" for i in range(3)], "slack": f"{receiver.base}/hang/slack"}
    start = time.monotonic()
    results = notify_request(make_request(), config)
    elapsed = time.monotonic() - start
    assert elapsed < TOTAL_S + 0.5
    assert len(results) == 4 and not any(r["ok"] for r in results)
    assert all("no answer within" in r["detail"] for r in results)


def test_the_total_bound_holds_even_when_a_target_ignores_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify.subprocess, "run", lambda *a, **kw: time.sleep(5))
    monkeypatch.setattr(notify.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setenv("DISPLAY", ":0")
    start = time.monotonic()
    (result,) = notify_request(make_request(), {"desktop": True}, budget_s=0.3)
    assert time.monotonic() - start < 1.0
    assert result["ok"] is False and "no answer within 0.3 s" in result["detail"]


def test_unreachable_port_fails_fast() -> None:
    start = time.monotonic()
    (result,) = notify_request(make_request(), {"webhook": f"http://127.0.0.1:{free_port()}/hook"})
    assert time.monotonic() - start < 1.0
    assert result["ok"] is False and "refused" in result["detail"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)",
                                 "hooks.slack.com/services/x", "http://", "http://exa mple.com/"])
def test_only_http_urls(url: str) -> None:
    (result,) = notify_request(make_request(), {"webhook": url})
    assert result["ok"] is False and "not an http(s) URL" in result["detail"]
    assert "passwd" not in result["detail"]


def test_details_never_show_url_secrets() -> None:
    port = free_port()
    results = notify_request(make_request(), {"slack": f"http://user:{SECRET}@127.0.0.1:{port}{SLACK_PATH}"})
    assert results[0]["ok"] is False
    assert results[0]["detail"].startswith(f"127.0.0.1:{port}:")
    assert SECRET not in results[0]["detail"] and "secret" not in results[0]["detail"]


def test_credentials_in_the_url_become_basic_auth(receiver: Receiver) -> None:
    (result,) = notify_request(make_request(), {"webhook": f"http://bw:{SECRET}@{receiver.base[7:]}/ok"})
    assert result["ok"] is True
    assert receiver.posts[0]["headers"]["Authorization"] == "Basic Ync6aHVudGVyMg=="


@pytest.mark.parametrize("config,detail", [
    ({"webhook": 5}, "webhook must be a URL"),
    ({"webhook_env": "BW_TEST_UNSET"}, "$BW_TEST_UNSET is not set"),
    ({"webhook": "http://127.0.0.1:9/x", "webhook_headers": "x"}, "webhook_headers must be a table"),
    ({"webhook": "http://127.0.0.1:9/x", "webhook_headers": {"X-A": "a\r\nb"}}, "line break"),
    ({"webhook": "http://127.0.0.1:9/x", "webhook_headers_env": {"Authorization": "BW_TEST_UNSET"}}, "is not set"),
    ({"desktop": "yes"}, "desktop must be true or false"),
])
def test_bad_config_is_a_result(config: dict[str, Any], detail: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BW_TEST_UNSET", raising=False)
    (result,) = notify_request(make_request(), config)
    assert result["ok"] is False and detail in result["detail"]


def test_headers_from_the_environment(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BW_TEST_TOKEN", "Bearer abc")
    notify_request(make_request(), {"webhook": f"{receiver.base}/ok", "webhook_headers_env": {"Authorization": "BW_TEST_TOKEN"}})
    assert receiver.posts[0]["headers"]["Authorization"] == "Bearer abc"


def test_link_base_from_the_environment(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BW_TEST_SERVE", "https://approve.example/")
    notify_request(make_request(), {"webhook": f"{receiver.base}/ok", "url_env": "BW_TEST_SERVE"})
    assert receiver.json("/ok")[0]["approve"]["url"] == "https://approve.example/requests/bw-abcdefgh"


def test_a_bad_link_base_is_left_out() -> None:
    assert notify.base_url({"url": "javascript:alert(1)"}) is None
    assert "actions" not in [b["type"] for b in messages.slack_payload(make_request(), None)["blocks"]]


def test_at_most_a_few_urls_per_target(receiver: Receiver) -> None:
    results = notify_request(make_request(), {"webhook": [f"{receiver.base}/ok"] * 8})
    assert [r["ok"] for r in results] == [True] * notify.MAX_URLS + [False]
    assert "only the first" in results[-1]["detail"]
    assert len(receiver.posts) == notify.MAX_URLS


def test_nothing_configured_sends_nothing() -> None:
    assert notify_request(make_request(), {}) == []
    assert notify_request(make_request(), {"desktop": False, "url": "http://127.0.0.1:8765"}) == []


def test_decision_goes_to_generic_webhooks_only(receiver: Receiver) -> None:
    request = make_request(status="approved", decided_by="alice", decided_at=time.time())
    results = notify_decision(request, "approved", "alice",
                              {"webhook": f"{receiver.base}/ok", "slack": f"{receiver.base}/ok/slack", "desktop": True})
    assert [r["target"] for r in results] == ["webhook"] and results[0]["ok"]
    (payload,) = receiver.json("/ok")
    assert payload["event"] == "approval_decided"
    assert payload["decision"] == "approved" and payload["by"] == "alice"
    assert payload["request"]["id"] == "bw-abcdefgh"


# --- desktop -----------------------------------------------------------------------------------

@pytest.fixture
def fake_notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "argv.json"
    exe = tmp_path / "notify-send"
    exe.write_text(f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(out)!r}, 'w'))\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(sys, "platform", "linux")
    for name in notify.DISPLAY_VARS:
        monkeypatch.delenv(name, raising=False)
    return out


def test_desktop_notify_send(fake_notify_send: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    request = make_request(summary="-rf rm /srv/app")
    (result,) = notify_request(request, {"desktop": True})
    assert result == {"target": "desktop", "ok": True, "detail": "notify-send: shown"}
    argv = json.loads(fake_notify_send.read_text())
    assert "--" in argv and argv[argv.index("--") + 1] == messages.TITLE
    assert any("-rf rm /srv/app" in a for a in argv)
    assert any("blastwall approve bw-abcdefgh" in a for a in argv)


def test_desktop_needs_a_display(fake_notify_send: Path) -> None:
    (result,) = notify_request(make_request(), {"desktop": True})
    assert result == {"target": "desktop", "ok": False, "detail": NO_DESKTOP}
    assert not fake_notify_send.exists()


def test_desktop_without_a_notifier(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(sys, "platform", "linux")
    (result,) = notify_request(make_request(), {"desktop": True})
    assert result == {"target": "desktop", "ok": False, "detail": NO_DESKTOP}


def test_desktop_notifier_that_fails(fake_notify_send: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = fake_notify_send.parent / "notify-send"
    exe.write_text("#!/bin/sh\necho 'cannot connect' >&2\nexit 3\n")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    (result,) = notify_request(make_request(), {"desktop": True})
    assert result["ok"] is False and "exited with 3: cannot connect" in result["detail"]


# --- property ----------------------------------------------------------------------------------

texts = st.text(max_size=400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(summary=texts, reasons=st.lists(texts, max_size=5), agent=st.none() | texts, cwd=st.none() | texts,
       rid=st.text(min_size=1, max_size=40))
def test_any_text_never_raises_and_results_are_json(summary: str, reasons: list[str], agent: str | None,
                                                     cwd: str | None, rid: str, fake_notify_send: Path,
                                                     receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    request = make_request(summary=summary, reasons=tuple(reasons), agent=agent, cwd=cwd, id=rid)
    config = {"webhook": f"{receiver.base}/ok", "slack": f"{receiver.base}/ok/slack", "desktop": True,
              "url": "http://127.0.0.1:8765"}
    results = notify_request(request, config, budget_s=2.0)
    assert len(results) == 3
    json.dumps(results, allow_nan=False)
    for build in (messages.webhook_payload, messages.slack_payload):
        json.dumps(build(request, "http://127.0.0.1:8765"), allow_nan=False).encode("utf-8")
    assert all(r["ok"] for r in results), results
