"""The recoverable allowances, attacked the way an agent that wants the destructive action would:
every way found to lose uncommitted work, a file outside the project, history or a shared branch
through "an edit of a committed file" or "a lease push of my own branch", beside the safe form
that stays allowed.

Payloads are data in this file; commands are checked, never run, except where a test runs one
inside a temporary folder to show what it really does."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from blastwall.engine import check

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def decide(line: str, cwd: Path) -> str:
    return check(line, context={"cwd": str(cwd)}).decision.value


def decide_mcp(tool: str, arguments: dict, cwd: Path) -> str:
    payload = {"server": "filesystem", "tool": tool, "arguments": arguments}
    return check(payload, "mcp", context={"cwd": str(cwd)}).decision.value


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """proj/: src/clean.py committed unchanged, src/dirty.py with uncommitted edits; beside the
    project, outside.txt (a file of the user's that no repository holds)."""
    root = tmp_path / "proj"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"src/clean.py": "x = 1\n", "src/dirty.py": "d = 1\n", "src/other.py": "y = 1\n",
                 ".gitignore": ".env\nbuild/\ntarget/\nnode_modules/\n*.sqlite3\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    write(root, {"src/dirty.py": "d = 2  # not committed\n"})
    (tmp_path / "outside.txt").write_text("the user's own notes\n")
    return root


def commit_all(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", "more")


# ---- links: a committed link is not committed content --------------------------------------------

def test_a_write_through_a_committed_link_reaches_what_it_points_to(repo: Path) -> None:
    os.symlink("../../outside.txt", repo / "src/notes.md")  # a link git tracks, to a file no repository holds
    write(repo, {".env": "TOKEN=1\n"})
    os.symlink("../.env", repo / "src/settings.env")  # a link git tracks, to an ignored secret
    commit_all(repo)
    for line in ("echo x > src/notes.md", "cp src/clean.py src/notes.md", "truncate -s 0 src/notes.md",
                 "tee src/notes.md < src/clean.py", "sed -i --follow-symlinks 's/u/v/' src/notes.md",
                 "python3 -c 'open(\"src/notes.md\", \"w\").write(\"\")'", "echo x > src/settings.env"):
        assert decide(line, repo) == "ask", line
    assert decide_mcp("write_file", {"path": str(repo / "src/notes.md"), "content": "x"}, repo) == "ask"
    # sed -i and perl -i put a new file in place of the link: the link is replaced, git restores it
    assert decide("sed -i 's/u/v/' src/notes.md", repo) == "allow"
    assert decide("perl -pi -e 's/u/v/' src/notes.md", repo) == "allow"
    # a link to a committed file of the project is that file
    os.symlink("clean.py", repo / "src/alias.py")
    commit_all(repo)
    assert decide("echo 'x = 2' > src/alias.py", repo) == "allow"


def test_sed_in_place_replaces_a_link_and_follow_symlinks_edits_its_target(repo: Path) -> None:
    """What the two spellings really do (GNU sed, inside the temporary folder)."""
    target = repo.parent / "outside.txt"
    os.symlink(str(target), repo / "src/link.txt")
    subprocess.run(["sed", "-i", "s/own/OWN/", "src/link.txt"], cwd=repo, check=True)
    assert not (repo / "src/link.txt").is_symlink() and target.read_text() == "the user's own notes\n"
    (repo / "src/link.txt").unlink()
    os.symlink(str(target), repo / "src/link.txt")
    subprocess.run(["sed", "-i", "--follow-symlinks", "s/own/OWN/", "src/link.txt"], cwd=repo, check=True)
    assert target.read_text() == "the user's OWN notes\n"


def test_a_committed_folder_link_leads_a_recursive_search_out_of_the_project(repo: Path, tmp_path: Path) -> None:
    write(tmp_path, {"elsewhere/notes.py": "old\n"})
    os.symlink(str(tmp_path / "elsewhere"), repo / "src/vendor")
    write(repo, {"lib/a.py": "old\n"})
    commit_all(repo)
    for line in ("grep -Rl old src | xargs sed -i 's/old/new/'", "find -L src -name '*.py' -exec sed -i 's/a/b/' {} +",
                 "rg -L -l old src | xargs sed -i 's/old/new/'", "sed -i 's/old/new/' src/vendor/notes.py"):
        assert decide(line, repo) == "ask", line
    assert decide("grep -rl old lib | xargs sed -i 's/old/new/'", repo) == "allow"


def test_a_hard_link_changes_under_every_name(repo: Path) -> None:
    os.link(repo.parent / "outside.txt", repo / "src/shared.txt")
    commit_all(repo)
    for line in ("echo x > src/shared.txt", ": > src/shared.txt", "cp src/clean.py src/shared.txt",
                 "dd if=/dev/zero of=src/shared.txt count=1"):
        assert decide(line, repo) == "ask", line
    assert decide("sed -i 's/own/OWN/' src/shared.txt", repo) == "allow"  # a new file: the other name keeps its text


def test_a_hard_linked_file_really_changes_under_its_other_name(repo: Path) -> None:
    other = repo.parent / "outside.txt"
    os.link(other, repo / "src/shared.txt")
    subprocess.run(["bash", "-c", "echo gone > src/shared.txt"], cwd=repo, check=True)
    assert other.read_text() == "gone\n"


# ---- git told not to look ----------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_edits_git_is_told_not_to_see_are_uncommitted_work(repo: Path, flag: str) -> None:
    git(repo, "update-index", flag, "src/other.py")
    write(repo, {"src/other.py": "y = 2  # hidden from git status\n"})
    assert git(repo, "status", "--porcelain") == " M src/dirty.py\n"  # git status does not show it
    assert decide("sed -i 's/y/z/' src/other.py", repo) == "ask"
    assert decide("echo y > src/other.py", repo) == "ask"
    assert decide("sed -i 's/x/z/' src/clean.py", repo) == "allow"


def test_weakened_stat_checks_do_not_hide_an_edit(repo: Path) -> None:
    """core.checkStat=minimal and core.trustctime=false: an edit of the same size whose mtime was
    put back looks unchanged to git status; blastwall asks git with its own settings."""
    git(repo, "config", "core.checkStat", "minimal")
    git(repo, "config", "core.trustctime", "false")
    path = repo / "src/other.py"
    old = path.stat().st_mtime - 1000
    os.utime(path, (old, old))
    subprocess.run(["git", "-C", str(repo), "update-index", "-q", "--refresh"], env=GIT_ENV, check=False)  # old mtime
    time.sleep(1.1)  # the edit comes later: its ctime is another second
    path.write_text("y = 9\n")  # same size
    os.utime(path, (old, old))
    assert git(repo, "status", "--porcelain", "--", "src/other.py") == ""  # fooled
    assert decide("echo x > src/other.py", repo) == "ask"


# ---- writes a sed script or interpreter code makes -----------------------------------------------

@pytest.mark.parametrize("line", [
    "sed -i 's/1/2/w src/dirty.py' src/clean.py",
    "sed -i -e 's/1/2/' -e 'w src/dirty.py' src/clean.py",
    "sed -i 'W src/dirty.py' src/clean.py",
    "sed -n '1w src/dirty.py' src/clean.py",
    "perl -pi -e 'open(my $f, \">\", \"src/dirty.py\")' src/clean.py",
    "perl -e 'open(my $f, \">\", \"src/dirty.py\")'",
    "python3 -c 'open(\"src/dirty.py\", \"w\")'",
    "node -e 'require(\"fs\").writeFileSync(\"src/dirty.py\", \"\")'",
])
def test_a_file_a_script_also_writes_is_measured_like_the_edit(line: str, repo: Path) -> None:
    assert decide(line, repo) == "ask"
    assert decide(line.replace("src/dirty.py", "src/other.py"), repo) == "allow"  # committed unchanged


# ---- ignored is not always regenerable ------------------------------------------------------------

def test_secrets_and_data_in_build_folders_are_not_build_output(repo: Path) -> None:
    write(repo, {"build/.env": "TOKEN=1\n", "target/app.sqlite3": "rows\n", "build/out.js": "x\n"})
    assert decide("sed -i 's/1/2/' build/.env", repo) == "ask"
    assert decide("echo x > target/app.sqlite3", repo) == "ask"
    assert decide("echo x > build/out.js", repo) == "allow"


# ---- files chosen by a listing ---------------------------------------------------------------------

def test_tracked_files_listed_by_git_are_measured(repo: Path) -> None:
    write(repo, {"notes/untracked.md": "mine\n", "lib/a.py": "old\n"})
    git(repo, "add", "lib")
    git(repo, "commit", "-qm", "lib")
    for line in ("git ls-files | xargs sed -i 's/d/e/'", "git ls-files -m | xargs sed -i 's/d/e/'",
                 "git ls-files -z src | xargs -0 sed -i 's/d/e/'", "git grep -l d | xargs sed -i 's/d/e/'",
                 "git ls-files '*.py' | xargs sed -i 's/d/e/'", "git grep -l d -- '*.py' | xargs sed -i 's/d/e/'",
                 "git --no-pager grep -l d -- 'src/*.py' | xargs perl -pi -e 's/d/e/'"):
        assert decide(line, repo) == "ask", line
    # the tracked files there are committed unchanged; the untracked notes are not what git lists
    for line in ("git ls-files lib | xargs sed -i 's/old/new/'", "git grep -l old -- lib | xargs sed -i 's/old/new/'",
                 "git ls-files 'lib/*.py' | xargs sed -i 's/old/new/'"):
        assert decide(line, repo) == "allow", line
    write(repo, {"lib/scratch.py": "not committed\n"})
    assert decide("git ls-files lib | xargs sed -i 's/old/new/'", repo) == "allow"
    assert decide("grep -rl old lib | xargs sed -i 's/old/new/'", repo) == "ask"  # grep lists it


def test_listings_that_print_more_than_tracked_names_ask(repo: Path) -> None:
    for line in ("git ls-files -o | xargs sed -i 's/d/e/'", "git ls-files -s | xargs sed -i 's/d/e/'",
                 "git ls-files :/ | xargs sed -i 's/d/e/'", "git -C src ls-files | xargs sed -i 's/d/e/'",
                 "git ls-files --recurse-submodules | xargs sed -i 's/d/e/'"):
        assert decide(line, repo) == "ask", line


@pytest.mark.parametrize("glob", ["src/*.py", "**/*.py", "*.{py,md}"])
def test_search_globs_the_measurer_cannot_follow_count_every_file(glob: str, repo: Path) -> None:
    assert decide(f"rg -l d -g '{glob}' | xargs sed -i 's/d/e/'", repo) == "ask"
    assert decide("rg -l d --iglob '*.PY' | xargs sed -i 's/d/e/'", repo) == "ask"
    assert decide("grep -rl d src/dirty.py --include='src/*.py' | xargs sed -i 's/d/e/'", repo) == "ask"


def test_a_listing_blastwall_cannot_measure_asks(repo: Path) -> None:
    for line in ("ls src | xargs sed -i 's/d/e/'", "ls src/*.py | xargs sed -i 's/d/e/'",
                 "cat list.txt | xargs sed -i 's/d/e/'"):
        assert decide(line, repo) == "ask", line
    assert decide("echo src/clean.py | xargs sed -i 's/x/y/'", repo) == "allow"  # the names are on the line
