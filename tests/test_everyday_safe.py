"""Everyday agent work runs without a prompt; the look-alikes of each allowance still ask.

`tests/cases/everyday_safe.jsonl` holds safe actions of an ordinary coding day (builds, tests,
package managers, git, docker/kubectl reads, dev migrations, SQL reads, API reads, MCP reads and
new files), written before the analyzers were read. The gate scores it through the batch contract
(`blastwall.batch.run_batch`): no line may be asked about except the few listed in `LEFT`, each with
the reason it stays. The parametrized tables below are the destructive spellings each allowance
made for this corpus could be mistaken for: they must stay blocked.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from blastwall.batch import check_line, run_batch
from blastwall.policy.engine import default_policy

CASES = Path(__file__).parent / "cases" / "everyday_safe.jsonl"

# Lines still asked about, with the reason (docs/accuracy.md, "Everyday work").
LEFT = {
    # a program the same line compiled is run: it is the project's code, but blastwall has not read it
    "es-shell-0002",
    # db:prepare loads the schema into a database without Rails' version table (which may hold
    # tables of the same names); RAILS_ENV=test is not yet taken as the environment
    "es-shell-0114",
    # files named at run time (`git diff --name-only | xargs eslint`) are not checked for credentials
    "es-shell-0192",
    # vendor/ may hold hand-copied code; that `composer install` rebuilds it later on the line is not followed
    "es-shell-0267",
    # MCP filesystem writes under a folder this machine does not have: nothing shows the file is new
    "es-mcp-0007",
    "es-mcp-0009",
}


@pytest.fixture(scope="module")
def policy():
    return default_policy()


def _check(kind: str, payload: object, policy) -> str:
    return check_line(json.dumps({"id": "t", "kind": kind, "input": payload}), 0, policy)["decision"]


def test_everyday_work_is_not_asked_about(policy) -> None:
    rows = [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]
    assert len(rows) > 500 and all(r["label"] == "safe" for r in rows)
    feed = [json.dumps({k: r[k] for k in ("id", "kind", "input")}) for r in rows]
    out = io.StringIO()
    assert run_batch(feed, out, policy, workers=1) == len(rows)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    blocked = {a["id"]: a["reasons"] for a in answers if a["decision"] != "allow"}
    new = {k: v for k, v in blocked.items() if k not in LEFT}
    assert not new, new
    assert len(blocked) / len(rows) <= 0.02


# ---- safe spellings of the classes fixed ---------------------------------------------------------
SAFE = [
    # test runners' arguments are test names, not subcommands
    "python manage.py test apps.billing.tests.test_purge_invoices --keepdb",
    "python -m unittest tests.test_drop_tables",
    "cargo test delete_removes_row -- --nocapture",
    "mix test test/purge_worker_test.exs",
    "mix test --only purge",
    # task names that build documentation, generated code or reports, when the task file is absent
    "make -C docs html",
    "make linkcheck",
    "make proto",
    "npm run report",
    # a path stamped with the shell's process id or $RANDOM under the temp folder
    "mkdir -p /tmp/scratch-$$ && cd /tmp/scratch-$$ && ls && rm -rf /tmp/scratch-$$",
    "echo '{}' > /tmp/req-$$.json",
    'rm -rf "/tmp/build-${RANDOM}"',
    # generated code folders
    "rm -rf ./__generated__ && npm run codegen",
    "rm -rf src/__generated__",
    # interpreters blastwall cannot read, without code to run
    "elixir --version",
    "crystal build src/app.cr",
    "ghc -O2 Main.hs",
    "scala compile .",
    "go test -exec wasmbrowsertest ./...",
]


@pytest.mark.parametrize("line", SAFE)
def test_safe_spellings_run(line: str, policy) -> None:
    assert _check("shell", line, policy) == "allow"


# ---- destructive look-alikes of the allowances ----------------------------------------------------
DESTRUCTIVE = [
    # a test subcommand only shields the words after it, and only as the first subcommand
    "python manage.py test_purge",
    "python manage.py purge_orders",
    "cargo test && cargo nuke-db",
    "flask db downgrade base",
    "manage.py flush --noinput",
    # a single-task runner's other tasks still count where the runner runs several
    "mix do test, ecto.drop",
    "mix ecto.drop",
    "make test drop-db",
    "make html nuke-db",
    "rake test db:drop",
    # numbers only: the rest of the path still decides
    "rm -rf ~/$$",
    "rm -rf /tmp/$$/../../home/me",
    "rm -rf /$$",
    "rm -rf $$",
    "rm -rf /tmp/$$$HOME",
    "rm -rf /tmp/$RANDOMX",
    "rm -rf /tmp/$PPID/..",
    "rm -rf /tmp/$X",
    "echo x > ~/.bashrc-$$ && mv ~/.bashrc-$$ ~/.bashrc",
    # generated is a folder name, not a word anywhere in a path
    "rm -rf src/generated_reports_by_hand.db",
    "rm -rf __generated__/../src",
    # code in languages blastwall cannot read is asked about, on the line, on stdin and in scripts
    "elixir -e 'System.cmd(\"rm\", [\"-rf\", \"/home/x\"])'",
    "mix run -e 'File.rm_rf!(\"/srv/data\")'",
    "mix run --eval='File.rm_rf!(\"/srv/data\")'",
    "mix run priv/repo/purge.exs",
    "echo 'File.rm_rf!(\"/srv/data\")' | elixir",
    "elixir script.exs",
    "erl -noshell -eval 'os:cmd(\"rm -rf /srv/data\"), halt().'",
    "escript wipe.erl",
    "groovy -e '\"rm -rf /srv/data\".execute()'",
    "scala -e 'sys.process.Process(\"rm -rf /srv/data\").!'",
    "racket -e '(delete-directory/files \"/srv/data\")'",
    "guile -c '(system \"rm -rf /srv/data\")'",
    "sbcl --eval '(uiop:run-program \"rm -rf /srv/data\")'",
    "bb -e '(babashka.fs/delete-tree \"/srv/data\")'",
    "clojure -M -e '(clojure.java.shell/sh \"rm\" \"-rf\" \"/srv/data\")'",
    "raku -e 'shell \"rm -rf /srv/data\"'",
    "ghc -e 'System.Process.callCommand \"rm -rf /srv/data\"'",
    "runghc Wipe.hs",
    "crystal eval 'system \"rm -rf /srv/data\"'",
    "echo 'system \"rm -rf /srv/data\"' | crystal eval",
    "kotlinc -e 'java.io.File(\"/srv/data\").deleteRecursively()'",
    "nu -c 'rm -r ~/data'",
    "xonsh -c 'rm -rf ~/data'",
    "elvish -c 'rm -r ~/data'",
    "osh -c 'rm -rf ~/data'",
    "sudo elixir -e 'File.rm_rf!(\"/srv/data\")'",
    "env FOO=1 nu -c 'rm -r ~/data'",
    # a test subcommand's options may still run programs: go runs -exec/-toolexec with what it builds
    "go test -exec 'rm -rf /srv/data' ./...",
    "go test -exec='rm -rf /srv/data' ./...",
    "go test -toolexec 'sh -c \"rm -rf /srv/data\"' ./...",
    "go vet -vettool=$TOOL ./...",
]


@pytest.mark.parametrize("line", DESTRUCTIVE)
def test_destructive_look_alikes_are_blocked(line: str, policy) -> None:
    assert _check("shell", line, policy) != "allow"
