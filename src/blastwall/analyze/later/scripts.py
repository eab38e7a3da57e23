"""Steps of line-oriented files: SQL migrations, shell scripts, Makefiles, package.json scripts,
crontabs and systemd units.

    make_steps("clean:\\n\\trm -rf $(OUT)\\nOUT = /srv/data\\n")  -> [Step("shell", "rm -rf /srv/data", 2, "clean")]
"""

from __future__ import annotations

import json

from blastwall import rx
from blastwall.analyze.later.kinds import Kind
from blastwall.analyze.later.steps import Step, drop_regions, line_at

MAX_EXPANSIONS = 8  # rounds of Make variable substitution
MAX_EXPANDED = 16 * 1024  # characters a recipe line may grow to by substitution


def sql_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    """The whole migration is one SQL script (the SQL analyzer nets out what a transaction rolls
    back); parts that run only on rollback (`-- migrate:down`, `-- +goose Down`) are left out."""
    body = drop_regions(text, kind.up, kind.down)
    return [Step("sql", body, 1, block=True)] if body.strip() else []


def shell_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    return [Step("shell", text, 1, block=True)] if text.strip() else []


# ---- Makefiles ----------------------------------------------------------------------------------

_ASSIGN = rx.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(:::=|::=|:=|\?=|\+=|!=|=)\s*(.*)$")
_RULE = rx.compile(r"^([^\t#=:][^=:]*?)\s*::?(.*)$")
_MAKE_REF = rx.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line, text) with backslash-newline continuations joined."""
    out: list[tuple[int, str]] = []
    start, parts = 0, []  # type: ignore[var-annotated]
    for i, line in enumerate(text.split("\n"), 1):
        if not parts:
            start = i
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        out.append((start, " ".join(p if j == 0 else p.strip() for j, p in enumerate(parts))))
        parts = []
    if parts:
        out.append((start, " ".join(parts)))
    return out


def _expand(command: str, variables: dict[str, str], target: str) -> str:
    """Make's own expansion, as far as it is known statically: `$(VAR)`/`${VAR}` from the file's
    assignments, `$@` the target, `$$` a shell `$`; other functions (`$(shell ...)`,
    `$(wildcard ...)`) and unknown variables become shell variables (resolved at run time)."""
    text = command.replace("$$", "\x00")
    text = text.replace("$@", target).replace("$(@)", target)
    for _ in range(MAX_EXPANSIONS):
        new = _MAKE_REF.sub(lambda m: variables.get(m.group(1) or m.group(2), "$" + (m.group(1) or m.group(2))), text)
        if new == text or len(new) > MAX_EXPANDED:
            break  # past MAX_EXPANDED the rest stays as shell variables (resolved at run time)
        text = new
    text = rx.sub(r"\$\([^)]*\)", "$MAKE_EXPR", text)
    text = rx.sub(r"\$[<^?*+|%]", "$MAKE_AUTO", text)
    return text.replace("\x00", "$")


def make_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    variables: dict[str, str] = {}
    recipes: list[tuple[int, str, str]] = []
    target = ""
    for line_no, line in _logical_lines(text):
        if line.startswith("\t"):
            if target or fragment:
                recipes.append((line_no, target, line[1:]))
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        a = _ASSIGN.match(stripped)
        if a and not line.startswith(" "):
            name, op, value = a.group(1), a.group(2), a.group(3).strip()
            variables[name] = (variables.get(name, "") + " " + value).strip() if op == "+=" else value
            continue
        r = _RULE.match(stripped)
        if r and not r.group(2).startswith("="):
            target = r.group(1).split()[0] if r.group(1).split() else ""
            inline = r.group(2).split(";", 1)
            if len(inline) == 2 and inline[1].strip():
                recipes.append((line_no, target, inline[1]))
            continue
        if fragment and not line.startswith(" "):
            recipes.append((line_no, target, stripped))  # an edited recipe line without its tab in the snippet
    steps = []
    for line_no, tgt, command in recipes:
        cmd = command.strip().lstrip("@-+").strip()
        if cmd:
            steps.append(Step("shell", _expand(cmd, variables, tgt), line_no, where=tgt))
    return steps


# ---- package.json -------------------------------------------------------------------------------

_JSON_PAIR = rx.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def npm_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    """Each entry of `scripts` is a shell command (`npm run NAME`; `preinstall`, `install`,
    `postinstall` and `prepare` also run on `npm install`). A snippet that is not JSON is read
    pair by pair: every `"name": "command"` in it."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    key = kind.keys[0] if kind.keys else "scripts"  # deno.json: "tasks"
    if isinstance(data, dict):
        scripts = data.get(key)
        if not isinstance(scripts, dict):
            return []
        base = max(0, text.find(f'"{key}"'))
        out = []
        for name, command in scripts.items():
            if isinstance(command, dict):
                command = command.get("command")  # deno's {"command": ..., "description": ...}
            if not isinstance(command, str):
                continue
            pos = text.find(json.dumps(name), base)
            out.append(Step("shell", command, line_at(text, pos) if pos >= 0 else 1, where=str(name)))
        return out
    out = []
    for m in _JSON_PAIR.finditer(text):
        try:
            name, command = json.loads(f'"{m.group(1)}"'), json.loads(f'"{m.group(2)}"')
        except ValueError:
            continue
        out.append(Step("shell", command, line_at(text, m.start()), where=name))
    return out


# ---- crontab ------------------------------------------------------------------------------------

_CRON_ENV = rx.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
_CRON_SPECIAL = rx.compile(r"^(@[a-z]+)\s+(.*)$")
_CRON_FIELD = r"[0-9*/,\-A-Za-z?LW#]+"


def cron_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    """`m h dom mon dow command` lines (`/etc/cron.d` files have a user before the command),
    `@daily command`; environment lines and comments are not commands."""
    with_user = "/cron.d/" in path.replace("\\", "/") or path.replace("\\", "/").startswith("cron.d/")
    fields = 6 if with_user else 5
    pattern = rx.compile(rf"^((?:{_CRON_FIELD}\s+){{{fields}}})(.*)$")
    out = []
    for i, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if not s or s.startswith("#") or _CRON_ENV.match(s):
            continue
        special = _CRON_SPECIAL.match(s)
        if special:
            schedule, command = special.group(1), special.group(2)
            if with_user and " " in command:
                command = command.split(None, 1)[1]
        else:
            m = pattern.match(s)
            if not m:
                continue
            schedule, command = " ".join(m.group(1).split()[:5]), m.group(2)
        command = command.split("%", 1)[0] if "%" in command.replace("\\%", "") else command.replace("\\%", "%")
        if command.strip():
            out.append(Step("shell", command, i, where=schedule))
    return out


# ---- systemd ------------------------------------------------------------------------------------

_EXEC = rx.compile(r"^\s*(Exec(?:Start|StartPre|StartPost|Stop|StopPost|Reload|Condition))\s*=\s*(.*)$")


def systemd_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    out = []
    for line_no, line in _logical_lines(text):
        m = _EXEC.match(line)
        if not m:
            continue
        command = m.group(2).strip()
        while command[:1] in ("-", "@", "+", "!", ":"):
            command = command[1:]  # systemd's prefixes: ignore failure, argv[0], privileges
        if command.strip():
            out.append(Step("shell", command.strip(), line_no, where=m.group(1)))
    return out


# ---- Procfile (Heroku, Dokku, foreman): `release:` runs on every deploy -----------------------

_PROCESS = rx.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.+)$")


def procfile_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    out = []
    for i, line in enumerate(text.split("\n"), 1):
        m = _PROCESS.match(line.strip())
        if m and not line.lstrip().startswith("#"):
            out.append(Step("shell", m.group(2), i, where=m.group(1)))
    return out
