"""Task runners are judged by what they run: package.json scripts and Makefile recipes are
read from the working directory; without them, only the task's name is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()

MAKEFILE = """\
BUILD = build
OUT := $(BUILD)/out
CLEAN_CMD = rm -rf $(BUILD)

.PHONY: all clean deploy reset
all: build

build:
\tmkdir -p $(OUT)

clean:
\t@$(CLEAN_CMD)

deploy: clean migrate-down
\techo deploying

migrate-down:
\t-alembic downgrade base

reset-db:
\t@echo "nothing to reset here"

wipe: ; rm -rf /var/lib/app
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "Makefile").write_text(MAKEFILE)
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {
        "build": "tsc -p .", "clean": "rm -rf dist", "db:reset": "echo nothing", "nuke": "rm -rf src",
        "predeploy": "git push --force origin main", "deploy": "echo deploy", "test": "jest",
        "chain": "npm run nuke",
    }}))
    return tmp_path


@pytest.mark.parametrize("command,decision", [
    ("npm run build", "allow"),
    ("npm run clean", "allow"),
    ("npm run db:reset", "allow"),  # the name sounds destructive; the script is not
    ("npm run nuke", "ask"),  # the name is harmless-sounding enough; the script is not
    ("npm run deploy", "ask"),  # pre-scripts run too
    ("npm test", "allow"),
    ("yarn nuke", "ask"),
    ("pnpm run chain", "ask"),  # scripts calling scripts
    ("make", "allow"),
    ("make clean", "allow"),
    ("make deploy", "ask"),  # prerequisites run first
    ("make reset-db", "allow"),
    ("make wipe", "ask"),  # inline recipe after ';'
    ("make -C . deploy", "ask"),
])
def test_tasks_are_judged_by_content(project: Path, command: str, decision: str) -> None:
    assert check(command, context={"cwd": str(project)}, policy=POLICY).decision.value == decision


def test_without_the_files_the_name_is_judged(tmp_path: Path) -> None:
    ctx = {"cwd": str(tmp_path)}
    assert check("make clean-db", context=ctx, policy=POLICY).decision.value == "ask"
    assert check("npm run db:drop", context=ctx, policy=POLICY).decision.value == "ask"
    assert check("make build", context=ctx, policy=POLICY).decision.value == "allow"


# --- interpreter scripts run by path -------------------------------------------------------------

SCRIPTS = [
    ("cleanup.py", "import shutil\nshutil.rmtree('/var/lib/postgresql/data')\n", "ask"),
    ("nuke.py", "import os\nos.system('rm -rf /')\n", "deny"),
    ("approve.py", "from blastwall.approvals import decide, keys\nkeys.generate('me', None)\n", "deny"),
    ("wipe.js", "require('fs').rmSync('/srv/uploads', {recursive: true})\n", "ask"),
    ("tool.py", "import subprocess, sys\nsubprocess.run(sys.argv[1:])\nprint(open('README').read())\n", "allow"),
    ("build.py", "import shutil\nshutil.rmtree('build', ignore_errors=True)\n", "allow"),
]


@pytest.mark.parametrize(("name", "code", "expected"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_interpreter_scripts_are_judged_by_what_they_do(tmp_path: Path, name: str, code: str, expected: str):
    (tmp_path / name).write_text(code)
    runner = "node" if name.endswith(".js") else "python3"
    verdict = check(f"{runner} {name} --flag", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert verdict.decision.value == expected, verdict.reasons


def test_an_interpreter_script_that_is_not_there_is_asked_about(tmp_path: Path):
    verdict = check("python3 tool.py", context={"cwd": str(tmp_path)}, policy=POLICY)
    assert verdict.decision.value == "ask" and "does not exist" in verdict.reasons[0]
    assert check("python3 drop_db.py", context={"cwd": str(tmp_path)}, policy=POLICY).decision.value != "allow"
