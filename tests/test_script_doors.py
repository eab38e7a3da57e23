"""A new script that runs only when a command names it (rules/later.toml `when_named`) is data on
every door: a shell line's `cat > scripts/x.sh`, an agent's Write tool, a patch that adds it, MCP
write_file. The command that runs it is judged with it read. Files that run by themselves
(startup files, git hooks, cron folders, CI workflows) and changes to a script already there stay
judged by their text on every door. Payloads live only in these strings; nothing here runs them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blastwall.doors.hooks import run_hook
from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()
WIPE = "#!/bin/sh\nrm -rf ~/data\n"


def _hook(agent: str, payload: dict[str, object]) -> str:
    result = run_hook(agent, json.dumps(payload).encode(), policy=POLICY, env={}, approvals=False)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 2:
        return "deny"
    if not result.stdout:
        return "allow"
    return str(json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"])


def _doors(root: Path, path: str, text: str) -> dict[str, str]:
    """The decision of each door writing `text` to `path` in the project `root`."""
    base = {"hook_event_name": "PreToolUse", "cwd": str(root), "session_id": "s"}
    patch = f"*** Begin Patch\n*** Add File: {path}\n" + "".join(f"+{line}\n" for line in text.splitlines()) + \
        "*** End Patch\n"
    ctx = {"cwd": str(root)}
    return {
        "shell": check(f"cat > {path} <<'EOF'\n{text}EOF", "shell", context=ctx, policy=POLICY).decision.value,
        "file_write": check({"path": path, "content": text}, "file_write", context=ctx, policy=POLICY).decision.value,
        "claude Write": _hook("claude-code", {**base, "tool_name": "Write",
                                              "tool_input": {"file_path": str(root / path), "content": text}}),
        "codex patch": _hook("codex", {**base, "tool_name": "apply_patch", "tool_input": {"command": patch}}),
        "mcp write_file": check({"server": "filesystem", "tool": "write_file",
                                 "arguments": {"path": str(root / path), "content": text}}, "mcp", context=ctx,
                                policy=POLICY).decision.value,
    }


@pytest.mark.parametrize("path", ["scripts/wipe.sh", "wipe.bash", "tools/wipe", "bin/cleanup.zsh"])
def test_a_new_named_script_is_data_on_every_door(tmp_path: Path, path: str) -> None:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    assert set(_doors(tmp_path, path, WIPE).values()) == {"allow"}, _doors(tmp_path, path, WIPE)


def test_running_it_is_judged_with_it_read(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/wipe.sh").write_text(WIPE)
    for command in ("bash scripts/wipe.sh", "./scripts/wipe.sh", "sh < scripts/wipe.sh", ". scripts/wipe.sh"):
        assert check(command, "shell", context={"cwd": str(tmp_path)}, policy=POLICY).decision.value == "ask"


def test_a_script_already_there_is_judged_by_its_change_on_every_door(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/ops.sh").write_text("#!/bin/sh\necho ok\n")
    decisions = _doors(tmp_path, "scripts/ops.sh", WIPE)
    decisions.pop("codex patch")  # `*** Add File` over a file that is there: the patch fails
    assert "allow" not in decisions.values(), decisions


@pytest.mark.parametrize("path", [
    ".github/workflows/ci.yml", ".git/hooks/pre-commit", ".husky/pre-push", ".bashrc", "etc/cron.daily/wipe",
    ".bashrc.d/10-wipe.sh", ".zshrc.d/wipe.zsh", ".config/autostart-scripts/wipe.sh", "etc/rc2.d/S01wipe",
    "etc/bash_completion.d/wipe.sh", "usr/lib/systemd/system-sleep/wipe.sh",
])
def test_files_that_run_by_themselves_stay_judged_on_every_door(tmp_path: Path, path: str) -> None:
    text = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: rm -rf ~/data\n" \
        if path.endswith(".yml") else WIPE
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    decisions = _doors(tmp_path, path, text)
    assert "allow" not in decisions.values(), decisions


def test_a_harmless_new_script_passes_and_no_door_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    assert set(_doors(tmp_path, "scripts/build.sh", "#!/bin/sh\nnpm run build\n").values()) == {"allow"}
