"""Ask a running OPA server: `POST <url> {"input": ...}` (OPA's Data API), answer `{"result": ...}`.

    value, decision_id = query(layer, doc, cache)

The team's own OPA (its bundles, decision logs and `opa test`) then governs its agents. One
request per check at most: `cache` lives for one check and is dropped with it, so no answer is
ever reused for another action. Any failure (refused connection, timeout, TLS, an HTTP status
other than 200, a body that is not JSON, more than MAX_BODY bytes) raises `OpaError`, which the
layer turns into `ask`; never into `allow`.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

from blastwall.policy.rego_answer import UNDEFINED
from blastwall.policy.rego_config import OpaLayer

MAX_BODY = 1 << 20
Cache = dict[tuple[str, str], tuple[Any, str]]


class OpaError(Exception):
    """The OPA server gave no usable answer; the message is one line."""


def query(layer: OpaLayer, doc: dict[str, Any], cache: Cache | None = None) -> tuple[Any, str]:
    """The `result` of the query (UNDEFINED when OPA has none) and OPA's decision id ("" when
    its decision log is off)."""
    sent = redacted(doc) if layer.redact else doc
    body = json.dumps({"input": sent}, separators=(",", ":"), ensure_ascii=False, default=str)
    key = (layer.url, body)
    if cache is not None and key in cache:
        return cache[key]
    answer = _post(layer, body.encode("utf-8"))
    if cache is not None:
        cache[key] = answer
    return answer


def _post(layer: OpaLayer, body: bytes) -> tuple[Any, str]:
    import http.client

    parts = urlsplit(layer.url)
    deadline = time.monotonic() + layer.timeout_s
    headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "blastwall"}
    token = _token(layer)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=layer.timeout_s, context=_tls(layer))
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=layer.timeout_s)
        try:
            conn.request("POST", path, body=body, headers=headers)
            _left(conn, deadline)
            response = conn.getresponse()
            data = _read(response, conn, deadline)
        finally:
            conn.close()
    except OpaError:
        raise
    except TimeoutError as exc:
        raise OpaError(f"no answer within {layer.timeout_s * 1000:g} ms") from exc
    except OSError as exc:  # refused, unreachable, TLS (ssl.SSLError is an OSError)
        raise OpaError(_one_line(exc) or type(exc).__name__) from exc
    except http.client.HTTPException as exc:
        raise OpaError(f"broken HTTP answer ({type(exc).__name__})") from exc
    if response.status != 200:
        raise OpaError(f"HTTP {response.status}{_opa_message(data)}")
    try:
        answer = json.loads(data)
    except ValueError:
        raise OpaError("the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise OpaError("the answer is not a JSON object")
    decision_id = answer.get("decision_id")
    return answer.get("result", UNDEFINED), str(decision_id) if isinstance(decision_id, str) else ""


def _left(conn: Any, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if conn.sock is not None:
        conn.sock.settimeout(left)


def _read(response: Any, conn: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        _left(conn, deadline)
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            raise OpaError(f"the answer is larger than {MAX_BODY} bytes")
        chunks.append(chunk)


def _tls(layer: OpaLayer) -> Any:
    import ssl

    try:
        context = ssl.create_default_context(cafile=layer.ca_file)
        if layer.client_cert and layer.client_key:
            context.load_cert_chain(layer.client_cert, layer.client_key)
    except (OSError, ssl.SSLError) as exc:
        raise OpaError(f"TLS set-up failed ({_one_line(exc)}); check ca_file, client_cert and client_key") from exc
    return context


def _token(layer: OpaLayer) -> str | None:
    if layer.token:
        return layer.token
    if layer.token_env:
        value = os.environ.get(layer.token_env, "").strip()
        if not value:
            raise OpaError(f"token_env {layer.token_env} is not set in the checker's environment")
        return value
    if layer.token_file:
        try:
            with open(layer.token_file, encoding="utf-8") as f:
                value = f.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise OpaError(f"cannot read token_file {layer.token_file} ({type(exc).__name__})") from exc
        if not value:
            raise OpaError(f"token_file {layer.token_file} is empty")
        return value
    return None


def _opa_message(data: bytes) -> str:
    try:
        doc = json.loads(data)
    except ValueError:
        return ""
    message = doc.get("message") if isinstance(doc, dict) else None
    return f": {_one_line(message)[:160]}" if isinstance(message, str) and message else ""


def redacted(value: Any) -> Any:
    """`value` with credentials masked in every string (what an OPA server receives by default)."""
    from blastwall.redact import redact

    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    return value


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
