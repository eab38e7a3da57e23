"""What a task runner would run: package.json scripts and Makefile recipes, read from the
working directory when blastwall knows it. `npm run db:reset` is judged by the command the
script holds, not by its name; the name is only a fallback when the file is not there."""

from __future__ import annotations

import json
import os

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.shell.stdin import read_file

MAX_DEPTH = 5
_VAR = rx.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]")
_RULE = rx.compile(r"^([^\t#=:][^=:]*?)\s*::?(.*)$")  # `t: deps`, `t:: deps`; `:=` and `::=` are assignments
_ASSIGN = rx.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?::{1,3}=|\?=|\+=|=)\s*(.*)$")
_BUILTIN_VARS = {"MAKE": "make", "RM": "rm -f", "CC": "cc", "CXX": "g++", "AR": "ar", "SHELL": "/bin/sh",
                 "MAKEFLAGS": "", "CURDIR": "."}


def _base(scope: Scope, directory: str | None) -> str | None:
    if not scope.read_files or not scope.cwd:
        return None
    return os.path.join(scope.cwd, directory) if directory else scope.cwd


def task_text(path: str, scope: Scope) -> str | None:
    """A task file's text as it is when the task runs: None when an earlier command of the line
    may change it with content blastwall cannot know (`git pull && npm run x`), as it is at a
    revision an earlier checkout names (tree_changes.py), else as on disk."""
    return task_state(path, scope)[0]


def task_state(path: str, scope: Scope) -> tuple[str | None, str]:
    """(text, why it cannot be read when text is None) of a task file (`task_text`)."""
    if scope.earlier:
        from blastwall.analyze.shell.task_edits import written

        edited = written(path, scope)  # `sed -i ... package.json && npm start`: the text as the line leaves it
        if edited is not None:
            return edited.text, edited.why
    if scope.earlier and scope.read_files:
        from blastwall.analyze.shell.tree_changes import as_run

        changed = as_run(path, scope)
        if changed is not None:
            return changed.text, changed.why
    text = read_file(path, scope)
    return text, "" if text is not None else "not there"


def package_script(name: str, scope: Scope, directory: str | None = None) -> list[str] | None:
    """The commands `npm run <name>` runs (pre<name>, <name>, post<name>), or None when the
    package.json or the script is not there."""
    base = _base(scope, directory)
    if base is None:
        return None
    text = task_text(os.path.join(base, "package.json"), scope)
    if text is None:
        return None
    try:
        scripts = json.loads(text).get("scripts") or {}
    except (ValueError, AttributeError):
        return None
    if not isinstance(scripts, dict) or not isinstance(scripts.get(name), str):
        return None
    return [scripts[n] for n in (f"pre{name}", name, f"post{name}") if isinstance(scripts.get(n), str)]


def task_file_readable(names: list[str], scope: Scope, directory: str | None = None) -> bool:
    """Whether one of the task files `names` (`Makefile`, `package.json`, `justfile`) can be read
    where the command runs."""
    return task_files_unread(names, scope, directory) is None


def task_files_unread(names: list[str], scope: Scope, directory: str | None = None) -> str | None:
    """None when one of the task files `names` can be read where the command runs, else why not
    (`no Makefile to read here`, or what an earlier command of the line does to it)."""
    base = _base(scope, directory)
    if base is None:
        if scope.earlier:  # no folder to read from, yet the line itself may rewrite the file
            from blastwall.analyze.shell.task_edits import written

            for n in names:
                edited = written(os.path.join(directory, n) if directory else n, scope)
                if edited is not None and edited.text is None:
                    return f"{n}: {edited.why}"
        return f"no {names[0]} to read here"
    changed = ""
    for n in names:
        text, why = task_state(os.path.join(base, n), scope)
        if text is not None:
            return None
        if why != "not there" and not changed:
            changed = f"{n}: {why}"
    return changed or f"no {names[0]} to read here"


def _parse_makefile(text: str) -> tuple[dict[str, str], dict[str, tuple[list[str], list[str]]], str | None]:
    variables: dict[str, str] = {}
    rules: dict[str, tuple[list[str], list[str]]] = {}
    first: str | None = None
    current: list[str] = []
    for raw in text.replace("\\\n", " ").splitlines():
        if raw.startswith("\t"):
            for t in current:
                rules[t][1].append(raw[1:])
            continue
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        m = _ASSIGN.match(line)
        if m and _is_assignment(line):
            variables[m.group(1)] = m.group(2).strip()
            current = []
            continue
        r = _RULE.match(line)
        if r and not r.group(2).startswith("="):
            targets = r.group(1).split()
            recipe_inline = ""
            deps = r.group(2).lstrip()
            if ";" in deps:
                deps, recipe_inline = deps.split(";", 1)
            current = [t for t in targets if not t.startswith(".")]
            for t in current:
                rules.setdefault(t, ([], []))
                rules[t][0].extend(deps.split())
                if recipe_inline.strip():
                    rules[t][1].append(recipe_inline.strip())
            if first is None and current and "%" not in current[0]:
                first = current[0]
            continue
        current = []
    return variables, rules, first


def _is_assignment(line: str) -> bool:
    """`X = a:b` and `X := y` assign; `target: dep` is a rule."""
    eq = line.find("=")
    colon = line.find(":")
    if eq < 0:
        return False
    return colon < 0 or eq < colon or line[colon:eq + 1] in (":=", "::=", ":::=")


def _expand(line: str, variables: dict[str, str], target: str, deps: list[str]) -> str:
    line = line.replace("$$", "\0")
    line = line.replace("$@", target).replace("$<", deps[0] if deps else "").replace("$^", " ".join(deps))
    for _ in range(5):
        new = _VAR.sub(lambda m: variables.get(m.group(1), _BUILTIN_VARS.get(m.group(1), f"${m.group(1)}")), line)
        if new == line:
            break
        line = new
    return line.replace("\0", "$").lstrip("@-+ ")


def _runs_when_dry(line: str) -> bool:
    """GNU make runs a recipe line under -n when it is marked `+` or names $(MAKE) / ${MAKE}."""
    prefix = line[:len(line) - len(line.lstrip("@-+ \t"))]
    return "+" in prefix or "$(MAKE)" in line or "${MAKE}" in line


def make_recipes(targets: list[str], scope: Scope, directory: str | None = None, makefile: str | None = None,
                 *, dry_run: bool = False) -> list[str] | None:
    """The recipe lines `make <targets>` runs, prerequisites first; None when the Makefile or
    a target is not there. A Makefile an earlier command of the line writes is read as written. With `dry_run` (`make -n`) only the lines make runs all the same: marked
    `+`, or calling $(MAKE)."""
    from blastwall.analyze.shell.scripts import script_text

    names = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    paths = [os.path.join(directory, n) if directory else n for n in names]  # a line may write it first
    text = next((t for t in (script_text(p, scope).text for p in paths) if t is not None), None)
    if text is None:
        return None
    return recipes_in(text, targets, dry_run=dry_run)


def recipes_in(text: str, targets: list[str], *, dry_run: bool = False) -> list[str] | None:
    """The recipe lines `make <targets>` runs from the Makefile text `text` (see make_recipes)."""
    variables, rules, first = _parse_makefile(text)
    wanted = targets or ([first] if first else [])
    out: list[str] = []
    seen: set[str] = set()

    def visit(t: str, depth: int) -> bool:
        if t in seen or depth > MAX_DEPTH:
            return True
        seen.add(t)
        if t not in rules:
            return depth > 0  # a file prerequisite is fine; an unknown requested target is not
        deps, recipe = rules[t]
        for d in deps:
            visit(d, depth + 1)
        out.extend(_expand(line, variables, t, deps) for line in recipe if not dry_run or _runs_when_dry(line))
        return True

    if not wanted or not all(visit(t, 0) for t in wanted):
        return None
    return out
