"""The shell intermediate form: what runs, with which words, redirections and stdin.

The parser (`parse.py`) turns bash source into `SimpleCommand`s; the resolver
(`resolve.py`) strips wrappers and hands each real program to the rule tables.
"""

from __future__ import annotations

from typing import NamedTuple

from blastwall.analyze.paths import PathClass


class Selection(NamedTuple):
    """The files a placeholder named at run time may be: any file under one of `roots` whose
    name matches one of `names` (any name when empty). Over-approximates: find's other tests
    are not evaluated."""

    roots: tuple[str, ...] = (".",)
    names: tuple[str, ...] = ()


class Word(NamedTuple):
    """One shell word after quote removal and same-line variable substitution.

    `dynamic` means part of it comes from something blastwall could not resolve (an unknown
    variable, a command substitution, stdin); unresolved variables stay in `text` as `$NAME`.
    `path_class` overrides path classification for placeholders such as find's `{}`;
    `selects` says which files such a placeholder may stand for (`Selection`).
    """

    text: str
    dynamic: bool = False
    raw: str = ""
    glob: bool = False
    path_class: PathClass | None = None
    selects: Selection | None = None

    @classmethod
    def lit(cls, text: str) -> Word:
        return cls(text=text, raw=text)


class Redirect(NamedTuple):
    op: str  # '>', '>>', '<', '>|', '&>', '&>>', '<<', '<<<', '>&', '<&'
    fd: str = ""
    target: Word | None = None
    body: str | None = None  # heredoc or herestring text
    # the body holds expansions the shell makes when the command runs (`<<< "$CODE"`, an unquoted
    # heredoc with `$VAR`/`$(...)`): its text is not what the program reads
    expands: bool = False


class SimpleCommand(NamedTuple):
    """A program invocation. `stdin_from` is the command piped into it, if any."""

    argv: list[Word]
    assigns: dict[str, Word] = {}  # noqa: RUF012 - never mutated
    redirects: list[Redirect] = []  # noqa: RUF012 - always passed explicitly
    stdin_from: SimpleCommand | None = None
    source: str = ""
    ctx: tuple[int, ...] = ()  # the copies of the shell it runs in: `(...)`, pipeline parts, `$(...)`, `&`
    # The commands of the line (their places in Parsed.commands) that surely succeeded before this
    # one runs: the earlier parts of an `&&` chain it is in (made_here.py)
    after: tuple[int, ...] = ()
    # Variables exported earlier on the line (`export VERSION=0; rails db:migrate`, `set -a`): the
    # command's environment, as its own leading NAME=value words are (varflow.py)
    env: dict[str, Word] = {}  # noqa: RUF012 - never mutated

    def with_argv(self, argv: list[Word]) -> SimpleCommand:
        return self._replace(argv=argv)

    @property
    def stdin_text(self) -> str | None:
        """Heredoc/herestring text fed to this command, if any."""
        for r in self.redirects:
            if r.op in ("<<", "<<-", "<<<") and r.body is not None:
                return r.body
        return None

    @property
    def stdin_expands(self) -> bool:
        """Whether the heredoc/herestring text fed to this command changes when the shell expands it."""
        for r in self.redirects:
            if r.op in ("<<", "<<-", "<<<") and r.body is not None:
                return r.expands
        return False

    @property
    def stdin_file(self) -> Word | None:
        for r in self.redirects:
            if r.op == "<" and r.target is not None:
                return r.target
        return None
