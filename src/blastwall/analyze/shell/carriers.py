"""Programs that run commands or write files given to them as text (`rules/carriers.toml`, facts
from the GTFOBins catalog): `at`, `crontab`, `tmux`, `screen`, `vim -c`, `ed`, `gdb -ex`,
`tclsh`/`expect`, `less +!`, `man -P`, sed scripts. The text is found where the table says it
arrives, decoded in its language (`languages.py`), and what it does is analyzed like any command:
the shell commands it runs go back to the shell analyzer, the files it writes are rated by their
path. Text blastwall cannot read is asked about.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.paths import PathClass, classify_in
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell import languages
from blastwall.analyze.shell.handlers import _shell_text, register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.stdin import has_stdin, stdin_of
from blastwall.model import Effect, Finding, Severity


@functools.cache
def _rows() -> dict[str, list[dict[str, Any]]]:
    idx: dict[str, list[dict[str, Any]]] = {}
    for row in load_table("carriers")["carrier"]:
        for n in row["names"]:
            idx.setdefault(n, []).append(row)
    return idx


def carrier_names() -> list[str]:
    return list(_rows())


class _Args:
    """A command's options (with their values) and the words from its first positional on."""

    def __init__(self, words: list[Word], value_options: set[str], permute: bool = False) -> None:
        self.options: list[tuple[str, Word | None]] = []
        self.rest: list[Word] = []
        i = 0
        while i < len(words):
            t = words[i].text
            if t == "--":
                self.rest.extend(words[i + 1:])
                return
            if t.startswith("-") and len(t) > 1:
                if "=" in t and t.startswith("--"):
                    k, _, v = t.partition("=")
                    self.options.append((k, Word(v, dynamic=words[i].dynamic, raw=v)))
                elif t in value_options and i + 1 < len(words):
                    self.options.append((t, words[i + 1]))
                    i += 1
                elif len(t) > 2 and not t.startswith("--") and t not in value_options:
                    i += self._cluster(t, words[i + 1] if i + 1 < len(words) else None, value_options)
                else:
                    self.options.append((t, None))
                i += 1
                continue
            if permute:
                self.rest.append(words[i])
                i += 1
                continue
            self.rest = words[i:]
            return

    def _cluster(self, t: str, following: Word | None, value_options: set[str]) -> int:
        """A bundle of short options read as getopt does (`-sc CMD`, `-fFILE`): letters are flags
        until one takes a value, which is the rest of the word or the next word. Returns how many
        extra words it took."""
        for j, letter in enumerate(t[1:], 1):
            opt = "-" + letter
            if opt in value_options:
                glued = t[j + 1:]
                if glued:
                    self.options.append((opt, Word(glued, raw=glued)))
                    return 0
                self.options.append((opt, following))
                return 1 if following is not None else 0
            self.options.append((opt, None))
        self.options.append((t, None))
        return 0

    def values(self, names: list[str]) -> list[Word]:
        return [v for k, v in self.options if k in names and v is not None]

    def has(self, names: list[str]) -> bool:
        return any(k in names or (len(k) > 2 and not k.startswith("--") and any(
            len(n) == 2 and n[1] in k[1:] for n in names if not n.startswith("--"))) for k, _ in self.options)


def _segments(argv: list[Word], chain: bool) -> list[list[Word]]:
    if not chain:
        return [argv]
    out: list[list[Word]] = [[]]
    for w in argv:
        if w.text in (";", "\\;") or w.raw in ("\\;", "';'", '";"'):
            out.append([])
        else:
            out[-1].append(w)
    return [s for s in out if s]


def handle_carrier(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    found: list[Finding] = []
    for row in _rows().get(name, []):
        for segment in _segments(argv[1:], bool(row.get("chain"))):
            found.extend(_row_findings(name, row, segment, cmd, scope))
    if not found:
        return None
    from blastwall.analyze.shell.fsops import analyze_fs
    from blastwall.analyze.shell.programs import match

    return found + match(name, argv, source=cmd.source) + analyze_fs(name, argv, scope, cmd.source)


def _row_findings(name: str, row: dict[str, Any], words: list[Word], cmd: SimpleCommand,
                  scope: Scope) -> list[Finding]:
    value_options = set(row.get("value_options", []))
    permute = bool(row.get("permute"))
    args = _Args(words, value_options, permute)
    if row.get("unless_flag") and args.has(row["unless_flag"]):
        return []
    rest = args.rest
    if row.get("subcommand"):
        alternatives = row["subcommand"][0].split("|")
        if not rest or rest[0].text not in alternatives:
            return []
        args = _Args(rest[1:], value_options, permute)
        rest = args.rest
    out: list[Finding] = []
    edited = [w.text for w in rest if not w.text.startswith(("-", "+"))]
    for spec in row["code"]:
        out.extend(_spec_findings(name, spec, args, words, edited, cmd, scope))
    return out


def _spec_findings(name: str, spec: dict[str, Any], args: _Args, words: list[Word], edited: list[str],
                   cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    source = spec["from"]
    language = spec.get("language", "shell")
    options = spec.get("options", [])
    if source == "option":
        if language == "screen-command":
            return _screen_command(name, words, options, cmd, scope)
        return [f for v in args.values(options) for f in _text(name, language, v, edited, cmd, scope)]
    if source == "prefix":
        return [f for w in [*words] if w.text[:1] in options and len(w.text) > 1
                for f in _text(name, language, Word(w.text[1:], dynamic=w.dynamic, raw=w.raw), edited, cmd, scope)]
    if source == "file":
        return [f for v in args.values(options) for f in _file(name, language, v, edited, cmd, scope)]
    if source == "write":
        return [_write(name, v.text, scope, cmd.source) for v in args.values(options)]
    if source == "after":
        texts = [w.text for w in words]
        for opt in options:
            if opt in texts:
                return _argv(name, words[texts.index(opt) + 1:], cmd, scope)
        return []
    if source == "code_or_file":  # `rails runner CODE` or `rails runner script.rb`
        if not args.rest:
            return []
        first = args.rest[0]
        if first.text == "-" and not first.dynamic:  # `rails runner -`: the code is the command's input
            text = stdin_of(cmd, scope) if has_stdin(cmd) else None
            if text is None:
                return [unknown("shell.exec:carrier-input", f"{name} runs {language} code from input blastwall "
                                "cannot read; a human must read it", cmd.source)]
            return _text(name, language, Word(text), edited, cmd, scope)
        if _names_file(first.text, tuple(spec.get("file_suffixes", ())), scope):
            return _file(name, language, first, edited, cmd, scope)
        return _text(name, language, first, edited, cmd, scope)
    if source == "script":
        if spec.get("unless_options") and args.has(spec["unless_options"]):
            return []
        if not args.rest:
            return []
        first = args.rest[0]
        if language == "sed":
            return _text(name, language, first, edited, cmd, scope)
        return _file(name, language, first, edited, cmd, scope)
    if source == "args":
        if language == "argv":
            return _argv(name, args.rest, cmd, scope)
        if spec.get("file_arg"):
            files = [w for w in args.rest[:1] if w.text != "-"]
            return [f for w in files for f in _file(name, language, w, edited, cmd, scope)] + \
                (_replaced(name, spec, words, cmd, scope) if files else [])
        if language == "tmux-keys":
            keys = [w.text for w in args.rest]
            literal = args.has(["-l"])
            hexa = args.has(["-H"])
            if any(w.dynamic for w in args.rest):
                return [unknown("shell.exec:carrier-dynamic", f"{name} types text blastwall cannot resolve into "
                                "another terminal", cmd.source)]
            return _effects(name, languages.tmux_keys(keys, literal, hexa), cmd, scope)
        if not args.rest:
            return []
        joined = Word(" ".join(w.text for w in args.rest), dynamic=any(w.dynamic for w in args.rest))
        return _text(name, language, joined, edited, cmd, scope)
    if source == "stdin":
        if spec.get("when_arg") and not any(w.text == spec["when_arg"] for w in words):
            if words:
                return []
        when = spec.get("when")
        if when and not args.has(when) and name not in spec.get("names_always", []):
            return []
        if not has_stdin(cmd):
            return []
        text = stdin_of(cmd, scope)
        replaced = _replaced(name, spec, words, cmd, scope)
        if text is None:
            return replaced + [unknown("shell.exec:carrier-input", f"{name} runs {language} commands from input "
                                       "blastwall cannot read; a human must read it", cmd.source)]
        emptied = _emptied(spec, text, cmd)
        return (emptied or replaced) + _text(name, language, Word(text), edited, cmd, scope)
    return []


def _replaced(name: str, spec: dict[str, Any], words: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """Input that becomes the program's whole table deletes every entry it does not keep (crontabs.py)."""
    if not spec.get("replaces"):
        return []
    from blastwall.analyze.shell.crontabs import replaced

    return replaced(name, load_table("carriers")["replaces"][spec["replaces"]], words, cmd, scope)


def _emptied(spec: dict[str, Any], text: str, cmd: SimpleCommand) -> list[Finding]:
    """A carrier whose input replaces a whole table (`crontab -` installs stdin as the user's
    crontab): input with no entry in it (`echo -n | crontab -`, only comments) empties the table."""
    row = spec.get("empty")
    if not row or any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        return []
    return [Finding(rule_id=row["id"], effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                    reason=row["reason"], target=cmd.source[:120], safer=row.get("safer", ""), source=cmd.source[:200])]


def _text(name: str, language: str, word: Word, edited: list[str], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    if word.dynamic and "$" in word.text and language in ("shell", "crontab"):
        only_var = word.text.startswith("$") and " " not in word.text
        if only_var:
            return [unknown("shell.exec:carrier-dynamic", f"{name} runs {word.text}, which blastwall cannot resolve",
                            cmd.source)]
    if word.dynamic and word.text.lstrip().startswith("$") and language not in ("shell", "crontab"):
        # the whole script is a variable's or a command's output: it may write files or run commands
        # (sed `w FILE`, `e CMD`), which only its text would show
        return [unknown("shell.exec:carrier-dynamic", f"{name} runs a {language} script blastwall cannot resolve "
                        f"({word.text[:60]}); it may write files or run commands", cmd.source)]
    decode = languages.DECODERS.get(language)
    if decode is None:
        return [unknown("shell.exec:carrier-code", f"{name} runs {language} code blastwall cannot read", cmd.source)]
    if language in ("vim", "ed"):
        effects = decode(word.text, edited)
    else:
        effects = decode(word.text)
    return _effects(name, effects, cmd, scope)


# Characters no script path an agent passes holds, and code often does: `require "x/y"; p 1`.
_CODE_CHARS = frozenset(" \t\n;\"'(){}|&=<>")


def _names_file(text: str, suffixes: tuple[str, ...], scope: Scope) -> bool:
    """Whether `rails runner ARG` loads ARG as a file: Rails loads it when a file of that name
    exists and evaluates it as code otherwise. A file of that name in the known folder, a name
    ending in a script suffix, or a word with a `/` and nothing that only code holds is a file."""
    if text.endswith(suffixes) or ("/" in text and not _CODE_CHARS.intersection(text)):
        return True
    if not scope.cwd or not scope.read_files or "\n" in text or len(text) > 4096:
        return False
    import os

    from blastwall.analyze.shell.readpaths import in_shell_dir

    path = os.path.expanduser(in_shell_dir(text, scope))
    try:
        return os.path.lexists(path if os.path.isabs(path) else os.path.join(scope.cwd, path))
    except (OSError, ValueError):
        return True  # cannot tell: read it as a file, which asks when unreadable


def _file(name: str, language: str, word: Word, edited: list[str], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell.scripts import script_text, unreadable

    found = script_text(word.text, scope)
    if found.text is None:
        return [unreadable(name, word.text, found.why, cmd.source)]
    return _text(name, language, Word(found.text), edited, cmd, scope)


def _argv(name: str, words: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    if not words:
        return []
    from blastwall.analyze.shell.resolve import analyze_simple

    return analyze_simple(cmd.with_argv(words), scope.deeper(name), with_redirects=False)


def _screen_command(name: str, words: list[Word], options: list[str], cmd: SimpleCommand,
                    scope: Scope) -> list[Finding]:
    """`screen -X stuff TEXT` types TEXT; `screen -X exec CMD`/`screen -X screen CMD` run CMD."""
    texts = [w.text for w in words]
    at = next((i for i, t in enumerate(texts) if t in options), None)
    if at is None or at + 1 >= len(words):
        return []
    command, rest = words[at + 1], words[at + 2:]
    if command.text == "stuff":
        if any(w.dynamic for w in rest):
            return [unknown("shell.exec:carrier-dynamic", f"{name} types text blastwall cannot resolve into another "
                            "terminal", cmd.source)]
        return _effects(name, languages.screen_stuff(" ".join(w.text for w in rest)), cmd, scope)
    if command.text in ("exec", "screen"):
        rest = [w for w in rest if not w.text.startswith(("!", "|", "."))] if command.text == "exec" else rest
        return _argv(name, [w for w in rest if not w.text.startswith("-")][:1] + rest[1:] if rest else [], cmd, scope)
    if command.text in ("eval", "source", "bind", "bindkey", "register", "paste", "readbuf", "writebuf", "logfile"):
        return [unknown("shell.exec:carrier-code", f"screen -X {command.text} runs screen commands blastwall does not "
                        "read", cmd.source)]
    return []


def effect_findings(name: str, effects: languages.Effects, cmd_source: str, scope: Scope, *,
                    stamped: bool = False) -> list[Finding]:
    """Findings for what a text in a program's command language does. `stamped`: the text came
    from shell words whose only substitutions are `$(date ...)` stamps, so a file it names with
    such a stamp is new (`sqlite3 app.db ".backup 'app-$(date +%s).db'"`)."""
    out: list[Finding] = []
    for text in effects.shell:
        if text.strip():
            out.extend(_shell_text(text, scope, f"{name} runs a command"))
    for path in effects.writes:
        out.append(_write(name, path, scope, cmd_source, stamped=stamped))
    for reason in effects.unknown:
        out.append(unknown("shell.exec:carrier-code", f"{reason}; a human must read it", cmd_source))
    if effects.code:
        from blastwall.analyze.code import analyze_code

        for language, code in effects.code:
            out.extend(analyze_code(language, code, scope.deeper(f"{name} {language} code")))
    for sql in effects.sql:
        from blastwall.analyze.sql import analyze_sql

        out.extend(analyze_sql(sql, scope.deeper(name)))
    return out


def _effects(name: str, effects: languages.Effects, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    return effect_findings(name, effects, cmd.source, scope)


def _write(name: str, path: str, scope: Scope, source: str, *, stamped: bool = False) -> Finding | Any:
    from blastwall.analyze.files import guard_findings
    from blastwall.analyze.shell.scratch import stamped_text

    literal = path and "$" not in path and not path.startswith("(")
    new = stamped and stamped_text(path)
    pc = PathClass("new_file", path) if new else classify_in(path if literal else "$DYNAMIC", scope)
    sev = pc.severity("overwrite")
    guarded = guard_findings(path, scope) if literal else []
    if guarded:
        return guarded[0]
    return Finding(rule_id="shell.exec:writes-file", effect=Effect.OVERWRITE, severity=sev,
                   reason=f"{name} writes {path} ({pc.label})", target=path, reversible=sev <= Severity.LOW,
                   safer="write to a new file, or use a command blastwall can read", source=source[:200])


register(carrier_names(), handle_carrier)
