"""`blastwall exec`: guarded execution for agents without hooks, with real processes: held for
approval with a request id, approved and run (with its snapshot), exit codes and signals passed
through, and the line-by-line guarded shell."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from blastwall.doors.exec import plain_rm_targets
from blastwall.snapshots import base
from tests.snapshot_helpers import (
    REQUEST_ID,
    SNAPSHOT_ID,
    approve,
    audit_kinds,
    cli,
    make_home,
    make_key,
    request_id,
    tree,
    use_policy,
)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return make_home(tmp_path, monkeypatch)


def _work(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "data" / "sub").mkdir(parents=True)
    (work / "data" / "orders.csv").write_text("1,widget\n")
    (work / "data" / "sub" / "blob.bin").write_bytes(bytes(range(256)))
    return work


def test_held_then_approved_rm_runs_with_a_snapshot_and_undo_restores(home: dict[str, str], tmp_path: Path):
    work = _work(tmp_path)
    before = tree(work / "data")
    key = make_key()
    held = cli("exec", "--", "rm", "-rf", "data", env=home, cwd=work)
    assert held.returncode == 3, held.stderr
    rid = request_id(held.stderr)
    assert f"blastwall approve {rid}" in held.stderr and "run exactly the same command again" in held.stderr
    assert (work / "data").exists()

    approve(rid, key)
    ran = cli("exec", "--", "rm", "-rf", "data", env=home, cwd=work)
    assert ran.returncode == 0, ran.stderr
    assert not (work / "data").exists()
    [snap] = base.list_snapshots()
    assert SNAPSHOT_ID.search(ran.stderr).group(0) == snap.id and snap.request_id == rid
    assert snap.meta.get("trash") is True  # a plain rm: moved into the snapshot, not copied

    assert cli("undo", snap.id, env=home).returncode == 0
    assert tree(work / "data") == before
    assert audit_kinds(snap.id) == ["snapshot", "undo"]


def test_approved_shell_command_is_copied_first_then_really_run(home: dict[str, str], tmp_path: Path):
    work = _work(tmp_path)
    before = tree(work / "data")
    argv = ["sh", "-c", "rm -rf data && echo removed"]
    rid = request_id(cli("exec", "--", *argv, env=home, cwd=work).stderr)
    approve(rid, make_key())
    ran = cli("exec", "--", *argv, env=home, cwd=work)
    assert ran.returncode == 0 and ran.stdout == "removed\n", ran.stderr
    [snap] = base.list_snapshots()
    assert not snap.meta.get("trash") and not (work / "data").exists()
    assert cli("undo", snap.id, env=home).returncode == 0 and tree(work / "data") == before


def test_trash_can_be_switched_off(home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, "[snapshots]\ntrash = false\n")
    work = _work(tmp_path)
    approve(request_id(cli("exec", "--", "rm", "-rf", "data", env=home, cwd=work).stderr), make_key())
    assert cli("exec", "--", "rm", "-rf", "data", env=home, cwd=work).returncode == 0
    [snap] = base.list_snapshots()
    assert not snap.meta.get("trash") and not (work / "data").exists()


def test_size_limit_refuses_an_approved_exec(home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, "[snapshots]\nmax_bytes = 10\ntrash = false\n")
    work = _work(tmp_path)
    approve(request_id(cli("exec", "--", "rm", "-rf", "data", env=home, cwd=work).stderr), make_key())
    refused = cli("exec", "--", "rm", "-rf", "data", env=home, cwd=work)
    assert refused.returncode == 4
    assert "could not save what it would destroy first" in refused.stderr and "snapshot limit" in refused.stderr
    assert (work / "data" / "orders.csv").exists()


def test_allowed_commands_pass_exit_codes_signals_and_stdio_through(home: dict[str, str], tmp_path: Path):
    assert cli("exec", "--", "sh", "-c", "exit 7", env=home).returncode == 7
    assert cli("exec", "--", "sh", "-c", "kill -TERM $$", env=home).returncode == -signal.SIGTERM
    echoed = cli("exec", "--", "cat", env=home, input="through stdin\n")
    assert echoed.returncode == 0 and echoed.stdout == "through stdin\n"
    missing = cli("exec", "--", "no-such-program-here", env=home)
    assert missing.returncode == 127 and "command not found" in missing.stderr
    assert cli("exec", env=home).returncode == 2


def test_denied_command_exits_4_without_running(home: dict[str, str], tmp_path: Path):
    denied = cli("exec", "--", "rm", "-rf", "/", env=home, cwd=tmp_path)
    assert denied.returncode == 4 and "blastwall blocked this command" in denied.stderr
    assert not REQUEST_ID.search(denied.stderr)


def test_guarded_shell_checks_each_line(home: dict[str, str], tmp_path: Path):
    work = _work(tmp_path)
    (work / "sub").mkdir()
    script = "# a comment\ncd sub\necho hello > note.txt\npwd\nrm -rf ../data\n"
    ran = cli("exec", "--shell", env=home, cwd=work, input=script)
    assert ran.returncode == 3, ran.stderr  # the last line is held for approval
    assert (work / "sub" / "note.txt").read_text() == "hello\n"
    assert ran.stdout == f"{work / 'sub'}\n"
    assert request_id(ran.stderr) and (work / "data").exists()
    done = cli("exec", "--shell", env=home, cwd=work, input="sh -c 'exit 5'\nexit\n")
    assert done.returncode == 5


def test_plain_rm_detection(tmp_path: Path):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("x")
    assert plain_rm_targets(["rm", "-rf", "d", "f"], str(tmp_path)) == [str(tmp_path / "d"), str(tmp_path / "f")]
    assert plain_rm_targets(["rm", "d"], str(tmp_path)) is None  # rm refuses a folder without -r
    assert plain_rm_targets(["rm", "-i", "f"], str(tmp_path)) is None
    assert plain_rm_targets(["rm", "-f", "missing"], str(tmp_path)) is None
    assert plain_rm_targets(["/bin/rm", "--", "f"], str(tmp_path)) == [str(tmp_path / "f")]
    assert plain_rm_targets(["unlink", "f"], str(tmp_path)) is None
