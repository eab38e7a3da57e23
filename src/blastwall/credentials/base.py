"""What every credential backend offers, and the rules names and values follow."""

from __future__ import annotations

import re
from typing import Protocol

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_VALUE = 64 * 1024


class CredentialError(Exception):
    """The store cannot do what was asked; the message says why and never holds a value."""


class Backend(Protocol):
    kind: str  # "keyring" | "file"

    def put(self, name: str, value: str) -> None: ...

    def get(self, name: str) -> str | None: ...

    def delete(self, name: str) -> bool: ...

    def names(self) -> list[str]: ...

    def where(self) -> str:
        """Where the values live, for humans (a path or the keyring's name)."""
        ...


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise CredentialError("a credential name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_value(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise CredentialError("a credential value must be a non-empty string")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_VALUE:
        raise CredentialError(f"a credential value is at most {MAX_VALUE // 1024} KiB")
    if "\x00" in value:
        raise CredentialError("a credential value cannot contain NUL bytes")
    return value
