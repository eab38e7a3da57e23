"""Blast radius of files and git: measured counts equal what the action really destroys (it is
run afterwards on a copy of the tree), budget exhaustion is unmeasured (never zero), and policy
and approval rules match on the radius."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from blastwall.approvals.settings import SettingsError, compile_settings
from blastwall.engine import check
from blastwall.model import Action, Context, Surface
from blastwall.policy.engine import compile_layers, default_document
from blastwall.policy.load import read_document
from blastwall.policy.trust import tighten_only
from blastwall.policy.validate import validate_text
from blastwall.radius import measure_all
from blastwall.radius.base import MeasureContext
from blastwall.radius.files import measure_paths
from blastwall.radius.policy import RadiusError, compile_conditions, matches

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout


def sh(repo: Path, line: str) -> None:
    subprocess.run(["bash", "-c", line], cwd=repo, check=False, capture_output=True, env=GIT_ENV)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def make_repo(root: Path, committed: dict[str, str], after: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, committed)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    write(root, after or {})
    return root


def snapshot(root: Path) -> dict[str, int]:
    out = {}
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for n in names:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = os.lstat(p).st_size
    return out


def radius_of(line: str, cwd: Path, rule: str = "") -> dict:
    verdict = check(line, context={"cwd": str(cwd)})
    measured = [f.radius for f in verdict.findings if f.radius and f.rule_id.startswith(rule)]
    assert measured, verdict
    return measured[0]


def effect_of(line: str, repo: Path, tmp_path: Path) -> tuple[int, int]:
    """Files and bytes that really disappear when `line` runs on a copy of `repo`."""
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    before = snapshot(copy)
    sh(copy, line)
    after = snapshot(copy)
    gone = {k: v for k, v in before.items() if k not in after}
    return len(gone), sum(gone.values())


TREE = {".gitignore": "build/\n.env\n*.log\n", "src/a.py": "print(1)\n", "src/b.py": "x = 2\n", "docs/r.md": "# r\n"}
LATER = {"build/out.o": "o" * 300, "build/sub/lib.so": "s" * 50, "src/new.py": "new work\n", "src/a.py": "changed\n",
         ".env": "SECRET=1\n", "app.log": "log\n", "notes/todo.txt": "todo\n"}


@pytest.mark.parametrize("line", ["rm -rf build", "rm -rf src", "rm -rf notes src", "rm -rf *", "rm .env",
                                  "rm -rf build/sub", "find . -name '*.log' -delete"])
def test_file_counts_equal_the_real_effect(line: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE, LATER)
    radii = [f.radius for f in check(line, context={"cwd": str(repo)}).findings if f.radius]  # one per target
    assert radii and all(r["measured"] and r["source"] == "files" for r in radii)
    counted = (sum(r["counts"]["files"] for r in radii), sum(r["counts"]["bytes"] for r in radii))
    assert counted == effect_of(line, repo, tmp_path)


def test_classification_of_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE, LATER)
    assert radius_of("rm -rf build", repo)["irreplaceable"] is False
    r = radius_of("rm -rf src", repo)
    assert r["counts"] | {} == r["counts"]
    assert (r["counts"]["tracked"], r["counts"]["modified"], r["counts"]["untracked"]) == (1, 1, 1)
    assert r["irreplaceable"] is True
    env = radius_of("rm .env", repo)
    assert env["counts"]["ignored"] == 1 and env["counts"]["regenerable"] == 0 and env["irreplaceable"] is True
    assert radius_of("rm -rf docs", repo)["irreplaceable"] is False


def test_files_outside_any_repository_are_irreplaceable(tmp_path: Path) -> None:
    write(tmp_path / "plain", {"a.txt": "a", "b/c.txt": "cc"})
    r = radius_of("rm -rf plain", tmp_path)
    assert r["counts"]["outside_repo"] == 2 and r["irreplaceable"] is True


def test_files_outside_the_project_are_flagged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    other = make_repo(tmp_path / "other", {"x.txt": "x"})
    r = radius_of(f"rm -rf {other}/x.txt", repo)
    assert r["counts"]["outside_project"] == 1 and r["irreplaceable"] is True


def test_nothing_there_is_not_proof_of_nothing_lost(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    r = radius_of("rm -rf missing", repo)
    assert r["measured"] and r["counts"]["files"] == 0 and r["irreplaceable"] is None


def test_earlier_commands_in_the_line_make_it_unknown(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    assert radius_of("rm -rf docs", repo)["irreplaceable"] is False
    assert radius_of("cd . && rm -rf docs", repo)["irreplaceable"] is False
    assert radius_of("cp ~/important docs/ && rm -rf docs", repo, "shell.fs:rm")["irreplaceable"] is None


def test_budget_exhaustion_is_unmeasured_never_zero(tmp_path: Path) -> None:
    write(tmp_path / "big", {f"d{i}/f{j}": "x" for i in range(20) for j in range(50)})
    ctx = MeasureContext(None, time.monotonic() - 1, str(tmp_path))
    r = measure_paths([str(tmp_path / "big")], (), ctx)
    assert r.measured is False and "stopped counting" in r.summary and not r.counts
    action = Action(Surface.SHELL, "rm -rf big", Context(cwd=str(tmp_path)))
    verdict = check(action)
    f = next(f for f in verdict.findings if f.rule_id == "shell.fs:rm")
    assert f.radius and f.radius["measured"] and f.radius["counts"]["files"] == 1000
    out = measure_all(action, list(verdict.findings) and [f._replace(radius=None)], None, budget_s=0.0001)
    assert out[0].radius is None or out[0].radius["measured"] is False


def test_budget_zero_measures_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE, LATER)
    (repo / "blastwall.toml").write_text("[radius]\nbudget_ms = 0\n")
    from blastwall.policy.load import user_config_dir
    from blastwall.policy.trust import trust

    trust(str(repo / "blastwall.toml"), user_config_dir())  # measuring less is for trusted files
    verdict = check("rm -rf build", context={"cwd": str(repo)})
    assert all(f.radius is None for f in verdict.findings)


# git ------------------------------------------------------------------------------------------

def git_repo(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=GIT_ENV)
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n", ".gitignore": "build/\n"})
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "checkout", "-qb", "merged")
    write(repo, {"m.txt": "m\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "merged work")
    git(repo, "push", "-q", "origin", "merged")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "merged")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-qb", "wip")
    for i in range(3):
        write(repo, {f"w{i}.txt": str(i)})
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"wip {i}")
    git(repo, "checkout", "-q", "main")
    return repo


def test_branch_delete(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    merged = radius_of("git branch -D merged", repo)
    assert merged["counts"]["commits_lost"] == 0 and merged["irreplaceable"] is False
    wip = radius_of("git branch -D wip", repo)
    assert wip["counts"]["commits_lost"] == 3 and wip["irreplaceable"] is True
    before = set(git(repo, "rev-list", "--all").split())
    copy = tmp_path / "c"
    shutil.copytree(repo, copy)
    git(copy, "branch", "-D", "wip")
    assert len(before - set(git(copy, "rev-list", "--all").split())) == 3


def test_force_push_counts_the_remote_commits_overwritten(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    git(repo, "checkout", "-q", "-b", "rewrite", "main~1")
    r = radius_of("git push --force origin rewrite:main", repo)
    assert r["counts"]["commits_lost"] == 1 and r["counts"]["commits_kept"] == 1  # local main still holds it
    assert r["irreplaceable"] is None  # without a lease the remote may hold more than the last fetch brought
    assert radius_of("git push --force origin wip:main", repo)["counts"]["commits_lost"] == 0
    assert radius_of("git push --force origin nowhere:never", repo)["measured"] is False


def test_reset_hard_and_discards(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    clean = radius_of("git reset --hard", repo)
    assert clean["counts"] == {"uncommitted": 0, "modified": 0, "commits_lost": 0} and clean["irreplaceable"] is False
    write(repo, {"a.txt": "edited\n", "m.txt": "edited\n", "fresh.txt": "untracked survives\n"})
    dirty = radius_of("git reset --hard", repo)
    assert dirty["counts"]["uncommitted"] == 2 and dirty["irreplaceable"] is True
    assert radius_of("git checkout -- a.txt", repo)["counts"]["modified"] == 1
    assert radius_of("git restore .", repo)["counts"]["modified"] == 2
    git(repo, "checkout", "-q", "wip")
    write(repo, {"a.txt": "a\n", "m.txt": "m\n"})
    assert radius_of("git reset --hard main", repo)["counts"]["commits_lost"] == 3


def test_a_snapshot_does_not_make_the_commits_it_keeps_replaceable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   ) -> None:
    """The snapshot taken before the agent's prompt keeps the commits under refs/blastwall/; they
    are still lost to the branch, so a declined `reset --hard` asks again when retried."""
    from blastwall.model import Action, Context, Surface
    from blastwall.snapshots.take import protect

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    repo = git_repo(tmp_path)
    git(repo, "checkout", "-q", "wip")
    write(repo, {"a.txt": "a\n", "m.txt": "m\n"})
    line = "git reset --hard main"
    assert radius_of(line, repo)["counts"]["commits_lost"] == 3
    action = Action(Surface.SHELL, line, Context(cwd=str(repo), agent="codex"))
    assert protect([action], [check(line, context={"cwd": str(repo)})], policy=None)  # type: ignore[arg-type]
    assert "refs/blastwall/" in git(repo, "for-each-ref", "--format=%(refname)")
    again = radius_of(line, repo)
    assert again["counts"]["commits_lost"] == 3 and again["irreplaceable"] is True
    assert check(line, context={"cwd": str(repo)}).decision.value == "ask"


def test_the_backup_namespace_is_the_snapshots_one() -> None:
    from blastwall.radius.git import BACKUP_NS
    from blastwall.snapshots.gitops import BACKUP_NS as SNAPSHOTS

    assert BACKUP_NS == SNAPSHOTS


@pytest.mark.parametrize("line", ["git clean -fd", "git clean -fdx", "git clean -fdx build", "git clean -f"])
def test_git_clean_counts_equal_the_real_effect(line: str, tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    write(repo, {"build/o.bin": "b" * 40, "new/x.txt": "x", "loose.txt": "l"})
    r = radius_of(line, repo)
    assert (r["counts"]["files"], r["counts"]["bytes"]) == effect_of(line, repo, tmp_path)


def test_stash(tmp_path: Path) -> None:
    repo = git_repo(tmp_path)
    assert radius_of("git stash drop", repo)["irreplaceable"] is None
    write(repo, {"a.txt": "stashed\n"})
    git(repo, "stash", "-q")
    assert radius_of("git stash clear", repo)["counts"]["stashes"] == 1


# policy ---------------------------------------------------------------------------------------

def test_conditions() -> None:
    c = compile_conditions({"files": ">1000", "irreplaceable": False, "rows": "<=1_000", "source": "files"})
    assert matches(c, {"measured": True, "irreplaceable": False, "source": "files", "counts": {"files": 1001, "rows": 5}})
    assert not matches(c, {"measured": True, "irreplaceable": False, "source": "files", "counts": {"files": 1001}})
    assert not matches(c, {"measured": False, "summary": "x"})
    assert not matches(c, None)
    assert matches(compile_conditions({"measured": False}), None)
    assert not matches(compile_conditions({"measured": False}), {"measured": True, "counts": {}})
    assert matches((), None)
    for bad in ({"files": "lots"}, {"irreplaceable": "no"}, {}, {"Files!": 1}, {"source": 3}):
        with pytest.raises(RadiusError):
            compile_conditions(bad)


def test_policy_validation_names_file_and_line() -> None:
    text = '[[rule]]\ndecision = "ask"\n\n[[rule]]\ndecision = "deny"\nradius = { files = "many" }\n'
    assert validate_text(text, "b.toml") == ['b.toml:4: radius.files must be a comparison such as ">1000" or "<=10", '
                                             "not 'many'"]


def _policy(text: str, tmp_path: Path):
    f = tmp_path / "blastwall.toml"
    f.write_text(text)
    return compile_layers([(str(f), read_document(f)), ("defaults", default_document())])


def test_rule_on_radius_decides(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE, {f"notes/n{i}.txt": "n" for i in range(30)})
    p = _policy('[[rule]]\nrule = "shell.fs:rm"\nradius = { untracked = ">20" }\ndecision = "deny"\n', tmp_path)
    assert check("rm -rf notes", context={"cwd": str(repo)}, policy=p).decision.value == "deny"
    assert check("rm -rf docs", context={"cwd": str(repo)}, policy=p).decision.value == "allow"
    assert check("rm -rf notes", policy=p, read_files=False).decision.value == "ask"  # unmeasured: never zero


def test_untrusted_project_may_not_allow_by_radius() -> None:
    doc = {"rule": [{"decision": "allow", "radius": {"irreplaceable": False}}, {"decision": "deny",
                                                                                  "radius": {"files": ">5"}}]}
    kept, dropped = tighten_only(doc, default_document())
    assert kept["rule"] == [doc["rule"][1]] and len(dropped) == 1


def test_approval_rule_on_radius() -> None:
    s = compile_settings({"rule": [{"require": 2, "radius": {"commits_lost": ">=2"}}]})
    lost = {"rule_id": "shell.git:push-force", "severity": "high",
            "radius": {"measured": True, "counts": {"commits_lost": 3}}}
    assert s.required_for([lost]) == 2
    assert s.required_for([{**lost, "radius": None}]) == 1
    with pytest.raises(SettingsError):
        compile_settings({"rule": [{"require": 2, "radius": {"commits_lost": "several"}}]})


def test_default_policy_allows_only_what_is_measured_harmless(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE, LATER)
    ok = check("rm -rf docs", context={"cwd": str(repo)})
    assert ok.decision.value == "allow" and "measured: only files committed unchanged" in ok.reasons[0]
    assert check("rm -rf src", context={"cwd": str(repo)}).decision.value == "ask"
    assert check("rm .env", context={"cwd": str(repo)}).decision.value == "ask"
    assert check("rm -rf docs", context={"cwd": str(repo)}, read_files=False).decision.value == "ask"


def test_radius_section_is_validated() -> None:
    assert validate_text("[radius]\nbudget_ms = 250\n", "b.toml") == []
    assert validate_text("\n[radius]\nbudget_ms = -1\n", "b.toml")[0].startswith("b.toml:2: [radius] budget_ms")


def test_radius_reaches_requests_notifications_and_pages(tmp_path: Path) -> None:
    from blastwall.approvals.messages import outgoing
    from blastwall.approvals.requests import build_request
    from blastwall.approvals.web.pages import Viewer
    from blastwall.approvals.web.request_page import Detail, request_page

    repo = make_repo(tmp_path / "repo", TREE, LATER)
    action = Action(Surface.SHELL, "rm -rf src", Context(cwd=str(repo)))
    verdict = check(action)
    assert "(measured: 3 files" in verdict.reasons[0]
    req = build_request([action], [verdict], verdict.reasons, required=1, expires_s=60)
    assert req.radius and req.radius["measured"][0]["summary"].startswith("3 files")
    assert outgoing(req)["radius"] == [f"src: measured: {req.radius['measured'][0]['summary']}"]
    html = request_page(Detail(req, 0, []), Viewer("ada", "t"), None, time.time())
    assert "<h2>What would be lost</h2>" in html and "3 untracked" not in html and "1 untracked" in html


def test_an_action_without_a_folder_is_not_measured(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    assert all(f.radius is None for f in check(f"rm -rf {repo}/docs").findings)
    assert radius_of("git reset --hard origin/main", repo)["measured"] is False  # never fetched: not "nothing lost"
