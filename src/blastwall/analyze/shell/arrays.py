"""Arrays assigned on the line and expanded whole: `c=(git log --oneline -5); "${c[@]}"`.

An array of literal words, assigned as a whole (`NAME=(w1 w2 ...)`, not `+=`), expands as those
words by `"${NAME[@]}"` (one word each), and by `${NAME[@]}` / `${NAME[*]}` unquoted when no
element holds a blank or a pattern character (then splitting and globbing change nothing). Any
later write to NAME (an element, `+=`, `read -a`, `unset`, a branch or subshell the walker makes
unsure) replaces the variable's value, so the binding is only used while the variable still holds
the very value the assignment gave it. Everything else stays a dynamic word, as before.

    Arrays.bind(value, elements)      -> remember the elements of the value just assigned
    Arrays.expand(text, vars)         -> the words `text` gives, or None
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.shell.ir import Word

_WHOLE = rx.compile(r'^(")?\$\{([A-Za-z_][A-Za-z0-9_]*)\[([@*])\]\}(")?$')
_PATTERN = frozenset("*?[")


class Arrays:
    """The literal arrays of one line, keyed by the value object each assignment stored."""

    def __init__(self) -> None:
        self._by_value: dict[int, tuple[Word, tuple[Word, ...]]] = {}

    def __bool__(self) -> bool:
        return bool(self._by_value)

    def bind(self, value: Word, elements: list[Word]) -> None:
        if elements and not any(e.dynamic for e in elements):
            self._by_value[id(value)] = (value, tuple(Word.lit(e.text) for e in elements))

    def expand(self, text: str, vars: dict[str, Word]) -> list[Word] | None:
        m = _WHOLE.match(text)
        if m is None or bool(m.group(1)) != bool(m.group(4)):
            return None
        value = vars.get(m.group(2))
        entry = self._by_value.get(id(value)) if value is not None else None
        if entry is None or entry[0] is not value:
            return None
        elements = list(entry[1])
        if m.group(1) and m.group(3) == "@":
            return elements
        if m.group(1):  # "${c[*]}": one word, the elements joined by a blank
            return [Word.lit(" ".join(e.text for e in elements))]
        if any(c.isspace() or c in _PATTERN for e in elements for c in e.text):
            return None
        return elements
