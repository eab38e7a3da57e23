"""Programs the line built before running them: judged by their name, like an installed tool.

    make clean && make -j2 && ./bin/server --version      ->  ./bin/server is what make built
    go build -o bin/api ./cmd/api && ./bin/api -check     ->  built by go build
    gcc -o hello hello.c && ./hello                        ->  the -o output of the compiler

A program run by path that is not there yet (or not read for this check) is asked about
(scripts.py). When a build command (rules/shell_scripts.toml [built]) surely succeeded before it,
in an earlier part of the same `&&` chain (SimpleCommand.after) and in the same folder, and the
program is under a build-output folder or is the `-o` output of that build, the program is the
build's output: a compiled program, judged by its name as on PATH. A file that is there and
readable is still read (a script in bin/ is analyzed). Any other command before it that names the
file (`curl -o bin/x`, `cp x bin/x`, `> bin/x`) keeps it asked; so do a path with a variable, `..`,
`~` or an absolute path, a compiler told to write text (`cc -E -o bin/x`), and an interpreter given
the file (`bash bin/x`: a script, not a program).
"""

from __future__ import annotations

import functools
import posixpath
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.made_here import folder, place  # the same && chain and folder reading
from blastwall.analyze.shell.names import program_name
from blastwall.model import Finding

_UNREAD = "shell.exec:unread-script"


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("shell_scripts").get("built", {}))


def _script_named(path: str) -> bool:
    """A file whose extension names an interpreter's language (`.sh`, `.py`, ...): a script."""
    base = posixpath.basename(path)
    return "." in base and base.rsplit(".", 1)[1].lower() in _table().get("script_extensions", ())


def drop_built_here(found: list[Finding], cmd: SimpleCommand, commands: list[SimpleCommand],
                    earlier: tuple[Any, ...], shell_dir: str | None) -> list[Finding]:
    """`found` (cmd's findings) without the unread-program finding of a program an earlier part of
    its `&&` chain built. `commands`: the line's commands (Parsed.commands); `earlier`: (command,
    folder) of the commands analyzed before cmd (Scope.earlier); `shell_dir`: cmd's folder."""
    if not cmd.after or not any(f.rule_id == _UNREAD for f in found):
        return found
    argv = _real_argv(cmd)
    if not argv or argv[0].dynamic or "/" not in argv[0].text:
        return found
    path = argv[0].text
    rel = _relative(path)
    if rel is None or _script_named(path):
        return found  # `make && bin/cleanup.sh`: a script kept in bin/, not a program the build made
    mine = place(cmd, commands)
    if mine is None:
        return found
    folders = {id(c): d for c, d in earlier}
    here = folder(shell_dir)
    built = False
    for j in cmd.after:
        maker = commands[j] if 0 <= j < mine else None
        if maker is None or id(maker) not in folders or folder(folders[id(maker)]) != here:
            continue
        outputs = _build_outputs(maker)
        if outputs is not None and (_in_output_folder(rel) or rel in outputs):
            built = True
            break
    if not built or _named_before(rel, commands[:mine], cmd.after):
        return found
    from blastwall.analyze.shell.scripts import unreadable_reason_prefix

    prefix = unreadable_reason_prefix(path)
    return [f for f in found if not (f.rule_id == _UNREAD and f.reason.startswith(prefix))]


def _real_argv(cmd: SimpleCommand) -> list[Word]:
    from blastwall.analyze.shell.scripts import _real_argv as real

    return real(cmd)


def _relative(path: str) -> str | None:
    """The path relative to the command's folder, normalized; None when it leaves that folder or is
    not plain text (absolute, home, a variable, a glob)."""
    if path.startswith(("/", "~", "$")) or any(c in path for c in "*?[]{}`\\"):
        return None
    norm = posixpath.normpath(path)
    if norm.startswith("..") or norm in (".", ""):
        return None
    return norm


def _in_output_folder(rel: str) -> bool:
    first = rel.split("/", 1)[0]
    return "/" in rel and any(globs.match(first, g) for g in _table().get("output_folders", []))


def _build_outputs(cmd: SimpleCommand) -> set[str] | None:
    """The `-o` outputs of `cmd` when it is a build command (an empty set when it names none),
    None when it is no build command or writes text instead of a program."""
    argv = _real_argv(cmd)
    if not argv or any(w.dynamic for w in argv[:2]):
        return None
    name = program_name(argv[0].text)
    words = [w.text for w in argv[1:]]
    first = next((w for w in words if not w.startswith(("-", "+"))), None)
    for spec in _table().get("builders", []):
        if spec[0] != name:
            continue
        rest = spec[1:]
        if rest and not (rest[0] in words if rest[0].startswith("-") else first == rest[0]):
            continue
        if any(w in _table().get("text_output_options", []) for w in words):
            return None
        return _outputs(argv[1:])
    return None


def _outputs(args: list[Word]) -> set[str]:
    out: set[str] = set()
    for i, w in enumerate(args):
        t = w.text
        value = args[i + 1].text if t == "-o" and i + 1 < len(args) else t[2:] if t.startswith("-o") and \
            len(t) > 2 and not t.startswith("-o=") else t[3:] if t.startswith("-o=") else None
        if value is not None and not (t == "-o" and args[i + 1].dynamic):
            rel = _relative(value)
            if rel is not None:
                out.add(rel)
    return out


def _named_before(rel: str, before: list[SimpleCommand], chain: tuple[int, ...]) -> bool:
    """Whether a command before the program, other than a build of its chain, names the file (it
    may have written it): a word or a redirection target that is the same path."""
    for j, c in enumerate(before):
        if j in chain and _build_outputs(c) is not None:
            continue
        targets = [w for w in c.argv] + [r.target for r in c.redirects if r.target is not None]
        for w in targets:
            for part in (w.text, w.text.split("=", 1)[-1]):
                if _relative(part) == rel or (w.dynamic and posixpath.basename(rel) in part):
                    return True
    return False
