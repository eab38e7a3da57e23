"""Approver keys: Ed25519 key pairs that sign grants.

`blastwall keys init` writes, in `~/.config/blastwall/keys/` (0700):
- `NAME.key`: the private key, PKCS#8 PEM encrypted with the approver's passphrase, 0600;
- `NAME.pub`: `{"name", "key": "ed25519:<base64>", "role"}`.

Which public keys may approve: every `*.pub` in that folder (the user's own config, which agents
may not write) plus `[approvals] approvers` in a trusted policy layer. A key's id is the first
16 hex digits of the sha256 of its raw public bytes.

Roles: `approver` (a human's key; a grant it signs names the key itself as the approver) and
`server` (held by `blastwall serve`; its grants name the logged-in human, `web:alice`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from blastwall.locations import keys_dir, private_dir

ROLES = ("approver", "server")
PREFIX = "ed25519:"


class KeyError_(ValueError):
    """A key cannot be created, read or used; the message says what to do."""


class PublicKey(NamedTuple):
    name: str
    key_id: str
    raw: bytes  # 32 bytes
    role: str = "approver"
    origin: str = ""

    @property
    def text(self) -> str:
        return PREFIX + base64.b64encode(self.raw).decode()


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def parse_public(text: str, *, name: str = "", role: str = "approver", origin: str = "") -> PublicKey:
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise KeyError_(f"{origin or 'key'}: a public key is written 'ed25519:<base64>'")
    try:
        raw = base64.b64decode(text[len(PREFIX):], validate=True)
    except ValueError as exc:
        raise KeyError_(f"{origin or 'key'}: the public key is not valid base64") from exc
    if len(raw) != 32:
        raise KeyError_(f"{origin or 'key'}: an Ed25519 public key has 32 bytes, not {len(raw)}")
    if role not in ROLES:
        raise KeyError_(f"{origin or 'key'}: role must be one of {', '.join(ROLES)}")
    return PublicKey(name or key_id(raw), key_id(raw), raw, role, origin)


def _name_ok(name: str) -> bool:
    return bool(name) and len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name) and not name.startswith(".")


def generate(name: str, passphrase: bytes | None, *, role: str = "approver", folder: str | None = None,
             force: bool = False) -> PublicKey:
    """Create NAME.key (0600, encrypted when a passphrase is given) and NAME.pub in `folder`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not _name_ok(name):
        raise KeyError_("a key name is 1-64 letters, digits, '-', '_' or '.'")
    if role not in ROLES:
        raise KeyError_(f"role must be one of {', '.join(ROLES)}")
    folder = private_dir(folder or keys_dir())
    key_path, pub_path = os.path.join(folder, f"{name}.key"), os.path.join(folder, f"{name}.pub")
    if not force and (os.path.exists(key_path) or os.path.exists(pub_path)):
        raise KeyError_(f"a key named {name!r} exists already ({key_path}); choose another name or pass --force")
    private = Ed25519PrivateKey.generate()
    encryption: Any = (serialization.BestAvailableEncryption(passphrase) if passphrase
                       else serialization.NoEncryption())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    public = PublicKey(name, key_id(raw), raw, role, pub_path)
    _write_private(key_path, pem)
    _write_private(pub_path, (json.dumps({"name": name, "key": public.text, "role": role,
                                          "created": int(time.time())}, indent=1) + "\n").encode())
    return public


def _write_private(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def key_files(folder: str | None = None) -> list[str]:
    folder = folder or keys_dir()
    try:
        return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".pub"))
    except OSError:
        return []


def read_public_file(path: str) -> PublicKey:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as exc:
        raise KeyError_(f"{path}: cannot read public key ({exc})") from exc
    if not isinstance(doc, dict):
        raise KeyError_(f"{path}: not a blastwall public key file")
    return parse_public(str(doc.get("key", "")), name=str(doc.get("name") or ""), role=str(doc.get("role") or "approver"),
                        origin=path)


def load_private(name: str, passphrase: bytes | None, *, folder: str | None = None) -> tuple[PublicKey, Any]:
    """The key pair NAME from `folder`; refuses a private key file others can read."""
    from cryptography.hazmat.primitives import serialization

    folder = folder or keys_dir()
    path = os.path.join(folder, f"{name}.key")
    try:
        st = os.stat(path)
    except OSError as exc:
        raise KeyError_(f"no key named {name!r} in {folder}; a human creates one with `blastwall keys init`") from exc
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyError_(f"{path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); run chmod 600 on it")
    with open(path, "rb") as f:
        pem = f.read()
    try:
        private = serialization.load_pem_private_key(pem, password=passphrase or None)
    except TypeError as exc:
        raise KeyError_(f"key {name!r} is protected by a passphrase; type it" if not passphrase
                        else f"key {name!r} has no passphrase") from exc
    except ValueError as exc:
        raise KeyError_(f"wrong passphrase for key {name!r} (or the key file is damaged)") from exc
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not isinstance(private, Ed25519PrivateKey):
        raise KeyError_(f"{path} is not an Ed25519 key")
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    public = read_public_file(os.path.join(folder, f"{name}.pub")) if os.path.exists(
        os.path.join(folder, f"{name}.pub")) else PublicKey(name, key_id(raw), raw)
    if public.raw != raw:
        raise KeyError_(f"{name}.pub does not belong to {name}.key; recreate the pair with `blastwall keys init --force`")
    return public, private


def key_is_encrypted(name: str, folder: str | None = None) -> bool:
    path = os.path.join(folder or keys_dir(), f"{name}.key")
    try:
        with open(path, "rb") as f:
            return b"ENCRYPTED" in f.read(64)
    except OSError:
        return False


def trusted_keys(approvals: Mapping[str, Any] | None = None, folder: str | None = None) -> dict[str, PublicKey]:
    """key_id -> public key for every key allowed to sign grants (unreadable entries are skipped)."""
    out: dict[str, PublicKey] = {}
    for path in key_files(folder):
        try:
            k = read_public_file(path)
        except KeyError_:
            continue
        out[k.key_id] = k
    for k in policy_keys((approvals or {}).get("approvers") or ()):
        out.setdefault(k.key_id, k)
    return out


def policy_keys(entries: Iterable[Any]) -> list[PublicKey]:
    """`approvers = ["ed25519:...", {name = "alice", key = "ed25519:...", role = "server"}]`."""
    out = []
    for i, entry in enumerate(entries if isinstance(entries, (list, tuple)) else ()):
        where = f"[approvals] approvers #{i + 1}"
        if isinstance(entry, str):
            out.append(parse_public(entry, origin=where))
        elif isinstance(entry, dict):
            out.append(parse_public(str(entry.get("key", "")), name=str(entry.get("name") or ""),
                                    role=str(entry.get("role") or "approver"), origin=where))
        else:
            raise KeyError_(f"{where}: an approver is a key string or a table with name and key")
    return out


def sign(private: Any, data: bytes) -> str:
    return base64.b64encode(private.sign(data)).decode()


def verify_signature(public: PublicKey, data: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        sig = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public.raw).verify(sig, data)
        return True
    except (InvalidSignature, ValueError):
        return False
