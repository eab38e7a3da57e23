"""Variables whose value is a command some program runs: BROWSER, SVN_EDITOR, HGEDITOR.

xdg-open, `git web--browse`, Python's webbrowser module and npm's dev servers run the command BROWSER
names; Subversion and Mercurial run their editors' commands. A destructive value asks; a browser's
or an editor's name, and the `none`/`false` that dev servers read, pass.
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    "BROWSER='rm -rf /srv/app' xdg-open x",
    "BROWSER=\"sh -c 'rm -rf ~/data'\" npm start",
    "SVN_EDITOR='rm -rf /srv/app' svn commit",
    "HGEDITOR='rm -rf /srv/app' hg commit",
])
def test_a_destructive_command_in_the_variable_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    "BROWSER=none npm start",
    "BROWSER=false npx vite",
    "BROWSER=firefox xdg-open http://localhost:3000",
    "SVN_EDITOR=vim svn commit",
])
def test_a_program_name_passes(line: str) -> None:
    assert _decision(line) == "allow"


@pytest.mark.parametrize("line", [
    "CC=$(which gcc) make",
    "export CC=\"$(command -v clang)\" && make -j4",
    "CXX=`which g++` cmake -B build",
    "EDITOR=$(which vim) git commit",
    "SHELL=$(type -P bash) make test",
])
def test_a_lookup_of_a_programs_path_is_that_program(line: str) -> None:
    assert _decision(line) == "allow"


@pytest.mark.parametrize("line", [
    "CC=$(which gcc; rm -rf /srv/app) make",
    "EDITOR=$(which vim || rm -rf /srv/app) git commit",
    "CC=$(cat ~/.cc) make",
    "GIT_EDITOR=\"$(which sh) -c 'rm -rf /srv/app'\" git commit",
])
def test_anything_more_than_a_lookup_is_read_or_asked(line: str) -> None:
    assert _decision(line) != "allow"
