"""`run-parts DIR`: every program in DIR runs (debianutils run-parts(8)).

    mkdir d && printf 'rm -rf ~/x' > d/a && run-parts d   ->  d/a is read as written: asked
    run-parts /etc/cron.daily                             ->  each file there is read as a script
    run-parts nothere                                     ->  nothing to read: asked
    run-parts --test DIR, run-parts --list DIR            ->  print the names only: nothing runs

The programs are the files the line writes into DIR earlier and the files on disk there, every name
(run-parts skips some, by a rule its options change: all are read); each is judged as running it by
its path (handlers.run_script). A folder that cannot be listed asks.
"""

from __future__ import annotations

import os
import posixpath

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell.handlers import register, run_script
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

_PRINTS_ONLY = frozenset({"--test", "--list", "-V", "--version", "-h", "--help"})
_VALUES = frozenset({"-u", "--umask", "-a", "--arg", "--regex"})
MAX_PARTS = 64


def handle_run_parts(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    folders: list[Word] = []
    i = 1
    while i < len(argv):
        w = argv[i]
        if w.text in _PRINTS_ONLY:
            return []
        if w.text in _VALUES:
            i += 2
            continue
        if not w.text.startswith("-") or w.text == "-":
            folders.append(w)
        i += 1
    if not folders:
        return []
    folder = folders[0]
    if folder.dynamic or "$" in folder.text:
        return [unknown("shell.exec:dynamic-command", f"{name} runs every program in {folder.text}, a folder "
                        "blastwall cannot resolve", cmd.source)]
    parts, why = _parts(folder.text, scope)
    if parts is None:
        return [unknown("shell.exec:unread-script", f"{name} runs every program in {folder.text}, which blastwall "
                        f"cannot list ({why}); a human must check what is there", cmd.source)]
    if len(parts) > MAX_PARTS:
        return [unknown("shell.exec:unread-script", f"{name} runs {len(parts)} programs in {folder.text}, more than "
                        "blastwall reads; a human must check them", cmd.source)]
    return [f for path in parts for f in run_script(name, Word.lit(path), cmd, scope, None)
            if not _compiled(path, scope)]


def _parts(folder: str, scope: Scope) -> tuple[list[str] | None, str]:
    """The paths of the programs in `folder` (None when the folder cannot be listed) and why not."""
    from blastwall.analyze.shell.scripts import written_paths

    names: set[str] = set()
    here = folder if not scope.shell_dir or folder.startswith(("/", "~", "$")) else posixpath.join(scope.shell_dir,
                                                                                                  folder)
    key = posixpath.normpath(here)
    for written in written_paths(scope):
        if posixpath.dirname(written) == key:
            names.add(posixpath.basename(written))
    listed = _listing(folder, scope)
    if listed is None and not names:
        return None, "it does not exist (yet)" if scope.read_files else "blastwall does not read files for this check"
    names |= set(listed or [])
    return [posixpath.join(folder, n) for n in sorted(names)], ""


def _listing(folder: str, scope: Scope) -> list[str] | None:
    if not scope.read_files:
        return None
    full = os.path.join(scope.cwd or os.getcwd(), os.path.expanduser(folder))
    try:
        return [n for n in os.listdir(full) if os.path.isfile(os.path.join(full, n))]
    except OSError:
        return None


def _compiled(path: str, scope: Scope) -> bool:
    from blastwall.analyze.shell.scripts import script_text

    text = script_text(path, scope).text
    return text is not None and "\x00" in text[:4096]


register(["run-parts"], handle_run_parts)
