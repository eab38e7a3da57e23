"""Gateway tokens: what an agent presents instead of a provider token.

A token is `bwgw_` + 32 random bytes (base64url). The configuration keeps only its sha256
(`token_sha256`), so the policy file is no secret. The agent presents the token where its
client already puts a provider token: `Authorization: Bearer …` (or GitHub's `token …`), the
route's injected header (e.g. `Project-Access-Token`), or `X-Blastwall-Token`. Every agent's
hash is compared in constant time, and all of them are compared, so timing says nothing about
which agent, if any, almost matched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

from blastwall.doors.gateway.config import Agent, Route

PREFIX = "bwgw_"
TOKEN_HEADER = "x-blastwall-token"
_SCHEMES = ("bearer ", "token ")


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def presented(headers: Mapping[str, str], route: Route) -> str | None:
    """The gateway token the request carries, if any (headers with lower-case names)."""
    direct = headers.get(TOKEN_HEADER, "").strip()
    if direct:
        return direct
    auth = headers.get("authorization", "").strip()
    for scheme in _SCHEMES:
        if auth[: len(scheme)].lower() == scheme:
            return auth[len(scheme):].strip() or None
    injected = headers.get(route.inject.header.lower(), "").strip()
    if injected:
        prefix = route.inject.prefix().strip()
        if prefix and injected[: len(prefix)].lower() == prefix.lower():
            injected = injected[len(prefix):].strip()
        return injected or None
    return None


def authenticate(token: str | None, agents: Iterable[Agent]) -> Agent | None:
    """The agent whose token this is, or None. Constant time in the token and over all agents."""
    digest = token_sha256(token or "")
    found: Agent | None = None
    for agent in agents:
        if hmac.compare_digest(digest, agent.token_sha256) and token:
            found = agent
    return found
