"""`blastwall keys`: create and list the Ed25519 keys whose grants blastwall accepts.

`keys init` makes a human's approver key, encrypted with a passphrase typed at an interactive
terminal. A key without a passphrase in the user's keys folder can be read by anything that runs
as that user, an agent included, and used to sign approvals: it is made only with the explicit
`--insecure-no-passphrase` (the old `--no-passphrase` refuses and says so). In system mode the
approval page's key is made by root with `--system`, in /etc/blastwall/keys, readable by the
service user only.
"""

from __future__ import annotations

import json
import os

import typer
from rich.markup import escape
from rich.table import Table

from blastwall.cli.approvals import _consoles, _fail, _need_terminal, _settings, _system
from blastwall.cli.exits import EXIT_USAGE

keys_app = typer.Typer(help="Create and list approver keys (Ed25519).", no_args_is_help=True)


@keys_app.command("init")
def keys_init(name: str | None = typer.Option(None, "--name", help="Key name (default: your login name; "
                                                                  "`server` with --system)."),
              role: str = typer.Option("approver", "--role", help="approver (a human) or server (blastwall serve)."),
              insecure_no_passphrase: bool = typer.Option(
                  False, "--insecure-no-passphrase",
                  help="Store the key unencrypted: any process of your user (an agent too) can then sign approvals."),
              no_passphrase: bool = typer.Option(False, "--no-passphrase", hidden=True,
                                                 help="Deprecated: see --insecure-no-passphrase and --system."),
              system: bool = typer.Option(False, "--system", help="As root in system mode: the server key in "
                                          "/etc/blastwall/keys, readable by the service user only."),
              force: bool = typer.Option(False, "--force", help="Replace an existing key of that name.")) -> None:
    """Create an Ed25519 approver key (0600) in ~/.config/blastwall/keys/; its public half is trusted."""
    import getpass

    from blastwall.approvals.keys import KeyError_, generate

    out, err = _consoles()
    if no_passphrase:
        raise _fail("--no-passphrase is gone: a key without a passphrase in your keys folder lets any process of "
                    "your user, an agent included, sign approvals. For the approval page use system mode "
                    "(`sudo blastwall keys init --role server --system`, then run `blastwall serve` as the service "
                    "user), or pass --insecure-no-passphrase if you accept that risk", EXIT_USAGE)
    if system:
        return _system_server_key(name or "server", role, force)
    name = name or getpass.getuser()
    passphrase: bytes | None = None
    if not insecure_no_passphrase:
        _need_terminal("creating a passphrase-protected key")
        first = getpass.getpass(f"new passphrase for {name}: ")
        if len(first) < 8:
            raise _fail("use a passphrase of at least 8 characters", EXIT_USAGE)
        if getpass.getpass("again: ") != first:
            raise _fail("the passphrases differ", EXIT_USAGE)
        passphrase = first.encode()
    else:
        if _system() and role == "server":
            raise _fail("in system mode the server key lives with the service user: "
                        "`sudo blastwall keys init --role server --system`", EXIT_USAGE)
        err.print("[yellow]warning:[/yellow] this key has no passphrase: any process running as your user, an "
                  "agent included, can read it and sign approvals with it. System mode keeps the server key out "
                  "of the agent's reach (`sudo blastwall keys init --role server --system`).")
    try:
        public = generate(name, passphrase, role=role, force=force)
    except KeyError_ as exc:
        raise _fail(str(exc)) from exc
    out.print(f"[green]created[/green] key {escape(public.name)} ({public.role}, id {public.key_id})")
    out.print(f"  public key: {public.text}")
    if _system() and role == "approver":
        out.print("  system mode: an administrator registers it with `sudo blastwall install --system --for "
                  f"{escape(getpass.getuser())}`")
    else:
        out.print("  teams: list it under [approvals] approvers in the shared policy so other machines trust it")


def _system_server_key(name: str, role: str, force: bool) -> None:
    """`sudo blastwall keys init --role server --system`: the approval page's key in
    /etc/blastwall/keys, owned by the service user, 0600 (the folder is 0700): no user but the
    service user and root can read it, so it needs no passphrase to start the page unattended."""
    import pwd

    from blastwall.approvals.keys import KeyError_, generate
    from blastwall.daemon.system import ETC, SystemError_, read_config

    out, _ = _consoles()
    if role != "server":
        raise _fail("--system creates the server key (--role server); a human's approver key stays in their own "
                    "~/.config/blastwall/keys and `sudo blastwall install --system --for NAME` registers it",
                    EXIT_USAGE)
    if not _system():
        raise _fail("system mode is not installed here: `sudo blastwall install --system --for NAME` first",
                    EXIT_USAGE)
    if os.geteuid() != 0:
        raise _fail("run it as root: `sudo blastwall keys init --role server --system`", EXIT_USAGE)
    try:
        service = pwd.getpwnam(read_config().service_user)
    except (SystemError_, KeyError) as exc:
        raise _fail(f"cannot find the service user ({exc})") from exc
    folder = os.path.join(ETC, "keys")
    try:
        public = generate(name, None, role="server", folder=folder, force=force)
    except KeyError_ as exc:
        raise _fail(str(exc)) from exc
    os.chown(folder, service.pw_uid, service.pw_gid)
    os.chmod(folder, 0o700)
    for suffix in (".key", ".pub"):
        path = os.path.join(folder, name + suffix)
        os.chown(path, service.pw_uid, service.pw_gid)
        os.chmod(path, 0o600)
    out.print(f"[green]created[/green] server key {escape(public.name)} (id {public.key_id}) in {folder}, readable "
              f"by {escape(service.pw_name)} only")
    out.print(f"  run the approval page as that user: sudo -u {escape(service.pw_name)} "
              "/usr/bin/python3 -I -S -c \"import sys; sys.path[:0] = ['/opt/blastwall/lib']; "
              "from blastwall.cli import main; main()\" serve", highlight=False)


@keys_app.command("list")
def keys_list(as_json: bool = typer.Option(False, "--json"), cwd: str | None = typer.Option(None, "--cwd")) -> None:
    """List the keys whose grants blastwall accepts here."""
    from blastwall.approvals.keys import trusted_keys

    out, _ = _consoles()
    keys = list(trusted_keys(_settings(cwd).raw).values())
    if as_json:
        print(json.dumps([{"name": k.name, "id": k.key_id, "role": k.role, "key": k.text, "from": k.origin}
                          for k in keys]))
        return
    if not keys:
        out.print("[dim]no approver keys: create one with `blastwall keys init`[/dim]")
        return
    table = Table(title="trusted approver keys")
    for col in ("name", "id", "role", "from"):
        table.add_column(col, overflow="fold")
    for k in keys:
        table.add_row(escape(k.name), k.key_id, k.role, escape(k.origin))
    out.print(table)
