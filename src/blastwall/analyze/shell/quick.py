"""Quick reject: let plainly inert shell text skip the parser.

Invariant (tested): `is_inert(text)` is True only when the full analysis would find nothing
to ask about, and nothing a policy could refuse: no read of a secret either. It accepts a
command only when it is made of plain words (no quoting, no substitution, no redirection, no
chaining), its program is on a short list of read-only programs, no word names a program any
rule table knows, and no file it reads is secret-bearing (by name, or on the secret scanner's
list). Dumping the environment and recursive searches always go to the full analysis.
"""

from __future__ import annotations

import functools
import string
from typing import Any

# Plain words only: no quoting, substitution, redirection, chaining or glob character.
_PLAIN = frozenset(string.ascii_letters + string.digits + "_./:@%+,= -")
# No program here is one a reader of the full analysis is keyed by for what it runs or writes
# (`rules/carriers.toml`: less's log file, man's pager; an output option's `[[fsop]]` row: tree -o;
# a `[[rule]]` row: history -w), or that reader would never see its lines; the secret readers
# (`[[read]]` rows) are asked below. tests/test_redteam_fast_paths.py holds it.
READ_ONLY = frozenset({
    "ls", "pwd", "whoami", "date", "uptime", "df", "du", "free", "id", "hostname", "uname", "which", "type",
    "wc", "head", "tail", "cat", "grep", "rg", "ag", "stat", "file", "env", "printenv",
    "jobs", "ps", "top", "htop", "lsof", "echo", "true", "false", "sleep", "git",
})
_GIT_READ = frozenset({"status", "log", "diff", "show", "branch", "remote", "fetch", "blame", "describe",
                       "rev-parse", "ls-files", "shortlog", "tag", "config", "reflog", "stash"})
# Programs of READ_ONLY that show the content of the files they are given. git's readers of
# history (`log`, `diff`, `show`, `blame`) always go to the full analysis, which asks git what
# they print (a committed credential is in history whatever the work tree says).
_READERS = frozenset({"head", "tail", "cat", "grep"})
_GIT_READERS = frozenset({"log", "diff", "show", "blame"})
_ALWAYS_ANALYZED = frozenset({"env", "printenv", "rg", "ag"})  # the environment; searches of whole trees


def is_inert(text: object, scope: Any = None) -> bool:
    if not isinstance(text, str) or len(text) > 400 or not _PLAIN.issuperset(text):
        return False
    words = text.split()
    if not words or words[0] not in READ_ONLY or words[0] in _ALWAYS_ANALYZED:
        return False
    if words[0] == "git":
        rest = [w for w in words[1:] if not w.startswith("-")]
        if not rest or rest[0] not in _GIT_READ or len(words) > 2 and words[1].startswith("-"):
            return False
        if rest[0] in ("branch", "tag", "remote", "config", "reflog", "stash") and len(words) > 2:
            return False
        if any(w.startswith(("--output", "-o")) for w in words[2:]):  # writes a file
            return False
        return rest[0] not in _GIT_READERS  # history may hold a committed credential: the full analysis asks git
    if words[0] == "grep" and any(w.startswith("-") and not w.startswith("--") and set(w[1:]) & set("rR")
                                  or w.startswith("--recursive") or w.startswith("--dereference-recursive")
                                  or w.startswith("--directories") or w.startswith("-d") for w in words[1:]):
        return False
    if words[0] in _READERS and _may_read_secret([w for w in words[1:] if not w.startswith("-")], scope):
        return False
    options = [w for w in words[1:] if w.startswith("-")]
    if not options:
        return True
    if _reads_lines(words):
        return False  # `file -f LIST`, `date -f FILE`: options that print a file's lines back
    # an option's file (`wc --files0-from .env`, `--files0-from=.env`, `-X.env`: the names it reads from it
    # are printed, in errors): with options, any word may be an option's value
    return not _may_read_secret([w for w in words[1:] if w[0] != "-"] + [_value(w) for w in options], scope)


def _value(option: str) -> str:
    """What an option word may carry as a value: after its `=`, or glued to a short option (`-X.env`)."""
    if "=" in option:
        return option.split("=", 1)[1]
    return option[2:] if option[1:2] != "-" else ""


def _reads_lines(words: list[str]) -> bool:
    """A program quiet by default given an option that makes it print a file's lines (argreads.py)."""
    argreads = _argreads()
    if words[0] not in argreads.unquiet_programs():
        return False
    return not argreads.quiet(words[0], [w for w in words[1:] if not w.startswith("-")],
                     tuple(w for w in words[1:] if w.startswith("-")))


def _may_read_secret(args: list[str], scope: Any) -> bool:
    """True when one of `args` (or the path of a `REV:path`) is a secret-bearing file."""
    if not args:
        return False
    if scope is None:
        from blastwall.analyze.base import Scope

        scope = Scope()
    analyze_read = _files().analyze_read
    for arg in args:
        candidates = [arg, arg.split(":", 1)[1]] if ":" in arg else [arg]
        if any(c and analyze_read(c, scope) for c in candidates):
            return True
    return False


@functools.cache
def _argreads() -> Any:
    """analyze/shell/argreads.py, imported on the first line that needs it and kept (this module
    is imported for every shell line and stays light)."""
    from blastwall.analyze.shell import argreads

    return argreads


@functools.cache
def _files() -> Any:
    """analyze/files.py, imported on the first reader's line and kept."""
    from blastwall.analyze import files

    return files
