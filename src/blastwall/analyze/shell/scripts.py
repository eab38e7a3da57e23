"""The text of a script a command runs: written earlier on the same command line, or read from
disk, or known to be unreadable (then the command is asked about, never judged by its name).

    printf 'rm -rf ~/x' > f.sh && bash f.sh    ->  f.sh holds `rm -rf ~/x`: analyzed as shell
    curl -o f.sh URL && bash f.sh              ->  f.sh was written with what blastwall cannot know: ask
    bash missing.sh                            ->  the file does not exist: ask

Files written earlier on the line are replayed from `Scope.earlier` (the commands before this
one): redirections of programs whose output is known statically (`stdin.stdout_of`), `tee`,
copies and moves. Any other earlier command that names the file may have changed it.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.analyze.shell.stdin import MAX_FILE, read_file, stdin_of, stdout_of
from blastwall.model import Finding

_WRITE_OPS = (">", ">|", "&>", ">>", "&>>")
_APPEND_OPS = (">>", "&>>")
# Programs that only read or inspect the files they name (they never change a script's text).
_READERS = frozenset({"cat", "chmod", "chown", "chgrp", "ls", "head", "tail", "grep", "wc", "file", "stat", "test",
                      "[", "[[", "echo", "printf", "less", "more", "shellcheck", "bash", "sh", "source", ".", "diff",
                      "md5sum", "sha256sum", "sha1sum", "du", "realpath", "readlink", "basename", "dirname", "touch",
                      "git", "python", "python3", "node", "ruby", "perl", "php", "go", "deno", "bun"})
_COPIERS = frozenset({"cp", "install", "ln", "mv", "rsync"})
# Readers above that rewrite the files they name with -i (inplace.py reads their options).
_IN_PLACE_READERS = frozenset({"perl", "ruby"})


class ScriptText(NamedTuple):
    text: str | None
    why: str = ""  # when text is None: what keeps blastwall from reading it


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shell_scripts")


def _key(path: str, shell_dir: str | None) -> str:
    if shell_dir and not path.startswith(("/", "~", "$")):
        path = posixpath.join(shell_dir, path)
    return posixpath.normpath(path)


def _disk(path: str, scope: Scope) -> ScriptText:
    if not scope.read_files:
        return ScriptText(None, "blastwall does not read files for this check")
    if "$" in path:
        return ScriptText(None, "its path depends on a variable")
    text = read_file(path, scope)
    if text is not None:
        return ScriptText(text)
    full = os.path.join(scope.cwd or os.getcwd(), os.path.expanduser(path))
    try:
        if not os.path.exists(full):
            return ScriptText(None, "it does not exist (yet)")
        if os.path.getsize(full) > MAX_FILE:
            return ScriptText(None, "it is too large to read")
    except (OSError, ValueError):
        pass
    return ScriptText(None, "it cannot be read")


def _real_argv(cmd: SimpleCommand) -> list[Word]:
    from blastwall.analyze.shell.wrappers import peel

    argv = list(cmd.argv)
    for _ in range(8):
        peeled = peel(argv) if argv else None
        if peeled is None or peeled.argv is None:
            break
        argv = list(peeled.argv)
    return argv


def _writes(cmd: SimpleCommand, scope: Scope) -> list[tuple[str, str | None, bool]]:
    """(path, text or None when unknown, appended) for each file `cmd` writes."""
    out: list[tuple[str, str | None, bool]] = []
    argv = _real_argv(cmd)
    real = cmd.with_argv(argv)
    for r in cmd.redirects:
        if r.op in _WRITE_OPS and r.target is not None and not r.target.text.isdigit():
            stdout = r.fd in ("", "1") or r.op.startswith("&")
            text = stdout_of(real, scope) if stdout and argv else None
            out.append((r.target.text, text, r.op in _APPEND_OPS))
    if not argv:
        return out
    name = program_name(argv[0].text)
    args = [w for w in argv[1:]]
    files = [w.text for w in args if not w.text.startswith("-")]
    if name == "tee":
        text = stdin_of(real, scope)
        append = any(w.text in ("-a", "--append") for w in args)
        out.extend((f, text, append) for f in files)
    elif name in _COPIERS and len(files) >= 2:
        for src in files[:-1]:
            dst = files[-1]
            if dst.endswith("/") or len(files) > 2:
                dst = posixpath.join(dst, posixpath.basename(src.rstrip("/")))
            out.append((dst, script_text(src, scope).text, False))
    elif name in _IN_PLACE_READERS and any(w.text[:1] == "-" and "i" in w.text for w in args):
        from blastwall.analyze.shell.inplace import read_edit

        edit = read_edit(name, argv)  # `perl -pi -e CODE Makefile`: it rewrites the files it names
        out.extend((w.text, None, False) for w in edit.files if edit.in_place)
    elif name not in _READERS:
        # a program blastwall does not model may write any file it names (curl -o, sed -i, unzip)
        out.extend((w.text, None, False) for w in args if w.text and not w.text.startswith("-"))
        out.extend((w.text.split("=", 1)[1], None, False) for w in args if w.text.startswith("-") and "=" in w.text)
        out.extend((w.text[2:], None, False) for w in args if w.text.startswith("-o") and len(w.text) > 2)
    return out


def _replayed(scope: Scope) -> dict[str, str | None]:
    """What the earlier commands of the line left in the files they wrote."""
    state: dict[str, str | None] = {}
    for cmd, shell_dir in scope.earlier:
        if not isinstance(cmd, SimpleCommand):
            continue
        here = scope._replace(shell_dir=shell_dir, earlier=())
        for path, text, append in _writes(cmd, here):
            key = _key(path, shell_dir)
            if append:
                before = state[key] if key in state else _before_append(path, here)
                text = None if before is None or text is None else before + text
            state[key] = text
    return state


def _before_append(path: str, scope: Scope) -> str | None:
    found = _disk(path, scope)
    return found.text if found.text is not None else "" if found.why.startswith("it does not exist") else None


def script_text(path: str, scope: Scope) -> ScriptText:
    """The text of the script at `path` as it is when the command runs."""
    if scope.earlier:
        state = _replayed(scope)
        key = _key(path, scope.shell_dir)
        if key in state:
            text = state[key]
            return ScriptText(text) if text is not None else ScriptText(
                None, "an earlier command on this line writes it with content blastwall cannot know")
    if scope.shell_dir and not path.startswith(("/", "~", "$")):
        path = posixpath.join(scope.shell_dir, path)
    if scope.earlier and scope.read_files:
        from blastwall.analyze.shell.tree_changes import as_run

        changed = as_run(path, scope)  # `git checkout other && sh ok.sh`: ok.sh as the branch holds it
        if changed is not None:
            return ScriptText(changed.text, changed.why)
    return _disk(path, scope)


def known_setup(path: str) -> bool:
    """Environment set-up files (`.venv/bin/activate`, `~/.bashrc`, `nvm.sh`) that a line sources
    without them being part of the action: not read, and not asked about when absent."""
    return any(globs.match(path, g) for g in _table()["scripts"].get("setup", []))


def pieces_written(path: str, scope: Scope) -> list[str | None] | None:
    """The texts the earlier commands of the line write or append to `path`, in order (None for one
    blastwall cannot know); None when no earlier command writes it. What the file held before an
    append is not among them."""
    if not scope.earlier:
        return None
    key = _key(path, scope.shell_dir)
    pieces: list[str | None] | None = None
    for cmd, shell_dir in scope.earlier:
        if not isinstance(cmd, SimpleCommand):
            continue
        here = scope._replace(shell_dir=shell_dir, earlier=())
        for written, text, append in _writes(cmd, here):
            if _key(written, shell_dir) == key:
                pieces = [*(pieces or []), text] if append else [text]
    return pieces


def written_paths(scope: Scope) -> list[str]:
    """The paths the earlier commands of the line write (normalized as `script_text` keys them)."""
    return list(_replayed(scope)) if scope.earlier else []


def written_here(path: str, scope: Scope) -> bool:
    return bool(scope.earlier) and _key(path, scope.shell_dir) in _replayed(scope)


def unreadable_reason_prefix(path: str) -> str:
    """How the reason of `unreadable` begins for a program run by its path (built_here.py)."""
    return f"runs the script {path}, "


def unreadable(program: str, path: str, why: str, source: str) -> Finding:
    runs = unreadable_reason_prefix(path)[:-2] if program == path else f"{program} runs {path}"
    return unknown("shell.exec:unread-script", f"{runs}, which blastwall cannot read ({why}); a human must read it "
                   "first", source)


def safe_task(name: str) -> bool:
    """A task or script name that builds, tests, checks or serves (`build`, `test`, `lint`), or
    that ends in a word that reads or checks (`migrate:status`, `routes:list`)."""
    return any(globs.match(name.lower(), g) for g in _table()["scripts"].get("safe", [])) or _reads(name)


def _reads(name: str) -> bool:
    from blastwall.analyze.verbs import read_words, tokens

    parts = tokens(name)
    if len(parts) < 2 or read_words([name]) is not None:
        return False
    last = parts[-1].lower()
    return last in _read_words()


@functools.cache
def _read_words() -> frozenset[str]:
    safe = load_table("verbs")["safe"]["safe_words"]
    return frozenset(safe) - frozenset(_table()["scripts"].get("read_word_exceptions", []))


SHEBANG_LANGUAGES = {"sh": "shell", "bash": "shell", "zsh": "shell", "dash": "shell", "ksh": "shell",
                     "python": "python", "python3": "python", "node": "node", "nodejs": "node", "deno": "node",
                     "bun": "node", "tsx": "node", "ts-node": "node", "ruby": "ruby", "perl": "perl", "php": "php"}


def shebang_language(text: str) -> str | None:
    """The language a script's `#!` line names (`#!/usr/bin/env python3` -> python); shell when it
    has none (the kernel refuses it, and the calling shell runs it as a shell script)."""
    if not text.startswith("#!"):
        return "shell"
    words = text[2:].split("\n", 1)[0].split()
    if not words:
        return "shell"
    prog = program_name(words[0])
    if prog == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        prog = program_name(rest[0]) if rest else ""
    return SHEBANG_LANGUAGES.get(prog)
