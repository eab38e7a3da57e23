"""Objects a line makes and deletes itself (analyze/shell/made_here.py, rules/made_here.toml).

A maker that fails when its object exists, then, in a later part of the same `&&` chain, a deleter
of exactly that object: scratch, allowed. Every look-alike an agent could use to delete something
that was there before the line is asked. A repository in a temp folder that is not there yet
(analyze/shell/scratch_repo.py) holds only what the line made: git's work-tree discards in it pass.
A database createdb made on the line is scratch for pg_restore --clean and dropdb after it.
Payloads live only in these strings; nothing runs them.
"""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked, decide

from blastwall.analyze.shell.parse import parse
from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


SCRATCH = [
    "git checkout -b tmp-try && git checkout - && git branch -D tmp-try",
    "git checkout -b spike/x origin/main && git commit -am wip && git checkout main && git branch -D spike/x",
    "git switch -c try-it && make test && git switch - && git branch -D try-it",
    "git branch tmp && git branch --delete --force tmp",
    "git worktree add -b hotfix-tmp ../wt && git branch -D hotfix-tmp",
    "docker run -d --name scratch-pg -e POSTGRES_PASSWORD=x postgres:16 && sleep 5 && docker rm -f scratch-pg",
    "docker run -d -p 6379:6379 --name=tmp-redis redis:7 && redis-cli ping && docker rm -f tmp-redis",
    "docker create --name probe alpine && docker cp probe:/etc/os-release . && docker rm probe",
    "kubectl create namespace scratch-1 && kubectl -n scratch-1 apply -f x.yaml && kubectl delete namespace scratch-1",
    "mkdir scratchdir && cd scratchdir && npm init -y && cd .. && rm -rf scratchdir",
    "mkdir -m 700 a b && rm -r a b",
]

# Each deletes (or may delete) something the line did not make.
NOT_SCRATCH = [
    "git checkout -b tmp; git branch -D tmp",                       # `;`: the delete runs when -b failed
    "git checkout -b tmp || true && git branch -D tmp",            # `||` in the chain
    "git checkout -B tmp && git branch -D tmp",                    # -B resets an existing branch
    "git branch -f tmp && git branch -D tmp",
    "git switch -C tmp && git branch -D tmp",
    "git checkout -b tmp && git branch -D tmp main",               # main was not made
    "git checkout -b tmp && git branch -D -r origin/tmp",
    "git -C ../other checkout -b tmp && git branch -D tmp",        # another repository
    "git checkout -b tmp && cd ../other && git branch -D tmp",
    "git checkout -b tmp && GIT_DIR=/srv/repo.git git branch -D tmp",
    "git checkout -b tmp && export GIT_DIR=/srv/repo.git && git branch -D tmp",
    "git checkout -b tmp | cat && git branch -D tmp",              # a pipeline's status is its last command's
    "if false; then git checkout -b tmp; fi && git branch -D tmp",  # an if that ran nothing succeeds
    "{ git checkout -b tmp; true; } && git branch -D tmp",
    "git checkout -b tmp && eval 'git branch -D tmp'",
    "git checkout -b \"$B\" && git branch -D \"$B\"",
    "git checkout -b tmp && sudo git branch -D tmp",
    "docker run -e --name=prod-db alpine true && docker rm -f prod-db",  # -e takes --name=... as its value
    "docker run alpine echo --name prod-db && docker rm -f prod-db",      # the container's own argument
    "docker run --name x alpine && docker context use prod && docker rm -f x",
    "docker run --name x alpine && DOCKER_HOST=ssh://prod docker rm -f x",
    "docker volume create v && docker volume rm v",                # create succeeds over an existing volume
    "podman run --replace --name db alpine && podman rm -f db",
    "kubectl create ns x --context prod && kubectl delete ns x",
    "kubectl create ns x && kubectl config use-context prod && kubectl delete ns x",
    "kubectl create ns x --dry-run=client -o yaml && kubectl delete ns x",
    "mkdir -p data && rm -rf data",                                 # -p succeeds over an existing folder
    "mkdir data; rm -rf data",
    "mkdir x && rm -rf x/../data",
    "mkdir x && rm -rf x data",
    "mkdir x && cd && cd .. && rm -rf x",                          # home's parent, not the start folder
    "mkdir x && cd \"$D\" && rm -rf x",
    "(cd /srv && mkdir x) && rm -rf x",
    "mkdir x && rm -rf x*",
]


(test_scratch_made_on_the_line_is_allowed,
 test_look_alikes_are_asked) = allowed_and_asked(SCRATCH, NOT_SCRATCH, probe=True)


def test_after_names_the_parts_that_surely_succeeded() -> None:
    # `e && f || g` is `(e && f) || g`: f runs only after e succeeded; g runs when either failed
    cmds = parse("a && b | c && d; e && f || g").commands
    assert [(c.argv[0].text, c.after) for c in cmds] == [
        ("a", ()), ("b", (0,)), ("c", (0,)), ("d", (0, 2)), ("e", ()), ("f", (4,)), ("g", ()),
    ]


def test_other_findings_of_the_deleter_stay() -> None:
    v = check("git checkout -b tmp && git branch -D tmp && rm -rf ~/data", policy=POLICY, read_files=False)
    assert v.decision.value != "allow"
    assert "shell.git:branch-force-delete" not in v.rule_ids


# Allowances of the same round, each beside the look-alike it must not let through.
@pytest.mark.parametrize("line,allowed", [
    ("find ~/code -name node_modules -prune -exec rm -rf {} +", True),
    ("find / -name node_modules -prune -exec rm -rf {} +", False),      # /usr/lib/node_modules holds npm
    ("find /usr -name node_modules -prune -exec rm -rf {} +", False),
    ("npm run rollback:status", True),
    ("npm run db:drop-and-status", False),                                # a second step chained on
    ("make drop-status-then-drop", False),
])
def test_regenerable_anywhere_and_read_words_after_a_verb(line: str, allowed: bool) -> None:
    v = check(line, policy=POLICY, read_files=False)
    assert (v.decision.value == "allow") is allowed, (line, v.reasons)


@pytest.mark.parametrize("line,allowed", [
    ("make && ./bin/server --version", True),
    ("make && bin/cleanup.sh", False),           # a script kept in bin/, not what make built
    ("make && ./bin/deploy.py --all", False),
])
def test_a_program_built_on_the_line_but_not_a_script_kept_beside_it(line: str, allowed: bool) -> None:
    v = check(line, policy=POLICY, read_files=False)
    assert (v.decision.value == "allow") is allowed, (line, v.reasons)


# A repository under a temp folder that is not there yet: git's work-tree discards in it lose only what
# the line made (analyze/shell/scratch_repo.py).
SCRATCH_REPO = [
    "git init /tmp/b7-play && cd /tmp/b7-play && git commit --allow-empty -m one && git reset --hard HEAD"
    " && cd .. && rm -rf /tmp/b7-play",
    "git -C /tmp/b7-play reset --hard HEAD",
    "cd /tmp/b7-play && git clean -fdx",
    "git clone https://example.com/y.git /tmp/b7-y && cd /tmp/b7-y && git checkout -- . && git reset --hard origin/main",
]
SCRATCH_REPO_LOOKALIKES = [
    "cd /tmp/b7-play; git reset --hard HEAD",
    "cd /tmp && git reset --hard",
    "ln -s ~/app /tmp/b7-play && cd /tmp/b7-play && git reset --hard",
    "cd /tmp && ln -s ~/app b7-play && cd b7-play && git reset --hard",
    "git worktree add /tmp/b7-wt && cd /tmp/b7-wt && git reset --hard HEAD~3",
    "git init /tmp/b7-play && cd /tmp/b7-play && git stash drop",
    "cd /tmp/b7-play && git --git-dir=$HOME/app/.git reset --hard",
    "cd /tmp/b7-play && GIT_DIR=~/app/.git git reset --hard",
    "export GIT_WORK_TREE=~/app && cd /tmp/b7-play && git reset --hard",
    "cd /tmp/b7-play && git push --force origin main",
    "cd /tmp/b7-x && git -C ~/app reset --hard",
    "cd /tmp/b7-x && git -C ../../home/u/app reset --hard",
    "cd /tmp/$D && git reset --hard",
    "git reset --hard",
]


test_scratch_repository_discards_pass, test_scratch_repository_lookalikes_ask = allowed_and_asked(
    SCRATCH_REPO, SCRATCH_REPO_LOOKALIKES)


def test_a_repository_already_in_a_temp_folder_holds_work(tmp_path) -> None:
    import subprocess

    repo = tmp_path / "work"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "notes.txt").write_text("unsaved")
    assert decide(f"cd {repo} && git reset --hard") != "allow"
    assert decide(f"git -C {repo} clean -fdx") != "allow"
    assert decide(f"git init {repo} && cd {repo} && git checkout -- .") != "allow"


# gh repo create fails over an existing repository: deleting the one it made in the same && chain is scratch.
GH_SCRATCH = [
    "gh repo create acme/tmp-play-1 --private && gh repo delete acme/tmp-play-1 --yes",
    "gh repo create acme/x --public --clone && cd x && git push && cd .. && gh repo delete acme/x --yes",
    "gh repo create try-x && gh repo delete try-x --yes",
]
GH_LOOKALIKES = [
    "gh repo create acme/x --private; gh repo delete acme/x --yes",
    "gh repo create acme/x || true && gh repo delete acme/x --yes",
    "gh repo create acme/x && gh repo delete acme/prod --yes",
    "gh repo create acme/x && gh auth switch && gh repo delete acme/x --yes",
    "gh repo create acme/x && GH_HOST=ghe.corp gh repo delete acme/x --yes",
    "gh repo create x && gh repo delete acme/x --yes",
    "gh repo create acme/$R && gh repo delete acme/$R --yes",
    "gh repo delete acme/x --yes",
]


test_gh_repo_made_on_the_line_passes, test_gh_repo_lookalikes_ask = allowed_and_asked(GH_SCRATCH, GH_LOOKALIKES)


# A database made by createdb earlier in the same && chain is scratch for pg_restore --clean and
# dropdb; a name a maker gives (createdb restore_check, mkdir restore-tmp) is no restore verb.
CREATEDB_SCRATCH = [
    "createdb verify_copy && pg_restore --clean --if-exists -d verify_copy dumps/app.dump && dropdb verify_copy",
    "createdb x1 && pg_restore -c -d x1 b.dump",
    "createdb -U app -T template0 x1 && pg_restore -c --no-owner --dbname=x1 -j 4 b.dump && dropdb --if-exists x1",
    "createdb x1 && psql -d x1 -c 'select 1' && dropdb x1",
    "createdb restore_test",
    "mkdir restore-tmp",
]
CREATEDB_LOOKALIKES = [
    "pg_restore -c -d x1 b.dump",
    "createdb x1 ; pg_restore -c -d x1 b.dump",
    "createdb x1 || true && pg_restore -c -d x1 b.dump",
    "createdb x1 && pg_restore -c -d orders b.dump",
    "createdb x1 && pg_restore -c -d x1 -d orders b.dump",
    "createdb x1 && pg_restore -c -C -d x1 b.dump",
    "createdb x1 && pg_restore -c --create -d x1 b.dump",
    "createdb x1 && pg_restore -c -h prod -d x1 b.dump",
    "createdb -h prod x1 && pg_restore -c -d x1 b.dump",
    "createdb -p 5433 x1 && dropdb x1",
    "PGHOST=prod createdb x1 && pg_restore -c -d x1 b.dump",
    "createdb x1 && export PGPORT=5433 && dropdb x1",
    "createdb x1 && pg_restore -c -d postgresql://prod/x1 b.dump",
    "createdb x1 && pg_restore -c -d $DB b.dump",
    "createdb x1 && dropdb orders",
    "createdb $NAME && dropdb $NAME",
    "dropdb x1",
]


test_createdb_scratch_passes, test_createdb_lookalikes_ask = allowed_and_asked(
    CREATEDB_SCRATCH, CREATEDB_LOOKALIKES, read_files=True, probe=True)
