"""MCP tools that run a program blastwall knows, and arguments that are code whatever their key.

    program_argv("x", "kubectl", {"args": ["delete", "namespace", "prod"]})
        -> ["kubectl", "delete", "namespace", "prod"]
    program_argv("git", "git_push", {"force": True, "remote": "origin", "branch": "main"})
        -> ["git", "push", "--force", "origin", "main"]

1. A program tool: a word of the tool's name, an argument naming the program (`program`,
   `executable`), or a word of the server's name is a program of the shell rule tables
   (`rules/shell_*.toml`, plus `[generic] launched_programs` that the shell reads in code: rm,
   curl, database clients, shells, interpreters). The words of the tool's name after the program
   are its subcommand (`git_push` -> `git push`); a `subcommand` argument, command strings
   (`{"command": "push --force"}`, without the program, or with it) and argument lists (`args`,
   `options`) follow; a true boolean argument is its long option (`force` -> `--force`,
   `force_with_lease` -> `--force-with-lease`); `[generic] program_positionals` (remote, branch,
   refspec, namespace, name...) are its positionals, in that order. The command line is judged
   as the shell's, so the MCP tool and the terminal agree.
2. Code under any key (`run {"code": "DROP TABLE users"}`, `{"input": ...}`, `{"statement": ...}`):
   a string argument that reads as SQL opening with a statement that changes data or schema is
   judged as SQL; one whose first word is a known program and that has arguments is judged as a
   shell command line; a command argument that opens with a Redis command that removes keys
   (`{"command": "FLUSHALL"}`) is judged as Redis. Text a tool stores or sends (a message, an
   issue body, a note: tools named with `[generic] prose_tool_words`) is not code.
Gates come before parsing: a first word tested against a set, nothing more, for other strings.
"""

from __future__ import annotations

import functools
import json
import posixpath
import shlex
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.http.sniff import looks_like_sql, word_set, words
from blastwall.analyze.ruleset import load_table
from blastwall.model import Finding

__all__ = ["known_programs", "program_argv", "program_findings", "prose_tool", "sniffed_findings"]

_MAX_STRINGS = 200
_MAX_ANALYZED = 12


@functools.cache
def _g() -> dict[str, Any]:
    return dict(load_table("mcp")["generic"])


@functools.cache
def _set(*keys: str) -> frozenset[str]:
    """The `[generic]` lists `keys` as one set, built once."""
    return frozenset(w for key in keys for w in _g().get(key, []))


@functools.cache
def known_programs() -> frozenset[str]:
    """Programs some shell rule table or shell reader knows."""
    from blastwall.analyze.ruleset import program_index

    fs = load_table("shell_fs").get("fsop") or []
    names = set(program_index()) | {p for row in fs for p in row.get("programs", [])}
    return frozenset(names | set(_g().get("launched_programs", [])))


def _program_of(server: str, tool: str, args: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(program, subcommand words from the tool's name) or None."""
    known = known_programs()
    for key in () if _set("program_keys").isdisjoint(args) else _g().get("program_keys", []):
        v = args.get(key)
        if isinstance(v, str) and v.strip():
            name = v.strip().rsplit("/", 1)[-1]
            if name in known:
                return name, []
    tool_words = _name_words(tool)
    filler = _set("program_filler_words")
    for i, w in enumerate(tool_words):
        if w in known:
            return w, [x for x in tool_words[i + 1:] if x not in filler]
    # A server named for the program alone (`git`, `mcp-server-git`, `kubectl-mcp`) runs it; a word
    # inside a longer product name (`goose-developer`) does not say so, and a shell tool's command
    # is a whole command line whatever the server is called.
    server_words = [w for w in _name_words(server) if w not in filler]
    if len(server_words) != 1 or server_words[0] not in known or \
            not _set("program_shell_tool_words").isdisjoint(tool_words):
        return None
    w = server_words[0]
    sub = [x for x in tool_words if x not in filler] if w in _set("program_servers") else []
    return w, [] if _set("program_runner_words").issuperset(sub) else sub


def _name_words(name: str) -> list[str]:
    """A tool or server name's words; `kubectl-mcp` and `mcp-server-git` keep `kubectl` and `git`."""
    raw = str(name or "").strip().lower()
    if raw in known_programs():
        return [raw]
    return [w for w in words(raw)][:12]


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(x, (str, int, float)) and not isinstance(x, bool)
                                                 for x in value):
        return [str(x) for x in value]
    return None


def program_argv(server: str, tool: str, args: dict[str, Any]) -> list[str] | None:
    """The argv a program tool runs, or None when the call names no known program, or gives it
    nothing to do (no subcommand in its name, no command, no argument list)."""
    found = _program_of(server, tool, args)
    if found is None:
        return None
    program, sub = found
    g = _g()
    argv: list[str] = list(sub)
    given = bool(sub)
    for key in g.get("program_string_keys", []):
        v = args.get(key)
        if isinstance(v, str) and v.strip():
            try:
                argv += shlex.split(v)
            except ValueError:
                argv += v.split()
            given = True
    for key in g.get("program_list_keys", []):
        listed = _strings(args.get(key))
        if listed:
            argv += listed
            given = True
    operation = _operation(args)
    if operation:
        argv += operation
        given = True
    if not given:
        return None
    named = g.get("program_boolean_options", {}).get(program, {})
    for key, value in args.items():
        if value is True and isinstance(key, str) and key not in g.get("program_quiet_flags", []):
            argv.append(named.get(key) or ("-" + key if len(key) == 1 else "--" + _kebab(key)))  # `v` -> `-v`
    for key in g.get("program_positionals", []):
        v = args.get(key)
        listed = _strings(v)
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
            argv.append(str(v))
        elif listed:
            argv += listed
    while argv and argv[0].rsplit("/", 1)[-1] == program:
        argv = argv[1:]  # `{"command": "git push"}`: the program named again
    return [program, *argv]


def _operation(args: dict[str, Any]) -> list[str]:
    """An API operation named by service and operation (`use_aws {"service_name": "s3", "operation_name":
    "DeleteBucket", "parameters": {"Bucket": "b"}}`) as the CLI's words: `s3api delete-bucket --bucket b`."""
    g = _g()
    service = next((args[k] for k in g.get("program_service_keys", []) if isinstance(args.get(k), str)), None)
    op = next((args[k] for k in g.get("program_operation_keys", []) if isinstance(args.get(k), str)), None)
    if not service or not op:
        return []
    service = service.strip().lower()
    out = [g.get("program_services", {}).get(service, service), _xform(op.strip())]
    params = next((args[k] for k in ("parameters", "params", "input") if isinstance(args.get(k), dict)), {})
    for key, value in list(params.items())[:50]:
        out.append("--" + _xform(str(key)))
        if not isinstance(value, bool):
            out.append(value if isinstance(value, str) else json.dumps(value))
    return out


def _xform(name: str) -> str:
    """`DeleteDBInstance` -> `delete-db-instance`, `delete_bucket` -> `delete-bucket` (botocore's names)."""
    s = _CAPS.sub(r"\1_\2", _ACRONYM.sub(r"\1_\2", name))
    return s.lower().replace("_", "-")


_ACRONYM = rx.compile(r"([A-Z]+)([A-Z][a-z])")
_CAPS = rx.compile(r"([a-z0-9])([A-Z])")


def _kebab(key: str) -> str:
    out = []
    for i, c in enumerate(key):
        if c.isupper() and i:
            out.append("-")
        out.append(c.lower())
    return "".join(out).replace("_", "-")


def program_findings(server: str, tool: str, args: dict[str, Any], scope: Scope, origin: str) -> list[Finding] | None:
    """Findings of the command line a program tool runs (in its repository or folder), or None."""
    argv = program_argv(server, tool, args)
    if argv is None:
        return None
    folder = next((args[k] for k in _g().get("program_dir_keys", []) if isinstance(args.get(k), str) and args[k]),
                  None)
    inner = scope.deeper(f"{origin} runs {argv[0]}")
    if folder is not None:
        where = folder if folder.startswith(("/", "~")) or not scope.cwd else posixpath.join(scope.cwd, folder)
        inner = inner._replace(cwd=where)
    from blastwall.analyze.shell import analyze_command

    # The shell's guess from a subcommand's verb (`rollout restart`) is not taken: the MCP analyzer
    # judges the verbs of a tool's name and operation by its own rules; the program's rules decide here.
    return [f for f in analyze_command(shlex.join(argv), inner) if f.rule_id not in _VERB_GUESSES]


_VERB_GUESSES = frozenset({"shell.verbs:destructive-name"})


# ---- code under any key ----------------------------------------------------------------------

def prose_tool(tool: str) -> bool:
    """A tool that stores or sends text (`prose_tool_words`: a message, an issue, a note): not code."""
    return not _set("prose_tool_words").isdisjoint(word_set(tool))


def sniffed_findings(server: str, tool: str, args: dict[str, Any], scope: Scope, dialect: str | None,
                     origin: str) -> list[Finding] | None:
    """Findings of string arguments that are SQL, shell or Redis commands whatever their key, or
    None when no string passed a gate."""
    if prose_tool(tool):
        return None
    g = _g()
    sql_words = _set("sniff_sql_words")
    skip = _skipped()
    if any(args.get(k) for k in g.get("command_keys", [])):
        skip |= _set("stdin_keys")  # the command's input, read with the command
    known = known_programs()
    commands, redis_commands = _set("command_keys", "argv_keys"), _set("sniff_redis_commands")
    sql: list[str] = []
    shell: list[str] = []
    redis: list[list[str]] = []
    for key, value in _string_args(args):
        head = value.lstrip()[:40].split(None, 1)
        if not head:
            continue
        first = head[0].lower().strip("(;")
        if key in commands:
            argv = value.split()
            if argv[0].upper() in redis_commands:
                redis.append(argv)
        if key in skip:
            continue
        if first in sql_words and looks_like_sql(value):
            sql.append(value)
        elif first.rsplit("/", 1)[-1] in known and len(head) > 1 and "\n" not in value.strip()[:400]:
            shell.append(value)
    if not (sql or shell or redis):
        return None
    out: list[Finding] = []
    inner = scope.deeper(f"{origin} argument")
    if sql or redis:
        from blastwall.analyze.sql import analyze_redis, analyze_sql

        for text in sql[:_MAX_ANALYZED]:
            out += analyze_sql(text, inner, dialect=dialect)
        for argv in redis[:_MAX_ANALYZED]:
            out += analyze_redis(argv, inner)
    if shell:
        from blastwall.analyze.shell import analyze_command

        for text in shell[:_MAX_ANALYZED]:
            out += analyze_command(text, inner)
    return out


@functools.cache
def _skipped() -> frozenset[str]:
    """Keys whose strings other readers take as code (SQL, commands), and search patterns."""
    return _set("sql_keys", "command_keys", "sql_list_keys") | (_set("pattern_keys") - {"query"})


def _string_args(args: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, string) pairs of the arguments, a few levels down, and a list of words as one line."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, Any, int]] = [(str(k), v, 0) for k, v in args.items()]
    while stack and len(out) < _MAX_STRINGS:
        key, value, depth = stack.pop()
        if isinstance(value, str):
            if value.strip():
                out.append((key, value))
        elif isinstance(value, list) and depth < 6:
            listed = _strings(value)
            if listed and not any(" " in x.strip() for x in listed):
                out.append((key, shlex.join(listed)))  # `{"args": ["FLUSHALL"]}`, an argv
            else:
                stack += [(key, v, depth + 1) for v in value[:100]]
        elif isinstance(value, dict) and depth < 6:
            stack += [(str(k), v, depth + 1) for k, v in list(value.items())[:100]]
    return out
