"""A local stand-in for an OPA server's Data API, for tests and benchmarks.

    with FakeOpa(rego_files=["policy/agents.rego"], token="s3cret") as opa:
        opa.url  # http://127.0.0.1:PORT/v1/data/blastwall/decision

`POST /v1/data/<path>` with `{"input": ...}` answers as OPA does: `{"result": <value>,
"decision_id": "..."}`, or `{"decision_id": "..."}` when the rule is undefined. The value comes
from the Rego files, evaluated with regopy (the rule at `<path>`), or from `answer`, a fixed
value. A wrong or missing bearer token gets OPA's `401 {"code": "unauthorized", ...}`.

Failure modes for tests: `delay_s` (answers late), `status` (answers with that HTTP status),
`body` (answers these raw bytes: garbage). `tls = (certfile, keyfile)` serves HTTPS. Every
request is recorded in `requests` (path, headers, the input document).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from blastwall.testing.local_http import LocalServer

UNSET: Any = object()


class Seen(NamedTuple):
    path: str
    headers: dict[str, str]
    input: Any


class FakeOpa(LocalServer):
    def __init__(self, *, rego_files: list[str] | None = None, answer: Any = UNSET, token: str | None = None,
                 delay_s: float = 0.0, status: int = 200, body: bytes | None = None,
                 tls: tuple[str, str] | None = None) -> None:
        self.rego_files = list(rego_files or [])
        self.answer = answer
        self.token = token
        self.delay_s = delay_s
        self.status = status
        self.body = body
        self.tls = tls
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._compiled: dict[str, Any] = {}
        self._count = 0

    @property
    def url(self) -> str:
        return self.base + "/v1/data/blastwall/decision"

    @property
    def base(self) -> str:
        return super().base.replace("http://", "https://") if self.tls else super().base

    def decide(self, path: str, doc: Any) -> Any:
        """The value of `data.<path>` for input `doc` (UNSET: undefined)."""
        if self.answer is not UNSET:
            return self.answer
        from blastwall.policy import rego

        query = "data." + ".".join(p for p in path.split("/") if p)
        with self._lock:
            compiled = self._compiled.get(query)
            if compiled is None:
                compiled = rego.compile_sources(rego.read_sources(tuple(self.rego_files)), (), query)
                self._compiled[query] = compiled
        value = rego.evaluate(compiled, doc)
        return UNSET if value is rego.UNDEFINED else value

    def __enter__(self) -> FakeOpa:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size)
                try:
                    doc = json.loads(raw).get("input")
                except (ValueError, AttributeError):
                    doc = None
                with fake._lock:
                    fake.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, doc))
                    fake._count += 1
                    decision_id = f"fake-{fake._count}"
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if fake.token is not None and self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._send(401, {"code": "unauthorized", "message": "missing or invalid bearer token"})
                if fake.body is not None:
                    return self._raw(fake.status, fake.body)
                if fake.status != 200:
                    return self._send(fake.status, {"code": "internal_error", "message": "stand-in failure"})
                path = self.path.split("?")[0]
                if not path.startswith("/v1/data"):
                    return self._send(404, {"code": "resource_not_found", "message": "unknown path"})
                try:
                    value = fake.decide(path[len("/v1/data"):], doc)
                except Exception as exc:  # noqa: BLE001 - OPA answers 500 with its error
                    return self._send(500, {"code": "internal_error", "message": str(exc)[:200]})
                answer: dict[str, Any] = {"decision_id": decision_id}
                if value is not UNSET:
                    answer["result"] = value
                self._send(200, answer)

            def _send(self, status: int, doc: Any) -> None:
                self._raw(status, json.dumps(doc).encode())

            def _raw(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        if self.tls is None:
            self._start(Handler)
            return self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # wrapped before the server thread starts
        context.load_cert_chain(*self.tls)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self
