"""An install of the root package runs its package.json lifecycle scripts: they are judged as the
code they hold, like `npm run NAME`. Real folders with real package.json files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()

INSTALLS = ["npm install", "npm i", "npm ci", "npm clean-install", "npm install-clean", "npm isntall", "npm add",
            "npm install --omit=dev", "npm install --omit dev", "npm ci --production", "npm install --no-audit",
            "npm --loglevel silly install", "npm --foreground-scripts install", "npm install-test", "npm cit",
            "yarn", "yarn install", "yarn --frozen-lockfile", "yarn install --immutable", "pnpm install", "pnpm i",
            "pnpm install --frozen-lockfile", "bun install", "bun i", "/usr/local/bin/npm install",
            "npm install --ignore-scripts=false", "npm install --prefix sub/..", "CI=1 npm ci",
            "cd . && npm install", "npm install && npm test"]


def _project(tmp_path: Path, scripts: dict[str, str]) -> Path:
    (tmp_path / "package.json").write_text(json.dumps({"name": "p", "version": "1.0.0", "scripts": scripts}))
    return tmp_path


def _decide(command: str, cwd: Path) -> str:
    return check(command, context={"cwd": str(cwd)}, policy=POLICY).decision.value


@pytest.mark.parametrize("script", ["preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare",
                                    "postprepare", "dependencies"])
def test_each_lifecycle_script_is_judged(tmp_path: Path, script: str) -> None:
    cwd = _project(tmp_path, {script: "rm -rf ~/data", "build": "tsc"})
    assert _decide("npm install", cwd) != "allow"


@pytest.mark.parametrize("command", INSTALLS)
def test_installs_that_run_a_destructive_postinstall_are_asked(tmp_path: Path, command: str) -> None:
    (tmp_path / "sub").mkdir()
    cwd = _project(tmp_path, {"postinstall": "rm -rf ~/data"})
    verdict = check(command, context={"cwd": str(cwd)}, policy=POLICY)
    assert verdict.decision.value != "allow", command
    assert any("postinstall" in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize("command", INSTALLS)
def test_installs_with_harmless_scripts_pass(tmp_path: Path, command: str) -> None:
    (tmp_path / "sub").mkdir()
    cwd = _project(tmp_path, {"postinstall": "husky install", "prepare": "tsc -p . && rm -rf dist/cache",
                              "test": "jest"})
    assert _decide(command, cwd) == "allow", command


@pytest.mark.parametrize("command", [
    "npm install express", "npm i -D typescript", "yarn add lodash", "pnpm add zod", "bun add hono",
    "npm install --ignore-scripts", "npm ci --ignore-scripts", "yarn install --ignore-scripts",
    "pnpm install --ignore-scripts", "bun install --ignore-scripts", "yarn --version", "npm run build",
])
def test_commands_that_run_no_root_lifecycle_script_are_not_judged_by_it(tmp_path: Path, command: str) -> None:
    cwd = _project(tmp_path, {"postinstall": "rm -rf ~/data", "prepare": "rm -rf ~/data", "build": "tsc"})
    assert _decide(command, cwd) == "allow", command


def test_install_test_also_runs_the_test_script(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"test": "git push --force origin main"})
    assert _decide("npm install-test", cwd) != "allow"
    assert _decide("npm install", cwd) == "allow"


def test_scripts_that_call_scripts_are_followed(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"postinstall": "npm run setup", "setup": "rm -rf ~/data"})
    assert _decide("npm ci", cwd) != "allow"


def test_a_script_that_installs_again_ends(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"preinstall": "npm install", "postinstall": "echo done"})
    assert _decide("npm install", cwd) in ("allow", "ask")


def test_the_folder_named_by_prefix_is_read(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    _project(tmp_path / "web", {"postinstall": "rm -rf ~/data"})
    for command in ("npm install --prefix web", "npm --prefix=web ci", "yarn --cwd web", "pnpm -C web install",
                    "pnpm --dir web i"):
        assert _decide(command, tmp_path) != "allow", command
    assert _decide("npm install", tmp_path) == "allow"  # no package.json here: the usual judgement


def test_an_unreadable_package_json_keeps_the_usual_judgement(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{ not json")
    assert _decide("npm install", tmp_path) == "allow"
    (tmp_path / "package.json").write_text(json.dumps({"scripts": ["rm -rf ~/data"]}))
    assert _decide("npm install", tmp_path) == "allow"
