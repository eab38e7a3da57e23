"""`blastwall credentials add NAME | list | remove NAME`: human-only commands.

`add` and `remove` need an interactive terminal; a value is typed at a hidden prompt (getpass),
never passed in argv (where `ps` and shell history would show it) or read from a pipe.
Agents are refused these commands by blastwall's shell rules as well.

Exit codes: 0 done, 1 the store failed or the credential does not exist, 2 usage error
(including "needs an interactive terminal"), 3 declined at the prompt.
"""

from __future__ import annotations

import getpass
import json
import sys

import typer

from blastwall.cli.exits import EXIT_ASK, EXIT_ERROR, EXIT_USAGE
from blastwall.credentials.base import Backend

credentials_app = typer.Typer(help="Store the provider tokens the gateway injects (human-only).",
                              no_args_is_help=True)


def _say(text: str) -> None:
    print(text)


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code)


def _need_terminal(what: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise _fail(f"{what} needs a human at an interactive terminal", EXIT_USAGE)


def _new_file_passphrase() -> bytes | None:
    """For a credential file that does not exist yet: a passphrase, or None for a key file."""
    _say("No system keyring is available; blastwall keeps credentials in an encrypted file.\n"
         "A passphrase keeps the key out of any file (the gateway asks for it when it starts);\n"
         "leave it empty to use a random key file instead (for gateways that start unattended).")
    first = getpass.getpass("passphrase (empty: key file): ")
    if not first:
        return None
    if getpass.getpass("passphrase again: ") != first:
        raise _fail("the passphrases differ", EXIT_USAGE)
    return first.encode("utf-8")


def _store(kind: str | None, *, creating: bool = False) -> Backend:
    from blastwall.credentials import CredentialError, open_store, store_kind

    try:
        resolved = store_kind(kind)
        if resolved == "file" and creating:
            from blastwall.credentials.filestore import FileStore

            probe = FileStore()
            if probe.mode() is None:
                return FileStore(passphrase=_new_file_passphrase())
        return open_store(resolved)
    except CredentialError as exc:
        raise _fail(str(exc)) from exc


STORE_OPTION = typer.Option(None, "--store", help="keyring or file (default: $BLASTWALL_CREDENTIAL_STORE, else "
                                                   "the keyring when one is usable).")


@credentials_app.command("add")
def add(name: str = typer.Argument(..., help="Credential name, as gateway routes refer to it (e.g. railway)."),
        replace: bool = typer.Option(False, "--replace", help="Replace an existing credential of that name."),
        store: str | None = STORE_OPTION) -> None:
    """Store a provider token; it is typed at a hidden prompt."""
    from blastwall.credentials import CredentialError
    from blastwall.credentials.base import check_name, check_value

    _need_terminal("adding a credential")
    try:
        check_name(name)
    except CredentialError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    backend = _store(store, creating=True)
    try:
        if backend.get(name) is not None and not replace:
            raise _fail(f"a credential named {name!r} exists already; pass --replace to change it")
        value = getpass.getpass(f"value of {name} (hidden): ").strip()
        if not value:
            raise _fail("nothing was typed; nothing was stored", EXIT_ASK)
        backend.put(name, check_value(value))
    except CredentialError as exc:
        raise _fail(str(exc)) from exc
    _say(f"stored {name} in {backend.where()}")


@credentials_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
          store: str | None = STORE_OPTION) -> None:
    """The names of the stored credentials (never their values)."""
    from blastwall.credentials import CredentialError

    backend = _store(store)
    try:
        names = backend.names()
    except CredentialError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        print(json.dumps({"store": backend.kind, "where": backend.where(), "names": names}))
        return
    _say(f"{len(names)} credential(s) in {backend.where()}")
    for n in names:
        _say(f"  {n}")


@credentials_app.command("remove")
def remove(name: str = typer.Argument(..., help="Credential name."),
           yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
           store: str | None = STORE_OPTION) -> None:
    """Delete a stored credential."""
    from blastwall.credentials import CredentialError

    _need_terminal("removing a credential")
    backend = _store(store)
    if not yes and not typer.confirm(f"remove credential {name!r} from {backend.where()}?", default=False):
        raise typer.Exit(EXIT_ASK)
    try:
        removed = backend.delete(name)
    except CredentialError as exc:
        raise _fail(str(exc)) from exc
    if not removed:
        raise _fail(f"no credential named {name!r}")
    _say(f"removed {name}")


def register(app: typer.Typer) -> None:
    app.add_typer(credentials_app, name="credentials")
