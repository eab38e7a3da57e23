"""Where a command-line HTTP client's body comes from, read the way the shell hands it over:
inline text, a file (`-d @body.json`, `--post-file=f`, `-T f`), stdin (`@-` fed by `< f`, a
heredoc or a pipe from echo/printf/cat), or a command substitution (`-d "$(cat f)"`).

Files are read relative to the action's working directory (and a `cd` earlier on the line), as
an earlier command on the same line left them (`echo ... > body.json && curl -d @body.json`),
up to the size scripts are read to. When the text cannot be known, `Text.why` says why.
"""

from __future__ import annotations

from typing import NamedTuple

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.names import program_name

STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_ONLY_EXPANSION = rx.compile(r"^\s*(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(.*\)|`.*`)\s*$", rx.S)
_SUBSTITUTION = rx.compile(r"^(?:\$\((?P<a>.*)\)|`(?P<b>.*)`|<\((?P<c>.*)\))$", rx.S)


class Text(NamedTuple):
    text: str | None
    why: str = ""  # when text is None: what keeps blastwall from reading it


class Request:
    """An HTTP request rebuilt from a command line. `unread` says why parts of its body could not
    be read (empty when the body is known); `unread_options` names files that may change its
    method (a header file), which blastwall could not read."""

    __slots__ = ("method", "url", "headers", "body", "unread", "unread_options", "commands")

    def __init__(self, method: str = "", url: str = "") -> None:
        self.method = method
        self.url = url
        self.headers: dict[str, str] = {}
        self.body: object = None
        self.unread: list[str] = []
        self.unread_options: list[str] = []  # files that may set the method or URL, which blastwall cannot read
        self.commands: list[Text] = []  # FTP/SFTP commands the client sends before or after (curl `-Q`)


def joined_words(words: list[Word]) -> list[Word]:
    """Words with process substitutions put back where the client reads them: `-d @<(cmd)` is
    one word to bash (`@` then `/dev/fd/63`), `-K <(cmd)` names the output of cmd."""
    out: list[Word] = []
    for w in words:
        if w.raw.startswith("<(") and w.text.startswith("/dev/fd/"):
            if out and out[-1].text.endswith(("@", "<")):
                prev = out.pop()
                out.append(Word(prev.text + w.raw, dynamic=True, raw=prev.raw + w.raw))
            else:
                out.append(Word(w.raw, dynamic=True, raw=w.raw))
            continue
        out.append(w)
    return out


def from_file(path: str, cmd: SimpleCommand, scope: Scope) -> Text:
    """The content of a file the client sends, or of its stdin for `-`, `/dev/stdin`."""
    if path in STDIN_NAMES:
        return from_stdin(cmd, scope)
    if not path:
        return Text(None, "no file is named")
    sub = _SUBSTITUTION.match(path)
    if sub is not None:  # `@<(jq -n ...)`: the output of a command
        return _output(next(g for g in sub.groups() if g is not None), cmd, scope, path)
    from blastwall.analyze.shell.scripts import script_text

    found = script_text(path, scope)
    return Text(found.text) if found.text is not None else Text(None, f"{path}: {found.why}")


def from_stdin(cmd: SimpleCommand, scope: Scope) -> Text:
    """What the command reads on stdin: a heredoc, a redirected file, or what a pipe feeds it."""
    if cmd.stdin_text is not None:
        if _ONLY_EXPANSION.match(cmd.stdin_text):  # `<<< "$BODY"`: a value only known at run time
            return Text(None, f"stdin is {cmd.stdin_text.strip()[:40]}, only known when the command runs")
        return Text(cmd.stdin_text)
    if cmd.stdin_file is not None:
        return from_file(cmd.stdin_file.text, cmd._replace(redirects=[]), scope)
    producer = cmd.stdin_from
    if producer is None or not producer.argv:
        return Text(None, "it reads stdin, which nothing on the command line provides")
    name = program_name(producer.argv[0].text)
    files = [w.text for w in producer.argv[1:] if not w.text.startswith("-")]
    if name == "cat" and len(files) == 1 and not producer.argv[1].dynamic:
        return from_file(files[0], producer, scope)
    from blastwall.analyze.shell.stdin import stdout_of

    text = stdout_of(producer, scope)
    if text is None:
        return Text(None, f"stdin comes from {name}, whose output blastwall cannot know")
    return Text(text)


def from_word(word: Word, cmd: SimpleCommand, scope: Scope) -> Text:
    """A word's value: its text, or for a word that is one command substitution, the output of
    that command when it can be known (`$(cat f)`, `$(< f)`, `$(printf ...)`)."""
    if not word.dynamic:
        return Text(word.text)
    sub = _SUBSTITUTION.match(word.text)
    if sub is None:
        return Text(None, f"{word.text[:60]} is only known when the command runs")
    return _output(next(g for g in sub.groups() if g is not None), cmd, scope, word.text)


def _output(inner: str, cmd: SimpleCommand, scope: Scope, shown: str) -> Text:
    inner = inner.strip()
    if inner.startswith("<") and not inner.startswith("<<"):
        return from_file(inner[1:].strip().strip("\"'"), cmd, scope)
    from blastwall.analyze.shell.parse import parse

    parsed = parse(inner)
    if parsed.errors or len(parsed.commands) != 1 or not parsed.commands[0].argv:
        return Text(None, f"{shown[:60]} is only known when the command runs")
    producer = parsed.commands[0]
    name = program_name(producer.argv[0].text)
    files = [w for w in producer.argv[1:] if not w.text.startswith("-")]
    if name == "cat" and len(files) == 1 and not files[0].dynamic and producer.stdin_from is None:
        return from_file(files[0].text, producer, scope)
    from blastwall.analyze.shell.stdin import stdout_of

    text = stdout_of(producer, scope)
    return Text(text.rstrip("\n")) if text is not None else Text(
        None, f"it is the output of {name}, which blastwall cannot know")
