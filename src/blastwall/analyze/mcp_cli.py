"""MCP tools that run one command of an infrastructure CLI (`terraform_apply {"destroy": true}`),
judged as the command line they amount to, so the MCP tool and the shell agree.

    command_line("terraform", "terraform_apply", {"destroy": True})
        -> ["terraform", "apply", "-auto-approve", "-destroy"]

The grammar (which programs, subcommands and arguments) is data: `rules/mcp.toml`
`[generic.cli_tools]`. A call cannot stop at a confirmation prompt, so an apply or a destroy runs
unattended, as `terraform apply -auto-approve` does in a shell.
"""

from __future__ import annotations

import functools
import posixpath
import shlex
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.model import Finding

__all__ = ["cli_tool_findings", "command_line", "names_a_cli", "reads_generic_command"]


@functools.cache
def _grammar() -> dict[str, Any]:
    return dict(load_table("mcp")["generic"].get("cli_tools", {}))


def _words(name: str) -> list[str]:
    from blastwall.analyze.http.sniff import words

    return list(words(name))


@functools.cache
def _set(key: str) -> frozenset[str]:
    """The grammar's list `key` as a set, built once."""
    return frozenset(_grammar().get(key, ()))


def command_line(server: str, tool: str, args: dict[str, Any]) -> list[str] | None:
    """The argv the call runs, or None when the tool is no CLI tool of the table."""
    g = _grammar()
    if not g:
        return None
    programs = _set("programs")
    tool_words = _words(tool)
    program = next((w for w in tool_words if w in programs), None) or \
        next((w for w in _words(server) if w in programs), None)
    run = _remote_run(server, tool, args, program)
    sub = run[0] if run else next((w for w in tool_words if w in g["subcommands"]), None)
    if program is None and run:
        program = "terraform"
    if program is not None and sub is None and run is None:
        return _generic_command(program, args)
    if program is None or sub is None:
        return None
    argv = [program, sub]
    unattended = g.get("unattended", {}).get(sub) if run is None else run[1]
    argv += [o for o in unattended.split() if o] if unattended else []
    for key, option in g.get("flags", {}).items():
        if args.get(key) is True or str(args.get(key)).lower() == "true":
            argv.append(option)
    for key, option in g.get("values", {}).items():
        value = args.get(key)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, (str, int)) and str(v):
                argv.append(f"{option}={v}")
    for key in g.get("positionals", []):
        value = args.get(key)
        if isinstance(value, str) and value:
            argv.append(value)
    return argv


_SHELL_SIGNS = frozenset(";&|$`<>\n\\*?(){}'\"")


def reads_generic_command(server: str, tool: str, args: dict[str, Any]) -> bool:
    """Whether the call is a generic tool whose `command` this module reads as the program's command
    line (`run_command {"command": "plan", ...}` on a terraform server): the plain command reader
    (mcp_gates.command) then leaves it alone, as the words alone are no command line."""
    if not names_a_cli(server, tool) or _remote_run(server, tool, args, None) is not None:
        return False
    programs, tool_words = _set("programs"), _words(tool)
    if any(w in _grammar()["subcommands"] for w in tool_words):
        return False
    program = next((w for w in tool_words if w in programs), None) or \
        next((w for w in _words(server) if w in programs), None)
    if program is None or _generic_command(program, args) is None:
        return False
    generic = load_table("mcp")["generic"]
    others = {*generic["command_keys"], *generic["script_keys"], *generic["argv_keys"]} - \
        {*_grammar().get("command_keys", ()), *_grammar().get("args_keys", ())}
    commands = [k for k in _grammar().get("command_keys", ()) if k in args]
    return len(commands) == 1 and others.isdisjoint(args)  # no other command, script or argv beside it


def _generic_command(program: str, args: dict[str, Any]) -> list[str] | None:
    """`run_command {"command": "plan", "args": ["-destroy"]}` on a terraform server: the command
    line it names (`command_keys`, `args_keys`), or None when it names none of the subcommands."""
    g = _grammar()
    command = next((args[k] for k in g.get("command_keys", []) if isinstance(args.get(k), str) and args[k].strip()),
                   None)
    if command is None:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if words and words[0] == program:
        words = words[1:]
    if not words or words[0] not in g["subcommands"]:
        return None
    extra: list[str] = []
    for key in g.get("args_keys", []):
        value = args.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = shlex.split(value)
            except ValueError:
                return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        extra.extend(value)
    if any(c in _SHELL_SIGNS for w in (*words, *extra) for c in w):
        return None  # a server that joins the words into a shell line would run more: the command reader judges it
    unattended = g.get("unattended", {}).get(words[0])
    return [program, words[0], *(unattended.split() if unattended else []), *words[1:], *extra]


def names_a_cli(server: str, tool: str) -> bool:
    """Whether a word of the tool's or the server's name is a program of the table, or the server's
    one of a remote run (`run_servers`): a call without one runs no command line here."""
    from blastwall.analyze.http.sniff import word_set

    programs, server_words = _set("programs"), word_set(server)
    return not (programs.isdisjoint(word_set(tool)) and programs.isdisjoint(server_words)
                and _set("run_servers").isdisjoint(server_words))


def _remote_run(server: str, tool: str, args: dict[str, Any], program: str | None) -> tuple[str, str] | None:
    """(subcommand, options it runs with, space-separated) of a Terraform Cloud run tool
    (`create_run`), or None when the tool is not one."""
    g = _grammar()
    name = tool.strip().lower().replace("-", "_")
    if program is None and not set(_words(server)) & set(g.get("run_servers", [])):
        return None
    if name in g.get("confirm_tools", []):
        return "apply", "-auto-approve"
    if name not in g.get("run_tools", []):
        return None
    kind = next((str(args[k]).strip().lower() for k in g.get("run_type_keys", []) if isinstance(args.get(k), str)), "")
    if kind in g.get("plan_types", []) or any(_true(args.get(k)) for k in g.get("plan_flags", [])):
        return "plan", ""
    if kind in g.get("refresh_types", []):
        return "apply", "-refresh-only"
    options = "-destroy " if "destroy" in kind else ""  # `run_type: "destroy"`
    manual = any(k in args and not _true(args[k]) for k in g.get("auto_apply_keys", []))
    return "apply", options + ("" if manual else "-auto-approve")


def _true(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def cli_tool_findings(server: str, tool: str, args: dict[str, Any], scope: Scope) -> list[Finding] | None:
    """Findings of the command line the call runs (in its working folder), or None when the tool
    is not one of `[generic.cli_tools]`."""
    argv = command_line(server, tool, args)
    if argv is None:
        return None
    folder = next((args[k] for k in _grammar().get("dir_keys", []) if isinstance(args.get(k), str) and args[k]), None)
    inner = scope.deeper(f"mcp tool {tool} runs {argv[0]}")
    if folder is not None:
        where = folder if folder.startswith(("/", "~")) or not scope.cwd else posixpath.join(scope.cwd, folder)
        inner = inner._replace(cwd=where)
    from blastwall.analyze.shell import analyze_command

    return analyze_command(shlex.join(argv), inner)
