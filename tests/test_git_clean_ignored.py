"""`git clean -fX` removes every ignored file, and ignored is not regenerable: `.env`, local
databases and uploads are ignored too. It is measured in the repository (allowed when all it
removes is build output), and a pathspec of regenerable output only needs no count."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from blastwall.engine import check
from verdicts import POLICY, decide


def _repo(tmp_path: Path, *, data: bool) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text(".env\n*.sqlite3\nnode_modules/\nbuild/\n")
    (repo / "node_modules").mkdir()
    (repo / "node_modules" / "a.js").write_text("x")
    (repo / "build").mkdir()
    (repo / "build" / "app.js").write_text("x")
    if data:
        (repo / ".env").write_text("API_KEY=0123456789abcdef\n")
        (repo / "production.sqlite3").write_text("rows")
    subprocess.run(["git", "-C", str(repo), "add", ".gitignore"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "i"],
                   check=True)
    return repo


def _decide(command: str, cwd: Path | None = None) -> str:
    """In a repository, git is asked what the clean removes (as the hooks do); without one, nothing is read."""
    if cwd is None:
        return decide(command)
    return check(command, policy=POLICY, context={"cwd": str(cwd)}, probe=True).decision.value


@pytest.mark.parametrize("command", ["git clean -fX", "git clean -fdX", "git clean -f -d -X", "git clean --force -X",
                                     "git clean -fdX -- build/ .env", "git clean -fX -- .env"])
def test_ignored_data_or_secrets_are_asked(tmp_path: Path, command: str) -> None:
    assert _decide(command, _repo(tmp_path, data=True)) != "allow"


def test_only_ignored_build_output_is_allowed(tmp_path: Path) -> None:
    assert _decide("git clean -fdX", _repo(tmp_path, data=False)) == "allow"


@pytest.mark.parametrize("command", ["git clean -fX -- '*.log'", "git clean -fdX -- build/ out/",
                                     "git clean -fdX -- node_modules", "git clean -nX", "git clean -n -d -X"])
def test_regenerable_pathspecs_and_dry_runs_pass_without_a_count(command: str) -> None:
    assert _decide(command) == "allow"


@pytest.mark.parametrize("command", ["git clean -fX", "git clean -fdX -- ../data", "git clean -fdX -- /srv/app/build",
                                     "git clean -fdX -- build/ uploads/", "git clean -fdX -- $DIR"])
def test_unmeasured_ignored_cleans_ask(command: str) -> None:
    assert _decide(command) != "allow"
