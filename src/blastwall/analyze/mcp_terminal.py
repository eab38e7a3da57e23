"""MCP tools that type into a terminal (tmux `send_keys`, iTerm `write_to_terminal`, screen,
`type_in_terminal`): the text they type is a shell line, read like `tmux send-keys` in a shell.

    typed_lines("tmux", "send_keys", {"session": "main", "keys": "rm -rf data Enter"}) -> ["rm -rf data\\n"]
    typed_lines("iterm-mcp", "read_terminal_output", {...})                          -> []

A tool types into a terminal when its name has a typing verb (`[terminal] typing_verbs`) and its
name or its server's names a terminal (`terminal_words`). Its text arguments (`text_keys`; a list
is a tmux key list) are joined; named keys that end a line (`Enter`, `C-m`) end it, other named
keys (`C-c`, `Escape`) type no text. `command` arguments are read by the MCP analyzer already.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.http.sniff import words
from blastwall.analyze.ruleset import load_table

__all__ = ["typed_lines", "types_into_terminal"]

_MODIFIED = rx.compile(r"(?:[CMS]-)+\S+|\^.")  # C-c, M-x, S-Up, ^C


@functools.cache
def _t() -> dict[str, Any]:
    return dict(load_table("mcp").get("terminal", {}))


@functools.cache
def _browser_words() -> frozenset[str]:
    return frozenset(load_table("mcp").get("generic", {}).get("browser_words", ()))


def types_into_terminal(server: str, tool: str, args: dict[str, Any] | None = None) -> bool:
    """A typing verb in the tool's name, a terminal in its name or its server's, and no other
    object (`write_file` of a terminal server writes a file). A desktop tool that types into the
    focused window and presses Enter after it (`Type-Tool {"text", "press_enter": true}`: `enter_args`)
    may be typing into a terminal: it counts as one."""
    tool_words = set(words(tool))
    if not tool_words & set(_t()["typing_verbs"]) or tool_words & set(_t()["other_objects"]):
        return False
    named = tool_words | set(words(server))
    if named & set(_t()["terminal_words"]):
        return True
    if named & _browser_words():  # a browser's typing tool types into the page's box: a terminal only
        return bool(args) and any(  # when the box is one (a web terminal, a cloud shell's console)
            isinstance(args.get(k), str) and set(words(args[k])) & set(_t()["terminal_words"])
            for k in ("element", "selector", "description", "label", "ref", "target"))
    return bool(args) and any(args.get(k) is True or str(args.get(k)).lower() == "true" for k in _t()["enter_args"])


def typed_lines(server: str, tool: str, args: dict[str, Any], command_keys: list[str]) -> list[str]:
    """The shell text a terminal-typing tool types (empty for any other tool). A call that also
    gives a command (`command_keys`) types that command; its text arguments are the command's input."""
    if not types_into_terminal(server, tool, args) or any(args.get(k) for k in command_keys):
        return []
    enter = any(args.get(k) is True or str(args.get(k)).lower() == "true" for k in _t()["enter_args"])
    out: list[str] = []
    for key in _t()["text_keys"]:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            typed = _text([value.strip()]) if _named(value.strip()) else _line(value)
            out.append(typed + "\n" if enter and not typed.endswith("\n") else typed)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out.append(_text(value[:500]))
    return [t for t in out if t.strip()]


def _line(text: str) -> str:
    """A typed string: `\\r` ends a line; a trailing named key (`... Enter`) is the key, not text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = text.rstrip().rsplit(None, 1)
    while len(parts) == 2 and parts[1] in _t()["enter_keys"]:
        text = parts[0] + "\n"
        parts = parts[0].rstrip().rsplit(None, 1)
    return text


def _named(key: str) -> bool:
    return key in _t()["named_keys"] or bool(_MODIFIED.fullmatch(key))


def _text(keys: list[str]) -> str:
    """A tmux-style key list: each item is text, or a named key."""
    out: list[str] = []
    for k in keys:
        if k in _t()["enter_keys"]:
            out.append("\n")
        elif k == "Space":
            out.append(" ")
        elif _named(k):
            continue  # Escape, C-c, Up: not text
        else:
            out.append(k)
    return "".join(out)
