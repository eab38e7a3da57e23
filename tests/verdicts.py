"""What the built-in policy decides for an action, for tests that judge actions by class.

    decide("rm -rf ~/x")                                   -> "ask"
    decide({"server": "redis", "tool": "get", ...}, "mcp") -> "allow"
    rule_ids("redis-cli FLUSHALL")                         -> ["sql.redis:flushall"]
    decide("bash wipe.sh", cwd=tmp_path)                   -> the script in tmp_path is read

Live probes run only with `probe=True` (as `blastwall.check` does by default). Files are read only
when a folder is given (`cwd`) or `read_files=True`: a check is then the same wherever the tests run. Extra keywords are the action's context
(`dialect="mysql"`).

`allowed_and_asked(SAFE, LOOKALIKES)` makes the two parametrized tests of a class file: every
line of SAFE is allowed, every look-alike is asked (or denied); keywords after the tables go to the
judge (`allowed_and_asked(SAFE, LOOKALIKES, probe=True)`). `allowed_and_asked_in(project, SAFE,
LOOKALIKES)` judges each line in a fresh folder that `project(folder)` fills first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from blastwall.engine import check
from blastwall.model import Verdict
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def verdict(action: Any, kind: str = "shell", *, cwd: str | Path | None = None, read_files: bool | None = None,
            probe: bool = False, **context: str) -> Verdict:
    """The verdict on `action` (a command, SQL text, or an HTTP/MCP payload) of surface `kind`."""
    if cwd is not None:
        context["cwd"] = str(cwd)
    reads = bool(context.get("cwd")) if read_files is None else read_files
    return check(action, kind, policy=POLICY, context=context or None, read_files=reads, probe=probe)


def decide(action: Any, kind: str = "shell", **kw: Any) -> str:
    """`allow`, `ask` or `deny`."""
    return verdict(action, kind, **kw).decision.value


def rule_ids(action: Any, kind: str = "shell", **kw: Any) -> list[str]:
    return list(verdict(action, kind, **kw).rule_ids)


def allowed_and_asked(safe: Sequence[Any], lookalikes: Sequence[Any], judge: Callable[..., str] = decide,
                      **kw: Any) -> tuple[Callable[[Any], None], Callable[[Any], None]]:
    """The two tests of a class: `test_safe` (each line allowed) and `test_lookalikes_are_asked`;
    `kw` goes to `judge` with each line."""

    @pytest.mark.parametrize("command", safe)
    def test_safe(command: Any) -> None:
        assert judge(command, **kw) == "allow", command

    @pytest.mark.parametrize("command", lookalikes)
    def test_lookalikes_are_asked(command: Any) -> None:
        assert judge(command, **kw) != "allow", command

    return test_safe, test_lookalikes_are_asked


def allowed_and_asked_in(project: Callable[[Path], None], safe: Sequence[str], lookalikes: Sequence[str],
                         **kw: Any) -> tuple[Callable[..., None], Callable[..., None]]:
    """`allowed_and_asked` for lines judged in a project: each test's own temporary folder, filled by
    `project(folder)`, is the working directory (`cwd`); `kw` goes to `decide`."""

    def judge(command: str, folder: Path) -> str:
        project(folder)
        return decide(command, cwd=folder, **kw)

    @pytest.mark.parametrize("command", safe)
    def test_safe(command: str, tmp_path: Path) -> None:
        assert judge(command, tmp_path) == "allow", command

    @pytest.mark.parametrize("command", lookalikes)
    def test_lookalikes_are_asked(command: str, tmp_path: Path) -> None:
        assert judge(command, tmp_path) != "allow", command

    return test_safe, test_lookalikes_are_asked
