"""Git facts for one check: each read-only git question asked once, however many measurers ask.

The measurers of one action ask git the same things: the repository a folder is in (once per
target and once for the working folder), `git status` of the same paths, a ref's commit. A
`GitFacts` is made by `measure_all` for one action (the engine's radius stage of one check),
travels in `MeasureContext.git`, and remembers every answer for that check only: nothing is
kept between checks (the repository may change between two tool calls), and no module holds
one.

Every command is read-only (`GIT_OPTIONAL_LOCKS=0`: not even the index is refreshed), runs in
the C locale with the settings that could hide an edit set back (`TRUSTED_CONFIG`), and is
killed at the check's deadline (`OutOfTime`).
"""

from __future__ import annotations

import os
import time

# Settings of the repository that would make git status miss an edit, set back for every question:
# a file monitor that reports nothing changed (it also runs a program), and stat checks weakened
# so that an edit of the same size with its old mtime put back looks unchanged.
TRUSTED_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.checkStat=default", "-c", "core.trustctime=true",
                  "-c", "core.ignoreStat=false")


class OutOfTime(Exception):
    """The deadline passed; `files` says how far counting got."""

    def __init__(self, files: int) -> None:
        super().__init__(files)
        self.files = files


class GitFacts:
    """Answers of read-only git commands for one check, each command run at most once."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # time.monotonic() value every command must finish by
        self._answers: dict[tuple[str, tuple[str, ...]], tuple[int, str, str]] = {}
        self.asked: list[tuple[str, tuple[str, ...]]] = []  # (folder, arguments) of each git process started

    def git(self, repo: str, *args: str, check: bool = True) -> str:
        """`git -C repo args...`'s output (asked once per check); raises OutOfTime at the deadline,
        RuntimeError with git's message when it fails and `check` is set."""
        key = (repo, args)
        if key not in self._answers:
            self._answers[key] = self._run(repo, args)
        code, out, err = self._answers[key]
        if check and code != 0:
            raise RuntimeError(err.strip()[:200])
        return out

    def _run(self, repo: str, args: tuple[str, ...]) -> tuple[int, str, str]:
        import subprocess  # only a check that asks git pays for the module

        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OutOfTime(0)
        self.asked.append((repo, args))
        try:
            proc = subprocess.run(["git", *TRUSTED_CONFIG, "-C", repo, *args], capture_output=True, text=True, timeout=left,
                                  env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise OutOfTime(0) from None
        return proc.returncode, proc.stdout, proc.stderr

    def top_level(self, folder: str) -> str | None:
        """The work tree `folder` (or its closest existing parent) is in, links resolved; None
        outside any repository."""
        while folder and not os.path.isdir(folder):
            folder = os.path.dirname(folder)
        if not folder:
            return None
        out = self.git(folder, "rev-parse", "--show-toplevel", check=False).strip()
        return os.path.realpath(out) if out else None

    def commit(self, repo: str, rev: str) -> str | None:
        """The commit `rev` names in `repo`, or None."""
        out = self.git(repo, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False).strip()
        return out or None
