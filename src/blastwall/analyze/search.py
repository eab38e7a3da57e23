"""Would a search print a file's credential? `grep`, `rg`, `git grep` and Claude's Grep print the
lines their pattern matches and the context lines around them, nothing else.

    s = Search(patterns=("DROP TABLE",), dialect="ere")
    s.reaches("/srv/app/notes.md", found)   # False when no line within reach of a credential matches

Not sure means "reaches": an inverted search (`-v`), patterns read from a file (`-f`), a pattern
that does not compile here, a credential that spans lines (a private key: every line of the
file is part of it), a file that changed or cannot be read since it was checked. Patterns are
compiled under RE2 (blastwall.rx): grep's basic syntax is converted to extended first, `-F`
patterns are matched as text; `-w`/`-x` are ignored (they only ever match less).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from blastwall import rx

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.secrets.index import Found

MAX_BYTES = 16 * 1024 * 1024


class Search(NamedTuple):
    patterns: tuple[str, ...] = ()
    dialect: str = "ere"  # "bre" (grep), "ere" (grep -E, rg, git grep -E), "fixed" (-F)
    ignore_case: bool = False
    context: int = 0  # the widest of -A, -B, -C
    everything: bool = False  # not sure what it prints: every line counts

    def reaches(self, path: str, found: Found) -> bool:
        """True unless no line the search prints can be one of the file's credential lines."""
        if self.everything or found.multi_line or not found.lines or not self.patterns:
            return True
        matcher = self._matcher()
        if matcher is None:
            return True
        lines = _lines(path)
        if lines is None:
            return True
        checked: set[int] = set()
        for n in found.lines:  # 1-based credential lines
            if n > len(lines):
                return True  # the file is shorter than when it was checked: not the same file
            for i in range(max(1, n - self.context), min(len(lines), n + self.context) + 1):
                if i not in checked:
                    checked.add(i)
                    if matcher(lines[i - 1]):
                        return True
        return False

    def _matcher(self):  # type: ignore[no-untyped-def]
        if self.dialect == "fixed":
            wanted = [p.casefold() if self.ignore_case else p for p in self.patterns]
            if self.ignore_case:
                return lambda line: any(w in line.casefold() for w in wanted)
            return lambda line: any(w in line for w in wanted)
        compiled = []
        for p in self.patterns:
            source = bre_to_ere(p) if self.dialect == "bre" else p
            try:
                compiled.append(rx.compile(source, rx.I if self.ignore_case else 0))
            except Exception:  # noqa: BLE001 - a pattern blastwall cannot read matches everything
                return None
        return lambda line: any(c.search(line) is not None for c in compiled)


def _lines(path: str) -> list[str] | None:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES:
        return None
    return data.decode("utf-8", "replace").split("\n")


def bre_to_ere(pattern: str) -> str:
    """grep's basic regular expression in extended syntax: `\\(`, `\\)`, `\\{`, `\\}`, `\\|`,
    `\\+`, `\\?` are the operators and their bare forms are characters; a backslash inside a
    bracket expression is a character."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "[" and j + 1 < n and pattern[j + 1] in ":.=":
                    end = pattern.find(pattern[j + 1] + "]", j + 2)
                    j = end + 2 if end >= 0 else j + 1
                else:
                    j += 1
            out.append("[" + pattern[i + 1:j].replace("\\", "\\\\") + "]")
            i = j + 1
        elif c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            out.append(nxt if nxt in "(){}|+?" else "\\" + nxt)
            i += 2
        elif c in "(){}|+?":
            out.append("\\" + c)
            i += 1
        elif c == "*" and (not out or out[-1] in ("(", "|", "^")):
            out.append("\\*")  # a leading * is a character in BRE
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)
