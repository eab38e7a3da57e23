"""Any program given a file that holds credentials reads it, unless it is known not to show or
send what it reads (`[any]` of `rules/shell_reads.toml`).

    argument_reads("m4", argv("m4 ops/notes.md"), cmd, scope)
        -> [Finding("file.read:credential", "m4 is given ops/notes.md, which holds a Railway token")]

The reader table (`[[read]]`) names the programs whose reading blastwall understands (which
words are patterns, which are files, what a search prints). Every other program is judged by
this rule: each word that names a file (an operand, `--opt=FILE`, `NAME=FILE`, `@FILE`,
`FILE:...`, a word of the text fed to it with `<<<` or a heredoc) is a read of that file when the
file holds a credential. Programs that only look at a file's name, size, mode or hash (`ls`,
`stat`, `sha256sum`, `chmod`) and options whose file a program uses as its key or login
(`--kubeconfig`) are known not to show it. A folder is a read of the files in it only for the
programs that copy or send a folder whole (`aws s3 cp --recursive`, `rclone`, `pax`).
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.cmdspecs import SpecIndex, spec_words
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.readargs import code_literals, literal
from blastwall.analyze.shell.readpaths import exists_here
from blastwall.model import Finding, Severity

MAX_WORDS = 64
_TOKEN = rx.compile(r"[^\s'\"\[\]{}();,<>|&=`]+")
_ASSIGN = rx.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*=")
_PATTERN_CHARS = frozenset("*?[{")


@functools.cache
def _any() -> dict[str, Any]:
    return dict(load_table("shell_reads")["any"])


@functools.cache
def _use_options() -> frozenset[str]:
    return frozenset(_any().get("use_options", []))


@functools.cache
def _quiet() -> frozenset[str]:
    return frozenset(_any()["quiet"])


@functools.cache
def unquiet_programs() -> frozenset[str]:
    return frozenset(_any().get("unquiet_options", {}))


def quiet(name: str, positionals: list[str], flags: tuple[str, ...] = ()) -> bool:
    """True when program `name` (with these positionals and options) is known not to show what it
    reads."""
    unquiet = _any().get("unquiet_options", {}).get(name, [])
    if unquiet and any(f == o or f.startswith(o + "=") or (len(o) == 2 and f.startswith(o) and not f.startswith("--"))
                       for f in flags for o in unquiet):
        return False
    if name in _quiet():
        return True
    specs = _quiet_commands().get(name)
    return specs is not None and specs.first(positionals) is not None


def _by_program(specs: list[Any], command: Any) -> dict[str, tuple[list[Any], SpecIndex]]:
    """Specs grouped by the program they name, in table order (a spec names one program), each
    group with its index by first subcommand word (cmdspecs.py)."""
    grouped: dict[str, list[Any]] = {}
    for spec in specs:
        grouped.setdefault(spec_words(command(spec))[0], []).append(spec)
    return {name: (rows, SpecIndex([spec_words(command(s))[1] for s in rows])) for name, rows in grouped.items()}


@functools.cache
def _quiet_commands() -> dict[str, SpecIndex]:
    return {name: index for name, (_, index) in _by_program(_any().get("quiet_commands", []), lambda s: s).items()}


@functools.cache
def _trees() -> dict[str, tuple[list[dict[str, Any]], SpecIndex]]:
    return _by_program(_any().get("tree", []), lambda spec: spec["command"])


def _tree(name: str, positionals: list[str], flags: list[str]) -> dict[str, Any] | None:
    """The `tree` row when the program copies, sends or serves the folders it is given whole."""
    rows, index = _trees().get(name, ([], None))
    at = index.first(positionals) if index is not None else None
    if at is None:
        return None
    spec = rows[at]
    need = spec.get("with_flag", [])
    if not need or any(f == n or f.startswith(n + "=") for f in flags for n in need):
        return dict(spec)
    return None


def argument_reads(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """The credential files program `name` (no reader row of its own) is given."""
    words = argv[1:]
    positionals = [w.text for w in words if not w.text.startswith("-")]
    flags = [w.text for w in words if w.text.startswith("-")]
    if quiet(name, positionals, tuple(flags)):
        return []
    verb = f"{name} is given"
    out: list[Finding] = []
    for path in _named(words)[:MAX_WORDS]:
        if _may_be_file(path, scope):
            out.extend(_strong(_read(path, scope, verb)))
    for path in _fed(cmd)[:MAX_WORDS]:
        if _may_be_file(path, scope):
            out.extend(_strong(_read(path, scope, f"{name} is fed")))
    out.extend(_placeholders(words, scope, verb))
    tree = _tree(name, positionals, flags) if scope.read_files else None
    if tree is not None:
        out.extend(_folders(words, scope, f"{name} copies, sends or serves", tree.get("default")))
    return out


def _named(words: list[Word]) -> list[str]:
    """The words (and parts of words) that may name a file the program reads."""
    uses = _use_options()
    out: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            if w.text in uses or not w.text.startswith("-"):
                continue
        if not literal(w):
            continue
        t = w.text
        if "://" in t:
            continue
        if t.startswith("-"):
            key, eq, value = t.partition("=")
            if key in uses:
                skip = not eq
            elif eq:
                out.extend(_parts(value))
            continue
        if "=" in t and _ASSIGN.match(t):  # NAME=...: no match without the `=`
            out.extend(_parts(t.split("=", 1)[1]))
            continue
        out.extend(_parts(t))
        if " " in t:  # code or a statement (`psql -c "\\copy t from '.env'"`): the files its strings name
            out.extend(code_literals(t))
    return list(dict.fromkeys(p for p in out if p))


def _parts(text: str) -> list[str]:
    """`@FILE`, `FILE:...` and `...:FILE` name the file too (`curl -d @f`, `socat FILE:f`, `-v f:/x`)."""
    out = [text]
    if text.startswith("@"):
        out.append(text[1:])
    if ":" in text:
        out.extend(p for p in text.split(":") if p)
    return out


def _fed(cmd: SimpleCommand) -> list[str]:
    """Words of the text fed to the program (`sftp host <<< 'put .env'`, a heredoc of commands)."""
    body = cmd.stdin_text
    if not body:
        return []
    return list(dict.fromkeys(t for t in _TOKEN.findall(body[:16384]) if "$" not in t))


def _may_be_file(path: str, scope: Scope) -> bool:
    """A cheap test before the full read check: a path that is there (or a glob), or, without
    disk access, a word shaped like a path (`install` is a subcommand, not a file)."""
    if not _PATTERN_CHARS.isdisjoint(path):  # a glob or a brace expansion
        return True
    if not scope.read_files:
        return "/" in path or "." in path or path.startswith("~")
    return exists_here(path, scope)


def _read(path: str, scope: Scope, verb: str) -> list[Finding]:
    from blastwall.analyze.shell.reads import read_in_shell_dir

    return read_in_shell_dir(path, scope, verb)


def _strong(found: list[Finding]) -> list[Finding]:
    """What a name alone suggests (`.env`: environment secrets, allowed by default) is left to the
    reader table; this rule adds what the file holds and blastwall's own files."""
    return [f for f in found if f.severity > Severity.LOW]


def _placeholders(words: list[Word], scope: Scope, verb: str) -> list[Finding]:
    """`find ... -exec mytool {} +`: the files a placeholder named at run time may be."""
    if all(w.selects is None for w in words):
        return []
    from blastwall.analyze.shell.reads import selected_reads

    out: list[Finding] = []
    for w in words:
        if w.selects is not None:
            out.extend(_strong(selected_reads(w.selects, scope, verb)))
    return out


def _folders(words: list[Word], scope: Scope, verb: str, default: str | None = None) -> list[Finding]:
    from blastwall.analyze.shell.reads import folder_reads, is_folder

    named = [p for p in _named(words)[:MAX_WORDS] if is_folder(p, scope)]
    out: list[Finding] = []
    for path in named or ([default] if default else []):
        out.extend(folder_reads(path, scope, verb))
    return out


def fed_names(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """Programs that take the names of the files they copy or send from stdin (`find ops | cpio
    -o`, `zip -@`, `tar -T -`) or commands naming them (`sftp host <<< 'put .env'`): each name is
    a read (`[[stdin_names]]`). Names blastwall cannot know may be any file under the producer's
    folder (`find`, `ls`), or under the working folder."""
    if name not in stdin_name_programs():
        return []
    from blastwall.analyze.shell.reads import read_in_shell_dir, selected_reads

    words = [w.text for w in argv[1:]]
    for row in load_table("shell_reads").get("stdin_names", []):
        if name not in row["programs"]:
            continue
        if row.get("only_with") and not any(_flag(w, o) for w in words for o in row["only_with"]):
            continue
        if row.get("values") and not any(_value(words, v) for v in row["values"]):
            continue
        verb = f"{name} {row['verb']}"
        text = _stdin_text(cmd, scope)
        if text is not None:
            names = _TOKEN.findall(text[:16384]) if row.get("commands") else text.splitlines()
            return [f for n in names[:MAX_WORDS] if n.strip() and "$" not in n
                    for f in read_in_shell_dir(n.strip(), scope, verb)]
        if row.get("commands"):
            return []  # commands blastwall cannot read: judged for what they run elsewhere
        from blastwall.analyze.shell.handlers import producer_selects
        from blastwall.analyze.shell.ir import Selection

        sel = producer_selects(cmd.stdin_from) or Selection()
        return selected_reads(sel, scope, verb)
    return []


@functools.cache
def stdin_name_programs() -> frozenset[str]:
    return frozenset(p for row in load_table("shell_reads").get("stdin_names", []) for p in row["programs"])


def _flag(word: str, option: str) -> bool:
    if word == option or word.startswith(option + "="):
        return True
    return len(option) == 2 and word.startswith("-") and not word.startswith("--") and option[1] in word[1:]


def _value(words: list[str], spec: str) -> bool:
    key, _, value = spec.partition("=")
    return any(w == spec or (w == key and i + 1 < len(words) and words[i + 1] == value) for i, w in enumerate(words))


def _stdin_text(cmd: SimpleCommand, scope: Scope) -> str | None:
    if cmd.stdin_text is not None:
        return cmd.stdin_text
    if cmd.stdin_from is None:
        return None
    from blastwall.analyze.shell.stdin import stdout_of

    return stdout_of(cmd.stdin_from, scope)


def sourced_reads(name: str, argv: list[Word], scope: Scope) -> list[Finding]:
    """`source FILE`: its lines run as commands. A file made to be sourced (`.env`, `env.sh`)
    only sets variables, unless the shell prints what it runs (`set -x`, `bash -x`); any other
    file holding a credential (`source ops/notes.md`) shows its lines in the errors they cause."""
    if name not in ("source", ".") or len(argv) < 2 or not literal(argv[1]):
        return []
    path = argv[1].text
    base = path.rsplit("/", 1)[-1].lower()
    if globs.match_any(base, _any()["sourced_names"]) and not scope.traced:
        return []
    verb = f"{name} runs (and the shell prints) the lines of" if scope.traced else f"{name} runs the lines of"
    return _strong(_read(path, scope, verb))


_ASSIGNED = rx.compile(r"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=")
_EXPANDED = rx.compile(r"\$\{?!?([A-Za-z_][A-Za-z0-9_]*)")


def loaded_reads(name: str, argv: list[Word], scope: Scope) -> list[Finding]:
    """After `source .env` (or a wrapper's `--env-file .env`), a command whose words expand a
    variable the file sets (`curl -H "Bearer $RAILWAY_TOKEN" ...`, `echo ${!v}`), or read the
    environment (`awk 'BEGIN { print ENVIRON["X"] }'`), is handed what the file holds."""
    if not scope.sourced or name in ("source", "."):
        return []
    from blastwall.analyze.shell.codereads import reads_environment

    texts = [w.text for w in argv[1:]]
    used = {m.group(1) for t in texts for m in _EXPANDED.finditer(t)}
    indirect = any("${!" in t for t in texts)
    code = any(reads_environment(t) for t in texts)
    out: list[Finding] = []
    for path in dict.fromkeys(scope.sourced):
        if not (indirect or code or used & _sets(path, scope)):
            continue
        out.extend(_strong(_read(path, scope, f"{name} is handed the variables loaded from")))
    return out


def _sets(path: str, scope: Scope) -> set[str]:
    from blastwall.analyze.shell.readpaths import in_shell_dir as _in_shell_dir
    from blastwall.analyze.shell.stdin import read_file

    text = read_file(_in_shell_dir(path, scope), scope)
    return set(_ASSIGNED.findall(text[:1024 * 1024])) if text else set()

