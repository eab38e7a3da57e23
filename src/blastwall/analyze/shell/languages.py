"""Small command languages of programs that run commands or write files (the GTFOBins catalog,
`rules/shell_carriers.toml`): vim's ex commands, ed, gdb, Tcl/expect, sed scripts, crontab
lines, tmux keys, screen's `stuff`, psql's backslash commands and sqlite3's dot commands.

Each decoder reads a text in its language and says what it does, as data (`Effects`): shell
commands it runs, files it writes, SQL it runs, other code it runs, and what it runs that
blastwall cannot read. The caller turns effects into findings. Nothing here runs anything.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import NamedTuple

from blastwall import rx


class Effects(NamedTuple):
    shell: list[str]  # shell commands the text runs
    writes: list[str]  # files it writes
    sql: list[str]  # SQL it runs (psql \i, sqlite .read of a file already read)
    code: list[tuple[str, str]]  # (language, code) of another language it runs (vim :python)
    unknown: list[str]  # what it runs that blastwall cannot read, as reasons
    sql_files: list[str]  # SQL script files it runs (read by the caller)

    @classmethod
    def empty(cls) -> Effects:
        return cls([], [], [], [], [], [])

    def merge(self, other: Effects) -> Effects:
        return Effects(*(a + b for a, b in zip(self, other, strict=True)))


_LITERAL = rx.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")


def _first_literal(text: str) -> str | None:
    m = _LITERAL.search(text)
    if m is None:
        return None
    return (m.group(1) if m.group(1) is not None else m.group(2) or "").replace("\\\"", "\"").replace("\\'", "'")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


# ---- shell text, crontab, terminal keys -------------------------------------------------------
def shell(text: str) -> Effects:
    e = Effects.empty()
    e.shell.append(text)
    return e


_CRON_FIELDS = 5


def crontab(text: str) -> Effects:
    """Each job line's command: after five time fields, or after an `@reboot`-style keyword."""
    e = Effects.empty()
    for line in _lines(text):
        if line.startswith("#") or rx.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line):
            continue
        parts = line.split(None, 1 if line.startswith("@") else _CRON_FIELDS)
        keep = 1 if line.startswith("@") else _CRON_FIELDS
        if len(parts) > keep:
            e.shell.append(_cron_command(parts[keep]))
    return e


_CRON_INPUT_END = "BW_CRON_INPUT"


def _cron_command(command: str) -> str:
    """crontab(5): a `%` not escaped by a backslash ends the command, and what follows it (each
    further `%` a newline) is the command's input; `\\%` is a plain `%`. The input is kept as a
    here-document, so a shell reading it is read too."""
    pieces = [""]
    i = 0
    while i < len(command):
        if command.startswith("\\%", i):
            pieces[-1] += "%"
            i += 2
            continue
        if command[i] == "%":
            pieces.append("")
        else:
            pieces[-1] += command[i]
        i += 1
    head, rest = pieces[0], "\n".join(pieces[1:])
    if not rest.strip():
        return head
    if _CRON_INPUT_END in rest:
        return head + ' <<< "$CRON_INPUT"'  # input blastwall does not spell out: unseen text
    return f"{head} <<'{_CRON_INPUT_END}'\n{rest}\n{_CRON_INPUT_END}"


_ENTER_KEYS = frozenset({"Enter", "C-m", "KPEnter", "C-j", "^M", "^J"})
_SPACE_KEYS = frozenset({"Space"})


def tmux_keys(keys: list[str], literal: bool = False, hexa: bool = False) -> Effects:
    """`tmux send-keys 'rm -rf x' Enter`: the keys typed into a pane, read as the shell line they make."""
    out: list[str] = []
    for k in keys:
        if hexa:
            try:
                out.append(bytes.fromhex(k.rjust(2, "0")).decode("utf-8", "replace"))
            except ValueError:
                continue
        elif literal:
            out.append(k)
        elif k in _ENTER_KEYS:
            out.append("\n")
        elif k in _SPACE_KEYS:
            out.append(" ")
        elif rx.fullmatch(r"(?:[CMS]-)+.|[A-Z][A-Za-z0-9]+|F[0-9]+", k) and len(k) > 1:
            continue  # a named key (Escape, C-c, Up): not text
        else:
            out.append(k)
    return shell("".join(out))


def screen_stuff(text: str) -> Effects:
    """screen's `stuff STRING`: typed into the window; `^M`, `\\n`, `\\r` and octal escapes end lines."""
    text = rx.sub(r"\^[MJ]", "\n", text)
    text = rx.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), text)
    return shell(text.replace("\\n", "\n").replace("\\r", "\n"))


# ---- vim / ex ---------------------------------------------------------------------------------
_EX_RANGE = rx.compile(r"^[\s:]*(?:[%.$]|\d+|'[a-z<>]|/(?:[^/\\]|\\.)*/|\?(?:[^?\\]|\\.)*\?|[+-]\d*|[,;])*\s*")
_EX_WRITE = rx.compile(r"^(?:w|wr|wri|writ|write|wq|x|xi|xit|exi|exit|sav|saveas|up|update|wa|wall|wqa|wqall|xa|xall)"
                       r"(?:!)?(?:\s+(?:>>\s*)?(.*))?$")
_EX_CODE = {"py": "python", "py3": "python", "python": "python", "python3": "python", "pyx": "python",
            "pythonx": "python", "pydo": "python", "py3do": "python", "pyfile": "", "py3file": "", "lua": "", "luado": "",
            "luafile": "", "perl": "perl", "perldo": "perl", "ruby": "ruby", "rubydo": "ruby", "rubyfile": "", "tcl": "",
            "tcldo": "", "tclfile": "", "mz": "", "mzscheme": ""}


def _ex_commands(text: str) -> list[str]:
    """ex command lines, split on `|` except where the command takes the rest of the line (`!`)."""
    out: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        rest = line
        while rest.strip():
            body = _EX_RANGE.sub("", rest, count=1)
            head = rx.match(r"^([A-Za-z]+|!)", body)
            word = head.group(1) if head else ""
            if word == "!" or word in _EX_CODE or word in ("norm", "normal", "exe", "execute", "call", "let", "r",
                                                            "read", "g", "global", "v", "vglobal", "terminal", "term"):
                out.append(body)
                break
            cut = body.find("|")
            if cut < 0:
                out.append(body)
                break
            out.append(body[:cut])
            rest = body[cut + 1:]
    return [c.strip() for c in out if c.strip()]


def vim(text: str, edited: list[str], depth: int = 0) -> Effects:
    """vim/ex commands (`-c`, `+cmd`, `--cmd`, `-S` files, ex mode input)."""
    e = Effects.empty()
    for cmd in _ex_commands(text):
        word_m = rx.match(r"^([A-Za-z]+|!)", cmd)
        word = word_m.group(1) if word_m else ""
        rest = cmd[len(word):].lstrip()
        if word == "!":
            e.shell.append(cmd[1:])
        elif word in ("r", "read", "w", "write") and rest.startswith("!") and not cmd[len(word):].startswith("!"):
            e.shell.append(rest[1:])  # `w !cmd` pipes to a command; `w! file` forces a write
        elif word in ("terminal", "term") and rest:
            e.shell.append(rest.lstrip("+-+ "))
        elif word in ("g", "global", "v", "vglobal"):
            m = rx.match(r"^!?(.)(?:(?!\1).)*\1(.*)$", rest)
            inner = m.group(2) if m else ""
            if inner and depth < 2:
                e = e.merge(vim(inner, edited, depth + 1))
        elif word in ("call", "let", "echo") or "system(" in cmd or "systemlist(" in cmd or "job_start(" in cmd:
            if rx.search(r"\b(?:system|systemlist|job_start|jobstart|termopen|term_start|libcall|libcallnr)\s*\(", cmd):
                literal = _first_literal(cmd)
                if literal is not None and "(" not in literal:
                    e.shell.append(literal)
                else:
                    e.unknown.append(f"vim runs a command built at run time ({cmd[:60]})")
            elif rx.search(r"\b(?:writefile|delete|rename|mkdir)\s*\(", cmd):
                literal = rx.findall(r"""['"]([^'"]+)['"]""", cmd)
                e.writes.extend(literal[-1:] or ["(a path computed at run time)"])
        elif word in ("exe", "execute"):
            literal = _first_literal(rest)
            if literal is not None and depth < 2:
                e = e.merge(vim(literal, edited, depth + 1))
            else:
                e.unknown.append(f"vim executes a command built at run time ({cmd[:60]})")
        elif word in ("norm", "normal"):
            if ":" in rest or "!" in rest or "Q" in rest:
                e.unknown.append(f"vim types keys that may run commands ({cmd[:60]})")
        elif word in _EX_CODE:
            language = _EX_CODE[word]
            if language and rest and not rest.startswith("<<"):
                e.code.append((language, rest))
            else:
                e.unknown.append(f"vim runs {word} code blastwall cannot read ({cmd[:60]})")
        elif word in ("so", "sou", "sour", "sourc", "source", "runtime", "ru"):
            e.unknown.append(f"vim runs the script {rest or 'named at run time'}, which blastwall does not read")
        elif word in ("sh", "shell"):
            continue  # an interactive shell: nothing is typed into it here
        else:
            m = _EX_WRITE.match(cmd)
            if m:
                target = (m.group(1) or "").strip()
                if target.startswith("!"):
                    e.shell.append(target[1:])
                elif target:
                    e.writes.append(target)
                else:
                    e.writes.extend(edited)
    return e


# ---- ed ---------------------------------------------------------------------------------------
def ed(text: str, edited: list[str]) -> Effects:
    e = Effects.empty()
    for line in _lines(text):
        body = _EX_RANGE.sub("", line, count=1)
        if body.startswith("!"):
            e.shell.append(body[1:])
            continue
        m = rx.match(r"^(w|W|wq|r|e|E)\s*(.*)$", body)
        if not m:
            continue
        target = m.group(2).strip()
        if target.startswith("!"):
            e.shell.append(target[1:])
        elif m.group(1) in ("w", "W", "wq"):
            if target:
                e.writes.append(target)
            else:
                e.writes.extend(edited)
    return e


# ---- gdb --------------------------------------------------------------------------------------
def gdb(text: str) -> Effects:
    e = Effects.empty()
    for line in _lines(text):
        m = rx.match(r"^(shell|!|pipe|\||python|python-interactive|pi|py|source|call|print|p|output|dump|append|"
                     r"restore|guile|gu)\b\s*(.*)$", line) or rx.match(r"^(!|\|)(.*)$", line)
        if not m:
            continue
        word, rest = m.group(1), m.group(2)
        if word in ("shell", "!"):
            e.shell.append(rest)
        elif word in ("pipe", "|"):
            _, _, command = rest.partition("|")
            e.shell.append(command or rest)
        elif word in ("python", "py", "python-interactive", "pi"):
            e.code.append(("python", rest)) if rest else e.unknown.append("gdb runs python code blastwall cannot read")
        elif word in ("guile", "gu", "source"):
            e.unknown.append(f"gdb runs {word} code blastwall does not read ({rest[:60]})")
        elif word in ("call", "print", "p", "output"):
            if rx.search(r"\b(?:system|popen|execl|execv|execve|execvp|unlink|remove|rmdir)\s*\(", rest):
                literal = _first_literal(rest)
                if literal is not None and rx.search(r"\b(?:system|popen)\s*\(", rest):
                    e.shell.append(literal)
                else:
                    e.unknown.append(f"gdb calls a function that runs or deletes ({rest[:60]})")
        elif word in ("dump", "append", "restore"):
            parts = rest.split()
            files = [p for p in parts if "/" in p or "." in p and not p.startswith("0x")]
            if word != "restore" and files:
                e.writes.append(files[0])
    return e


# lldb commands and the gdb commands that do the same (`expr CALL` is gdb's `call CALL`).
_LLDB_AS_GDB = (("expression", "call"), ("expr", "call"), ("e", "call"), ("po", "call"), ("call", "call"),
                ("p", "call"), ("print", "call"), ("platform shell", "shell"), ("script", "python"),
                ("command source", "source"), ("command script import", "source"))


def lldb(text: str) -> Effects:
    """lldb's commands (`-o CMD`, `-s FILE`) read as the gdb commands that do the same."""
    lines: list[str] = []
    for line in _lines(text):
        for word, same in _LLDB_AS_GDB:
            if line == word or line.startswith(word + " "):
                rest = line[len(word):].strip()
                if same == "call":  # `expr -O -- CALL`, `expr -l c -- CALL`: options end at --
                    rest = rest.split(" -- ", 1)[1] if rest.startswith("-") and " -- " in rest else rest
                lines.append(f"{same} {rest}")
                break
    return gdb("\n".join(lines))


# ---- Tcl / expect -----------------------------------------------------------------------------
def _tcl_words(command: str) -> list[str]:
    words: list[str] = []
    i = 0
    n = len(command)
    while i < n:
        while i < n and command[i] in " \t":
            i += 1
        if i >= n:
            break
        c = command[i]
        if c == "{":
            depth, j = 0, i
            while j < n:
                if command[j] == "{":
                    depth += 1
                elif command[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            words.append(command[i + 1:j])
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and command[j] != '"':
                j += 2 if command[j] == "\\" else 1
            words.append(command[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and command[j] not in " \t":
                j += 1
            words.append(command[i:j])
            i = j
    return words


def _tcl_commands(text: str) -> list[str]:
    out: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, c in enumerate(text):
        if c == '"' and depth == 0 and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif c == "{" and not quoted:
            depth += 1
        elif c == "}" and not quoted:
            depth -= 1
        elif c in ";\n" and depth <= 0 and not quoted:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [c.strip() for c in out if c.strip() and not c.strip().startswith("#")]


_TCL_BLOCKS = frozenset({"if", "while", "for", "foreach", "proc", "catch", "try", "after", "expect", "interact",
                         "switch", "namespace", "uplevel", "time", "timeout"})


def tcl(text: str, depth: int = 0) -> Effects:
    """Tcl and expect: `exec`, `spawn`, `system` and `open |cmd` run commands; `file delete`
    deletes; command substitutions `[...]` and blocks `{...}` are read as Tcl too."""
    e = Effects.empty()
    if depth > 4:
        e.unknown.append("Tcl code nested too deep to read")
        return e
    for command in _tcl_commands(text):
        for inner in rx.findall(r"\[([^\[\]]+)\]", command):
            e = e.merge(tcl(inner, depth + 1))
        words = _tcl_words(command)
        if not words:
            continue
        head = words[0]
        if head in ("exec", "spawn", "system"):
            args = [w for w in words[1:] if not w.startswith("-") or head == "system"]
            args = [w for w in args if w not in ("&", "--")]
            e.shell.append(" ".join(args) if head == "system" else shlex.join(args))
        elif head == "open" and len(words) > 1 and words[1].startswith("|"):
            e.shell.append(words[1][1:])
        elif head == "open" and len(words) > 2 and rx.search(r"[wa]", words[2]):
            e.writes.append(words[1])
        elif head == "file" and len(words) > 2 and words[1] in ("delete", "rename", "copy"):
            paths = [w for w in words[2:] if not w.startswith("-")]
            e.writes.extend(paths if words[1] == "delete" else paths[-1:])
        elif head in ("eval", "source", "uplevel", "interp", "load"):
            e.unknown.append(f"Tcl runs code blastwall cannot read ({command[:60]})")
        elif head in _TCL_BLOCKS:
            for w in words[1:]:
                if "\n" in w or ";" in w or rx.match(r"^\s*[a-z]", w) and " " in w:
                    e = e.merge(tcl(w, depth + 1))
    return e


# ---- sed --------------------------------------------------------------------------------------
def sed(script: str) -> Effects:
    """GNU sed: the `e` command and the `e` flag of `s` run shell commands; `w`/`W` and the `w`
    flag write files. Any `e` is reported as unknown too: its command may be the pattern space."""
    e = Effects.empty()
    i, n = 0, len(script)

    def rest_of_line(k: int) -> tuple[str, int]:
        end = script.find("\n", k)
        end = n if end < 0 else end
        return script[k:end].strip(), end

    while i < n:
        c = script[i]
        if c in " \t\n;{}!":
            i += 1
            continue
        if c.isdigit() or c in "$,~+":
            i += 1
            continue
        if c == "/" or (c == "\\" and i + 1 < n):
            delim = "/" if c == "/" else script[i + 1]
            j = i + 1 if c == "/" else i + 2
            while j < n and script[j] != delim:
                j += 2 if script[j] == "\\" else 1
            i = j + 1
            while i < n and script[i] in "IM":
                i += 1
            continue
        if c == "#" or c == ":":
            _, i = rest_of_line(i)
            continue
        if c in "aicrRbtTqQlLvz=dDgGhHnNpPxF":
            if c in "aicrRbtTv:":
                _, i = rest_of_line(i + 1) if c in "aicrR" else (None, _label_end(script, i + 1))
            else:
                i += 1
            continue
        if c in "wW":
            target, i = rest_of_line(i + 1)
            if target not in ("/dev/stdout", "/dev/stderr"):
                e.writes.append(target)
            continue
        if c == "e":
            command, i = rest_of_line(i + 1)
            e.unknown.append("sed's e command runs a shell command" + (f" ({command[:60]})" if command else
                                                                       " made of the text it reads"))
            if command:
                e.shell.append(command)
            continue
        if c in "sy" and i + 1 < n:
            delim = script[i + 1]
            parts: list[str] = []
            j = i + 2
            buf: list[str] = []
            while j < n and len(parts) < (2 if c in "sy" else 0):
                ch = script[j]
                if ch == "\\" and j + 1 < n:
                    buf.append(script[j + 1] if script[j + 1] == delim else script[j:j + 2])
                    j += 2
                    continue
                if ch == delim:
                    parts.append("".join(buf))
                    buf = []
                else:
                    buf.append(ch)
                j += 1
            i = j
            if c == "y":
                continue
            flags = rx.match(r"^[0-9gpiImMe]*", script[i:])
            flag_text = flags.group() if flags else ""
            i += len(flag_text)
            if "e" in flag_text:
                replacement = parts[1] if len(parts) > 1 else ""
                e.unknown.append("sed's s///e runs the substituted text as a shell command")
                if replacement and not rx.search(r"\\[0-9]|&", replacement):
                    e.shell.append(replacement)
            if i < n and script[i] == "w":
                target, i = rest_of_line(i + 1)
                if target not in ("/dev/stdout", "/dev/stderr"):
                    e.writes.append(target)
            continue
        i += 1
    return e


def _label_end(script: str, k: int) -> int:
    while k < len(script) and script[k] not in ";\n}":
        k += 1
    return k


# ---- psql backslash commands, sqlite3 dot commands --------------------------------------------
def psql(text: str) -> tuple[str, Effects]:
    """psql input: (the SQL left once backslash commands are taken out, their effects). `\\!` runs
    a shell command, `\\i` runs a file, `\\o`/`\\w`/`\\g FILE`/`\\copy ... to` write files and
    `|cmd` targets pipe into commands; `\\gexec` stays in the SQL, whose analysis reads what it runs."""
    e = Effects.empty()
    sql: list[str] = []
    for line in text.split("\n"):
        parts = _meta_split(line)
        sql.append(parts[0])
        for meta in parts[1:]:
            m = rx.match(r"^(!|[a-zA-Z]+)\s*(.*)$", meta)
            if not m:
                continue
            word, arg = m.group(1), m.group(2).strip()
            if word == "!":
                e.shell.append(arg)
                break  # \! takes the rest of the line
            if word in ("i", "ir", "include", "include_relative"):
                e.sql_files.append(arg.split()[0] if arg else "")
            elif word in ("o", "out", "w", "write", "g", "gx", "qecho") and arg:
                if arg.startswith("|"):
                    e.shell.append(arg[1:])
                    e.unknown.append(f"psql pipes query output into {arg[1:].strip()[:40]}, which may run it")
                    break
                if word != "qecho":
                    e.writes.append(arg.split()[0])
            elif word == "copy":
                target = rx.search(r"\b(?:to|from)\s+program\s+'([^']*)'", arg, rx.I)
                if target:
                    e.shell.append(target.group(1))
                else:
                    out = rx.search(r"\bto\s+'?([^'\s]+)'?", arg, rx.I)
                    if out and out.group(1).lower() not in ("stdout", "pstdout"):
                        e.writes.append(out.group(1))
            elif word == "gexec":  # runs the query's values as SQL: the SQL analysis reads them (sql/psql.py)
                sql[-1] += "\n\\gexec\n"
            elif word == "gset":
                pass
            elif word in ("setenv", "set") and arg.split()[:1] in (["PAGER"], ["PSQL_PAGER"], ["PSQL_EDITOR"],
                                                                   ["EDITOR"]):
                e.unknown.append(f"psql sets a program it runs ({arg[:60]})")
    return "\n".join(sql), e


def _meta_split(line: str) -> list[str]:
    """`SQL \\cmd args \\cmd2`: the SQL before the first backslash command, then each command."""
    parts: list[str] = []
    start = 0
    i = 0
    quote = ""
    while i < len(line):
        c = line[i]
        if quote:
            if c == quote:
                quote = ""
        elif c == "'":
            quote = c
        elif c == "\\" and i + 1 < len(line):
            nxt = line[i + 1]
            if nxt == "\\":
                i += 2
                continue
            if nxt == "!" or nxt.isalpha():
                parts.append(line[start:i])
                start = i + 1
        i += 1
    parts.append(line[start:])
    return parts


_SQLITE_SHELL = (".shell", ".system")
_SQLITE_WRITE = (".once", ".output", ".save", ".backup", ".dump", ".excel")
_SQLITE_FILE_FUNCS = rx.compile(r"\b(writefile|edit|load_extension|fts3_tokenizer)\s*\(", rx.I)
_SQLITE_ATTACH = rx.compile(r"\battach\s+(?:database\s+)?'([^']+)'", rx.I)


def _last_argument(arg: str) -> str:
    """The last argument of a sqlite3 dot command, which quotes an argument holding blanks
    (`.backup main 'my backups/app.db'`). A `$(...)` the shell left in the text stays one piece
    (`.backup app-$(date +%F).db`: the shell gave sqlite3 the date, without a blank)."""
    import shlex

    kept = rx.sub(r"\$\([^()]*\)", lambda m: m.group(0).replace(" ", "\x00"), arg)
    try:
        parts = shlex.split(kept)
    except ValueError:
        parts = kept.split()
    return parts[-1].replace("\x00", " ") if parts else ""


def _sqlite_shell_abbrev(dot: str) -> bool:
    """`.sh CMD`, `.sys CMD`: the sqlite3 shell takes a beginning of two or more letters of .shell
    and .system (shell.c compares the first n characters)."""
    return len(dot) >= 3 and any(full.startswith(dot) for full in _SQLITE_SHELL)


def _sqlite_inert(dot: str, arg: str) -> bool:
    """A dot command that only displays or sets how output looks (rules/sql_kinds.toml [sqlite_shell])."""
    from blastwall.analyze.sql.dots import settings

    s = settings()
    name = dot[1:]
    if name == "open":
        return not any(w.lower() in s["open_destructive"] for w in arg.split())
    return name in s["inert"] and ";" not in arg


def sqlite(text: str) -> tuple[str, Effects]:
    """sqlite3 input: (the SQL, the effects of its dot commands and file functions)."""
    e = Effects.empty()
    sql: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped.startswith("."):
            sql.append(line)
            continue
        words = stripped.split(None, 1)
        dot, arg = words[0], (words[1].strip() if len(words) > 1 else "")
        target = _last_argument(arg) if arg and not arg.startswith("|") else arg
        if dot in _SQLITE_SHELL or _sqlite_shell_abbrev(dot):
            e.shell.append(arg.strip("'\""))
        elif dot == ".read":
            if arg.startswith("|"):
                e.shell.append(arg[1:].strip("'\""))
            else:
                e.sql_files.append(target)
        elif dot in _SQLITE_WRITE and arg:
            if arg.startswith("|") or arg.startswith("'|") or arg.startswith('"|'):
                e.shell.append(arg.strip("'\"").lstrip("|"))
            elif dot != ".dump" and target not in ("-e", "-x", "--bom", "stdout"):
                e.writes.append(target)
        elif dot in (".restore", ".import"):
            if dot == ".restore":
                e.writes.append("the open database")
        elif dot in (".load", ".cd"):
            if dot == ".load":
                e.unknown.append(f"sqlite3 loads the extension {arg[:60]}, native code blastwall cannot read")
        elif not _sqlite_inert(dot, arg):  # `.clone`, `.ar`, a name blastwall does not know: asked
            e.unknown.append(f"sqlite3's {dot[:30]} command is not one blastwall reads")
    sql_text = "\n".join(sql)
    for m in _SQLITE_FILE_FUNCS.finditer(sql_text):
        func = m.group(1).lower()
        if func == "writefile":
            literal = _first_literal(sql_text[m.end():m.end() + 400])
            e.writes.append(literal if literal is not None else "(a path computed in SQL)")
        elif func == "edit":
            e.unknown.append("sqlite3's edit() runs an editor program")
        else:
            e.unknown.append(f"sqlite3 {func}() loads native code blastwall cannot read")
    for m in _SQLITE_ATTACH.finditer(sql_text):
        if m.group(1) not in (":memory:", ""):
            e.writes.append(m.group(1))
    return sql_text, e


# ---- less, man ----------------------------------------------------------------------------------
def less_commands(text: str) -> Effects:
    """less's `+cmd` start-up commands: `!cmd` runs a shell command, `|Xcmd` pipes to one,
    `s FILE` saves input to a file, `v` starts an editor."""
    e = Effects.empty()
    if text.startswith("!"):
        e.shell.append(text[1:])
    elif text.startswith("|") and len(text) > 2:
        e.shell.append(text[2:])
    elif text.startswith("s") and len(text) > 1 and " " in text:
        e.writes.append(text[1:].strip())
    elif text.startswith(("v", "E")):
        e.unknown.append(f"less runs an editor ({text[:60]})")
    return e


def _program_code(language: str) -> Callable[[str], Effects]:
    """Code of a language blastwall's code analyzers read (`analyze/code.py`): a framework console
    running it (`php artisan tinker --execute`, `rails runner`) runs it as the interpreter would."""
    def decode(text: str) -> Effects:
        e = Effects.empty()
        e.code.append((language, text))
        return e
    return decode


DECODERS: dict[str, Callable[..., Effects]] = {
    "shell": shell, "crontab": crontab, "vim": vim, "ed": ed, "gdb": gdb, "lldb": lldb, "tcl": tcl, "sed": sed,
    "screen-stuff": screen_stuff, "less": less_commands,
    **{lang: _program_code(lang) for lang in ("php", "ruby", "python", "node")},
    "sql": lambda text: Effects([], [], [text], [], [], []),
    "elisp": lambda text: __import__("blastwall.analyze.shell.elisp", fromlist=["elisp"]).elisp(text),
    "transfer": lambda text: __import__("blastwall.analyze.shell.transfer_scripts", fromlist=["transfer"]).transfer(text),
}
