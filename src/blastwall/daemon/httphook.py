"""Claude Code's HTTP hook (`"type": "http"`), served by the daemon on the loopback interface.

    blastwall install claude-code --http     # writes the settings and this endpoint's config

Claude Code POSTs the same JSON it would write to a command hook's stdin to
`http://127.0.0.1:PORT/hook/claude-code?timeout=N` with the installation's secret in the
`X-Blastwall-Token` header, and reads the response body as a command hook's stdout. There is no
exit code over HTTP, so a blocking answer (a failure, a watchdog) is sent as a `deny` decision.

The endpoint's config (`http-hook.json` in blastwall's config folder, 0600) holds the port and a
random token. A request without the token, for another host name (DNS rebinding) or with a body
over the hook's limit is refused with a 4xx, which Claude Code's `onFailure: "block"` blocks on.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import socket
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import h11

CONFIG_NAME = "http-hook.json"
TOKEN_HEADER = b"x-blastwall-token"
MAX_BODY = 4 * 1024 * 1024
AGENTS = ("claude-code",)


class Endpoint(NamedTuple):
    port: int
    token: str


def config_path(config_dir: str) -> str:
    return os.path.join(config_dir, CONFIG_NAME)


def load(config_dir: str) -> Endpoint | None:
    try:
        with open(config_path(config_dir), encoding="utf-8") as f:
            doc = json.load(f)
        port, token = int(doc["port"]), str(doc["token"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not 0 < port < 65536 or len(token) < 32:
        return None
    return Endpoint(port, token)


def create(config_dir: str, port: int | None = None) -> Endpoint:
    """A new endpoint config (a free loopback port unless given, a fresh token), written 0600."""
    if port is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    endpoint = Endpoint(port, secrets.token_hex(32))
    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    path = config_path(config_dir)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"port": endpoint.port, "token": endpoint.token}, f)
    os.replace(path + ".tmp", path)
    return endpoint


class Request(NamedTuple):
    agent: str
    timeout_s: int | None
    body: bytes


class Refusal(Exception):
    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


class Reader:
    """One HTTP/1.1 request from a non-blocking connection (h11 does the parsing)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        self.head: h11.Request | None = None
        self.body = bytearray()

    def feed(self, data: bytes) -> Request | None:
        """Add bytes; the request once it is complete. Raises `Refusal`."""
        self.conn.receive_data(data)
        while True:
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise Refusal(400, "not HTTP/1.1") from exc
            if event is h11.NEED_DATA:
                return None
            if isinstance(event, h11.Request):
                self.head = event
                self._check_head(event)
            elif isinstance(event, h11.Data):
                self.body += event.data
                if len(self.body) > MAX_BODY:
                    raise Refusal(413, "hook input is too large")
            elif isinstance(event, h11.EndOfMessage):
                assert self.head is not None
                return self._request(self.head)
            elif isinstance(event, h11.ConnectionClosed):
                raise Refusal(400, "connection closed")

    def _check_head(self, head: h11.Request) -> None:
        headers = {k.lower(): v for k, v in head.headers}
        token = headers.get(TOKEN_HEADER, b"")
        if not hmac.compare_digest(token, self.endpoint.token.encode()):
            raise Refusal(403, "missing or wrong X-Blastwall-Token")
        host = headers.get(b"host", b"").decode("latin-1")
        if host not in (f"127.0.0.1:{self.endpoint.port}", f"localhost:{self.endpoint.port}"):
            raise Refusal(403, "wrong Host")
        if head.method != b"POST":
            raise Refusal(405, "POST the hook input")
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            raise Refusal(413, "hook input is too large")

    def _request(self, head: h11.Request) -> Request:
        url = urlsplit(head.target.decode("latin-1"))
        parts = url.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "hook" or parts[1] not in AGENTS:
            raise Refusal(404, "POST to /hook/claude-code")
        timeout_s: int | None = None
        values = parse_qs(url.query).get("timeout")
        if values:
            try:
                from blastwall.doors.hooks.budget import check_timeout

                timeout_s = check_timeout(values[0])
            except ValueError as exc:
                raise Refusal(400, str(exc)) from exc
        return Request(parts[1], timeout_s, bytes(self.body))


def response(status: int, body: bytes) -> bytes:
    """A complete HTTP/1.1 response that closes the connection."""
    from http import HTTPStatus

    phrase = HTTPStatus(status).phrase
    head = (f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode("ascii") + body


def answer_body(code: int, out: str, err: str) -> bytes:
    """The command hook's answer as Claude Code's HTTP hook reads it: its stdout JSON, or, for a
    blocking exit, a `deny` with the reason."""
    if code == 0:
        text = out.strip() or "{}"
        try:
            return json.dumps(json.loads(text), ensure_ascii=True).encode("ascii")
        except ValueError:
            code, err = 2, "blastwall blocked this tool call: its answer could not be encoded"
    reason = " ".join(err.split())[:2000] or "blastwall blocked this tool call"
    doc: dict[str, Any] = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                                  "permissionDecisionReason": reason}}
    return json.dumps(doc, ensure_ascii=True).encode("ascii")


def payload_cwd(body: bytes) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    cwd = doc.get("cwd") if isinstance(doc, dict) else None
    return cwd if isinstance(cwd, str) and cwd.startswith("/") else None
