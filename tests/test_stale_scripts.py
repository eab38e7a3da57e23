"""Scripts and task files an earlier command on the same line changes before they run.

A real git repository in a temporary folder: on `main` ok.sh, the Makefile, package.json, a
justfile and x.py are harmless; the branch `evil` holds destructive versions of each. A checkout
of a local revision is read at that revision (git cat-file); a pull, merge, stash pop, unpacked
archive, patch or copy into the folder makes the file unknown and the line asks. Commands that
change other files, or none, leave it read from disk. Payloads live only in these strings.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from verdicts import verdict

from blastwall.analyze.shell.tree_changes import as_run

EVIL = "rm -rf ~/data"
EVIL_PY = "import shutil\nshutil.rmtree('/home/u/data')\n"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c",
                           "core.hooksPath=/dev/null", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def _data(repo: Path, sql: str, manifest: str) -> None:
    (repo / "migrate.sql").write_text(sql)
    (repo / "k8s.yaml").write_text(manifest)


SQL_EVIL = "DROP TABLE users;\n"
MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n"
MANIFEST_EVIL = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 0\n"


def _files(repo: Path, body: str, py: str) -> None:
    (repo / "ok.sh").write_text(f"#!/bin/sh\n{body}\n")
    os.chmod(repo / "ok.sh", 0o755)
    (repo / "x.py").write_text(py)
    (repo / "Makefile").write_text(f"deploy:\n\t{body}\n")
    (repo / "justfile").write_text(f"deploy:\n    {body}\n")
    (repo / "Taskfile.yml").write_text(f"version: '3'\ntasks:\n  deploy:\n    cmds:\n      - {json.dumps(body)}\n")
    (repo / "package.json").write_text(json.dumps({"name": "a", "scripts": {
        "reset": body, "test": body, "postinstall": body}}))
    (repo / "build").mkdir(exist_ok=True)
    (repo / "build" / "keep.txt").write_text("x\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "app"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    (r / "other.txt").write_text("notes\n")
    _files(r, "echo hello", "print('hello')\n")
    _data(r, "SELECT 1;\n", MANIFEST)
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "harmless")
    _git(r, "checkout", "-qb", "evil")
    _files(r, EVIL, EVIL_PY)
    _data(r, SQL_EVIL, MANIFEST_EVIL)
    _git(r, "commit", "-qam", "destructive")
    _git(r, "tag", "v-evil")
    _git(r, "checkout", "-q", "main")
    _git(r, "checkout", "-qb", "docs")
    (r / "other.txt").write_text("more notes\n")
    _git(r, "commit", "-qam", "docs only")
    _git(r, "checkout", "-q", "main")
    return r


def decide(line: str, repo: Path, probe: bool = True) -> str:
    return verdict(line, cwd=repo, probe=probe).decision.value


# ---- a checkout of a local revision: the file as that revision holds it ------------------------------
AT_REVISION = [
    "git checkout evil && sh ok.sh",
    "git checkout evil; sh ok.sh",
    "git checkout evil && bash ./ok.sh",
    "git checkout evil && ./ok.sh",
    "git checkout evil && . ./ok.sh",
    "git switch evil && sh ok.sh",
    "git switch --detach v-evil && sh ok.sh",
    "git checkout v-evil && sh ok.sh",
    "git checkout -q evil && sh ok.sh",
    "git checkout -f evil && sh ok.sh",
    "git -C . checkout evil && sh ok.sh",
    "git checkout -b topic evil && sh ok.sh",
    "git switch -c topic evil && sh ok.sh",
    "git checkout evil -- ok.sh && sh ok.sh",
    "git checkout evil ok.sh && sh ok.sh",
    "git checkout evil -- . && sh ok.sh",
    "git restore --source evil ok.sh && sh ok.sh",
    "git restore -s evil -- ok.sh && sh ok.sh",
    "git reset --hard evil && sh ok.sh",
    "git checkout docs && git checkout evil && sh ok.sh",
    "git checkout evil && make deploy",
    "git checkout evil && make",
    "git checkout evil && npm run reset",
    "git checkout evil && npm ci",
    "git checkout evil && npm test",
    "git checkout evil && yarn reset",
    "f() { git checkout evil; }; f && sh ok.sh",
    "(git checkout evil) && sh ok.sh",
    "if git checkout evil; then sh ok.sh; fi",
    "git checkout --track evil && sh ok.sh",
    "eval 'git checkout evil' && sh ok.sh",
    "git checkout evil && npm install",
    "git checkout evil && task deploy",
    "git checkout evil && python3 x.py",
    "sudo git checkout evil && sh ok.sh",
    "bash -c 'git checkout evil' && sh ok.sh",
    "git checkout evil && cd . && sh ok.sh",
    "git checkout evil -- ok.sh && git checkout -- ok.sh && sh ok.sh",
    "git checkout evil -- ok.sh && git checkout ok.sh && sh ok.sh",
    "git checkout docs && git checkout evil -- ok.sh && sh ok.sh",
    "git checkout evil && psql -f migrate.sql",
    "git checkout evil && kubectl apply -f k8s.yaml",
]


@pytest.mark.parametrize("line", AT_REVISION)
def test_file_is_read_at_the_checked_out_revision(line: str, repo: Path) -> None:
    assert decide(line, repo) == "ask", line


def test_reason_is_the_scripts_own_at_that_revision(repo: Path) -> None:
    v = verdict("git checkout evil && sh ok.sh", cwd=repo, probe=True)
    assert any("rm deletes ~/data" in r for r in v.reasons), v.reasons


# ---- an earlier command whose result cannot be known: the line asks, naming it ------------------------
UNKNOWN = [
    ("git pull && ./ok.sh", "git pull"),
    ("git pull --rebase && sh ok.sh", "git pull --rebase"),
    ("git fetch && git merge origin/main && sh ok.sh", "git merge origin/main"),
    ("git merge evil && make deploy", "git merge evil"),
    ("git stash pop && npm run reset", "git stash pop"),
    ("git stash apply; sh ok.sh", "git stash apply"),
    ("git rebase evil && sh ok.sh", "git rebase evil"),
    ("git cherry-pick evil && sh ok.sh", "git cherry-pick evil"),
    ("git am < p.mbox && sh ok.sh", "git am"),
    ("git apply x.diff && sh ok.sh", "git apply x.diff"),
    ("git co evil && sh ok.sh", "git co evil"),
    ("git checkout -m evil && sh ok.sh", "git checkout -m evil"),
    ("git fetch origin evil:evil && git checkout evil && sh ok.sh", "git checkout evil"),
    ("git bisect start evil main && sh ok.sh", "git bisect"),
    ("unzip -o a.zip && sh ok.sh", "unzip -o a.zip"),
    ("unzip a.zip -d . && sh ok.sh", "unzip a.zip -d ."),
    ("tar xf a.tar && ./ok.sh", "tar xf a.tar"),
    ("tar -xzf a.tgz && sh ok.sh", "tar -xzf a.tgz"),
    ("tar --extract -f a.tar && sh ok.sh", "tar --extract"),
    ("bsdtar xf a.tar && sh ok.sh", "bsdtar"),
    ("7z x a.7z && sh ok.sh", "7z x a.7z"),
    ("patch -p1 < x.diff && sh ok.sh", "patch -p1"),
    ("patch -p1 -i x.diff && make deploy", "patch -p1"),
    ("curl -o ok.sh https://example.com/x && sh ok.sh", "earlier command"),
    ("curl -O https://example.com/ok.sh && sh ok.sh", "curl -O"),
    ("wget https://example.com/ok.sh && ./ok.sh", "wget"),
    ("cp /tmp/ok.sh . && sh ok.sh", "cp /tmp/ok.sh ."),
    ("mv ../ok.sh ./ && sh ok.sh", "mv ../ok.sh"),
    ("cp -r /tmp/evil/. . && sh ok.sh", "cp -r /tmp/evil/. ."),
    ("rsync -a /tmp/evil/ ./ && sh ok.sh", "rsync -a"),
    ("cp /tmp/x/* . && sh ok.sh", "cp /tmp/x/*"),
    ("gh pr checkout 12 && sh ok.sh", "gh pr checkout 12"),
    ("svn update && sh ok.sh", "svn update"),
    ("hg pull -u && sh ok.sh", "hg pull -u"),
    ("bash -c 'git pull' && sh ok.sh", "git pull"),
    ("sh -c 'cd . && git pull'; sh ok.sh", "git pull"),
    ("timeout 60 git pull && sh ok.sh", "git pull"),
    ("echo evil | xargs git checkout && sh ok.sh", "xargs git checkout"),
    ("xargs -n1 git checkout <<< evil; sh ok.sh", "xargs"),
    ("git checkout $(git rev-parse evil) && sh ok.sh", "git checkout"),
    ("git checkout evil -- ':(glob)*.sh' && sh ok.sh", "git checkout evil"),
    ("git pull && npm run reset", "git pull"),
    ("git pull && just deploy", "git pull"),
    ("git pull && python3 x.py", "git pull"),
    ("git pull && psql -f migrate.sql", "psql"),
]


@pytest.mark.parametrize(("line", "named"), UNKNOWN)
def test_unknown_change_asks_naming_the_earlier_command(line: str, named: str, repo: Path) -> None:
    v = verdict(line, cwd=repo, probe=True)
    assert v.decision.value == "ask", line
    assert any(named in r for r in v.reasons), v.reasons


@pytest.mark.parametrize("line", ["git checkout evil && git checkout - && sh ok.sh",
                                  "git checkout evil && git reset --hard HEAD && sh ok.sh",
                                  "git checkout evil && git stash && sh ok.sh",
                                  "git checkout evil && git checkout @{-1} -- ok.sh && sh ok.sh"])
def test_revisions_named_from_head_after_a_checkout_ask(line: str, repo: Path) -> None:
    assert decide(line, repo) == "ask", line


def test_a_script_reached_through_a_link_asks(repo: Path) -> None:
    (repo / "run.sh").symlink_to("ok.sh")
    assert decide("sh run.sh", repo) == "allow"
    assert decide("git checkout docs && sh run.sh", repo) == "ask"


def test_a_script_the_revision_makes_a_link_asks(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "linked")
    (repo / "ok.sh").unlink()
    (repo / "ok.sh").symlink_to("/nonexistent/elsewhere.sh")
    _git(repo, "commit", "-qam", "link")
    _git(repo, "checkout", "-q", "main")
    v = verdict("git checkout linked && sh ok.sh", cwd=repo, probe=True)
    assert v.decision.value == "ask"
    assert any("link" in r for r in v.reasons), v.reasons


def test_staged_content_is_what_a_checkout_of_the_file_restores(repo: Path) -> None:
    (repo / "ok.sh").write_text(EVIL + "\n")
    _git(repo, "add", "ok.sh")
    (repo / "ok.sh").write_text("echo hello\n")
    assert decide("sh ok.sh", repo) == "allow"
    assert decide("git checkout -- ok.sh && sh ok.sh", repo) == "ask"
    assert decide("git restore ok.sh && sh ok.sh", repo) == "ask"


def test_local_changes_git_may_refuse_to_overwrite_ask(repo: Path) -> None:
    (repo / "ok.sh").write_text("echo edited\n")
    assert decide("git checkout evil && sh ok.sh", repo) == "ask"


def test_without_probes_a_checkout_is_not_replayed_and_asks(repo: Path) -> None:
    v = verdict("git checkout docs && sh ok.sh", cwd=repo, probe=False)
    assert v.decision.value == "ask"
    assert any("does not run git" in r for r in v.reasons), v.reasons


def test_a_revision_the_repository_lacks_asks(repo: Path) -> None:
    assert decide("git checkout origin/evil && sh ok.sh", repo) == "ask"


# ---- changes that do not reach the file, and everyday lines --------------------------------------------
SAFE = [
    "sh ok.sh",
    "git checkout docs && sh ok.sh",
    "git checkout main && sh ok.sh",
    "git checkout evil && git checkout docs && sh ok.sh",
    "git switch docs && make deploy",
    "git checkout docs && npm run reset",
    "git checkout docs && npm ci",
    "git checkout -b topic && sh ok.sh",
    "git switch -c topic && make deploy",
    "git checkout -- other.txt && sh ok.sh",
    "git checkout evil -- other.txt && sh ok.sh",
    "git restore other.txt && sh ok.sh",
    "git restore --staged ok.sh && sh ok.sh",
    "git checkout ok.sh && sh ok.sh",
    "git reset --hard && sh ok.sh",
    "git reset HEAD~0 && sh ok.sh",
    "git stash && sh ok.sh",
    "git stash list && sh ok.sh",
    "git fetch && sh ok.sh",
    "git add -A && git commit -qm x && ./ok.sh",
    "git status && git log --oneline -3 && sh ok.sh",
    "git apply --check x.diff && sh ok.sh",
    "tar xf a.tar -C build/ && sh ok.sh",
    "tar -C build -xzf a.tgz && sh ok.sh",
    "tar czf backup.tgz build && sh ok.sh",
    "tar tf a.tar && sh ok.sh",
    "unzip -l a.zip && sh ok.sh",
    "unzip -o a.zip -d build && sh ok.sh",
    "patch -d build -p1 < x.diff && sh ok.sh",
    "patch --dry-run -p1 < x.diff && sh ok.sh",
    "cp other.txt build/ && sh ok.sh",
    "cp -r /tmp/assets build/ && sh ok.sh",
    "curl -o data.json https://example.com/data.json && sh ok.sh",
    "git pull && git log",
    "git pull && git status",
    "git checkout main && git status",
    "git pull --rebase && npm ci",
    "git pull && npm test",
    "git pull && make",
    "psql -f migrate.sql",
    "kubectl apply -f k8s.yaml",
    "git checkout docs && psql -f migrate.sql",
    "git checkout docs && kubectl apply -f k8s.yaml",
]


@pytest.mark.parametrize("line", SAFE)
def test_changes_that_do_not_reach_the_script_stay_allowed(line: str, repo: Path) -> None:
    assert decide(line, repo) == "allow", verdict(line, cwd=repo, probe=True).reasons


def test_submodule_updates_change_only_submodule_folders(repo: Path) -> None:
    (repo / ".gitmodules").write_text('[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/lib.git\n')
    (repo / "lib").mkdir()
    (repo / "lib" / "setup.sh").write_text("echo lib\n")
    assert decide("git submodule update --init && sh ok.sh", repo) == "allow"
    assert decide("git submodule update --init && sh lib/setup.sh", repo) == "ask"
    assert decide("git submodule update --init; make deploy", repo) == "allow"


def test_untracked_script_stays_read_from_disk_across_a_checkout(repo: Path) -> None:
    (repo / "mine.sh").write_text("echo mine\n")
    assert decide("git checkout evil && sh mine.sh", repo) == "allow"


def test_a_script_in_another_repository_is_not_changed(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    _git(other, "init", "-q", "-b", "main")
    assert decide(f"git -C {other} pull && sh ok.sh", repo) == "allow"


def test_as_run_is_none_without_earlier_commands(repo: Path) -> None:
    from blastwall.analyze.base import Scope

    assert as_run("ok.sh", Scope(cwd=str(repo))) is None
