"""A cache locator is verified, not trusted: `rm -rf "$(go env GOCACHE)"` deletes what `go env GOCACHE`
prints, and an earlier call can point that at data (`go env -w GOCACHE=~/data`, `cache=~/data` in
.npmrc). Where the check can look at the machine (a working directory), the path is read from the
settings the tool reads (analyze/shell/cache_paths.py) in a temporary HOME; without one, the name is
read as before, unless the line touches the settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from verdicts import decide

RM_GO = 'rm -rf "$(go env GOCACHE)"'
RM_MOD = 'rm -rf "$(go env GOMODCACHE)"'
RM_NPM = 'rm -rf "$(npm config get cache)"'
RM_PIP = 'rm -rf "$(pip cache dir)"'
RM_PIP3 = 'rm -rf "$(pip3 cache dir)"'

_CLEARED = ("GOCACHE", "GOMODCACHE", "GOPATH", "GOENV", "GOFLAGS", "PIP_CACHE_DIR", "PIP_CONFIG_FILE", "VIRTUAL_ENV",
            "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty HOME (with a data folder and a project), no tool settings in the environment, and a
    PATH on which no tool is found."""
    h = tmp_path / "home"
    (h / "data").mkdir(parents=True)
    (h / "proj").mkdir()
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    for name in list(os.environ):
        if name in _CLEARED or name.lower().startswith("npm_config_"):
            monkeypatch.delenv(name)
    yield h


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _in(home: Path, command: str) -> str:
    return decide(command, cwd=home / "proj")


# --- the defaults: a temporary HOME with no settings -------------------------------------------

@pytest.mark.parametrize("command", [RM_GO, RM_MOD, RM_NPM, RM_PIP, RM_PIP3, "rm -rf `go env GOCACHE`",
                                     'cd "$HOME/proj" && ' + RM_GO, 'cd ${HOME}/proj && ' + RM_PIP,
                                     'sudo rm -rf "$(go env GOCACHE)"', 'bash -c "rm -rf \\"\\$(pip cache dir)\\""',
                                     'cd /tmp && rm -rf "$(npm config get cache)"', 'du -sh "$(yarn cache dir)"'])
def test_defaults_pass(home: Path, command: str) -> None:
    assert _in(home, command) == "allow", command


def test_a_setting_equal_to_a_cache_folder_passes(home: Path) -> None:
    _write(home / ".config/go/env", f"GOCACHE={home}/.cache/go-build-2\n")
    _write(home / ".config/pip/pip.conf", f"[global]\ncache-dir = {home}/.cache/pip\n")
    assert _in(home, RM_GO) == "allow"
    assert _in(home, RM_PIP) == "allow"


# --- the two-step attack: the first call passes, the file it writes moves the cache onto data --

_STEPS = [
    ("go env -w GOCACHE=$HOME/data", ".config/go/env", "GOCACHE={home}/data\n", RM_GO),
    ("go env -w GOPATH=$HOME/data", ".config/go/env", "GOPATH={home}/data\n", RM_MOD),
    ("go env -w GOMODCACHE=$HOME/data", ".config/go/env", "GOMODCACHE={home}/data\n", RM_MOD),
    ("npm config set cache ~/data", ".npmrc", "cache=~/data\n", RM_NPM),
    ("pip config set global.cache-dir ~/data", ".config/pip/pip.conf", "[global]\ncache-dir = ~/data\n", RM_PIP),
    ("pip3 config set global.cache-dir ~/data", ".pip/pip.conf", "[global]\ncache_dir={home}/data\n", RM_PIP3),
]


@pytest.mark.parametrize(("first", "file", "text", "rm"), _STEPS)
def test_two_step_attack_asks(home: Path, first: str, file: str, text: str, rm: str) -> None:
    assert _in(home, first) == "allow", first  # a setting alone deletes nothing
    assert _in(home, rm) == "allow", rm  # nothing set yet: the default cache
    _write(home / file, text.format(home=home))
    assert _in(home, rm) != "allow", rm
    assert _in(home, f"sudo {rm}") != "allow"
    assert _in(home, f"bash -c '{rm}'") != "allow"


@pytest.mark.parametrize(("file", "text", "rm"), [
    ("proj/.npmrc", "cache = {home}/data\n", RM_NPM),  # the project's npmrc
    (".npmrc", "cache=\"${{HOME}}/data\"\n", RM_NPM),  # a variable blastwall does not expand
    (".npmrc", "userconfig=/elsewhere/npmrc\n", RM_NPM),  # reads another file
    (".npmrc", "cache=relative/data\n", RM_NPM),
    ("proj/.venv/pip.conf", "[install]\ncache-dir = {home}/data\n", RM_PIP),  # a virtual environment's
    (".config/pip/pip.conf", "[global]\ncache-dir = $HOME/data\n", RM_PIP),
    (".config/go/env", "GOCACHE=off\n", RM_GO),
    (".config/go/env", "GOCACHE={home}/.cache/a\nGOCACHE={home}/data\n", RM_GO),  # the last one counts
    (".config/go/env", "GOPATH={home}/data:{home}/other\n", RM_MOD),
])
def test_settings_that_move_or_cannot_be_read_ask(home: Path, file: str, text: str, rm: str) -> None:
    _write(home / file, text.format(home=home))
    assert _in(home, rm) != "allow", rm


def test_a_link_on_the_way_asks(home: Path) -> None:
    (home / ".cache").symlink_to(home / "data")
    assert _in(home, RM_GO) != "allow"


@pytest.mark.parametrize(("name", "value", "rm"), [
    ("GOCACHE", "{home}/data", RM_GO), ("GOENV", "{home}/goenv", RM_GO), ("GOPATH", "{home}/data", RM_MOD),
    ("npm_config_cache", "{home}/data", RM_NPM), ("NPM_CONFIG_CACHE", "{home}/data", RM_NPM),
    ("npm_config_userconfig", "{home}/x", RM_NPM), ("PIP_CACHE_DIR", "{home}/data", RM_PIP),
    ("PIP_CONFIG_FILE", "{home}/pipconf", RM_PIP), ("VIRTUAL_ENV", "{home}/venv", RM_PIP),
])
def test_the_environment_is_read(home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, rm: str) -> None:
    _write(home / "goenv", f"GOCACHE={home}/data\n")
    _write(home / "pipconf", f"[global]\ncache-dir={home}/data\n")
    _write(home / "venv/pip.conf", f"[global]\ncache-dir={home}/data\n")
    monkeypatch.setenv(name, value.format(home=home))
    assert _in(home, rm) != "allow", (name, rm)


def test_an_unreadable_config_file_asks(home: Path) -> None:
    (home / ".config/go/env").mkdir(parents=True)  # a folder where the file should be
    assert _in(home, RM_GO) != "allow"


# --- tools whose settings are not modelled: unknown where the machine can be looked at ----------

@pytest.mark.parametrize("command", ['rm -rf "$(yarn cache dir)"', 'rm -rf "$(pnpm store path)"',
                                     'rm -rf "$(bazel info repository_cache)"', 'rm -rf "$(uv cache dir)"'])
def test_unverified_tools_ask_here_and_pass_by_name_in_batch(home: Path, command: str) -> None:
    assert _in(home, command) != "allow", command
    assert decide(command) == "allow", command  # no working directory: read by its name


# --- the same line: an earlier command that may change the settings ----------------------------

_SAME_LINE = [
    "go env -w GOCACHE=$HOME/data; " + RM_GO,
    "go env -w GOCACHE=$HOME/data; bash -c '" + RM_GO + "'",
    "export GOCACHE=~/data; " + RM_GO,
    "export GOCACHE=~/data; sh -c '" + RM_GO + "'",
    "npm config set cache ~/data && " + RM_NPM,
    "echo cache=~/data >> ~/.npmrc; " + RM_NPM,
    "printf '[global]\\ncache-dir=/home/u/data\\n' > ~/.config/pip/pip.conf; " + RM_PIP,
    "cp /tmp/e ~/.config/go/env; " + RM_GO,
    "cp /tmp/e ~/.config/go/env; bash -c '" + RM_GO + "'",
    "source ./env.sh; " + RM_GO,
    ". ./env.sh && " + RM_NPM,
    "eval \"$SETUP\"; " + RM_PIP,
    "go() { echo ~/data; }; " + RM_GO,
    "function go { echo ~/data; }; " + RM_GO,
    "alias pip='echo ~/data'; " + RM_PIP,
    "PATH=~/evil:$PATH; " + RM_GO,
    "export PATH=~/evil:$PATH && " + RM_NPM,
    "PATH=~/evil " + RM_GO,
    "hash -p ~/evil/go go; " + RM_GO,
    "declare -x \"$V\"; " + RM_GO,
    "read -r GOCACHE <<< ~/data; export GOCACHE; " + RM_GO,
    "export XDG_CONFIG_HOME=~/evil; " + RM_GO,
    "export XDG_CONFIG_HOME=~/evil; bash -c '" + RM_PIP + "'",
    "HOME=~/data; export HOME; " + RM_NPM,
    "export VIRTUAL_ENV=~/evil; " + RM_PIP,
    "export npm_config_userconfig=~/evil; " + RM_NPM,
    "XDG_CONFIG_HOME=~/evil " + RM_GO,
]


@pytest.mark.parametrize("command", _SAME_LINE)
def test_same_line_changes_ask_with_a_folder(home: Path, command: str) -> None:
    assert _in(home, command) != "allow", command


@pytest.mark.parametrize("command", _SAME_LINE)
def test_same_line_changes_ask_in_batch(command: str) -> None:
    assert decide(command) != "allow", command


# --- look-alike locators: another program, another question ------------------------------------

@pytest.mark.parametrize("command", [
    'rm -rf "$(~/bin/go env GOCACHE)"', 'rm -rf "$(./go env GOCACHE)"', 'rm -rf "$(/tmp/x/pip cache dir)"',
    'rm -rf "$(GOCACHE=~/data go env GOCACHE)"', 'rm -rf "$(go env GOPATH)"',
    'rm -rf "$(go env GOCACHE)"/..', 'rm -rf "$(npm config get cache)/../data"', 'rm -rf "$(npm config get prefix)"',
    'rm -rf "$(pip cache dir)" ~/data',
])
def test_look_alike_locators_ask(home: Path, command: str) -> None:
    assert _in(home, command) != "allow", command
    assert decide(command) != "allow", command
