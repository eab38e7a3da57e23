"""`blastwall install <agent>`: idempotent, keeps foreign settings, backs up, refuses what it cannot parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blastwall.doors.hooks import AGENTS
from blastwall.doors.install import (
    CLAUDE_MATCHER,
    CODEX_MATCHER,
    GEMINI_MATCHER,
    PLUGIN_MARKER,
    config_path,
    hook_command,
    install,
)

CMD = "/opt/bw/bin/blastwall"
JSON_AGENTS = ("claude-code", "cursor", "gemini", "codex")


def read(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".blastwall-bak-*"))


def ours(doc: dict) -> list[dict]:
    """Every blastwall handler in a config document."""
    found = []
    for entries in doc.get("hooks", {}).values():
        for entry in entries:
            for h in entry.get("hooks", [entry]):
                if "blastwall hook" in h.get("command", ""):
                    found.append(h)
    return found


@pytest.mark.parametrize("agent", AGENTS)
def test_fresh_install_then_idempotent(agent: str, tmp_path: Path):
    first = install(agent, project_dir=tmp_path, command=CMD)
    path = tmp_path / config_path(agent, "project")
    assert first.changed and first.path == str(path) and first.backup is None and path.exists()
    before = path.read_bytes()
    second = install(agent, project_dir=tmp_path, command=CMD)
    assert not second.changed and second.backup is None
    assert path.read_bytes() == before
    assert not backups(path)
    assert f"{CMD} hook {agent}" in path.read_text()


def test_claude_code_entry(tmp_path: Path):
    install("claude-code", project_dir=tmp_path, command=CMD)
    doc = read(tmp_path / ".claude/settings.json")
    assert doc["hooks"]["PreToolUse"] == [{"matcher": CLAUDE_MATCHER, "hooks": [
        {"type": "command", "command": f"{CMD} hook claude-code", "timeout": 30}]}]
    for tool in ("Bash", "Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "mcp__"):
        assert tool in CLAUDE_MATCHER


def test_cursor_entry(tmp_path: Path):
    install("cursor", project_dir=tmp_path, command=CMD)
    doc = read(tmp_path / ".cursor/hooks.json")
    assert doc["version"] == 1
    for event in ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile"):
        assert doc["hooks"][event] == [{"command": f"{CMD} hook cursor", "timeout": 30, "failClosed": True}]


def test_gemini_entry_timeout_is_milliseconds(tmp_path: Path):
    install("gemini", project_dir=tmp_path, command=CMD)
    (group,) = read(tmp_path / ".gemini/settings.json")["hooks"]["BeforeTool"]
    assert group["matcher"] == GEMINI_MATCHER
    assert group["hooks"] == [{"name": "blastwall", "type": "command", "command": f"{CMD} hook gemini", "timeout": 30000}]


def test_codex_entry_and_trust_note(tmp_path: Path):
    report = install("codex", project_dir=tmp_path, command=CMD)
    (group,) = read(tmp_path / ".codex/hooks.json")["hooks"]["PreToolUse"]
    assert group["matcher"] == CODEX_MATCHER == "Bash|apply_patch|mcp__.*"
    assert "/hooks" in report.message


def test_opencode_plugin_has_the_command(tmp_path: Path):
    install("opencode", project_dir=tmp_path, command=CMD)
    text = (tmp_path / ".opencode/plugin/blastwall.js").read_text()
    assert PLUGIN_MARKER in text and json.dumps(f"{CMD} hook opencode") in text
    assert "__BLASTWALL_COMMAND__" not in text and "tool.execute.before" in text


FOREIGN = {
    "claude-code": {"model": "opus", "permissions": {"deny": ["Bash(curl:*)"]}, "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/local/bin/lint-guard"}]}],
        "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "prettier --write"}]}]}},
    "cursor": {"version": 1, "hooks": {"beforeShellExecution": [{"command": "./hooks/audit.sh"}],
                                       "afterFileEdit": [{"command": "./hooks/format.sh"}]}},
    "gemini": {"theme": "GitHub", "hooksConfig": {"enabled": True}, "hooks": {
        "BeforeTool": [{"matcher": "write_file", "hooks": [{"name": "fmt", "type": "command", "command": "fmt-check", "timeout": 5000}]}]}},
    "codex": {"hooks": {"PreToolUse": [{"matcher": "^Bash$", "hooks": [{"type": "command", "command": "audit --codex"}]}],
                        "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}},
}


@pytest.mark.parametrize("agent", JSON_AGENTS)
def test_preserves_foreign_settings_backs_up_and_uninstalls_only_ours(agent: str, tmp_path: Path):
    path = tmp_path / config_path(agent, "project")
    path.parent.mkdir(parents=True)
    original_text = json.dumps(FOREIGN[agent], indent=4)
    path.write_text(original_text)

    report = install(agent, project_dir=tmp_path, command=CMD)
    assert report.changed and report.backup
    assert Path(report.backup).read_text() == original_text
    doc = read(path)
    assert len(ours(doc)) == (3 if agent == "cursor" else 1)
    for key, value in FOREIGN[agent].items():
        if key != "hooks":
            assert doc[key] == value
    for event, entries in FOREIGN[agent]["hooks"].items():
        for entry in entries:
            assert entry in doc["hooks"][event]  # every foreign hook survives untouched

    assert not install(agent, project_dir=tmp_path, command=CMD).changed

    removed = install(agent, project_dir=tmp_path, command=CMD, uninstall=True)
    assert removed.changed and removed.backup
    assert read(path) == FOREIGN[agent]
    assert not install(agent, project_dir=tmp_path, command=CMD, uninstall=True).changed


@pytest.mark.parametrize("agent", JSON_AGENTS)
def test_reinstall_with_a_new_command_replaces_ours_in_place(agent: str, tmp_path: Path):
    path = tmp_path / config_path(agent, "project")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(FOREIGN[agent]))
    install(agent, project_dir=tmp_path, command=CMD)
    install(agent, project_dir=tmp_path, command="/new/blastwall")
    doc = read(path)
    commands = [h["command"] for h in ours(doc)]
    assert commands and all(c == f"/new/blastwall hook {agent}" for c in commands)


def test_uninstall_keeps_foreign_hooks_in_a_shared_group(tmp_path: Path):
    path = tmp_path / ".claude/settings.json"
    path.parent.mkdir(parents=True)
    shared = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "other-guard"}, {"type": "command", "command": "blastwall hook claude-code"}]}]}}
    path.write_text(json.dumps(shared))
    install("claude-code", project_dir=tmp_path, uninstall=True)
    assert read(path) == {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "other-guard"}]}]}}


@pytest.mark.parametrize("agent", JSON_AGENTS)
@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"hooks": []}', '{"hooks": {"PreToolUse": {}, "BeforeTool": {}, '
                                  '"beforeShellExecution": {}, "beforeMCPExecution": {}, "beforeReadFile": {}}}'])
def test_unparseable_file_is_refused_untouched(agent: str, text: str, tmp_path: Path):
    path = tmp_path / config_path(agent, "project")
    path.parent.mkdir(parents=True)
    path.write_text(text)
    for uninstall in (False, True):
        with pytest.raises(ValueError, match="did not touch|fix or move"):
            install(agent, project_dir=tmp_path, command=CMD, uninstall=uninstall)
    assert path.read_text() == text
    assert not backups(path)


def test_opencode_refuses_a_foreign_plugin_file(tmp_path: Path):
    path = tmp_path / ".opencode/plugin/blastwall.js"
    path.parent.mkdir(parents=True)
    path.write_text("export const Mine = async () => ({})\n")
    for uninstall in (False, True):
        with pytest.raises(ValueError, match="not written by blastwall"):
            install("opencode", project_dir=tmp_path, uninstall=uninstall)
    assert path.read_text() == "export const Mine = async () => ({})\n"


def test_opencode_update_backs_up_and_uninstall_removes_only_the_plugin(tmp_path: Path):
    other = tmp_path / ".opencode/plugin/other.js"
    other.parent.mkdir(parents=True)
    other.write_text("export const Other = async () => ({})\n")
    install("opencode", project_dir=tmp_path, command=CMD)
    updated = install("opencode", project_dir=tmp_path, command="/new/blastwall")
    assert updated.changed and updated.backup and Path(updated.backup).exists()
    removed = install("opencode", project_dir=tmp_path, uninstall=True)
    assert removed.changed and not (tmp_path / ".opencode/plugin/blastwall.js").exists()
    assert other.exists()
    assert not install("opencode", project_dir=tmp_path, uninstall=True).changed


@pytest.mark.parametrize("agent", AGENTS)
def test_user_scope_writes_under_home(agent: str, tmp_path: Path):
    home, project = tmp_path / "home", tmp_path / "project"
    project.mkdir()
    report = install(agent, scope="user", project_dir=project, home=home, command=CMD)
    expected = {
        "claude-code": ".claude/settings.json", "cursor": ".cursor/hooks.json", "gemini": ".gemini/settings.json",
        "codex": ".codex/hooks.json", "opencode": ".config/opencode/plugin/blastwall.js",
    }[agent]
    assert report.path == str(home / expected) and (home / expected).exists()
    assert list(project.iterdir()) == []


def test_default_command_and_overrides(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("shutil.which", lambda name: "/usr/local/my tools/blastwall")
    assert hook_command("codex") == "'/usr/local/my tools/blastwall' hook codex"
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert hook_command("codex") == "blastwall hook codex"
    assert hook_command("cursor", "python -m blastwall") == "python -m blastwall hook cursor"
    assert hook_command("cursor", "uvx blastwall hook cursor") == "uvx blastwall hook cursor"


def test_bad_agent_and_scope():
    with pytest.raises(ValueError, match="unknown agent"):
        install("windsurf", project_dir=".")
    with pytest.raises(ValueError, match="unknown scope"):
        install("codex", scope="system", project_dir=".")


def test_file_mode_is_kept(tmp_path: Path):
    path = tmp_path / ".claude/settings.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    path.chmod(0o600)
    install("claude-code", project_dir=tmp_path, command=CMD)
    assert path.stat().st_mode & 0o777 == 0o600
