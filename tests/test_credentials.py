"""The credential store: the encrypted file (key file and passphrase), the keyring backend, the
module API the secret scanner calls, and the human-only CLI."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from blastwall import credentials
from blastwall.credentials import CredentialError
from blastwall.credentials.filestore import FileStore
from blastwall.credentials.keyring_store import KeyringStore, _usable_backend

TOKEN = "rly_live_0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("BLASTWALL_CREDENTIAL_STORE", "file")


def mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- the file store ----------------------------------------------------------------------------

def test_key_file_round_trip_private_files(tmp_path: Path) -> None:
    store = FileStore(str(tmp_path / "c"))
    store.put("railway", TOKEN)
    store.put("github", "ghp_" + "a" * 36)
    assert store.get("railway") == TOKEN
    assert store.names() == ["github", "railway"]
    assert store.mode() == "keyfile"
    assert mode(store.path) == 0o600 and mode(store.key_path) == 0o600 and mode(tmp_path / "c") == 0o700
    raw = Path(store.path).read_bytes()
    assert TOKEN.encode() not in raw and b"railway" not in raw  # names are encrypted too
    assert FileStore(str(tmp_path / "c")).get("railway") == TOKEN  # a new process reads it
    assert store.delete("railway") is True and store.delete("railway") is False
    assert store.names() == ["github"]


def test_passphrase_mode_needs_the_passphrase(tmp_path: Path) -> None:
    folder = str(tmp_path / "c")
    FileStore(folder, passphrase=b"correct horse").put("railway", TOKEN)
    assert not os.path.exists(os.path.join(folder, "credentials.key"))
    assert FileStore(folder, passphrase=b"correct horse").get("railway") == TOKEN
    assert FileStore(folder, passphrase=b"correct horse").mode() == "scrypt"
    with pytest.raises(CredentialError, match="wrong passphrase"):
        FileStore(folder, passphrase=b"wrong").get("railway")
    with pytest.raises(CredentialError, match="protected by a passphrase"):
        FileStore(folder, ask=None).get("railway")
    asked: list[int] = []

    def ask() -> bytes:
        asked.append(1)
        return b"correct horse"

    store = FileStore(folder, ask=ask)
    assert store.get("railway") == TOKEN and store.names() == ["railway"]
    store.put("github", "ghp_x" * 8)
    assert len(asked) == 1  # asked once per process, then the key is held


@pytest.mark.parametrize("edit", ["data", "nonce", "header"])
def test_tampering_is_detected(tmp_path: Path, edit: str) -> None:
    store = FileStore(str(tmp_path / "c"), passphrase=b"pw")
    store.put("railway", TOKEN)
    doc = json.loads(Path(store.path).read_text())
    if edit == "header":
        doc["salt"] = "AAAAAAAAAAAAAAAAAAAAAA=="  # another salt: another key
    else:
        raw = bytearray(base64.b64decode(doc[edit]))
        raw[0] ^= 1
        doc[edit] = base64.b64encode(bytes(raw)).decode()
    Path(store.path).write_text(json.dumps(doc))
    with pytest.raises(CredentialError, match="cannot decrypt"):
        FileStore(str(tmp_path / "c"), passphrase=b"pw").get("railway")


def test_weakened_kdf_is_refused(tmp_path: Path) -> None:
    store = FileStore(str(tmp_path / "c"), passphrase=b"pw")
    store.put("railway", TOKEN)
    doc = json.loads(Path(store.path).read_text())
    doc["n"] = 2
    Path(store.path).write_text(json.dumps(doc))
    with pytest.raises(CredentialError, match="weaker key derivation"):
        FileStore(str(tmp_path / "c"), passphrase=b"pw").get("railway")


def test_missing_key_file_and_junk_file(tmp_path: Path) -> None:
    store = FileStore(str(tmp_path / "c"))
    store.put("railway", TOKEN)
    os.unlink(store.key_path)
    with pytest.raises(CredentialError, match="key file .* is missing"):
        FileStore(str(tmp_path / "c")).get("railway")
    Path(store.path).write_text("not json")
    with pytest.raises(CredentialError, match="not a blastwall credential file"):
        FileStore(str(tmp_path / "c")).get("railway")


# --- the module API (what `blastwall secrets scan --fix` calls) --------------------------------

def test_module_api_uses_the_config_folder(tmp_path: Path) -> None:
    credentials.put("railway", TOKEN)
    assert credentials.get("railway") == TOKEN
    assert credentials.get("nope") is None
    assert credentials.names() == ["railway"]
    assert (tmp_path / "xdg" / "blastwall" / "credentials.enc").exists()
    assert credentials.delete("railway") and credentials.names() == []


@pytest.mark.parametrize("name", ["", "../x", "a b", "-x", "x" * 65])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(CredentialError):
        credentials.put(name, TOKEN)


@pytest.mark.parametrize("value", ["", "a\x00b", "x" * (64 * 1024 + 1)])
def test_bad_values_are_refused(value: str) -> None:
    with pytest.raises(CredentialError):
        credentials.put("railway", value)


def test_store_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    assert credentials.store_kind() == "file"
    monkeypatch.setenv("BLASTWALL_CREDENTIAL_STORE", "bogus")
    with pytest.raises(CredentialError, match="must be one of"):
        credentials.store_kind()


# --- the keyring backend -----------------------------------------------------------------------

class MemoryKeyring:
    """An in-memory keyring backend (the `keyring` package's interface)."""

    priority = 1

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.data.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        self.data[(service, user)] = value

    def delete_password(self, service: str, user: str) -> None:
        del self.data[(service, user)]


def test_keyring_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    memory = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    for name, fn in (("get_password", memory.get_password), ("set_password", memory.set_password),
                     ("delete_password", memory.delete_password)):
        monkeypatch.setattr(keyring, name, fn)
    monkeypatch.setenv("BLASTWALL_CREDENTIAL_STORE", "auto")
    assert credentials.store_kind() == "keyring"
    credentials.put("railway", TOKEN)
    credentials.put("github", "ghp_" + "b" * 36)
    assert memory.data[("blastwall", "railway")] == TOKEN
    assert credentials.get("railway") == TOKEN and credentials.names() == ["github", "railway"]
    assert credentials.delete("railway") and credentials.names() == ["github"]
    assert KeyringStore().where().startswith("the system keyring")


def test_unusable_keyrings_fall_back_to_the_file() -> None:
    from keyring.backends import fail

    assert not _usable_backend(fail.Keyring())

    class Chainer:
        backends: list[Any] = []

    assert not _usable_backend(Chainer())
    assert _usable_backend(MemoryKeyring())


# --- the CLI -----------------------------------------------------------------------------------

def cli() -> typer.Typer:
    from blastwall.credentials.cli import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    return app


def test_cli_needs_a_terminal_and_never_takes_a_value_in_argv() -> None:
    result = CliRunner().invoke(cli(), ["credentials", "add", "railway"], input=TOKEN + "\n")
    assert result.exit_code == 2 and "interactive terminal" in result.output
    assert credentials.names() == []
    result = CliRunner().invoke(cli(), ["credentials", "add", "railway", TOKEN])
    assert result.exit_code == 2  # no value argument exists
    result = CliRunner().invoke(cli(), ["credentials", "remove", "railway", "--yes"])
    assert result.exit_code == 2 and "interactive terminal" in result.output


def test_cli_add_list_remove_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import blastwall.credentials.cli as ccli

    answers = iter(["", TOKEN])  # no passphrase (key file), then the value
    monkeypatch.setattr(ccli.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(ccli, "_need_terminal", lambda what: None)
    result = CliRunner().invoke(cli(), ["credentials", "add", "railway"])
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output and "stored railway" in result.output
    assert credentials.get("railway") == TOKEN
    result = CliRunner().invoke(cli(), ["credentials", "list", "--json"])
    assert json.loads(result.output)["names"] == ["railway"] and TOKEN not in result.output
    again = CliRunner().invoke(cli(), ["credentials", "add", "railway"])
    assert again.exit_code == 1 and "--replace" in again.output
    result = CliRunner().invoke(cli(), ["credentials", "remove", "railway", "--yes"])
    assert result.exit_code == 0 and credentials.names() == []
