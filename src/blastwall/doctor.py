"""`blastwall doctor`: what protection is active on this machine, and what is missing.

    report = diagnose(project="/src/app", home="/home/me")   # [Check(area, status, detail, remedy)]

Each check is a small function in `CHECKS`, in the order the report shows them. A check never
raises: what it cannot find out is a `warn` saying so. `missing` means a protection that should
be there is not, or a weakness that lets an agent undo it (no hook for an agent in use, a hook
that does not block its canary, hook settings or keys the agent's user can change or read, a
broken audit chain); `warn` means something optional or weaker than it could be (no sandbox
here, no gateway, no daemon running). `blastwall doctor` exits 1 when anything is missing, 0
otherwise.

Hooks are proved, not read: every installed hook (each agent, project and user scope) is run
exactly as its agent runs it, on a canary tool call (doors/canary.py), and is "enforcing" only
when the answer blocks in that agent's protocol. The process-boundary checks (what lets an
agent undo its protection) are in doctor_boundary.py.
"""

from __future__ import annotations

import enum
import json
import os
import shlex
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

SCAN_MAX_AGE_S = 7 * 86400


class Status(str, enum.Enum):
    OK = "ok"
    WARN = "warn"
    MISSING = "missing"


@dataclass(frozen=True)
class Check:
    area: str
    status: Status
    detail: str
    remedy: str = ""
    facts: dict[str, Any] | None = None  # machine-readable details (`--json`: under "facts")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"area": self.area, "status": self.status.value, "detail": self.detail,
                               "remedy": self.remedy}
        if self.facts:
            out["facts"] = self.facts
        return out


@dataclass(frozen=True)
class Where:
    project: str
    home: str


# --- agent hooks -------------------------------------------------------------------------------


def _agent_used(agent: str, home: str) -> bool:
    from blastwall.doors.install import config_path
    from blastwall.doors.sandbox.knowledge import knowledge

    spec = next((a for a in knowledge().agents if a.name == agent), None)
    if spec and any(shutil.which(c) for c in spec.commands):
        return True
    folder = config_path(agent, "user").parent
    folder = folder.parent if folder.name in ("plugin", "plugins") else folder
    return os.path.isdir(os.path.join(home, folder))


CONTROL = "echo blastwall-canary-control"  # a harmless call: a hook that blocks it too blocks everything


def check_hooks(where: Where) -> list[Check]:
    from blastwall.doors.hooks import AGENTS
    from blastwall.doors.install import SCOPES
    from blastwall.doors.install_status import status

    rows = []
    for agent in AGENTS:
        installed = [status(agent, scope, project_dir=where.project, home=where.home) for scope in (*SCOPES, "system")]
        installed = [r for r in installed if r.installed]
        for row in installed:
            rows.append(_enforcing(row, where))
        if installed:
            rows += _codex_features(where.home) if agent == "codex" else []
        elif _agent_used(agent, where.home):
            rows.append(Check(f"hooks: {agent}", Status.MISSING, f"{agent} is on this machine but blastwall's hook "
                              "is not installed", f"blastwall install {agent} (or --user for every project)"))
    if not rows:
        rows.append(Check("hooks", Status.MISSING, "no agent has blastwall's hook, and no known agent was found",
                          "blastwall install claude-code (or cursor, gemini, codex, opencode)"))
    return rows


def _enforcing(row: Any, where: Where) -> Check:
    """Run each command of one installed hook on a canary: enforcing only if every one blocks."""
    from blastwall.doors.canary import run_canary
    from blastwall.doors.hook_command import client_form, start_problem

    area = f"hooks: {row.agent} ({row.scope})"
    remedy = f"sudo blastwall install --system {row.agent}" if row.scope == "system" else \
        f"blastwall install {row.agent}{' --user' if row.scope == 'user' else ''}"
    results = [run_canary(row.agent, argv, project_dir=where.project) for argv in row.spawns]
    facts = {"agent": row.agent, "scope": row.scope, "path": row.path, "command": row.command,
             "enforcing": bool(results) and all(r.blocks for r in results),
             "client": client_form(row.command or ""),
             "canary": [{"canary": r.canary, "blocks": r.blocks, "decision": r.answer.decision,
                         "answer": r.answer.detail, "ms": round(r.elapsed_ms, 1)} for r in results]}
    failed = next((r for r in results if not r.blocks), None)
    if not results or failed is not None:
        said = failed.answer.detail if failed else "no command found"
        canary = f" the canary `{failed.canary}`" if failed else ""
        start = start_problem(row.agent, row.command) if row.command else ""
        return Check(area, Status.MISSING, f"NOT enforcing: {row.path} runs `{_short(row.command)}`, which answered"
                     f"{canary} with {said}" + (f"; {start}" if start else ""), remedy, facts)
    ms = max(r.elapsed_ms for r in results)
    control = run_canary(row.agent, row.spawns[0], project_dir=where.project, command=CONTROL)
    facts["control_blocked"] = control.blocks
    note = " (trust it in Codex: /hooks)" if row.agent == "codex" else ""
    if control.blocks:
        return Check(area, Status.WARN, f"enforcing, but it blocks every call, a harmless `{CONTROL}` too: "
                     f"{control.answer.detail} ({row.path})", "blastwall daemon status; blastwall explain", facts)
    client = {"c": " by the hook client in C", "python": " by the Python hook client"}.get(facts["client"], "")
    return Check(area, Status.OK, f"enforcing: {row.path}; the canary `{results[0].canary}` was blocked{client} in "
                 f"{ms:.0f} ms ({results[0].answer.detail[:120]}){note}", "", facts)


def _short(command: str | None, limit: int = 160) -> str:
    text = command or "?"
    return text if len(text) <= limit else text[:limit] + "..."


def _codex_features(home: str) -> list[Check]:
    import tomllib

    try:
        with open(os.path.join(home, ".codex", "config.toml"), "rb") as f:
            features = tomllib.load(f).get("features", {})
    except (OSError, ValueError):
        return []
    if isinstance(features, dict) and (features.get("hooks") is False or features.get("codex_hooks") is False):
        return [Check("hooks: codex", Status.MISSING, "~/.codex/config.toml turns hooks off ([features] hooks = false)",
                      "remove that line")]
    return []


# --- policy, keys, store -----------------------------------------------------------------------


def check_policy(where: Where) -> list[Check]:
    from pathlib import Path

    from blastwall.policy.load import policy_files, untrusted_entries
    from blastwall.policy.validate import validate_files

    try:
        files = policy_files(where.project)
        if not files:
            return [Check("policy", Status.OK, "no policy file: the built-in defaults apply")]
        problems = validate_files([Path(p) for p in files])
        untrusted = untrusted_entries(where.project)
    except Exception as exc:  # noqa: BLE001 - a report, not a decision
        return [Check("policy", Status.MISSING, f"cannot read the policy ({exc})", "blastwall policy check")]
    if problems:
        return [Check("policy", Status.MISSING, f"{len(problems)} problem(s): {problems[0]}", "blastwall policy check")]
    rows = [Check("policy", Status.OK, "valid: " + ", ".join(files))]
    if untrusted:
        rows.append(Check("policy: trust", Status.WARN, f"{untrusted[0]} is not trusted; {len(untrusted[1])} "
                          "loosening entr(ies) ignored", "blastwall policy trust (at your terminal), if you mean them"))
    return rows


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def check_keys(where: Where) -> list[Check]:
    from blastwall.approvals.keys import KeyError_, key_files, key_is_encrypted, read_public_file
    from blastwall.locations import keys_dir

    folder = keys_dir()
    pubs = key_files(folder)
    if not pubs:
        return [Check("approver keys", Status.WARN, f"none in {folder}: an approval request can only be approved "
                      "on the approval page", "blastwall keys init")]
    rows = []
    if _mode(folder) & 0o077:
        rows.append(Check("approver keys", Status.MISSING, f"{folder} is mode {_mode(folder):04o}; others can list it",
                          f"chmod 700 {shlex.quote(folder)}"))
    if os.access(folder, os.W_OK):
        rows.append(Check("approver keys: folder", Status.MISSING, f"{folder} can be written by this user: an agent "
                          "running as you can add its own public key, which blastwall then trusts for approvals",
                          "sudo blastwall install --system (keys live with the service user)"))
    for pub in pubs:
        name = os.path.basename(pub)[:-4]
        key = pub[:-4] + ".key"
        try:
            role = read_public_file(pub).role
        except KeyError_ as exc:
            rows.append(Check(f"key {name}", Status.WARN, str(exc), "remove or replace the file"))
            continue
        if not os.path.exists(key):
            rows.append(Check(f"key {name}", Status.OK, f"public key only ({role}): approvals from it are trusted"))
        elif _mode(key) & 0o077:
            rows.append(Check(f"key {name}", Status.MISSING, f"{key} is mode {_mode(key):04o}, not 0600",
                              f"chmod 600 {shlex.quote(key)}"))
        elif os.access(key, os.R_OK) and not key_is_encrypted(name, folder):
            rows.append(Check(f"key {name}", Status.MISSING, f"{key} ({role}) has no passphrase and this user can read "
                              "it: an agent running as you can sign its own approvals with it",
                              f"blastwall keys init --name {name} --force, with a passphrase; "
                              "sudo blastwall install --system"))
        elif os.access(key, os.R_OK):
            rows.append(Check(f"key {name}", Status.MISSING, f"{key} ({role}, 0600, with a passphrase) is readable by "
                              "this user: an agent running as you can copy it and guess the passphrase offline",
                              "sudo blastwall install --system (the service user alone reads keys)"))
        else:
            rows.append(Check(f"key {name}", Status.OK, f"{role} key, not readable by this user"))
    return rows


def check_store(where: Where) -> list[Check]:
    from blastwall.audit.log import verify
    from blastwall.locations import DATABASE_URL_VAR, default_database_url
    from blastwall.redact import redact
    from blastwall.store import open_store

    url = default_database_url()
    shown = redact(url)
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return [Check("store", Status.OK, f"{shown}: not created yet (created on first use)")]
    try:
        store = open_store(url)
        try:
            report = verify(store)
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - a report, not a decision
        return [Check("store", Status.MISSING, f"{shown}: {str(exc).splitlines()[0][:160]}",
                      f"check {DATABASE_URL_VAR} or the state folder")]
    if not report.ok:
        first = report.problems[0]
        return [Check("store", Status.OK, f"{shown}: reachable"),
                Check("audit chain", Status.MISSING, f"{len(report.problems)} problem(s); first: {first.message}",
                      "blastwall audit verify; keep the export, find out who changed the log")]
    return [Check("store", Status.OK, f"{shown}: reachable"),
            Check("audit chain", Status.OK, f"{report.entries} entries, verified")]


# --- sandbox, gateway, secrets, probes ---------------------------------------------------------


def check_sandbox(where: Where) -> list[Check]:
    from blastwall.doors.sandbox.probe import probe

    found = probe(net=True)
    if not found.ok:
        return [Check("sandbox", Status.WARN, found.error, "install bubblewrap / allow user namespaces to use "
                      "blastwall sandbox")]
    extra = " (with --unshare-user)" if found.flags else ""
    rows = [Check("sandbox", Status.OK, f"bubblewrap works here{extra}: blastwall sandbox -- AGENT")]
    try:
        with open("/proc/sys/dev/tty/legacy_tiocsti", encoding="ascii") as f:
            if f.read().strip() == "1":
                rows.append(Check("sandbox: terminal", Status.WARN, "the kernel lets a process push keystrokes into "
                                  "its terminal (TIOCSTI); an interactive sandboxed agent shares yours",
                                  "sysctl dev.tty.legacy_tiocsti=0"))
    except OSError:
        pass
    return rows


def check_gateway(where: Where) -> list[Check]:
    sock = os.environ.get("BLASTWALL_GATEWAY_SOCKET")
    if not sock:
        return [Check("gateway", Status.WARN, "not configured: API calls use whatever token the agent can reach",
                      "run blastwall gateway and set BLASTWALL_GATEWAY_SOCKET; see docs/sandbox.md")]
    try:
        if stat.S_ISSOCK(os.stat(sock).st_mode):
            return [Check("gateway", Status.OK, f"socket {sock}")]
    except OSError:
        pass
    return [Check("gateway", Status.WARN, f"BLASTWALL_GATEWAY_SOCKET={sock} is not a socket: is the gateway running?",
                  "start blastwall gateway")]


def check_secrets_list(where: Where) -> list[Check]:
    from blastwall.doors.sandbox.masks import scanner_list
    from blastwall.locations import state_dir

    path = os.path.join(state_dir(), "secrets.json")
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError:
        return [Check("secret scan", Status.WARN, f"no list at {path}: only secret files known by name are masked",
                      "run `blastwall secrets scan` in each project")]
    count = len(scanner_list(path, where.project))
    days = age / 86400
    if age > SCAN_MAX_AGE_S:
        return [Check("secret scan", Status.WARN, f"{count} file(s) listed, {days:.0f} days old", "scan again")]
    return [Check("secret scan", Status.OK, f"{count} file(s) listed, {days:.1f} days old")]


def check_postgres(where: Where) -> list[Check]:
    try:
        import psycopg

        rows = [Check("postgres probes", Status.OK, f"psycopg {psycopg.__version__}")]
    except Exception as exc:  # noqa: BLE001 - libpq missing and the like
        rows = [Check("postgres probes", Status.WARN, f"psycopg cannot load ({exc})", "pip install 'psycopg[binary]'")]
    if not shutil.which("pg_dump"):
        import glob

        if not glob.glob("/usr/lib/postgresql/*/bin/pg_dump"):
            rows.append(Check("postgres snapshots", Status.WARN, "pg_dump not found: no dump before destructive SQL",
                              "install the PostgreSQL client (apt-get install postgresql-client)"))
    return rows


def check_pg_proxy(where: Where) -> list[Check]:
    from blastwall.doors.pg_proxy.lanes import planes

    if "compiled" in planes():
        return [Check("pg-proxy data plane", Status.OK, "compiled (Bind/Execute/Sync and cached Queries bypass Python)")]
    return [Check("pg-proxy data plane", Status.WARN, "pure Python: the compiled plane was not built, so the "
                  "pg-proxy relays at about half pgbouncer's speed",
                  "install a C compiler and Python's headers, then reinstall blastwall")]


def _boundary(name: str) -> Callable[[Where], list[Check]]:
    """A check of doctor_boundary.py (imported when it runs: it imports this module)."""

    def run(where: Where) -> list[Check]:
        from blastwall import doctor_boundary

        return getattr(doctor_boundary, name)(where)  # type: ignore[no-any-return]

    return run


CHECKS: tuple[tuple[str, Callable[[Where], list[Check]]], ...] = (
    ("hooks", check_hooks),
    ("hook settings", _boundary("check_hook_settings")),
    ("daemon", _boundary("check_daemon")),
    ("sudo", _boundary("check_sudo")),
    ("policy", check_policy),
    ("boundary", _boundary("check_state")),
    ("keys", check_keys),
    ("store", check_store),
    ("sandbox", check_sandbox),
    ("run", lambda where: __import__("blastwall.doors.run.doctor_rows", fromlist=["check_run"]).check_run(where)),
    ("gateway", check_gateway),
    ("secrets", check_secrets_list),
    ("postgres", check_postgres),
    ("pg-proxy", check_pg_proxy),
)


def diagnose(project: str | None = None, home: str | None = None) -> list[Check]:
    where = Where(os.path.abspath(project or os.getcwd()), home or os.path.expanduser("~"))
    out: list[Check] = []
    for name, check in CHECKS:
        try:
            out += check(where)
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            out.append(Check(name, Status.WARN, f"could not check ({type(exc).__name__}: {exc})"))
    return out


# --- command -----------------------------------------------------------------------------------

_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.MISSING: "bold red"}


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
    directory: str | None = typer.Option(None, "--dir", help="Project folder (default: the current folder)."),
) -> None:
    """Report which protections are active on this machine and what is missing.

    Exit status: 0 when nothing is missing (warnings allowed), 1 otherwise.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    checks = diagnose(directory)
    missing = any(c.status is Status.MISSING for c in checks)
    if as_json:
        hooks = [c.facts for c in checks if c.facts and c.area.startswith("hooks: ")]
        print(json.dumps({"ok": not missing, "checks": [c.to_dict() for c in checks], "hooks": hooks},
                         ensure_ascii=False))
        raise typer.Exit(1 if missing else 0)
    table = Table(title="blastwall doctor", show_lines=False)
    for col in ("check", "status", "detail", "remedy"):
        table.add_column(col, overflow="fold")
    for c in checks:
        table.add_row(escape(c.area), f"[{_STYLE[c.status]}]{c.status.value}[/]", escape(c.detail), escape(c.remedy))
    console = Console()
    console.print(table)
    counts = {s: sum(c.status is s for c in checks) for s in Status}
    console.print(f"{counts[Status.OK]} ok, {counts[Status.WARN]} warn, {counts[Status.MISSING]} missing")
    raise typer.Exit(1 if missing else 0)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
