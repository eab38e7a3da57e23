"""MCP tools judged by what their arguments do: a box that asks for a resource's name to confirm
is a confirmation of a destructive action."""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def mcp(server: str, tool: str, arguments: dict[str, Any]) -> blastwall.Verdict:
    return blastwall.check(make_action("mcp", {"server": server, "tool": tool, "arguments": arguments}, None))


# ---- typed names in confirmation boxes -----------------------------------------------------------
NAME_ASKED = [
    ("playwright", "browser_type", {"element": "Type the project name to confirm", "ref": "e7", "text": "acme/web",
                                    "submit": True}),
    ("playwright", "browser_type", {"element": "Please enter the name of the database to confirm.", "ref": "e3",
                                    "text": "orders"}),
    ("playwright", "browser_type", {"element": "To confirm, type the bucket name below", "ref": "e2",
                                    "text": "media-uploads"}),
    ("playwright", "browser_type", {"element": "Retype the workspace name to continue", "ref": "e9", "text": "acme"}),
    ("playwright", "browser_fill_form", {"fields": [{"name": "Enter the repo name to confirm", "type": "textbox",
                                                     "ref": "e3", "value": "acme/api"}]}),
    ("puppeteer", "puppeteer_fill", {"selector": "input[aria-label='Type the cluster name to confirm']",
                                     "value": "prod-eu"}),
]
NAME_PASSED = [
    ("playwright", "browser_type", {"element": "Repository name", "ref": "e1", "text": "new-repo"}),
    ("playwright", "browser_type", {"element": "Enter project name", "ref": "e1", "text": "demo"}),
    ("playwright", "browser_type", {"element": "Search repositories", "ref": "e1", "text": "payments"}),
    ("playwright", "browser_type", {"element": "Type your full name to confirm the signature", "ref": "e1",
                                    "text": "Ann Lee"}),
    ("playwright", "browser_type", {"element": "Enter your name to confirm the booking", "ref": "e1", "text": "Ann"}),
]


@pytest.mark.parametrize(("server", "tool", "arguments"), NAME_ASKED)
def test_a_typed_name_in_a_confirmation_box_is_asked(server: str, tool: str, arguments: dict[str, Any]) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "ask", v.reasons


@pytest.mark.parametrize(("server", "tool", "arguments"), NAME_PASSED)
def test_names_typed_elsewhere_pass(server: str, tool: str, arguments: dict[str, Any]) -> None:
    v = mcp(server, tool, arguments)
    assert v.decision.value == "allow", v.reasons


# ---- a transaction tool's statement list is one script -----------------------------------------
def _tx(tool: str, statements: list[str]) -> str:
    return mcp("neon", tool, {"projectId": "p-1", "databaseName": "app", "sqlStatements": statements}).decision.value


def test_a_rolled_back_statement_list_passes() -> None:
    assert _tx("run_sql_transaction", ["BEGIN", "UPDATE plans SET price = 0 WHERE tier = 'free'",
                                       "SELECT * FROM plans", "ROLLBACK"]) == "allow"


@pytest.mark.parametrize("statements", [
    ["BEGIN", "UPDATE plans SET price = 0", "COMMIT"],
    ["BEGIN", "UPDATE plans SET price = 0 /*", "ROLLBACK */"],
    ["BEGIN", "UPDATE plans SET price = 0 --", "ROLLBACK"],
    ["BEGIN", "UPDATE plans SET price = 0", "SELECT 'x", "ROLLBACK", "'"],
    ["BEGIN", "UPDATE plans SET price = 0", "ROLLBACK TO SAVEPOINT a", "COMMIT"],
    ["UPDATE plans SET price = 0", "SELECT 1"],
])
def test_statement_lists_that_keep_their_change_are_asked(statements: list[str]) -> None:
    assert _tx("run_sql_transaction", statements) == "ask"


def test_a_list_of_a_tool_that_runs_no_transaction_is_read_statement_by_statement() -> None:
    assert _tx("run_sql_batch", ["BEGIN", "UPDATE plans SET price = 0", "ROLLBACK"]) == "ask"


def test_a_powershell_tool_that_clears_bin_and_obj_passes() -> None:
    command = "Get-ChildItem -Path .\\bin,.\\obj -Recurse | Remove-Item -Recurse -Force; dotnet build"
    assert mcp("windows-mcp", "Powershell-Tool", {"command": command}).decision.value == "allow"
    alone = "Get-ChildItem -Path .\\bin -Recurse | Remove-Item -Recurse -Force"
    assert mcp("windows-mcp", "Powershell-Tool", {"command": alone}).decision.value == "ask"
