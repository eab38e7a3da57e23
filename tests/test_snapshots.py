"""The safety net, end to end: an approved destructive action is snapshotted by the real hook
process before the agent runs it, the action really runs, and `blastwall undo` puts back what
it destroyed (files byte for byte, branches, uncommitted changes, a force-pushed remote).

Real files, real git repositories (a bare repository as the remote), real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blastwall.engine import check_action
from blastwall.model import Action, Context, Surface
from blastwall.snapshots import base
from blastwall.snapshots.base import Snapshot, SnapshotError
from blastwall.snapshots.take import PLANS, plan_for, protect
from tests.snapshot_helpers import (
    SNAPSHOT_ID,
    approved_through_hook,
    audit_kinds,
    cli,
    codex_payload,
    git,
    make_home,
    make_key,
    sh,
    tree,
    use_policy,
)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return make_home(tmp_path, monkeypatch)


def _project(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "data" / "nested" / "deeper").mkdir(parents=True)
    (work / "data" / "rows.csv").write_text("id,name\n1,ada\n")
    (work / "data" / "nested" / "blob.bin").write_bytes(bytes(range(256)) * 8)
    (work / "data" / "nested" / "deeper" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (work / "data" / "nested" / "deeper" / "run.sh").chmod(0o750)
    (work / "data" / "secret.key").write_text("k")
    (work / "data" / "secret.key").chmod(0o600)
    os.symlink("rows.csv", work / "data" / "latest")
    os.symlink("/nonexistent/target", work / "data" / "dangling")
    return work


def _snapshots() -> list[Snapshot]:
    return list(base.list_snapshots())


def _protect(command: str, cwd: Path, **kw: object) -> list[Snapshot]:
    action = Action(Surface.SHELL, command, Context(cwd=str(cwd), agent="codex"))
    return protect([action], [check_action(action)], policy=None, **kw)  # type: ignore[arg-type]


# --- files ------------------------------------------------------------------------------------------


def test_approved_rm_is_snapshotted_by_the_hook_and_undo_restores_it_byte_for_byte(home: dict[str, str],
                                                                                     tmp_path: Path):
    work = _project(tmp_path)
    before = tree(work / "data")
    key = make_key()
    assert approved_through_hook("rm -rf data", work, home, key) == ("allow", "")
    [snap] = _snapshots()
    assert snap.kind == "files" and snap.target == str(work / "data") and snap.request_id
    assert not base.is_within(snap.location, str(work))  # the copy lives outside the project

    sh("rm -rf data", work)  # the agent runs the approved command
    assert not (work / "data").exists()

    listed = cli("snapshots", "--json", env=home)
    assert [s["id"] for s in json.loads(listed.stdout)] == [snap.id]
    undone = cli("undo", snap.id, env=home)
    assert undone.returncode == 0, undone.stderr
    assert f"undone {snap.id}" in undone.stdout and str(work / "data") in undone.stdout
    assert tree(work / "data") == before

    assert audit_kinds(snap.id) == ["snapshot", "undo"]
    again = cli("undo", snap.id, env=home)
    assert again.returncode == 1 and "restored already" in again.stderr


def test_an_ask_left_to_the_agents_prompt_is_snapshotted_before_the_prompt(home: dict[str, str], tmp_path: Path):
    """Claude Code in its default mode asks the human itself and blastwall never hears the answer:
    the copy is taken before the prompt, and the prompt says how to undo."""
    work = _project(tmp_path)
    before = tree(work / "data")
    data = {**codex_payload("rm -rf data", work), "permission_mode": "default"}
    proc = subprocess.run([sys.executable, "-m", "blastwall", "hook", "claude-code"], input=json.dumps(data),
                          capture_output=True, text=True, env=home, timeout=60)
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "ask"
    [snap] = _snapshots()
    assert f"if you approve, `blastwall undo {snap.id}` restores" in out["permissionDecisionReason"]
    sh("rm -rf data", work)  # the human said yes in the agent's prompt
    assert cli("undo", snap.id, env=home).returncode == 0
    assert tree(work / "data") == before


def test_size_limit_refuses_the_approved_action_with_a_clear_reason(home: dict[str, str], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, '[snapshots]\nmax_bytes = "1KiB"\n')
    work = _project(tmp_path)
    decision, reason = approved_through_hook("rm -rf data", work, home, make_key())
    assert decision == "deny"
    assert "it was approved, but blastwall could not save what it would destroy first" in reason
    assert "more than the snapshot limit of 1.0 KiB" in reason and "max_bytes" in reason
    assert _snapshots() == [] and (work / "data" / "rows.csv").exists()
    assert "snapshot" in audit_kinds()  # the failure is on record


def test_not_required_lets_the_action_through_when_the_snapshot_fails(home: dict[str, str], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, '[snapshots]\nmax_bytes = 100\nrequired = false\n')
    work = _project(tmp_path)
    assert approved_through_hook("rm -rf data", work, home, make_key()) == ("allow", "")
    assert _snapshots() == []


def test_cd_globs_and_overwrites_are_resolved_and_undone(home: dict[str, str], tmp_path: Path):
    work = _project(tmp_path)
    [snap] = _protect("(cd data && rm -f *.csv); echo replaced > data/secret.key", work)
    saved = {e["path"]: e["op"] for e in snap.meta["entries"]}
    assert saved == {str(work / "data" / "rows.csv"): "delete", str(work / "data" / "secret.key"): "overwrite"}
    sh("(cd data && rm -f *.csv); echo replaced > data/secret.key", work)
    _, message = base.restore(snap.id)
    assert (work / "data" / "rows.csv").read_text() == "id,name\n1,ada\n"
    assert (work / "data" / "secret.key").read_text() == "k"
    assert "replaced" in message  # the overwritten version undo replaced is kept


def test_undo_does_not_overwrite_what_exists_again_unless_forced(home: dict[str, str], tmp_path: Path):
    work = _project(tmp_path)
    [snap] = _protect("rm -rf data", work)
    sh("rm -rf data && mkdir data && echo new > data/rows.csv", work)
    with pytest.raises(SnapshotError, match="exists again with other content; nothing was restored"):
        base.restore(snap.id)
    assert (work / "data" / "rows.csv").read_text() == "new\n"
    _, message = base.restore(snap.id, force=True)
    assert (work / "data" / "rows.csv").read_text() == "id,name\n1,ada\n"
    kept = Path(snap.location) / "replaced"
    assert [p.read_text() for p in kept.rglob("rows.csv")] == ["new\n"] and "kept in" in message


def test_find_delete_undo_merges_into_the_folder_that_is_still_there(home: dict[str, str], tmp_path: Path):
    work = _project(tmp_path)
    before = tree(work / "data")
    [snap] = _protect("find data -type f -delete", work)
    sh("find data -type f -delete", work)
    base.restore(snap.id)  # data/ and its folders still exist: no --force needed
    assert tree(work / "data") == before


def test_a_snapshot_folder_inside_the_target_is_refused(home: dict[str, str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    work = _project(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(work / "data" / "nested"))
    with pytest.raises(SnapshotError, match="lies inside .*which this action deletes"):
        _protect("rm -rf data", work)


def test_unresolvable_targets_are_refused(home: dict[str, str], tmp_path: Path):
    work = _project(tmp_path)
    with pytest.raises(SnapshotError, match="cannot tell which files"):
        _protect("rm -rf $NOT_SET_ANYWHERE/data", work)


def test_file_write_tool_overwrite_is_snapshotted(home: dict[str, str], tmp_path: Path):
    work = _project(tmp_path)
    action = Action(Surface.FILE_WRITE, {"path": "data/rows.csv", "content": "gone"}, Context(cwd=str(work)))
    verdict = check_action(action)
    assert verdict.decision.value == "ask"
    [snap] = protect([action], [verdict], policy=None)
    (work / "data" / "rows.csv").write_text("gone")
    base.restore(snap.id)
    assert (work / "data" / "rows.csv").read_text() == "id,name\n1,ada\n"


def test_prune_by_age_and_by_total_size(home: dict[str, str], tmp_path: Path):
    now = time.time()
    for n, age_days in enumerate((30, 10, 1, 0)):
        sid, folder = base.new_folder("files")
        base.save(Snapshot(id=sid, kind="files", created_at=now - age_days * 86400 - n, action="rm x", digest="d",
                           target=f"/x/{n}", location=folder, size_bytes=1024**2, meta={"entries": []}))
    assert len(_snapshots()) == 4
    pruned = cli("snapshots", "--prune", "--older-than", "7d", "--json", env=home)
    assert pruned.returncode == 0, pruned.stderr
    assert len(json.loads(pruned.stdout)["removed"]) == 2 and len(_snapshots()) == 2
    pruned = cli("snapshots", "--prune", "--max-total", "1.5MiB", env=home)
    assert "1 snapshot(s) removed" in pruned.stdout
    [left] = _snapshots()
    assert left.target == "/x/3"  # the newest stays
    listing = cli("snapshots", env=home)
    assert left.id in listing.stdout and "1.0 MiB" in listing.stdout
    assert cli("snapshots", "--prune", env=home).returncode == 2  # says what to prune by


def test_agents_may_not_undo_or_prune(home: dict[str, str]):
    for command, expect in (("blastwall undo snap-1", "deny"), ("blastwall snapshots --prune --older-than 1d", "deny"),
                            ("sudo blastwall undo snap-1 --force", "deny"), ("blastwall snapshots --json", "allow")):
        assert check_action(Action(Surface.SHELL, command)).decision.value == expect, command


def test_snapshots_section_is_validated_and_untrusted_projects_can_only_tighten():
    from blastwall.policy.trust import tighten_only
    from blastwall.policy.validate import validate_text

    assert validate_text('[snapshots]\nmax_bytes = "1GiB"\nrequired = false\n', "p.toml") == []
    [problem] = validate_text('[snapshots]\nmax_bytes = "lots"\n', "p.toml")
    assert problem.startswith("p.toml:1:") and "max_bytes" in problem
    kept, dropped = tighten_only({"snapshots": {"required": False, "max_bytes": "9TiB", "dir": "."}}, {})
    assert kept["snapshots"] == {} and len(dropped) == 3


def test_every_plan_names_a_rule_that_exists():
    from blastwall.analyze.ruleset import load_table

    ids = {r["id"] for t in ("shell_fs", "shell_git", "files") for r in load_table(t).get("rule", [])}
    ids |= {r["id"] for r in load_table("shell_fs")["fsop"]} | {"shell.fs:find-delete", "shell.fs:redirect-truncate"}
    import fnmatch

    for p in PLANS:
        assert any(fnmatch.fnmatchcase(i, p.rule) for i in ids), p
    assert plan_for(check_action(Action(Surface.SHELL, "rm -rf data")).findings[0]).kind == "files"


# --- git --------------------------------------------------------------------------------------------


def _repos(tmp_path: Path) -> tuple[Path, Path]:
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(tmp_path, "init", "-q", str(work))
    (work / "app.py").write_text("print('v1')\n")
    git(work, "add", "app.py")
    git(work, "commit", "-qm", "v1")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "-u", "origin", "main")
    return remote, work


def test_force_push_snapshot_restores_the_remote_with_the_printed_command(home: dict[str, str], tmp_path: Path):
    remote, work = _repos(tmp_path)
    other = tmp_path / "other"  # a colleague pushes work this clone has never seen
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "theirs.txt").write_text("their work\n")
    git(other, "add", "theirs.txt")
    git(other, "commit", "-qm", "theirs")
    git(other, "push", "-q")
    theirs = git(other, "rev-parse", "HEAD")
    (work / "app.py").write_text("print('v2')\n")
    git(work, "commit", "-qam", "v2")

    assert approved_through_hook("git push --force origin main", work, home, make_key()) == ("allow", "")
    [snap] = _snapshots()
    assert snap.kind == "git" and snap.meta["remotes"][0]["old"] == theirs
    assert snap.meta["bundle"] and (Path(snap.location) / snap.meta["bundle"]).exists()
    git(work, "push", "-q", "--force", "origin", "main")  # the agent runs it
    assert git(work, "ls-remote", "origin", "refs/heads/main").split()[0] != theirs

    # the bundle alone brings the lost commits back, even once the backup ref is gone and gc ran
    git(work, "update-ref", "-d", snap.meta["remotes"][0]["backup"])
    git(work, "reflog", "expire", "--expire=now", "--all")
    git(work, "gc", "-q", "--prune=now")
    assert subprocess_fails(work, "cat-file", "-e", theirs)

    undone = cli("undo", snap.id, "--json", env=home)
    assert undone.returncode == 0, undone.stderr
    answer = json.loads(undone.stdout)
    assert "blastwall never pushes by itself" in answer["message"]
    [command] = answer["commands"]
    assert "--force-with-lease=refs/heads/main:" in command and f"{theirs}:refs/heads/main" in command
    assert git(work, "ls-remote", "origin", "refs/heads/main").split()[0] != theirs  # nothing pushed yet
    sh(command, tmp_path)
    assert git(work, "ls-remote", "origin", "refs/heads/main").split()[0] == theirs


def subprocess_fails(cwd: Path, *args: str) -> bool:
    import subprocess

    return subprocess.run(["git", *args], cwd=str(cwd), capture_output=True).returncode != 0


def test_reset_hard_undo_brings_back_the_branch_and_uncommitted_changes(home: dict[str, str], tmp_path: Path):
    _, work = _repos(tmp_path)
    (work / "app.py").write_text("print('v2')\n")
    git(work, "commit", "-qam", "v2")
    v2 = git(work, "rev-parse", "HEAD")
    (work / "app.py").write_text("print('v3, not committed')\n")
    (work / "staged.txt").write_text("staged\n")
    git(work, "add", "staged.txt")

    assert approved_through_hook("git reset --hard HEAD~1", work, home, make_key()) == ("allow", "")
    [snap] = _snapshots()
    git(work, "reset", "-q", "--hard", "HEAD~1")
    assert (work / "app.py").read_text() == "print('v1')\n" and not (work / "staged.txt").exists()

    undone = cli("undo", snap.id, env=home)
    assert undone.returncode == 0, undone.stderr
    assert "uncommitted changes are back" in undone.stdout
    assert git(work, "rev-parse", "HEAD") == v2
    assert (work / "app.py").read_text() == "print('v3, not committed')\n"
    assert git(work, "diff", "--cached", "--name-only") == "staged.txt"


def test_branch_delete_undo_restores_the_branch(home: dict[str, str], tmp_path: Path):
    _, work = _repos(tmp_path)
    git(work, "switch", "-qc", "feature")
    (work / "feature.txt").write_text("unmerged work\n")
    git(work, "add", "feature.txt")
    git(work, "commit", "-qm", "feature")
    tip = git(work, "rev-parse", "HEAD")
    git(work, "switch", "-q", "main")

    [snap] = _protect("git branch -D feature", work)
    git(work, "branch", "-qD", "feature")
    git(work, "reflog", "expire", "--expire=now", "--all")
    git(work, "gc", "-q", "--prune=now")  # the backup ref keeps the commit
    _, message = base.restore(snap.id)
    assert "branch feature is back" in message and git(work, "rev-parse", "feature") == tip


def test_clean_and_stash_clear_are_undone(home: dict[str, str], tmp_path: Path):
    _, work = _repos(tmp_path)
    (work / "notes").mkdir()
    (work / "notes" / "todo.md").write_text("untracked\n")
    (work / ".gitignore").write_text("*.log\n")
    (work / "debug.log").write_text("ignored\n")
    [snap] = _protect("git clean -fd", work)
    assert snap.meta["untracked"] == [".gitignore", "notes/todo.md"]  # ignored files stay (no -x)
    git(work, "clean", "-qfd")
    base.restore(snap.id)
    assert (work / "notes" / "todo.md").read_text() == "untracked\n"

    (work / "app.py").write_text("one\n")
    git(work, "stash", "-q")
    (work / "app.py").write_text("two\n")
    git(work, "stash", "-q")
    entries = git(work, "stash", "list")
    [snap] = _protect("git stash clear", work)
    git(work, "stash", "clear")
    base.restore(snap.id)
    assert git(work, "stash", "list") == entries


def test_outside_a_repository_git_needs_no_snapshot(home: dict[str, str], tmp_path: Path):
    (tmp_path / "plain").mkdir()
    assert _protect("git reset --hard", tmp_path / "plain") == []


def test_snapshot_ids_are_what_messages_show(home: dict[str, str], tmp_path: Path):
    work = _project(tmp_path)
    [snap] = _protect("rm -rf data", work)
    assert SNAPSHOT_ID.fullmatch(snap.id)


def test_two_git_commands_in_one_line_make_one_snapshot_of_that_repository(home: dict[str, str], tmp_path: Path):
    _, work = _repos(tmp_path)
    (work / "app.py").write_text("stashed\n")
    git(work, "stash", "-q")
    (work / "app.py").write_text("uncommitted\n")
    head = git(work, "rev-parse", "HEAD")
    [snap] = _protect("git stash drop && cd . && git reset --hard", work)
    assert snap.meta["head"] == {"ref": "refs/heads/main", "sha": head}  # where HEAD was, for undo
    assert len(snap.meta["stash"]) == 1 and snap.meta["worktree"]
    git(work, "stash", "drop", "-q")
    git(work, "reset", "-q", "--hard")
    base.restore(snap.id)
    assert (work / "app.py").read_text() == "uncommitted\n" and git(work, "stash", "list")
    [pushed] = _protect("git branch -D gone && git push --force origin main", work)
    assert pushed.meta["head"] == {}  # neither moves HEAD: undo leaves it where it is
