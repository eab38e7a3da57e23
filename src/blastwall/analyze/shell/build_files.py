"""Build tools told which build file to read (rules/build_files.toml).

    make -f ci.mk deploy           ci.mk is not there: deploy is not a build or test task, asked
    task -t Taskfile.ci.yml check  read: check's commands (and its deps') are judged (taskfile.py)
    make -f ci.mk test             a test task runs, as `make test` does without a Makefile
    gradle -b x.gradle build       x.gradle written on this line in Groovy: asked
    cmake -P wipe.cmake            read: a script calling execute_process or file(REMOVE ...) asks
    cmake -P -                     a script read from a stream: asked

`build_file_findings` is None when no option names a file or folder: the tool is then judged as
before (task names, and make's recipes read from the Makefile of the folder it runs in), unless the
tool reads its default file here (`read_default`: go-task's Taskfile.yml) and that file can be read.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.model import Finding

_CMAKE_CALL = rx.compile(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(\s*([A-Za-z_]*)")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("build_files")


@functools.cache
def _by_name() -> dict[str, dict[str, Any]]:
    return {n: spec for spec in _table()["tools"].values() for n in spec["names"]}


def build_tools() -> frozenset[str]:
    return frozenset(_by_name())


class Named(NamedTuple):
    file: Word | None
    directory: Word | None
    tasks: list[str]


def _value(w: Word, argv: list[Word], i: int, options: list[str]) -> tuple[Word | None, int]:
    """The value an option of `options` at argv[i] takes and how many words it spans (0: not one)."""
    t = w.text
    for o in options:
        if t == o:
            return (argv[i + 1] if i + 1 < len(argv) else Word.lit("")), 2
        if t.startswith(o + "="):
            return Word(t[len(o) + 1:], dynamic=w.dynamic), 1
        if len(o) == 2 and o[0] == "-" and o[1] != "-" and t.startswith(o) and len(t) > 2 and not t.startswith("--"):
            return Word(t[2:], dynamic=w.dynamic), 1  # `make -fci.mk`
    return None, 0


def parse(spec: dict[str, Any], argv: list[Word]) -> Named:
    """The build file, the folder and the tasks of `argv` (argv[0] is the program)."""
    file: Word | None = None
    directory: Word | None = None
    tasks: list[str] = []
    i = 1
    while i < len(argv):
        w = argv[i]
        value, span = _value(w, argv, i, spec["file"])
        if span:
            file = value
            i += span
            continue
        value, span = _value(w, argv, i, spec["directory"])
        if span:
            directory = value
            i += span
            continue
        _, span = _value(w, argv, i, spec["values"])
        if span:
            i += span
            continue
        if w.text in spec.get("two_values", ()):
            i += 3  # `just --set NAME VALUE`
            continue
        t = w.text
        if t == "--":
            if not spec.get("first_task_only") and not spec.get("dashdash_args"):
                tasks.extend(x.text for x in argv[i + 1:])
            break
        if not t.startswith("-") and "=" not in t:
            tasks.append(t)
            if spec.get("first_task_only"):
                break
        i += 1
    return Named(file, directory, tasks)


def _prints_by_value(spec: dict[str, Any], argv: list[Word]) -> bool:
    """`ninja -t targets`, `ninja -ttargets`: an option whose value makes the tool only print."""
    table: dict[str, list[str]] = spec.get("print_values", {})
    for option, tools in table.items():
        values = [v for i, w in enumerate(argv[1:], 1) for v, span in [_value(w, argv, i, [option])] if span]
        # every one: the last `-t` given is the one that runs (`ninja -t targets -t msvc -- CMD`)
        if values and all(v is not None and not v.dynamic and v.text in tools for v in values):
            return True
    return False


def _streamed(w: Word) -> bool:
    t = w.text
    return w.dynamic or t in ("", "-") or "$" in t or "<(" in t or t.startswith(("/dev/", "/proc/"))


def _candidates(spec: dict[str, Any], named: Named) -> list[str]:
    folder = named.directory.text if named.directory is not None else ""
    if named.file is None:
        return [os.path.join(folder, d) for d in spec["defaults"]]
    path = named.file.text
    if folder and spec.get("file_in_directory") and not path.startswith(("/", "~")):
        path = os.path.join(folder, path)
    extra = [os.path.join(path, d) for d in spec["defaults"]] if spec.get("file_may_be_directory") else []
    return [path, *extra]


def build_file_findings(name: str, argv: list[Word], scope: Scope, source: str,
                        tasks: list[str] | None = None) -> list[Finding] | None:
    """Findings for the build file `name` is told to read; None when no option names one."""
    return read_build_file(name, argv, scope, source, tasks)[0]


def body_decides(name: str) -> bool:
    """A task read from `name`'s build file is judged by what it runs, not by its name (just)."""
    return bool(_by_name().get(name, {}).get("body_decides"))


def _other_shell(spec: dict[str, Any], argv: list[Word]) -> Word | None:
    """The value of an option that makes the tool run its lines with a program that is no shell."""
    from blastwall.analyze.shell.justfile import SHELLS
    from blastwall.analyze.shell.names import program_name

    options = spec.get("shell_options", ())
    for i, w in enumerate(argv[1:], 1):
        value = _value(w, argv, i, options)[0] if options else None
        if value is not None and (value.dynamic or program_name(value.text) not in SHELLS):
            return value
    return None


def _found_upward(spec: dict[str, Any], scope: Scope) -> list[str]:
    """The default files of the folders above where the tool runs, and any case of their names in
    each (`search_up`, `any_case`), nearest first."""
    base = scope.cwd if scope.read_files else None
    if not base or not (spec.get("search_up") or spec.get("any_case")):
        return []
    here = os.path.normpath(os.path.join(base, scope.shell_dir or ""))
    wanted = {d.lower() for d in spec["defaults"]}
    out: list[str] = []
    folder = here
    for _ in range(32):
        try:
            names = sorted(n for n in os.listdir(folder) if n.lower() in wanted) if spec.get("any_case") else []
        except OSError:
            names = []
        if folder != here:
            names = [*[d for d in spec["defaults"] if d not in names], *names]
        out.extend(os.path.join(folder, n) for n in names)
        if folder != here and names and any(os.path.isfile(os.path.join(folder, n)) for n in names):
            break
        parent = os.path.dirname(folder)
        if parent == folder or not spec.get("search_up"):
            break
        folder = parent
    return out


def _then_upward(paths: list[str], spec: dict[str, Any], scope: Scope) -> Iterator[str]:
    yield from paths
    yield from (p for p in _found_upward(spec, scope) if p not in paths)


def read_build_file(name: str, argv: list[Word], scope: Scope, source: str,
                    tasks: list[str] | None = None) -> tuple[list[Finding] | None, bool]:
    """(`build_file_findings`, whether the build file decided: its text was read, or the tool only
    prints its tasks)."""
    from blastwall.analyze.shell.scripts import safe_task, script_text, unreadable, written_here

    spec = _by_name().get(name)
    if spec is None:
        return None, False
    named = parse(spec, argv)
    if any(w.text.partition("=")[0] in spec.get("prints", ()) for w in argv[1:]) or _prints_by_value(spec, argv):
        return [], True  # `task --list -t FILE`: the tool prints its tasks, and runs none
    shell = _other_shell(spec, argv)
    if shell is not None:
        return [unknown("shell.scripts:unread-task", f"{name} runs its tasks with {shell.text}, which is no shell "
                        "blastwall reads them in; a human must check what they run", source)], False
    if named.file is None and named.directory is None and not spec.get("read_default"):
        return None, False
    if named.file is not None and name in ("make", "gmake") and not named.file.dynamic and \
            named.file.text in ("-", "/dev/stdin"):
        return None, False  # `make -f -`: handlers._streamed_makefile reads a Makefile fed on the line, or asks
    if named.file is not None and _streamed(named.file):
        return [unknown("shell.scripts:streamed-task-file", f"{name} reads its build file from {named.file.text or '(nothing)'}"
                        " (text made at run time, which blastwall does not see); a human must check what it runs",
                        source)], False
    if named.directory is not None and _streamed(named.directory):
        return [unknown("shell.scripts:unread-task", f"{name} runs in the folder {named.directory.text}, which "
                        "blastwall cannot resolve; a human must check what its build file runs", source)], False
    paths = _candidates(spec, named)
    upward = named.file is None and named.directory is None
    why = ""
    wanted = named.tasks if tasks is None else tasks
    for path in _then_upward(paths, spec, scope) if upward else paths:
        found = script_text(path, scope)
        if found.text is not None:
            return _read(spec, name, path, found.text, written_here(path, scope), source, wanted, scope), True
        if found.why.startswith("an earlier command"):
            return [unreadable(name, path, found.why, source)], False
        why = why or found.why
    if named.file is None and named.directory is None:
        return None, False  # `task check` with no Taskfile read: judged by its task names, as before
    shown = paths[0] if paths else name
    if spec.get("script"):
        return [unreadable(name, shown, why, source)], False
    if not wanted:
        if named.file is None:
            return [], False  # `ninja -C build`: the folder's default task, as the tool run there
        return [unknown("shell.scripts:unread-task", f"{name} runs the default task of {shown}, which blastwall "
                        f"cannot read ({why}); a human must check what it does", source)], False
    known = spec.get("commands")
    unsafe = [t for t in wanted if (t not in known if known is not None else not safe_task(t))]
    if not unsafe:
        return [], False
    return [unknown("shell.scripts:unread-task", f"{name} runs the task {unsafe[0]} of {shown}, which blastwall "
                    f"cannot read ({why}); a human must check what it does", source)], False


def _read(spec: dict[str, Any], name: str, path: str, text: str, here: bool, source: str, wanted: list[str],
          scope: Scope) -> list[Finding]:
    """A build file whose text is known: make's recipes are read by the runner (tasks.py), a CMake
    script and a Taskfile here; a file in another language written on this line is asked about."""
    from blastwall.analyze.shell.scripts import unreadable

    if spec["read"] == "taskfile":
        from blastwall.analyze.shell import analyze_command
        from blastwall.analyze.shell.taskfile import task_commands

        commands = task_commands(text, wanted)
        if commands is None:
            return [unreadable(name, path, "its tasks take shapes blastwall does not follow, or come from an included "
                               "Taskfile", source)]
        shown = f"{name} {' '.join(wanted) or 'default'}"
        return [f for c in commands for f in analyze_command(c, scope.deeper(shown))]
    if spec["read"] == "justfile":
        return _just(name, path, text, wanted, source, scope)
    if spec["read"] == "cmake":
        calls = cmake_effects(text)
        if calls:
            return [unknown("shell.exec:unread-script", f"{name} runs the CMake script {path}, which calls {calls[0]} "
                            "(it runs programs or changes files blastwall does not judge); a human must read it",
                            source)]
        return []
    if spec["read"] or not here:
        return []
    return [unreadable(name, path, "an earlier command on this line writes it, in a language blastwall does not "
                       "read", source)]


def _just(name: str, path: str, text: str, wanted: list[str], source: str, scope: Scope) -> list[Finding]:
    """The code of the recipes `just WANTED` runs, judged in its language (justfile.py)."""
    from blastwall.analyze.shell import analyze_command
    from blastwall.analyze.shell.justfile import just_commands
    from blastwall.analyze.shell.scripts import unreadable

    codes = just_commands(text, wanted)
    if codes is None:
        return [unreadable(name, path, "its recipes take shapes blastwall does not follow, or may come from an "
                           "imported justfile or a module", source)]
    shown = f"{name} {' '.join(wanted) or '(default)'}"
    found: list[Finding] = []
    for code in codes:
        if code.language == "shell":
            found.extend(analyze_command(code.text, scope.deeper(shown)))
        else:
            from blastwall.analyze.code import analyze_code

            found.extend(analyze_code(code.language, code.text, scope.deeper(shown)))
    return found


def cmake_effects(text: str) -> list[str]:
    """The calls of a CMake script that run programs, load code or change files (`[cmake]`)."""
    table = _table()["cmake"]
    runs = {r.lower() for r in table["runs"]}
    changes = {c.upper() for c in table["file_changes"]}
    found: list[str] = []
    for m in _CMAKE_CALL.finditer(text):
        command, first = m.group(1).lower(), m.group(2).upper()
        if command in runs:
            found.append(command + "()")
        elif command == "file" and first in changes:
            found.append(f"file({first})")
    return found
