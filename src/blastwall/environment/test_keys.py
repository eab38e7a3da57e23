"""Test-mode API keys as evidence of a test environment (evidence.toml [[test_keys]]).

    test_mode("api.stripe.com", ["sk_test_4eC3..."])  -> "Stripe's test mode"
    test_mode("api.stripe.com", ["sk_live_..."])      -> None
    test_mode("api.stripe.com", [])                   -> None (no key on the request: the client's default)

A provider that splits its data by key (Stripe: `sk_test_`/`rk_test_` keys reach only test-mode
objects, with no real money or customers) gets a request in test mode when every credential the
request carries is such a key and it goes to that provider's host. The key itself is never shown:
reasons name the key's prefix only.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any

from blastwall.analyze import globs


def rows() -> list[dict[str, Any]]:
    from blastwall.environment.clients import section_rows

    return section_rows("test_keys")


def test_mode(host: str, credentials: Iterable[str]) -> str | None:
    """The [[test_keys]] row name when `host` is the provider's and every credential is a test key."""
    low = host.lower().rstrip(".")
    keys = [c.strip() for c in credentials if c and c.strip()]
    if not keys:
        return None
    for row in rows():
        if globs.match_any(low, row.get("hosts", [])) and all(globs.match_any(k, row["keys"]) for k in keys):
            return str(row["name"])
    return None


def shown(row_name: str) -> str:
    """How a reason names the key: its prefixes, never the key."""
    row = next((r for r in rows() if r["name"] == row_name), {})
    return " or ".join(f"{k.rstrip('*')}..." for k in row.get("keys", []))


def authorization(value: str) -> str | None:
    """The key in an Authorization header value: `Bearer KEY`, or the user of `Basic base64(KEY:)`."""
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer":
        return token
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(token, validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return "(unreadable)"
    return "(unknown scheme)"


def header_credentials(headers: Mapping[str, Any] | Iterable[str]) -> list[str]:
    """The keys a request's headers carry (`{"Authorization": "Bearer sk_test_..."}`, or curl's
    `Authorization: Bearer ...` lines). Other credential headers count as keys that are not test keys."""
    pairs: list[tuple[str, str]] = []
    if isinstance(headers, Mapping):
        pairs = [(str(k), str(v)) for k, v in headers.items()]
    else:
        for line in headers:
            name, sep, value = str(line).partition(":")
            if sep:
                pairs.append((name, value))
    out: list[str] = []
    for name, value in pairs:
        low = name.strip().lower()
        if low == "authorization":
            out.append(authorization(value) or "")
        elif low in ("x-api-key", "api-key", "proxy-authorization"):
            out.append(value.strip() or "(empty)")
    return out


def cli_test_mode(program: str, words: list[str], env: Iterable[tuple[str, str | None]] = ()) -> str | None:
    """A provider CLI given a test key (`stripe ... --api-key sk_test_...`, or its variable set on
    the line) and no live-mode flag: the [[test_keys]] row name."""
    for row in rows():
        options = (row.get("cli_options") or {}).get(program)
        if options is None:
            continue
        if any(w.partition("=")[0] in row.get("live_flags", []) for w in words):
            return None
        keys: list[str] = []
        for i, w in enumerate(words):
            name, eq, value = w.partition("=")
            if name in options:
                keys.append(value if eq else words[i + 1] if i + 1 < len(words) else "")
        keys += [v or "" for k, v in env if k in row.get("cli_env", [])]
        if keys and all(globs.match_any(k, row["keys"]) for k in keys):
            return str(row["name"])
    return None
