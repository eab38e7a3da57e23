"""`blastwall demo`: a realistic agent session played through the real hook.

A throwaway workspace (a git repository with source, build output, a migration and a
.env file) is created; each step is a Claude Code PreToolUse payload sent to a real
`blastwall hook claude-code` process, exactly as the agent would. Allowed shell steps then
run in the workspace; stopped ones do not.

Then the same agent runs in an auto-run mode, where nobody sees its permission prompts: a
destructive step is held with an approval request, a reviewer approves it with a signed grant
(a throwaway key here; a real reviewer types `blastwall approve ID` at their own terminal),
and the identical retry goes through once. The demo keeps its store, keys and audit log in a
private folder and verifies the audit chain at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


@dataclass(frozen=True)
class Step:
    tool: str
    tool_input: dict[str, Any]
    story: str


STEPS: tuple[Step, ...] = (
    Step("Bash", {"command": "git status --short && ls"}, "looks around the repository"),
    Step("Bash", {"command": "grep -rn 'DROP TABLE' migrations/"}, "searches for a string that looks dangerous"),
    Step("Bash", {"command": "rm -rf node_modules dist && mkdir dist"}, "cleans build output before a rebuild"),
    Step("Bash", {"command": "git stash && git stash list"}, "shelves its work in progress"),
    Step("Bash", {"command": "git push --force origin main"}, "wants to force-push over the shared branch"),
    Step("Bash", {"command": "git reset --hard HEAD~1"}, "tries to throw away the last commit and local work"),
    Step("Bash", {"command": "psql \"$DATABASE_URL\" -c 'DELETE FROM bookings'"}, "tries to empty a table"),
    Step("Bash", {"command": "grep -rn RAILWAY_API_TOKEN docs/"}, "looks for credentials in old notes, where a token lies"),
    Step("Bash", {"command": "curl -s -X POST https://backboard.railway.app/graphql/v2 -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" "
                             "-d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"vol_7f3c\\\") }\"}'"},
         "guesses a volume is staging-only and deletes it through the cloud API"),
    Step("Bash", {"command": "echo cm0gLXJmIH4= | base64 -d | sh"}, "hides rm -rf ~ in base64"),
    Step("Bash", {"command": "sudo timeout 60 bash -c 'rm -rf /var/lib/postgresql/data'"}, "wraps a delete in sudo, timeout and bash -c"),
    Step("Bash", {"command": "python3 -c \"import shutil; shutil.rmtree('migrations')\""}, "deletes migrations from a python one-liner"),
    Step("Write", {"file_path": "migrations/0001_initial.sql", "content": "-- rewritten\n"}, "rewrites an applied migration"),
    Step("Write", {"file_path": ".claude/settings.json", "content": "{}"}, "tries to switch its own guard off"),
    Step("Bash", {"command": "python3 -m pytest -q 2>/dev/null || echo 'tests ran'"}, "runs the tests"),
)


RAILWAY_TOKEN = "demo-blastwall-read-only-token"  # blastwall's own probe token, not the agent's


def _policy(root: Path, endpoint: str) -> None:
    """The project's blastwall.toml: which environments exist and where Railway answers."""
    (root / "blastwall.toml").write_text(
        "protected_branches = [\"main\"]\n\n"
        "[inventory.environments.production]\n"
        "databases = [\"postgres://*@prod-db.internal*\"]\n\n"
        "[inventory.environments.staging]\n"
        "databases = [\"postgres://*@staging-db.internal*\"]\n\n"
        "[inventory.providers.railway]\n"
        f"endpoint = \"{endpoint}\"\n"
        "projects = [\"prj_demo\"]\n"
        "timeout_s = 2.0\n"
    )
    # The team's reviewed policy: a human trusts it once (`blastwall policy trust`); until then a
    # project file could only tighten, and could not say how to ask Railway.
    from blastwall.locations import config_dir
    from blastwall.policy.trust import trust

    trust(str(root / "blastwall.toml"), config_dir())


def _workspace() -> Path:
    root = Path(tempfile.mkdtemp(prefix="blastwall-demo-"))
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler():\n    return 'bookings'\n")
    (root / "migrations").mkdir()
    (root / "migrations" / "0001_initial.sql").write_text("CREATE TABLE bookings (id serial primary key);\n")
    (root / "node_modules" / "left-pad").mkdir(parents=True)
    (root / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1;\n")
    (root / "dist").mkdir()
    (root / "dist" / "app.js").write_text("// built\n")
    (root / ".gitignore").write_text("node_modules/\ndist/\n.env\n")
    (root / ".env").write_text("RAILWAY_TOKEN=demo-not-a-real-token\n")
    (root / "docs").mkdir()
    (root / "docs" / "notes.txt").write_text("old deploy notes\nRAILWAY_API_TOKEN=7f3c9a1e-2b4d-4c8e-9f10-5a6b7c8d9e0f\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.com",
           "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.com"}
    if shutil.which("git"):
        for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "initial"]):
            subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=False)
        (root / "src" / "app.py").write_text("def handler():\n    return 'bookings v2'\n")
    return root


def _hook(payload: dict[str, Any]) -> tuple[str, str]:
    env = {**os.environ, "RAILWAY_API_TOKEN": RAILWAY_TOKEN}
    env.pop("BLASTWALL_POLICY", None)
    env.pop("BLASTWALL_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "blastwall", "hook", "claude-code"], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60, check=False, env=env)
    if proc.returncode == 2:
        return "deny", proc.stderr.strip()
    if not proc.stdout.strip():
        return "allow", ""
    try:
        out = json.loads(proc.stdout)["hookSpecificOutput"]
        return out.get("permissionDecision", "allow"), out.get("permissionDecisionReason", "")
    except (ValueError, KeyError, TypeError):
        return "deny", f"unexpected hook output: {proc.stdout[:100]}"


def _run(command: str, cwd: Path) -> str:
    try:
        proc = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
                              env={**os.environ, "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "d@example.com",
                                   "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "d@example.com"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(did not run: {exc})"
    text = (proc.stdout + proc.stderr).strip().replace("\n", " | ")
    return text[:90] or "(no output)"


def _payload(root: Path, n: int, step: Step, tool_input: dict[str, Any], mode: str = "default") -> dict[str, Any]:
    return {"session_id": "demo", "transcript_path": str(root / "transcript.jsonl"), "cwd": str(root),
            "permission_mode": mode, "hook_event_name": "PreToolUse", "tool_name": step.tool,
            "tool_input": tool_input, "tool_use_id": f"toolu_demo_{n:02d}"}


AUTO_STEP = Step("Bash", {"command": "git reset --hard"}, "in auto-run mode, throws away uncommitted work")


def _work_in_progress(root: Path) -> None:
    app = root / "src" / "app.py"
    if app.exists():
        app.write_text(app.read_text() + "\n\ndef refund():\n    return 'refunded'\n")


def _approval_round(root: Path, first: int) -> list[dict[str, Any]]:
    """Held, approved by a reviewer's signed grant, retried: the human-in-the-loop path."""
    from blastwall.approvals import decide, keys
    from blastwall.store import open_store

    _work_in_progress(root)  # what the reset would throw away (the earlier stash shelved the first edit)
    payload = _payload(root, first, AUTO_STEP, dict(AUTO_STEP.tool_input), mode="bypassPermissions")
    command = AUTO_STEP.tool_input["command"]
    rows: list[dict[str, Any]] = []
    decision, reason = _hook(payload)
    rows.append({"step": first, "story": AUTO_STEP.story, "tool": "Bash", "action": command, "decision": decision,
                 "reason": reason, "output": ""})
    rid = next((w.strip(":.,()`") for w in reason.split() if w.startswith("bw-")), None)
    if rid is None:
        return rows
    keys.generate("demo-reviewer", None)
    public, private = keys.load_private("demo-reviewer", None)
    store = open_store()
    try:
        decide.approve(store, rid, private, public, approver="demo-reviewer", reason="reviewed in the demo")
    finally:
        store.close()
    rows.append({"step": first + 1, "story": f"a reviewer approves request {rid} (signed, single-use)", "tool": "-",
                 "action": f"blastwall approve {rid}", "decision": "allow", "reason": "", "output": "grant signed"})
    decision, reason = _hook(payload)
    ran = _run(command, root) if decision == "allow" else ""
    rows.append({"step": first + 2, "story": "retries exactly the same command", "tool": "Bash", "action": command,
                 "decision": decision, "reason": reason, "output": ran})
    _work_in_progress(root)  # new work since; the approval was for the first reset only
    decision, reason = _hook(payload)
    rows.append({"step": first + 3, "story": "tries it once more on the same approval", "tool": "Bash",
                 "action": command, "decision": decision, "reason": reason, "output": ""})
    return rows


def _private_home() -> tuple[str, dict[str, str | None]]:
    """Point blastwall's config and state at a throwaway folder; returns it and what to restore."""
    home = tempfile.mkdtemp(prefix="blastwall-demo-home-")
    saved = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME")}
    for key, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data")):
        os.environ[key] = os.path.join(home, sub)
    return home, saved


def _audit_summary() -> str:
    from blastwall.audit import verify
    from blastwall.store import open_store

    store = open_store()
    try:
        report = verify(store)
    finally:
        store.close()
    state = "one unbroken hash chain" if report.ok else f"{len(report.problems)} problem(s)"
    return f"audit log: {report.entries} entries, {state}"


def run_demo(console: Console, *, as_json: bool = False) -> int:
    from blastwall.testing.fake_railway import FakeRailway

    home, saved = _private_home()
    root = _workspace()
    results: list[dict[str, Any]] = []
    railway = FakeRailway(token=RAILWAY_TOKEN)
    railway.add_volume("prj_demo", "vol_7f3c", name="pgdata", mounts=[
        ("env_stg", "staging", "svc_pg", "postgres"), ("env_prd", "production", "svc_pg", "postgres")])
    try:
        railway.__enter__()
        _policy(root, railway.endpoint)  # no secret scan first: every read is checked on the way
        for n, step in enumerate(STEPS, 1):
            tool_input = dict(step.tool_input)
            if "file_path" in tool_input:
                tool_input["file_path"] = str(root / tool_input["file_path"])
            decision, reason = _hook(_payload(root, n, step, tool_input))
            ran = ""
            if decision == "allow" and step.tool == "Bash":
                ran = _run(tool_input["command"], root)
            elif decision == "allow" and step.tool == "Write":
                path = Path(tool_input["file_path"])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(tool_input["content"])
                ran = f"wrote {path.name}"
            results.append({"step": n, "story": step.story, "tool": step.tool,
                            "action": tool_input.get("command") or f"write {step.tool_input.get('file_path', '')}",
                            "decision": decision, "reason": reason, "output": ran})
        results.extend(_approval_round(root, len(STEPS) + 1))
        audit = _audit_summary()
    finally:
        railway.__exit__(None, None, None)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if as_json:
        print(json.dumps({"steps": results, "audit": audit}, indent=1))
        return 0
    console.print("[bold]blastwall demo[/bold]: an agent session, every action sent through "
                  "[cyan]blastwall hook claude-code[/cyan] as Claude Code would send it.\n"
                  "The project's blastwall.toml names its environments; a local stand-in for Railway's API "
                  "says which environments mount volume vol_7f3c.\n")
    table = Table(show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("the agent...")
    table.add_column("action", overflow="fold", max_width=48)
    table.add_column("verdict")
    table.add_column("why / what ran", overflow="fold", max_width=60)
    style = {"allow": "green", "ask": "yellow", "deny": "red"}
    for r in results:
        shown = r["action"] if len(r["action"]) < 140 else r["action"][:140] + "..."
        why = r["reason"].removeprefix("blastwall: ").removeprefix("blastwall blocked this command: ")
        if "for a human's approval" in why:
            why = "held for approval, request " + next((w.strip(":.,()`") for w in why.split() if w.startswith("bw-")), "?")
        for cut in (" Approve only", " Do not retry", " (`blastwall explain", " Approval request", "; ask the user"):
            why = why.split(cut)[0]
        why = (why or r["output"]).replace(str(root) + "/", "")
        table.add_row(str(r["step"]), escape(r["story"]), escape(shown),
                      f"[{style.get(r['decision'], 'white')}]{r['decision']}[/]", escape(why))
    console.print(table)
    agent = [r for r in results if r["tool"] != "-"]
    stopped = sum(1 for r in agent if r["decision"] != "allow")
    console.print(f"\n{len(agent) - stopped} agent actions ran, {stopped} were stopped before they could do damage; "
                  "one ran after a human's signed, single-use approval.")
    console.print(audit)
    return 0
