"""`go run PACKAGE ARGS`: the package is a program of the project, and its arguments are its command line.

`go run ./cmd/migrate down -all` builds and runs the project's migrate command with `down -all`: it
is judged as `migrate down -all` is (the migrate table), and an unknown program's words meet the verb
model (`go run ./cmd/tool drop-all-tables`). Servers, seeds and builds pass as before.
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    "go run ./cmd/migrate down -all",
    "go run ./cmd/tool drop-all-tables",
    "go run github.com/golang-migrate/migrate/v4/cmd/migrate@latest -path db -database $DB down -all",
    "go run -race ./cmd/admin purge-users --all",
])
def test_a_destructive_command_line_of_a_project_program_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    "go run ./cmd/server --port 8080",
    "go run . serve",
    "go run -race ./cmd/api",
    "go run ./cmd/seed --count 100",
    "go run ./cmd/server --port $PORT",
    "go run github.com/air-verse/air@latest -c .air.toml",
])
def test_ordinary_runs_pass(line: str) -> None:
    assert _decision(line) == "allow"
