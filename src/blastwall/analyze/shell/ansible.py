"""Ansible: `ansible HOSTS -m MODULE -a ARGS` runs one module on many hosts, `ansible-playbook
FILE` runs the tasks of a playbook. What each module does is data (rules/ansible.toml): command
modules have their command line analyzed as shell, `state=absent` removes, file modules
overwrite, unknown modules and playbooks blastwall cannot read are asked about.
"""

from __future__ import annotations

import functools
import os
import shlex
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.handlers import _shell_text, register, run_script
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity

MAX_TASKS = 500
MAX_INCLUDES = 16
_TASK_KEYS = frozenset({
    "name", "when", "become", "become_user", "become_method", "register", "loop", "loop_control", "tags", "vars",
    "notify", "ignore_errors", "ignore_unreachable", "changed_when", "failed_when", "delegate_to", "delegate_facts",
    "run_once", "check_mode", "args", "environment", "no_log", "retries", "until", "delay", "listen", "diff",
    "throttle", "any_errors_fatal", "connection", "timeout", "debugger", "module_defaults", "collections", "async",
    "poll", "remote_user", "port", "local_action", "action", "block", "rescue", "always",
})


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("ansible")


def _finding(kind: str, target: str, source: str) -> Finding:
    row = next(r for r in _table()["rule"] if r["id"] == f"shell.ansible:{kind}")
    return Finding(rule_id=row["id"], effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                   reason=row["reason"].replace("{target}", target), target=target[:120], safer=row["safer"],
                   source=source[:200])


def module_findings(module: str, args: Any, scope: Scope, source: str) -> list[Finding]:
    """What one module given `args` (free-form text or a mapping) does on the hosts."""
    name = module.rsplit(".", 1)[-1]
    mods = _table()["modules"]
    args = _json_args(args)
    text = args if isinstance(args, str) else ""
    params = dict(args) if isinstance(args, dict) else _key_values(text)
    if name in mods["shell"]:
        command = _command_line(args, params)
        if command is None or "{{" in command:
            return [_finding("unknown", f"runs a command made from variables ({str(args)[:60]})", source)]
        return _shell_text(command, scope, f"ansible {name}")
    if name in mods["script"]:
        script = (text.split() or [""])[0] if text else str(params.get("cmd") or params.get("_raw_params") or "")
        return run_script(f"ansible {name}", Word.lit(script), SimpleCommand([Word.lit(name)], source=source), scope,
                          None)
    state = str(params.get("state", "")).lower()
    states = _table()["states"]
    if "{{" in state:
        return [_finding("unknown", f"{name} with a state made from variables ({state})", source)]
    if state in states["remove"] or _removes(params):
        what = params.get("path") or params.get("name") or params.get("dest") or params.get("url") or ""
        return [_finding("remove", f"{name} removes {what or 'what it manages'} ({_shown(params, text)})", source)]
    if state in states["stop"]:
        return [_finding("stop", f"{name} {state} {params.get('name', '')} ({_shown(params, text)})", source)]
    if name in mods["writes"]:
        return [_finding("writes", f"{name} {_shown(params, text)}", source)]
    if name in mods["read_only"] or name in mods["installs"]:
        return []
    return [_finding("unknown", f"runs the module {module} ({_shown(params, text)})", source)]


def _json_args(args: Any) -> Any:
    """`-a '{"path": "/srv", "state": "absent"}'`: Ansible reads arguments that start with `{` as JSON."""
    if not isinstance(args, str) or not args.lstrip().startswith("{"):
        return args
    import json

    try:
        loaded = json.loads(args)
    except ValueError:
        return args
    return loaded if isinstance(loaded, dict) else args


def _removes(params: dict[str, Any]) -> bool:
    given = {f"{k}={v}".lower() for k, v in params.items()}
    return bool(given & {a.lower() for a in _table()["arguments"]["remove"]})


def _shown(params: dict[str, Any], text: str) -> str:
    return (text or " ".join(f"{k}={v}" for k, v in params.items()))[:80]


def _key_values(text: str) -> dict[str, str]:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return dict(w.split("=", 1) for w in words if "=" in w and w.split("=", 1)[0].isidentifier())


_COMMAND_PARAMS = ("chdir", "creates", "removes", "executable", "warn", "stdin", "stdin_add_newline", "strip_empty_ends")


def _command_line(args: Any, params: dict[str, Any]) -> str | None:
    """The command line of a command module: its free-form text (less the `chdir=` style options),
    or `cmd`/`_raw_params`, or an `argv` list."""
    if isinstance(args, str):
        words = args.split(" ")
        while words and "=" in words[0] and words[0].split("=", 1)[0] in _COMMAND_PARAMS:
            words = words[1:]
        return " ".join(words)
    if isinstance(args, dict):
        if isinstance(args.get("argv"), list):
            return shlex.join(str(a) for a in args["argv"])
        value = args.get("cmd", args.get("_raw_params"))
        return str(value) if value is not None else None
    return None


# ---- the two programs --------------------------------------------------------------------------
def _options(argv: list[Word]) -> tuple[dict[str, str], list[str], set[str]]:
    """Option values (long names), positionals and flags of an ansible command line."""
    value_opts = set(_table()["program"]["value_options"])
    values: dict[str, str] = {}
    positionals: list[str] = []
    flags: set[str] = set()
    i = 0
    while i < len(argv):
        t = argv[i].text
        if t.startswith("--") and "=" in t:
            k, v = t.split("=", 1)
            values[k] = v
        elif t in value_opts:
            values[t] = argv[i + 1].text if i + 1 < len(argv) else ""
            i += 1
        elif t[:2] in ("-m", "-a", "-e", "-i") and len(t) > 2:
            values[t[:2]] = t[2:]
        elif t.startswith("-"):
            flags.add(t)
        else:
            positionals.append(t)
        i += 1
    return values, positionals, flags


def _dry_run(flags: set[str]) -> bool:
    return bool(flags & set(_table()["dry_run"]["flags"]))


def handle_ansible(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    values, _, flags = _options(argv[1:])
    if _dry_run(flags):
        return []
    module = values.get("-m") or values.get("--module-name") or "command"  # ansible's default module
    args = values.get("-a", values.get("--args"))
    if args is None:
        return module_findings(module, {}, scope, cmd.source) if module not in ("command", "shell") else []
    if any(w.dynamic for w in argv[1:] if w.text == args):
        return [_finding("unknown", f"runs {module} with arguments made at run time ({args[:60]})", cmd.source)]
    return module_findings(module, args, scope.deeper("ansible hosts"), cmd.source)


def handle_playbook(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    _, playbooks, flags = _options(argv[1:])
    if "--syntax-check" in flags or {"--list-tasks", "--list-hosts", "--list-tags", "--help", "-h"} & flags:
        return []
    only_forced = bool({"--check", "-C"} & flags)  # in check mode only tasks with `check_mode: false` run
    out: list[Finding] = []
    for book in playbooks or [""]:
        out.extend(_playbook(book, scope, cmd.source, only_forced))
    return out


def _playbook(path: str, scope: Scope, source: str, only_forced: bool) -> list[Finding]:
    plays = _load(path, scope)
    if not isinstance(plays, list):
        if only_forced:
            return []  # check mode: a task that runs anyway would be in a file blastwall cannot read either
        return [_finding("unknown", f"runs the playbook {path or '(none given)'}, which blastwall cannot read",
                         source)]
    walker = _Walker(os.path.dirname(path), scope, source, only_forced)
    for play in plays:
        if isinstance(play, dict):
            walker.play(play)
    return walker.out


def _load(path: str, scope: Scope) -> Any:
    from blastwall.analyze.shell.tree_changes import read_as_run

    text = read_as_run(path, scope) if path and "{{" not in path else None
    if text is None:
        return None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


class _Walker:
    """Every task of a playbook, its blocks, handlers, roles and included task files."""

    def __init__(self, base: str, scope: Scope, source: str, only_forced: bool) -> None:
        self.base, self.scope, self.source, self.only_forced = base, scope, source, only_forced
        self.out: list[Finding] = []
        self.seen = 0
        self.includes = 0

    def play(self, play: dict[str, Any]) -> None:
        if "import_playbook" in play or "ansible.builtin.import_playbook" in play:
            target = play.get("import_playbook") or play.get("ansible.builtin.import_playbook")
            self.include(str(target), playbook=True)
            return
        for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            self.tasks(play.get(key))
        for role in play.get("roles") or []:
            role_name = role.get("role") or role.get("name") if isinstance(role, dict) else role
            self.include(os.path.join("roles", str(role_name), "tasks", "main.yml"))

    def tasks(self, tasks: Any, forced: bool = False) -> None:
        for task in tasks if isinstance(tasks, list) else []:
            if not isinstance(task, dict):
                continue
            self.seen += 1
            if self.seen > MAX_TASKS:
                self.out.append(_finding("unknown", "runs a playbook too long to read whole", self.source))
                return
            here = forced or str(task.get("check_mode", "")).lower() in ("false", "no")
            if "block" in task:
                for key in ("block", "rescue", "always"):
                    self.tasks(task.get(key), here)
                continue
            self.task(task, here)

    def task(self, task: dict[str, Any], forced: bool) -> None:
        if self.only_forced and not forced:
            return
        for key in ("action", "local_action"):
            if isinstance(task.get(key), str):
                module, _, args = task[key].partition(" ")
                self.out.extend(module_findings(module, args, self.scope, self.source))
                return
        modules = [k for k in task if k not in _TASK_KEYS and not k.startswith("with_")]
        if not modules:
            return
        module = modules[0]
        args = task[module]
        short = module.rsplit(".", 1)[-1]
        if short in ("include_tasks", "import_tasks", "include"):
            file = args.get("file") if isinstance(args, dict) else args
            self.include(str(file))
            return
        if short in ("include_role", "import_role"):
            role = args.get("name") if isinstance(args, dict) else args
            self.include(os.path.join("roles", str(role), "tasks", "main.yml"))
            return
        if isinstance(task.get("args"), dict):
            args = {**task["args"], **(args if isinstance(args, dict) else {"_raw_params": args} if args else {})}
        self.out.extend(module_findings(module, args if args is not None else {}, self.scope, self.source))

    def include(self, path: str, playbook: bool = False) -> None:
        self.includes += 1
        full = os.path.join(self.base, path) if self.base and not os.path.isabs(path) else path
        loaded = _load(full, self.scope) if self.includes <= MAX_INCLUDES else None
        if not isinstance(loaded, list):
            if not self.only_forced:
                self.out.append(_finding("unknown", f"runs tasks from {path}, which blastwall cannot read", self.source))
            return
        if playbook:
            for play in loaded:
                if isinstance(play, dict):
                    self.play(play)
        else:
            self.tasks(loaded)


register(["ansible"], handle_ansible)
register(["ansible-playbook"], handle_playbook)
