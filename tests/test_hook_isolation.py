"""The hook process fails closed even when the analysis crashes or hangs: most agents let a
tool call proceed when a hook dies, so `blastwall hook` runs the check in a forked child."""

from __future__ import annotations

import os
import signal
import time

import pytest

from blastwall import cli
from blastwall.doors.hooks import HookResult, run_hook

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _crash(agent: str, raw: bytes) -> HookResult:
    os.kill(os.getpid(), signal.SIGSEGV)
    return HookResult(0, "", "")  # pragma: no cover


def _hang(agent: str, raw: bytes) -> HookResult:
    time.sleep(30)
    return HookResult(0, "", "")  # pragma: no cover


def test_crash_in_the_check_blocks() -> None:
    result = cli._isolated("claude-code", b"{}", _crash)
    assert result.exit_code == 2
    assert "crashed" in result.stderr and "signal" in result.stderr


def test_hang_in_the_check_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "HOOK_DEADLINE_S", 0.5)
    t0 = time.monotonic()
    result = cli._isolated("claude-code", b"{}", _hang)
    assert result.exit_code == 2 and "did not finish" in result.stderr
    assert time.monotonic() - t0 < 10


def test_normal_answers_pass_through() -> None:
    raw = (b'{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash",'
           b'"tool_input":{"command":"rm -rf /"},"tool_use_id":"t"}')
    isolated = cli._isolated("claude-code", raw, run_hook)
    direct = run_hook("claude-code", raw)
    assert isolated == direct
