"""Who may use the approval page: login tokens, signed session cookies and CSRF tokens.

Users live in the store's settings table (`web.user.<name>` = sha256 hex of the login token,
sealed with an HMAC under the server's secret so that a record written without the server's
key signs nobody in),
so every `blastwall serve` instance on the same store knows the same people. Sessions are
stateless: an instance behind a load balancer accepts a cookie that another instance holding
the same server key issued.

- The HMAC secret is derived from the server's private key (`key_secret`), never stored.
- A login token is 32 random bytes (URL-safe base64). Only its hash is stored; it is shown once.
- A session cookie is `base64url(JSON) "." HMAC`. The JSON holds the user, a random session id,
  the expiry and the first 16 hex digits of the user's token hash, so giving a user a new token
  (or removing the user) ends that user's sessions.
- A session's CSRF token is HMAC(secret, "csrf:" + session id). The login form, which has no
  session yet, carries HMAC(secret, "login:" + nonce), the nonce sitting in a short-lived cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from blastwall.store.base import Store

USER_PREFIX = "web.user."
FIRST_USER = "local"
SESSION_TTL_S = 12 * 3600
LOGIN_NONCE_TTL_S = 3600


class AuthError(ValueError):
    """A user cannot be created; the message says why."""


def valid_name(name: str) -> bool:
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name) and not name.startswith(".")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _record_mac(secret: bytes, name: str, digest: str) -> str:
    return hmac.new(secret, f"user:{name}:{digest}".encode(), hashlib.sha256).hexdigest()


def users(store: Store, secret: bytes) -> dict[str, str]:
    """user name -> token hash, for records sealed with this server's secret. A record someone
    wrote into the store without the server's key (to give themselves a login) is ignored."""
    out = {}
    for key, value in store.settings_with_prefix(USER_PREFIX).items():
        name, (digest, _, mac) = key[len(USER_PREFIX):], value.partition(".")
        if mac and hmac.compare_digest(mac, _record_mac(secret, name, digest)):
            out[name] = digest
    return out


def add_user(store: Store, name: str, secret: bytes) -> str:
    """Create `name` (or give it a new token, which ends its sessions); returns the token."""
    if not valid_name(name):
        raise AuthError("a user name is 1-64 letters, digits, '-', '_' or '.'")
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    store.put_setting(USER_PREFIX + name, f"{digest}.{_record_mac(secret, name, digest)}")
    return token


def remove_user(store: Store, name: str) -> bool:
    if not store.setting(USER_PREFIX + name):
        return False
    store.delete_setting(USER_PREFIX + name)
    return True


def ensure_first_user(store: Store, secret: bytes) -> str | None:
    """When nobody can log in yet, create the user `local` and return its token (shown once)."""
    if users(store, secret):
        return None
    return add_user(store, FIRST_USER, secret)


def user_for_token(store: Store, token: str, secret: bytes) -> tuple[str, str] | None:
    """(name, token hash) of the user whose token this is; every stored hash is compared in
    constant time, so the answer's timing says nothing about which one came close."""
    if not token or len(token) > 200:
        return None
    wanted = token_hash(token.strip())
    found = None
    for name, stored in sorted(users(store, secret).items()):
        if hmac.compare_digest(wanted, stored):
            found = (name, stored)
    return found


def key_secret(private: Any) -> bytes:
    """The HMAC secret for sessions and CSRF tokens, derived from the server's private key.

    Nothing secret lives in the store, which hook processes (running as the agent's user) must
    be able to open: a secret kept there would let whoever reads the database forge a session and
    approve through the page. Every instance that holds the same server key accepts the same
    sessions."""
    from cryptography.hazmat.primitives import serialization

    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    return hmac.new(raw, b"blastwall web sessions v1", hashlib.sha256).digest()


class Session(NamedTuple):
    user: str
    sid: str
    expires_at: float
    token_tag: str  # the first 16 hex digits of the user's token hash when the session began


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and checks session cookies and CSRF tokens with the store's secret."""

    def __init__(self, secret: bytes, *, session_ttl_s: float = SESSION_TTL_S) -> None:
        self.secret = secret
        self.session_ttl_s = session_ttl_s

    def _mac(self, purpose: str, text: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()

    def seal(self, purpose: str, data: dict[str, Any]) -> str:
        """`data` as a signed cookie value (readable by its holder, not forgeable)."""
        body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(purpose, body)}"

    def unseal(self, purpose: str, value: str | None) -> dict[str, Any] | None:
        if not value or "." not in value or len(value) > 4000:
            return None
        body, mac = value.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(purpose, body)):
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    # --- sessions ----------------------------------------------------------------------------

    def new_session(self, user: str, user_hash: str, now: float | None = None) -> tuple[str, Session]:
        now = time.time() if now is None else now
        session = Session(user, secrets.token_hex(16), round(now + self.session_ttl_s), user_hash[:16])
        return self.seal("session", session._asdict()), session

    def read_session(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session in `cookie` when its signature holds and it has not expired."""
        raw = self.unseal("session", cookie)
        if raw is None:
            return None
        try:
            session = Session(str(raw["user"]), str(raw["sid"]), float(raw["expires_at"]), str(raw["token_tag"]))
        except (ValueError, KeyError, TypeError):
            return None
        now = time.time() if now is None else now
        return session if now < session.expires_at else None

    # --- CSRF --------------------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", session.sid)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))

    def login_nonce(self) -> str:
        return secrets.token_hex(16)

    def login_token(self, nonce: str) -> str:
        return self._mac("login", nonce)

    def login_ok(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce) and bool(token) and hmac.compare_digest(str(token), self.login_token(str(nonce)))


def cross_site(headers: Mapping[str, str], host: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why a state-changing request looks like it came from another site, or None.

    Browsers mark where a request comes from with `Sec-Fetch-Site`; anything but `same-origin`
    (or `none`, typed by the user) is refused, `same-site` included (another port on the same
    host is another program). An `Origin` (or, without one, a `Referer`) must name this
    server's `Host` or one in `allowed`. Because the pages send `Referrer-Policy: no-referrer`,
    the browser sends `Origin: null` with their own forms; that is accepted only beside
    `Sec-Fetch-Site: same-origin`."""
    host = host.lower()
    site = headers.get("sec-fetch-site", "").lower()
    if site and site not in ("same-origin", "none"):
        return f"the form was sent from another site (Sec-Fetch-Site: {site[:20]})"
    origin = headers.get("origin")
    source = origin if origin is not None else headers.get("referer")
    if source is None:
        return None
    if source.strip().lower() == "null":
        return None if site == "same-origin" else "the form was sent from a page without an origin"
    netloc = urlsplit(source.strip()).netloc.lower()
    if netloc != host and netloc not in allowed:
        return f"the form was sent from {netloc or 'an unknown page'}, not from this server ({host})"
    return None
