"""Recoverable edits and owned branches, each safe form beside its destructive look-alike, in real
git repositories: an edit of a file committed unchanged is allowed (git restores it), an edit of a
file holding uncommitted or untracked work asks; a force push with a lease to the agent's own
branch is allowed when every commit it drops is still here or was made here, and asks on the
remote's default branch, a protected branch, a teammate's commit or without a lease.

Every payload stays in this file as data; the commands are checked, never run, except where a
test runs one on a copy of a temporary repository to prove what it does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.base import Scope
from blastwall.analyze.shell import analyze_command
from blastwall.analyze.shell.inplace import read_edit, sed_commands
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.listers import listing
from blastwall.engine import check
from blastwall.policy.engine import compile_layers, default_document

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


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """src/clean.py and docs/guide.md committed unchanged, src/dirty.py with uncommitted edits,
    notes/untracked.md untracked, config/local.yml ignored."""
    root = tmp_path / "proj"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"src/clean.py": "x = 1\n", "src/other.py": "y = 1\n", "src/dirty.py": "d = 1\n",
                 "docs/guide.md": "guide\n", ".gitignore": "config/local.yml\nnode_modules/\n",
                 "db/migrate/20240101000000_create_users.rb": "create\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    write(root, {"src/dirty.py": "d = 2  # not committed\n", "notes/untracked.md": "mine\n",
                 "config/local.yml": "password: x\n", "node_modules/pkg/index.js": "x\n"})
    return root


def decide(line: str, cwd: Path | None) -> str:
    return check(line, context={"cwd": str(cwd)} if cwd else None).decision.value


def decide_mcp(tool: str, arguments: dict, cwd: Path | None) -> str:
    payload = {"server": "filesystem", "tool": tool, "arguments": arguments}
    return check(payload, "mcp", context={"cwd": str(cwd)} if cwd else None).decision.value


# ---- in-place edits of files git holds, beside the same edit of work git does not hold ---------

# (command with {f} for the file, what it does)
EDITS = [
    ("sed -i 's/1/2/' {f}", "GNU sed"),
    ("sed -i '' 's/1/2/' {f}", "BSD sed: '' is the backup suffix"),
    ("sed -i '' -e 's/1/2/' {f}", "BSD sed with -e"),
    ("sed -i.bak 's/1/2/' {f} && rm {f}.bak", "a backup the line removes again"),
    ("sed --in-place=.orig -E 's/(1)/2/' {f}", "GNU long option"),
    ("sed -Ei 's/1/2/g' {f}", "a cluster"),
    ("gsed -i 's/1/2/' {f}", "GNU sed on macOS"),
    ("perl -pi -e 's/1/2/' {f}", "perl -pi"),
    ("perl -i.bak -pe 's/1/2/' {f}", "perl with a backup"),
    ("ruby -pi -e 'gsub(/1/, \"2\")' {f}", "ruby -pi"),
    ("sed -i '1,$d' {f}", "a wipe of a file git holds"),
    ("truncate -s 0 {f}", "a wipe"),
    (": > {f}", "a wipe"),
    ("echo 'x = 3' > {f}", "an overwrite"),
    ("cp src/other.py {f}", "a copy over the file"),
]


@pytest.mark.parametrize(("line", "what"), EDITS, ids=[w for _, w in EDITS])
def test_an_edit_of_a_committed_file_is_allowed_and_of_uncommitted_work_asks(line: str, what: str,
                                                                              repo: Path) -> None:
    assert decide(line.format(f="src/clean.py"), repo) == "allow", what
    assert decide(line.format(f="src/dirty.py"), repo) == "ask", what  # uncommitted changes
    assert decide(line.format(f="notes/untracked.md"), repo) == "ask", what  # git does not have it
    assert decide(line.format(f="config/local.yml"), repo) == "ask", what  # ignored, not build output


def test_an_edit_outside_any_repository_asks(tmp_path: Path) -> None:
    write(tmp_path, {"plain/notes.txt": "n\n"})
    assert decide("sed -i 's/n/m/' notes.txt", tmp_path / "plain") == "ask"


def test_editing_build_output_is_allowed(repo: Path) -> None:
    assert decide("sed -i 's/x/y/' node_modules/pkg/index.js", repo) == "allow"


def test_the_edit_is_measured_where_the_line_cds(repo: Path) -> None:
    assert decide("cd src && sed -i 's/1/2/' clean.py", repo) == "allow"
    assert decide("cd src && sed -i 's/1/2/' dirty.py", repo) == "ask"


def test_a_cd_in_a_subshell_does_not_make_a_file_look_new(repo: Path) -> None:
    # the cd lasts only inside the parentheses: the file is looked for in both folders
    assert decide("(cd src && ls); echo x > notes/untracked.md", repo) == "ask"
    assert decide("cd src && echo x > fresh_module.py", repo) == "allow"


def test_a_working_directory_that_is_not_here_proves_nothing_new(tmp_path: Path) -> None:
    elsewhere = str(tmp_path / "not-on-this-machine")
    for line in ("echo x > .env", "cp a.db data/app.sqlite3", "echo x > migrations/0001_initial.sql"):
        assert check(line, context={"cwd": elsewhere}).decision.value == "ask", line


def test_an_earlier_command_on_the_line_leaves_the_wipe_unproved(repo: Path) -> None:
    # the append makes clean.py hold text git does not have before the wipe runs
    assert decide("sed -i '1,$d' src/clean.py", repo) == "allow"
    assert decide("echo more >> src/clean.py && sed -i '1,$d' src/clean.py", repo) == "ask"


def test_sed_edits_really_are_undone_by_git(repo: Path, tmp_path: Path) -> None:
    """The forms read as `sed -i` really edit the file (GNU sed here) and git restores it."""
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    subprocess.run(["sed", "-i", "s/1/2/", "src/clean.py"], cwd=copy, check=True)
    assert (copy / "src/clean.py").read_text() == "x = 2\n"
    git(copy, "checkout", "--", "src/clean.py")
    assert (copy / "src/clean.py").read_text() == "x = 1\n"


# ---- xargs: files chosen by a search ------------------------------------------------------------

def test_search_results_fed_to_sed(repo: Path) -> None:
    write(repo, {"lib/a.py": "old\n", "lib/b.py": "old\n"})
    git(repo, "add", "lib")
    git(repo, "commit", "-qm", "lib")
    assert decide("grep -rl old lib | xargs sed -i 's/old/new/'", repo) == "allow"
    assert decide("grep -rl --include='*.py' old lib | xargs sed -i 's/old/new/g'", repo) == "allow"
    assert decide("rg -l old lib | xargs sed -i '' 's/old/new/g'", repo) == "allow"
    assert decide("grep -rlZ old lib | xargs -0 perl -pi -e 's/old/new/'", repo) == "allow"
    assert decide("find lib -name '*.py' -exec sed -i 's/old/new/' {} +", repo) == "allow"
    # the same search over a folder with uncommitted work, or over the whole tree with an ignored config
    assert decide("grep -rl 1 src | xargs sed -i 's/1/2/'", repo) == "ask"
    assert decide("grep -rl x . | xargs sed -i 's/x/y/'", repo) == "ask"
    assert decide("grep -rl x ~ | xargs sed -i 's/x/y/'", repo) == "ask"
    assert decide("grep -rl x / | xargs sed -i 's/x/y/'", repo) in ("ask", "deny")


def test_search_results_without_a_working_directory() -> None:
    # project files chosen by a search are project files chosen by a glob (sed -i 's/a/b/' src/*.ts)
    assert decide("grep -rl oldFunc src | xargs sed -i 's/oldFunc/newFunc/g'", None) == "allow"
    assert decide("sed -i 's/oldFunc/newFunc/g' src/*.ts", None) == "allow"
    assert decide("grep -rl oldFunc src | xargs sed -i '1,$d'", None) == "ask"  # a wipe is not an edit
    assert decide("grep -rl x ~/.ssh | xargs sed -i 's/x/y/'", None) == "ask"
    assert decide("grep -rl TODO src | xargs rm", None) == "ask"


@pytest.mark.parametrize(("argv", "roots", "names", "tracked"), [
    ("grep -rl foo src", ("src",), (), False),
    ("grep -Rli foo", (".",), (), False),
    ("grep -l foo a.py b.py", ("a.py", "b.py"), (), False),
    ("grep -rl -e foo --include=*.ts src lib", ("src", "lib"), ("*.ts",), False),
    ("grep -r --files-with-matches foo src", ("src",), (), False),
    ("rg -l foo", (".",), (), False),
    ("rg -l -g '*.rs' foo crates", ("crates",), ("*.rs",), False),
    ("rg --files src", ("src",), (), False),
    ("ag -l foo app", ("app",), (), False),
    ("git grep -l foo -- lib", ("lib",), (), True),
    ("git grep -l --untracked foo", (".",), (), False),
])
def test_search_listings(argv: str, roots: tuple, names: tuple, tracked: bool) -> None:
    import shlex

    found = listing([Word.lit(w) for w in shlex.split(argv)])
    assert found is not None and found.roots == roots and found.names == names and found.tracked is tracked


@pytest.mark.parametrize("argv", ["grep foo src/a.py", "grep -l foo", "rg foo", "rg -l -g '!*.md' foo", "ls src"])
def test_not_listings(argv: str) -> None:
    import shlex

    assert listing([Word.lit(w) for w in shlex.split(argv)]) is None


# ---- what the editors read: scripts, suffixes, wipes --------------------------------------------

def _edit(line: str):  # noqa: ANN202 - inplace.Edit
    import shlex

    argv = [Word.lit(w) for w in shlex.split(line)]
    return read_edit({"sed": "sed", "perl": "perl", "ruby": "ruby"}[argv[0].text], argv)


@pytest.mark.parametrize(("line", "files", "suffix", "wipe"), [
    ("sed -i 's/a/b/' f", ["f"], "", False),
    ("sed -i '' 's/a/b/' f", ["f"], "", False),
    ("sed -i '' -e 's/a/b/' f g", ["f", "g"], "", False),
    ("sed -i .bak 's/a/b/' f", ["f"], ".bak", False),
    ("sed -i.bak 's/a/b/' f", ["f"], ".bak", False),
    ("sed -ie 's/a/b/' f", ["f"], "e", False),  # GNU: -i takes the rest of its cluster as the suffix
    ("sed -ni 's/a/b/p' f", ["f"], "", False),
    ("sed -n -i 's/a/b/' f", ["f"], "", True),  # -n without p writes nothing back
    ("sed -i -n '/keep/p' f", ["f"], "", False),
    ("sed --in-place=.orig --expression='s/a/b/' f", ["f"], ".orig", False),
    ("sed -i -f script.sed f", ["f"], "", False),
    ("sed -i '1,$d' f", ["f"], "", True),
    ("sed -i d f", ["f"], "", True),
    ("sed -i '/^#/d' f", ["f"], "", False),
    ("sed -i '$!d' f", ["f"], "", False),
    ("sed -i 's/.*//' f", ["f"], "", True),
    ("sed -i 's|^.*$||g' f", ["f"], "", True),
    ("sed -i 's/.*/[&]/' f", ["f"], "", False),
    ("sed -i '/./d' f", ["f"], "", True),  # only blank lines stay
    ("sed -i 's/.\\+//' f", ["f"], "", True),
    ("sed -i -z 's/.*//' f", ["f"], "", True),
    ("sed -i '1,$ d' f", ["f"], "", True),
    ("sed -i -e 's/a/b/' -e '1,$d' f", ["f"], "", True),
    ("sed -i '2,$d' f", ["f"], "", False),  # the first line stays: an edit
    ("sed -i 's/\\(.*\\)/\\1;/' f", ["f"], "", False),
    ("sed -i 'c\\gone' f", ["f"], "", True),
    ("sed -i Q f", ["f"], "", True),
    ("sed -i 10q f", ["f"], "", False),
    ("sed -i 'p;d' f", ["f"], "", False),
    ("sed -i 'h;s/.*//;G' f", ["f"], "", False),
    ("sed 's/a/b/' f", ["f"], "", False),
    ("perl -pi -e 's/a/b/' f", ["f"], "", False),
    ("perl -pie 's/a/b/' f", ["f"], "e", False),  # -i swallows the e: 's/a/b/' is the script file
    ("perl -i.bak -pe 's/a/b/' f g", ["f", "g"], ".bak", False),
    ("perl -0777 -pi -e 's/a/b/' f", ["f"], "", False),
    ("perl -ni -e 'print unless /x/' f", ["f"], "", False),
    ("perl -ni -e 'next' f", ["f"], "", True),
    ("perl -pi -e '$_ = \"\"' f", ["f"], "", True),
    ("perl -pi -e 's/.*//' f", ["f"], "", True),
    ("ruby -pi -e 'gsub(/a/, \"b\")' f", ["f"], "", False),
    ("ruby -ni -e 'x = 1' f", ["f"], "", True),
    ("ruby -pi -e '$_.clear' f", ["f"], "", True),
])
def test_editor_command_lines(line: str, files: list[str], suffix: str, wipe: bool) -> None:
    edit = _edit(line)
    assert [w.text for w in edit.files] == files
    assert edit.suffix == suffix and edit.wipe is wipe
    assert edit.in_place is ("-i" in line or "--in-place" in line or "-ni" in line or "-pi" in line or "-Ei" in line
                             or "-ie" in line)


@settings(max_examples=300, deadline=None)
@given(script=st.text(alphabet="sdpqQcy/\\|,;$!{}:#n 1.*^&ab\n", max_size=60),
       flags=st.lists(st.sampled_from(["-i", "-n", "-e", "-E", "-i.bak", "''", "-f", "--", "-ni", "-pi", "-0777"]),
                      max_size=4))
def test_editor_readers_never_raise(script: str, flags: list[str]) -> None:
    sed_commands(script)
    for editor in ("sed", "perl", "ruby"):
        read_edit(editor, [Word.lit(editor), *(Word.lit(f) for f in flags), Word.lit(script), Word.lit("f")])


def test_an_option_blastwall_cannot_read_may_be_the_in_place_one() -> None:
    found = analyze_command('sed $SED_OPTS "s/a/b/" .env', Scope())
    assert any(f.rule_id == "shell.fs:sed-in-place" and f.target == ".env" for f in found)
    assert decide('sed "$FLAGS" "s/a/b/" ~/.ssh/config', None) == "ask"


def test_sed_script_reader() -> None:
    assert [c.letter for c in sed_commands("1,$d; /x/ s|a|b|g\n$ a\\\ntext")] == ["d", "s", "a"]
    assert sed_commands("s/unterminated") is None


def test_a_backup_suffix_can_name_a_file_of_its_own(repo: Path) -> None:
    write(repo, {"app": "text\n", "app.sqlite3": "rows\n"})
    assert decide("sed -i.sqlite3 's/x/y/' app", repo) == "ask"  # writes the old app over app.sqlite3
    assert decide("sed -i.bak 's/1/2/' src/clean.py", repo) == "allow"  # src/clean.py.bak is new
    write(repo, {"src/clean.py.bak": "an older backup nobody committed\n"})
    assert decide("sed -i.bak 's/1/2/' src/clean.py", repo) == "ask"


def test_removing_a_backup_made_earlier_on_the_line() -> None:
    assert decide("sed -i.bak 's/a/b/' src/app.py && rm src/app.py.bak", None) == "allow"
    assert decide("sed -i.bak 's/a/b/' src/*.ts && rm -f src/*.ts.bak", None) == "allow"
    assert decide("cd src && perl -i.orig -pe 's/a/b/' app.py && rm app.py.orig", None) == "allow"
    # a backup of another file, one removed before it is made, one in another folder
    assert decide("sed -i.bak 's/a/b/' src/app.py && rm src/db.py.bak", None) == "ask"
    assert decide("rm src/app.py.bak && sed -i.bak 's/a/b/' src/app.py", None) == "ask"
    assert decide("sed -i.bak 's/a/b/' app.py && cd sub && rm app.py.bak", None) == "ask"


def test_wipes_without_a_working_directory_ask_and_edits_do_not() -> None:
    for line in ("sed -i '' -e '1,$d' src/main.py", "> config/database.yml", ": > src/main.py",
                 "truncate -s 0 src/main.py", "cp /dev/null src/main.py", "perl -ni -e '' src/main.py"):
        assert decide(line, None) == "ask", line
    for line in ("sed -i '' 's/a/b/' src/main.py", "truncate -s 100M /tmp/disk.img", "> /tmp/agent.log",
                 "perl -pi -e 's/a/b/' src/main.py", "echo done > build/status.txt"):
        assert decide(line, None) == "allow", line


def test_in_place_edits_of_guarded_or_secret_files_still_ask() -> None:
    assert decide("sed -i '' 's/blastwall//' .claude/settings.json", None) == "deny"
    assert decide("perl -pi -e 's/a/b/' ~/.ssh/authorized_keys", None) == "ask"
    assert decide("sed -i 's/.*//' ~/.ssh/authorized_keys", None) == "ask"
    assert decide("ruby -pi -e 'gsub(/a/, \"b\")' .env", None) == "ask"


def test_wiped_file_really_ends_empty(tmp_path: Path) -> None:
    """What the wipe shapes do, on a scratch file (GNU sed here)."""
    for script in ("1,$d", "d", "s/.*//"):
        f = tmp_path / "f.txt"
        f.write_text("one\ntwo\n")
        subprocess.run(["sed", "-i", script, str(f)], check=True)
        assert f.read_text().strip() == "", script
    f.write_text("one\ntwo\n")
    subprocess.run(["sed", "-n", "-i", "s/one/1/", str(f)], check=True)
    assert f.read_text() == ""


# ---- MCP filesystem tools inside the project ------------------------------------------------------

def test_mcp_write_edit_and_move_in_the_project(repo: Path) -> None:
    clean, dirty, new = str(repo / "src/clean.py"), str(repo / "src/dirty.py"), str(repo / "src/fresh.py")
    untracked = str(repo / "notes/untracked.md")
    edits = [{"oldText": "1", "newText": "2"}]
    assert decide_mcp("write_file", {"path": clean, "content": "x = 2\n"}, repo) == "allow"
    assert decide_mcp("write_file", {"path": new, "content": "x\n"}, repo) == "allow"  # a creation
    assert decide_mcp("write_file", {"path": dirty, "content": "x\n"}, repo) == "ask"
    assert decide_mcp("write_file", {"path": untracked, "content": "x\n"}, repo) == "ask"
    assert decide_mcp("edit_file", {"path": clean, "edits": edits}, repo) == "allow"
    assert decide_mcp("edit_file", {"path": dirty, "edits": edits}, repo) == "ask"
    assert decide_mcp("edit_file", {"path": dirty, "edits": edits, "dryRun": True}, repo) == "allow"
    assert decide_mcp("move_file", {"source": clean, "destination": str(repo / "src/legacy/clean.py")}, repo) == "allow"
    assert decide_mcp("move_file", {"source": dirty, "destination": str(repo / "src/kept.py")}, repo) == "allow"
    # moved where it does not stay, or outside the project
    assert decide_mcp("move_file", {"source": dirty, "destination": "/tmp/dirty.py"}, repo) == "ask"
    assert decide_mcp("move_file", {"source": clean, "destination": "/tmp/clean.py"}, repo) == "allow"  # git has it
    assert decide_mcp("write_file", {"path": "/etc/hosts", "content": "x"}, repo) == "ask"
    assert decide_mcp("write_file", {"path": str(repo.parent / "elsewhere.txt"), "content": "x"}, repo) == "allow"


def test_mcp_paths_in_the_work_tree_outside_the_working_directory(repo: Path) -> None:
    """The agent works in a subfolder; the file is elsewhere in the same repository."""
    assert decide_mcp("write_file", {"path": str(repo / "docs/guide.md"), "content": "g\n"}, repo / "src") == "allow"
    assert decide_mcp("edit_file", {"path": str(repo / "notes/untracked.md"), "edits": []}, repo / "src") == "ask"


def test_mcp_without_a_working_directory() -> None:
    assert decide_mcp("move_file", {"source": "/workspace/app/src/old.ts",
                                    "destination": "/workspace/app/src/legacy/old.ts"}, None) == "allow"
    assert decide_mcp("move_file", {"source": "/srv/app/data/production.sqlite3",
                                    "destination": "/tmp/production.sqlite3.old"}, None) == "ask"
    assert decide_mcp("move_file", {"source": "/workspace/app/db.sqlite3", "destination": "/tmp/x"}, None) == "ask"
    assert decide_mcp("move_file", {"source": "/workspace/app/src", "destination": "/dev/null"}, None) == "ask"
    assert decide_mcp("write_file", {"path": "/workspace/app/src/x.ts", "content": "x"}, None) == "allow"


# ---- new files are creations ------------------------------------------------------------------------

def test_new_migrations_are_creations(repo: Path) -> None:
    applied = "db/migrate/20240101000000_create_users.rb"
    fresh = "db/migrate/20250301120000_add_status_to_users.rb"
    assert decide(f"cat > {fresh} <<'EOF'\nclass AddStatus; end\nEOF", repo) == "allow"
    assert decide(f"cat > {applied} <<'EOF'\nclass CreateUsers; end\nEOF", repo) == "ask"
    assert decide_mcp("write_file", {"path": str(repo / fresh), "content": "x"}, repo) == "allow"
    assert decide_mcp("write_file", {"path": str(repo / applied), "content": "x"}, repo) == "ask"


def test_migrations_whose_existence_cannot_be_checked() -> None:
    fresh = "/workspace/app/db/migrate/20250301120000_add_status_to_users.rb"
    assert decide_mcp("write_file", {"path": fresh, "content": "class AddStatus; end"}, None) == "allow"
    # a migration runs later: a copy of text blastwall cannot read into one is asked (later.file:unread-text)
    assert decide("cp /tmp/new.sql supabase/migrations/20250301120000_add_index.sql", None) == "ask"
    # the project's first migration is applied wherever there is a database; an edit needs the file
    assert decide_mcp("write_file", {"path": "/workspace/app/prisma/migrations/20240312_init/migration.sql",
                                     "content": "-- rewritten"}, None) == "ask"
    assert decide("echo 'SELECT 1' > migrations/0001_initial.sql", None) == "ask"
    assert decide_mcp("edit_file", {"path": fresh, "edits": [{"oldText": "a", "newText": "b"}]}, None) == "ask"
    assert decide("sed -i 's/a/b/' db/migrate/20250301120000_add_status_to_users.rb", None) == "ask"


def test_moves_where_files_do_not_stay() -> None:
    assert decide("mv ~/project /dev/null", None) == "ask"
    assert decide("mv app/ /tmp/old-app", None) == "ask"
    assert decide("mv notes.md /dev/null", None) == "ask"
    assert decide("mv build /tmp/old-build", None) == "allow"
    assert decide("mv src/old_name.ts src/new_name.ts", None) == "allow"


# ---- force pushes with a lease ------------------------------------------------------------------------

def pushed_clone(tmp_path: Path, tags: tuple[str, ...] = ()) -> Path:
    """A clone of a remote with main (its default, with `tags`) and feat/login, both pushed;
    feat/login then rebased onto a newer main, so its pushed commits are rewritten here."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True, env=GIT_ENV)
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    write(seed, {"a.txt": "a\n"})
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "a")
    for tag in tags:
        git(seed, "tag", tag)
    git(seed, "remote", "add", "origin", str(remote))
    git(seed, "push", "-q", "origin", "main", *tags)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(remote), str(clone)], check=True, env=GIT_ENV, capture_output=True)
    git(clone, "checkout", "-qb", "feat/login")
    for i in range(2):
        write(clone, {f"login{i}.txt": str(i)})
        git(clone, "add", "-A")
        git(clone, "commit", "-qm", f"login {i}")
    git(clone, "push", "-q", "-u", "origin", "feat/login")
    write(seed, {"b.txt": "b\n"})  # main moves on
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "b")
    git(seed, "push", "-q", "origin", "main")
    git(clone, "fetch", "-q", "origin")
    git(clone, "rebase", "-q", "origin/main")
    return clone


@pytest.fixture
def pushed(tmp_path: Path) -> Path:
    return pushed_clone(tmp_path)


def _teammate_pushes(clone: Path, branch: str) -> None:
    other = clone.parent / "teammate"
    remote = git(clone, "remote", "get-url", "origin").strip()
    subprocess.run(["git", "clone", "-q", "-b", branch, remote, str(other)], check=True, env=GIT_ENV,
                   capture_output=True)
    write(other, {"theirs.txt": "their work\n"})
    git(other, "add", "-A")
    git(other, "commit", "-qm", "teammate's commit")
    git(other, "push", "-q", "origin", branch)


def test_a_lease_push_of_a_rebased_own_branch_is_allowed(pushed: Path) -> None:
    assert decide("git push --force-with-lease origin feat/login", pushed) == "allow"
    assert decide("git push --force-with-lease", pushed) == "allow"  # the branch's upstream
    assert decide("git push --force-with-lease=feat/login origin feat/login", pushed) == "allow"
    assert decide("git push --force-with-lease origin +feat/login", pushed) == "allow"
    assert decide("git push --force-with-lease --force-if-includes origin HEAD:feat/login", pushed) == "allow"
    verdict = check("git push --force-with-lease origin feat/login", context={"cwd": str(pushed)})
    radius = next(f.radius for f in verdict.findings if f.radius)
    assert radius["counts"]["commits_lost"] == 2 and radius["counts"]["commits_kept"] == 2


def test_the_lease_push_really_succeeds_and_loses_nothing(pushed: Path) -> None:
    """Run on the temporary clone: the rebased commits replace the old ones, whose changes are kept."""
    git(pushed, "push", "-q", "--force-with-lease", "origin", "feat/login")
    remote_files = git(pushed, "ls-tree", "--name-only", "origin/feat/login").split()
    assert {"login0.txt", "login1.txt", "b.txt"} <= set(remote_files)


def test_force_push_look_alikes_ask(pushed: Path) -> None:
    assert decide("git push --force origin feat/login", pushed) == "ask"  # no lease: the remote may have moved
    assert decide("git push -f origin feat/login", pushed) == "ask"
    assert decide("git push origin +feat/login", pushed) == "ask"
    assert decide("git push --force-with-lease --force origin feat/login", pushed) == "ask"  # -f switches it off
    assert decide("git push --force-with-lease origin feat/login:main", pushed) == "ask"  # the default branch
    git(pushed, "checkout", "-qb", "main-rewrite", "origin/main~1")
    assert decide("git push --force-with-lease origin main-rewrite:main", pushed) == "ask"


def test_a_default_branch_the_clone_does_not_know_is_not_guessed(pushed: Path) -> None:
    git(pushed, "remote", "set-head", "origin", "--delete")
    git(pushed, "branch", "-q", "-f", "develop", "HEAD")
    assert decide("git push --force-with-lease origin develop", pushed) == "ask"
    verdict = check("git push --force-with-lease origin feat/login", context={"cwd": str(pushed)})
    assert verdict.decision.value == "ask"  # feat/login may be the remote's default
    assert any("set-head origin --auto" in r for r in verdict.reasons)
    git(pushed, "remote", "set-head", "origin", "--auto")  # asks the remote: main
    assert decide("git push --force-with-lease origin feat/login", pushed) == "allow"
    assert decide("git push --force-with-lease origin develop", pushed) == "ask"  # a long-lived branch's name


def test_a_protected_branch_is_not_the_agents_own(pushed: Path) -> None:
    import tomllib

    policy = compile_layers([("blastwall.toml", tomllib.loads('protected_branches = ["feat/*"]\n')),
                             ("defaults", default_document())])
    assert check("git push --force-with-lease origin feat/login", context={"cwd": str(pushed)},
                 policy=policy).decision.value == "deny"
    assert check("git push --force-with-lease", context={"cwd": str(pushed)},  # not named: asked
                 policy=policy).decision.value == "ask"


def test_a_teammates_commit_fetched_but_not_here_asks(pushed: Path) -> None:
    _teammate_pushes(pushed, "feat/login")
    git(pushed, "fetch", "-q", "origin")  # the lease now expects the teammate's commit: it would pass
    verdict = check("git push --force-with-lease origin feat/login", context={"cwd": str(pushed)})
    assert verdict.decision.value == "ask"
    radius = next(f.radius for f in verdict.findings if f.radius)
    assert radius["counts"]["commits_others"] == 1 and radius["irreplaceable"] is True


def test_commits_made_here_and_replaced_are_the_agents_own(pushed: Path) -> None:
    git(pushed, "push", "-q", "--force-with-lease", "origin", "feat/login")
    write(pushed, {"login1.txt": "changed\n"})
    git(pushed, "add", "-A")
    git(pushed, "commit", "-q", "--amend", "-m", "login 1, amended")  # the pushed commit is replaced by another
    verdict = check("git push --force-with-lease origin feat/login", context={"cwd": str(pushed)})
    radius = next(f.radius for f in verdict.findings if f.radius)
    assert radius["counts"]["commits_made_here"] == 1 and verdict.decision.value == "allow"


def test_dropping_commits_kept_on_a_local_branch_is_allowed(pushed: Path) -> None:
    git(pushed, "push", "-q", "--force-with-lease", "origin", "feat/login")
    git(pushed, "branch", "-q", "backup/login", "HEAD")
    git(pushed, "reset", "-q", "--hard", "HEAD~1")
    assert decide("git push --force-with-lease origin feat/login", pushed) == "allow"


def test_without_a_working_directory_every_force_push_asks() -> None:
    for line in ("git push --force-with-lease origin feat/login", "git push --force-with-lease origin main",
                 "git push -f"):
        assert decide(line, None) == "ask", line


# ---- the analyzer's findings, for the record -------------------------------------------------------

def test_findings_name_the_edited_files() -> None:
    found = analyze_command("sed -i '' -e 's/a/b/' src/a.py src/b.py", Scope())
    assert sorted(f.target for f in found if f.rule_id == "shell.fs:sed-in-place") == ["src/a.py", "src/b.py"]
    found = analyze_command("perl -pi -e 's/a/b/' lib/x.pm", Scope())
    assert [f.rule_id for f in found if f.target == "lib/x.pm"] == ["shell.fs:perl-in-place"]
