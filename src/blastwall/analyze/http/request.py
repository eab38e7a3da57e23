"""Normalize an HTTP request into the parts the rules look at.

Everything here is total: any method, URL, header map or body (JSON text, a decoded object,
form data, bytes, junk) becomes a `Request` without raising. Credentials never leave this
module: `display` is the URL without user info or query string, which is all a reason shows.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from blastwall import rx

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")
_OVERRIDE_PARAMS = ("_method", "x-http-method-override")
_METHOD_RE = rx.compile(r"^[A-Za-z][A-Za-z-]{0,19}$")


@dataclass(frozen=True)
class Request:
    """One request as the rules see it."""

    method: str  # effective method (after any method-override header or parameter)
    scheme: str
    host: str  # lower case, no port, no trailing dot
    port: int | None
    path: str  # percent-decoded, normalized, no trailing slash (except "/")
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]  # lower-case names
    body: Any  # decoded JSON value, a dict of form fields, a string, or None
    body_text: str
    declared_method: str = ""
    params: dict[str, Any] = field(default_factory=dict)  # query parameters and top-level body fields

    @property
    def display(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"{self.host}{port}{self.path}" if self.host else self.path

    def query_values(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


def build(method: str, url: str, headers: dict[str, str] | None, body: object) -> Request:
    """Parse the loose parts of a request."""
    hdrs = {str(k).strip().lower(): str(v) for k, v in (headers or {}).items()} if isinstance(headers, dict) else {}
    scheme, host, port, path, query = _split_url(url)
    text, data = _body(body, hdrs.get("content-type", ""))
    params: dict[str, Any] = {}
    for k, v in query:
        params.setdefault(k, v)
    if isinstance(data, dict):
        for k, v in data.items():
            params.setdefault(str(k), v)
    declared = _clean_method(method)
    effective = _override(hdrs, query, data) or declared
    return Request(
        method=effective,
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        query=query,
        headers=hdrs,
        body=data,
        body_text=text,
        declared_method=declared,
        params=params,
    )


# How much a method can change, to pick among several overrides: servers differ in which one they
# take (the first of a comma-joined header, the last of a repeated parameter), so the most.
_METHOD_RANK = {"GET": 0, "HEAD": 0, "OPTIONS": 0, "TRACE": 0, "POST": 2, "PATCH": 3, "PUT": 3, "DELETE": 5}


def _override(hdrs: dict[str, str], query: tuple[tuple[str, str], ...], data: Any) -> str | None:
    """The method an override names (`X-HTTP-Method-Override: DELETE`, `?_method=delete`, a `_method`
    form field), or None. Every value counts: each header value split at commas, every repeat of a
    parameter, any case of its name; the one that can change the most wins."""
    values = [part for h in _OVERRIDE_HEADERS if h in hdrs for part in hdrs[h].split(",")]
    fields = list(query) + (list(data.items()) if isinstance(data, dict) else [])
    values += [v for k, v in fields if isinstance(v, str) and str(k).strip().lower() in _OVERRIDE_PARAMS]
    methods = [v.strip().upper() for v in values if _METHOD_RE.match(v.strip())]
    return max(methods, key=lambda m: _METHOD_RANK.get(m, 1), default=None)


def _clean_method(method: str) -> str:
    m = str(method or "GET").strip().upper()
    return m if m in _METHOD_RANK or _METHOD_RE.match(m) else "UNKNOWN"  # the common ones match it


def _split_url(url: str) -> tuple[str, str, int | None, str, tuple[tuple[str, str], ...]]:
    raw = str(url or "").strip()
    if raw and "://" not in raw[:12] and not raw.startswith("/"):
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").rstrip(".").lower()
        try:
            port = parts.port
        except ValueError:
            port = None
        scheme = parts.scheme.lower()
        rawpath, rawquery = parts.path, parts.query
    except ValueError:
        scheme, host, port, rawpath, rawquery = "", "", None, raw, ""
    path = unquote(rawpath or "/")
    if "//" in path:
        path = rx.sub(r"/+", "/", path)
    path = posixpath.normpath(path) if path not in ("", "/") else "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    try:
        query = tuple(parse_qsl(rawquery, keep_blank_values=True))
    except ValueError:
        query = ()
    return scheme, host, port, path, query


def _body(body: object, content_type: str) -> tuple[str, Any]:
    """(text, decoded value) for a body given as an object, JSON text, form data or bytes."""
    if body is None:
        return "", None
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if isinstance(body, str):
        text = body
        stripped = text.strip()
        if not stripped:
            return text, None
        if stripped[:1] in "{[\"" or stripped in ("true", "false", "null") or stripped[:1].isdigit():
            try:
                return text, json.loads(stripped)
            except ValueError:
                pass
        if "form" in content_type or rx.fullmatch(r"[^\s=&]+=[^\s&]*(&[^\s=&]+=[^\s&]*)*", stripped):
            try:
                return text, dict(parse_qsl(stripped, keep_blank_values=True))
            except ValueError:
                return text, text
        return text, text
    try:
        text = json.dumps(body, default=str, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(body)[:10000]
    return text, body


def walk(value: Any, depth: int = 0) -> list[tuple[str, Any]]:
    """Every (key, value) pair in a nested JSON-like value (bounded depth)."""
    out: list[tuple[str, Any]] = []
    if depth > 24:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((str(k), v))
            out.extend(walk(v, depth + 1))
    elif isinstance(value, list):
        for v in value[:500]:
            out.extend(walk(v, depth + 1))
    elif isinstance(value, str) and value[:1] in "{[" and len(value) < 100_000:
        with contextlib.suppress(ValueError):
            out.extend(walk(json.loads(value), depth + 1))
    return out
