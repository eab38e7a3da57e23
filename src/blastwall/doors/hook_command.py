"""The command an agent runs for blastwall's hook: written by `install`, read back by
`install --status` and `doctor`.

    hook_argv("claude-code", 30)
    # ['/venv/.../blastwall/daemon/blastwall-hook', '/venv/bin/python', '/venv/.../site-packages',
    #  '--', 'claude-code', '--timeout', '30']                       (the hook client in C, when built)
    # ['/venv/bin/python', '-I', '-S', '-c', 'import sys; sys.path[:0] = ["/venv/.../site-packages"]; '
    #  'from blastwall.cli.hook import main; main()', 'claude-code', '--timeout', '30']    (otherwise)

`hook_argv` is the one place that decides that command. Where the hook client in C was built
(setup.py; `blastwall/daemon/blastwall-hook`, from daemon/hookc.c) it is that program: it asks
the warm checker without starting an interpreter (about 1 ms of its own), and for anything else
execs the Python client below with the same interpreter and folders, given as its arguments.
Otherwise it is the interpreter `install` ran from, by absolute path, started the fastest way
that needs nothing from the agent's environment:
- no `PATH` lookup (an agent started elsewhere would get "command not found", exit 127, which
  every agent reads as "proceed");
- `-I`: `PYTHON*` variables (PYTHONPATH, PYTHONSTARTUP, ...) and the user site are ignored;
- `-S`: `site` is not imported, so no `.pth` file runs before blastwall answers (an agent that
  wrote one cannot switch the hook off), and start-up is a few milliseconds shorter;
- the folders `site` would have added are put on `sys.path` by the command itself: the folder
  holding the `blastwall` package first, then this interpreter's site-packages, which the
  in-process fallback needs for its libraries.

Each agent's config takes that argv in its own form (`agent_command`): Claude Code, Cursor,
Gemini CLI and Codex run a shell command string (`/bin/sh -c`); OpenCode's plugin spawns the
argv itself, without a shell.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import site
import sys
from typing import NamedTuple

ENTRY = "from blastwall.cli.hook import main; main()"
CLIENT = "blastwall-hook"  # the hook client in C, in the `blastwall.daemon` package's folder
HOOK_MARKERS = ("blastwall hook", "blastwall.cli.hook", "/" + CLIENT)  # in every command blastwall installs
SHELL = "/bin/sh"  # what the agents that take a command string run it with
FORMS = ("auto", "c", "python")


def hook_argv(agent: str, timeout_s: int, *, python: str | None = None, paths: list[str] | None = None,
              form: str = "auto") -> list[str]:
    """The default hook command: the C client (`form` "auto" when it was built, or "c"), or
    `python -I -S -c <bootstrap> <agent> --timeout N` ("python")."""
    paths = bootstrap_paths() if paths is None else paths
    python = python or sys.executable
    tail = [agent, "--timeout", str(int(timeout_s))]
    client = client_program(paths[0]) if form != "python" else None
    if client is not None:
        return [client, python, *paths, "--", *tail]
    if form == "c":
        raise FileNotFoundError(f"the hook client in C was not built under {paths[0]} (a C compiler at install time)")
    literals = ", ".join(_literal(p) for p in paths)
    return [python, "-I", "-S", "-c", f"import sys; sys.path[:0] = [{literals}]; {ENTRY}", *tail]


def client_program(package_root: str) -> str | None:
    """The hook client in C under `package_root` (the folder holding the `blastwall` package), when
    it was built there and can run."""
    path = os.path.join(package_root, "blastwall", "daemon", CLIENT)
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def bootstrap_paths() -> list[str]:
    """The folder holding the `blastwall` package, then this interpreter's site-packages (those
    that exist), without repeats."""
    import blastwall

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(blastwall.__file__)))
    out: list[str] = []
    for p in [package_root, *site.getsitepackages()]:
        p = os.path.abspath(p)
        if p not in out and os.path.isdir(p):
            out.append(p)
    return out


def _literal(path: str) -> str:
    """A Python string literal for `path`, in double quotes when it can be (the command then
    needs no escaped single quotes inside the shell's single quotes)."""
    if path.isascii() and path.isprintable():
        return json.dumps(path)
    return repr(path)


def shell_command(argv: list[str]) -> str:
    """`argv` as one shell command string (Claude Code, Cursor, Gemini CLI, Codex)."""
    return shlex.join(argv)


def names_hook(command: str) -> bool:
    """True for a command blastwall installed (any form, old or new)."""
    return any(m in command for m in HOOK_MARKERS)


def spawned(agent: str, command: str) -> list[str]:
    """What the agent starts for a configured hook `command`: `/bin/sh -c COMMAND`, or for
    OpenCode the argv its plugin spawns (`plugin_argv`)."""
    return plugin_argv(command) if agent == "opencode" else [SHELL, "-c", command]


def plugin_argv(command: str) -> list[str]:
    """The argv OpenCode's plugin spawns for `command`: blastwall's own command split back into
    its words; anything else (a `--command` wrapper) through `/bin/sh -c`, as written."""
    try:
        words = shlex.split(command)
    except ValueError:
        return [SHELL, "-c", command]
    if bootstrap_of(words) is not None and shell_command(words) == command:
        return words
    return [SHELL, "-c", command]


def argv_command(argv: list[str]) -> str:
    """The command string an argv in OpenCode's plugin stands for (inverse of `plugin_argv`)."""
    if len(argv) == 3 and argv[:2] == [SHELL, "-c"]:
        return argv[2]
    return shell_command(argv)


class Bootstrap(NamedTuple):
    """What a `python -I -S -c ...` hook command needs in order to start."""

    python: str
    paths: tuple[str, ...]


def bootstrap_of(words: list[str]) -> Bootstrap | None:
    """The interpreter and `sys.path` entries of a hook command in one of `hook_argv`'s forms, or None."""
    if words and os.path.basename(words[0]) == CLIENT:  # CLIENT PYTHON PATH... -- AGENT ...
        if "--" not in words[3:]:
            return None
        end = words.index("--", 3)
        return Bootstrap(words[1], tuple(words[2:end]))
    if len(words) < 5 or words[1:3] != ["-I", "-S"] or words[3] != "-c" or ENTRY not in words[4]:
        return None
    try:
        tree = ast.parse(words[4])
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            try:
                paths = ast.literal_eval(node.value)
            except ValueError:
                return None
            if isinstance(paths, list) and all(isinstance(p, str) for p in paths):
                return Bootstrap(words[0], tuple(paths))
    return None


def client_form(command: str) -> str:
    """Which hook client a command runs: "c", "python" (`hook_argv`'s forms) or "other"."""
    try:
        words = shlex.split(command)
    except ValueError:
        return "other"
    if bootstrap_of(words) is None:
        return "other"
    return "c" if os.path.basename(words[0]) == CLIENT else "python"


def start_problem(agent: str, command: str) -> str:
    """Why `command` would not start where the agent runs it ("" when nothing is wrong that can
    be seen without running it): a missing interpreter or program, a bootstrap folder that is
    gone, a bare program name that depends on PATH."""
    argv = spawned(agent, command)
    if argv[:2] == [SHELL, "-c"]:
        try:
            argv = shlex.split(argv[2])
        except ValueError as exc:
            return f"the command cannot be parsed as the shell would run it ({exc})"
    if not argv:
        return "the command is empty"
    boot = bootstrap_of(argv)
    program = argv[0]
    if not os.path.isabs(program):
        if not shutil.which(program):
            return f"`{program}` is not on PATH here, and an agent started elsewhere would not find it either"
        return (f"`{program}` is found through PATH; an agent started with another PATH gets \"command not found\", "
                "which it reads as \"proceed\"")
    if not os.path.isfile(program) or not os.access(program, os.X_OK):
        return f"{program} is not there or not executable"
    if boot is not None and boot.python != program and not (os.path.isfile(boot.python) and os.access(boot.python, os.X_OK)):
        return f"{boot.python}, the interpreter the hook client falls back to, is not there or not executable"
    if boot is not None:
        gone = [p for p in boot.paths if not os.path.isdir(p)]
        if gone:
            return f"the folder {gone[0]} the command puts on sys.path is gone"
    return ""
