"""PowerShell scratch: a variable set to a new, uniquely named temporary item, removed later in the code.

    $tmp = New-Item -ItemType Directory -Path (Join-Path $env:TEMP ([guid]::NewGuid())); ...; Remove-Item $tmp -Recurse -Force
    $f = New-TemporaryFile; ...; Remove-Item $f
    $f = [System.IO.Path]::GetTempFileName(); ...; Remove-Item -LiteralPath $f -Force

The value names an item no one else has: a GUID or random name joined to the temp folder, or a file
or folder the .NET temp API creates under a new name. When the statement making it fails, the
variable is `$null`, and `Remove-Item $null` fails too (it binds no path). A Remove-Item whose every
path is such a variable, set exactly once in the code before it, with only switches the table
knows, removes scratch. A variable assigned anywhere else (`$tmp = ...` again, `Set-Variable`,
`-OutVariable`, `[ref]`, a scope prefix), a path built on it (`$tmp\\..`), or any other value: judged
as before.
"""

from __future__ import annotations

import functools

from blastwall import rx

# The temp folder, spelled as PowerShell code does.
_TEMP = (r"\$env:te?mp", r"\$env:tmp", r"\(?\[(?:system\.)?io\.path\]::gettemppath\(\)\)?")
# A part that differs on every run.
_UNIQUE = (r"\(\[(?:system\.)?guid\]::newguid\(\)(?:\.tostring\(\))?\)", r"\(new-guid\)",
           r"\(\[(?:system\.)?io\.path\]::getrandomfilename\(\)\)", r"\$\(\[(?:system\.)?guid\]::newguid\(\)\)",
           r"\$\(new-guid\)")
# Values that create a new temporary item themselves (optionally wrapped and .FullName).
_CREATORS = (r"new-temporaryfile", r"\[(?:system\.)?io\.path\]::gettempfilename\(\)",
             r"\[(?:system\.)?io\.directory\]::createtempsubdirectory\((?:'[\w.-]*')?\)")
_SWITCHES = frozenset({"-recurse", "-r", "-force", "-fo", "-confirm:$false", "-erroraction", "-ea"})
_ERROR_ACTIONS = frozenset({"stop", "silentlycontinue", "continue", "ignore"})


@functools.cache
def _patterns() -> tuple[object, object, object]:
    temp = "(?:" + "|".join(_TEMP) + ")"
    unique = "(?:" + "|".join(_UNIQUE) + ")"
    joined = (rf"(?:\(?join-path\s+(?:-path\s+)?{temp}\s+(?:-childpath\s+)?{unique}\)?"
              rf"|\"{temp}[\\/](?:[\w.-]*){unique}\")")
    made = (rf"(?:new-item|ni|mkdir|md)\s+(?:(?:-itemtype|-type|-it)\s+(?:directory|file|d|f)\s+|-force\s+)*"
            rf"(?:-path\s+)?{joined}(?:\s+(?:-itemtype|-type|-it)\s+(?:directory|file|d|f)|\s+-force)*")
    named = (rf"(?:new-item|ni)\s+(?:(?:-itemtype|-type)\s+(?:directory|file)\s+|-force\s+)*-path\s+{temp}\s+"
             rf"(?:(?:-itemtype|-type)\s+(?:directory|file)\s+|-force\s+)*-name\s+{unique}")
    creators = "(?:" + "|".join(_CREATORS) + ")"
    value = rf"(?:{joined}|{made}|{named}|{creators})"
    full = rx.compile(rf"(?is)^\s*(?:\(\s*{value}\s*\)(?:\.fullname)?|{value})\s*$")
    assign = rx.compile(r"(?is)^\$([a-z_]\w*)\s*=\s*(.+)$")
    mention = rx.compile(r"(?i)\$(?:[a-z]+:)?([a-z_]\w*)\s*(?:[-+*/]?=|\+\+|--)|"
                         r"(?:set-variable|new-variable|sv|nv|-outvariable|-ov|-pipelinevariable|-pv|-errorvariable"
                         r"|-ev|-warningvariable|-wv|-informationvariable|-iv)\s+(?:-name\s+)?['\"]?([a-z_]\w*)|"
                         r"\[ref\]\s*\$([a-z_]\w*)|\$(?:script|global|local|private|using):([a-z_]\w*)")
    return full, assign, mention


def scratch_removals(statements: list[str]) -> set[int]:
    """The places of the statements that remove only scratch items the code made before them."""
    from blastwall.analyze.shell.windows import words

    full, assign, mention = _patterns()
    made: dict[str, int] = {}  # variable -> the statement that set it to scratch
    writes: dict[str, int] = {}  # variable -> how many statements write it
    for s in statements:
        for m in mention.finditer(s):  # type: ignore[attr-defined]
            name = next(g for g in m.groups() if g).lower()
            writes[name] = writes.get(name, 0) + 1
    for i, s in enumerate(statements):
        m = assign.match(s)  # type: ignore[attr-defined]
        if m and full.match(m.group(2)):  # type: ignore[attr-defined]
            made[m.group(1).lower()] = i
    scratch = {n: i for n, i in made.items() if writes.get(n) == 1 and _only_read(n, statements, i)}
    out: set[int] = set()
    for i, s in enumerate(statements):
        paths = _removed(words(s))
        if paths and all(p in scratch and scratch[p] < i for p in paths):
            out.add(i)
    return out


def _only_read(name: str, statements: list[str], made: int) -> bool:
    """Whether every other mention of variable `name` is a plain `$name` that reads it: the name in
    any other spelling (`Get-Variable tmp`, `variable:tmp`, `${tmp}`, `'tmp'`), a `$name` left of an
    `=` (`$x, $tmp = ...`) or a loop variable (`foreach ($tmp in ...)`) may write it."""
    word = rx.compile(rf"(?i)\b{rx.escape(name)}\b")
    for i, s in enumerate(statements):
        lhs = len(s.split("=", 1)[0]) if rx.match(r"(?i)^\s*\$[\w:]+\s*,", s) else 0  # `$a, $b = ...`
        for m in word.finditer(s):  # type: ignore[attr-defined]
            at = m.start()
            if at and s[at - 1] == "-":
                continue  # part of a name (`Remove-tmp`), not the variable
            if i == made and at == s.index("$") + 1:
                continue
            if at == 0 or s[at - 1] != "$" or (at >= 2 and s[at - 2] in ":{`") or at < lhs or \
                    rx.search(r"(?i)\b(?:foreach|for)\s*\(\s*\$$", s[:at]):
                return False
    return True


def _removed(ws: list[str]) -> list[str] | None:
    """The variables a Remove-Item statement names as its paths, or None when it is not one that
    names only plain variables with switches this module knows."""
    if ws and ws[0].lower() in _WRITERS:
        return _written(ws)
    if not ws or ws[0].lower() not in ("remove-item", "ri", "rm", "rmdir", "rd", "del", "erase"):
        return None
    names: list[str] = []
    i = 1
    while i < len(ws):
        w = ws[i].lower()
        if w in ("-path", "-literalpath", "-lp") and i + 1 < len(ws):
            i += 1
            w = ws[i].lower()
        elif w in ("-erroraction", "-ea") and i + 1 < len(ws) and ws[i + 1].lower() in _ERROR_ACTIONS:
            i += 2
            continue
        elif w in _SWITCHES:
            i += 1
            continue
        if w.startswith('"') and w.endswith('"') and len(w) > 2:
            w = w[1:-1]
        w = w.removesuffix(".fullname")
        if not w.startswith("$") or not w[1:].replace("_", "a").isalnum():
            return None
        names.append(w[1:])
        i += 1
    return names or None


# Cmdlets that write a file named by -Path/-LiteralPath/-FilePath or their first positional.
_WRITERS = frozenset({"set-content", "add-content", "ac", "out-file", "clear-content", "clc"})
_CODE_CHARS = frozenset("({`@")


def _written(ws: list[str]) -> list[str] | None:
    """The variable a file writer writes (`Set-Content $f 'x'`), when it is a plain variable and the
    statement holds no code (a subexpression, block or splat) and names no other file."""
    if any(_CODE_CHARS & set(w) for w in ws[1:]):
        return None
    path = None
    i = 1
    while i < len(ws):
        w = ws[i].lower()
        if w in ("-path", "-literalpath", "-lp", "-filepath") and i + 1 < len(ws):
            if path is not None:
                return None
            path = ws[i + 1].lower()
            i += 2
        elif w.startswith("-"):
            i += 1  # -Value x, -Encoding utf8, -NoNewline: what is written, not where
        else:
            path = ws[i].lower() if path is None else path
            i += 1
    if path is None:
        return None
    path = path[1:-1] if path.startswith('"') and path.endswith('"') and len(path) > 2 else path
    return [path[1:]] if path.startswith("$") and path[1:].replace("_", "a").isalnum() else None
