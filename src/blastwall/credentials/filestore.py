"""Credentials in one encrypted file: `credentials.enc` (0600) in blastwall's config folder.

The file is JSON: a header (format version, cipher, how the key is obtained) and the
credentials map encrypted with AES-256-GCM under a fresh 96-bit nonce on every write; the
header is the GCM associated data, so editing it (say, to weaken the scrypt cost) breaks
decryption. Writes are atomic (temporary file + rename) under an advisory lock, so several
`blastwall` processes never lose each other's changes.

Two ways to hold the key, chosen when the file is created:

- **passphrase** (`kdf = "scrypt"`, n=2^15, r=8, p=1, 16-byte salt): the key exists only in the
  memory of the process a human unlocked (the gateway asks once when it starts). A copy of
  the folder is useless without the passphrase. Costs a human at start-up.
- **key file** (`kdf = "keyfile"`): a random 32-byte key in `credentials.key` (0600) next to
  the file. The gateway starts unattended (a service, a reboot), but anyone who can read both
  files as this user can decrypt them: the protection is that agents cannot read them (the
  hook rules deny reads of blastwall's config folder; `blastwall sandbox` does not mount it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from typing import Any

from blastwall.credentials.base import CredentialError

FILE_NAME = "credentials.enc"
KEY_NAME = "credentials.key"
LOCK_NAME = "credentials.lock"
VERSION = 1
CIPHER = "AES-256-GCM"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_MAX_FILE = 16 * 1024 * 1024

Asker = Callable[[], bytes | None]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def terminal_asker() -> bytes | None:
    """Ask for the passphrase at an interactive terminal; None without one."""
    if not sys.stdin.isatty():
        return None
    import getpass

    text = getpass.getpass("passphrase of blastwall's credential file: ")
    return text.encode("utf-8") if text else None


class FileStore:
    kind = "file"

    def __init__(self, folder: str | None = None, *, passphrase: bytes | None = None,
                 ask: Asker | None = terminal_asker) -> None:
        if folder is None:
            from blastwall.locations import config_dir

            folder = config_dir()
        self.folder = folder
        self.path = os.path.join(folder, FILE_NAME)
        self.key_path = os.path.join(folder, KEY_NAME)
        self._passphrase = passphrase
        self._ask = ask
        self._keys: dict[str, bytes] = {}  # header digest -> key, once unlocked

    def where(self) -> str:
        return self.path

    # --- the key ------------------------------------------------------------------------------

    def mode(self) -> str | None:
        """"scrypt" (passphrase), "keyfile", or None when the file does not exist yet."""
        header = self._read_header()
        return None if header is None else str(header.get("kdf"))

    def _key(self, header: dict[str, Any]) -> bytes:
        tag = hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()
        if tag in self._keys:
            return self._keys[tag]
        kdf = header.get("kdf")
        if kdf == "keyfile":
            key = self._read_key_file()
        elif kdf == "scrypt":
            passphrase = self._passphrase or (self._ask() if self._ask else None)
            if not passphrase:
                raise CredentialError(f"{self.path} is protected by a passphrase; run this at a terminal to type it")
            self._passphrase = passphrase
            try:
                n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
                salt = _unb64(header["salt"])
            except (KeyError, TypeError, ValueError) as exc:
                raise CredentialError(f"{self.path} has a damaged header") from exc
            if n < SCRYPT["n"] or r < 8 or p < 1 or len(salt) < 16:
                raise CredentialError(f"{self.path} asks for a weaker key derivation than blastwall writes")
            key = _scrypt(passphrase, salt, n, r, p)
        else:
            raise CredentialError(f"{self.path} uses an unknown key scheme {kdf!r}")
        self._keys[tag] = key
        return key

    def _read_key_file(self) -> bytes:
        try:
            with open(self.key_path, "rb") as f:
                key = f.read(64)
        except FileNotFoundError as exc:
            raise CredentialError(f"the key file {self.key_path} is missing; the credentials cannot be read") from exc
        except OSError as exc:
            raise CredentialError(f"cannot read the key file {self.key_path} ({exc.strerror or exc})") from exc
        if len(key) != 32:
            raise CredentialError(f"the key file {self.key_path} is not a 32-byte key")
        return key

    def _new_header(self) -> tuple[dict[str, Any], bytes]:
        if self._passphrase:
            salt = secrets.token_bytes(16)
            header: dict[str, Any] = {"v": VERSION, "cipher": CIPHER, "kdf": "scrypt", "salt": _b64(salt), **SCRYPT}
            return header, _scrypt(self._passphrase, salt, **SCRYPT)
        key = self._read_key_file() if os.path.exists(self.key_path) else self._create_key_file()
        return {"v": VERSION, "cipher": CIPHER, "kdf": "keyfile",
                "key_id": hashlib.sha256(key).hexdigest()[:16]}, key

    def _create_key_file(self) -> bytes:
        key = secrets.token_bytes(32)
        _write_private(self.key_path, key)
        return key

    # --- the file -----------------------------------------------------------------------------

    def _read_raw(self) -> dict[str, Any] | None:
        try:
            with open(self.path, "rb") as f:
                data = f.read(_MAX_FILE + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CredentialError(f"cannot read {self.path} ({exc.strerror or exc})") from exc
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise CredentialError(f"{self.path} is not a blastwall credential file") from exc
        if not isinstance(doc, dict) or doc.get("v") != VERSION or doc.get("cipher") != CIPHER:
            raise CredentialError(f"{self.path} is not a blastwall credential file (version {VERSION})")
        return doc

    def _read_header(self) -> dict[str, Any] | None:
        doc = self._read_raw()
        return None if doc is None else _header(doc)

    def _load(self) -> dict[str, str]:
        doc = self._read_raw()
        if doc is None:
            return {}
        header = _header(doc)
        key = self._key(header)
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            plain = AESGCM(key).decrypt(_unb64(doc.get("nonce")), _unb64(doc.get("data")), _aad(header))
        except (InvalidTag, ValueError) as exc:
            self._keys.clear()
            what = "wrong passphrase" if header.get("kdf") == "scrypt" else "wrong key file"
            raise CredentialError(f"cannot decrypt {self.path}: {what}, or the file was altered") from exc
        entries = json.loads(plain).get("credentials", {})
        return {str(k): str(v) for k, v in entries.items()} if isinstance(entries, dict) else {}

    def _save(self, entries: dict[str, str]) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        header = self._read_header()
        if header is None:
            header, key = self._new_header()
        else:
            key = self._key(header)
        nonce = secrets.token_bytes(12)
        plain = json.dumps({"credentials": dict(sorted(entries.items()))}).encode("utf-8")
        data = AESGCM(key).encrypt(nonce, plain, _aad(header))
        doc = {**header, "nonce": _b64(nonce), "data": _b64(data)}
        _write_private(self.path, (json.dumps(doc, indent=1) + "\n").encode())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        from blastwall.locations import private_dir

        private_dir(self.folder)
        fd = os.open(os.path.join(self.folder, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - not POSIX: one process at a time is the caller's job
                pass
            yield
        finally:
            os.close(fd)

    # --- the interface ------------------------------------------------------------------------

    def put(self, name: str, value: str) -> None:
        with self._locked():
            entries = self._load()
            entries[name] = value
            self._save(entries)

    def get(self, name: str) -> str | None:
        return self._load().get(name)

    def delete(self, name: str) -> bool:
        with self._locked():
            entries = self._load()
            if name not in entries:
                return False
            del entries[name]
            self._save(entries)
            return True

    def names(self) -> list[str]:
        return sorted(self._load())


def _header(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("nonce", "data")}


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _scrypt(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def _write_private(path: str, data: bytes) -> None:
    """Write `path` atomically with mode 0600 (its folder 0700)."""
    from blastwall.locations import private_dir

    private_dir(os.path.dirname(path))
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
