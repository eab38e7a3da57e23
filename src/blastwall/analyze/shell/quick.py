"""Quick reject: let plainly inert shell text skip the parser.

Invariant (tested): `is_inert(text)` is True only when the full analysis would find nothing
to ask about. It accepts a command only when it is made of plain words (no quoting, no
substitution, no redirection, no chaining), its program is on a short list of read-only
programs, and no word names a program any rule table knows.
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r"^[A-Za-z0-9_./:@%+,= -]*$")
READ_ONLY = frozenset({
    "ls", "pwd", "whoami", "date", "uptime", "df", "du", "free", "id", "hostname", "uname", "which", "type",
    "wc", "head", "tail", "cat", "less", "more", "grep", "rg", "ag", "stat", "file", "tree", "env", "printenv",
    "history", "jobs", "ps", "top", "htop", "lsof", "echo", "true", "false", "sleep", "man", "tldr", "git",
})
_GIT_READ = frozenset({"status", "log", "diff", "show", "branch", "remote", "fetch", "blame", "describe",
                       "rev-parse", "ls-files", "shortlog", "tag", "config", "reflog", "stash"})


def is_inert(text: object) -> bool:
    if not isinstance(text, str) or len(text) > 400 or not _PLAIN.match(text):
        return False
    words = text.split()
    if not words or words[0] not in READ_ONLY:
        return False
    if words[0] == "git":
        rest = [w for w in words[1:] if not w.startswith("-")]
        if not rest or rest[0] not in _GIT_READ or len(words) > 2 and words[1].startswith("-"):
            return False
        if rest[0] in ("branch", "tag", "remote", "config", "reflog", "stash") and len(words) > 2:
            return False
        return True
    if words[0] == "env" and len(words) > 1:
        return False
    return True
