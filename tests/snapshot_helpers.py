"""What the safety-net tests share: a private home, real hook processes with a Codex payload,
approvals signed with a real key, the blastwall command line, real git repositories."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hookio import REQUEST_ID, hook_reason, request_id  # noqa: F401  (re-exported for the tests)

from blastwall.approvals import decide, keys
from blastwall.store import open_store

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = Path(__file__).parent / "payloads"
SNAPSHOT_ID = re.compile(r"\bsnap-[0-9]{8}-[0-9]{6}-[a-z]+-[0-9a-f]{6}\b")

def make_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Private config, state and data folders; the environment for subprocesses."""
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    for var in ("BLASTWALL_DATABASE_URL", "BLASTWALL_POLICY", "BLASTWALL_ENVIRONMENT", "BLASTWALL_AGENT",
                "BLASTWALL_SESSION"):
        monkeypatch.delenv(var, raising=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "CLAUDE_", "CODEX_", "GIT_")) or k.startswith("BLASTWALL_DAEMON")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"), NO_COLOR="1", COLUMNS="200", GIT_CONFIG_NOSYSTEM="1",
               HOME=str(tmp_path / "userhome"))
    (tmp_path / "userhome").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "userhome"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (tmp_path / "userhome" / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n")
    return env


def use_policy(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    env["BLASTWALL_POLICY"] = str(path)
    monkeypatch.setenv("BLASTWALL_POLICY", str(path))


def make_key(name: str = "alice") -> tuple[Any, Any]:
    keys.generate(name, None)
    return keys.load_private(name, None)


def codex_payload(command: str, cwd: Path) -> dict[str, Any]:
    doc = json.loads((PAYLOADS / "codex_bash_force_push.json").read_text())
    doc = {k: v for k, v in doc.items() if not k.startswith("_")}
    doc["cwd"] = str(cwd)
    doc["tool_input"] = {"command": command}
    return doc


def hook(data: dict[str, Any], env: dict[str, str]) -> tuple[str, str]:
    """(decision, reason) from a real `blastwall hook codex` process."""
    return hook_reason(subprocess.run([sys.executable, "-m", "blastwall", "hook", "codex"], input=json.dumps(data),
                                      capture_output=True, text=True, timeout=60, env=env, cwd=ROOT))


def approve(rid: str, key: tuple[Any, Any]) -> None:
    public, private = key
    decide.approve(open_store(), rid, private, public, approver="alice")


def approved_through_hook(command: str, cwd: Path, env: dict[str, str], key: tuple[Any, Any]) -> tuple[str, str]:
    """The agent asks, is held with a request, a human approves, the identical retry's answer."""
    decision, reason = hook(codex_payload(command, cwd), env)
    assert decision == "deny", reason
    approve(request_id(reason), key)
    return hook(codex_payload(command, cwd), env)


def cli(*args: str, env: dict[str, str], cwd: Path | str = ROOT, input: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "blastwall", *args], capture_output=True, text=True, env=env,
                          cwd=str(cwd), input=input, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def sh(command: str, cwd: Path | str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["bash", "-c", command], cwd=str(cwd), capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, f"{command}: {proc.stderr}"
    return proc.stdout


def git(cwd: Path | str, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=str(cwd), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def tree(root: Path) -> dict[str, tuple[str, Any]]:
    """Everything under `root`: relative path -> (type, content or link target, mode)."""
    out: dict[str, tuple[str, Any]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("file", (p.read_bytes(), stat.S_IMODE(st.st_mode)))
    return out


def audit_kinds(ref: str | None = None) -> list[str]:
    return [row.kind for row in open_store().audit_rows() if ref is None or row.ref == ref]
