"""Startup files a new shell runs before its `-c` code, when an earlier command on the same line
wrote them (`printf 'alias ls="rm -rf"' >> ~/.zshrc && zsh -ic 'ls ~/work'`): their text is read
first, so an alias or function they define applies to the code (`ls ~/work` runs `rm -rf ~/work`).
Only the text the line writes or appends is read (what the file held before was judged when it was
written).

    startup_prefix("zsh", ["-ic", "ls ~/work"], scope) -> 'alias ls="rm -rf"\\n'
"""

from __future__ import annotations

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import Word

# shell -> (files every run reads, files an interactive shell reads, files a login shell reads)
# (zsh(1) STARTUP/SHUTDOWN FILES; bash(1) INVOCATION; ksh(1), mksh(1)).
STARTUP_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "zsh": (("~/.zshenv",), ("~/.zshrc",), ("~/.zprofile", "~/.zlogin")),
    "bash": ((), ("~/.bashrc", "~/.bash_aliases"), ("~/.bash_profile", "~/.bash_login", "~/.profile")),
    "sh": ((), (), ("~/.profile",)),
    "dash": ((), (), ("~/.profile",)),
    "ksh": ((), ("~/.kshrc",), ("~/.profile",)),
    "mksh": ((), ("~/.mkshrc",), ("~/.profile",)),
}
_LONG = {"--login": "l", "--interactive": "i"}


def startup_prefix(name: str, words: list[Word], scope: Scope) -> str:
    """The text of the startup files `name WORDS` reads that an earlier command of the line wrote."""
    files = STARTUP_FILES.get(name)
    if files is None or not scope.earlier:
        return ""
    flags = ""
    for w in words:
        t = w.text
        if t in _LONG:
            flags += _LONG[t]
        elif t.startswith("-") and not t.startswith("--"):
            flags += t[1:]
        elif not t.startswith("-"):
            break
    if name == "bash" and "l" not in flags and "i" not in flags:
        return ""  # bash -c reads no startup file (BASH_ENV aside)
    wanted = [*files[0], *(files[1] if "i" in flags else ()), *(files[2] if "l" in flags else ())]
    from blastwall.analyze.shell.scripts import pieces_written

    texts = [t for path in wanted for t in pieces_written(path, scope) or () if t]  # an unknown piece asked when written
    return "".join(t if t.endswith("\n") else t + "\n" for t in texts)
