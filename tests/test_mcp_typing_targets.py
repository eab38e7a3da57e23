"""Typing tools: what they type into decides whether the text is a command line.

A desktop typing tool that presses Enter (windows-mcp `Type-Tool {"press_enter": true}`) may be typing
into a terminal, so its text is read as the line it would run. A browser's typing tool
(`browser_type {"submit": true}`) types into a box of the page: a search for "delete account" runs
nothing, unless the box is a terminal (a cloud shell's console in the page).
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(call: dict[str, object]) -> str:
    return check(call, "mcp", read_files=False).decision.value


@pytest.mark.parametrize("call", [
    {"server": "playwright", "tool": "browser_type",
     "arguments": {"element": "Search box", "ref": "e17", "text": "delete account", "submit": True}},
    {"server": "puppeteer", "tool": "puppeteer_type",
     "arguments": {"selector": "#q", "text": "how to remove a fork", "submit": True}},
    {"server": "windows-mcp", "tool": "Type-Tool",
     "arguments": {"loc": [640, 420], "text": "hello world", "press_enter": True}},
])
def test_text_typed_into_a_box_runs_nothing(call: dict[str, object]) -> None:
    assert _decision(call) == "allow"


@pytest.mark.parametrize("call", [
    {"server": "playwright", "tool": "browser_type",
     "arguments": {"element": "Cloud Shell terminal", "ref": "e3", "text": "rm -rf ~/data", "submit": True}},
    {"server": "browser", "tool": "type_text",
     "arguments": {"selector": "#console-input", "text": "rm -rf /var/lib/mysql", "submit": True}},
    {"server": "windows-mcp", "tool": "Type-Tool",
     "arguments": {"loc": [640, 420], "text": "rd /s /q C:\\Users\\dev\\source\\repos", "press_enter": True}},
])
def test_text_typed_into_a_terminal_is_the_line_it_runs(call: dict[str, object]) -> None:
    assert _decision(call) != "allow"
