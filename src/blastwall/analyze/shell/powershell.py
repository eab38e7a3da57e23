"""PowerShell from a shell line: `pwsh -c CODE`, `powershell -EncodedCommand B64`, `pwsh -File x.ps1`.

PowerShell's parameters are case-insensitive and may be shortened to any unambiguous prefix
(`-c`, `-Comm`, `-COMMAND`); everything after `-Command` is the code, joined by spaces. The code
is read statement by statement (windows.py: Remove-Item and its aliases translated to the POSIX
delete they are, SQL cmdlets, destructive cmdlet verbs, native programs as shell text) and by the
PowerShell call patterns of rules/code.toml (Invoke-Expression, Start-Process, Set-Content, a
Remove-Item inside a block...). Code blastwall cannot
see (`-Command -` from stdin, an -EncodedCommand that does not decode, a script it cannot read) is
asked about.
"""

from __future__ import annotations

import base64
import binascii

from blastwall.analyze.base import Finding, Scope, unknown
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.stdin import has_stdin
from blastwall.analyze.shell.windows import names_parameter

NAMES = ["pwsh", "pwsh.exe", "powershell", "powershell.exe"]
CMD_NAMES = ["cmd", "cmd.exe"]
RUNNER_NAMES = ["runas", "runas.exe", "wmic", "wmic.exe", "schtasks", "schtasks.exe", "start", "sc", "sc.exe"]
COMMAND = "-command"
ENCODED = ("-encodedcommand", "-ec", "-e", "-en", "-enc")  # -e: both PowerShells take it as -EncodedCommand
FILE = "-file"
VALUED = ("-executionpolicy", "-ep", "-workingdirectory", "-wd", "-outputformat", "-of", "-inputformat", "-if",
          "-configurationname", "-config", "-custompipename", "-windowstyle", "-w", "-settingsfile", "-version", "-v",
          "-psconsolefile", "-encodedarguments", "-ea")


def handle_powershell(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    args = argv[1:]
    i = 0
    while i < len(args):
        t = args[i].text
        low = t.lower()
        if names_parameter(t, COMMAND, 1):
            if all(w.text == "-" for w in args[i + 1:]):  # `-Command -` (a here-document's `-` is no word)
                return _stdin(name, cmd, scope)
            return _code(" ".join(w.text for w in args[i + 1:]), any(w.dynamic for w in args[i + 1:]), name, cmd, scope)
        if low in ENCODED or names_parameter(t, "-encodedcommand", 2):
            return _encoded(args[i + 1] if i + 1 < len(args) else None, name, cmd, scope)
        if names_parameter(t, FILE, 1):
            if all(w.text == "-" for w in args[i + 1:i + 2]):  # `-File -`: the script is stdin
                return _stdin(name, cmd, scope)
            return _file(args[i + 1] if i + 1 < len(args) else None, name, cmd, scope)
        if low.startswith("-"):
            i += 2 if low in VALUED else 1
            continue
        # a first positional: pwsh takes it as -File, Windows PowerShell as -Command
        if name.startswith("pwsh"):
            return _file(args[i], name, cmd, scope)
        return _code(" ".join(w.text for w in args[i:]), any(w.dynamic for w in args[i:]), name, cmd, scope)
    return _stdin(name, cmd, scope) if has_stdin(cmd) else None  # no command: an interactive shell, or stdin's


def _stdin(name: str, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`pwsh -Command -`, `pwsh -File -`, or pwsh given no command with input: it runs the lines it reads on
    stdin (a here-document, here-string, pipe or file), judged as `pwsh -Command TEXT` is; input blastwall
    cannot read asks."""
    from blastwall.analyze.shell.handlers import _piped_code

    if not has_stdin(cmd):
        return [unknown("code.interp:powershell-stdin", f"{name} runs PowerShell code from stdin, which blastwall "
                        "does not see; a human must read it", cmd.source)]
    return _piped_code("PowerShell", cmd, scope, lambda text: analyze_powershell(text, scope.deeper(f"{name} stdin")))


def _code(text: str, dynamic: bool, name: str, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    if text.strip() == "-":
        return [unknown("code.interp:powershell-stdin", f"{name} runs PowerShell code from stdin, which blastwall "
                        "does not see; a human must read it", cmd.source)]
    if dynamic and text.startswith("$") and " " not in text:
        return [unknown("code.interp:exec-dynamic", f"{name} runs code from {text}", cmd.source)]
    return analyze_powershell(text, scope.deeper(f"{name} code"))


def _encoded(value: Word | None, name: str, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    text = None
    if value is not None and not value.dynamic:
        try:
            text = base64.b64decode(value.text, validate=True).decode("utf-16-le")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            text = None
    if text is None:
        return [unknown("code.interp:powershell-encoded", f"{name} runs an encoded command blastwall cannot decode; "
                        "a human must read it", cmd.source)]
    return _code(text, False, name, cmd, scope)


def _file(value: Word | None, name: str, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell.scripts import script_text, unreadable

    if value is None:
        return [unknown("code.interp:powershell-file", f"{name} -File without a script", cmd.source)]
    script = script_text(value.text, scope) if not value.dynamic else None
    if script is None or script.text is None:
        why = script.why if script is not None else "its name is made at run time"
        return [unreadable(name, value.text, why, cmd.source)]
    return analyze_powershell(script.text, scope.deeper(f"{name} {value.text}"))


def analyze_powershell(code: str, scope: Scope) -> list[Finding]:
    """Findings for PowerShell code: each statement judged by what each command of its pipeline
    does with what the earlier ones give it, script blocks and subexpressions included
    (pwsh_blocks.py; windows.py: Remove-Item and its aliases as the POSIX delete they are, SQL cmdlets, cmdlets by
    their verb, native programs as shell), and by the call patterns of rules/code.toml
    (Invoke-Expression, Start-Process, Set-Content, Remove-Item inside a block...) where the
    statement is not a Remove-Item judged directly."""
    from blastwall.analyze.base import dedupe
    from blastwall.analyze.code import analyze_code
    from blastwall.analyze.shell.pwsh_blocks import statement_findings
    from blastwall.analyze.shell.windows import judged_directly, statements, without_help

    found: list[Finding] = []
    parts = statements(code)
    if "@" in code and len(parts) > 1:
        from blastwall.analyze.shell.pwsh_params import expand_splats

        parts = expand_splats(parts)  # `$p = @{ Path = 'D:\\x'; Recurse = $true }; Remove-Item @p`
    scratch: set[int] = set()
    if len(parts) > 1 and "$" in code and "temp" in code.lower():
        from blastwall.analyze.shell.pwsh_scratch import scratch_removals

        scratch = scratch_removals(parts)  # `$tmp = New-TemporaryFile; ...; Remove-Item $tmp`
    for n, statement in enumerate(parts):
        if n in scratch:
            continue
        found += statement_findings(statement, scope, False)  # every command of it, and its blocks
        if not judged_directly(statement):
            found += analyze_code("powershell", without_help(statement), scope)
    return dedupe(found)


def handle_cmd(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`cmd /c LINE`, `cmd.exe /k "LINE"`: LINE read as cmd.exe reads it (windows.cmd_line). A word
    written without quotes keeps its backslashes (`D:\\Backups`), as cmd.exe sees them."""
    from blastwall.analyze.shell.windows import cmd_line

    parts = []
    for w in argv[1:]:
        text = w.raw if "\\" in w.raw and w.raw[:1] not in "'\"" and not w.dynamic else w.text
        parts.append(f'"{text}"' if " " in text and '"' not in text else text)
    return cmd_line(" ".join(parts), scope.deeper(name), cmd.source)


def handle_windows_runner(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """Windows programs that run a command line they are given (rules/shell_windows.toml
    [cmd.runners]): `runas /user:X "cmd /c ..."`, `wmic process call create "..."`, `schtasks
    /create /tr "..."` (runs later: judged now), cmd's `start [/b] PROGRAM ARGS`. The command line
    is read as cmd.exe reads it."""
    from blastwall.analyze.shell.windows import cmd_findings, runner_command_line

    texts = [w.raw if "\\" in w.raw and w.raw[:1] not in "'\"" and not w.dynamic else w.text for w in argv[1:]]
    line = runner_command_line(name, texts)
    if line is None:
        return None
    return cmd_findings(line, scope.deeper(name))


register(NAMES, handle_powershell)
register(CMD_NAMES, handle_cmd)
register(RUNNER_NAMES, handle_windows_runner)
