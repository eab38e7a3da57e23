"""`blastwall install <agent>`: idempotent, keeps foreign settings, backs up, refuses what it cannot parse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import shlex

import pytest

import blastwall
from blastwall.doors.hook_command import bootstrap_of, client_program, hook_argv, plugin_argv, shell_command, start_problem
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
        {"type": "command", "command": f"{CMD} hook claude-code --timeout 30", "timeout": 30}]}]
    for tool in ("Bash", "Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "mcp__"):
        assert tool in CLAUDE_MATCHER


def test_cursor_entry(tmp_path: Path):
    install("cursor", project_dir=tmp_path, command=CMD)
    doc = read(tmp_path / ".cursor/hooks.json")
    assert doc["version"] == 1
    for event in ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile"):
        assert doc["hooks"][event] == [{"command": f"{CMD} hook cursor --timeout 30", "timeout": 30, "failClosed": True}]


def test_gemini_entry_timeout_is_milliseconds(tmp_path: Path):
    install("gemini", project_dir=tmp_path, command=CMD)
    (group,) = read(tmp_path / ".gemini/settings.json")["hooks"]["BeforeTool"]
    assert group["matcher"] == GEMINI_MATCHER
    assert group["hooks"] == [{"name": "blastwall", "type": "command", "command": f"{CMD} hook gemini --timeout 30",
                               "timeout": 30000}]


def test_codex_entry_and_trust_note(tmp_path: Path):
    report = install("codex", project_dir=tmp_path, command=CMD)
    (group,) = read(tmp_path / ".codex/hooks.json")["hooks"]["PreToolUse"]
    assert group["matcher"] == CODEX_MATCHER == "Bash|apply_patch|mcp__.*"
    assert "/hooks" in report.message


def test_opencode_plugin_has_the_command(tmp_path: Path):
    install("opencode", project_dir=tmp_path, command=CMD)
    text = (tmp_path / ".opencode/plugin/blastwall.js").read_text()
    assert PLUGIN_MARKER in text and json.dumps(f"{CMD} hook opencode --timeout 30") in text
    assert "const TIMEOUT_MS = 30000;" in text
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
    assert commands and all(c == f"/new/blastwall hook {agent} --timeout 30" for c in commands)


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


def test_default_command_and_overrides():
    words = shlex.split(hook_command("codex"))
    client = client_program(str(Path(blastwall.__file__).resolve().parents[1]))
    if client is not None:  # built (setup.py, a C compiler): the default is the hook client in C
        assert words[0] == client and words[1] == sys.executable and words[-4:] == ["--", "codex", "--timeout", "30"]
    else:
        assert words[0] == sys.executable and words[1:4] == ["-I", "-S", "-c"]
    assert os.path.isabs(words[0]) and words[-3:] == ["codex", "--timeout", "30"]
    for form in ([hook_argv("codex", 30, form="python")] + ([hook_argv("codex", 30, form="c")] if client else [])):
        boot = bootstrap_of(form)
        assert boot is not None and boot.python == sys.executable
        assert boot.paths[0] == str(Path(blastwall.__file__).resolve().parents[1])  # the folder holding the package
        assert all(os.path.isdir(p) for p in boot.paths)
    assert hook_argv("codex", 30, form="python")[1:4] == ["-I", "-S", "-c"]
    assert shell_command(hook_argv("codex", 30)) == hook_command("codex")
    assert hook_command("cursor", "python -m blastwall") == "python -m blastwall hook cursor --timeout 30"
    assert hook_command("cursor", "uvx blastwall hook cursor") == "uvx blastwall hook cursor --timeout 30"
    assert hook_command("cursor", "uvx blastwall hook cursor --timeout 9", 120) == "uvx blastwall hook cursor --timeout 120"
    assert hook_command("cursor", "uvx blastwall hook cursor --timeout=9", 45) == "uvx blastwall hook cursor --timeout 45"
    wrapped = "sh -c 'blastwall hook cursor --timeout 9'"  # a wrapper blastwall cannot edit: used as given
    assert hook_command("cursor", wrapped, 120) == wrapped


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


# --- the hook timeout (`--timeout`): each agent's own field, in its own unit, and the command ---------

UNIT = {"claude-code": 1, "cursor": 1, "gemini": 1000, "codex": 1}  # the agent's field per second


def timeouts(doc: dict) -> list[tuple[str, int]]:
    """(command, the agent's timeout field) of every blastwall handler."""
    return [(h["command"], h["timeout"]) for h in ours(doc)]


@pytest.mark.parametrize("agent", JSON_AGENTS)
def test_timeout_goes_to_the_agents_field_in_its_unit_and_to_the_command(agent: str, tmp_path: Path):
    report = install(agent, project_dir=tmp_path, command=CMD, timeout_s=120)
    doc = read(tmp_path / config_path(agent, "project"))
    assert timeouts(doc) == [(f"{CMD} hook {agent} --timeout 120", 120 * UNIT[agent])] * (3 if agent == "cursor" else 1)
    assert report.timeout_s == 120 and "hook timeout 120 s" in report.timeout_note
    assert "115 s" in report.timeout_note  # when blastwall answers: 5 s before the agent would kill it
    assert ("milliseconds" in report.timeout_note) == (agent == "gemini")


@pytest.mark.parametrize("agent", JSON_AGENTS)
def test_reinstall_with_another_timeout_updates_in_place_then_is_idempotent(agent: str, tmp_path: Path):
    path = tmp_path / config_path(agent, "project")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(FOREIGN[agent]))
    install(agent, project_dir=tmp_path, command=CMD)
    changed = install(agent, project_dir=tmp_path, command=CMD, timeout_s=300)
    assert changed.changed and changed.backup
    doc = read(path)
    assert timeouts(doc) == [(f"{CMD} hook {agent} --timeout 300", 300 * UNIT[agent])] * (3 if agent == "cursor" else 1)
    for event, entries in FOREIGN[agent]["hooks"].items():
        assert all(entry in doc["hooks"][event] for entry in entries)
    before = path.read_bytes()
    again = install(agent, project_dir=tmp_path, command=CMD, timeout_s=300)
    assert not again.changed and path.read_bytes() == before
    assert install(agent, project_dir=tmp_path, command=CMD, timeout_s=300, uninstall=True).changed
    assert read(path) == FOREIGN[agent]


def test_opencode_plugin_carries_its_own_timeout(tmp_path: Path):
    report = install("opencode", project_dir=tmp_path, command=CMD, timeout_s=90)
    path = tmp_path / ".opencode/plugin/blastwall.js"
    text = path.read_text()
    assert "const TIMEOUT_MS = 90000;" in text and json.dumps(f"{CMD} hook opencode --timeout 90") in text
    assert "no hook timeout setting" in report.timeout_note
    assert install("opencode", project_dir=tmp_path, command=CMD, timeout_s=200).changed
    assert "const TIMEOUT_MS = 200000;" in path.read_text()
    assert not install("opencode", project_dir=tmp_path, command=CMD, timeout_s=200).changed


@pytest.mark.parametrize("bad", [0, -1, 2, 601, 3600, 1.5, True, "abc", None])
def test_a_bad_timeout_is_refused_and_nothing_is_written(bad: object, tmp_path: Path):
    with pytest.raises(ValueError, match="hook timeout must be"):
        install("claude-code", project_dir=tmp_path, command=CMD, timeout_s=bad)  # type: ignore[arg-type]
    assert not (tmp_path / ".claude").exists()


@pytest.mark.parametrize("good", [3, 600])
def test_the_timeout_bounds_are_allowed(good: int, tmp_path: Path):
    assert install("codex", project_dir=tmp_path, command=CMD, timeout_s=good).timeout_s == good


def test_a_wrapped_command_is_used_as_given_and_the_note_says_what_that_costs(tmp_path: Path):
    wrapped = "sh -c 'blastwall hook claude-code'"
    report = install("claude-code", project_dir=tmp_path, command=wrapped, timeout_s=60)
    assert timeouts(read(tmp_path / ".claude/settings.json")) == [(wrapped, 60)]
    assert "does not pass `--timeout 60`" in report.timeout_note


# --- `blastwall install --status` ----------------------------------------------------------------


def test_status_shows_both_halves_of_each_installed_timeout(tmp_path: Path):
    from blastwall.doors.install_status import hook_status

    home, project = tmp_path / "home", tmp_path / "project"
    project.mkdir()
    install("gemini", project_dir=project, command=CMD, timeout_s=120)
    install("opencode", scope="user", project_dir=project, home=home, command=CMD, timeout_s=45)
    rows = {(r.agent, r.scope): r for r in hook_status(project_dir=project, home=home)}
    gemini = rows[("gemini", "project")]
    assert (gemini.installed, gemini.agent_timeout_s, gemini.hook_timeout_s, gemini.problem) == (True, 120, 120, "")
    assert gemini.describe() == "timeout 120 s, hook --timeout 120"
    plugin = rows[("opencode", "user")]
    assert (plugin.installed, plugin.agent_timeout_s, plugin.hook_timeout_s, plugin.problem) == (True, 45, 45, "")
    assert not rows[("claude-code", "project")].installed and not rows[("gemini", "user")].installed


def test_status_flags_an_agent_timeout_shorter_than_the_hook_plans_for(tmp_path: Path):
    from blastwall.doors.install_status import status

    install("claude-code", project_dir=tmp_path, command=CMD, timeout_s=120)
    path = tmp_path / ".claude/settings.json"
    doc = read(path)
    doc["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"] = 20  # edited by hand in the agent's settings
    path.write_text(json.dumps(doc))
    row = status("claude-code", "project", project_dir=tmp_path)
    assert (row.agent_timeout_s, row.hook_timeout_s) == (20, 120)
    assert "stops the hook after 20 s, before the 120 s" in row.problem and "lets the tool call proceed" in row.problem


def test_status_flags_a_hook_from_before_timeouts(tmp_path: Path):
    from blastwall.doors.install_status import status

    path = tmp_path / ".codex/hooks.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"hooks": {"PreToolUse": [{"matcher": CODEX_MATCHER, "hooks": [
        {"type": "command", "command": f"{CMD} hook codex", "timeout": 30}]}]}}))
    row = status("codex", "project", project_dir=tmp_path)
    assert row.installed and row.agent_timeout_s == 30 and row.hook_timeout_s is None
    assert "does not know codex's timeout" in row.problem
    install("codex", project_dir=tmp_path, command=CMD)  # re-installing fixes it
    assert status("codex", "project", project_dir=tmp_path).problem == ""


def test_status_uses_the_agents_default_when_its_field_is_absent(tmp_path: Path):
    from blastwall.doors.install_status import status

    install("gemini", project_dir=tmp_path, command=CMD, timeout_s=120)
    path = tmp_path / ".gemini/settings.json"
    doc = read(path)
    del doc["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"]
    path.write_text(json.dumps(doc))
    row = status("gemini", "project", project_dir=tmp_path)
    assert row.agent_timeout_s is None and "after 60 s" in row.problem  # Gemini CLI's default is 60 000 ms


# --- the command line ------------------------------------------------------------------------------


def _cli(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "COLUMNS": "300", "NO_COLOR": "1"}
    env.pop("BLASTWALL_POLICY", None)
    return subprocess.run([sys.executable, "-m", "blastwall", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=env)


def test_cli_install_timeout_status_and_refusals(tmp_path: Path):
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    done = _cli(["install", "codex", "--timeout", "90", "--command", CMD], project, home)
    assert done.returncode == 0, done.stderr
    assert "hook timeout 90 s (`timeout: 90`, in seconds)" in done.stdout and "lets the tool call proceed" in done.stdout
    assert timeouts(read(project / ".codex/hooks.json")) == [(f"{CMD} hook codex --timeout 90", 90)]
    shown = _cli(["install", "--status"], project, home)
    assert shown.returncode == 1, shown.stdout + shown.stderr  # CMD is not there: the hook would not start
    text = " ".join(shown.stdout.split())
    assert "codex (project)" in text and "timeout 90 s, hook --timeout 90" in text
    assert "would not start reliably: /opt/bw/bin/blastwall is not there" in text
    assert "does not block a canary" in text
    for bad in ("0", "601", "-5"):
        refused = _cli(["install", "codex", "--timeout", bad], project, home)
        assert refused.returncode == 2 and "3 to 600 seconds" in refused.stderr.replace("\n", " ").replace("│", ""), bad
    assert timeouts(read(project / ".codex/hooks.json")) == [(f"{CMD} hook codex --timeout 90", 90)]
    assert _cli(["install", "codex", "--uninstall", "--timeout", "60"], project, home).returncode == 2
    assert _cli(["install", "codex", "--uninstall"], project, home).returncode == 0
    assert "no blastwall hook is installed" in _cli(["install", "--status"], project, home).stdout


def test_cli_warns_when_the_projects_wait_is_longer_than_the_timeout_allows(tmp_path: Path):
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    (project / "blastwall.toml").write_text('[approvals]\nmode = "wait"\nwait = "2m"\n')
    short = _cli(["install", "claude-code", "--command", CMD], project, home)
    assert short.returncode == 0, short.stderr
    text = " ".join(short.stdout.split())
    assert "[approvals] wait is 120 s" in text and "--timeout 140" in text
    enough = _cli(["install", "claude-code", "--command", CMD, "--timeout", "140"], project, home)
    assert "[approvals] wait" not in enough.stdout


# --- the installed command starts anywhere and answers before any start-up code runs ---------------


def _settings_command(project: Path) -> str:
    (group,) = read(project / ".claude/settings.json")["hooks"]["PreToolUse"]
    return group["hooks"][0]["command"]


def _rm_root() -> bytes:
    doc = json.loads((Path(__file__).parent / "payloads" / "claude_bash_rm_root.json").read_text())
    return json.dumps({k: v for k, v in doc.items() if not k.startswith("_")}).encode()


def _blocks(proc: subprocess.CompletedProcess[bytes]) -> bool:
    from blastwall.doors.canary import read_answer

    return read_answer("claude-code", proc.returncode, proc.stdout.decode(), proc.stderr.decode()).blocks


@pytest.fixture()
def hook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from hookio import private_env

    return private_env(tmp_path, monkeypatch, "", BLASTWALL_DAEMON="off")


def test_the_default_command_is_absolute_and_blocks_with_an_empty_path(tmp_path: Path, hook_env: dict[str, str]):
    install("claude-code", project_dir=tmp_path / "work")
    command = _settings_command(tmp_path / "work")
    assert command.startswith(shlex.quote(sys.executable) + " -I -S -c ") or \
        shlex.split(command)[1] == sys.executable  # the hook client in C, falling back to this interpreter
    assert start_problem("claude-code", command) == ""
    proc = subprocess.run(["/bin/sh", "-c", command], input=_rm_root(), capture_output=True, timeout=60,
                          cwd=tmp_path / "work", env={**hook_env, "PATH": ""})
    assert _blocks(proc), proc.stderr
    from blastwall.daemon.place import system_mode

    if not system_mode():  # in system mode the answer is the system checker's (which may refuse this user)
        assert b"rm deletes /" in proc.stdout + proc.stderr


def test_start_up_code_in_the_environment_does_not_run_before_the_hook(tmp_path: Path, hook_env: dict[str, str]):
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    for name in ("sitecustomize.py", "usercustomize.py", "startup.py"):
        (hostile / name).write_text("import os\nos.write(1, b'hijacked')\nos._exit(0)\n")
    env = {**hook_env, "PYTHONPATH": str(hostile), "PYTHONSTARTUP": str(hostile / "startup.py"),
           "PYTHONUSERBASE": str(hostile), "PYTHONHOME": "", "PYTHONINSPECT": "1"}
    env.pop("PYTHONHOME")
    # the hostile folder works: a plain interpreter runs it and exits 0 (an allow to every agent)
    plain = subprocess.run([sys.executable, "-c", "pass"], capture_output=True, env=env, timeout=30)
    assert plain.returncode == 0 and plain.stdout == b"hijacked"
    install("claude-code", project_dir=tmp_path / "work")
    command = _settings_command(tmp_path / "work")
    proc = subprocess.run(["/bin/sh", "-c", command], input=_rm_root(), capture_output=True, timeout=60,
                          cwd=tmp_path / "work", env=env)
    assert b"hijacked" not in proc.stdout and _blocks(proc), proc.stdout + proc.stderr


def test_opencode_plugin_spawns_the_same_argv_without_a_shell(tmp_path: Path):
    install("opencode", project_dir=tmp_path, timeout_s=45)
    text = (tmp_path / ".opencode/plugin/blastwall.js").read_text()
    assert f"const ARGV = {json.dumps(hook_argv('opencode', 45))};" in text
    assert "shell: false" in text
    assert plugin_argv("/opt/bw/bin/blastwall hook opencode --timeout 30") == [
        "/bin/sh", "-c", "/opt/bw/bin/blastwall hook opencode --timeout 30"]  # --command: as written


def test_status_probe_runs_the_installed_hook_on_a_canary(tmp_path: Path, hook_env: dict[str, str]):
    from blastwall.doors.install_status import probe, status

    project = tmp_path / "work"
    install("claude-code", project_dir=project)
    install("cursor", project_dir=project)
    for agent in ("claude-code", "cursor"):
        assert probe(status(agent, "project", project_dir=project), project_dir=project) == ""
    path = project / ".claude/settings.json"
    path.write_text(path.read_text().replace(str(Path(blastwall.__file__).resolve().parents[1]), "/gone/src"))
    broken = probe(status("claude-code", "project", project_dir=project), project_dir=project)
    assert "the folder /gone/src the command puts on sys.path is gone" in broken or \
        "/gone/src/blastwall/daemon/blastwall-hook is not there or not executable" in broken


def test_claude_code_searches_go_through_the_read_checks(tmp_path: Path, hook_env: dict[str, str]):
    from blastwall.doors.hooks import run_hook
    from blastwall.doors.hooks.base import FixedChecker

    keys = tmp_path / "config" / "blastwall" / "keys"
    keys.mkdir(parents=True)
    (keys / "alice.key").write_text("-----BEGIN PRIVATE KEY-----\n")
    for tool in ("Grep", "Glob", "LS"):
        assert tool in CLAUDE_MATCHER.split("|")

    def call(tool: str, tool_input: dict, checker=None):
        payload = {"session_id": "s", "transcript_path": "/t", "cwd": str(tmp_path / "work"), "permission_mode": "default",
                   "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": tool_input, "tool_use_id": "t"}
        return run_hook("claude-code", json.dumps(payload).encode(), checker=checker, approvals=False, env=hook_env)

    seen = FixedChecker("allow")
    call("Grep", {"pattern": "BEGIN", "path": str(keys), "glob": "*.key"}, seen)
    call("Glob", {"pattern": "~/.ssh/id_*"}, seen)
    call("LS", {"path": str(keys)}, seen)
    call("Glob", {"pattern": "**/*.py"}, seen)  # the working directory's names: no opinion
    assert [(a.surface.value, a.payload) for a in seen.seen] == [
        ("shell", f"rg --hidden -e BEGIN --glob '*.key' -- {keys}"),
        ("file_read", {"path": "~/.ssh"}), ("file_read", {"path": str(keys)})]
    denied = call("Grep", {"pattern": "BEGIN", "path": str(keys)})
    assert json.loads(denied.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "approver key" in denied.stdout
