"""Parse bash with tree-sitter into `SimpleCommand`s.

The walk keeps what one command line can set for later parts of the same line: variables
(`X=/; rm -rf $X`), aliases (`alias r='rm -rf'; r /`) and `for` loop variables. Command
substitutions are commands too: they run, so they are emitted like any other command.
Parse errors are not fatal: tree-sitter recovers, and the caller is told (`Parsed.errors`)
so it can refuse to allow what it could not fully read.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from blastwall.analyze.shell.ir import Redirect, SimpleCommand, Word
from blastwall.analyze.shell.words import ansi_c, split_unquoted, unescape_unquoted

MAX_LOOP_VALUES = 8


def _bash_language() -> Any:
    """The compiled bash grammar. Loaded straight from the extension module: the package's
    `__init__` imports importlib.resources for its queries, which a hook does not need."""
    import importlib.machinery
    import os
    import sys

    for entry in sys.path:
        folder = os.path.join(entry or ".", "tree_sitter_bash")
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.startswith("_binding") and name.endswith((".so", ".pyd")):
                loader = importlib.machinery.ExtensionFileLoader("tree_sitter_bash._binding", os.path.join(folder, name))
                spec = importlib.machinery.ModuleSpec("tree_sitter_bash._binding", loader, origin=loader.path)
                module = loader.create_module(spec)
                loader.exec_module(module)
                return module.language()
    from tree_sitter_bash import language  # pragma: no cover - unusual installs

    return language()


@functools.cache
def _parser() -> Any:
    from tree_sitter import Language, Parser

    return Parser(Language(_bash_language()))


class Parsed:
    """What one command line parsed into."""

    __slots__ = ("commands", "errors", "redirect_only")

    def __init__(self, commands: list[SimpleCommand], errors: list[str], redirect_only: list[Redirect]) -> None:
        self.commands = commands
        self.errors = errors
        self.redirect_only = redirect_only  # `> file` with no command


class _Walker:
    def __init__(self, src: bytes) -> None:
        self.src = src
        self.vars: dict[str, Word] = {}
        self.aliases: dict[str, str] = {}
        self.out: list[SimpleCommand] = []
        self.errors: list[str] = []
        self.redirect_only: list[Redirect] = []

    # ---- words -------------------------------------------------------------------------
    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def word(self, node: Any) -> Word:
        t = node.type
        raw = self.text(node)
        if t == "word" or t == "number" or t == "command_name":
            if t == "command_name" and node.named_child_count:
                return self.word(node.named_children[0])
            unesc = unescape_unquoted(raw)
            glob = any(c in unesc for c in "*?[") and "\\" not in raw
            if unesc.startswith("~"):
                return Word(unesc, raw=raw, glob=glob, dynamic=False)
            return Word(unesc, raw=raw, glob=glob)
        if t == "raw_string":
            return Word(raw[1:-1], raw=raw)
        if t == "ansi_c_string":
            return Word(ansi_c(raw[2:-1]), raw=raw)
        if t == "string" or t == "translated_string":
            words = [self.word(child) for child in node.named_children]
            if not words:
                inner = raw[1:-1] if t == "string" else raw[2:-1]
                return Word(inner, raw=raw)
            return Word("".join(w.text for w in words), dynamic=any(w.dynamic for w in words), raw=raw,
                        selects=words[0].selects if len(words) == 1 else None)  # "$(ls)" lists what $(ls) does
        if t == "string_content":
            return Word(re.sub(r'\\([$`"\\\n])', r"\1", raw), raw=raw)
        if t == "simple_expansion" or t == "expansion":
            return self.expansion(node, raw)
        if t == "command_substitution":
            self.walk(node)  # it runs
            producer = _producer(self, node)
            static = _static_output(producer)
            if static is not None:
                return Word(static, raw=raw)
            return Word(raw, dynamic=True, raw=raw, selects=_selects_of(producer))
        if t == "process_substitution":
            self.walk(node)
            return Word("/dev/fd/63", raw=raw)
        if t == "arithmetic_expansion":
            return Word(raw, dynamic=True, raw=raw)
        if t == "concatenation":
            parts = []
            dynamic = glob = False
            for child in node.children:
                w = self.word(child) if child.is_named else Word(self.text(child), raw=self.text(child))
                parts.append(w.text)
                dynamic = dynamic or w.dynamic
                glob = glob or w.glob
            return Word("".join(parts), dynamic=dynamic, raw=raw, glob=glob)
        if t == "brace_expression":
            return Word(raw, raw=raw, glob=True)
        if t == "$":  # a lone dollar
            return Word("$", raw=raw)
        # Anything else (test operators, regexes...) is taken literally but marked dynamic.
        return Word(raw, dynamic=True, raw=raw)

    def expansion(self, node: Any, raw: str) -> Word:
        names = [c for c in node.named_children if c.type in ("variable_name", "special_variable_name")]
        if not names:
            return Word(raw, dynamic=True, raw=raw)
        name = self.text(names[0])
        operators = [self.text(c) for c in node.children if not c.is_named and self.text(c) not in ("${", "}", "$")]
        known = self.vars.get(name)
        if known is not None and not operators:
            return Word(known.text, dynamic=known.dynamic, raw=raw, glob=known.glob)
        if known is not None and operators and operators[0] in (":-", "-") and known.text:
            return Word(known.text, dynamic=known.dynamic, raw=raw)
        if operators and operators[0] in (":-", "-", ":=", "="):
            # ${X:-default}: when X is unknown, the default is what a careful reader must assume
            defaults = [c for c in node.named_children if c is not names[0]]
            if defaults:
                d = self.word(defaults[0])
                return Word(f"${name}", dynamic=True, raw=raw, glob=d.glob)
        return Word(f"${name}", dynamic=True, raw=raw)

    # ---- statements --------------------------------------------------------------------
    def walk(self, node: Any, stdin_from: SimpleCommand | None = None) -> list[SimpleCommand]:
        """Walk a node; returns the commands it emitted whose stdout continues a pipeline."""
        t = node.type
        if t == "ERROR" or node.is_missing:
            self.errors.append(f"cannot parse near {self.text(node)[:60]!r}")
        if t == "command":
            cmd = self.command(node, stdin_from)
            return [cmd] if cmd else []
        if t == "variable_assignment":
            self.assign(node)
            return []
        if t == "declaration_command":  # export X=1, declare -x, local, readonly
            words: list[Word] = []
            assigns = False
            for child in node.named_children:
                if child.type == "variable_assignment":
                    self.assign(child)
                    assigns = True
                else:
                    words.append(self.word(child))  # `export $(cat .env | xargs)`: its substitutions run
            if assigns or not node.children:
                return []
            keyword = self.text(node.children[0])  # `export -p`, `declare -p TOKEN`: they print variables
            cmd = SimpleCommand(argv=[Word.lit(keyword), *words], stdin_from=stdin_from, source=self.text(node))
            self.out.append(cmd)
            return [cmd]
        if t == "pipeline":
            prev: list[SimpleCommand] = []
            for child in node.named_children:
                prev = self.walk(child, prev[-1] if prev else stdin_from)
            return prev
        if t == "redirected_statement":
            return self.redirected(node, stdin_from)
        if t == "for_statement":
            return self.for_loop(node)
        if t == "function_definition":
            for child in node.named_children:
                if child.type != "word":
                    self.walk(child)
            return []
        last: list[SimpleCommand] = []
        for child in node.named_children:
            last = self.walk(child, stdin_from)
        return last

    def assign(self, node: Any) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return
        name = self.text(name_node)
        if name == "IFS":
            self.errors.append("the command changes IFS, which changes how words split")
        self.vars[name] = self.word(value_node) if value_node is not None else Word("")

    def command(self, node: Any, stdin_from: SimpleCommand | None, redirects: list[Redirect] | None = None,
                ) -> SimpleCommand | None:
        assigns: dict[str, Word] = {}
        argv: list[Word] = []
        reds: list[Redirect] = list(redirects or [])
        for child in node.named_children:
            ct = child.type
            if ct == "variable_assignment":
                n = child.child_by_field_name("name")
                v = child.child_by_field_name("value")
                if n is not None:
                    assigns[self.text(n)] = self.word(v) if v is not None else Word("")
            elif ct in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                reds.append(self.redirect(child))
            elif ct == "comment":
                continue
            else:
                argv.append(self.word(child))
        if not argv:
            # `X=1` alone is an assignment for the rest of the line
            self.vars.update(assigns)
            return None
        argv = self.expand_alias(argv)
        if argv and argv[0].text == "alias":
            self.record_alias(argv[1:])
        argv = split_unquoted(argv)
        cmd = SimpleCommand(argv=argv, assigns=assigns, redirects=reds, stdin_from=stdin_from, source=self.text(node))
        self.out.append(cmd)
        return cmd

    def redirect(self, node: Any) -> Redirect:
        op = ""
        fd = ""
        target: Word | None = None
        body: str | None = None
        for child in node.children:
            ct = child.type
            if ct == "file_descriptor":
                fd = self.text(child)
            elif not child.is_named:
                op = op or self.text(child)
            elif ct == "heredoc_body":
                body = self.text(child)
            elif ct in ("heredoc_start", "heredoc_end"):
                continue
            elif ct == "pipeline" or ct == "command":
                continue  # handled by `redirected` (cat <<EOF | sh)
            elif target is None:
                target = self.word(child)
        if node.type == "herestring_redirect":
            op, body = "<<<", (target.text if target else "")
            target = None
        return Redirect(op=op, fd=fd, target=target, body=body)

    def redirected(self, node: Any, stdin_from: SimpleCommand | None) -> list[SimpleCommand]:
        body = node.child_by_field_name("body")
        redirect_nodes = [c for c in node.named_children if c.type.endswith("_redirect")]
        reds = [self.redirect(r) for r in redirect_nodes]
        emitted: list[SimpleCommand]
        if body is None:
            self.redirect_only.extend(reds)
            emitted = []
        elif body.type == "command":
            cmd = self.command(body, stdin_from, reds)
            emitted = [cmd] if cmd else []
            if cmd is None:
                self.redirect_only.extend(reds)
        else:
            emitted = self.walk(body, stdin_from)
            if emitted:
                emitted[-1].redirects.extend(reds)
            else:
                self.redirect_only.extend(reds)
        # `cat <<EOF | sh`: tree-sitter hangs the pipeline off the heredoc redirect
        for r in redirect_nodes:
            for child in r.named_children:
                if child.type in ("pipeline", "command"):
                    if child.type == "pipeline":
                        prev = emitted
                        for sub in child.named_children:
                            prev = self.walk(sub, prev[-1] if prev else None)
                        emitted = prev
                    else:
                        emitted = self.walk(child, emitted[-1] if emitted else None)
        return emitted

    def for_loop(self, node: Any) -> list[SimpleCommand]:
        var = node.child_by_field_name("variable")
        values = [self.word(v) for v in node.children_by_field_name("value")]
        body = node.child_by_field_name("body")
        if body is None:
            return []
        name = self.text(var) if var is not None else ""
        if not values:
            values = [Word(f"${name}", dynamic=True)]
        saved = self.vars.get(name)
        for value in values[:MAX_LOOP_VALUES]:
            for part in split_unquoted([value]):
                self.vars[name] = part
                self.walk(body)
        if saved is not None:
            self.vars[name] = saved
        return []

    # ---- aliases -----------------------------------------------------------------------
    def record_alias(self, args: list[Word]) -> None:
        for a in args:
            if "=" in a.text:
                name, _, value = a.text.partition("=")
                self.aliases[name] = value

    def expand_alias(self, argv: list[Word]) -> list[Word]:
        seen: set[str] = set()
        while argv and argv[0].text in self.aliases and argv[0].text not in seen:
            seen.add(argv[0].text)
            expansion = self.aliases[argv[0].text]
            parsed = parse(expansion)
            if parsed.commands:
                argv = parsed.commands[0].argv + argv[1:]
            else:
                break
        return argv


def _producer(walker: _Walker, node: Any) -> SimpleCommand | None:
    """The command whose output a command substitution is (the last of its pipeline)."""
    kids = [c for c in node.named_children if c.type != "comment"]
    if len(kids) != 1 or kids[0].type not in ("pipeline", "command"):
        return None
    inner = _Walker(walker.src)
    inner.vars = dict(walker.vars)
    last = inner.walk(kids[0])
    return last[-1] if last else None


def _static_output(producer: SimpleCommand | None) -> str | None:
    """What `$(echo rm)` or `$(echo cm0= | base64 -d)` prints, when it can be known statically
    (the same evaluation as a pipe into a shell: `stdin.stdout_of`)."""
    from blastwall.analyze.base import Scope
    from blastwall.analyze.shell.stdin import stdout_of

    text = stdout_of(producer, Scope(read_files=False)) if producer is not None else None
    return text.strip("\n") if text is not None else None


def _selects_of(producer: SimpleCommand | None) -> Any:
    """Which files `$(find docs -name '*.md')` may name, from the command whose output it is
    (handlers.producer_selects); None when that is not a program that lists files."""
    from blastwall.analyze.shell.handlers import producer_selects

    return producer_selects(producer)


_PLACEHOLDER = {2: "\u00e9".encode(), 3: "\u4e2d".encode(), 4: "\U0001f600".encode()}


def _parser_safe(src: bytes, text: str) -> bytes:
    """The bytes handed to tree-sitter: every non-ASCII character replaced by a placeholder of
    the same UTF-8 length. tree-sitter-bash's scanner crashes the process on some code points
    (e.g. `{` followed by U+DE17B), which would let a crafted command kill the guard. Bash
    treats all non-ASCII characters as word characters, and so do the placeholders; node
    offsets stay valid, so words are still read from the original bytes."""
    if src.isascii():
        return src
    out = bytearray()
    for ch in text.encode("utf-8", "replace").decode("utf-8"):
        n = ord(ch)
        if n < 0x80:
            out.append(n)
        else:
            out += _PLACEHOLDER[len(ch.encode("utf-8"))]
    return bytes(out)


def parse(text: str) -> Parsed:
    # Valid UTF-8 only (lone surrogates from JSON "\ud800" escapes become "?").
    src = text.encode("utf-8", "replace")
    tree = _parser().parse(_parser_safe(src, text))
    walker = _Walker(src)
    walker.walk(tree.root_node)
    if tree.root_node.has_error and not walker.errors:
        walker.errors.append("the command does not parse as bash")
    return Parsed(commands=walker.out, errors=walker.errors, redirect_only=walker.redirect_only)
