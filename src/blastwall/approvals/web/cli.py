"""The `blastwall serve` command.

    blastwall serve                         # http://127.0.0.1:8765, key `server`
    blastwall serve --add-user alice        # print a login token for alice and exit
    blastwall serve --checkpoint-every 0    # no periodic audit checkpoints (default: every 15 min)

The server's key is created once by a human: `blastwall keys init --name server --role server`.
Its passphrase is typed at start on an interactive terminal, or read from the file named by
`BLASTWALL_KEY_PASSPHRASE_FILE` (a service manager's credential file). A key without a
passphrase in the user's own keys folder would let any process of that user (an agent too) sign
approvals, so `keys init` makes one only with `--insecure-no-passphrase`.

In system mode the page runs as the service user, which alone opens the store and reads
`/etc/blastwall/keys` (`sudo blastwall keys init --role server --system` makes the key there,
readable by the service user only, no passphrase needed); `serve` then takes the system folders.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from typing import IO
from urllib.parse import urlsplit

import typer

from blastwall.approvals import keys
from blastwall.approvals.web.app import WebError

PASSPHRASE_FILE_VAR = "BLASTWALL_KEY_PASSPHRASE_FILE"
EXIT_USAGE = 2


def read_passphrase(name: str, *, folder: str | None = None, env: Mapping[str, str] | None = None,
                    stdin: IO[str] | None = None) -> bytes | None:
    """The passphrase of key `name`: None for an unencrypted key, else from the passphrase file
    or the terminal. Raises `WebError` when there is no way to get it."""
    if not keys.key_is_encrypted(name, folder):
        return None
    env = os.environ if env is None else env
    path = env.get(PASSPHRASE_FILE_VAR)
    if path:
        try:
            with open(path, "rb") as f:
                secret = f.read().rstrip(b"\r\n")
        except OSError as exc:
            raise WebError(f"cannot read {PASSPHRASE_FILE_VAR} file {path} ({exc.strerror or exc})") from exc
        if not secret:
            raise WebError(f"the {PASSPHRASE_FILE_VAR} file {path} is empty")
        return secret
    if (stdin or sys.stdin).isatty():
        typed = getpass.getpass(f"passphrase for key {name}: ")
        if not typed:
            raise WebError("no passphrase typed")
        return typed.encode()
    raise WebError(f"key {name!r} is encrypted: start `blastwall serve` at a terminal to type its passphrase, "
                   f"or set {PASSPHRASE_FILE_VAR} to a file holding it")


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(f"blastwall serve: error: {message}\n")
    return typer.Exit(EXIT_USAGE)


def _system_folders(database_url: str | None) -> None:
    """In system mode: refuse to run as anyone but the service user, and use the system's keys and store."""
    from blastwall.daemon import place

    if not place.system_mode():
        return
    import pwd

    from blastwall.daemon.system import SystemError_, read_config, service_env

    try:
        user = read_config().service_user
        uid = pwd.getpwnam(user).pw_uid
    except (SystemError_, KeyError) as exc:
        raise _fail(f"system mode is installed but its service user cannot be found ({exc})") from None
    if os.geteuid() != uid:
        raise _fail(f"in system mode the approval page runs as the service user {user}, which alone opens the store "
                    f"and reads the server key: sudo -u {user} /usr/bin/python3 -I -S -c \"import sys; "
                    "sys.path[:0] = ['/opt/blastwall/lib']; from blastwall.cli import main; main()\" serve")
    system = service_env()
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "HOME"):
        os.environ[name] = system[name]
    if database_url is None:
        os.environ["BLASTWALL_DATABASE_URL"] = system["BLASTWALL_DATABASE_URL"]


def _origin(text: str) -> str:
    netloc = urlsplit(text if "//" in text else "//" + text).netloc.lower()
    if not netloc:
        raise _fail(f"--allowed-origin {text!r} is not a URL such as https://approvals.example.com")
    return netloc


def register(app: typer.Typer) -> None:
    """Add the `serve` command to `app`."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
        key: str = typer.Option("server", "--key", metavar="NAME",
                                help="The server's signing key (in the keys folder; role `server`)."),
        database_url: str | None = typer.Option(None, "--database-url",
                                                help="Store URL (default: $BLASTWALL_DATABASE_URL or the local file)."),
        add_user: str | None = typer.Option(None, "--add-user", metavar="NAME",
                                            help="Create NAME (or replace its token), print the login token, exit."),
        secure_cookies: bool = typer.Option(False, "--secure-cookies",
                                            help="Send cookies over HTTPS only (behind a TLS proxy)."),
        allowed_host: list[str] = typer.Option([], "--allowed-host", metavar="NAME",
                                               help="Another host name the page answers to (repeatable)."),
        allowed_origin: list[str] = typer.Option([], "--allowed-origin", metavar="URL",
                                                 help="Another origin forms may come from, e.g. a proxy's (repeatable)."),
        checkpoint_every: str = typer.Option("15m", "--checkpoint-every", metavar="DURATION",
                                             help="Sign an audit checkpoint this often when entries were added "
                                                  "(0: never)."),
    ) -> None:
        """Serve the approval page: see pending requests, approve or deny them with the server's key."""
        from blastwall.approvals.web import auth
        from blastwall.approvals.web.serve import base_url, run
        from blastwall.store import StoreError, open_store

        _system_folders(database_url)
        if add_user is not None:
            if not (sys.stdin.isatty() and sys.stdout.isatty()):  # a login token approves: humans only
                raise _fail("adding a login needs a human at an interactive terminal")
            try:
                _, private = keys.load_private(key, read_passphrase(key))  # the record is sealed with the server's key
                store = open_store(database_url)
                token = auth.add_user(store, add_user, auth.key_secret(private))
            except (StoreError, auth.AuthError, keys.KeyError_, WebError) as exc:
                raise _fail(str(exc)) from None
            sys.stdout.write(f"login token for {add_user} (shown once; running again replaces it):\n{token}\n"
                             f"sign in at {base_url(host, port)}/login?token={token}\n")
            return
        origins = [_origin(o) for o in allowed_origin]
        from blastwall.approvals.settings import parse_duration

        try:
            every = parse_duration(checkpoint_every)
        except ValueError as exc:
            raise _fail(f"--checkpoint-every: {exc}") from None
        try:
            passphrase = read_passphrase(key)
            run(database_url, key, passphrase, host=host, port=port, secure_cookies=secure_cookies,
                allowed_hosts=allowed_host, allowed_origins=origins, checkpoint_every_s=every)
        except WebError as exc:
            raise _fail(str(exc)) from None
        except (KeyboardInterrupt, EOFError):
            raise typer.Exit(130) from None
