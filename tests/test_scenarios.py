"""Blast-radius scenarios (tests/scenarios/*.toml, format in its README): each runs its setup in
a fresh folder, then checks the decision with the radius measured and with measuring off."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from blastwall.approvals.settings import settings_of
from blastwall.engine import check
from blastwall.policy.engine import Policy, compile_layers, default_document

HERE = Path(__file__).parent / "scenarios"
CASES = sorted(HERE.glob("*.toml"))
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
OFF = ("measuring off", {"radius": {"budget_ms": 0}})


def _policy(case: dict[str, Any], off: bool) -> Policy:
    doc = tomllib.loads(case.get("policy", ""))
    return compile_layers([*([OFF] if off else []), ("scenario", doc), ("defaults", default_document())])


def _run(case: dict[str, Any], cwd: Path, off: bool) -> tuple[str, str, int]:
    policy = _policy(case, off)
    action = case["action"]
    if case.get("kind") == "file_write":
        action = {**action, "path": str(cwd / action["path"])}
    verdict = check(action, case.get("kind", "shell"), context={"cwd": str(cwd)}, policy=policy)
    required = settings_of(policy).required_for([f.to_dict() for f in verdict.findings])
    return verdict.decision.value, " | ".join(verdict.reasons), required


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_scenario(path: Path, tmp_path: Path) -> None:
    case = tomllib.loads(path.read_text())
    cwd = tmp_path / "work"
    cwd.mkdir()
    for step in case.get("setup", []):
        done = subprocess.run(["bash", "-c", step], cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"setup step {step!r} failed: {done.stderr}"
    expect = case["expect"]
    decision, reasons, required = _run(case, cwd, off=False)
    assert (decision, expect["reason"] in reasons) == (expect["decision"], True), reasons
    assert required == expect.get("require", 1)
    decision, reasons, required = _run(case, cwd, off=True)
    assert decision == expect["unmeasured"], reasons
    assert required == expect.get("unmeasured_require", 1)


def test_both_directions_are_covered() -> None:
    assert len([p for p in CASES if p.stem.startswith("allow_")]) >= 5
    assert len([p for p in CASES if p.stem.startswith("stricter_")]) >= 5
