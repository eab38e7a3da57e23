"""A program named by a pattern: `/bin/r? -rf ~/x`, `/usr/bin/[r]m`, `r*`, `/usr/bin/{rm,true}`.

Bash expands the word before it looks the program up, so what runs is whatever the pattern
names on this machine. Each name it expands to is judged as the program (the worst one counts;
bash runs the first and gives it the others as arguments, which is no safer). A pattern that
names nothing blastwall can see (a folder it may not read, no match, too many matches) is
asked about: the machine that runs it may hold other files.

    names_of(Word("/bin/r?", glob=True), scope)  ->  ["/bin/rm"]
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.base import Scope

MAX_NAMES = 32  # programs a pattern may name and still be judged one by one

_PATTERN = frozenset("*?[")


def names_of(word_text: str, scope: Scope) -> list[str] | None:
    """The program names `word_text` expands to (braces, then globs against the folder the command
    runs in), or None when blastwall cannot tell: a pattern that matches nothing here, files
    it may not read, or more than MAX_NAMES names."""
    from blastwall.analyze.shell.readpaths import TOO_MANY, expand, in_shell_dir

    bare = "/" not in word_text  # `r?`: matched in the folder the command runs in, then looked up on PATH
    here = scope.shell_dir or scope.cwd
    out: list[str] = []
    for made in _braces_only(word_text):
        if _PATTERN.isdisjoint(made):
            found = [made]
        elif not scope.read_files or (not made.startswith(("/", "~")) and (not here or here.startswith("$"))):
            return None  # nothing may be looked at, or nobody said which folder it runs in
        else:
            found = expand(in_shell_dir(made, scope), scope)
        for w in found:
            if w.startswith(TOO_MANY) or not _PATTERN.isdisjoint(w):
                return None  # no match here: the machine that runs it may hold one
            w = w.rsplit("/", 1)[-1] if bare else w
            if w not in out:
                out.append(w)
    return out if 0 < len(out) <= MAX_NAMES else None


def _braces_only(text: str) -> list[str]:
    """Brace expansion (`{rm,true}` -> rm, true), without the word as written."""
    if "{" not in text or "}" not in text:
        return [text]
    from blastwall.snapshots.where import braces

    return [w for w in braces(text)[1:] if len(braces(w)) == 1] or [text]


def is_pattern(text: str) -> bool:
    """Whether bash would expand `text` as a pattern (`[` alone, the test command, is no pattern)."""
    if _WILD_CHARS.isdisjoint(text):  # every shape below holds one of them (most program names hold none)
        return False
    return _WILD.search(text) is not None


_WILD = rx.compile(r"[*?]|\[[^\]]+\]|\{[^{}]*(,|\.\.)[^{}]*\}")
_WILD_CHARS = frozenset("*?[{")
