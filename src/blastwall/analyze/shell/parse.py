"""Parse bash with tree-sitter into `SimpleCommand`s.

The walk keeps what one command line can set for later parts of the same line: variables
(`X=/; rm -rf $X`), aliases (`alias r='rm -rf'; r /`) and `for` loop variables. Command
substitutions are commands too: they run, so they are emitted like any other command.
Parse errors are not fatal: tree-sitter recovers, and the caller is told (`Parsed.errors`)
so it can refuse to allow what it could not fully read.

Every construct that runs code is looked inside, wherever it sits: after a word is read, its
whole subtree is swept for command and process substitutions (array values and subscripts,
every `${...}` operator, arithmetic, test operands, `case` patterns), and a last pass over the
whole tree walks any substitution the statement walk did not reach. Unquoted heredoc bodies,
prompt strings (`${x@P}`, `PS1`), and variables whose value is code (`PROMPT_COMMAND`, `EDITOR`,
`GIT_SSH_COMMAND`) are parsed as the code they are. `NODE_TYPES` classifies every node type of
the grammar; a node of a type it does not list makes the command an ask (a test walks the
grammar so that a new type cannot go unclassified).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from blastwall import rx
from blastwall.analyze.budget_parse import parse_within
from blastwall.analyze.paths import PathClass
from blastwall.analyze.shell import positional
from blastwall.analyze.shell.arrays import Arrays
from blastwall.analyze.shell.ir import Redirect, SimpleCommand, Word
from blastwall.analyze.shell.plain import plain_chain, plain_words
from blastwall.analyze.shell.scratch import (
    INSIDE,
    NEW_NAME,
    SCRATCH,
    keyed_scratch,
    made_by_cache_locator,
    made_by_date,
    made_by_mktemp,
    set_once,
    stamped,
)
from blastwall.analyze.shell.varflow import (
    ALLEXPORT,
    BRANCHING,
    EXPORTED,
    ISOLATED,
    environment,
    exported_names,
    set_by,
    set_option,
    unknown,
)
from blastwall.analyze.shell.words import (
    ansi_c,
    backtick_code,
    dollar_paren_code,
    has_unescaped,
    split_unquoted,
    subscript_code,
    unescape_unquoted,
)
from blastwall.memo import once as once_per_check

MAX_LOOP_VALUES = 8
_VAR_NAME = rx.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# what an unquoted heredoc body expands when the command runs: $NAME, ${...}, $(...), $1/$@..., `...`
_EXPANSION = rx.compile(r"\$[A-Za-z_{(0-9@*#?!$-]|`")
MAX_CODE_DEPTH = 8  # code inside code (a PROMPT_COMMAND that sets a PROMPT_COMMAND ...)

# Every named node type of tree-sitter-bash and how the walk treats it:
#   statement  walked as code (`_Walker.walk`); what it runs is emitted as commands
#   word       read as a word (`_Walker.word`); its subtree is swept for substitutions
#   part       a piece of a statement or word; reached by the walk or the sweep
# A node of a type not listed here makes the command an ask.
NODE_TYPES: dict[str, str] = {
    **dict.fromkeys((
        "program", "list", "pipeline", "command", "redirected_statement", "subshell", "compound_statement",
        "if_statement", "elif_clause", "else_clause", "while_statement", "do_group", "for_statement",
        "c_style_for_statement", "case_statement", "case_item", "function_definition", "negated_command",
        "declaration_command", "unset_command", "test_command", "variable_assignment", "variable_assignments",
        "command_substitution", "process_substitution"), "statement"),
    **dict.fromkeys((
        "word", "number", "raw_string", "ansi_c_string", "string", "translated_string", "string_content",
        "simple_expansion", "expansion", "arithmetic_expansion", "concatenation", "brace_expression",
        "command_name", "array", "subscript", "extglob_pattern", "regex"), "word"),
    **dict.fromkeys((
        "binary_expression", "unary_expression", "ternary_expression", "parenthesized_expression",
        "postfix_expression", "test_operator", "variable_name", "special_variable_name", "file_descriptor",
        "file_redirect", "herestring_redirect", "heredoc_redirect", "heredoc_start", "heredoc_body",
        "heredoc_content", "heredoc_end", "comment"), "part"),
}
_SUBSTITUTIONS = ("command_substitution", "process_substitution")
_GLOB_CHARS = frozenset("*?[")  # a word holding one of these may be a glob
_TEXT_LEAVES = ("word", "extglob_pattern", "regex")  # where tree-sitter may leave a substitution as text


def _unparsed(text: str) -> bool:
    return "`" in text or has_unescaped(text, "$(")

# Builtins that read an argument as a variable name or an arithmetic operand: bash expands a
# subscript in it (`unset 'a[$(cmd)]'` runs cmd).
NAME_BUILTINS = frozenset({"unset", "read", "printf", "test", "[", "let", "declare", "typeset", "local", "export",
                           "readonly", "mapfile", "readarray", "wait", "shift", "return", "exit", "getopts",
                           "ulimit", "kill", "eval"})
# Nodes whose literal text bash may evaluate as a name or an arithmetic operand.
_NAME_CONTEXTS = frozenset({"test_command", "declaration_command", "unset_command", "variable_assignment",
                            "arithmetic_expansion", "c_style_for_statement", "subscript", "expansion"})
# Variables whose value is code: bash or a program runs it later.
CODE_VARIABLES: dict[str, str] = {
    "PROMPT_COMMAND": "code",  # run before each prompt
    "EDITOR": "code", "VISUAL": "code", "GIT_EDITOR": "code", "GIT_SEQUENCE_EDITOR": "code",
    "GIT_SSH_COMMAND": "code", "GIT_PAGER": "code", "PAGER": "code", "MANPAGER": "code",
    "PS0": "prompt", "PS1": "prompt", "PS2": "prompt", "PS4": "prompt",  # expanded like a string, substitutions run
    "BASH_ENV": "startup", "ENV": "startup",  # a file every new shell runs first
    # programs git, ssh, sudo and editors' callers run by themselves (git(1), ssh(1), sudo(8))
    "GIT_EXTERNAL_DIFF": "code", "GIT_ASKPASS": "code", "SSH_ASKPASS": "code", "SUDO_ASKPASS": "code",
    "GIT_PROXY_COMMAND": "code", "GIT_SSH": "code", "FCEDIT": "code", "SUDO_EDITOR": "code", "SYSTEMD_EDITOR": "code",
    "KUBE_EDITOR": "code", "SVN_EDITOR": "code", "HGEDITOR": "code",
    "BROWSER": "code",  # xdg-open, git web--browse, Python's webbrowser and npm run the command it names
    "LESSOPEN": "pipe", "LESSCLOSE": "pipe",  # less(1): `|CMD %s` runs CMD on every file it opens
    "GIT_CONFIG_PARAMETERS": "git-config",  # git settings (aliases, hooks, pagers...) from the environment
    "LD_PRELOAD": "library", "LD_AUDIT": "library",  # a library loaded into every program the command runs
    # programs systemd, pacdiff, i3, psql, cargo, cmake, ccache, rsync, cvs and build systems run by themselves
    "SYSTEMD_PAGER": "code", "DIFFPROG": "code", "DIFF_PROGRAM": "code", "TERMINAL": "code", "PSQL_PAGER": "code",
    "PSQL_EDITOR": "code", "GH_PAGER": "code", "GH_EDITOR": "code", "AWS_PAGER": "code", "HOMEBREW_EDITOR": "code",
    "RUSTC_WRAPPER": "code", "RUSTC_WORKSPACE_WRAPPER": "code", "CARGO_BUILD_RUSTC_WRAPPER": "code", "RUSTC": "code",
    "CCACHE_PREFIX": "code", "RSYNC_RSH": "code", "RSYNC_CONNECT_PROG": "code", "CVS_RSH": "code", "SHELL": "code",
    "CC": "code", "CXX": "code", "CPP": "code", "LD": "code", "AR": "code", "AS": "code", "FC": "code",
    "RANLIB": "code", "STRIP": "code", "NM": "code", "OBJCOPY": "code", "PKG_CONFIG": "code",
    "PYTHONSTARTUP": "file", "PERL5DB": "file",  # a file (or Perl code) Python's REPL or perl -d runs first
    "GIT_CONFIG_GLOBAL": "file", "GIT_CONFIG_SYSTEM": "file", "GIT_CONFIG": "file",  # git settings from a file
    "ZDOTDIR": "file",  # the folder whose .zshenv and .zshrc zsh runs
    "npm_config_script_shell": "code", "NPM_CONFIG_SCRIPT_SHELL": "code",  # the shell npm runs scripts with
    "npm_config_node_options": "options", "NPM_CONFIG_NODE_OPTIONS": "options",
    # options variables, some options of which load or run code (option_variables.py)
    "NODE_OPTIONS": "options", "PERL5OPT": "options", "RUBYOPT": "options", "JAVA_TOOL_OPTIONS": "options",
    "_JAVA_OPTIONS": "options", "JDK_JAVA_OPTIONS": "options", "JAVA_OPTS": "options", "MAVEN_OPTS": "options",
    "GRADLE_OPTS": "options", "GOFLAGS": "options", "MAKEFLAGS": "options", "MFLAGS": "options",
    "RUSTFLAGS": "options", "CARGO_BUILD_RUSTFLAGS": "options", "CARGO_ENCODED_RUSTFLAGS": "options",
    "CFLAGS": "options", "CXXFLAGS": "options", "CPPFLAGS": "options", "LDFLAGS": "options",
}
# Families named by a pattern: cargo's per-target runner and linker, CMake's compiler and linker launchers.
_CODE_VARIABLE_FAMILIES = ((("CARGO_TARGET_",), ("_RUNNER", "_LINKER")),
                           (("CMAKE_",), ("_COMPILER_LAUNCHER", "_LINKER_LAUNCHER")))
# Folders whose libraries the system installed (`LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2`).
_SYSTEM_LIBRARIES = ("/usr/lib/", "/lib/", "/usr/lib64/", "/lib64/", "/usr/lib32/")


def library_outside_system(value: str) -> bool:
    """Whether an LD_PRELOAD-style list names a library outside the system's library folders."""
    return not all(p.startswith(_SYSTEM_LIBRARIES) and ".." not in p for p in value.replace(":", " ").split())


def code_variable_kind(name: str) -> str | None:
    """How bash or a program uses the value of variable `name` (CODE_VARIABLES), or None."""
    if name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")) and name.rsplit("_", 1)[1].isdigit():
        return "git-config"  # GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.x GIT_CONFIG_VALUE_0='!CMD'
    if name.startswith("BASH_FUNC_"):
        return "function"  # env 'BASH_FUNC_f%%=() { CODE; }' bash -c f: bash imports f from the environment
    if any(name.startswith(pre) and name.endswith(post) for pre, post in _CODE_VARIABLE_FAMILIES):
        return "code"  # CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER, CMAKE_C_COMPILER_LAUNCHER
    return CODE_VARIABLES.get(name)


def program_lookup(raw: str) -> str | None:
    """The program a value names when it is only a lookup of its path (`$(which gcc)`, `"$(command -v
    clang)"`, `` `type -P cc` ``): the value is that program, found on PATH; None for anything else."""
    if "$(" not in raw and "`" not in raw:
        return None
    m = rx.fullmatch(r"""["']?(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-P)\s+([A-Za-z0-9_.+-]+)\s*(?:\)|`)["']?""", raw)
    return m.group(1) if m else None


def code_variable_problem(kind: str, name: str, value: str) -> str | None:
    """Why the value of a "file" or "options" variable cannot be read, or None when it is harmless."""
    if kind == "file":
        return None if value in ("", "/dev/null") else \
            f"{name}={value[:60]} makes a program run or read that file as code, which blastwall does not read"
    if kind == "options":
        from blastwall.analyze.shell.option_variables import loads_code

        part = loads_code(name, value)
        return None if part is None else \
            f"{name} holds {part[:60]}, which loads or runs code in every program it reaches; blastwall does not read it"
    return None


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


# tree-sitter's error recovery is quadratic in a run of errors (20,000 `)` took 2 s): past
# UNTIMED_MAX the input is parsed within `PARSE_BUDGET_S` (analyze/budget_parse.py). A parse cut
# short that way is an error (ask), never a partial allow. The budget is this thread's CPU time,
# not the wall clock: a check descheduled for 80 ms on a busy machine must not turn a plain
# command into an ask.
PARSE_BUDGET_S = 0.08
# Up to this many bytes the parser is handed the input whole, with no clock: however irregular,
# so little text parses in a small fraction of the budget (the worst a random search over runs
# of operators, quotes and brackets found was about 6 ms of CPU for 256 bytes on this machine),
# and feeding it through a callback that reads the clock cost 2.4x the parse itself.
UNTIMED_MAX = 256


def _parse_bounded(src: bytes) -> tuple[Any, bool]:
    """(tree, cut): the tree of `src`, or of the part the parser read within the budget."""
    if len(src) <= UNTIMED_MAX:
        return _parser().parse(src), False
    return parse_within(_parser(), src, PARSE_BUDGET_S)


@functools.cache
def _placed_vars() -> frozenset[str]:
    """Variables paths.py places as a number or a login name when written plainly (rules/paths.toml)."""
    from blastwall.analyze.ruleset import load_table

    system = load_table("paths")["system"]
    return frozenset((*system.get("number_vars", ()), *system.get("name_vars", ())))


class Parsed:
    """What one command line parsed into."""

    __slots__ = ("commands", "errors", "redirect_only")

    def __init__(self, commands: list[SimpleCommand], errors: list[str], redirect_only: list[Redirect]) -> None:
        self.commands = commands
        self.errors = errors
        self.redirect_only = redirect_only  # `> file` with no command


class _Walker:
    def __init__(self, src: bytes, depth: int = 0) -> None:
        self.src = src
        # Whether any text of the line can hold a substitution tree-sitter left unparsed (a
        # backtick or `$(`): without one, no node's text can (`_unparsed` is False throughout).
        self.code_marks = b"`" in src or b"$(" in src
        self.depth = depth  # how deep in code found inside code (prompt strings, code variables)
        self.in_word = False
        self.walked: set[tuple[int, int]] = set()  # spans of substitutions and code already walked
        self.vars: dict[str, Word] = {}
        self.aliases: dict[str, str] = {}
        self.out: list[SimpleCommand] = []
        self.errors: list[str] = []
        self.redirect_only: list[Redirect] = []
        self.once: frozenset[str] = frozenset()  # variables set exactly once, unconditionally (scratch.py)
        self.traps: list[tuple[str, frozenset[str], int]] = []  # trap handlers' code, the names set before
        # the trap and the commands run by then; walked when the line has been (`trap`)
        self.set_after: dict[str, int] = {}  # a variable's first assignment: how many commands had run
        self.arrays = Arrays()  # arrays.py: literal arrays assigned whole, by the value they stored
        self.fn_assigned: set[str] = set()  # variables a function body sets: unknown wherever it may be called
        self.journal: list[tuple[str, Word | None]] = []  # (name, value before) of every variable write
        self.ctx: tuple[int, ...] = ()  # the subshells the walk is in (SimpleCommand.ctx)
        self.succeeded: tuple[int, ...] = ()  # commands (places in `out`) surely run with success before this point
        self.subshells = 0
        # scratch.py: the mktemp command (its place in `out`) each variable's value came from, that of
        # each `NAME=$(mktemp)` statement, the ones sure to have succeeded for the rest of the line
        # (`set -e` before them, `|| exit` after them), and whether `set -e` is on at the top level
        self.made_by: dict[str, int] = {}
        self.assign_status: dict[tuple[int, int], int] = {}
        self.sure: set[int] = set()
        self.errexit = False
        # positional.py: each function's definitions (body, name's place, the commands its body
        # gave where defined), the places of calls walked with their arguments, the calls under way
        self.functions: dict[str, list[tuple[Any, int, int, int]]] = {}
        self.calls: set[int] = set()
        self.calling: tuple[str, ...] = ()

    # ---- words -------------------------------------------------------------------------
    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def word(self, node: Any) -> Word:
        """A node read as one word. Reading it runs what it contains: its substitutions are
        walked here, wherever they sit in it (array elements, subscripts, `${...}` operators,
        arithmetic), in the variable context of this point of the line."""
        if self.in_word:
            return self._word(node)
        self.in_word = True
        try:
            w = self._word(node)
        finally:
            self.in_word = False
        self.sweep(node)
        return w

    def _word(self, node: Any) -> Word:
        t = node.type
        raw = self.text(node)
        if t == "word" or t == "number" or t == "command_name":
            if t == "command_name" and node.named_child_count:
                return self._word(node.named_children[0])
            unesc = unescape_unquoted(raw)
            glob = not _GLOB_CHARS.isdisjoint(unesc) and "\\" not in raw
            if unesc.startswith("~"):
                return Word(unesc, raw=raw, glob=glob, dynamic=False)
            return Word(unesc, raw=raw, glob=glob)
        if t == "raw_string":
            return Word(raw[1:-1], raw=raw)
        if t == "ansi_c_string":
            decoded = ansi_c(raw[2:-1])  # None: bytes that are not text, which no rule can read
            return Word(decoded, raw=raw) if decoded is not None else Word(raw, dynamic=True, raw=raw)
        if t == "string" or t == "translated_string":
            words = self._string_parts(node)
            if not words:
                inner = raw[1:-1] if t == "string" else raw[2:-1]
                return Word(inner, raw=raw)
            return Word("".join(w.text for w in words), dynamic=any(w.dynamic for w in words), raw=raw,
                        selects=words[0].selects if len(words) == 1 else None,  # "$(ls)" lists what $(ls) does
                        path_class=words[0].path_class if len(words) == 1 else  # "$d", "x-$(date)", "$d/x"
                        stamped(words) or self.inside(node.named_children, words) or _one_token_placed(words))
        if t == "string_content":
            return Word(re.sub(r'\\([$`"\\\n])', r"\1", raw), raw=raw)
        if t == "simple_expansion" or t == "expansion":
            return self.expansion(node, raw)
        if t == "command_substitution":  # it runs: walked by the sweep
            producer = _producer(self, node)
            static = _static_output(producer)
            if static is not None:
                return Word(static, raw=raw)
            if made_by_mktemp(producer):
                return Word(raw, dynamic=True, raw=raw, path_class=SCRATCH)
            if made_by_date(producer):
                return Word(raw, dynamic=True, raw=raw, path_class=NEW_NAME)
            cache = made_by_cache_locator(producer, self.src.decode("utf-8", "replace").replace(raw, "", 1))
            if cache is not None:
                return Word(raw, dynamic=True, raw=raw, path_class=cache)
            if producer is not None and producer.argv and producer.argv[0].text in _one_token_heads():
                from blastwall.analyze.shell.one_token import ONE_TOKEN, prints_one_token

                if prints_one_token(producer, self.src.decode("utf-8", "replace").replace(raw, "", 1)):
                    return Word(raw, dynamic=True, raw=raw, path_class=ONE_TOKEN)
            return Word(raw, dynamic=True, raw=raw, selects=_selects_of(producer))
        if t == "process_substitution":
            return Word("/dev/fd/63", raw=raw)
        if t == "arithmetic_expansion":
            return Word(raw, dynamic=True, raw=raw)
        if t == "concatenation":
            parts = []
            dynamic = glob = False
            for child in node.children:
                w = self._word(child) if child.is_named else Word(self.text(child), raw=self.text(child))
                parts.append(w)
                dynamic = dynamic or w.dynamic
                glob = glob or w.glob
            return Word("".join(p.text for p in parts), dynamic=dynamic, raw=raw, glob=glob,
                        path_class=stamped(parts) or keyed_scratch(parts) or self.inside(node.children, parts) or
                        _one_token_placed(parts))
        if t == "brace_expression":
            return Word(raw, raw=raw, glob=True)
        if t == "$":  # a lone dollar
            return Word("$", raw=raw)
        # Anything else (test operators, regexes...) is taken literally but marked dynamic.
        return Word(raw, dynamic=True, raw=raw)

    def _string_parts(self, node: Any) -> list[Word]:
        """The parts of a double-quoted string, with the text tree-sitter leaves between them
        (the newlines of `"a<newline>b"` belong to no child, yet bash keeps them)."""
        words: list[Word] = []
        kids = node.children
        end = kids[0].end_byte if kids and not kids[0].is_named else node.start_byte
        for child in kids:
            if not child.is_named:
                continue
            if child.start_byte > end:
                gap = self.src[end:child.start_byte].decode("utf-8", "replace")
                words.append(Word(gap, raw=gap))
            words.append(self._spaced(child))
            end = child.end_byte
        last = kids[-1] if kids else None
        if words and last is not None and not last.is_named and last.start_byte > end:
            gap = self.src[end:last.start_byte].decode("utf-8", "replace")
            words.append(Word(gap, raw=gap))
        return words

    def _spaced(self, node: Any) -> Word:
        """A part of a double-quoted string. tree-sitter puts the blanks before a `$X` inside
        the expansion's `$` token (`"$X $Y"`): they are kept, or the parts would be glued."""
        w = self._word(node)
        raw = self.text(node)
        lead = raw[:len(raw) - len(raw.lstrip())]
        if lead and node.type in ("simple_expansion", "expansion") and not w.text.startswith(lead):
            return w._replace(text=lead + w.text)
        return w

    def inside(self, kids: list[Any], parts: list[Word]) -> PathClass | None:
        """`"$d/x"`, `"$d"/x`, `$d/sub/`: a path inside the folder a scratch variable holds, when
        the mktemp that made it surely succeeded before this point (`d=$(mktemp -d) && ...`,
        `set -e` first, `|| exit` after it): otherwise `$d` may be empty and the path `/x`."""
        if len(kids) < 2 or parts[0].path_class is not SCRATCH or any(p.dynamic for p in parts[1:]):
            return None
        first = kids[0]
        if first.type == "string" and first.named_child_count == 1:
            first = first.named_children[0]
        if first.type != "simple_expansion" or not first.named_children:
            return None
        maker = self.made_by.get(self.text(first.named_children[0]))
        if maker is None or (maker not in self.succeeded and maker not in self.sure):
            return None
        tail = "".join(p.text for p in parts[1:])
        if not tail.startswith(("/", ".", "-", "_")) or ".." in tail.split("/") or "\\" in tail:
            return None  # `"$k.pub"`: a name the fresh one starts (ssh-keygen -f "$k" writes "$k.pub")
        return INSIDE

    def expansion(self, node: Any, raw: str) -> Word:
        names = [c for c in node.named_children if c.type in ("variable_name", "special_variable_name")]
        operators = [self.text(c).strip() for c in node.children
                     if not c.is_named and self.text(c).strip() not in ("${", "}", "$")]
        if "@" in operators and operators[operators.index("@") + 1:][:1] == ["P"]:
            self.prompt_expansion(names, raw)
        if not names:
            return Word(raw, dynamic=True, raw=raw)
        name = self.text(names[0])
        known = self.vars.get(name) if name not in self.fn_assigned else None
        if known is not None and not operators:
            return Word(known.text, dynamic=known.dynamic, raw=raw, glob=known.glob,
                        path_class=known.path_class if name in self.once else None)
        if known is not None and operators and operators[0] in (":-", "-") and known.text:
            return Word(known.text, dynamic=known.dynamic, raw=raw)
        if known is not None and operators and operators[0] in (":?", "?") and known.text:
            return Word(known.text, dynamic=known.dynamic, raw=raw)  # `${X:?}` of a set X is X (else bash exits)
        if operators and name in _placed_vars():
            return Word(raw, dynamic=True, raw=raw)  # `${USER:-../..}`: not the plain value paths.py places
        if operators and operators[0] in (":-", "-", ":=", "="):
            # ${X:-default}: when X is unknown, the default is what a careful reader must assume
            defaults = [c for c in node.named_children if c is not names[0]]
            if defaults:
                d = self._word(defaults[0])
                return Word(f"${name}", dynamic=True, raw=raw, glob=d.glob)
        return Word(f"${name}", dynamic=True, raw=raw)

    def prompt_expansion(self, names: list[Any], raw: str) -> None:
        """`${x@P}` expands x as a prompt string: the substitutions in its value run."""
        known = self.vars.get(self.text(names[0])) if len(names) == 1 else None
        if known is None or known.dynamic:
            self.errors.append(f"{raw} expands a prompt string whose text blastwall cannot see, and bash runs the "
                               "command substitutions in it")
            return
        self.string_code(known.text, raw)

    # ---- code inside words -------------------------------------------------------------
    def sweep(self, node: Any) -> None:
        """Walk every substitution in `node`'s subtree (they run when the word is read), and the
        backtick substitutions tree-sitter leaves as text (`${x:-`cmd`}`)."""
        stack = list(reversed(node.children))
        while stack:
            n = stack.pop()
            t = n.type
            if t in _SUBSTITUTIONS:
                self.walk(n)
                continue
            if t in _TEXT_LEAVES and self.code_marks and _unparsed(self.text(n)):
                self.unparsed_code(n)
                continue
            if t == "heredoc_body":
                continue  # read by `redirect` with its quoting
            stack.extend(reversed(n.children))

    def unparsed_code(self, node: Any) -> None:
        """Substitutions tree-sitter left as text in a word or pattern: ``${x:-`cmd`}``,
        `${x#$(cmd)}`, `${x^^$(cmd)}`. Bash runs them; their code is walked."""
        self.walked.add((node.start_byte, node.end_byte))
        text = self.text(node)
        ticks, open_tick = backtick_code(text)
        parens, open_paren = dollar_paren_code(text)
        if open_tick or open_paren:
            self.errors.append(f"an unclosed substitution in {text[:60]!r}")
        for code in ticks + parens:
            self.code(code)

    def code(self, text: str) -> None:
        """Text that bash runs as code at this point of the line (a backtick substitution, a
        prompt string's substitutions, PROMPT_COMMAND): its commands are emitted like any other."""
        if self.depth >= MAX_CODE_DEPTH:
            self.errors.append("code nested too deep inside code to analyze")
            return
        sub = _Walker(text.encode("utf-8", "replace"), self.depth + 1)
        sub.vars = dict(self.vars)
        sub.aliases = dict(self.aliases)
        tree, cut = _parse_bounded(_parser_safe(sub.src, text))
        if cut:
            self.errors.append(TOO_SLOW)
        sub.run(tree)
        self.adopt(sub.out, self.succeeded)
        self.errors.extend(sub.errors)
        self.redirect_only.extend(sub.redirect_only)

    def adopt(self, commands: list[SimpleCommand], before: tuple[int, ...]) -> None:
        """Take the commands of code walked apart: their `after` counted places in that code's own
        list, which now start where it is appended, behind `before` (what surely succeeded before
        the code runs here)."""
        base = len(self.out)
        for cmd in commands:
            self.out.append(cmd._replace(after=(*before, *(base + j for j in cmd.after))) if cmd.after or before
                            else cmd)

    def trap(self, argv: list[Word]) -> list[Word]:
        """`trap 'rm -f "$tmp"' EXIT`: the handler's code is walked once the line has been walked
        (`run`), where the variables the line sets once are known: it fires at exit, or on a
        signal, when they hold that one value (`trap 'rm -rf "$d"' EXIT; d=$(mktemp -d)` too).
        The trap is left with `-` (its code is emitted as commands). A code word blastwall
        cannot read stays for the trap handler to judge."""
        rest = [i for i, w in enumerate(argv[1:], 1) if w.text not in ("-l", "-p", "-P", "--")]
        if len(rest) < 2 or argv[rest[0]].dynamic or argv[rest[0]].text in ("-", "") or self.depth >= MAX_CODE_DEPTH:
            return argv
        self.traps.append((argv[rest[0]].text, frozenset(self.vars), len(self.out)))
        return [*argv[:rest[0]], Word.lit("-"), *argv[rest[0] + 1:]]

    def trap_handlers(self) -> None:
        """The code of the line's traps, walked with the variables as the line leaves them."""
        traps, self.traps = self.traps, []
        for text, before, mark in traps:
            self.trap_code(text, before, mark)

    def trap_code(self, text: str, before: frozenset[str] = frozenset(), mark: int = 0) -> None:
        """A variable set after the trap counts only when nothing but its own value's commands ran
        in between (`trap ...; d=$(mktemp -d)`): any other command (`exit`, `kill $$`, a failure
        under `set -e`, a signal while it runs) may fire the handler while the variable still holds
        what it held before the line."""
        sub = _Walker(text.encode("utf-8", "replace"), self.depth + 1)
        named = {m.group(1) for m in _VAR_NAME.finditer(text)} & self.once  # what the handler reads, no more
        named = {n for n in named if n in before or self._set_right_after(n, mark)}
        sub.vars = {k: self.vars[k] for k in named if k in self.vars}
        sub.aliases = dict(self.aliases)
        tree, cut = _parse_bounded(_parser_safe(sub.src, text))
        if cut:
            self.errors.append(TOO_SLOW)
        sub.run(tree, once=frozenset(named - set(sub.assigned(tree.root_node))))
        self.adopt(sub.out, ())  # a handler runs at exit or on a signal, whatever succeeded before
        self.errors.extend(sub.errors)
        self.redirect_only.extend(sub.redirect_only)

    def _set_right_after(self, name: str, mark: int) -> bool:
        first = self.set_after.get(name)
        if first is None or first < mark:
            return False
        return all(c.argv and c.argv[0].text in ("trap", "mktemp", "date") for c in self.out[mark:first])

    def assigned(self, root: Any) -> list[str]:
        """Names assigned anywhere under root."""
        out: list[str] = []
        stack = [root]
        while stack:
            n = stack.pop()
            stack.extend(n.children)
            if n.type == "variable_assignment" and n.child_by_field_name("name") is not None:
                out.append(self.text(n.child_by_field_name("name")))
        return out

    def string_code(self, text: str, where: str) -> None:
        """Text bash expands like a double-quoted string (a prompt string): parsed as the body of
        an unquoted heredoc, whose expansion rules are the same, and its substitutions walked."""
        if "$" in text or "`" in text:
            end = "BLASTWALL_END"
            while end in text:
                end += "_"
            self.code(f"cat <<{end}\n{text}\n{end}\n")

    def heredoc_body(self, redirect: Any, body: Any) -> None:
        """An unquoted heredoc's body is expanded when the command runs: its substitutions run.
        A quoted delimiter (`<<'EOF'`, `<<"EOF"`, `<<\\EOF`) keeps the body as it is."""
        start = next((c for c in redirect.named_children if c.type == "heredoc_start"), None)
        if start is not None and any(q in self.text(start) for q in "'\"\\"):
            return
        self.walked.add((body.start_byte, body.end_byte))
        self.sweep(body)
        # text tree-sitter did not parse: backticks it leaves as content, a `$(` it missed
        for gap in self.gaps(body):
            codes, open_quote = backtick_code(gap)
            parens, open_paren = dollar_paren_code(gap)
            for code in codes + parens:
                self.code(code)
            if open_quote or open_paren:
                self.errors.append(f"a heredoc body holds a substitution blastwall cannot read ({gap.strip()[:60]!r})")

    def gaps(self, node: Any) -> list[str]:
        """The text of `node` not covered by its parsed named children (heredoc_content counts
        as not parsed)."""
        out: list[str] = []
        pos = node.start_byte
        for c in node.named_children:
            if c.type == "heredoc_content":
                continue
            out.append(self.src[pos:c.start_byte].decode("utf-8", "replace"))
            pos = c.end_byte
        out.append(self.src[pos:node.end_byte].decode("utf-8", "replace"))
        return out

    def code_variable(self, name: str, value: Word | None, value_node: Any) -> None:
        """An assignment whose value bash or a program runs later (`PROMPT_COMMAND`, `EDITOR`,
        `PS1`), or a value shaped like a subscript that runs a command (`x='a[$(cmd)]'`, which
        bash runs when x is used in arithmetic or as a name)."""
        if value_node is not None and subscript_code(self.literal(value_node)):
            self.errors.append(f"the value of {name} is an array subscript that runs a command "
                               f"({self.text(value_node)[:60]}); bash runs it when {name} is evaluated")
        kind = code_variable_kind(name)
        if kind is None or value is None:
            return
        if kind == "git-config":
            self.errors.append(f"{name} gives git settings through the environment, which can name programs git "
                               "runs (aliases, hooks, pagers); pass them with git -c so blastwall can read them")
            return
        if kind == "library":
            if value.dynamic or library_outside_system(value.text):
                self.errors.append(f"{name}={value.text[:60]} loads a library into every program the command runs, "
                                   "which blastwall cannot read")
            return
        if kind in ("file", "options"):
            problem = f"{name} is set to text blastwall cannot see ({value.raw[:60]})" if value.dynamic \
                else code_variable_problem(kind, name, value.text)
            if problem:
                self.errors.append(problem)
            return
        values = [self._word(v) for v in value_node.named_children] if value_node is not None and \
            value_node.type == "array" else [value]
        for v in values:
            if kind == "startup" and v.text:
                self.errors.append(f"{name}={v.text[:60]} makes every new shell run that file first, which "
                                   "blastwall does not read")
            elif v.dynamic and kind == "code" and (found := program_lookup(v.raw)):
                self.code(found)  # CC=$(which gcc): the path of that program
            elif v.dynamic and kind != "prompt":
                self.errors.append(f"{name} is set to code blastwall cannot see ({v.raw[:60]})")
            elif kind == "code":
                if name == "GIT_SEQUENCE_EDITOR":  # git runs it on the rebase todo list (todo_editor.py)
                    from blastwall.analyze.shell.todo_editor import dropped_commits

                    if (why := dropped_commits(v.text)) is not None:
                        self.errors.append(why)
                self.code(v.text)
            elif kind == "pipe":
                self.code(v.text.lstrip("|- ").replace("%s", "FILE"))
            elif kind == "prompt":
                self.string_code(v.text, name)

    def literal(self, node: Any) -> str:
        """The text of `node` outside the substitutions and expansions tree-sitter parsed."""
        if node.type in _SUBSTITUTIONS or node.type in ("expansion", "simple_expansion", "arithmetic_expansion"):
            return " "
        if not node.children:
            return self.text(node)
        return "".join(self.literal(c) for c in node.children)

    # ---- statements --------------------------------------------------------------------
    def walk(self, node: Any, stdin_from: SimpleCommand | None = None) -> list[SimpleCommand]:
        """Walk a node; returns the commands it emitted whose stdout continues a pipeline."""
        t = node.type
        if t == "ERROR" or node.is_missing:
            self.errors.append(f"cannot parse near {self.text(node)[:60]!r}")
        if t in _SUBSTITUTIONS:
            self.walked.add((node.start_byte, node.end_byte))
            read = self.file_substitution(node)
            if read is not None:
                return [read]
            if t == "process_substitution" and self.text(node).startswith(">("):
                # `cmd > >(sh)`, `tee >(bash)`: what runs inside reads the output of the command
                # the substitution is given to, which is not followed here: a shell there asks
                stdin_from = SimpleCommand(argv=[Word(f"the command writing into {self.text(node)[:60]}",
                                                      dynamic=True, raw=self.text(node)[:80])],
                                           source=self.text(node), ctx=self.ctx)
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
            keyword = self.text(node.children[0]) if node.children else ""
            self.forget(set_by([Word.lit(keyword), *words]))  # `local X`, `declare -n ref=...`
            self.export(keyword, node, words)
            if assigns or not node.children:
                return []
            # `export -p`, `declare -p TOKEN`: they print variables
            cmd = SimpleCommand(argv=[Word.lit(keyword), *words], stdin_from=stdin_from, source=self.text(node),
                                ctx=self.ctx)
            self.out.append(cmd)
            return [cmd]
        if t == "pipeline":
            prev: list[SimpleCommand] = []
            mark = len(self.journal)
            apart = len(node.named_children) > 1  # every part of a pipeline runs in a copy of the shell
            for child in node.named_children:
                prev = self.walk_in_copy(child, prev[-1] if prev else stdin_from) if apart else \
                    self.walk(child, prev[-1] if prev else stdin_from)
            if len(node.named_children) > 1:
                self.undo(mark)  # every part of a pipeline runs in a copy of the shell
            return prev
        if t == "list":
            return self.chain(node, stdin_from)
        if t == "unset_command":
            self.forget([self.text(c) for c in node.named_children])
        if t == "redirected_statement":
            return self.redirected(node, stdin_from)
        if t == "for_statement":
            return self.for_loop(node)
        if t == "function_definition":
            mark = len(self.journal)
            start = len(self.out)
            positional.bind(self.set_var, self.vars, None)  # its own arguments, not known here
            for child in node.named_children:
                if child.type != "word":
                    self.fn_assigned.update(self.assigned(child))
                    self.walk(child)
            self.undo(mark)  # the body runs where the function is called, not here
            self.define(node, start)
            return []
        mark = len(self.journal)
        last: list[SimpleCommand] = []
        outer = self.ctx
        if t in ISOLATED:
            self.ctx = self._new_ctx()
        kids = node.children  # one list: `next_sibling` per child walks the siblings again (quadratic)
        for i, child in enumerate(kids):
            if not child.is_named:
                continue
            background = i + 1 < len(kids) and kids[i + 1].type == "&"
            last = self.walk_in_copy(child, stdin_from) if background else self.walk(child, stdin_from)
        self.ctx = outer
        if t in ISOLATED:
            self.undo(mark)
        elif t in BRANCHING:
            self.unsure_since(mark)
        return last

    def file_substitution(self, node: Any) -> SimpleCommand | None:
        """`$(< FILE)`: bash reads FILE into the word, with no command run. Emitted as a command
        with no words and that redirection, so the file is judged as read."""
        kids = [c for c in node.named_children if c.type != "comment"]
        if node.type != "command_substitution" or not kids or any(c.type != "file_redirect" for c in kids):
            return None
        reds = [self.redirect(c) for c in kids]
        if not any(r.op in ("<", "<>") for r in reds):
            return None
        cmd = SimpleCommand(argv=[], redirects=reds, source=self.text(node), ctx=self.ctx)
        self.out.append(cmd)
        return cmd

    def _new_ctx(self) -> tuple[int, ...]:
        self.subshells += 1
        return (*self.ctx, self.subshells)

    def walk_in_copy(self, node: Any, stdin_from: SimpleCommand | None = None) -> list[SimpleCommand]:
        """Walk `node` as bash runs it in a copy of the shell (a pipeline part, `cmd &`): what it
        changes there (the folder of a `cd`) is not seen after it."""
        outer, self.ctx = self.ctx, self._new_ctx()
        try:
            return self.walk(node, stdin_from)
        finally:
            self.ctx = outer

    def chain(self, node: Any, stdin_from: SimpleCommand | None) -> list[SimpleCommand]:
        """`a && b && c`: each part runs only when the ones before it succeeded, so it sees their
        variables; after the chain, what b and c set may not have happened. With `||` anywhere,
        every part after the first may or may not have run before the next."""
        parts, ops = _chain_parts(node, self.text)
        outer = self.succeeded
        last = self.walk(parts[0], stdin_from) if parts else []
        first, settled = last, len(self.journal)
        sure = len(parts) if ops == {"&&"} else _and_prefix(node, self.text)
        for n, (before, part) in enumerate(zip(parts, parts[1:], strict=False), 1):
            if n < sure:  # `cd x && rm y || true`: up to the first `||`, each part ran after the ones before
                self.succeeded = (*self.succeeded, *self._succeeded(before, last))
            else:
                self.succeeded = outer
            mark = len(self.journal)
            last = self.walk(part, stdin_from)
            if ops != {"&&"}:
                self.unsure_since(mark)
        self.succeeded = outer
        self.unsure_since(settled)
        self.exits_unless(node, parts, ops, first)
        return last

    def exits_unless(self, node: Any, parts: list[Any], ops: set[str], first: list[SimpleCommand]) -> None:
        """`d=$(mktemp -d) || exit 1`, `cd dir || exit 1` at the top of the line: what follows runs
        only if it succeeded."""
        if ops != {"||"} or len(parts) != 2 or node.parent is None or node.parent.type != "program" or self.ctx:
            return
        words = self.text(parts[1]).split()
        if parts[1].type != "command" or not words or words[0] not in ("exit", "return"):
            return
        maker = self.assign_status.get((parts[0].start_byte, parts[0].end_byte))
        if maker is not None:
            self.sure.add(maker)
        elif parts[0].type == "command":
            self.succeeded = (*self.succeeded, *self._succeeded(parts[0], first))

    def _succeeded(self, node: Any, last: list[SimpleCommand]) -> tuple[int, ...]:
        """The command a part of an `&&` chain surely ran with success when the next part runs:
        a simple command (redirected or not) or a pipeline's last command; nothing for a group,
        branch or loop, whose status need not be any one command's."""
        if node.type == "variable_assignment":
            maker = self.assign_status.get((node.start_byte, node.end_byte))
            return (maker,) if maker is not None else ()
        if node.type == "redirected_statement":
            body = node.child_by_field_name("body")
            if body is not None and body.type == "list" and len(last) == 1 and \
                    _chain_parts(body, self.text)[1] == {"&&"}:
                # `a && b > f && c`: tree-sitter hangs `> f` off `a && b`; c runs after both succeeded
                for i in range(len(self.out) - 1, -1, -1):
                    if self.out[i] is last[0]:
                        return (*last[0].after, i)
                return ()
            node = body if body is not None and body.type == "command" else node
        elif node.type == "pipeline" and node.named_children:
            node = node.named_children[-1]
        if node.type != "command" or len(last) != 1:
            return ()
        for i in range(len(self.out) - 1, -1, -1):
            if self.out[i] is last[0]:
                return (i,)
        return ()

    def forget(self, names: list[str] | None) -> None:
        """Variables a command sets in a way blastwall does not follow (None: any of them)."""
        for name in list(self.vars) if names is None else names:
            self.set_var(name, unknown(name))

    def set_var(self, name: str, value: Word) -> None:
        self.journal.append((name, self.vars.get(name)))
        self.vars[name] = value

    def undo(self, mark: int) -> None:
        """Put back every variable as it was at `mark` (what a subshell set is not seen after it)."""
        for name, old in reversed(self.journal[mark:]):
            if old is None:
                self.vars.pop(name, None)
            else:
                self.vars[name] = old
        del self.journal[mark:]

    def unsure_since(self, mark: int) -> None:
        """Every variable written since `mark` now holds its old or its new value: unknown,
        unless it ends where it started. Costs the writes since `mark`, not all variables."""
        first: dict[str, Word | None] = {}
        for name, old in self.journal[mark:]:
            first.setdefault(name, old)
        for name, old in first.items():
            now = self.vars.get(name)
            if now is None or old is None or (old.text, old.dynamic, old.path_class) != (now.text, now.dynamic,
                                                                                         now.path_class):
                self.set_var(name, unknown(name))

    def assign(self, node: Any) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return
        name = self.text(name_node)
        if name_node.type == "subscript":  # a[$(cmd)]=1: the subscript runs
            self.sweep(name_node)
            base = name_node.child_by_field_name("name")
            if base is not None:  # an element changed: the array's literal binding (arrays.py) no longer holds
                self.set_var(self.text(base), unknown(self.text(base)))
        if name == "IFS":
            self.errors.append("the command changes IFS, which changes how words split")
        before = len(self.out)
        if value_node is not None and value_node.type in _SUBSTITUTIONS and \
                (value_node.start_byte, value_node.end_byte) not in self.walked:
            self.walk(value_node)  # `d=$(mktemp -d)`: it runs now, before what follows on the line
        value = self.word(value_node) if value_node is not None else Word("")
        self.code_variable(name, value, value_node)
        if value_node is not None and value_node.type == "array" and name_node.type != "subscript":
            value = Word(value.text, dynamic=True, raw=value.raw)  # a fresh object the binding is keyed by
            if "+=" not in self.text(node)[len(name):len(name) + 3]:
                self.arrays.bind(value, [self._word(v) for v in value_node.named_children])
        self.set_var(name, value)
        if self.vars.get(ALLEXPORT) is not None and self.vars[ALLEXPORT].text != "":
            self.set_var(EXPORTED + name, Word.lit("1"))  # `set -a`: every assignment is exported
        self.set_after.setdefault(name, len(self.out))  # the commands the line had run when it was first set
        if value.path_class is SCRATCH and len(self.out) == before + 1 and node.type == "variable_assignment":
            self.made_by[name] = before  # `d=$(mktemp -d)`: its status is mktemp's
            self.assign_status[(node.start_byte, node.end_byte)] = before
            if self.errexit and node.parent is not None and node.parent.type == "program" and not self.ctx:
                self.sure.add(before)

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
                    if n.type == "subscript":
                        self.sweep(n)
                    assigns[self.text(n)] = self.word(v) if v is not None else Word("")
                    self.code_variable(self.text(n), assigns[self.text(n)], v)
            elif ct in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                reds.extend(self.redirect(r) for r in _flat_redirects([child]))
            elif ct == "comment":
                continue
            else:
                argv.extend(self.words_of(child))
        if not argv:
            # `X=1` alone is an assignment for the rest of the line
            for name, value in assigns.items():
                self.set_var(name, value)
            return None
        written = argv
        argv = self.expand_alias(argv)
        if argv is not written:
            if written[0].raw not in (None, written[0].text):
                argv = written  # `\rm`, `"rm"`: bash never expands a quoted name
            else:  # bash without expand_aliases (any script, `bash -c`) runs the name as written: judge both
                self.out.append(SimpleCommand(argv=split_unquoted(written), assigns=assigns, redirects=reds,
                                              stdin_from=stdin_from, source=self.text(node), ctx=self.ctx,
                                              after=self.succeeded))
        if argv and argv[0].text == "alias":
            self.record_alias(argv[1:])
        argv = split_unquoted(argv)
        if argv[0].text == "trap":
            argv = self.trap(argv)
        if argv[0].text == "set" and not assigns:
            self.errexit = _errexit(argv, self.errexit) and node.parent is not None and node.parent.type == "program" \
                and not self.ctx
            allexport = set_option(argv, "a", "allexport", self.vars.get(ALLEXPORT))
            if allexport is not self.vars.get(ALLEXPORT):
                self.set_var(ALLEXPORT, allexport)
        self.forget(set_by(argv))  # read X, printf -v X, eval, source
        self.positionals(argv, assigns)
        cmd = SimpleCommand(argv=argv, assigns=assigns, redirects=reds, stdin_from=stdin_from, source=self.text(node),
                            ctx=self.ctx, after=self.succeeded, env=environment(self.vars))
        self.out.append(cmd)
        self.call(node, argv)
        return cmd

    # ---- positional parameters and functions (positional.py) ---------------------------
    def words_of(self, node: Any) -> list[Word]:
        """A word node as the words it gives: `"$@"` gives one per bound parameter, `"${a[@]}"`
        one per element of a literal array (arrays.py)."""
        if self.arrays and node.type in ("string", "expansion", "command_name"):
            words = self.arrays.expand(self.text(node), self.vars)
            if words is not None:
                return words
        if node.type in ("string", "simple_expansion", "expansion") and "@" in self.vars:
            words = positional.expanded(self.text(node), positional.bound(self.vars))
            if words is not None:
                self.sweep(node)
                return words
        return [self.word(node)]

    def positionals(self, argv: list[Word], assigns: dict[str, Word]) -> None:
        """`set -- a b` binds the parameters for the rest of the line; `shift [N]` moves them."""
        first = argv[0].text
        if first == "set" and not assigns:
            new = positional.set_args(argv)
            if new is not None:
                positional.bind(self.set_var, self.vars, new if new is not False else None)
        elif first == "shift" and not assigns:
            positional.bind(self.set_var, self.vars, positional.shifted(positional.bound(self.vars), argv))

    def define(self, node: Any, start: int) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            self.functions.setdefault(self.text(name_node), []).append((
                node.child_by_field_name("body"), name_node.start_byte, start, len(self.out)))

    def call(self, node: Any, argv: list[Word]) -> None:
        """A function called by name: its body is walked again with these arguments bound."""
        name = argv[0].text
        defs = self.functions.get(name)
        if not defs or argv[0].dynamic or name in self.calling or len(self.calling) >= positional.MAX_CALL_DEPTH:
            return
        body = defs[-1][0]
        name_node = node.child_by_field_name("name")
        if body is None or name_node is None:
            return
        at = self.src.find(name.encode(), name_node.start_byte, name_node.end_byte)
        mark = len(self.journal)
        self.calling = (*self.calling, name)
        try:
            positional.bind(self.set_var, self.vars, argv[1:])
            self.walk(body)
        finally:
            self.calling = self.calling[:-1]
            self.undo(mark)
        if at >= 0:
            self.calls.add(at)

    def called_functions(self) -> None:
        """A function defined once whose every use on the line is a call walked with its arguments:
        the reading of its body where it was defined (arguments unknown) is replaced by a no-op.
        Any other use (`export -f`, `trap f`, a name inside a string, a second definition, a call
        through a variable or too deep) keeps that reading."""
        for name, defs in self.functions.items():
            if len(defs) != 1 or defs[0][2] == defs[0][3]:
                continue
            _, at, start, end = defs[0]
            if positional.uses(self.src, name) - {at} <= self.calls and self.calls & positional.uses(self.src, name):
                for i in range(start, end):
                    self.out[i] = SimpleCommand(argv=[Word.lit(":")], source=":", ctx=self.out[i].ctx)

    def export(self, keyword: str, node: Any, words: list[Word]) -> None:
        """`export X=1`, `export X`, `declare -x X`, `export -n X` (varflow.py `exported_names`)."""
        names: list[str] = []
        for c in node.named_children:
            named = c.child_by_field_name("name") if c.type == "variable_assignment" else c
            if named is not None and named.type in ("variable_name", "word"):
                names.append(self.text(named))
        flags = [w.text for w in words if w.text[:1] in "-+" and not w.dynamic]
        for name, on in exported_names(keyword, flags, names):
            self.set_var(EXPORTED + name, Word.lit("1" if on else ""))

    def redirect(self, node: Any) -> Redirect:
        op = ""
        fd = ""
        target: Word | None = None
        body: str | None = None
        misread = self.misread_heredoc(node)
        if misread is not None:
            body = misread
        for child in node.children:
            ct = child.type
            if misread is not None and ct not in ("heredoc_start", "heredoc_end", "file_descriptor") and \
                    child.is_named and child.start_byte > node.start_byte and self._after_start_line(node, child):
                continue  # part of the body tree-sitter took for arguments
            if ct == "file_descriptor":
                fd = self.text(child)
            elif not child.is_named:
                op = op or self.text(child)
            elif ct == "heredoc_body":
                if misread is None:
                    body = self.text(child)
                    self.heredoc_body(node, child)
            elif ct in ("heredoc_start", "heredoc_end"):
                continue
            elif ct == "pipeline" or ct == "command":
                continue  # handled by `redirected` (cat <<EOF | sh)
            elif ct.endswith("_redirect"):
                continue  # `cat <<'EOF' > f`: a redirect of its own (_flat_redirects)
            elif target is None:
                target = self.word(child)
        expands = False
        if node.type == "herestring_redirect":
            op, body = "<<<", (target.text if target else "")
            expands = bool(target and target.dynamic)
            target = None
        elif node.type == "heredoc_redirect" and body is not None:
            start = next((c for c in node.named_children if c.type == "heredoc_start"), None)
            quoted = start is not None and any(q in self.text(start) for q in "'\"\\")
            expands = not quoted and _EXPANSION.search(body) is not None
        return Redirect(op=op, fd=fd, target=target, body=body, expands=expands)

    def _after_start_line(self, redirect: Any, child: Any) -> bool:
        start = next((c for c in redirect.named_children if c.type == "heredoc_start"), None)
        if start is None:
            return False
        line_end = self.src.find(b"\n", start.end_byte)
        return 0 <= line_end < child.end_byte and child.type not in ("heredoc_body", "heredoc_end")

    def misread_heredoc(self, node: Any) -> str | None:
        """The body of a heredoc whose first line starts with a backslash (`bash <<'EOF'` then
        `\\rm -rf x`): tree-sitter-bash reads that line as arguments of the start line. The body
        is the text after the start line, up to the end delimiter; an unquoted one's
        substitutions are walked. None when the heredoc parsed as it should."""
        if node.type != "heredoc_redirect":
            return None
        kids = node.named_children
        start = next((c for c in kids if c.type == "heredoc_start"), None)
        end = next((c for c in kids if c.type == "heredoc_end"), None)
        if start is None or end is None:
            return None
        if not any(self._after_start_line(node, c) for c in kids if c.type not in ("pipeline", "command",
                                                                                   "file_redirect")):
            return None
        line_end = self.src.find(b"\n", start.end_byte)
        body = self.src[line_end + 1:end.start_byte].decode("utf-8", "replace")
        for c in kids:
            if c.type not in ("heredoc_start", "heredoc_end") and self._after_start_line(node, c):
                self.walked.add((c.start_byte, c.end_byte))
        if not any(q in self.text(start) for q in "'\"\\"):
            codes, open_quote = backtick_code(body)
            parens, open_paren = dollar_paren_code(body)
            for code in codes + parens:
                self.code(code)
            if open_quote or open_paren:
                self.errors.append(f"a heredoc body holds a substitution blastwall cannot read ({body.strip()[:60]!r})")
        return body

    def redirected(self, node: Any, stdin_from: SimpleCommand | None) -> list[SimpleCommand]:
        body = node.child_by_field_name("body")
        redirect_nodes = _flat_redirects([c for c in node.named_children if c.type.endswith("_redirect")])
        emitted: list[SimpleCommand]
        if body is not None and body.type not in ("command", "variable_assignment"):
            # `t=$(mktemp) && curl ... > "$t"`: tree-sitter hangs the redirect off the whole list;
            # it belongs to the last command, after the assignments before it
            emitted = self.walk(body, stdin_from)
            outer = self.succeeded
            self.succeeded = emitted[-1].after if emitted else outer  # what that last command runs after
            try:
                reds = [self.redirect(r) for r in redirect_nodes]
            finally:
                self.succeeded = outer
            if emitted:
                emitted[-1].redirects.extend(reds)
            else:
                self.redirect_only.extend(reds)
            return self._heredoc_pipelines(redirect_nodes, emitted)
        reds = [self.redirect(r) for r in redirect_nodes]
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
        return self._heredoc_pipelines(redirect_nodes, emitted)

    def _heredoc_pipelines(self, redirect_nodes: list[Any], emitted: list[SimpleCommand]) -> list[SimpleCommand]:
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
        values = [w for v in node.children_by_field_name("value") for w in self.words_of(v)]
        body = node.child_by_field_name("body")
        if body is None:
            return []
        name = self.text(var) if var is not None else ""
        if not values:
            values = [Word(f"${name}", dynamic=True)]
        mark = len(self.journal)
        for value in values[:MAX_LOOP_VALUES]:
            for part in split_unquoted([value]):
                self.set_var(name, part)
                self.walk(body)
        self.unsure_since(mark)  # the body may run any number of times; the loop variable keeps
        self.set_var(name, unknown(name))  # its last value (blastwall does not pick one)
        return []

    # ---- the whole tree ----------------------------------------------------------------
    def run(self, tree: Any, once: frozenset[str] | None = None) -> None:
        if once is None:  # only words from mktemp and date carry a mark through a variable
            once = set_once(tree.root_node, self.text) if b"mktemp" in self.src or b"date" in self.src else frozenset()
        self.once = once
        self.walk(tree.root_node)
        self.trap_handlers()
        if self.functions:
            self.called_functions()
        if _may_need_audit(self.src):
            self.audit(tree.root_node)
        if tree.root_node.has_error and not self.errors:
            self.errors.append("the command does not parse as bash")

    def audit(self, root: Any) -> None:
        """The last pass over every node: a type `NODE_TYPES` does not list is an ask; a
        substitution or backtick the walk did not reach is walked now; literal text that bash
        evaluates as a name or arithmetic and that holds a subscript running a command
        (`unset 'a[$(cmd)]'`, `[[ -v 'a[$(cmd)]' ]]`, `b['$(cmd)']=1`) is an ask."""
        stack: list[tuple[Any, bool]] = [(root, False)]
        marks = self.code_marks
        while stack:
            n, names = stack.pop()
            t = n.type
            if t not in NODE_TYPES and t != "ERROR" and n.is_named:
                self.errors.append(f"the command uses a bash construct blastwall does not analyze ({t}: "
                                   f"{self.text(n)[:60]!r})")
            if t in _SUBSTITUTIONS:
                if (n.start_byte, n.end_byte) not in self.walked:
                    self.walk(n)
            elif t in _TEXT_LEAVES:
                if marks and _unparsed(self.text(n)) and (n.start_byte, n.end_byte) not in self.walked:
                    self.unparsed_code(n)
            elif t == "heredoc_body" and (n.start_byte, n.end_byte) not in self.walked and n.parent is not None:
                self.heredoc_body(n.parent, n)
            if t in _SUBSTITUTIONS or t == "heredoc_body":
                names = False
            elif t == "command":
                first = n.named_children[0] if n.named_children else None
                names = first is not None and self.text(first) in NAME_BUILTINS
            elif t in _NAME_CONTEXTS or t == "compound_statement" and self.text(n).startswith("(("):
                names = True
            if t == "subscript" and marks and any(_unparsed(self.literal(c)) for c in n.named_children[1:]):
                self.errors.append(f"bash expands the subscript of {self.text(n)[:60]}, which runs a command")
            if names and t in ("raw_string", "string", "word", "concatenation", "ansi_c_string") \
                    and subscript_code(self.literal(n)):
                self.errors.append(f"bash evaluates {self.text(n)[:60]} as a name or a number, which runs the "
                                   "command in its subscript")
            stack.extend((c, names) for c in reversed(n.children))

    # ---- aliases -----------------------------------------------------------------------
    def record_alias(self, args: list[Word]) -> None:
        """`alias NAME=CODE`: later on this line, and in every later command of a shell that stays
        open (an agent's terminal), NAME runs CODE: all of CODE is walked here, as code."""
        for a in args:
            if "=" in a.text:
                name, _, value = a.text.partition("=")
                self.aliases[name] = value
                if a.dynamic:
                    self.errors.append(f"alias {name} is set to code blastwall cannot see ({a.raw[:60]})")
                elif value.strip():
                    self.code(value)

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


def _may_need_audit(src: bytes) -> bool:
    """Whether `_Walker.audit` can find anything in a line of these bytes. Every substitution is
    written with `(` or a backtick, a heredoc with `<`, and a subscript that runs a command with `[`
    and a `$` or a backtick; with none of them, the pass can only find a node type `NODE_TYPES`
    does not list, and there is none while the table names every type of the grammar."""
    return b"(" in src or b"`" in src or b"<" in src or (b"[" in src and b"$" in src) or not _table_covers_grammar()


_COVERED: list[Any] = [None, False]  # the NODE_TYPES table last checked, and whether it names every grammar type


def _table_covers_grammar() -> bool:
    table = NODE_TYPES  # read each time: a test swaps the table for one without a type
    if _COVERED[0] is not table:
        lang = _parser().language
        named = {lang.node_kind_for_id(i) for i in range(lang.node_kind_count)
                 if lang.node_kind_is_named(i) and lang.node_kind_is_visible(i)}
        _COVERED[:] = [table, named - {"ERROR"} <= set(table)]
    return bool(_COVERED[1])


def _flat_redirects(nodes: list[Any]) -> list[Any]:
    """Redirect nodes with the ones tree-sitter nests in a heredoc's (`cat <<'EOF' > f.py`: the
    `> f.py` is a redirect of the command, written after the heredoc's start)."""
    out: list[Any] = []
    for n in nodes:
        out.append(n)
        if n.type == "heredoc_redirect":
            out.extend(c for c in n.named_children if c.type.endswith("_redirect"))
    return out


def _errexit(argv: list[Word], now: bool) -> bool:
    """Whether `set ...` leaves errexit on: `set -e`, `set -euo pipefail`, `set -o errexit`;
    `set +e` turns it off."""
    words = [w.text for w in argv[1:]]
    for i, w in enumerate(words):
        if w.startswith("-") and not w.startswith("--") and "e" in w[1:] and w != "-o":
            now = True
        elif w.startswith("+") and "e" in w[1:] and w != "+o":
            now = False
        elif w in ("-o", "+o") and i + 1 < len(words) and words[i + 1] == "errexit":
            now = w == "-o"
        if any(x.dynamic for x in argv[1:]):
            return False
    return now


def _and_prefix(node: Any, text: Any) -> int:
    """How many parts of a `&&`/`||` chain run only after all the parts before them succeeded: the
    parts up to the first `||` (`a && b || c`: a and b; bash reads it as `(a && b) || c`)."""
    count, stack = 1, [node]
    while stack:
        n = stack.pop()
        if n.type == "list":
            stack.extend(reversed(n.children))
        elif not n.is_named:
            if text(n) != "&&":
                return count
            count += 1
    return count


def _chain_parts(node: Any, text: Any) -> tuple[list[Any], set[str]]:
    """The statements of a `&&`/`||` chain in order (tree-sitter nests it to the left) and its
    operators; iterative, so a chain of thousands of parts costs no recursion."""
    parts: list[Any] = []
    ops: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type != "list":
            if n.is_named and n.type != "comment":
                parts.append(n)
            elif not n.is_named:
                ops.add(text(n))
            continue
        stack.extend(reversed(n.children))
    return parts, ops


@functools.cache
def _one_token_heads() -> frozenset[str]:
    """The program names of `[one_token_printers]` (a cheap gate before the table is read)."""
    from blastwall.analyze.shell.one_token import _commands

    return frozenset(c[0] for c in _commands())


def _one_token_placed(parts: list[Word]) -> PathClass | None:
    """`/tmp/ci-$(git rev-parse --short HEAD).log`: a temporary or regenerable path (one_token.py)."""
    if not any(p.dynamic and p.path_class is not None and p.path_class.kind == "dynamic" for p in parts):
        return None
    from blastwall.analyze.shell.one_token import placed

    return placed(parts)


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


# Keywords that tree-sitter-bash reads as a command name, and which compound commands may
# follow. `coproc [NAME] COMMAND` runs COMMAND; `time [-p] COMMAND` runs COMMAND.
_PREFIX_KEYWORDS = {"coproc": True, "time": False}  # keyword: may take a NAME before a compound command
_PREFIX_KEYWORD_BYTES = tuple(k.encode() for k in _PREFIX_KEYWORDS)
_COMPOUND_OPENERS = ("{", "(", "!", "[[", "if", "for", "while", "until", "case", "select", "function")


def _blank_keywords(tree: Any, src: bytes) -> bytes:
    """`src` with each `coproc [NAME]` and `time [-p]` that precedes a compound command replaced
    by spaces (offsets stay valid), so the compound command parses as the code it is."""
    out = bytearray(src)
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if n.type != "command" or not n.named_children:
            continue
        kids = n.named_children
        keyword = src[kids[0].start_byte:kids[0].end_byte].decode("utf-8", "replace")
        if kids[0].type != "command_name" or keyword not in _PREFIX_KEYWORDS:
            continue
        rest = kids[1:]
        blank = [kids[0]]
        texts = [src[k.start_byte:k.end_byte].decode("utf-8", "replace") for k in rest]
        if keyword == "time":
            while texts and texts[0] in ("-p", "--"):
                blank.append(rest.pop(0))
                texts.pop(0)
            if not rest or not (texts[0] in _COMPOUND_OPENERS or rest[0].type in ("subshell", "ERROR")):
                continue  # `time rm ...` is a wrapper the rule tables strip
        elif len(rest) > 1 and rest[0].type in ("word", "ERROR") and (
                texts[1] in _COMPOUND_OPENERS or rest[1].type == "subshell"):
            blank.append(rest[0])  # coproc NAME { ...; }
        for k in blank:
            out[k.start_byte:k.end_byte] = b" " * (k.end_byte - k.start_byte)
    return bytes(out)


TOO_SLOW = "the command is too irregular to parse in time (a long run of unmatched operators)"

# Where bash keeps a backslash-newline as text: single quotes, `$'...'`, comments and the body of
# a heredoc whose delimiter is quoted. Everywhere else it removes the pair before it reads words
# (`r\<newline>m -rf x` runs rm).
_KEEPS_CONTINUATION = ("raw_string", "ansi_c_string", "comment")


def _join_continuations(tree: Any, src: bytes) -> bytes:
    """`src` with every backslash-newline that bash removes taken out."""
    cuts: list[int] = []
    pos = src.find(b"\\\n")
    while pos >= 0:
        run = 0
        while pos - run - 1 >= 0 and src[pos - run - 1] == 0x5C:
            run += 1
        if run % 2 == 0 and not _kept_at(tree, src, pos):
            cuts.append(pos)
        pos = src.find(b"\\\n", pos + 2)
    if not cuts:
        return src
    out = bytearray()
    last = 0
    for c in cuts:
        out += src[last:c]
        last = c + 2
    out += src[last:]
    return bytes(out)


def _kept_at(tree: Any, src: bytes, pos: int) -> bool:
    node = tree.root_node.descendant_for_byte_range(pos, pos + 1)
    while node is not None:
        if node.type in _KEEPS_CONTINUATION:
            return True
        if node.type == "heredoc_body" and node.parent is not None:
            start = next((c for c in node.parent.named_children if c.type == "heredoc_start"), None)
            return start is not None and any(q in src[start.start_byte:start.end_byte] for q in (b"'", b'"', b"\\"))
        node = node.parent
    return False


def parse(text: str) -> Parsed:
    """The commands of a command line (see the module docstring). Within one check a text is
    parsed once (the analyzer and the environment stage read the same line; blastwall.memo): what
    this returns is shared, and never changed by its callers. A parse cut short by the clock is
    not handed on."""
    return once_per_check(("shell.parse", text), lambda: _parse(text), keep=_whole)


def _whole(parsed: Parsed) -> bool:
    """A parse the clock did not cut short (one that may be handed on)."""
    return TOO_SLOW not in parsed.errors


def _plain_command(text: str) -> Parsed | None:
    """The parse of a line of plain words, or of plain commands joined by `&&` and `;` (plain.py),
    as the walk would read it, or None when `text` is not one. A table without one of the grammar's node types asks (audit): then the
    walk reads every line."""
    if not _table_covers_grammar():
        return None
    argv = plain_words(text, NAME_BUILTINS)
    if argv is not None:
        return Parsed(commands=[SimpleCommand(argv=argv, assigns={}, redirects=[], source=text.strip())], errors=[],
                      redirect_only=[])
    chain = plain_chain(text, NAME_BUILTINS)
    if chain is None:
        return None
    return Parsed(commands=[SimpleCommand(argv=words, assigns={}, redirects=[], source=source, after=after)
                            for words, source, after in chain], errors=[], redirect_only=[])


def _parse(text: str) -> Parsed:
    plain = _plain_command(text)
    if plain is not None:
        return plain
    # Valid UTF-8 only (lone surrogates from JSON "\ud800" escapes become "?").
    src = text.encode("utf-8", "replace")
    safe = _parser_safe(src, text)
    tree, cut = _parse_bounded(safe)
    if not cut and b"\\\n" in src:  # line continuations inside words: `r\<newline>m`
        joined = _join_continuations(tree, src)
        if joined != src:
            src = joined
            safe = _parser_safe(src, src.decode("utf-8", "replace"))
            tree, cut = _parse_bounded(safe)
    for _ in range(MAX_CODE_DEPTH):  # `coproc NAME { ...; }`, `time { ...; }`: the keyword hides the code
        if cut or not any(k in safe for k in _PREFIX_KEYWORD_BYTES):  # no keyword, nothing to blank
            break
        blanked = _blank_keywords(tree, safe)
        if blanked == safe:
            break
        safe = blanked
        tree, cut = _parse_bounded(safe)
    walker = _Walker(src)
    if cut:
        walker.errors.append(TOO_SLOW)
    walker.run(tree)
    return Parsed(commands=walker.out, errors=walker.errors, redirect_only=walker.redirect_only)
