"""cmd.exe's own reading of a line, before its commands are judged (analyze/shell/windows.py):

    r^d /s /q C:\\Us^ers\\x                        -> rd /s /q C:\\Users\\x (carets escape, cmd drops them)
    (echo a& echo b) > f                          -> echo a > f & echo b >> f
    set x=rd& call %x% /s /q C:\\x                -> rd /s /q C:\\x (a variable set on the line)
    echo rd /s /q X > c.bat && call c.bat         -> the text written is the batch file that runs
    echo clean all >> s.txt & diskpart /s s.txt   -> the diskpart script written on the line
    forfiles /p DIR /s /c "cmd /c del @path"      -> del /s DIR\\* (unless /d -N bounds it by age)

Files written by `echo ... >`/`>>` are kept per line (`Written`); a batch file or diskpart script the
line did not write cannot be read and asks. Knowledge (diskpart's destructive commands) is in
rules/shell_windows.toml [cmd.diskpart].
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.ruleset import load_table
from blastwall.model import Finding

_GROUP = rx.compile(r"\(([^()]*)\)\s*(>>?)\s*(\"[^\"]*\"|\S+)")
_ECHO_TO = rx.compile(r"(?is)^\s*@?echo[ .](.*?)\s*(>>?)\s*(\"[^\"]*\"|\S+)\s*$")
_SET = rx.compile(r"(?i)^\s*set\s+\"?([A-Za-z_]\w*)=([^\"]*)\"?\s*$")
_VAR = rx.compile(r"%([A-Za-z_]\w*)%")
_CMD_HEADS = frozenset({"call", "forfiles", "diskpart"})
_IF_WORDS = frozenset({"exist", "not", "/i", "errorlevel", "defined", "cmdextversion"})


class Written:
    """The files a cmd.exe line writes with echo, by lower-cased name: their lines."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def echo(self, statement: str) -> bool:
        m = _ECHO_TO.match(statement)
        if m is None:
            return False
        key = _key(m.group(3))
        if m.group(2) == ">":
            self.files[key] = []
        self.files.setdefault(key, []).append(m.group(1).strip())
        return True

    def text(self, path: str) -> str | None:
        lines = self.files.get(_key(path))
        return None if lines is None else "\n".join(lines)


def _key(path: str) -> str:
    return path.strip('"').lower().replace("/", "\\")


def uncaret(text: str) -> str:
    """cmd's escapes removed outside double quotes: `r^d` is `rd`, `^^` is `^`."""
    if "^" not in text:
        return text
    out, quoted, i = [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "^" and not quoted:
            i += 1
            if i < len(text):
                out.append(text[i])
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def groups_spread(text: str) -> str:
    """`(echo a& echo b) > f` as `echo a > f & echo b >> f`: a group's output goes to the file."""
    def spread(m: object) -> str:
        inner, op, target = m.group(1), m.group(2), m.group(3)  # type: ignore[attr-defined]
        parts = [p.strip() for p in rx.split(r"&&|&", inner) if p.strip()]
        return " & ".join(f"{p} {op if i == 0 else '>>'} {target}" for i, p in enumerate(parts))

    return _GROUP.sub(spread, text) if "(" in text else text


def looks_cmd(text: str, programs: frozenset[str]) -> bool:
    """A statement of the line is cmd.exe's: a cmd program with a /switch after separators or carets,
    `call X`, `forfiles`, `diskpart`, or `if exist|not|errorlevel|defined ...`."""
    for part in rx.split(r"&&|\|\||&|\||\(|\)", uncaret(text)):
        ws = part.split()
        if not ws:
            continue
        first = ws[0].lower().lstrip("@").removesuffix(".exe")
        if first in _CMD_HEADS and len(ws) > 1:
            return True
        if first == "if" and len(ws) > 2 and ws[1].lower() in _IF_WORDS:
            return True
        if len(first) > 2 and first[0] == "%" and first[-1] == "%" or first.endswith((".bat", ".cmd")):
            return True  # `%x% /s /q C:\\x`: the command is a variable; `c.cmd`: a batch file
        if first in programs and any(w.startswith("/") and len(w) > 1 and w[1:2].isalpha() or w == "/?"
                                     for w in ws[1:]):
            return True
    return False


def removed_folders(statements: list[str]) -> list[str]:
    """The folders every `rd /s` / `rmdir /s` of the line names: removed together, so a folder judged by
    its partner (bin/ beside obj/) sees it wherever on the line it is removed."""
    out: list[str] = []
    for st in statements:
        ws = st.split()
        if ws and ws[0].lower().lstrip("@") in ("rd", "rmdir") and any(w.lower() == "/s" for w in ws[1:]):
            out += [w.strip('"') for w in ws[1:] if not w.startswith("/")]
    return out


def expand(statement: str, sets: dict[str, str]) -> str:
    """%NAME% set earlier on the line replaced by its value."""
    if "%" not in statement or not sets:
        return statement
    return _VAR.sub(lambda m: sets.get(m.group(1).lower(), m.group(0)), statement)


def set_value(statement: str) -> tuple[str, str] | None:
    m = _SET.match(statement)
    return (m.group(1).lower(), m.group(2)) if m else None


def unknown_command(name: str, source: str) -> Finding:
    return unknown("shell.windows:variable-command", f"the command {name} is a variable blastwall cannot resolve "
                   "from the line; a human must check what it runs", source)


def batch(path: str, written: Written, scope: Scope, source: str) -> list[Finding]:
    """`call F` / `F.bat`: the batch file written on the line is read as cmd.exe lines; another asks."""
    from blastwall.analyze.shell.windows import cmd_findings

    text = written.text(path)
    if text is None:
        return [unknown("shell.windows:batch", f"{path} is a batch file blastwall cannot read here; a human "
                        "must read it", source)]
    return [f for line in text.split("\n") for f in cmd_findings(line, scope)]


def diskpart(args: list[str], written: Written, source: str) -> list[Finding]:
    """`diskpart /s SCRIPT`: the script written on the line, read; a script not written here asks, and
    diskpart with no script reads its commands from input blastwall cannot see."""
    low = [a.lower() for a in args]
    if "/?" in low:
        return []
    if "/s" not in low or low.index("/s") + 1 >= len(args):
        return [unknown("shell.windows:diskpart", "diskpart reads disk commands blastwall cannot see; a human "
                        "must check them", source)]
    path = args[low.index("/s") + 1]
    text = written.text(path)
    if text is None:
        return [unknown("shell.windows:diskpart", f"diskpart runs the script {path}, which blastwall cannot read "
                        "here; a human must read it", source)]
    table = load_table("shell_windows")["cmd"]["diskpart"]
    for line in text.lower().split("\n"):
        words = line.split()
        if words and any(words[:len(d.split())] == d.split() for d in table["destructive"]):
            return [unknown("shell.windows:diskpart", f"diskpart's script runs `{line.strip()[:60]}`, which erases "
                            "a disk, partition or volume; a human must check it", source)]
    return []


def forfiles(args: list[str], scope: Scope, source: str) -> list[Finding]:
    """`forfiles [/p DIR] [/s] [/m MASK] [/d -N] /c "COMMAND"`: COMMAND runs once per file; @path and
    @file stand for every file matched. An age of a day or more (`/d -30`) bounds it to old files."""
    from blastwall.analyze.shell.windows import cmd_findings, cmd_line

    low = [a.lower() for a in args]

    def value(opt: str, default: str) -> str:
        return args[low.index(opt) + 1] if opt in low and low.index(opt) + 1 < len(args) else default

    command = value("/c", "cmd /c echo @file")
    folder, mask = value("/p", "."), value("/m", "*")
    age = value("/d", "")
    if rx.fullmatch(r"-0*[1-9]\d*", age):
        return []  # only files older than a day or more
    every = folder.rstrip("\\/") + "\\" + mask.replace("*.*", "*")
    for var in ("@path", "@file", "@fname", "@relpath"):
        command = rx.sub(f"(?i)\"?{var}\"?", lambda _m: every, command)
    command = command.replace('0x22', '"')
    if "/s" in low:
        command = rx.sub(r"(?i)\b(del|erase)\b", r"\1 /s", command, count=1)
    head = command.split(" ", 1)
    if head[0].lower().removesuffix(".exe") == "cmd" and len(head) > 1:
        return cmd_line(head[1], scope, source)
    return cmd_findings(command, scope)
