"""The credential store: real provider tokens that only blastwall's gateway uses.

    from blastwall import credentials
    credentials.put("railway", token)   # stored, never printed
    credentials.get("railway")          # the token, or None
    credentials.delete("railway")       # True when it was there
    credentials.names()                 # ["github", "railway"]

Where tokens live (`BLASTWALL_CREDENTIAL_STORE` = `auto` (default) | `keyring` | `file`):

- `keyring`: the operating system's keyring (macOS Keychain, Windows Credential Locker, the
  Secret Service on Linux desktops) through the `keyring` package, service name `blastwall`;
- `file`: `$XDG_CONFIG_HOME/blastwall/credentials.enc` (mode 0600), AES-256-GCM. Its key is
  either derived from a passphrase with scrypt (a human types it when the gateway starts) or
  a random 32-byte key in `credentials.key` next to it (0600; gateways that start unattended).
  See `credentials/filestore.py` for the trade-off.

`auto` uses the keyring when a usable backend exists and the file otherwise. The gateway reads
a token from the same store `blastwall credentials add` wrote it to, so a gateway that runs
where no keyring is reachable (a service, a container) needs `BLASTWALL_CREDENTIAL_STORE=file`
on both sides. Nothing here ever logs or prints a value.
"""

from __future__ import annotations

import os

from blastwall.credentials.base import Backend, CredentialError, check_name, check_value

__all__ = ["Backend", "CredentialError", "delete", "get", "names", "open_store", "put", "store_kind"]

STORE_VAR = "BLASTWALL_CREDENTIAL_STORE"
KINDS = ("auto", "keyring", "file")


def store_kind(kind: str | None = None) -> str:
    """The backend `kind` (or `$BLASTWALL_CREDENTIAL_STORE`) resolves to: "keyring" or "file"."""
    chosen = (kind or os.environ.get(STORE_VAR) or "auto").strip().lower()
    if chosen not in KINDS:
        raise CredentialError(f"{STORE_VAR} must be one of {', '.join(KINDS)}, not {chosen!r}")
    if chosen == "auto":
        from blastwall.credentials.keyring_store import usable

        return "keyring" if usable() else "file"
    return chosen


def open_store(kind: str | None = None, *, folder: str | None = None, passphrase: bytes | None = None) -> Backend:
    """The credential backend. `folder` (file store only) defaults to blastwall's config folder;
    `passphrase` unlocks a passphrase-protected file (else the prompt, at a terminal)."""
    resolved = store_kind(kind)
    if resolved == "keyring":
        from blastwall.credentials.keyring_store import KeyringStore

        return KeyringStore()
    from blastwall.credentials.filestore import FileStore

    return FileStore(folder, passphrase=passphrase)


def put(name: str, value: str) -> None:
    """Store (or replace) credential `name`."""
    open_store().put(check_name(name), check_value(value))


def get(name: str) -> str | None:
    """Credential `name`, or None when the store has none by that name."""
    return open_store().get(check_name(name))


def delete(name: str) -> bool:
    """Remove credential `name`; False when there was none."""
    return open_store().delete(check_name(name))


def names() -> list[str]:
    """The names of the stored credentials, sorted (never their values)."""
    return open_store().names()
