"""Send an allowed request upstream with the real credential, and stream the answer back.

The credential is added here and nowhere else; it is never logged. What comes back is
scrubbed: a provider that echoes the Authorization header (or an error page that quotes it)
does not hand the token to the agent. Scrubbing replaces the token with as many `*` as it has
characters, so a Content-Length stays true, and it holds back the last few bytes of each
chunk so that a token split across two chunks is still caught. Upstream is asked for an
uncompressed answer (gzip and deflate are decoded if it compresses anyway; other encodings
are refused) so the scrubber sees the bytes the agent gets. Provider session cookies
(`Set-Cookie`) are dropped; redirects are not followed, and a `Location` on the upstream is
rewritten to point back at the gateway.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import AsyncIterator, Iterable

from blastwall.doors.gateway.client import ClientError, Content, Pool, Response
from blastwall.doors.gateway.config import GatewayConfig, Route, header_in, header_lists

CHUNK = 64 * 1024
DECODABLE = ("gzip", "x-gzip", "deflate")


class Scrubber:
    """Masks every occurrence of the given secrets in a byte stream."""

    def __init__(self, secrets: Iterable[str]) -> None:
        raw = {s.encode("utf-8") for s in secrets if s and len(s) >= 4}
        self.secrets = sorted(raw, key=len, reverse=True)
        self.texts = [s.decode("utf-8") for s in self.secrets]
        self.keep = max((len(s) for s in self.secrets), default=1) - 1
        self.tail = b""

    def feed(self, chunk: bytes) -> bytes:
        if not self.secrets:
            return chunk
        data = self.tail + chunk if self.tail else chunk
        for s in self.secrets:
            if s in data:
                data = data.replace(s, b"*" * len(s))
        if self.keep <= 0:
            return data
        self.tail = data[-self.keep:]
        return data[:-self.keep]

    def flush(self) -> bytes:
        out, self.tail = self.tail, b""
        return out

    def text(self, value: str) -> str:
        for s in self.texts:
            if s in value:
                value = value.replace(s, "*" * len(s))
        return value


class UpstreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def pool(cfg: GatewayConfig) -> Pool:
    return Pool(connect_timeout=cfg.connect_timeout_s, timeout=cfg.timeout_s)


def credential_header(route: Route, token: str) -> tuple[str, str]:
    value = route.inject.value(token)
    if any(c in value for c in "\r\n\x00"):
        raise UpstreamError(500, f"credential {route.credential!r} cannot be sent in a header (it holds a line break)")
    return route.inject.header, value


async def send(http: Pool, method: str, url: str, headers: list[tuple[str, str]], content: Content, route: Route,
               token: str) -> Response:
    """Open the upstream response (streaming). Raises UpstreamError with the status to answer."""
    name, value = credential_header(route, token)
    sent = [*headers, ("accept-encoding", "identity"), (name, value)]
    try:
        resp = await http.request(method, url, sent, content)
    except ClientError as exc:
        status = 504 if exc.timeout else 502
        if exc.connecting:
            message = f"upstream {route.name} could not be reached: {exc}; the request was not sent"
        else:
            message = (f"upstream {route.name} failed during the request: {exc}; it may have run the request, "
                       "check before retrying")
        raise UpstreamError(status, message) from exc
    except ValueError as exc:
        raise UpstreamError(400, str(exc)) from exc
    encoding = resp.header("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity", *DECODABLE):
        await resp.aclose()
        raise UpstreamError(502, f"upstream {route.name} answered with content-encoding {encoding!r}, which blastwall "
                                 "cannot check for the credential")
    return resp


def response_headers(resp: Response, scrub: Scrubber, route: Route, gateway_base: str) -> list[tuple[str, str]]:
    dropped = _response_dropped()
    encoded = resp.header("content-encoding", "identity").strip().lower() not in ("", "identity")
    out: list[tuple[str, str]] = []
    for low, value in resp.headers:
        if header_in(low, dropped) or (encoded and low == "content-encoding"):
            continue
        if low == "location" and value.startswith(route.upstream):
            value = gateway_base + value[len(route.upstream):]
        out.append((low, scrub.text(value)))
    length = resp.header("content-length")
    if not encoded and length:
        out.append(("content-length", length))
    return out


@functools.cache
def _response_dropped() -> tuple[str, ...]:
    lists = header_lists()
    return (*lists["hop_by_hop"], *lists["response_dropped"])


async def body(resp: Response, scrub: Scrubber) -> AsyncIterator[bytes]:
    """The upstream body, decoded, scrubbed, in chunks; closes the upstream response at the end
    (also when the agent goes away mid-stream)."""
    encoding = resp.header("content-encoding", "identity").strip().lower()
    inflate = zlib.decompressobj(47) if encoding in DECODABLE else None  # 47: a zlib or gzip header
    try:
        async for chunk in resp.chunks():
            if inflate is not None:
                chunk = inflate.decompress(chunk)
            out = scrub.feed(chunk)
            if out:
                yield out
        if inflate is not None:
            out = scrub.feed(inflate.flush())
            if out:
                yield out
        rest = scrub.flush()
        if rest:
            yield rest
    finally:
        await resp.aclose()
