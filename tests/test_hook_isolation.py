"""The hook process fails closed even when the analysis crashes or hangs: most agents let a
tool call proceed when a hook dies, so `blastwall hook` runs the check in a forked child."""

from __future__ import annotations

import os
import signal
import time

import pytest

from blastwall import cli
from blastwall.doors.hooks import run_hook

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _crash(agent: str, raw: bytes) -> tuple[int, str, str]:
    os.kill(os.getpid(), signal.SIGSEGV)
    return 0, "", ""  # pragma: no cover


def _hang(agent: str, raw: bytes) -> tuple[int, str, str]:
    time.sleep(30)
    return 0, "", ""  # pragma: no cover


def test_crash_in_the_check_blocks() -> None:
    code, _, err = cli._isolated("claude-code", b"{}", _crash)
    assert code == 2
    assert "crashed" in err and "signal" in err


def test_hang_in_the_check_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "HOOK_DEADLINE_S", 0.5)
    t0 = time.monotonic()
    code, _, err = cli._isolated("claude-code", b"{}", _hang)
    assert code == 2 and "did not finish" in err
    assert time.monotonic() - t0 < 10


def test_normal_answers_pass_through() -> None:
    raw = (b'{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash",'
           b'"tool_input":{"command":"rm -rf /"},"tool_use_id":"t"}')
    isolated = cli._isolated("claude-code", raw)
    direct = run_hook("claude-code", raw)
    assert isolated == (direct.exit_code, direct.stdout, direct.stderr)
