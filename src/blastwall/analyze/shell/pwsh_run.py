"""PowerShell commands that run other code: what they run is read as code, or asked about.

    Invoke-Expression ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('...')))
        ->  the decoded text, judged as PowerShell
    Start-Process powershell -Verb RunAs -ArgumentList '-c', 'Remove-Item C:\\data -Recurse'
        ->  `powershell -c Remove-Item C:\\data -Recurse`, judged as that command line
    Invoke-Command -ComputerName srv { Remove-Item D:\\data -Recurse }, Start-Job { ... },
    & { ... }, . { ... }, & ([scriptblock]::Create('...'))  ->  the block, judged as PowerShell
    cmd /c "rd /s /q C:\\data"  ->  `rd /s /q C:\\data`, judged as cmd.exe

Which cmdlets run code, and which of their parameters hold it, is in rules/shell_windows.toml
[powershell.runners]. Code that is not a constant (a variable, a download, a call blastwall does
not evaluate) is asked about: it runs unseen otherwise.
"""

from __future__ import annotations

import functools
import shlex
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.pwsh_values import Arg, _pieces, arguments, constant, script_block_text
from blastwall.model import Finding

POWERSHELLS = frozenset({"pwsh", "pwsh.exe", "powershell", "powershell.exe"})
CMD = frozenset({"cmd", "cmd.exe"})


@functools.cache
def _runners() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("shell_windows")["powershell"]["runners"])


def runs_code(name: str) -> bool:
    """Whether a statement whose last command is `name` runs other code (judged here)."""
    low = program_name(name)
    r = _runners()
    return low in ("&", ".") or low in CMD or low in POWERSHELLS or any(low in r[k] for k in (
        "expression", "process", "block"))


def program_name(word: str) -> str:
    """`C:\\Windows\\System32\\cmd.exe` -> `cmd.exe`; `"pwsh"` -> `pwsh`."""
    word = word.strip("'\"")
    return word.replace("\\", "/").rsplit("/", 1)[-1].lower()


def run_findings(segments: list[str], scope: Scope, source: str) -> list[Finding] | None:
    """Findings for a pipeline whose last command runs code, or None when it does not."""
    from blastwall.analyze.shell.windows import words

    last = segments[-1].strip()
    ws = words(last)
    if not ws:
        return None
    name = program_name(ws[0])
    if ws[0] in ("&", ".") or (ws[0][:1] in ("&", ".") and ws[0][1:2] in ("{", "(", "'", '"')):
        return _call_operator(last[1:].strip(), scope, source)
    if name.startswith("&"):
        return program(last[1:].strip(), scope, source)
    if name in CMD or name in POWERSHELLS:
        return program(last, scope, source)
    r = _runners()
    args = arguments(last)[1:]
    if name in r["expression"]:
        return _expression(args, segments[:-1], scope, source)
    if name in r["process"]:
        return _process(args, scope, source)
    if name in r["block"]:
        return _blocks(args, scope, source)
    return None


def _code(text: str, scope: Scope, origin: str) -> list[Finding]:
    from blastwall.analyze.shell.powershell import analyze_powershell

    return analyze_powershell(text, scope.deeper(origin))


def _expression(args: list[Arg], producers: list[str], scope: Scope, source: str) -> list[Finding]:
    """Invoke-Expression CODE, or CODE | Invoke-Expression."""
    values = [a for a in args if a.param is None]
    code: str | None = None
    if values:
        code = values[0].values[0] if values[0].values and len(values[0].values) == 1 else None
    elif len(producers) == 1:
        code = constant(producers[0])
    if code is None:
        return [unknown("shell.windows:invoke-expression", "Invoke-Expression runs code blastwall cannot read (not a "
                        "constant string); a human must read what it runs", source)]
    return _code(code, scope, "Invoke-Expression")


_PROCESS_VALUED = frozenset({"filepath", "argumentlist", "credential", "workingdirectory", "redirectstandarderror",
                             "redirectstandardinput", "redirectstandardoutput", "verb", "windowstyle", "environment"})


def _process(args: list[Arg], scope: Scope, source: str) -> list[Finding]:
    """Start-Process PROGRAM [ARGS]: the program and its argument list are one command line."""
    from blastwall.analyze.shell.windows import bind

    named: dict[str, Arg] = {}
    positionals: list[Arg] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.param is not None:
            param = bind("saps", "-" + a.param) or ("filepath" if a.param == "path" else None)
            if param in _PROCESS_VALUED:
                if a.values is None or a.values:  # -Name:value
                    named[param] = a
                elif i + 1 < len(args):
                    named[param] = args[i + 1]
                    i += 1
            elif param == "whatif":
                return []
        else:
            positionals.append(a)
        i += 1
    program_arg = named.get("filepath") or (positionals[0] if positionals else None)
    rest = positionals[1:] if "filepath" not in named else positionals
    arg_list = named.get("argumentlist") or (rest[0] if rest else None)
    parts = [program_arg, arg_list] if arg_list is not None else [program_arg]
    if program_arg is None or any(p is None or p.values is None for p in parts):
        return [unknown("shell.windows:start-process", "Start-Process runs a program or arguments blastwall cannot "
                        "read (not constant strings); a human must read what it runs", source)]
    # the argument list is joined with single spaces, unquoted, into the program's command line
    texts = [_quoted(program_arg.values[0] if program_arg.values else ""),
             *(v for v in (arg_list.values or [] if arg_list is not None else []))]
    return program(" ".join(texts), scope, source)


def _quoted(text: str) -> str:
    return f'"{text}"' if (" " in text or not text) and '"' not in text else text


def _blocks(args: list[Arg], scope: Scope, source: str) -> list[Finding]:
    """Invoke-Command / Start-Job and the like: every script block they are given, and a script
    file they run (-FilePath), are read; a block held in a variable is asked about."""
    from blastwall.analyze.shell.windows import bind

    out: list[Finding] = []
    seen = False
    i = 0
    while i < len(args):
        a = args[i]
        if a.block is not None:
            out += _code(a.block, scope, "script block")
            seen = True
        elif a.param is not None:
            param = bind("icm", "-" + a.param)
            if param in ("scriptblock", "command", "filepath", "initializationscript"):
                value = args[i + 1] if i + 1 < len(args) and a.values == [] else None
                code = script_block_text(value.text) if value is not None else None
                if param == "filepath":
                    out += _script(value.values[0] if value is not None and value.values else None, scope, source)
                elif code is None:
                    out.append(unknown("shell.windows:script-block", "a script block blastwall cannot read runs here "
                                       "(held in a variable or built at run time); a human must read it", source))
                else:
                    out += _code(code, scope, "script block")
                seen = True
                i += 1 if value is not None else 0
        i += 1
    if not seen:
        out.append(unknown("shell.windows:script-block", "this command runs code blastwall cannot find on the line; a "
                           "human must read what it runs", source))
    return out


def _script(path: str | None, scope: Scope, source: str) -> list[Finding]:
    from blastwall.analyze.shell.scripts import script_text, unreadable

    script = script_text(path, scope) if path else None
    if script is None or script.text is None:
        return [unreadable("Invoke-Command", path or "a script", script.why if script else "its name is not known",
                           source)]
    return _code(script.text, scope, path or "script")


def _call_operator(rest: str, scope: Scope, source: str) -> list[Finding]:
    """`& { ... }`, `. { ... }`, `& ([scriptblock]::Create(...))`, `& 'C:\\x\\tool.exe' args`,
    `& $command` (asked)."""
    first = arguments(rest)
    if not first:
        return [unknown("shell.windows:call-operator", "& runs nothing blastwall can see", source)]
    head = first[0]
    block = script_block_text(head.text)
    if block is not None:
        return _code(block, scope, "script block")
    if head.values and len(head.values) == 1 and not _spaced_path(rest):
        return program(rest, scope, source)
    named = _named_program(rest)
    if named is not None:  # `& "C:\Program Files\...\devenv.com" X.sln`, `& "${env:ProgramFiles}\...\vswhere.exe"`
        return program(named, scope, source)
    return [unknown("shell.windows:call-operator", f"& runs {head.text[:60]}, which blastwall cannot read; a human "
                    "must read what it runs", source)]


def _spaced_path(rest: str) -> bool:
    pieces = _pieces(rest.strip())
    return bool(pieces) and pieces[0][:1] in "'\"" and " " in pieces[0] and ("\\" in pieces[0] or "/" in pieces[0])


def _named_program(rest: str) -> str | None:
    """The line with a quoted program path (`"C:\\Program Files\\X\\tool.exe" args`) written as the
    program's own name (`tool.exe args`): its file name is written out, so the program is judged by
    it, as bash judges a program by its name; None when the name itself is made at run time."""
    pieces = _pieces(rest.strip())
    if not pieces or pieces[0][:1] not in "'\"":
        return None
    name = program_name(pieces[0])
    if not name or any(c in name for c in "$`()@{} ") or name.endswith((".ps1", ".psm1", ".bat", ".cmd", ".sh", ".py")):
        return None
    return name + rest.strip()[len(pieces[0]):]


def program(line: str, scope: Scope, source: str) -> list[Finding]:
    """A command line run by PowerShell (`cmd /c ...`, `powershell -c ...`, a cmdlet, a native
    program), as PowerShell would run it."""
    from blastwall.analyze.shell.windows import cmd_line, powershell_statement, words

    line = line.strip()
    pieces = _pieces(line)
    if not pieces:
        return []
    rest = line[len(pieces[0]):]
    name = program_name(pieces[0])
    if name in CMD:
        return cmd_line(rest, scope, source)
    if name in POWERSHELLS:
        from blastwall.analyze.shell import analyze_command

        return analyze_command(shlex.join([name, *words(rest)]), scope.deeper(name))
    head = pieces[0].strip("'\"")
    return powershell_statement((shlex.quote(head) if " " in head else head) + rest, scope)
