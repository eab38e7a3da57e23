"""A request and a session timeline in the terminal (`blastwall show`, `approve`, `audit --session`),
in the order the approval page uses: the sentence of what would be lost, what would be lost
(files with their state, rows, resources), where and why blastwall believes it, what the agent
said, the action laid out for reading with invisible characters marked, and the state. The raw
findings and pre-flight facts only with `--raw` (or `--json`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from blastwall.approvals import pretty, view

MARK_STYLE = "bold magenta"
LABEL = 12  # the width of a timeline step's verdict or kind ("grant-refused" is cut to it)
DECISION_STYLE = {"allow": "bold green", "ask": "bold yellow", "deny": "bold red"}
STATE_STYLE = {"pending": "yellow", "approved": "green", "used": "green", "denied": "red", "expired": "red"}


def _out() -> Any:
    from blastwall.cli.output import out

    return out


def text_of(parts: Iterable[pretty.Piece], style: str | None = None) -> Text:
    """Pieces as rich Text: markers stand out, nothing is read as markup."""
    text = Text(style=style or "")
    for p in parts:
        text.append(p.text, style=MARK_STYLE if p.mark else None)
    return text


def _ago(ts: float) -> str:
    from blastwall.humanize import relative

    return relative(ts)


def _lost(request: Any) -> None:
    out = _out()
    out.print("[bold]What would be lost[/bold]")
    found = view.losses(request)
    if not found:
        out.print("  [dim]blastwall named no target for this action[/dim]")
    for loss in found:
        said = (f"measured: {loss.summary}" if loss.measured else
                f"not measured: {loss.summary}" if loss.measured is False and loss.summary else "not measured")
        name = f"{view.noun(loss.rule)} {loss.target}".strip()
        out.print(f"  - [bold]{escape(name)}[/bold] [dim]({escape(loss.rule)})[/dim]: {escape(said)}", highlight=False)
        width = max((len(s) for _, s in loss.items), default=0)
        for path, state in loss.items:
            style = "red" if state in ("modified", "untracked", "ignored", "outside repo") else "green"
            line = Text("      ")
            line.append(state.ljust(width), style=style)
            line.append("  ")
            line.append_text(text_of(pretty.visible(path, one_line=True)))
            out.print(line)
        if loss.items and loss.total > len(loss.items):
            out.print(f"      [dim]and {loss.total - len(loss.items):,} more files[/dim]")
        for note in loss.notes:
            out.print(f"      [dim]{escape(note)}[/dim]", highlight=False)


def _where(request: Any) -> None:
    out = _out()
    out.print("[bold]Where, and why blastwall believes it[/bold]")
    found = view.places(request)
    if not found:
        out.print("  [dim]not placed in an environment (no database, service or cluster it knows is involved)[/dim]")
    for p in found:
        why = "; ".join(p.evidence) or "no evidence was recorded"
        tail = " [yellow]Treated as production.[/yellow]" if p.environment in view.UNKNOWN_ENVIRONMENTS else ""
        out.print(f"  - [bold]{escape(p.environment)}[/bold]: {escape(p.target)}. [dim]Why: {escape(why)}.[/dim]{tail}",
                  highlight=False)


def _said(request: Any) -> None:
    said = view.said(request)
    if not said:
        return
    out = _out()
    out.print("[bold]What the agent said it was doing[/bold] [dim](its own words; blastwall does not check them)[/dim]")
    line = Text("  “")
    line.append_text(text_of(pretty.visible(said, one_line=True), "italic"))
    line.append("”")
    out.print(line)


def _actions(request: Any) -> None:
    out = _out()
    for i, action in enumerate(request.actions, 1):
        head = f"Action {i} of {len(request.actions)}" if len(request.actions) > 1 else "The action"
        out.print(f"[bold]{head}[/bold] ({escape(str(action.get('surface')))})")
        for block in pretty.blocks(action):
            if block.folded:
                continue
            out.print(f"  [dim]{escape(block.label)}[/dim]")
            parts = pretty.visible(block.text) if block.kind == "exact" else [pretty.Piece(block.text)]
            out.print(_indented(text_of(parts)))


def _indented(text: Text) -> Text:
    return Text("\n").join(Text("    ") + line for line in text.split("\n", allow_blank=True))


def _state(request: Any, approvers: Sequence[str], now: float, hint: bool = True) -> None:
    out = _out()
    status = view.status_of(request, now)
    style = STATE_STYLE.get(status, "")
    text = view.STATE_TEXT.get(status, status)
    if status == "pending":
        count = len(approvers)
        line = (f"{count} of {request.required} approval{'s' if request.required != 1 else ''} so far"
                + (f" ({', '.join(approvers)})" if approvers else "")
                + f"; expires {_ago(request.expires_at)}")
        out.print(f"[{style}]{escape(text)}[/{style}]: {escape(line)}", highlight=False)
        if hint:
            out.print(f"[dim]approve with `blastwall approve {escape(request.id)}`, deny with "
                      f"`blastwall deny {escape(request.id)} --reason ...`[/dim]", highlight=False)
        return
    by = f" (by {request.decided_by})" if request.decided_by else ""
    note = f": {request.note}" if request.note and status == "denied" else ""
    out.print(f"[{style}]{escape(text)}[/{style}]{escape(by + note)}", highlight=False)


def describe(request: Any, approvers: Sequence[str], *, raw: bool = False, now: float | None = None,
             hints: bool = True) -> None:
    """Print `request` for a human deciding on it (`hints`: the commands that decide and show more;
    off inside `blastwall approve`, which asks right after)."""
    from blastwall.approvals.requests import shown_matches_digest

    out = _out()
    request = view.tidy(request)
    now = time.time() if now is None else now
    status = view.status_of(request, now)
    title = f"request {request.id} · {status}"
    out.print(Panel(Text(view.headline(request), style="bold"), title=escape(title), title_align="left",
                    subtitle=escape(" · ".join(x for x in (f"asked {_ago(request.created_at)}", request.agent or "",
                                                           request.cwd or "") if x)),
                    subtitle_align="left"))
    _lost(request)
    _where(request)
    _said(request)
    _actions(request)
    if shown_matches_digest(request) is None:
        out.print("[yellow]credentials in this action are shown masked; the approval binds to the real action[/yellow]")
    _state(request, approvers, now, hints)
    if raw:
        _raw(request)
    elif hints:
        out.print(f"[dim]why blastwall asked, the findings and the pre-flight facts: `blastwall show "
                  f"{escape(request.id)} --raw`[/dim]", highlight=False)


def _raw(request: Any) -> None:
    import json

    out = _out()
    out.print("[bold]Why blastwall asked[/bold]")
    for reason in request.reasons:
        out.print(f"  - {escape(reason)}", highlight=False)
    if request.findings:
        table = Table(title="findings")
        for col in ("rule", "effect", "severity", "target", "environment"):
            table.add_column(col, overflow="fold")
        for f in request.findings:
            table.add_row(escape(str(f.get("rule_id"))), str(f.get("effect")), str(f.get("severity")),
                          escape(str(f.get("target") or "")), escape(str(f.get("environment") or "")))
        out.print(table)
    out.print("[bold]pre-flight and measured facts[/bold]")
    out.print(Text(json.dumps(view.preflight(request), indent=2, ensure_ascii=False, default=str)))
    out.print(f"[dim]digest {request.digest}[/dim]")


def timeline(session: str, steps: Sequence[Any]) -> None:
    """One session's steps, oldest first (`blastwall audit --session`)."""
    out = _out()
    if not steps:
        out.print(f"[dim]the audit log holds no action of session {escape(session)}[/dim]")
        return
    first = steps[0].data
    out.print(f"[bold]session {escape(session)}[/bold] [dim]{escape(str(first.get('agent') or ''))} · "
              f"{escape(str(first.get('cwd') or ''))} · {len(steps)} steps, oldest first[/dim]", highlight=False)
    for step in steps:
        stamp = time.strftime("%H:%M:%S", time.localtime(step.ts))
        line = Text(f"{stamp}  ", style="dim")
        if step.decision:
            line.append(step.decision.upper().ljust(LABEL), style=DECISION_STYLE.get(step.decision, "bold"))
            line.append_text(text_of(pretty.one_line(step.action)))
        else:
            line.append(step.kind.ljust(LABEL), style="bold cyan")
            line.append(step.action)
        out.print(line)
        pad = " " * (len(stamp) + 2 + LABEL)
        if step.said:
            said = Text(f"{pad}said: ", style="dim")
            said.append_text(text_of(pretty.visible(step.said, one_line=True), "italic"))
            out.print(said)
        if step.detail:
            out.print(Text(f"{pad}{step.detail}", style="dim"))
