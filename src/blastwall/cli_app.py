"""The typer application behind `blastwall` (everything except the hook fast path)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from blastwall.cli import EXIT_ALLOW, EXIT_ASK, EXIT_DENY, EXIT_ERROR, EXIT_USAGE
from blastwall.model import Decision, Verdict

app = typer.Typer(
    help="blastwall: a deterministic guard between AI coding agents and everything they can destroy.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="Validate and test policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

out = Console()
err = Console(stderr=True)
EXIT_FOR = {Decision.ALLOW: EXIT_ALLOW, Decision.ASK: EXIT_ASK, Decision.DENY: EXIT_DENY}
STYLE = {Decision.ALLOW: "bold green", Decision.ASK: "bold yellow", Decision.DENY: "bold red"}
KINDS = ("shell", "sql", "http", "mcp", "file_read", "file_write")


def _load_payload(text: str, kind: str) -> Any:
    if kind in ("http", "mcp", "file_write"):
        try:
            return json.loads(text)
        except ValueError as exc:
            if kind == "file_write":
                return {"path": text}
            raise typer.BadParameter(f"--kind {kind} expects a JSON object ({exc})") from exc
    if kind == "file_read":
        return {"path": text}
    return text


def _policy(policy_file: Path | None, cwd: str | None) -> Any:
    from blastwall.policy.engine import PolicyError, compile_layers, default_document
    from blastwall.policy.load import load_policy, read_document

    try:
        if policy_file is not None:
            return compile_layers([(str(policy_file), read_document(policy_file)), ("defaults", default_document())])
        return load_policy(cwd)
    except PolicyError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}\n  run `blastwall policy check` to see every problem")
        raise typer.Exit(EXIT_USAGE) from exc


def _verdict_dict(v: Verdict) -> dict[str, Any]:
    return v.to_dict()


def _print_verdict(v: Verdict, action_text: str) -> None:
    out.print(f"[{STYLE[v.decision]}]{v.decision.value.upper()}[/]  {escape(action_text)}")
    for r in v.reasons:
        out.print(f"  - {escape(r)}")
    if v.rule_ids:
        out.print(f"  [dim]rules: {escape(', '.join(v.rule_ids))}[/dim]")
    safer = [f.safer for f in v.findings if f.safer and f.rule_id in v.rule_ids]
    if safer and v.decision is not Decision.ALLOW:
        out.print(f"  [cyan]safer:[/cyan] {escape(safer[0])}")


@app.command()
def check(
    action: str | None = typer.Argument(None, help="The action: a shell command, SQL, or JSON for http/mcp. Read from stdin when omitted."),
    kind: str = typer.Option("shell", "--kind", "-k", help="shell | sql | http | mcp | file_read | file_write"),
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
    batch: str | None = typer.Option(None, "--batch", help="JSONL file (or - for stdin): one verdict line per input line."),
    cwd: str | None = typer.Option(None, "--cwd", help="Working directory the action runs in."),
    agent: str | None = typer.Option(None, "--agent", help="Agent name, for agent-specific policy rules."),
    environment: str | None = typer.Option(None, "--env", help="Environment hint (e.g. production)."),
    policy_file: Path | None = typer.Option(None, "--policy", help="Use this policy file instead of the discovered ones."),
) -> None:
    """Check one action (or a batch) and print the verdict.

    Exit codes: 0 allow, 3 ask, 4 deny, 2 usage error, 1 internal error. With --batch: 0 when every line was processed.
    """
    from blastwall.engine import check_action, make_action

    policy = _policy(policy_file, cwd)
    if batch is not None:
        from blastwall.batch import run_batch

        try:
            stream = sys.stdin if batch == "-" else open(batch, encoding="utf-8", errors="replace")
        except OSError as exc:
            err.print(f"[red]error:[/red] cannot read {escape(batch)}: {exc.strerror}")
            raise typer.Exit(EXIT_USAGE) from exc
        with stream:
            run_batch(stream, sys.stdout, policy)
        raise typer.Exit(EXIT_ALLOW)
    if kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", param_hint="--kind")
    text = action if action is not None else sys.stdin.read()
    payload = _load_payload(text, kind)
    context = {k: v for k, v in {"cwd": cwd, "agent": agent, "environment": environment}.items() if v}
    verdict = check_action(make_action(kind, payload, context), policy)
    if as_json:
        print(json.dumps(_verdict_dict(verdict), ensure_ascii=False))
    else:
        _print_verdict(verdict, text if len(text) < 200 else text[:200] + "...")
    raise typer.Exit(EXIT_FOR[verdict.decision])


@app.command()
def explain(
    action: str = typer.Argument(..., help="The action to explain."),
    kind: str = typer.Option("shell", "--kind", "-k"),
    cwd: str | None = typer.Option(None, "--cwd"),
    as_json: bool = typer.Option(False, "--json"),
    policy_file: Path | None = typer.Option(None, "--policy"),
) -> None:
    """Show every finding, the policy rule that decided it, and the final verdict."""
    from blastwall.engine import check_action, make_action

    policy = _policy(policy_file, cwd)
    verdict = check_action(make_action(kind, _load_payload(action, kind), {"cwd": cwd} if cwd else None), policy)
    rows = []
    for f in verdict.findings:
        decision, rule = policy.decide(f, surface=kind)
        rows.append((f, decision, rule))
    if as_json:
        data = _verdict_dict(verdict)
        data["decided_by"] = [{"rule_id": f.rule_id, "decision": d.value, "policy_rule": r} for f, d, r in rows]
        data["stages_ms"] = dict(verdict.timings_ms)
        print(json.dumps(data, ensure_ascii=False))
        raise typer.Exit(EXIT_FOR[verdict.decision])
    table = Table(title="findings", show_lines=False)
    for col in ("rule", "effect", "severity", "target", "decision", "decided by"):
        table.add_column(col)
    for f, d, r in rows:
        table.add_row(escape(f.rule_id), f.effect.value, f.severity.name.lower(), escape(f.target[:40]),
                      f"[{STYLE[d]}]{d.value}[/]", escape(r))
    if rows:
        out.print(table)
    else:
        out.print("[dim]no findings: nothing in this action deletes, overwrites or runs unknown code[/dim]")
    from blastwall.radius.policy import summaries

    for line in summaries([f.to_dict() for f in verdict.findings]):
        out.print(f"  [bold]blast radius[/bold] {escape(line)}")
    _print_verdict(verdict, action)
    timings = ", ".join(f"{k} {v:.2f}ms" for k, v in verdict.timings_ms)
    out.print(f"  [dim]stages: {timings}[/dim]")
    raise typer.Exit(EXIT_FOR[verdict.decision])


@app.command()
def hook(agent: str = typer.Argument(..., help="claude-code | cursor | gemini | codex | opencode"),
         timeout: int | None = typer.Option(None, "--timeout", help="The agent's hook timeout in seconds, as installed.")) -> None:
    """Answer an agent's pre-execution hook (reads the agent's JSON on stdin)."""
    from blastwall.cli import _hook_fast_path

    raise typer.Exit(_hook_fast_path([agent] if timeout is None else [agent, "--timeout", str(timeout)]))


@app.command()
def install(
    agent: str | None = typer.Argument(None, help="claude-code | cursor | gemini | codex | opencode"),
    user: bool = typer.Option(False, "--user", help="Install for your user account instead of this project."),
    project: bool = typer.Option(False, "--project", help="Install into this project (default)."),
    uninstall: bool = typer.Option(False, "--uninstall", help="Remove blastwall's hook entries."),
    directory: Path = typer.Option(Path("."), "--dir", help="Project directory."),
    command: str | None = typer.Option(None, "--command", help="Hook command to write (default: this blastwall)."),
    timeout: int | None = typer.Option(None, "--timeout", help="The agent's hook timeout in seconds (default 30, "
                                       "3 to 600); an approvals wait is cut to fit inside it."),
    status: bool = typer.Option(False, "--status", help="Show what is installed (both scopes) and its timeouts."),
) -> None:
    """Wire blastwall into an agent's hook configuration (idempotent; backs up what it changes)."""
    from blastwall.doors.hooks import AGENTS
    from blastwall.doors.hooks.budget import DEFAULT_TIMEOUT_S, check_timeout
    from blastwall.doors.install import install as do_install

    if agent is not None and agent not in AGENTS:
        raise typer.BadParameter(f"unknown agent {agent!r}; use one of {', '.join(AGENTS)}")
    if status:
        if uninstall or command or timeout is not None or user or project:
            raise typer.BadParameter("--status takes only an agent and --dir")
        raise typer.Exit(_install_status(directory.resolve(), (agent,) if agent else AGENTS))
    if agent is None:
        raise typer.BadParameter(f"name the agent: one of {', '.join(AGENTS)} (or --status)")
    if user and project:
        raise typer.BadParameter("choose --user or --project, not both")
    if uninstall and timeout is not None:
        raise typer.BadParameter("--timeout has no meaning with --uninstall")
    try:
        timeout_s = check_timeout(DEFAULT_TIMEOUT_S if timeout is None else timeout)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--timeout") from exc
    try:
        report = do_install(agent, scope="user" if user else "project", project_dir=directory.resolve(),
                            uninstall=uninstall, command=command, timeout_s=timeout_s)
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR) from exc
    verb = "updated" if report.changed else "unchanged"
    out.print(f"[green]{agent}[/green]: {escape(report.path)} {verb}")
    if report.backup:
        out.print(f"  backup: {escape(report.backup)}")
    if report.message:
        out.print(f"  {escape(report.message)}")
    if report.timeout_note:
        out.print(f"  {escape(report.timeout_note)}")
    if not uninstall:
        note = _wait_note(directory.resolve(), agent, timeout_s)
        if note:
            out.print(f"  [yellow]{escape(note)}[/yellow]")


def _install_status(directory: Path, agents: tuple[str, ...]) -> int:
    """`blastwall install --status`: 0 when nothing installed needs attention, 1 otherwise."""
    from blastwall.doors.install_status import hook_status

    rows = hook_status(project_dir=directory, agents=agents)
    shown = [r for r in rows if r.installed or r.problem]
    if not shown:
        out.print("no blastwall hook is installed here (project) or for this user; `blastwall install <agent>` adds one")
        return EXIT_ALLOW
    for r in shown:
        style = "yellow" if r.problem else "green"
        out.print(f"[{style}]{r.agent}[/{style}] ({r.scope}) {escape(r.path)}: {escape(r.describe())}")
    return EXIT_ERROR if any(r.problem for r in shown) else EXIT_ALLOW


def _wait_note(directory: Path, agent: str, timeout_s: int) -> str:
    """A warning when this project's `[approvals] wait` is longer than the installed timeout allows."""
    from blastwall.doors.hooks.budget import longest_wait_s, timeout_for_wait

    try:
        from blastwall.approvals.settings import settings_of
        from blastwall.policy.load import load_policy

        settings = settings_of(load_policy(str(directory)))
    except Exception:  # noqa: BLE001 - `blastwall policy check` reports a bad policy; this is only advice
        return ""
    if settings.mode != "wait" or settings.wait_s <= longest_wait_s(timeout_s):
        return ""
    needed = timeout_for_wait(settings.wait_s)
    fix = f"`blastwall install {agent} --timeout {needed}` lets it wait that long" if needed else ""
    return (f"[approvals] wait is {settings.wait_s:g} s, but a hook with a {timeout_s} s timeout holds a call for "
            f"about {longest_wait_s(timeout_s):g} s at most; longer waits are cut to fit" + (f"; {fix}" if fix else ""))


@policy_app.command("check")
def policy_check(
    files: list[Path] | None = typer.Argument(None, help="Policy files (default: the ones that apply here)."),
    cwd: str | None = typer.Option(None, "--cwd"),
) -> None:
    """Validate policy files; errors name the file and line."""
    from blastwall.policy.load import policy_files
    from blastwall.policy.validate import validate_files

    paths = list(files) if files else [Path(p) for p in policy_files(cwd)]
    if not paths:
        out.print("no policy files found; the built-in defaults apply")
        raise typer.Exit(EXIT_ALLOW)
    problems = validate_files(paths)
    for p in problems:
        err.print(p, style="red", markup=False, highlight=False)
    from blastwall.policy.load import untrusted_entries

    untrusted = untrusted_entries(cwd)
    if untrusted:
        out.print(f"[yellow]note:[/yellow] {escape(untrusted[0])} is not trusted; these entries are ignored until "
                  "a human runs `blastwall policy trust`:")
        for d in untrusted[1]:
            out.print(f"  - {escape(d)}")
    if problems:
        raise typer.Exit(EXIT_USAGE)
    out.print(f"[green]ok[/green]: {escape(', '.join(str(p) for p in paths))}")


@policy_app.command("trust")
def policy_trust(
    file: Path | None = typer.Argument(None, help="The project's blastwall.toml (default: the one that applies here)."),
) -> None:
    """Let this project's policy file loosen blastwall (a human at a terminal only).

    Until then a project file can only tighten: rules that allow, lenient [severity] entries and
    Cedar's authoritative mode are ignored. Editing the file withdraws the trust.
    """
    from blastwall.policy.engine import default_document
    from blastwall.policy.load import project_file, read_document, user_config_dir
    from blastwall.policy.trust import tighten_only, trust

    target = str(file) if file else project_file(None)
    if not target or not os.path.isfile(target):
        err.print("[red]error:[/red] no project blastwall.toml here; name the file")
        raise typer.Exit(EXIT_USAGE)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        err.print("[red]error:[/red] trusting a policy needs a human at an interactive terminal")
        raise typer.Exit(EXIT_USAGE)
    dropped = tighten_only(read_document(target), default_document())[1]
    out.print(f"{escape(target)} loosens blastwall with:")
    for d in dropped or ["(nothing: it only tightens)"]:
        out.print(f"  - {escape(d)}")
    answer = typer.prompt("Type 'trust' to let this exact file loosen blastwall", default="", show_default=False)
    if answer.strip() != "trust":
        out.print("not trusted")
        raise typer.Exit(EXIT_ASK)
    digest = trust(target, str(user_config_dir()))
    out.print(f"[green]trusted[/green] {escape(target)} (sha256 {digest[:16]}...)")


@policy_app.command("test")
def policy_test(
    examples: Path = typer.Argument(..., help="JSONL examples: {\"kind\", \"input\", \"expect\": allow|ask|deny}."),
    policy_file: Path | None = typer.Option(None, "--policy"),
) -> None:
    """Run a policy against example actions and report the ones that decide differently."""
    from blastwall.engine import check_action, make_action

    policy = _policy(policy_file, None)
    failures = total = 0
    for number, line in enumerate(examples.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        total += 1
        try:
            row = json.loads(line)
            verdict = check_action(make_action(row.get("kind", "shell"), row["input"], row.get("context")), policy)
            expect = Decision(row["expect"])
        except (ValueError, KeyError, TypeError) as exc:
            failures += 1
            err.print(f"{examples}:{number}: bad example ({exc})", markup=False)
            continue
        if verdict.decision is not expect:
            failures += 1
            out.print(f"[red]FAIL[/red] {escape(str(examples))}:{number}: expected {expect.value}, got "
                      f"{verdict.decision.value}: {escape(json.dumps(row['input'])[:80])} "
                      f"({escape('; '.join(verdict.reasons)[:100])})")
    out.print(f"{total - failures}/{total} examples decided as expected")
    raise typer.Exit(EXIT_USAGE if failures else EXIT_ALLOW)


@app.command()
def rules(as_json: bool = typer.Option(False, "--json")) -> None:
    """List every rule blastwall knows, with its id, severity and reason."""
    from blastwall.analyze.ruleset import load_table, table_names

    rows = []
    for name in table_names():
        table = load_table(name)
        for key in ("rule", "fsop"):
            for r in table.get(key) or []:
                rows.append({"id": r["id"], "severity": r["severity"], "effect": r["effect"], "reason": r["reason"]})
    if as_json:
        print(json.dumps(rows))
        return
    t = Table(title=f"{len(rows)} rules")
    for col in ("id", "effect", "severity", "reason"):
        t.add_column(col)
    for r in rows:
        t.add_row(escape(r["id"]), r["effect"], r["severity"], escape(r["reason"][:70]))
    out.print(t)


@app.command()
def demo(as_json: bool = typer.Option(False, "--json", help="Machine-readable steps.")) -> None:
    """Play a realistic agent session through the real hook and show what was stopped and why."""
    from blastwall.demo import run_demo

    raise typer.Exit(run_demo(out, as_json=as_json))


@app.command()
def version() -> None:
    """Print blastwall's version."""
    from blastwall import __version__

    print(__version__)


def _register_human_commands() -> None:
    from blastwall.cli_approvals import register

    register(app)
    import importlib

    for module in ("blastwall.approvals.web.cli", "blastwall.doors.mcp_proxy.cli", "blastwall.snapshots.cli",
                   "blastwall.doors.exec", "blastwall.doors.pg_proxy.cli", "blastwall.doors.gateway.cli",
                   "blastwall.credentials.cli", "blastwall.secrets.cli", "blastwall.doors.sandbox.cli",
                   "blastwall.doctor", "blastwall.radius.rehearse"):
        importlib.import_module(module).register(app)


_register_human_commands()
