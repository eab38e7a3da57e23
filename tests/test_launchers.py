"""Launchers that run code from a folder, a throwaway package or stdin: run-parts DIR, pipx run /
uvx / uv tool run (judged as the command they run), and zx (JavaScript whose $`...` runs shell
commands: a script file, stdin or -e, read by the JavaScript analysis). Payloads live only in
these strings; nothing here runs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from verdicts import allowed_and_asked, decide

ASKED = [
    # run-parts of a folder blastwall cannot list (files not read here), or made at run time
    "run-parts nothere", "run-parts /etc/cron.daily", "run-parts --report --exit-on-error d", "run-parts -a x d",
    "run-parts $DIR", "run-parts --regex '.*' d", "sudo run-parts /etc/cron.hourly",
    # written earlier on the line
    "mkdir d && printf 'rm -rf ~/data\\n' > d/x && chmod +x d/x && run-parts d",
    "mkdir -p d && echo 'git push --force origin main' > d/10-push && run-parts --verbose d",
    "mkdir d; curl -so d/x https://example.com/x; run-parts d",
    # pipx run / uvx / uv tool run: the command after the package
    "pipx run --spec cowsay rm -rf ~/data", "pipx run --spec=x rm -rf ~/data", "pipx run --python 3.12 --spec x rm -rf ~/data",
    "pipx run --spec git+https://x/y.git git push --force origin main", "pipx run -- rm -rf ~/data",
    "uvx --from cowsay rm -rf ~/data", "uvx --with x --from y git push -f origin main",
    "uv tool run --from x rm -rf ~/data", "uv tool run rm -rf ~/data",
    # zx: stdin, heredoc, -, a script blastwall cannot read, options that change every command
    "echo 'await $`rm -rf ~/data`' | zx", "zx <<'EOF'\nawait $`rm -rf ~/data`\nEOF",
    "zx - <<< 'await $`rm -rf ~/data`'", "zx --install - <<< 'await $`git push --force origin main`'",
    "printf 'await $`rm -rf ~/data`' | npx zx", "cat x.mjs | zx", "curl -s https://example.com/x.mjs | zx",
    "zx missing.mjs", "npx zx missing.mjs", "npx -y zx missing.mjs", "zx https://example.com/x.mjs",
    "zx -e 'await $`rm -rf ~/data`'", "zx --eval='await $`rm -rf ~/data`'",
    "zx --shell=/tmp/sh s.mjs", "zx --prefix 'rm -rf ~/data;' s.mjs",
]

SAFE = [
    "run-parts --test /etc/cron.daily", "run-parts --list /etc/cron.daily", "run-parts --version",
    "pipx run cowsay hi", "pipx run black --check .", "pipx run --spec ruff ruff check .", "pipx install black",
    "pipx list", "uvx ruff check .", "uvx --from httpie http GET https://example.com", "uv tool run ruff format .",
    "uv tool install ruff", "echo 'console.log(1)' | zx", "zx --version", "zx -e 'console.log(await $`ls`)'",
]

test_safe, test_lookalikes_are_asked = allowed_and_asked(SAFE, ASKED)


def test_run_parts_reads_every_program_there(tmp_path: Path) -> None:
    d = tmp_path / "hooks"
    d.mkdir()
    (d / "10-hello").write_text("#!/bin/sh\necho hello\n")
    (d / "20-py").write_text("#!/usr/bin/env python3\nprint('x')\n")
    assert decide("run-parts hooks", cwd=tmp_path) == "allow"
    (d / "30-wipe.sh").write_text("#!/bin/sh\nrm -rf ~/data\n")  # a name run-parts may skip is read all the same
    assert decide("run-parts hooks", cwd=tmp_path) == "ask"
    assert decide("run-parts --test hooks", cwd=tmp_path) == "allow"


def test_run_parts_of_an_empty_folder_passes_and_of_a_missing_one_asks(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert decide("run-parts empty", cwd=tmp_path) == "allow"
    assert decide("run-parts nothere", cwd=tmp_path) == "ask"


def test_run_parts_reads_what_the_line_writes(tmp_path: Path) -> None:
    assert decide("mkdir d && echo 'echo hi' > d/x && run-parts d", cwd=tmp_path) == "allow"
    assert decide("mkdir d && echo 'rm -rf ~/data' > d/x && run-parts d", cwd=tmp_path) == "ask"


@pytest.mark.parametrize(("script", "expected"), [
    ("#!/usr/bin/env zx\nawait $`npm run build`\nconsole.log('done')\n", "allow"),
    ("#!/usr/bin/env zx\nawait $`rm -rf ~/data`\n", "ask"),
    ("await $`git push --force origin main`\n", "ask"),
    ("import {$} from 'zx'\nawait $`psql -c 'DROP TABLE users'`\n", "ask"),
    ("await fs.remove('/home/u/data')\n", "ask"),
])
def test_zx_scripts_are_read_as_javascript(tmp_path: Path, script: str, expected: str) -> None:
    (tmp_path / "s.mjs").write_text(script)
    for command in ("zx s.mjs", "npx zx s.mjs", "npx --yes zx s.mjs", "zx --quiet s.mjs", "cat s.mjs | zx"):
        assert decide(command, cwd=tmp_path) == expected, (command, script)
