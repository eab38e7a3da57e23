"""A local stand-in for GitHub's REST API (a few endpoints, real shapes), for gateway tests.

    with FakeGitHub(token="ghp_...") as gh:
        gh.add_repo("acme", "api")
        gh.base  # http://127.0.0.1:PORT (as https://api.github.com)

Endpoints (shared/reference/providers.md §2.1): `GET /repos/{owner}/{repo}`, `DELETE
/repos/{owner}/{repo}` (204), `POST /repos/{owner}/{repo}/issues` (201), `GET
/repos/{owner}/{repo}/tarball/{ref}?size=N` (N bytes streamed in chunks, never held in
memory), `PUT /repos/{owner}/{repo}/contents/{path}` (the body is read and counted), and `GET
/user`. A wrong or missing token gets GitHub's `401 {"message": "Bad credentials"}`.
`GET /_echo` is not GitHub's: it is a deliberately careless endpoint that echoes the request's
headers in its body and in `X-Echo-Authorization`, to test that a gateway scrubs them
(`?gzip` compresses the body even when asked not to, `?chunked` sends it in 7-byte chunks).
HTTP/1.1 with keep-alive, so benchmarks measure requests rather than connection set-up.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from blastwall.testing.local_http import LocalServer

CHUNK = 64 * 1024


class Seen(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]
    body_bytes: int


class FakeGitHub(LocalServer):
    def __init__(self, token: str = "ghp_fakeGitHubToken000000000000000000001") -> None:
        self.token = token
        self.repos: dict[str, dict[str, Any]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self.record = True

    def add_repo(self, owner: str, name: str) -> None:
        full = f"{owner}/{name}"
        self.repos[full] = {"id": len(self.repos) + 1, "name": name, "full_name": full, "private": True,
                            "owner": {"login": owner}, "default_branch": "main"}

    def __enter__(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any  # noqa: N815

        self._start(Handler)
        return self

    # -- requests -------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        remaining, received = length, 0
        while remaining > 0:
            got = h.rfile.read(min(CHUNK, remaining))
            if not got:
                break
            received += len(got)
            remaining -= len(got)
        url = urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        if self.record:
            with self._lock:
                self.requests.append(Seen(h.command, h.path, headers, received))
        auth = headers.get("authorization", "")
        if auth not in (f"Bearer {self.token}", f"token {self.token}"):
            return _json(h, 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        path, method = url.path, h.command
        if path == "/_echo":
            flags = parse_qs(url.query)
            return _echo(h, {"headers": headers}, auth, gzip="gzip" in flags, chunked="chunked" in flags)
        if path == "/user" and method == "GET":
            return _json(h, 200, {"login": "octocat", "id": 1})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if not m or f"{m.group(1)}/{m.group(2)}" not in self.repos:
            return _json(h, 404, {"message": "Not Found"})
        full, rest = f"{m.group(1)}/{m.group(2)}", m.group(3) or ""
        if rest == "" and method in ("GET", "HEAD"):
            return _json(h, 200, self.repos[full])
        if rest == "" and method == "DELETE":
            with self._lock:
                self.repos.pop(full, None)
            return _empty(h, 204)
        if rest == "/issues" and method == "POST":
            return _json(h, 201, {"number": 1, "state": "open"})
        if rest.startswith("/contents/") and method == "PUT":
            return _json(h, 201, {"content": {"path": rest[len("/contents/"):], "size": received}})
        if rest.startswith("/tarball/") and method == "GET":
            size = int((parse_qs(url.query).get("size") or ["1024"])[0])
            return _stream(h, size)
        return _json(h, 404, {"message": "Not Found"})


def _json(h: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode()
    try:
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Set-Cookie", "_gh_sess=fake-session; HttpOnly")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _echo(h: BaseHTTPRequestHandler, payload: Any, auth: str, *, gzip: bool, chunked: bool) -> None:
    import gzip as gz

    data = json.dumps(payload).encode()
    if gzip:
        data = gz.compress(data)
    try:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("X-Echo-Authorization", auth)
        if gzip:
            h.send_header("Content-Encoding", "gzip")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for i in range(0, len(data), 7):  # small chunks: a token is split across several
                piece = data[i:i + 7]
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            h.wfile.write(b"0\r\n\r\n")
        else:
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _empty(h: BaseHTTPRequestHandler, status: int) -> None:
    try:
        h.send_response(status)
        h.send_header("Content-Length", "0")
        h.end_headers()
    except (BrokenPipeError, ConnectionResetError):
        pass


def _stream(h: BaseHTTPRequestHandler, size: int) -> None:
    block = bytes(range(256)) * (CHUNK // 256)
    try:
        h.send_response(200)
        h.send_header("Content-Type", "application/x-gzip")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        left = size
        while left > 0:
            piece = block[: min(CHUNK, left)]
            h.wfile.write(piece)
            left -= len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
