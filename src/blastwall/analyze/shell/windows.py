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

import functools
from blastwall import rx
import shlex
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.paths import posix_form
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

_CMDLET = rx.compile(r"^[A-Za-z]+-[A-Za-z][A-Za-z0-9]*$")
_SWITCH = rx.compile(r"^/[A-Za-z?][A-Za-z0-9]*(?::\S*)?$")
_DRIVE = rx.compile(r"^[A-Za-z]:$")
_AGE = rx.compile(r"(?i)\bLastWriteTime\b\s+-lt\s+\(\s*Get-Date\s*\)\s*\.\s*Add(Days|Hours)\s*\(\s*-\s*(\d+)\s*\)")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shell_windows")


def words(text: str) -> list[str]:
    """Words of a Windows command line: quotes removed, backslashes kept."""
    try:
        raw = shlex.split(text, posix=False)
    except ValueError:
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
    if is_cmdlet(ws[0].lstrip("&")) or (first in ps["aliases"] and _binds(first, ws[1:])):
        return "powershell"
    if first in ps["remove_item"] and any(w.lower() in ps["only_parameters"] for w in ws[1:]):
        return "powershell"
    if first in _table()["cmd"]["programs"] and (any(_SWITCH.match(w) for w in ws[1:]) or
                                                   (first == "format" and any(_DRIVE.match(w) for w in ws[1:]))):
        return "cmd"
    return None


def _binds(alias: str, args: list[str]) -> bool:
    """Whether the parameters after a PowerShell-only alias are ones its cmdlet takes (any prefix
    of exactly one, common parameters too), up to the end of its statement. `iex -S mix phx.server` is
    Elixir's shell: PowerShell would refuse `-S` and run nothing. A later cmdlet keeps the line
    PowerShell whatever the first statement was."""
    ps = _table()["powershell"]
    own = ps["alias_parameters"].get(alias)
    if own is None:
        return True
    names = [*own, *ps["common_parameters"]]
    for i, w in enumerate(args):
        if w in (";", "|", "&&", "||") or w.endswith((";", "|")):
            return True
        if is_cmdlet(w.lstrip("&(")):
            return True
        if len(w) > 1 and w[0] == "-" and w[1].isalpha():
            key = w[1:].split(":", 1)[0].lower()
            if key not in names and sum(n.startswith(key) for n in names) != 1:  # none, or ambiguous
                return any(is_cmdlet(x.lstrip("&(")) for x in args[i + 1:])
    return True


def windows_findings(text: str, scope: Scope) -> list[Finding] | None:
    shell = shell_of(text)
    if shell == "powershell":
        from blastwall.analyze.shell.powershell import analyze_powershell

        return analyze_powershell(text, scope)
    if shell == "cmd":
        return cmd_findings(text, scope)
    return None


def posix_path(path: str) -> str:
    """A Windows or PowerShell path as the POSIX path it is judged as."""
    low = path.lower()
    for var, value in sorted(_table()["powershell"]["variables"].items(), key=lambda kv: -len(kv[0])):
        if low.startswith(var) and (len(low) == len(var) or low[len(var)] in "\\/"):
            path = value + path[len(var):]
            break
    for var in ("%temp%", "%tmp%"):
        if low.startswith(var):
            path = "/tmp" + path[len(var):]
    return posix_form(path).replace("\\", "/")


def _posix_command(argv: list[str], scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell import analyze_command

    text = " ".join(w if rx.fullmatch(r"[\w@%+=:,./*?~$\[\]{}-]+", w) else shlex.quote(w) for w in argv)
    return analyze_command(text, scope)


# ---- cmd.exe -----------------------------------------------------------------------------------


def cmd_findings(text: str, scope: Scope) -> list[Finding]:
    out: list[Finding] = []
    for statement in rx.split(r"\s*(?:&&|\|\||&)\s*", text):
        ws = words(statement)
        if not ws:
            continue
        name, args = ws[0].lower(), ws[1:]
        switches = {w.lower().split(":", 1)[0] for w in args if _SWITCH.match(w)}
        paths = [posix_path(w) for w in args if not _SWITCH.match(w)]
        if name in ("rd", "rmdir"):
            out += _posix_command(["rm", "-rf" if "/s" in switches else "-d", "--", *paths], scope) if paths else []
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
        elif name == "robocopy" and len(paths) >= 2 and switches & {"/mir", "/purge"}:
            out += _posix_command(["rsync", "-a", "--delete", paths[0].rstrip("/") + "/", paths[1].rstrip("/") + "/"],
                                  scope)
        elif name not in _table()["cmd"]["programs"]:
            out += _native(statement, scope)
    return out


# ---- PowerShell ------------------------------------------------------------------------------


def powershell_statement(statement: str, scope: Scope) -> list[Finding]:
    """One PowerShell statement (a pipeline): what its last command does with what the earlier
    ones give it."""
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
    if name in ps["remove_item"]:
        found = _remove_item(ws[1:], segments[:-1], scope, segments[-1])
        if name in ("rm", "rmdir"):  # bash's own programs too: a line bash runs reads them as bash does
            found += _native(segments[-1], scope)
        return found
    if name in ps["overwrite"]:
        return _overwrite(ws[1:], name, scope, segments[-1])
    if name in ps["sql"]:
        return _sql(ws[1:], ps["sql"][name], name, scope, segments[-1])
    if is_cmdlet(ws[0].lstrip("&")):
        verb, noun = name.split("-", 1)
        nouns = ps["verb_nouns"].get(verb)
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

    return [f for f in analyze_command(statement, scope) if not f.rule_id.startswith("shell.parse")]


def _remove_item(args: list[str], producers: list[str], scope: Scope, source: str) -> list[Finding]:
    recurse = force = False
    paths: list[str] = []
    i = 0
    while i < len(args):
        low = args[i].lower()
        if low.startswith("-") and len(low) > 1:
            if names_parameter(low, "-recurse", 1):
                recurse = True
            elif low in ("-force", "-fo", "-forc"):
                force = True
            elif low in ("-path", "-literalpath", "-lp", "-pspath") and i + 1 < len(args):
                paths += args[i + 1].split(",")
                i += 1
            elif low in ("-include", "-exclude", "-filter", "-erroraction", "-ea", "-credential") and i + 1 < len(args):
                i += 1
            i += 1
            continue
        paths += [p for p in args[i].split(",") if p]
        i += 1
    del force  # PowerShell's -Force also removes hidden and read-only items: the files rules judge them alike
    if paths:
        return _posix_command(["rm", "-rf" if recurse else "-f", "--", *(posix_path(p) for p in paths)], scope)
    listed = _listing(producers)
    if listed is None:
        return [unknown("shell.windows:pipeline", "Remove-Item removes what its pipeline gives it, which blastwall "
                        "cannot work out; a human must check it", source)]
    return _posix_command(listed, scope)


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
    if not ws or ws[0].lower() not in ("get-childitem", "gci", "ls", "dir"):
        return None
    root, recursive, name = ".", False, None
    i = 1
    while i < len(ws):
        low = ws[i].lower()
        if names_parameter(low, "-recurse", 1):
            recursive = True
        elif low in ("-path", "-literalpath") and i + 1 < len(ws):
            root = ws[i + 1]
            i += 1
        elif low in ("-filter", "-include") and i + 1 < len(ws):
            name = ws[i + 1]
            i += 1
        elif low == "-file":
            pass
        elif not low.startswith("-"):
            root = ws[i]
        i += 1
    argv = ["find", posix_path(root)]
    if not recursive:
        argv += ["-maxdepth", "1"]
    if name:
        argv += ["-name", name]
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


def judged_directly(statement: str) -> bool:
    """The statement's last command removes or overwrites files (Remove-Item, Set-Content and
    their aliases): judged by translation, not by the call patterns."""
    segments = [x for x in _split(statement, "|") if x.strip()]
    ws = words(segments[-1]) if segments else []
    ps = _table()["powershell"]
    return bool(ws) and ws[0].lstrip("&").lower() in (*ps["remove_item"], *ps["overwrite"], *ps["help"])
