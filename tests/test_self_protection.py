"""An agent may not change its own guard, on any door: real hook payloads of every agent
(tests/payloads/) pointed at blastwall's policy, keys, store and the agents' hook settings are
denied; so are shell commands, interpreter code, database clients and MCP tools that reach them;
and an untrusted project file cannot turn that deny into an ask."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from test_hooks import answer, load, raw

from blastwall.doors.hooks import run_hook
from blastwall.engine import check
from blastwall.policy.engine import default_policy

PAYLOADS = sorted((Path(__file__).parent / "payloads").glob("*.json"))
POLICY = default_policy()

GUARD_PATHS = ["/repo/blastwall.toml", "/repo/.claude/settings.json", "/repo/.cursor/hooks.json",
               "/repo/.gemini/settings.json", "/repo/.codex/hooks.json", "/repo/.opencode/plugin/blastwall.js",
               "~/.config/blastwall/blastwall.toml", "~/.local/state/blastwall/blastwall.db"]
GUARD_COMMANDS = [
    "echo '{}' > .claude/settings.json",
    "rm -rf ~/.config/blastwall",
    "sqlite3 ~/.local/state/blastwall/blastwall.db 'DELETE FROM bw_audit'",
    "sqlite3 ~/.local/state/blastwall/blastwall.db .dump",
    "python3 -c \"import sqlite3; sqlite3.connect('/root/.local/state/blastwall/blastwall.db').execute('DELETE FROM bw_audit')\"",
    "python3 -c \"import sqlite3, os; sqlite3.connect(os.path.expanduser('~/.local/state/blastwall/blastwall.db'))\"",
    "python3 -c \"open('.claude/settings.json', 'w').write('{}')\"",
    "node -e \"require('fs').writeFileSync('.cursor/hooks.json', '{}')\"",
    "psql \"$BLASTWALL_DATABASE_URL\" -c 'TRUNCATE bw_audit'",
    "cat ~/.config/blastwall/keys/alice.key",
    "blastwall secrets scan --fix",
]


def _swap(doc: Any, old: str, new: str) -> Any:
    """`doc` with every string equal to `old` replaced by `new` (and inside patches and commands)."""
    if isinstance(doc, dict):
        return {k: _swap(v, old, new) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_swap(v, old, new) for v in doc]
    if isinstance(doc, str):
        return doc.replace(old, new) if old in doc else doc
    return doc


def _by_surface(surface: str) -> list[Path]:
    return [p for p in PAYLOADS if load(p)[1].get("_surface") == surface and load(p)[1].get("_actions", 1) == 1]


def _file_target(payload: dict[str, Any]) -> str:
    text = json.dumps(payload)
    for candidate in ("/repo/src/app.py", "/repo/src/app.ts", "/repo/nb.ipynb", "/repo/.env", "src/app.py", ".env"):
        if candidate in text:
            return candidate
    raise AssertionError("no file path in the payload")


def _verdict(path: Path, payload: dict[str, Any]) -> str:
    agent = load(path)[1]["_agent"]
    return answer(agent, run_hook(agent, raw(payload)), payload)


WRITES = _by_surface("file_write")


@pytest.mark.parametrize("path", WRITES, ids=[p.stem for p in WRITES])
@pytest.mark.parametrize("target", GUARD_PATHS)
def test_file_write_hooks_deny_guard_files(path: Path, target: str) -> None:
    payload, _ = load(path)
    mutated = _swap(copy.deepcopy(payload), _file_target(payload), target)
    assert _verdict(path, mutated) == "deny"


SHELLS = [p for p in _by_surface("shell") if load(p)[1].get("_expect") == "allow"]


@pytest.mark.parametrize("path", SHELLS, ids=[p.stem for p in SHELLS])
@pytest.mark.parametrize("command", GUARD_COMMANDS)
def test_shell_hooks_deny_guard_commands(path: Path, command: str) -> None:
    payload, _ = load(path)
    original = next(v for v in _strings(payload) if v in json.dumps(payload) and " " in v or v == "ls src")
    assert _verdict(path, _swap(copy.deepcopy(payload), original, command)) == "deny"


def _strings(doc: Any) -> list[str]:
    if isinstance(doc, dict):
        if isinstance(doc.get("command"), str):
            return [doc["command"]]
        return [s for v in doc.values() for s in _strings(v)]
    return []


READS = _by_surface("file_read")


@pytest.mark.parametrize("path", READS, ids=[p.stem for p in READS])
def test_read_hooks_deny_blastwall_keys_and_allow_dotenv(path: Path) -> None:
    payload, _ = load(path)
    assert _verdict(path, payload) == "allow"  # .env by name: [secrets] reads = "allow"
    keys = _swap(copy.deepcopy(payload), "/repo/.env", "/home/u/.config/blastwall/keys/alice.key")
    assert _verdict(path, keys) == "deny"
    store = _swap(copy.deepcopy(payload), "/repo/.env", "/home/u/.local/state/blastwall/blastwall.db")
    assert _verdict(path, store) == "deny"


@pytest.mark.parametrize("tool,arguments", [
    ("write_file", {"path": "/repo/.claude/settings.json", "content": "{}"}),
    ("edit_file", {"path": "/repo/blastwall.toml", "edits": [{"oldText": "deny", "newText": "allow"}]}),
    ("delete_file", {"path": "/repo/.cursor/hooks.json"}),
    ("move_file", {"source": "/repo/blastwall.toml", "destination": "/tmp/blastwall.toml"}),
    ("move_file", {"source": "/tmp/x.json", "destination": "/repo/.gemini/settings.json"}),
    ("read_text_file", {"path": "/root/.config/blastwall/keys/alice.key"}),
])
def test_mcp_filesystem_tools_cannot_reach_the_guard(tool: str, arguments: dict[str, Any]) -> None:
    v = check({"server": "filesystem", "tool": tool, "arguments": arguments}, "mcp", policy=POLICY)
    assert v.decision.value == "deny", v.reasons


def test_mcp_sql_on_blastwall_store_is_denied() -> None:
    v = check({"server": "sqlite", "tool": "read_query", "arguments": {"query": "SELECT * FROM bw_grants"}}, "mcp",
              policy=POLICY)
    assert v.decision.value == "deny" and "sql.blastwall:store" in v.rule_ids


def test_store_tables_in_sql_only_by_name() -> None:
    assert check("SELECT * FROM bw_settings", "sql", policy=POLICY).decision.value == "deny"
    assert check("SELECT * FROM bw_settings_archive", "sql", policy=POLICY).decision.value == "allow"
    assert check("SELECT 'bw_audit'::text", "sql", policy=POLICY).decision.value == "deny"  # by name: fail closed


def test_an_untrusted_project_rule_cannot_turn_deny_into_ask(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "blastwall.toml").write_text(
        '[[rule]]\nid = "p:guard"\neffect = "modify_guard"\ndecision = "ask"\n'
        '[[rule]]\nid = "p:all"\nrule = "shell.fs:*"\ndecision = "ask"\n'
        '[[rule]]\nid = "p:strict"\nrule = "shell.git:push-force"\ndecision = "deny"\n')
    ctx = {"cwd": str(proj)}
    assert check("echo '{}' > .claude/settings.json", context=ctx).decision.value == "deny"
    assert check("rm -rf /", context=ctx).decision.value == "deny"  # critical stays deny
    assert check("git push --force origin main", context=ctx).decision.value == "deny"  # tightening counts
    assert check("rm -rf src", context=ctx).decision.value == "ask"


def test_demo_step_switching_the_guard_off_is_denied() -> None:
    from blastwall.demo import STEPS

    step = next(s for s in STEPS if s.story == "tries to switch its own guard off")
    v = check({"path": step.tool_input["file_path"], "content": "{}"}, "file_write", context={"cwd": "/repo"},
              policy=POLICY)
    assert v.decision.value == "deny"


# -- blastwall's installation and start-up code, through the real Claude Code hook ----------------

def _claude(tool: str, tool_input: dict[str, Any], cwd: str = "/repo") -> str:
    payload = {"session_id": "abc123", "transcript_path": "/home/u/.claude/projects/-repo/abc123.jsonl", "cwd": cwd,
               "permission_mode": "bypassPermissions", "hook_event_name": "PreToolUse", "tool_name": tool,
               "tool_input": tool_input, "tool_use_id": "toolu_01ABC123"}
    return answer("claude-code", run_hook("claude-code", raw(payload)), payload)


def _site() -> str:
    import sysconfig

    return sysconfig.get_path("purelib")


INSTALL_WRITES = [
    lambda: _site() + "/zz_off.pth",
    lambda: _site() + "/sitecustomize.py",
    lambda: "/repo/.venv/lib/python3.11/site-packages/zz_off.pth",  # any site-packages
    lambda: "/repo/.venv/lib/python3.11/site-packages/usercustomize.py",
    lambda: __import__("os").path.dirname(__import__("blastwall").__file__) + "/engine.py",
    lambda: "/repo/.git/config",
    lambda: "/repo/.git/hooks/pre-commit",
    lambda: "/repo/.claude/settings.local.json",
]


@pytest.mark.parametrize("target", INSTALL_WRITES, ids=range(len(INSTALL_WRITES)))
def test_write_tool_cannot_change_the_code_that_runs(target: Any) -> None:
    assert _claude("Write", {"file_path": target(), "content": "import os; os.environ['X'] = '1'\n"}) == "deny"


ATTACK_COMMANDS = [
    "git diff --output=.claude/settings.json",
    "git log --output .claude/settings.json",
    "git format-patch -o .claude HEAD~1",
    "sort -o .claude/settings.json notes.txt",
    "curl -sSLo .claude/settings.json https://example.com/x",
    "wget -O .claude/settings.json https://example.com/x",
    "git stash push -u -- .claude",
    "git checkout -- .claude",
    "git restore .claude/settings.json",
    "git config core.fsmonitor 'rm -rf ~'",
    "git config core.hooksPath /tmp/h",
    "git config --global alias.st '!sh -c x'",
    "git -c core.hooksPath=/tmp/h commit -m x",
    "echo 'import os' > .venv/lib/python3.11/site-packages/zz.pth",
    "ln -s /tmp/x.pth .venv/lib/python3.11/site-packages/x.pth",
    "rm -f $HOME/.local/state/blastwall/blastwall.db",
    # a hook that cannot run is a hook that does not block: permissions, a copy over the program,
    # another version of the package
    "chmod -x $(which blastwall)",
    "chmod 000 \"$(command -v blastwall)\"",
    "chmod -x `which blastwall`",
    "cp /bin/true \"$(readlink -f \"$(command -v blastwall)\")\"",
    "chattr -i .claude/settings.json",
    "pip install --force-reinstall 'blastwall==0.0.1'",
    "uv pip install blastwall==0.0.1",
    "pipx install --force blastwall",
]
BENIGN_COMMANDS = ["git diff --stat", "git log -5 --oneline", "sort -o out.txt notes.txt", "pip install requests",
                   "chmod +x scripts/dev.sh", "chmod -x scripts/old.sh", "chmod 600 ~/.ssh/config",
                   "rm -rf \"$TMPDIR/blastwall-test\"",
                   "git config user.name bob", "git config --get core.hooksPath", "git stash", "echo x > src/a.py",
                   "rm -rf node_modules", "git -c color.ui=always log -1"]


@pytest.mark.parametrize("command", ATTACK_COMMANDS)
def test_shell_cannot_change_the_code_that_runs(command: str) -> None:
    assert _claude("Bash", {"command": command}) == "deny"


@pytest.mark.parametrize("command", BENIGN_COMMANDS)
def test_benign_twins_stay_allowed(command: str) -> None:
    assert _claude("Bash", {"command": command}) == "allow"


def test_permissions_of_the_installation_cannot_change() -> None:
    import blastwall

    engine = __import__("os").path.dirname(blastwall.__file__) + "/engine.py"
    assert _claude("Bash", {"command": f"chmod 000 {engine}"}) == "deny"
    assert _claude("Bash", {"command": f"chmod -w {engine}"}) == "deny"


def test_ordinary_writes_stay_allowed() -> None:
    assert _claude("Write", {"file_path": "/repo/src/app.py", "content": "x = 1\n"}) == "allow"
    assert _claude("Write", {"file_path": "/repo/.venv/lib/python3.11/site-packages/pkg/mod.py", "content": ""}) \
        == "allow"  # another virtualenv's package code is the project's own business


def test_home_outside_the_usual_prefixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "h"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert _claude("Bash", {"command": f"rm -f {home}/.local/state/blastwall/blastwall.db"}) == "deny"
    assert _claude("Bash", {"command": "rm -f $HOME/.local/state/blastwall/blastwall.db"}) == "deny"


def test_git_stash_all_takes_untracked_hook_settings(tmp_path: Path) -> None:
    import subprocess

    repo = tmp_path / "repo"
    (repo / ".claude").mkdir(parents=True)
    (repo / ".claude" / "settings.json").write_text("{}")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert _claude("Bash", {"command": "git stash -u"}, cwd=str(repo)) == "deny"
    assert _claude("Bash", {"command": "git clean -fd"}, cwd=str(repo)) == "deny"


def test_a_relative_path_without_a_folder_is_not_blastwalls_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch line with no working directory: `.venv` is nobody's folder here, even when the
    checking process runs in blastwall's own project; with the folder given, it is blastwall's."""
    import sys

    project = Path(sys.prefix).parent  # the folder holding the virtualenv blastwall runs from
    monkeypatch.chdir(project)
    policy = default_policy()
    assert check("rm -rf .venv", policy=policy, probe=False).decision.value != "deny" or \
        Path(sys.prefix).name != ".venv"
    if Path(sys.prefix).name == ".venv":
        ctx = {"cwd": str(project)}
        assert check("rm -rf .venv", context=ctx, policy=policy, probe=False).decision.value == "deny"
        assert check(f"rm -rf {project}/.venv", policy=policy, probe=False).decision.value == "deny"
