"""What go-task runs: the shell commands of the tasks a Taskfile names (rules/build_files.toml
[tools.task], read = "taskfile").

    tasks:
      check:
        deps: [lint]
        cmds:
          - kubectl delete namespace prod        -> `task check` runs it (and lint's commands first)
          - task: cleanup                        -> and cleanup's commands
          - defer: rm -rf build                  -> deferred, still run

A task is a string, a list of commands or a mapping (`cmds`, `cmd`, `deps`, `preconditions`,
`status`, `dir`); a command is a string or a mapping (`cmd`, `task`, `defer`). Templates (`{{.X}}`)
are values made at run time. None when the file cannot be followed: not YAML, shapes this reader
does not know, or a task that may live in an included Taskfile (`includes`).
"""

from __future__ import annotations

import shlex
from typing import Any

from blastwall import rx

MAX_TASKS = 64
_TEMPLATE = rx.compile(r"\{\{[^}]*\}\}")
_SHELL_KEYS = ("cmds", "cmd", "deps", "preconditions", "status")
_TASK_KEYS = frozenset({"desc", "summary", "prompt", "aliases", "label", "sources", "generates", "method", "silent",
                        "interactive", "internal", "run", "platforms", "vars", "env", "dotenv", "requires", "set",
                        "shopt", "ignore_error", "prefix", "watch", "dir", *_SHELL_KEYS})


class Unreadable(Exception):
    """A Taskfile shape this reader cannot follow."""


def task_commands(text: str, wanted: list[str]) -> list[str] | None:
    """The shell commands `task WANTED...` runs (the `default` task when none is named), or None."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("tasks", {}), dict):
        return None
    try:
        return _Reader(doc).run(wanted or ["default"])
    except Unreadable:
        return None


class _Reader:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.tasks: dict[str, Any] = {str(k): v for k, v in (doc.get("tasks") or {}).items()}
        for name, task in list(self.tasks.items()):
            for alias in (task.get("aliases") or []) if isinstance(task, dict) else []:
                self.tasks.setdefault(str(alias), task)
        self.included = bool(doc.get("includes"))
        self.seen: set[str] = set()
        self.out: list[str] = []

    def run(self, names: list[str]) -> list[str]:
        for name in names:
            self._task(name)
        return self.out

    def _task(self, name: Any) -> None:
        if not isinstance(name, str) or _TEMPLATE.search(name):
            raise Unreadable
        if name in self.seen:
            return
        self.seen.add(name)
        if len(self.seen) > MAX_TASKS:
            raise Unreadable
        if name not in self.tasks:
            if self.included:  # `task db:reset` may be an included file's task
                raise Unreadable
            return  # go-task stops: the task does not exist
        task = self.tasks[name]
        if isinstance(task, (str, list)):
            task = {"cmds": [task] if isinstance(task, str) else task}
        if not isinstance(task, dict) or not set(map(str, task)) <= _TASK_KEYS:
            raise Unreadable
        folder = task.get("dir")
        prefix = f"cd {shlex.quote(str(folder))} && " if folder else ""
        for dep in _items(task.get("deps")):
            self._task(dep.get("task") if isinstance(dep, dict) else dep)
        for check in [*_items(task.get("preconditions")), *_items(task.get("status"))]:
            self._command(check.get("sh") if isinstance(check, dict) else check, prefix)
        if "cmd" in task:
            self._command(task["cmd"], prefix)
        for cmd in _items(task.get("cmds")):
            self._command(cmd, prefix)

    def _command(self, cmd: Any, prefix: str) -> None:
        if isinstance(cmd, dict):
            if "task" in cmd:
                self._task(cmd["task"])
                return
            if "defer" in cmd:
                self._command(cmd["defer"], prefix)
                return
            if "for" in cmd and isinstance(cmd.get("cmd"), str):  # a loop: each item is a value made at run time
                self._command(cmd["cmd"], prefix)
                return
            cmd = cmd.get("cmd", cmd.get("sh"))
        if not isinstance(cmd, str):
            raise Unreadable
        self.out.append(prefix + _TEMPLATE.sub("${TASK_TEMPLATE_VALUE}", cmd))


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise Unreadable
