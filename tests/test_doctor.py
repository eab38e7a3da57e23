"""`blastwall doctor` against a home folder of the test's own (HOME, XDG folders, PATH)."""

from __future__ import annotations

import json
import os
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
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    return home


def _rows(home: Path, area: str) -> list[tuple[str, str]]:
    return [(c.status.value, c.detail) for c in diagnose(os.getcwd(), str(home)) if c.area.startswith(area)]


def _doctor(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command, so `doctor` is a subcommand
    result = CliRunner().invoke(app, ["doctor", *args])
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


def test_installed_hooks_are_reported_per_scope(home: Path) -> None:
    (home / ".claude").mkdir()
    exe = home / "bin" / "blastwall"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    install("claude-code", scope="user", project_dir=os.getcwd(), home=home, command=str(exe))
    install("gemini", scope="project", project_dir=os.getcwd(), command=str(exe))
    assert _rows(home, "hooks: claude-code") == [("ok", f"installed (user: {home}/.claude/settings.json)")]
    assert _rows(home, "hooks: gemini") == [("ok", f"installed (project: {os.getcwd()}/.gemini/settings.json)")]
    code, text = _doctor("--json")
    assert not [r for r in json.loads(text)["checks"] if r["area"].startswith("hooks") and r["status"] != "ok"]


def test_a_hook_whose_program_is_gone_is_missing(home: Path) -> None:
    install("codex", scope="user", project_dir=os.getcwd(), home=home, command=str(home / "gone" / "blastwall"))
    status, detail = _rows(home, "hooks: codex")[0]
    assert status == "missing" and "gone/blastwall" in detail


def test_no_agent_at_all_is_missing(home: Path) -> None:
    assert _rows(home, "hooks") == [("missing", "no agent has blastwall's hook, and no known agent was found")]


def test_private_key_permissions(home: Path) -> None:
    from blastwall.approvals.keys import generate
    from blastwall.locations import keys_dir

    assert _rows(home, "approver keys")[0][0] == "warn"
    generate("alice", b"pw")
    assert _rows(home, "key alice") == [("ok", "approver key, 0600")]
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
