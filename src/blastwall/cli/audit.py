"""The `blastwall audit` commands: list, verify, checkpoint, export.

    blastwall audit [--kind K] [--since 2h] [--ref ID] [--json]   # newest first
    blastwall audit --session ID [--json]  # one agent session's actions in order, with verdicts
    blastwall audit verify [--json]        # the hash chain and its signed checkpoints; exit 1 if tampered
    blastwall audit checkpoint             # a human signs the current head (terminal + passphrase)
    blastwall audit export FILE            # JSON lines for a SIEM

`audit checkpoint` is for humans the way `approve` is: it refuses to run without an interactive
terminal and signs only with a passphrase-protected approver key.
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

from blastwall.cli.approvals import _ago, _consoles, _fail, _need_terminal, _pick_key, _store, _unlock
from blastwall.cli.exits import EXIT_ASK, EXIT_ERROR, EXIT_USAGE

audit_app = typer.Typer(help="Read, verify, checkpoint and export the tamper-evident audit log.",
                        invoke_without_command=True)


@audit_app.callback()
def audit_list(ctx: typer.Context,
               kind: list[str] | None = typer.Option(None, "--kind", help="verdict, request, approve, deny, grant-used, "
                                                                         "grant-refused, ..."),
               since: str | None = typer.Option(None, "--since", help="Only entries this recent (30m, 2h, 7d)."),
               ref: str | None = typer.Option(None, "--ref", help="Only entries about this request id, digest or nonce."),
               decision: str | None = typer.Option(None, "--decision", help="Only verdicts with this decision."),
               session: str | None = typer.Option(None, "--session", help="One agent session's actions in order, "
                                                                          "with verdicts and what followed them."),
               limit: int = typer.Option(50, "--limit", "-n"),
               as_json: bool = typer.Option(False, "--json"),
               database_url: str | None = typer.Option(None, "--database-url", envvar="BLASTWALL_DATABASE_URL")) -> None:
    """List audit entries, newest first (`audit verify` checks the chain, `audit export` writes JSONL)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = database_url
        return
    from blastwall.approvals.settings import parse_duration

    out, _ = _consoles()
    store = _store(database_url)
    if session is not None:
        return _session(store, session, limit, as_json)
    try:
        cutoff = time.time() - parse_duration(since) if since else None
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    rows = []
    for row in store.audit_rows(kind=kind, ref=ref, since=cutoff, newest_first=True):
        data = json.loads(row.data)
        if decision and data.get("decision") != decision:
            continue
        rows.append((row, data))
        if len(rows) >= limit:
            break
    if as_json:
        for row, _ in rows:
            print(json.dumps(row.to_dict(), ensure_ascii=False))
        return
    table = Table(title=f"audit log (newest {len(rows)})")
    for col in ("#", "when", "kind", "ref", "what"):
        table.add_column(col, overflow="fold")
    for row, data in rows:
        what = data.get("action") or data.get("message") or data.get("reason") or data.get("approver") or ""
        if row.kind == "checkpoint":
            what = f"vouches for entry {data.get('seq')} ({data.get('signer')}, {data.get('via')})"
        if data.get("decision"):
            what = f"{data['decision'].upper()} {what}"
        table.add_row(str(row.seq), time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.ts)), row.kind,
                      escape((row.ref or "")[:16]), escape(str(what)[:90]))
    out.print(table)


def _session(store: Any, session: str, limit: int, as_json: bool) -> None:
    """`audit --session ID`: the session's steps, oldest first (its newest `limit`)."""
    from blastwall.audit.timeline import session_steps
    from blastwall.cli.describe import timeline

    steps = session_steps(store, session, limit=max(1, limit))
    if as_json:
        for step in steps:
            print(json.dumps({"seq": step.seq, "ts": step.ts, "kind": step.kind, "decision": step.decision,
                              "action": step.action, "detail": step.detail, "said": step.said,
                              "request": step.request}, ensure_ascii=False))
        return
    timeline(session, steps)
    if not steps:
        raise typer.Exit(EXIT_ERROR)


def _verified(store: Any, cwd: str | None) -> Any:
    from blastwall.audit import verify
    from blastwall.audit.checkpoints import default_trusted

    return verify(store, default_trusted(cwd))


def _vouched_line(report: Any) -> str:
    """What the signed checkpoints vouch for, in one line."""
    point = report.vouched
    if point is None and not any(p.code.startswith("checkpoint-") for p in report.problems):
        return ("[yellow]no signed checkpoint yet[/yellow]: nothing outside the store vouches for these entries "
                "(every approval and denial signs one; `blastwall audit checkpoint` signs one now)")
    if point is None:
        return "[red]no signed checkpoint holds[/red]: nothing vouches for any entry of this log"
    via = f"{point.via} {point.ref}" if point.ref and point.via in ("approve", "deny") else point.via
    later = (f"; {report.unvouched} later entr{'y is' if report.unvouched == 1 else 'ies are'} not yet vouched for"
             if report.unvouched else "")
    return (f"verified up to entry {point.seq}, signed by {escape(point.signer)} {_ago(point.at)} ({escape(via)})"
            f"{later}")


def _print_report(report: Any) -> None:
    out, err = _consoles()
    if report.ok:
        out.print(f"[green]ok[/green]: {report.entries} entries, one unbroken chain (head {report.head[:16]})")
        out.print(_vouched_line(report), highlight=False)
        return
    for p in report.problems:
        err.print(f"[red]{p.code}[/red] at entry {p.seq}: {escape(p.message)}", highlight=False)
    err.print(f"[red]the audit log was tampered with[/red] ({len(report.problems)} problem(s) in {report.entries} "
              "entries)")
    err.print(_vouched_line(report), highlight=False)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, as_json: bool = typer.Option(False, "--json"),
                 cwd: str | None = typer.Option(None, "--cwd", help="Project whose policy says which keys are "
                                                                  "trusted (default: here).")) -> None:
    """Check the hash chain and its signed checkpoints. Exit 1 if anything was tampered with.

    Names edited, deleted, inserted or reordered entries, and checkpoints that are forged or no
    longer match their entry (a history rewritten before a checkpoint); says up to which entry a
    trusted signature vouches for the log.
    """
    report = _verified(_store(ctx.obj), cwd)
    if as_json:
        point = report.vouched
        print(json.dumps({"ok": report.ok, "entries": report.entries, "head": report.head, "head_seq": report.head_seq,
                          "problems": [p._asdict() for p in report.problems], "checkpoints": report.checkpoints,
                          "vouched": point.to_dict() if point else None,
                          "vouched_age_s": round(time.time() - point.at, 1) if point else None,
                          "unvouched": report.unvouched}, ensure_ascii=False))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_ERROR)


@audit_app.command("checkpoint")
def audit_checkpoint(ctx: typer.Context,
                     key: str | None = typer.Option(None, "--key", help="Approver key name (default: your only key)."),
                     cwd: str | None = typer.Option(None, "--cwd", help="Project whose policy says which keys are "
                                                                      "trusted (default: here).")) -> None:
    """Sign a checkpoint of the audit log now (a human at a terminal, with the key's passphrase).

    Verifies the log, shows what it finds, and signs "entry N has hash H" with your approver key:
    a history later rewritten up to entry N is then reported by `blastwall audit verify`.
    """
    from blastwall.approvals.keys import KeyError_, key_is_encrypted, read_public_file
    from blastwall.audit import checkpoints
    from blastwall.locations import keys_dir

    out, _ = _consoles()
    _need_terminal("signing an audit checkpoint")
    store = _store(ctx.obj)
    report = _verified(store, cwd)
    _print_report(report)
    if not report.head_seq:
        raise _fail("the audit log is empty: there is nothing to vouch for yet")
    if report.ok and report.vouched is not None and report.unvouched == 0:
        out.print("nothing to sign: every entry is vouched for already")
        return
    name = _pick_key(key)
    try:
        role = read_public_file(os.path.join(keys_dir(), f"{name}.pub")).role
    except KeyError_ as exc:
        raise _fail(str(exc)) from exc
    if role != "approver" or not key_is_encrypted(name):
        raise _fail(f"key {name!r} is not a passphrase-protected approver key; a checkpoint is a human's "
                    "signature (`blastwall keys init`)")
    question = (f"Vouch that audit entries 1-{report.head_seq} are as they are now (head {report.head[:16]})?"
                if report.ok else
                f"The log has {len(report.problems)} problem(s). Sign entry {report.head_seq} anyway (it vouches only "
                "that the log is as it is now)?")
    if not typer.confirm(question, default=False):
        out.print("no checkpoint signed")
        raise typer.Exit(EXIT_ASK)
    public, private = _unlock(name)
    checkpoints.sign(store, private, public, seq=report.head_seq, hash_=report.head, signer=public.name,
                     via="checkpoint")
    out.print(f"[green]signed[/green] a checkpoint as {escape(public.name)}: entries 1-{report.head_seq} are vouched "
              "for; `blastwall audit verify` reports any later rewrite of them", highlight=False)


@audit_app.command("export")
def audit_export(ctx: typer.Context, path: str = typer.Argument("-", help="File to write (- for stdout)."),
                 after: int = typer.Option(0, "--after", help="Only entries after this sequence number.")) -> None:
    """Write the audit log as JSON lines (one entry each, with its hashes) for a SIEM."""
    from blastwall.audit import export_jsonl

    store = _store(ctx.obj)
    if path == "-":
        export_jsonl(store.audit_rows(after=after), sys.stdout)
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        n = export_jsonl(store.audit_rows(after=after), f)
    _consoles()[0].print(f"wrote {n} entries to {escape(path)}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
