"""Human-only commands: `pending`, `show`, `approve`, `deny` (`keys` lives in cli/keys.py, `audit` in cli/audit.py).

Approving needs a human: an interactive terminal and the passphrase of an approver key that
lives in the user's config folder (0600), where agents may neither read nor write. Agents run
commands without a terminal, and blastwall's shell rules refuse these commands from agents too.

Approvals and denials also sign a checkpoint of the audit log with the same key
(audit/checkpoints.py).

In system mode (`place.system_mode()`) the store is the daemon's: these commands ask it instead
(cli/approvals_system.py), and `approve` still signs here, with the human's own key.

Exit codes: 0 done, 1 the request cannot be decided (unknown, expired, denied, used) or a key
problem, 2 usage error (including "needs an interactive terminal"), 3 declined at the prompt.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from blastwall.cli.exits import EXIT_ASK, EXIT_ERROR, EXIT_USAGE


def _consoles() -> tuple[Any, Any]:
    from blastwall.cli.output import err, out

    return out, err


def _fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    _consoles()[1].print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def _store(url: str | None) -> Any:
    from blastwall.store import StoreError, open_store

    try:
        return open_store(url)
    except StoreError as exc:
        raise _fail(str(exc)) from exc


def _need_terminal(what: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise _fail(f"{what} needs a human at an interactive terminal", EXIT_USAGE)


def _ago(ts: float) -> str:
    from blastwall.humanize import relative

    return relative(ts)


def _settings(cwd: str | None) -> Any:
    from blastwall.approvals.settings import SettingsError, compile_settings, settings_of
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    try:
        return settings_of(load_policy(cwd))
    except (PolicyError, SettingsError) as exc:
        _consoles()[1].print(f"[yellow]warning:[/yellow] {escape(str(exc))}; using the default approval settings")
        return compile_settings({})


# --- pending / show ------------------------------------------------------------------------------


def pending(as_json: bool = typer.Option(False, "--json"),
            show_all: bool = typer.Option(False, "--all", help="Also decided, used and expired requests."),
            database_url: str | None = typer.Option(None, "--database-url", envvar="BLASTWALL_DATABASE_URL")) -> None:
    """List approval requests waiting for a human."""
    from blastwall.approvals.grants import person

    if _system():
        from blastwall.cli import approvals_system

        return approvals_system.pending(as_json, show_all)
    store = _store(database_url)
    requests = store.list_requests(status=None if show_all else ["pending", "approved"], include_expired=show_all)
    if as_json:
        print(json.dumps([r.to_dict() for r in requests], ensure_ascii=False, default=str))
        return
    _pending_table(requests, [len({person(g.approver) for g in store.grants_for_request(r.id)}) for r in requests])


def _pending_table(requests: list[Any], approvals: list[int]) -> None:
    out, _ = _consoles()
    if not requests:
        out.print("[dim]no approval requests are waiting[/dim]")
        return
    from blastwall.approvals import pretty, view
    from blastwall.cli.describe import text_of

    rows = view.grouped(requests, approvals)
    table = Table(title=f"{len(requests)} approval request(s)", expand=True)
    table.add_column("id", no_wrap=True)
    table.add_column("what would be lost", overflow="fold", ratio=4)
    table.add_column("action", overflow="fold", ratio=3)
    table.add_column("agent, folder", overflow="fold", ratio=2)
    for col in ("asked", "expires", "status"):
        table.add_column(col, no_wrap=True)
    now = time.time()
    for row in rows:
        r, count = row.request, row.approvals
        status = view.status_of(r, now)
        status = f"pending {count}/{r.required}" if status == "pending" else status
        if row.count > 1:
            status += f" (×{row.count} same action)"
        action = text_of(pretty.one_line("; ".join(view.texts(r)) or r.summary))
        table.add_row(r.id, escape(view.headline(r)), action, escape(" ".join(x for x in (r.agent, r.cwd) if x)),
                      _ago(r.created_at), _ago(r.expires_at), status)
    out.print(table)
    out.print("[dim]approve with `blastwall approve ID`, deny with `blastwall deny ID`[/dim]")


def _system() -> bool:
    """System mode: the store is the daemon's; these commands ask it (cli/approvals_system.py)."""
    from blastwall.daemon import place

    return place.system_mode()


def _describe(request: Any, approvers: list[str], raw: bool = False, hints: bool = True) -> None:
    from blastwall.cli.describe import describe

    describe(request, approvers, raw=raw, hints=hints)


def show(request_id: str = typer.Argument(..., help="The request id (bw-...)."),
         as_json: bool = typer.Option(False, "--json"),
         raw: bool = typer.Option(False, "--raw", help="Also blastwall's reasons, the findings and pre-flight facts."),
         database_url: str | None = typer.Option(None, "--database-url", envvar="BLASTWALL_DATABASE_URL")) -> None:
    """Show one request: what would be lost, where, what the agent said, the action, its state."""
    if _system():
        from blastwall.cli import approvals_system

        return approvals_system.show(request_id, as_json, raw)
    store = _store(database_url)
    request = store.get_request(request_id.strip())
    if request is None:
        raise _fail(f"no request {request_id!r}; `blastwall pending` lists the open ones")
    if as_json:
        from blastwall.approvals import view

        data = request.to_dict()
        data["approvals"] = [g.approver for g in store.grants_for_request(request.id)]
        data["headline"] = view.headline(request)
        print(json.dumps(data, ensure_ascii=False, default=str))
        return
    _describe(request, _valid_approvers(store, request), raw)


def _valid_approvers(store: Any, request: Any) -> list[str]:
    """Who approved `request` so far (unused grants), one name per person."""
    from blastwall.approvals.grants import person

    seen: dict[str, str] = {}
    for g in store.grants_for_request(request.id):
        if g.used_at is None:
            seen.setdefault(person(g.approver), g.approver)
    return list(seen.values())


# --- approve / deny --------------------------------------------------------------------------------


def _approver_keys() -> list[str]:
    from blastwall.approvals.keys import key_files, read_public_file

    mine = []
    for path in key_files():
        try:
            if read_public_file(path).role == "approver":
                mine.append(os.path.basename(path)[:-4])
        except ValueError:
            continue
    return mine


def _pick_key(name: str | None) -> str:
    if name:
        return name
    mine = _approver_keys()
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise _fail("no approver key here; create one with `blastwall keys init`")
    raise _fail(f"several approver keys ({', '.join(mine)}); choose one with --key")


def _unlock(name: str) -> tuple[Any, Any]:
    import getpass

    from blastwall.approvals.keys import KeyError_, key_is_encrypted, load_private

    passphrase = getpass.getpass(f"passphrase for key {name}: ").encode() if key_is_encrypted(name) else None
    try:
        return load_private(name, passphrase)
    except KeyError_ as exc:
        raise _fail(str(exc)) from exc


def approve(request_id: str | None = typer.Argument(None, help="The request id (bw-...)."),
            reason: str = typer.Option("", "--reason", "-r", help="Why you approve (kept in the audit log)."),
            key: str | None = typer.Option(None, "--key", help="Approver key name (default: your only key)."),
            window: str | None = typer.Option(None, "--window", help="Open a named approval window instead."),
            for_: str = typer.Option("30m", "--for", help="How long the window stays open (with --window)."),
            cwd: str | None = typer.Option(None, "--cwd", help="Project whose policy applies (default: here)."),
            database_url: str | None = typer.Option(None, "--database-url", envvar="BLASTWALL_DATABASE_URL")) -> None:
    """Approve a request (a human at a terminal, with the approver key's passphrase).

    Shows the full action, findings and pre-flight results, asks you to confirm, and signs a grant
    bound to that exact action: single-use and expiring. The agent's identical retry (or its
    waiting hook) then goes through.
    """
    out, _ = _consoles()
    _need_terminal("approving")
    if _system():
        from blastwall.cli import approvals_system

        if window:
            raise _fail("approval windows are not opened through the daemon yet (system mode)", EXIT_USAGE)
        if not request_id:
            raise _fail("name the request to approve (`blastwall pending` lists them)", EXIT_USAGE)
        return approvals_system.approve(request_id, reason, key)
    store = _store(database_url)
    settings = _settings(cwd)
    if window:
        return _open_window(store, settings, window, for_, reason, key)
    if not request_id:
        raise _fail("name the request to approve (`blastwall pending` lists them)", EXIT_USAGE)
    from blastwall.approvals.decide import DecideError
    from blastwall.approvals.decide import approve as do_approve

    request = store.get_request(request_id.strip())
    if request is None:
        raise _fail(f"no request {request_id!r}; `blastwall pending` lists the open ones")
    _describe(request, _valid_approvers(store, request), hints=False)
    name = _pick_key(key)
    if not typer.confirm(f"Approve {request.id} exactly as shown?", default=False):
        out.print("not approved")
        raise typer.Exit(EXIT_ASK)
    public, private = _unlock(name)
    try:
        result = do_approve(store, request.id, private, public, approver=public.name, reason=reason,
                            grant_ttl_s=settings.grant_ttl_s)
    except DecideError as exc:
        raise _fail(str(exc)) from exc
    if result.complete:
        out.print(f"[green]approved[/green] {request.id} as {escape(public.name)}; the grant is valid "
                  f"{_ago(result.expires_at)} for this exact action, once")
    else:
        out.print(f"[yellow]approval {result.approvals}/{result.required}[/yellow] recorded for {request.id}; "
                  "another approver is needed")
    _vouched(result.checkpoint)


def _vouched(checkpoint: Any) -> None:
    """One line on the checkpoint a decision signed (or that it could not be written)."""
    out, err = _consoles()
    if checkpoint is None:
        err.print("[yellow]warning:[/yellow] the audit checkpoint could not be written; the next decision or "
                  "`blastwall audit checkpoint` vouches for the log")
        return
    seq = json.loads(checkpoint.data).get("seq")
    out.print(f"[dim]signed an audit checkpoint: entries 1-{seq} of the log are vouched for[/dim]", highlight=False)


def _open_window(store: Any, settings: Any, name: str, for_: str, reason: str, key: str | None) -> None:
    from blastwall.approvals.decide import DecideError, open_window
    from blastwall.approvals.settings import parse_duration

    out, _ = _consoles()
    window = settings.window(name)
    if window is None:
        known = ", ".join(n for n, _ in settings.windows) or "none"
        raise _fail(f"no approval window {name!r} in the policy ([approvals.windows]; defined: {known})", EXIT_USAGE)
    try:
        seconds = parse_duration(for_)
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    out.print(f"window [bold]{escape(name)}[/bold]: {window.surface} actions matching "
              f"[bold]{escape(window.pattern)}[/bold] pass for {int(seconds // 60)} min without asking")
    key_name = _pick_key(key)
    if not typer.confirm("Open this window?", default=False):
        out.print("not opened")
        raise typer.Exit(EXIT_ASK)
    public, private = _unlock(key_name)
    try:
        grant = open_window(store, name, window, private, public, approver=public.name, for_s=seconds, reason=reason)
    except DecideError as exc:
        raise _fail(str(exc)) from exc
    out.print(f"[green]window {escape(name)} open[/green] until {time.strftime('%H:%M:%S', time.localtime(grant.expires_at))}")


def deny(request_id: str = typer.Argument(..., help="The request id (bw-...)."),
         reason: str = typer.Option("", "--reason", "-r", help="Why (shown to the agent)."),
         key: str | None = typer.Option(None, "--key", help="Approver key name (default: your only key)."),
         database_url: str | None = typer.Option(None, "--database-url", envvar="BLASTWALL_DATABASE_URL")) -> None:
    """Deny a request: the agent's retries of that action are refused until the request expires.

    With an approver key here (its passphrase is asked), the denial also signs a checkpoint of
    the audit log; without one it is recorded under your login name, unsigned.
    """
    import getpass

    from blastwall.approvals.decide import DecideError
    from blastwall.approvals.decide import deny as do_deny

    out, _ = _consoles()
    _need_terminal("denying")
    if _system():
        from blastwall.cli import approvals_system

        return approvals_system.deny(request_id, reason, key)
    store = _store(database_url)
    if store.get_request(request_id.strip()) is None:
        raise _fail(f"no request {request_id!r}; `blastwall pending` lists the open ones")
    public = private = None
    if key or _approver_keys():
        public, private = _unlock(_pick_key(key))
    try:
        request = do_deny(store, request_id, by=public.name if public else getpass.getuser(), reason=reason,
                          private=private, key=public)
    except DecideError as exc:
        raise _fail(str(exc)) from exc
    out.print(f"[red]denied[/red] {request.id}: {escape(request.summary[:80])}")
    if public is not None:
        out.print(f"[dim]signed an audit checkpoint as {escape(public.name)}: the log up to this denial is "
                  "vouched for[/dim]")


def register(app: typer.Typer) -> None:
    app.command()(pending)
    app.command()(show)
    app.command()(approve)
    app.command()(deny)
    from blastwall.cli.keys import keys_app

    app.add_typer(keys_app, name="keys")
