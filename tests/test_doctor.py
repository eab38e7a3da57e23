"""`blastwall doctor` against a home folder of the test's own (HOME, XDG folders, PATH)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from blastwall.doctor import Status, diagnose, register
from blastwall.doors.install import install


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("PATH", f"{home / 'bin'}:/usr/bin:/bin")
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.delenv("BLASTWALL_GATEWAY_SOCKET", raising=False)
    monkeypatch.setenv("BLASTWALL_DAEMON", "off")  # the canaries check in-process: no daemon left behind
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    return home


def _rows(home: Path, area: str) -> list[tuple[str, str]]:
    return [(c.status.value, c.detail) for c in diagnose(os.getcwd(), str(home)) if c.area.startswith(area)]


def _doctor(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command, so `doctor` is a subcommand
    result = CliRunner().invoke(app, ["doctor", *args], env={"COLUMNS": "500"})
    return result.exit_code, result.stdout


def test_an_agent_in_use_without_hooks_is_missing(home: Path) -> None:
    (home / ".claude").mkdir()
    assert _rows(home, "hooks: claude-code") == [("missing", "claude-code is on this machine but blastwall's hook "
                                                             "is not installed")]
    code, text = _doctor("--json")
    report = json.loads(text)
    assert code == 1 and report["ok"] is False
    row = next(r for r in report["checks"] if r["area"] == "hooks: claude-code")
    assert row["remedy"].startswith("blastwall install claude-code")


def test_installed_hooks_are_proved_per_scope_with_a_canary(home: Path) -> None:
    install("claude-code", scope="user", project_dir=os.getcwd(), home=home)
    install("gemini", scope="project", project_dir=os.getcwd())
    [(status, detail)] = _rows(home, "hooks: claude-code (user)")
    assert status in ("ok", "warn") and detail.startswith("enforcing")  # warn: blocks a harmless call too
    assert f"{home}/.claude/settings.json" in detail and "blastwall-canary-" in detail
    [(status, detail)] = _rows(home, "hooks: gemini (project)")
    assert status in ("ok", "warn") and detail.startswith("enforcing")
    assert f"{os.getcwd()}/.gemini/settings.json" in detail


def test_a_neutered_hook_is_not_enforcing_and_is_named(home: Path) -> None:
    install("claude-code", scope="project", project_dir=os.getcwd())
    install("codex", scope="user", project_dir=os.getcwd(), home=home)
    path = Path(".claude/settings.json")
    doc = json.loads(path.read_text())
    doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = "true blastwall hook claude-code --timeout 30"
    path.write_text(json.dumps(doc))
    code, text = _doctor("--json")
    report = json.loads(text)
    assert code == 1 and report["ok"] is False
    row = next(r for r in report["checks"] if r["area"] == "hooks: claude-code (project)")
    assert row["status"] == "missing" and row["detail"].startswith("NOT enforcing")
    assert str(path.resolve()) in row["detail"] and "true blastwall hook claude-code" in row["detail"]
    assert row["remedy"] == "blastwall install claude-code"
    facts = next(h for h in report["hooks"] if h["agent"] == "claude-code")
    assert facts["enforcing"] is False and facts["canary"][0]["decision"] == "allow"
    codex = next(h for h in report["hooks"] if h["agent"] == "codex")  # the other hook is still proved
    assert codex["enforcing"] is True and codex["scope"] == "user"
    plain_code, plain = _doctor()
    assert plain_code == 1 and "hooks: claude-code (project)" in plain and "NOT enforcing" in plain


def test_json_shape(home: Path) -> None:
    install("cursor", scope="project", project_dir=os.getcwd())
    code, text = _doctor("--json")
    report = json.loads(text)
    assert set(report) == {"ok", "checks", "hooks"} and code in (0, 1) and report["ok"] is (code == 0)
    for row in report["checks"]:
        assert {"area", "status", "detail", "remedy"} <= set(row) and row["status"] in ("ok", "warn", "missing")
    [facts] = report["hooks"]
    assert set(facts) >= {"agent", "scope", "path", "command", "enforcing", "canary"}
    assert facts["enforcing"] is True and sys.executable in facts["command"]  # the interpreter, or the C client's fallback
    assert facts["client"] in ("c", "python")
    [run] = facts["canary"]
    assert run["blocks"] is True and run["canary"].startswith("mkfs.ext4 /dev/blastwall-canary-") and run["ms"] > 0


def test_weaknesses_that_let_an_agent_undo_protection(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install("claude-code", scope="user", project_dir=os.getcwd(), home=home)
    areas = {c.area: c for c in diagnose(os.getcwd(), str(home))}
    settings = areas["hook settings: claude-code (user)"]
    assert settings.status is Status.MISSING and "can be edited by this user" in settings.detail
    assert "install --system" in settings.remedy and "managed-settings.json" in settings.remedy
    for what in ("trusted policy", "config folder", "keys folder"):
        assert areas[f"boundary: {what}"].status is Status.MISSING
    daemon = areas["daemon"]  # BLASTWALL_DAEMON=off: a note, not a failure (unless system mode answers)
    assert daemon.status in (Status.WARN, Status.OK) or "runs as this user" in daemon.detail
    root = areas.get("boundary: root") or areas["boundary: sudo"]
    assert (root.status is Status.MISSING) == (os.geteuid() == 0 or "succeeds" in root.detail)


def test_passwordless_sudo_is_missing(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall import doctor_boundary

    sudo = home / "bin" / "sudo"
    sudo.write_text("#!/bin/sh\nexit 0\n")
    sudo.chmod(0o755)
    monkeypatch.setattr(doctor_boundary.os, "geteuid", lambda: 1000)
    [row] = doctor_boundary.check_sudo(doctor_boundary.Where(os.getcwd(), str(home)))
    assert row.status is Status.MISSING and "`sudo -n true` succeeds" in row.detail
    sudo.write_text("#!/bin/sh\nexit 1\n")
    [row] = doctor_boundary.check_sudo(doctor_boundary.Where(os.getcwd(), str(home)))
    assert row.status is Status.OK


def test_a_daemon_running_as_the_agents_user_is_missing(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall import doctor_boundary

    where = doctor_boundary.Where(os.getcwd(), str(home))
    fake = {"running": True, "uid": os.getuid(), "pid": 42, "mode": "user", "socket": "/tmp/x.sock", "enabled": True}
    monkeypatch.setattr("blastwall.cli.daemon.describe", lambda env: fake)
    [row] = doctor_boundary.check_daemon(where)
    assert row.status is Status.MISSING and "runs as this user" in row.detail
    monkeypatch.setattr("blastwall.cli.daemon.describe", lambda env: {**fake, "uid": os.getuid() + 1})
    assert doctor_boundary.check_daemon(where)[0].status is Status.OK
    monkeypatch.setattr("blastwall.cli.daemon.describe", lambda env: {"running": False, "enabled": True, "mode": "user"})
    assert doctor_boundary.check_daemon(where)[0].status is Status.WARN  # a note, not a failure


def test_a_hook_whose_program_is_gone_is_missing(home: Path) -> None:
    install("codex", scope="user", project_dir=os.getcwd(), home=home, command=str(home / "gone" / "blastwall"))
    status, detail = _rows(home, "hooks: codex")[0]
    assert status == "missing" and "gone/blastwall" in detail and "NOT enforcing" in detail


def test_no_agent_at_all_is_missing(home: Path) -> None:
    assert _rows(home, "hooks") == [("missing", "no agent has blastwall's hook, and no known agent was found")]


def test_private_key_permissions(home: Path) -> None:
    from blastwall.approvals.keys import generate
    from blastwall.locations import keys_dir

    assert _rows(home, "approver keys")[0][0] == "warn"
    generate("alice", b"pw")
    [(status, detail)] = _rows(home, "key alice")  # readable by the agent's user in user-level mode
    assert status == "missing" and "with a passphrase" in detail and "readable by this user" in detail
    generate("bob", None)
    [(status, detail)] = _rows(home, "key bob")
    assert status == "missing" and "no passphrase" in detail and "sign its own approvals" in detail
    os.chmod(os.path.join(keys_dir(), "alice.key"), 0o644)
    assert _rows(home, "key alice")[0][0] == "missing"


def test_store_and_audit_chain(home: Path) -> None:
    from blastwall.audit.log import record
    from blastwall.store import open_store

    assert _rows(home, "store")[0][1].endswith("not created yet (created on first use)")
    store = open_store()
    record(store, "verdict", None, {"decision": "allow"})
    store.close()
    assert _rows(home, "audit chain") == [("ok", "1 entries, verified")]


def test_policy_and_secret_scan(home: Path, tmp_path: Path) -> None:
    assert _rows(home, "policy") == [("ok", "no policy file: the built-in defaults apply")]
    Path("blastwall.toml").write_text("[[rule]]\nid = 'x'\n")
    assert _rows(home, "policy")[0][0] == "missing"
    assert _rows(home, "secret scan")[0][0] == "warn"
    listed = tmp_path / "state" / "blastwall" / "secrets.json"
    listed.parent.mkdir(parents=True)
    listed.write_text(json.dumps({"version": 1, "files": {"/p/.env": {}}}))
    assert _rows(home, "secret scan")[0][0] == "ok"


def test_every_check_has_a_status_and_the_table_renders(home: Path) -> None:
    checks = diagnose(os.getcwd(), str(home))
    assert {c.status for c in checks} <= set(Status)
    assert all(c.remedy for c in checks if c.status is Status.MISSING)
    code, text = _doctor()
    assert "blastwall doctor" in text and "missing" in text and code == 1


def test_the_pg_proxy_data_plane_is_reported(home: Path) -> None:
    from blastwall.doors.pg_proxy.lanes import planes

    [row] = [c for c in diagnose(str(home)) if c.area == "pg-proxy data plane"]
    assert row.status is (Status.OK if "compiled" in planes() else Status.WARN)
    assert row.detail.startswith("compiled") == ("compiled" in planes())
