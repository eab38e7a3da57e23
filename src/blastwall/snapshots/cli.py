"""Human commands for the safety net: `blastwall snapshots` (list, prune) and `blastwall undo ID`.

Agents may not run `undo` or `snapshots --prune` (rules/shell_guard.toml); listing is harmless.

Exit codes: 0 done, 1 the snapshot cannot be restored (the message says why and what to do),
2 usage error.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from blastwall.cli.exits import EXIT_ERROR, EXIT_USAGE


def _consoles() -> tuple[Any, Any]:
    from rich.console import Console

    return Console(), Console(stderr=True)


def _root() -> str | None:
    """`[snapshots] dir` of the policy that applies here (None: the default folder)."""
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy
    from blastwall.snapshots.settings import SettingsError, settings_of

    try:
        return settings_of(load_policy(None)).dir
    except (PolicyError, SettingsError) as exc:
        _consoles()[1].print(f"[yellow]warning:[/yellow] {escape(str(exc))}; using the default snapshot folder")
        return None


def _ago(ts: float) -> str:
    from blastwall.humanize import relative

    return relative(ts)


def _audit(kind: str, ref: str, data: dict[str, Any]) -> None:
    from blastwall.audit.log import record
    from blastwall.store import open_store

    try:
        store = open_store()
        try:
            record(store, kind, ref, data)
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - the files are back; say that the log could not be written
        _consoles()[1].print(f"[yellow]warning:[/yellow] the audit log could not record this ({escape(str(exc)[:120])})")


def snapshots(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    prune: bool = typer.Option(False, "--prune", help="Remove old snapshots (with --older-than and/or --max-total)."),
    older_than: str | None = typer.Option(None, "--older-than", help="With --prune: remove snapshots older than this (7d, 12h, 30m)."),
    max_total: str | None = typer.Option(None, "--max-total", help="With --prune: remove the oldest until the rest fit (2GiB)."),
) -> None:
    """List the snapshots blastwall took before approved destructive actions, or prune them."""
    from blastwall.snapshots import base
    from blastwall.snapshots.settings import SettingsError, human_size, parse_size, parse_span

    out, err = _consoles()
    if (older_than or max_total) and not prune:
        err.print("[red]error:[/red] --older-than and --max-total go with --prune")
        raise typer.Exit(EXIT_USAGE)
    root = _root()
    if prune:
        if not (older_than or max_total):
            err.print("[red]error:[/red] --prune needs --older-than (e.g. 7d) and/or --max-total (e.g. 2GiB)")
            raise typer.Exit(EXIT_USAGE)
        try:
            span = parse_span(older_than) if older_than else None
            limit = parse_size(max_total) if max_total else None
        except SettingsError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        chosen = base.prune_candidates(list(base.list_snapshots(root)), older_than_s=span, max_total_bytes=limit)
        _prune(chosen, root, as_json)
        return
    found = list(base.list_snapshots(root))
    if as_json:
        print(json.dumps([s.to_dict() for s in found], indent=1, default=str))
        return
    if not found:
        out.print(f"no snapshots in {escape(base.snapshots_dir(root))}")
        return
    table = Table(box=None, header_style="bold")
    for column in ("id", "kind", "when", "target", "size", "restored"):
        table.add_column(column, overflow="fold")
    for s in found:
        table.add_row(s.id, s.kind, _ago(s.created_at), escape(s.target), human_size(s.size_bytes),
                      _ago(s.restored_at) if s.restored_at else "")
    out.print(table)
    out.print(f"[dim]{len(found)} snapshot(s), {human_size(sum(s.size_bytes for s in found))} in "
              f"{escape(base.snapshots_dir(root))}; `blastwall undo ID` restores one[/dim]")


def _prune(chosen: list[Any], root: str | None, as_json: bool) -> None:
    from rich.progress import Progress

    from blastwall.snapshots import base
    from blastwall.snapshots.settings import human_size

    out, _ = _consoles()
    freed = 0
    with Progress(transient=True, disable=as_json or len(chosen) < 3, console=_consoles()[1]) as bar:
        task = bar.add_task("pruning snapshots", total=len(chosen))
        for snap in chosen:
            base.delete(snap, root)
            freed += snap.size_bytes
            bar.advance(task)
    if chosen:
        _audit("snapshot", "prune", {"removed": [s.id for s in chosen], "freed_bytes": freed})
    if as_json:
        print(json.dumps({"removed": [s.id for s in chosen], "freed_bytes": freed}))
        return
    for snap in chosen:
        out.print(f"removed {snap.id} ({escape(snap.target)}, {human_size(snap.size_bytes)})")
    out.print(f"{len(chosen)} snapshot(s) removed, {human_size(freed)} freed" if chosen else "nothing to prune")


def undo(
    snapshot_id: str | None = typer.Argument(None, help="The snapshot to restore (`blastwall snapshots` lists them)."),
    force: bool = typer.Option(False, "--force", help="Overwrite what exists again (it is kept in the snapshot folder); restore a snapshot twice."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    dsn: str | None = typer.Option(None, "--dsn", help="PostgreSQL snapshots: the server to restore into."),
    before: str | None = typer.Option(None, "--before", help="Work-tree journal (`blastwall run`): bring the project "
                                                             "back to how it was before action ID (a12)."),
    to: str | None = typer.Option(None, "--to", help="Work-tree journal: bring the project back to how it was at "
                                                     "TIME (14:03, 10m, 2026-03-01T14:03)."),
    listing: bool = typer.Option(False, "--list", help="Work-tree journal: list its entries."),
    project: str | None = typer.Option(None, "--project", help="Work-tree journal: the project (default: the "
                                                               "journaled folder holding the current one)."),
) -> None:
    """Restore what a snapshot saved before an approved destructive action ran, or (--before,
    --to) the project as `blastwall run`'s journal recorded it."""
    import os

    if sum(x is not None and x is not False for x in (snapshot_id, before, to, listing or None)) != 1:
        _consoles()[1].print("[red]error:[/red] give one of: a snapshot ID, --before ACTION_ID, --to TIME, --list")
        raise typer.Exit(EXIT_USAGE)
    if snapshot_id is None:
        from blastwall.doors.run.undo_cli import journal_undo

        raise typer.Exit(journal_undo(before=before, to=to, listing=listing, project=project, as_json=as_json))

    from blastwall.snapshots import base

    out, err = _consoles()
    root = _root()
    if dsn:
        os.environ["BLASTWALL_PG_RESTORE_DSN"] = dsn  # read by the postgres restorer
    try:
        snap, message = base.restore(snapshot_id.strip(), root, force=force)
    except base.SnapshotError as exc:
        if as_json:
            print(json.dumps({"id": snapshot_id, "restored": False, "error": str(exc)}))
        else:
            err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR) from None
    commands = list(snap.meta.get("undo_commands") or [])
    _audit("undo", snap.id, {"kind": snap.kind, "target": snap.target, "message": message, "commands": commands,
                             "force": force, "request_id": snap.request_id})
    if as_json:
        print(json.dumps({"id": snap.id, "restored": True, "kind": snap.kind, "message": message, "commands": commands}))
        return
    out.print(f"[green]undone[/green] {snap.id}: {escape(message)}", soft_wrap=True)
    for command in commands:
        print(f"  {command}")  # plain: copied and pasted as it is


def register(app: typer.Typer) -> None:
    app.command("snapshots")(snapshots)
    app.command("undo")(undo)
