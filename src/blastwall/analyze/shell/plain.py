"""Command lines of plain words, read without tree-sitter.

    plain_words("psql -c 'DROP TABLE t'", NAME_BUILTINS) -> [Word("psql"), Word("-c"), Word("DROP TABLE t")]

Most command lines an agent runs are one simple command of plain words. Bash reads such a line
as that command with the words as written, and so does the parser's walk of tree-sitter's tree
(parse.py): this reads them directly, in a fraction of the time. A line is plain when its words
are separated by spaces and each is

- letters, digits and `_./:@%+,=-`, not starting with `=` (`==` is an operator to tree-sitter), or
- a whole word in single quotes (printable ASCII), which is what is inside them, or
- a whole word in double quotes (printable ASCII but `$`, a backtick and a backslash), likewise;

and its first word is letters, digits and `_./-`, not starting with `-`, and not a word of the
grammar (`if`, `export`, `unset`...) or one the walk reads for what it does to the rest of the
line (`alias`, `trap`, `set`, `time`, `coproc`); with a quoted word, not a builtin that reads its
words as names either (`unset 'a[$(cmd)]'` runs the subscript: the walk's last pass says so).
Anything else is None, and the walk reads it. tests/test_fast_indexes.py holds this against the
walk (hypothesis, quoted words of any printable text).

`plain_chain` reads a list of such commands joined by `&&` and `;` (`git add . && git commit -m
x; git push`): each command of an `&&` chain runs only after every earlier one of its chain
succeeded, which the walk records as `after`. A line with `||`, a pipe, `&` or an empty command
is left to the walk.
"""

from __future__ import annotations

import string

from blastwall import rx
from blastwall.analyze.shell.ir import Word

MAX_PLAIN = 4096
_FIRST = frozenset(string.ascii_letters + string.digits + "_./-")
_PLAIN_LINE = _FIRST | frozenset(":@%+,= ")
_WORDS = (r"[A-Za-z0-9_./:@%+,=-]+"  # a plain word
          r"|'[\x20-\x26\x28-\x7e]*'"  # in single quotes
          r'|"[\x20\x21\x23\x25-\x5b\x5d-\x5f\x61-\x7e]*"')  # in double quotes
_QUOTED_LINE = rx.compile(rf" *(?:(?:{_WORDS}) +)*(?:{_WORDS}) *")
_QUOTED_WORD = rx.compile(_WORDS)
# quoted words (skipped whole) and the operators between commands
_SEPARATORS = rx.compile(r"""'[^']*'|"[^"]*"|&&|;|[&|]""")
_CHAIN_LINE = _PLAIN_LINE | frozenset("&;")
NOT_FIRST = frozenset({
    "case", "declare", "do", "done", "elif", "else", "esac", "export", "fi", "for", "function", "if", "in", "local",
    "readonly", "select", "then", "typeset", "unset", "unsetenv", "until", "while", "alias", "trap", "set", "time",
    "coproc"})


def plain_words(text: str, name_builtins: frozenset[str]) -> list[Word] | None:
    """The words of a plain command line (see above), or None when `text` is not one.
    `name_builtins`: the builtins that read their words as names (parse.NAME_BUILTINS)."""
    if len(text) > MAX_PLAIN:
        return None
    if _PLAIN_LINE.issuperset(text):
        words = text.split()
        quoted = False  # no quote in the line
    elif ("'" in text or '"' in text) and _QUOTED_LINE.fullmatches(text):
        words = _QUOTED_WORD.findall(text)
        quoted = True
    else:
        return None
    if not words or words[0] in NOT_FIRST or words[0][0] == "-" or not _FIRST.issuperset(words[0]):
        return None
    if "=" in text and any(w[0] == "=" for w in words):
        return None
    if quoted and words[0] in name_builtins and any(w[0] in "'\"" for w in words):
        return None
    return [Word(w, False, w) if w[0] not in "'\"" else Word(w[1:-1], False, w) for w in words]  # text, dynamic, raw


def plain_chain(text: str, name_builtins: frozenset[str]) -> list[tuple[list[Word], str, tuple[int, ...]]] | None:
    """(words, source, the commands it runs after) of each command of a line of plain commands
    joined by `&&` and `;` (see above), or None when `text` is not one."""
    if len(text) > MAX_PLAIN or ("&&" not in text and ";" not in text):
        return None
    if "'" in text or '"' in text:
        split = _split_quoted(text)
    elif _CHAIN_LINE.issuperset(text):
        split = _split_unquoted(text)
    else:
        return None
    if split is None:
        return None
    parts, ops = split
    out: list[tuple[list[Word], str, tuple[int, ...]]] = []
    chain: list[int] = []  # the commands of the current `&&` chain
    for i, part in enumerate(parts):
        words = plain_words(part, name_builtins) if part.strip() else None
        if words is None:
            return None
        out.append((words, part.strip(), tuple(chain)))
        chain = [*chain, i] if i < len(ops) and ops[i] == "&&" else []
    return out


def _split_unquoted(text: str) -> tuple[list[str], list[str]] | None:
    """The commands of a line without quotes and the operators between them, or None when it
    holds another operator (a lone `&`)."""
    parts: list[str] = []
    ops: list[str] = []
    for i, group in enumerate(text.split(";")):
        pieces = group.split("&&")
        if any("&" in p for p in pieces):
            return None
        if i:
            ops.append(";")
        ops += ["&&"] * (len(pieces) - 1)
        parts += pieces
    return parts, ops


def _split_quoted(text: str) -> tuple[list[str], list[str]] | None:
    """As `_split_unquoted`, for a line with quotes: operators inside a quoted word are its text."""
    parts: list[str] = []
    ops: list[str] = []
    last = 0
    for m in _SEPARATORS.finditer(text):
        op = m.group(0)
        if op[0] in "'\"":
            continue
        if op not in ("&&", ";"):
            return None
        parts.append(text[last:m.start()])
        ops.append(op)
        last = m.end()
    parts.append(text[last:])
    return parts, ops
