"""Credentials in the operating system's keyring (the `keyring` package), service `blastwall`.

Keyrings cannot list their entries, so the names (never the values) are kept in one more
entry, `blastwall` / `.index`, as a JSON list.
"""

from __future__ import annotations

import json
from typing import Any

from blastwall.credentials.base import CredentialError

SERVICE = "blastwall"
INDEX = ".index"
# Backends that store nothing, refuse everything, or keep values in plain text.
_REFUSED = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file.PlaintextKeyring")


def _keyring() -> Any:
    try:
        import keyring
    except ImportError as exc:  # pragma: no cover - a dependency of blastwall
        raise CredentialError("the keyring package is not installed") from exc
    return keyring


def usable() -> bool:
    """True when the keyring has a backend that really stores secrets."""
    try:
        backend = _keyring().get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring configuration is an unusable keyring
        return False
    return _usable_backend(backend)


def _usable_backend(backend: Any) -> bool:
    inner = getattr(backend, "backends", None)
    if inner is not None:  # the chainer: usable when one of its backends is
        return any(_usable_backend(b) for b in inner)
    label = f"{type(backend).__module__}.{type(backend).__name__}"
    if label.startswith(_REFUSED):
        return False
    try:
        return float(getattr(backend, "priority", 1)) > 0
    except (TypeError, ValueError):
        return False


class KeyringStore:
    kind = "keyring"

    def __init__(self) -> None:
        self._kr = _keyring()

    def where(self) -> str:
        try:
            backend = self._kr.get_keyring()
        except Exception:  # noqa: BLE001
            return "the system keyring"
        return f"the system keyring ({type(backend).__name__})"

    def _call(self, what: str, fn: Any, *args: str) -> Any:
        try:
            return fn(SERVICE, *args)
        except Exception as exc:  # noqa: BLE001 - keyring errors never carry the value, but stay short
            raise CredentialError(f"the system keyring refused to {what} ({type(exc).__name__})") from exc

    def _index(self) -> list[str]:
        raw = self._call("read the index", self._kr.get_password, INDEX)
        try:
            names = json.loads(raw) if raw else []
        except ValueError:
            names = []
        return sorted({str(n) for n in names if isinstance(n, str)}) if isinstance(names, list) else []

    def _write_index(self, names: list[str]) -> None:
        self._call("write the index", self._kr.set_password, INDEX, json.dumps(sorted(set(names))))

    def put(self, name: str, value: str) -> None:
        self._call("store the credential", self._kr.set_password, name, value)
        index = self._index()
        if name not in index:
            self._write_index([*index, name])

    def get(self, name: str) -> str | None:
        value = self._call("read the credential", self._kr.get_password, name)
        return value if isinstance(value, str) and value else None

    def delete(self, name: str) -> bool:
        existed = self.get(name) is not None
        if existed:
            try:
                self._kr.delete_password(SERVICE, name)
            except Exception as exc:  # noqa: BLE001
                if self.get(name) is not None:
                    raise CredentialError(f"the system keyring refused to delete it ({type(exc).__name__})") from exc
        index = self._index()
        if name in index:
            self._write_index([n for n in index if n != name])
        return existed

    def names(self) -> list[str]:
        return [n for n in self._index() if self.get(n) is not None]
