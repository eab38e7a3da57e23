"""Command lines of Windows shells: PowerShell and cmd.exe, as an agent on Windows types them.

    windows_findings("Remove-Item -Recurse -Force C:\\data", scope)  ->  [Finding(shell.fs:rm ...)]
    windows_findings("git status", scope)                            ->  None (bash reads it)

A line is PowerShell when it starts with a cmdlet (`Verb-Noun`, an approved verb), a
PowerShell-only alias (`ri`, `gci`, `iex`), or a delete alias with a PowerShell-only parameter
(`rm -r -fo x`); it is cmd.exe when it starts with one of cmd's commands and carries a /switch
(`rd /s /q x`, `del /s *.pyc`, `format D:`). Everything else is bash's. What the commands do is
judged by translating them into the POSIX command that does the same, with Windows paths in
POSIX form (`paths.posix_form`), so the file rules of every other command apply: `rd /s /q
C:\\data` is `rm -rf /data`, `del /s /q *.pyc` is `find . -name '*.pyc' -delete`, `Get-ChildItem
$env:TEMP -Recurse | Where-Object LastWriteTime -lt (Get-Date).AddDays(-7) | Remove-Item` is
`find /tmp -mtime +7 -delete`. Knowledge (verbs, aliases, parameters) is in rules/shell_windows.toml.
"""

from __future__ import annotations

import contextvars
import functools
import shlex
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.paths import posix_form
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

_CMDLET = rx.compile(r"^[A-Za-z]+-[A-Za-z][A-Za-z0-9]*$")
_SWITCH = rx.compile(r"^/[A-Za-z?][A-Za-z0-9]*(?::\S*)?$")
_DRIVE = rx.compile(r"^[A-Za-z]:$")
_ASSIGN = rx.compile(r"^\$(?:env:)?[A-Za-z_]\w*\s*=(?:[^=]|$)")  # `$env:NAME='v'`, `$x = ...`: bash cannot assign so
_LITERAL = rx.compile(r"""^(?:'[^']*'|"[^"$`]*"|-?[\d.]+|\$(?:true|false|null))$""")  # a value that runs nothing
_AGE = rx.compile(r"(?i)\bLastWriteTime\b\s+-lt\s+\(\s*Get-Date\s*\)\s*\.\s*Add(Days|Hours)\s*\(\s*-\s*(\d+)\s*\)")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shell_windows")


# The words of `shlex.split(text, posix=False)` in one pass: a quoted run ends its word, any other
# word runs to the next blank (quotes inside it are kept as they are); a quote opening a word and
# never closed (the last alternative) is the ValueError of shlex, for which the words are the
# blank-separated ones (tests/test_fast_indexes.py holds it against shlex).
_WORD = rx.compile(r"""'[^']*'|"[^"]*"|[^ \t\r\n'"][^ \t\r\n]*|['"]""")


def words(text: str) -> list[str]:
    """Words of a Windows command line: quotes removed, backslashes kept."""
    raw = _WORD.findall(text)
    if "'" in raw or '"' in raw:  # a quote never closed
        raw = text.split()
    return [w[1:-1] if len(w) > 1 and w[0] == w[-1] and w[0] in "'\"" else w for w in raw]


def names_parameter(arg: str, full: str, least: int = 2) -> bool:
    """`arg` names the parameter `full` (any prefix of at least `least` letters after the dash)."""
    a = arg.lower()
    return a.startswith("-") and len(a) >= least + 1 and full.startswith(a)


def is_cmdlet(word: str) -> bool:
    """`Remove-Item`, `remove-item`; not `start-stop-daemon` or `update-alternatives` (programs)."""
    if not _CMDLET.match(word):
        return False
    ps = _table()["powershell"]
    low = word.lower()
    if low in ps["lower_case_cmdlets"]:
        return True
    return word != low and low.split("-", 1)[0] in ps["verbs"]


def shell_of(text: str) -> str | None:
    """"powershell", "cmd", or None (bash)."""
    ws = words(text.strip())
    if not ws:
        return None
    first = ws[0].lstrip("&").lower()
    ps = _table()["powershell"]
    if text.lstrip()[:1] == "&" or _ASSIGN.match(text.lstrip()):
        return "powershell"  # the call operator (`& { ... }`, `& dotnet test`); bash cannot start a line with it
    if is_cmdlet(ws[0].lstrip("&")) or (first in ps["aliases"] and _binds(first, ws[1:])):
        return "powershell"
    if first in ps["expressions"]["block_heads"] and len(ws) > 1 and ws[1][:1] == "{":
        return "powershell"  # `try { ... } catch { ... }`: bash would run a program named try
    if first in ps["remove_item"] and any(w.lower() in ps["only_parameters"] for w in ws[1:]):
        return "powershell"
    if first in _table()["cmd"]["programs"] and (any(_SWITCH.match(w) for w in ws[1:]) or
                                                   (first == "format" and any(_DRIVE.match(w) for w in ws[1:]))):
        return "cmd"
    if text.lstrip()[:1] in "[('\"i":
        from blastwall.analyze.shell.pwsh_markers import expression_line

        if expression_line(text):
            return "powershell"  # `if (Test-Path x) { ... }`, `[Convert]::...`, `'x' -match 'y'`
    if ("|" in text or ";" in text) and _later_part_powershell(text):
        return "powershell"  # `ls -r D:\x | rm -fo`: a later part only PowerShell runs makes the line PowerShell's
    if ("&" in text or "^" in text or first in _CMD_LINE_HEADS) and _cmd_shaped(text):
        return "cmd"  # `set x=rd& call %x% ...`, `if exist b rmdir /s /q b && cmake ..`, `r^d /s /q x`
    return None


_CMD_LINE_HEADS = frozenset({"if", "call", "forfiles", "forfiles.exe", "diskpart", "diskpart.exe"})


def _cmd_shaped(text: str) -> bool:
    from blastwall.analyze.shell.cmd_script import looks_cmd

    return looks_cmd(text, frozenset(_table()["cmd"]["programs"]))


def cmdlet_key(name: str) -> str | None:
    """The alias under which rules/shell_windows.toml lists the parameters of cmdlet `name`
    (`Get-ChildItem`, `ls`, `dir` -> `gci`), or None."""
    ps = _table()["powershell"]
    low = name.lower()
    if low in ps["alias_parameters"]:
        return low
    return next((k for k, names in ps["same_cmdlet"].items() if low in names), None)


def bind(cmdlet: str, word: str) -> str | None:
    """The parameter a dash word binds to for `cmdlet` (a key of [powershell.alias_parameters]), as
    PowerShell binds it: an exact name or alias, else a prefix of exactly one of the cmdlet's own
    parameters, else (none of them begins with it) of one common parameter, else of one dynamic
    parameter (`gci -d` is -Depth, not -Debug nor the dynamic -Directory). None when it binds to nothing or is ambiguous (PowerShell then refuses the
    command). `-fi` of Get-ChildItem is -Filter (static) though it also begins -File (dynamic)."""
    ps = _table()["powershell"]
    key = word[1:].split(":", 1)[0].lower()
    if not key or word[:1] != "-":
        return None
    canonical: dict[str, str] = ps["parameter_aliases"]
    for group in (ps["alias_parameters"].get(cmdlet, []), ps["common_parameters"],
                  ps["dynamic_parameters"].get(cmdlet, [])):
        if key in group:
            return canonical.get(key, key)
        named = {canonical.get(n, n) for n in group if n.startswith(key)}
        if len(named) == 1:
            return named.pop()
        if named:
            return None  # ambiguous in this group
    return None


def _binds(alias: str, args: list[str]) -> bool:
    """Whether the parameters after a PowerShell-only alias are ones its cmdlet takes (`bind`), up
    to the end of its statement. `iex -S mix phx.server` is Elixir's shell: PowerShell would refuse
    `-S` and run nothing. A line that does not bind is still PowerShell when a later part of it is
    (`gci -x | ri -fo`): one part's odd parameter never lets the rest through unread."""
    if alias not in _table()["powershell"]["alias_parameters"]:
        return True
    for i, w in enumerate(args):
        if w in (";", "|", "&&", "||") or w.endswith((";", "|")):
            return True
        if is_cmdlet(w.lstrip("&(")):
            return True
        if len(w) > 1 and w[0] == "-" and w[1].isalpha() and bind(alias, w) is None:
            return _later_powershell(args[i + 1:])
    return True


def _later_powershell(args: list[str]) -> bool:
    """Whether a cmdlet follows in the rest of a line, or a later part of it reads as PowerShell."""
    return any(is_cmdlet(x.lstrip("&(")) for x in args) or _later_part_powershell(" ".join(args))


def _later_part_powershell(text: str) -> bool:
    """Whether a pipeline part or statement after the first of `text` reads as PowerShell."""
    parts = [p for s in _split(text.replace("&&", ";"), ";") for p in _split(s, "|")][1:]
    return any(shell_of(p) == "powershell" for p in parts if p.strip())


def windows_program(name: str, source: str, scope: Scope) -> list[Finding] | None:
    """A cmd.exe program with its switches on a line read as bash (`mkdir C:\\empty; robocopy
    C:\\empty D:\\data /MIR`: PowerShell and cmd users type `;` and `&&` too): judged from its own
    text as cmd.exe reads it (bash would have eaten its backslashes), or None when it is not one."""
    if name.lower().removesuffix(".exe") not in _table()["cmd"]["programs"] or \
            not any(_SWITCH.match(w) for w in words(source)[1:]):
        return None
    return _with_set(_earlier_sets(scope), cmd_findings, source, scope)  # type: ignore[no-any-return]


# Environment variables the line being read sets itself: a folder the table knows by such a name
# (%TEMP%, $env:LOCALAPPDATA) is wherever the line points it, not the per-user folder.
_SET_HERE: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("windows_set_here", default=frozenset())
_ENV_SETS = (r"\$\{?env:(\w+)\}?\s*[-+*/]?=(?:[^=]|$)",  # $env:TEMP = 'x', ${env:TEMP} += 'x'
             r"(?:^|[^${\w])env:[\\/]?(\w+)",  # the env: drive: Set-Item env:TEMP x, New-Item -Path Env:\TEMP
             r"SetEnvironmentVariable\s*\(\s*['\"](\w+)",  # [Environment]::SetEnvironmentVariable('TEMP', ...)
             r"(?:^|[\s&|(])set\s+(?:/[ap]\s+)?\"?(\w+)\s*=")  # cmd.exe: set TEMP=x, set "TEMP=x"


def _set_here(text: str) -> frozenset[str]:
    low = text.lower()
    if "env:" not in low and "set" not in low:
        return frozenset()
    return frozenset(m.group(1).lower() for pattern in _ENV_SETS for m in rx.finditer(f"(?i){pattern}", text))


def _earlier_sets(scope: Scope) -> frozenset[str]:
    """The names cmd.exe's `set NAME=VALUE` sets in the commands before this one on a line read as
    bash (`set TEMP=C:\\x & del /s /q %TEMP%\\*`)."""
    names = set()
    for cmd, _ in scope.earlier:
        ws = [w.text for w in getattr(cmd, "argv", ())]
        if ws and ws[0].lower() == "set":
            names.update(w.strip('"').split("=", 1)[0].lower() for w in ws[1:] if "=" in w)
    return frozenset(names)


def _with_set(names: frozenset[str], run: Any, text: str, scope: Scope) -> Any:
    """`run(text, scope)` with `names` read as set by the line."""
    if not names:
        return run(text, scope)
    token = _SET_HERE.set(_SET_HERE.get() | names)
    try:
        return run(text, scope)
    finally:
        _SET_HERE.reset(token)


def windows_findings(text: str, scope: Scope) -> list[Finding] | None:
    return _with_set(_set_here(text), _windows_findings, text, scope)  # type: ignore[no-any-return]


def _windows_findings(text: str, scope: Scope) -> list[Finding] | None:
    shell = shell_of(text)
    if shell == "powershell":
        from blastwall.analyze.shell.powershell import analyze_powershell

        return analyze_powershell(text, scope)
    if shell == "cmd":
        return cmd_findings(text, scope)
    return None


def runner_command_line(name: str, args: list[str]) -> str | None:
    """The command line a Windows runner program is given ([cmd.runners]), or None when it is given
    none (`runas /?`, `schtasks /query`)."""
    low = name.lower().removesuffix(".exe")
    if low == "start":
        return _start_line(args)
    how = _table()["cmd"]["runners"].get(low)
    if how is None:
        return None
    lowered = [a.lower() for a in args]
    if how == "last":
        positionals = [a for a in args if not a.startswith("/")]
        return positionals[-1] if positionals else None
    i = max((lowered.index(w) for w in how.split() if w in lowered), default=-1)
    if i < 0 or i + 1 >= len(args) or not all(w in lowered for w in how.split()):
        return None
    return " ".join(args[i + 1:]) if how.endswith("create") else args[i + 1]


def _start_line(args: list[str]) -> str | None:
    """cmd's `start ["title"] [/b /wait /min /d DIR ...] COMMAND ARGS` as COMMAND's line."""
    i = 0
    if args and (args[0] == "" or " " in args[0]):
        i = 1  # a quoted title
    while i < len(args) and args[i].startswith("/"):
        i += 2 if args[i].lower() in ("/d", "/node", "/affinity") else 1
    if i >= len(args):
        return None
    return " ".join(w if " " not in w else f'"{w}"' for w in args[i:])


def _cmd_start(args: list[str], scope: Scope, source: str) -> list[Finding]:
    line = _start_line(args)
    return cmd_findings(line, scope) if line else []


def posix_path(path: str) -> str:
    """A Windows or PowerShell path as the POSIX path it is judged as."""
    if "%" in path:
        path = _cmd_variables(path)
    low = path.lower()
    here = _SET_HERE.get()
    for var, value in sorted(_table()["powershell"]["variables"].items(), key=lambda kv: -len(kv[0])):
        if var.removeprefix("$env:") in here:
            continue  # set on the line: `$env:TEMP` stays a variable blastwall cannot know
        if low.startswith(var) and (len(low) == len(var) or low[len(var)] in "\\/"):
            path = value + path[len(var):]
            break
    return posix_form(path).replace("\\", "/")


def _quote(word: str) -> str:
    """A word for the POSIX reading: a `$VARIABLE` (an unknown Windows folder) stays a variable."""
    if "$" in word and not any(c in word for c in '"`\\'):
        return f'"{word}"'
    return shlex.quote(word)


def _posix_command(argv: list[str], scope: Scope, before: list[str] | None = None) -> list[Finding]:
    """`argv` judged as a POSIX command; `before`: the POSIX forms of the folder removals earlier on the
    same cmd.exe line, read first so the removal knows them (`rd /s /q P\\obj && rd /s /q P\\bin`)."""
    from blastwall.analyze.shell import analyze_command

    text = " ".join(w if rx.fullmatch(r"[\w@%+=:,./*?~$\[\]{}-]+", w) else _quote(w) for w in argv)
    if before is not None:
        before.append(text)
        text = " && ".join(before)
    return analyze_command(text, scope)


# ---- cmd.exe -----------------------------------------------------------------------------------


def cmd_line(rest: str, scope: Scope, source: str) -> list[Finding]:
    """What `cmd RESTOFLINE` runs: after /c, /k or /r the rest of the line is a cmd.exe command
    line (one pair of outer quotes removed, as cmd does); cmd's other switches (/q /d /s /a /u
    /v:on /e:on /f:off /t:fg) change nothing. Without /c, /k or /r it is an interactive shell."""
    text = rest.strip()
    if text.startswith('"/') and text.endswith('"') and text.count('"') == 2:
        text = text[1:-1]  # one quoted argument list (`saps cmd '/c rd /s /q x'`, `start cmd "/c ..."`)
    while text.startswith("/"):
        switch, _, after = text.partition(" ")
        low = switch.lower()
        if low[:2] in ("/c", "/k", "/r"):
            code = (switch[2:] + " " + after).strip()
            if len(code) > 1 and code[0] == '"' and code.endswith('"'):
                code = code[1:-1]
            elif code.startswith('"') and code.count('"') == 1:
                code = code[1:]
            return cmd_findings(code, scope) if code else []
        text = after.strip()
    return []


_CMD_VAR = rx.compile(r"%([A-Za-z_][A-Za-z0-9_()]*)%")
_CMD_LOOP_VAR = rx.compile(r"%%?~?([A-Za-z]\w*)")
_CMD_IF = rx.compile(r"(?i)^\s*if\s+(?:/i\s+)?(?:not\s+)?(?:(?:exist|errorlevel|defined|cmdextversion)\s+(?:\"[^\"]*\"|\S+)"
                     r"|(?:\"[^\"]*\"|\S+?)\s*==\s*(?:\"[^\"]*\"|\S+)"
                     r"|(?:\"[^\"]*\"|\S+)\s+(?:equ|neq|lss|leq|gtr|geq)\s+(?:\"[^\"]*\"|\S+))\s+(.*)$")
_CMD_FOR = rx.compile(r"(?i)^\s*for\s.*?\sdo\s+(.*)$")


def _cmd_body(statement: str) -> str:
    """The command an `if CONDITION CMD` or `for ... do CMD` of cmd.exe runs (a block's parentheses
    removed), else the statement itself."""
    for _ in range(4):
        m = _CMD_IF.match(statement) or _CMD_FOR.match(statement)
        if m is None:
            break
        statement = m.group(1).strip()
        if statement.startswith("(") and statement.endswith(")"):
            statement = statement[1:-1].strip()
    return statement


def _cmd_variables(path: str) -> str:
    """`%LOCALAPPDATA%\\x` -> `~/AppData/Local/x`; a variable the table does not name becomes a shell
    variable (`%ProgramData%\\x` -> `$ProgramData/x`), a folder blastwall cannot know."""
    known: dict[str, str] = _table()["cmd"]["variables"]
    here = _SET_HERE.get()

    def value(m: Any) -> str:
        name = m.group(1).replace("(", "").replace(")", "")
        if name.lower() in here:
            return "$SET_ON_LINE_" + name  # not the per-user folder the table knows by that name
        return known.get(m.group(1).lower(), "$" + name)

    path = _CMD_VAR.sub(value, path)
    return _CMD_LOOP_VAR.sub(lambda m: "$" + m.group(1), path)  # `for %i`, `%%i`, `%~dp0`: not known here


def cmd_findings(text: str, scope: Scope) -> list[Finding]:
    return _with_set(_set_here(text), _cmd_findings, text, scope)  # type: ignore[no-any-return]


def _cmd_findings(text: str, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell import cmd_script as cs

    out: list[Finding] = []
    removed: list[str] = []  # the rd commands so far, as POSIX rm commands
    written, sets = cs.Written(), {}  # files echo writes, variables set, on this line
    statements = rx.split(r"\s*(?:&&|\|\||&|\|)\s*", cs.groups_spread(cs.uncaret(text)))
    together = [posix_path(p) for p in cs.removed_folders([_cmd_body(x) for x in statements])]
    for statement in statements:
        statement = cs.expand(_cmd_body(statement), sets)
        if (assigned := cs.set_value(statement)) is not None:
            sets[assigned[0]] = assigned[1]
            continue
        if written.echo(statement):
            continue
        ws = words(statement)
        if not ws:
            continue
        name, args = ws[0].lower().lstrip("@"), ws[1:]
        name = name.rpartition("\\")[2] if "\\" in name and "%" not in name else name  # C:\Windows\System32\cmd.exe
        name = name if name in ("cmd.exe", "cmd") else name.removesuffix(".exe")  # robocopy.exe is robocopy
        if name == "call" and args:
            target = args[0].lower()
            if target.endswith((".bat", ".cmd")) or target.startswith("%"):
                out += cs.batch(args[0], written, scope, statement)
                continue
            name, args = target.removesuffix(".exe"), args[1:]
            statement = statement.strip()[len(ws[0]):].strip()
        if "%" in name:
            out.append(cs.unknown_command(ws[0], statement))
            continue
        if name.endswith((".bat", ".cmd")):
            out += cs.batch(ws[0], written, scope, statement)
            continue
        if name == "diskpart":
            out += cs.diskpart(args, written, statement)
            continue
        if name == "forfiles":
            out += cs.forfiles(args, scope, statement)
            continue
        if name in ("cmd", "cmd.exe"):
            out += cmd_line(statement.strip()[len(ws[0]):], scope, statement)
            continue
        if name == "start":
            out += _cmd_start(args, scope, statement)
            continue
        if name.removesuffix(".exe") in _table()["cmd"]["runners"]:
            line = runner_command_line(name, args)
            out += cmd_findings(line, scope) if line else []
            continue
        switches = {w.lower().split(":", 1)[0] for w in args if _SWITCH.match(w)}
        paths = [posix_path(w) for w in args if not _SWITCH.match(w)]
        if name in ("rd", "rmdir"):
            tree = "/s" in switches
            out += _posix_command(["rm", "-rf" if tree else "-d", "--", *paths, *(x for x in together if tree and x not in paths)], scope,
                                  removed) if paths else []
        elif name in ("del", "erase"):
            if "/s" in switches:
                for p in paths:
                    folder, _, pattern = p.rpartition("/")
                    out += _posix_command(["find", folder or ".", "-name", pattern or "*", "-delete"], scope)
            elif paths:
                out += _posix_command(["rm", "-f", "--", *paths], scope)
        elif name == "format":
            drives = [w for w in args if _DRIVE.match(w)]
            out.append(Finding("shell.windows:format", Effect.DELETE, Severity.HIGH,
                               f"format {drives[0] if drives else ''} erases every file on that drive".replace("  ", " "),
                               target=drives[0] if drives else "", source=statement[:200]))
        elif name == "robocopy" and "/l" in switches:
            pass  # /L lists what would be copied and deleted: a preview
        elif name == "robocopy" and len(paths) >= 2 and switches & {"/mir", "/purge"}:
            out += _posix_command(["rsync", "-a", "--delete", paths[0].rstrip("/") + "/", paths[1].rstrip("/") + "/"],
                                  scope)
        elif name == "robocopy" and paths and switches & {"/move", "/mov"}:
            out += _posix_command(["rm", "-rf" if "/move" in switches else "-f", "--", paths[0]], scope)  # sources go
        elif name == "move" and len(paths) >= 2:  # `move /y src build`: judged as mv (into build output: deleted)
            out += _posix_command(["mv", "--", *paths], scope)
        elif name not in _table()["cmd"]["programs"]:
            out += _native(statement, scope)
    return out


# ---- PowerShell ------------------------------------------------------------------------------


def _names_literally(args: list[str], segments: list[str]) -> bool:
    """The cmdlet acts on what its own words name, written out: nothing piped in, no variable,
    subexpression, script block or splatted table (`$_`, `$users`, `(Get-ADUser -Filter *)`, `@p`) that
    may stand for many."""
    words = [w for w in args if not _SWITCH_VALUE.match(w)]  # -Confirm:$false, $true
    return len(segments) == 1 and bool(words) and not any(
        w.startswith("@") or any(ch in w for ch in "$(){}`") for w in words)


_SWITCH_VALUE = rx.compile(r"(?i)^(?:-\w+:)?\$(?:true|false)$")


def _account(word: str) -> str:
    """The account name a word gives, in lower case: `CORP\\Administrator`, `administrator@corp.example`,
    `CN=Administrator,CN=Users,DC=corp` -> "administrator"."""
    w = word.strip("'\"").lower().rpartition("\\")[2].partition("@")[0]
    return w[3:].partition(",")[0] if w.startswith("cn=") else w


_HTTP_CMDLET = rx.compile(r"(?i)\b(?:invoke-(?:restmethod|webrequest)|irm|iwr)\b")


def powershell_statement(statement: str, scope: Scope) -> list[Finding]:
    """One PowerShell statement (a pipeline): what its last command does with what the earlier
    ones give it, and the request each HTTP cmdlet of it sends (`irm -Method Delete URL | Out-Null`)."""
    found = _statement(statement, scope)
    if "-" not in statement or not _HTTP_CMDLET.search(statement):
        return found
    from blastwall.analyze.shell.pwsh_http import pwsh_http_findings

    for segment in (s.strip() for s in _split(statement, "|")):
        ws = words(segment)
        key = cmdlet_key(ws[0].lstrip("&")) if ws else None
        if key in _table()["powershell"]["http"]:
            found += pwsh_http_findings(key, segment, scope)
    return found


def _statement(statement: str, scope: Scope) -> list[Finding]:
    if statement[:1] == "$" and _ASSIGN.match(statement):  # `$env:X='v'`, `$r = Remove-Item x`: the value runs
        value = statement.split("=", 1)[1].strip()
        if _LITERAL.match(value):
            return []
        return powershell_statement(value[1:-1] if value[:1] == "(" and value[-1:] == ")" else value, scope)
    segments = [s.strip() for s in _split(statement, "|") if s.strip()]
    if not segments:
        return []
    ws = words(segments[-1])
    if not ws:
        return []
    name = ws[0].lstrip("&").lower()
    ps = _table()["powershell"]
    lowered = [w.lower() for w in ws[1:]]
    if "-whatif" in lowered or name in ps["help"]:
        return []  # PowerShell's dry run; help about a command
    from blastwall.analyze.shell.pwsh_run import run_findings, runs_code

    if runs_code(ws[0]):
        ran = run_findings(segments, scope, segments[-1])
        if ran is not None:
            return ran
    if name in ps["remove_item"]:
        found = _remove_item(ws[1:], segments[:-1], scope, segments[-1])
        if name in ("rm", "rmdir"):  # bash's own programs too: a line bash runs reads them as bash does
            found += _native(segments[-1], scope)
        return found
    if name in ps["profile_writers"]:  # Add-Content $PROFILE 'CODE': CODE runs when PowerShell starts
        from blastwall.analyze.shell.pwsh_profile import profile_code

        started = profile_code(ws[1:], scope, segments[-1], ps)
        if started is not None:
            return started + (_overwrite(ws[1:], name, scope, segments[-1]) if name in ps["overwrite"] else [])
    if name in ps["overwrite"]:
        return _overwrite(ws[1:], name, scope, segments[-1])
    if name == "expand-archive":
        return _expand_archive(ws[1:], scope)
    if name in ps["sql"]:
        return _sql(ws[1:], ps["sql"][name], name, scope, segments[-1])
    if is_cmdlet(ws[0].lstrip("&")):
        from blastwall.analyze.shell.pwsh_params import parameter_findings

        by_parameter = parameter_findings(name, ws[1:], segments[-1])  # New-ComplianceSearchAction -Purge
        if by_parameter:
            return by_parameter
        verb, noun = name.split("-", 1)
        nouns = ps["verb_nouns"].get(verb)
        if noun in ps["reversible"].get(verb, ()) and _names_literally(ws[1:], segments) and not any(
                _account(w) in ps["reversible_not"] for w in ws[1:]):
            return []  # Disable-ADAccount -Identity x: Enable-ADAccount sets it back
        if verb in ps["destructive_verbs"] and name not in ps["disruptive_only"] and (
                nouns is None or noun.endswith(tuple(nouns))):
            return [Finding("shell.windows:cmdlet", Effect.DELETE, Severity.HIGH,
                            f"{ws[0]} {verb}s what it names ({' '.join(ws[1:3])[:80]}); a human must check it",
                            target=" ".join(ws[1:3])[:80], source=segments[-1][:200])]
        return []
    if name in ps["aliases"]:
        return []
    return _native(segments[-1], scope)


def _native(statement: str, scope: Scope) -> list[Finding]:
    """A native program run from a Windows shell, read as shell text; what the shell parser cannot
    read adds nothing (the caller's patterns read it)."""
    from blastwall.analyze.shell import analyze_command

    return [f for f in analyze_command(statement, scope, posix=True) if not f.rule_id.startswith("shell.parse")]


_VALUED = frozenset({"path", "literalpath", "destinationpath", "filter", "include", "exclude", "credential", "stream", "depth",
                     "attributes", "erroraction", "warningaction", "informationaction", "progressaction",
                     "errorvariable", "warningvariable", "informationvariable", "outvariable", "outbuffer",
                     "pipelinevariable"})


def _bound(cmdlet: str, args: list[str]) -> tuple[dict[str, str], list[str]]:
    """A cmdlet's arguments bound as PowerShell binds them: {parameter: value} (a switch's value
    is "") and the positionals in order. A dash word that binds to nothing is left out."""
    named: dict[str, str] = {}
    positionals: list[str] = []
    args = _lists_joined(args)
    i = 0
    while i < len(args):
        w = args[i]
        if len(w) > 1 and w[0] == "-" and (w[1].isalpha() or w[1] == "_"):
            param = bind(cmdlet, w)
            if ":" in w:
                named[param or "?"] = w.split(":", 1)[1]
            elif param in _VALUED and i + 1 < len(args):
                named[param] = args[i + 1]
                i += 1
            elif param is not None:
                named[param] = ""
        else:
            positionals.append(w)
        i += 1
    return named, positionals


def _lists_joined(args: list[str]) -> list[str]:
    r"""PowerShell's comma lists written with spaces as one word: `.\bin, .\obj` and `a ,b` are the
    array `a,b`, one argument."""
    out: list[str] = []
    for w in args:
        if out and (out[-1].endswith(",") and not w.startswith("-") or w.startswith(",")):
            out[-1] += w
        else:
            out.append(w)
    return out


def _remove_item(args: list[str], producers: list[str], scope: Scope, source: str) -> list[Finding]:
    named, positionals = _bound("ri", args)
    recurse = "recurse" in named and named["recurse"].lower() != "$false"
    # PowerShell's -Force also removes hidden and read-only items: the files rules judge them alike
    paths = [p for v in (named.get("path"), named.get("literalpath")) if v for p in v.split(",") if p]
    paths += [p for w in positionals for p in w.split(",") if p]
    from blastwall.analyze.shell.pwsh_params import provider_drive

    splats = [w for w in positionals if w[:1] == "@" and w[1:2].isalpha()]
    if splats:  # `Remove-Item @p` of a hash table not written on the line
        return [unknown("shell.windows:splat", f"Remove-Item takes its parameters from {splats[0]}, which blastwall "
                        "cannot see; write them out", source)]
    drives = [d for d in map(provider_drive, paths) if d]
    if drives:  # Cert:\, HKLM:\, Env:\: a certificate, a registry key, a variable, never a project file
        return [Finding("shell.windows:provider-item", Effect.DELETE, Severity.HIGH,
                        f"Remove-Item deletes items of the {drives[0].upper()}: drive ({paths[0][:80]}), which is no "
                        "folder of the project; a human must check it", target=paths[0][:80], source=source[:200])]
    if paths:
        return _posix_command(["rm", "-rf" if recurse else "-f", "--", *(posix_path(p) for p in paths)], scope)
    listed = _listing(producers)
    if listed is None:
        return [unknown("shell.windows:pipeline", "Remove-Item removes what its pipeline gives it, which blastwall "
                        "cannot work out; a human must check it", source)]
    return _posix_command(listed, scope)


def _expand_archive(args: list[str], scope: Scope) -> list[Finding]:
    """Expand-Archive -Force replaces the files already in its destination (`unzip -o ARCHIVE -d
    DEST`; the current folder when no destination is named); without -Force it stops at the first
    file that exists."""
    named, positionals = _bound("expand-archive", args)
    if "force" not in named or named["force"].lower() == "$false":
        return []
    archive = named.get("path") or named.get("literalpath") or (positionals[0] if positionals else "archive.zip")
    dest = named.get("destinationpath") or (positionals[1] if len(positionals) > 1 else ".")
    return _posix_command(["unzip", "-o", posix_path(archive), "-d", posix_path(dest)], scope)


def _overwrite(args: list[str], name: str, scope: Scope, source: str) -> list[Finding]:
    """Set-Content, Clear-Content, Out-File: the file is emptied and written (`: > FILE`), unless
    -Append or -NoClobber."""
    from blastwall.analyze.shell import analyze_command

    lowered = [a.lower() for a in args]
    if "-append" in lowered or "-noclobber" in lowered:
        return []
    path = None
    i = 0
    while i < len(args):
        low = lowered[i]
        if low in ("-path", "-literalpath", "-filepath", "-lp") and i + 1 < len(args):
            path = args[i + 1]
            break
        if low.startswith("-"):
            i += 2 if low in ("-value", "-encoding", "-inputobject", "-width", "-stream", "-filter", "-include",
                              "-exclude") else 1
            continue
        path = args[i]
        break
    if path is None:
        return [unknown("shell.windows:pipeline", f"{name} writes a file blastwall cannot work out; a human must "
                        "check it", source)]
    return analyze_command(": > " + shlex.quote(posix_path(path)), scope)


def _listing(producers: list[str]) -> list[str] | None:
    """`Get-ChildItem ROOT [-Recurse] [-Filter F] | Where-Object LastWriteTime -lt (Get-Date).AddDays(-N)`
    as the `find` that selects the same files (with -delete), or None."""
    if not producers:
        return None
    ws = words(producers[0])
    if not ws or cmdlet_key(ws[0]) != "gci":
        return None
    named, positionals = _bound("gci", ws[1:])
    roots = [p for v in (named.get("path"), named.get("literalpath")) if v for p in v.split(",") if p]
    name = named.get("filter")
    for value in positionals:  # Get-ChildItem [[-Path] <string[]>] [[-Filter] <string>]
        if not roots:
            roots = [p for p in value.split(",") if p]
        elif name is None:
            name = value
    # -Include takes a list (`-Include bin,obj`): an item is kept when its name matches one of them
    includes = [n for n in named.get("include", "").split(",") if n]
    recursive = ("recurse" in named and named["recurse"].lower() != "$false") or "depth" in named
    argv = ["find", *(posix_path(r) for r in roots or ["."])]
    if not recursive:
        argv += ["-maxdepth", "1"]
    if "directory" in named or "ad" in named:
        argv += ["-type", "d"]
    if name:
        argv += ["-name", name]
    if len(includes) == 1:
        argv += ["-name", includes[0]]
    elif includes:
        argv += ["(", *[w for n in includes for w in ("-o", "-name", n)][1:], ")"]
    for where in producers[1:]:
        age = _AGE.search(where)
        if age is None:
            return None  # a filter blastwall does not follow: what is selected is not known
        n = int(age.group(2))
        argv += ["-mtime", f"+{n}"] if age.group(1).lower() == "days" else ["-mmin", f"+{n * 60}"]
    return [*argv, "-delete"]


def _sql(args: list[str], option: str, name: str, scope: Scope, source: str) -> list[Finding]:
    from blastwall.analyze.sql import analyze_sql

    lowered = [a.lower() for a in args]
    if option in lowered and lowered.index(option) + 1 < len(args):
        return analyze_sql(args[lowered.index(option) + 1], scope.deeper(name))
    if "-inputfile" in lowered:
        return [unknown("shell.windows:sql-file", f"{name} runs the SQL in a file blastwall does not read here; a human "
                        "must read it", source)]
    return []


def _split(text: str, sep: str) -> list[str]:
    """`text` split on `sep` outside quotes, parentheses and braces."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def statements(code: str) -> list[str]:
    """PowerShell statements: lines, and `;` outside quotes and blocks."""
    return [s.strip() for line in code.replace("\r", "\n").split("\n") for s in _split(line, ";") if s.strip()]


def without_help(statement: str) -> str:
    """`statement` without the pipeline parts that only show help about a command (`Get-Help
    Remove-Item -Examples | Select-Object -First 40`): their words name a cmdlet, they run none. A part
    with a block, subexpression, variable or splat stays (`Get-Help (Remove-Item x)` runs it)."""
    segments = _split(statement, "|")
    if len(segments) < 2:
        return statement
    help_names = _table()["powershell"]["help"]
    kept = [x for x in segments if not (
        (ws := words(x)) and ws[0].lower() in help_names and not any(c in x for c in "({$@`"))]
    return " | ".join(x.strip() for x in kept) if kept != segments else statement


def judged_directly(statement: str) -> bool:
    """The statement's last command removes or overwrites files (Remove-Item, Set-Content and
    their aliases): judged by translation, not by the call patterns."""
    segments = [x for x in _split(statement, "|") if x.strip()]
    ws = words(segments[-1]) if segments else []
    ps = _table()["powershell"]
    if not ws:
        return False
    from blastwall.analyze.shell.pwsh_run import runs_code

    if ws[0].split("(", 1)[0].lower() in ps["expressions"]["keywords"] and "{" in statement:
        from blastwall.analyze.shell.pwsh_markers import blocks_judged_directly

        return blocks_judged_directly(statement)  # `if (Test-Path x) { Remove-Item x -Recurse }`
    return ws[0].lstrip("&").lower() in (*ps["remove_item"], *ps["overwrite"], *ps["help"]) or runs_code(ws[0])
