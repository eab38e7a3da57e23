"""Run the approval page: `run(...)` serves it with uvicorn (127.0.0.1:8765 by default).

On a loopback address the page answers only to loopback host names (a page elsewhere cannot
reach it through DNS rebinding); on any other address it answers to every `Host` unless
`allowed_hosts` lists them. When nobody can sign in yet, the user `local` is created and the
sign-in address with its token is printed once on stderr, the way Jupyter does it.

With `checkpoint_every_s`, a background thread (its own store connection) signs a checkpoint of
the audit log with the server's key whenever entries were added (audit/checkpoints.py `Witness`),
and stops, with a warning on stderr, if what it vouched for before was rewritten.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import IO, Any

from blastwall.approvals.web import auth
from blastwall.approvals.web.app import create_app

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


def base_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def login_notice(store: Any, secret: bytes, host: str, port: int) -> str:
    """What to print at start: the sign-in address (with a new token when nobody can sign in)."""
    token = auth.ensure_first_user(store, secret)
    url = base_url(host, port)
    if token:
        return (f"blastwall serve: sign in at {url}/login?token={token}\n"
                "  (this token is shown once; `blastwall serve --add-user NAME` makes more users)")
    return (f"blastwall serve: {url}/ (sign in with your login token; "
            "`blastwall serve --add-user NAME` gives a user a new one)")


def start_checkpoints(web: Any, every_s: float, stream: IO[str]) -> tuple[threading.Thread, threading.Event]:
    """Sign a checkpoint every `every_s` seconds while there is something new; set the event to stop."""
    from blastwall.audit.checkpoints import Witness
    from blastwall.store import StoreError, open_store

    desk, stop = web.desk, threading.Event()
    witness = Witness(desk.private, desk.key, trusted=desk.trusted)

    def loop() -> None:
        store = None
        while not stop.wait(every_s):
            try:
                store = store or open_store(desk.store.url)
                witness.tick(store)
            except StoreError as exc:
                stream.write(f"blastwall serve: warning: no audit checkpoint this time ({exc})\n")
                stream.flush()
                store = None
            if witness.alarm:
                stream.write(f"blastwall serve: warning: {witness.alarm}\n")
                stream.flush()
                break
        if store is not None:
            store.close()

    thread = threading.Thread(target=loop, name="blastwall-checkpoints", daemon=True)
    thread.start()
    return thread, stop


def run(store_url: str | None = None, key_name: str = "server", passphrase: bytes | None = None, *,
        host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, secure_cookies: bool = False,
        allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = (), keys_folder: str | None = None,
        err: IO[str] | None = None, checkpoint_every_s: float = 0.0) -> None:
    """Serve until interrupted. Raises `WebError` (app.py) before listening when the key, the
    store or the settings cannot be used."""
    import uvicorn

    hosts = list(allowed_hosts)
    if is_loopback(host):
        hosts.extend(LOOPBACK_NAMES)
        hosts.append(host)
    app = create_app(store_url, key_name, passphrase, keys_folder=keys_folder, secure_cookies=secure_cookies,
                     allowed_hosts=hosts or None, allowed_origins=allowed_origins)
    stream = err or sys.stderr
    stream.write(login_notice(app.state.web.desk.store, app.state.web.signer.secret, host, port) + "\n")
    stream.flush()
    stop = start_checkpoints(app.state.web, checkpoint_every_s, stream)[1] if checkpoint_every_s > 0 else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
    finally:
        if stop is not None:
            stop.set()
