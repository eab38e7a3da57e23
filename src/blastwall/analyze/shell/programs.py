"""Match a program's argv against the rule tables in `rules/shell_*.toml`.

A table declares programs (`[program.git]`: names and options that take a value) and rules
(`[[rule]]`: program, subcommand shape, flags, arguments -> effect, severity, reason, safer).
Matching is a pure function of the argv; nothing here knows any particular program.

Rule fields (all optional except program and the finding fields):
  command       words the positionals must start with; "a|b" alternatives, globs allowed
  command_any   some positional anywhere matches one of these globs
  any_flag      at least one of these options is present (`-f` also matches `-fdx`; `--vacuum-*` any
                option starting so, for programs that take abbreviated long options)
  all_flags     all of these options are present
  any_arg       some positional after `command` matches one of these globs
                (when both any_flag and any_arg are given, either one suffices)
  unless_flag   none of these options is present
  unless_arg    no positional after `command` matches one of these globs
  min_args      at least this many positionals after `command`
  value_of      options whose values `any_value` looks at (`-c` of `git -c key=value`)
  any_value     some value of a `value_of` option matches one of these globs (required when given)
  unless_value  values matching these globs do not count for `any_value`; without `any_value`, the
                rule does not match when every value of a `value_of` option matches one (`pg_ctl -D DIR
                stop` of the scratch folder mktemp made on this line)
  unless_all_args_class  the rule does not match when there are positionals after `command` and
                each one is of this named class (`ARG_CLASSES`: "regenerable", build output or caches
                as analyze/paths.py classifies a path or name pattern)
  unless_value_class  a named class of values that count as `unless_value` too (`VALUE_CLASSES`:
                "quiet-network", a local node or test network as analyze/mcp_chain.py reads one)
  nocase        positionals and values are compared in lower case (git's config keys)
  aged_commands first subcommands that respect an age filter: with one of them, an option that bounds
                the run to what is older than a day or more (`rclone delete --min-age 90d`,
                `mc rm --older-than 30d`; analyze/verbs.py age_bounded) makes the rule not match
  target        "args" | "arg:N" | "flag:--name|-n" | "command": what the finding names
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.analyze.ruleset import load_table, program_index, table_names
from blastwall.analyze.shell.ir import Word
from blastwall.model import Effect, Finding, Severity


class Program(NamedTuple):
    key: str
    names: tuple[str, ...]
    value_options: frozenset[str]
    single_dash_long: bool
    env_args: bool = False  # NAME=value before the command is read as the same word after it (rake)
    # variables the program reads as options (`TF_CLI_ARGS_apply=-auto-approve`): name (a glob) ->
    # "words" (the value's words are added to the command line) or an option added when the value is on
    env_options: tuple[tuple[str, str], ...] = ()


class ParsedArgs(NamedTuple):
    positionals: tuple[str, ...]
    flags: tuple[str, ...]
    values: tuple[tuple[str, str], ...]
    dashdash: bool


class Shape(NamedTuple):
    """A rule row's matcher fields as tuples, read once when its table is indexed (`_shape`)."""

    command: tuple[tuple[str, ...], ...]  # per word, its "a|b" alternatives
    command_any: tuple[str, ...]
    any_flag: tuple[str, ...]
    all_flags: tuple[str, ...]
    unless_flag: tuple[str, ...]
    any_arg: tuple[str, ...]
    unless_arg: tuple[str, ...]
    value_of: tuple[str, ...]
    any_value: tuple[str, ...]
    unless_value: tuple[str, ...]
    unless_class: str
    unless_all_args: str
    min_args: int
    nocase: bool
    # The glob tests above as functions, built with the shape (`globs.predicate`: the test
    # `globs.match_any` makes for each tuple): per command word, then command_any, unless_arg,
    # any_arg, any_value and unless_value.
    command_tests: tuple[Callable[[str], bool], ...] = ()
    command_any_test: Callable[[str], bool] = globs.predicate(())
    unless_arg_test: Callable[[str], bool] = globs.predicate(())
    any_arg_test: Callable[[str], bool] = globs.predicate(())
    any_value_test: Callable[[str], bool] = globs.predicate(())
    unless_value_test: Callable[[str], bool] = globs.predicate(())


class Rule(NamedTuple):
    row: dict[str, Any]
    shape: Shape | None = None

    @property
    def id(self) -> str:
        return str(self.row["id"])


def _shape(r: dict[str, Any]) -> Shape:
    def every(key: str) -> tuple[str, ...]:
        return tuple(_as_list(r.get(key)))

    def given(key: str) -> tuple[str, ...]:  # a field that counts only when set and not empty
        return tuple(_as_list(r[key])) if r.get(key) else ()

    command = tuple(tuple(alt.split("|")) for alt in _as_list(r.get("command")))
    command_any, unless_arg, any_arg = given("command_any"), given("unless_arg"), every("any_arg")
    any_value, unless_value = given("any_value"), every("unless_value")
    return Shape(
        command=command,
        command_any=command_any, any_flag=every("any_flag"), all_flags=given("all_flags"),
        unless_flag=every("unless_flag"), any_arg=any_arg, unless_arg=unless_arg,
        value_of=every("value_of"), any_value=any_value, unless_value=unless_value,
        unless_class=str(r.get("unless_value_class", "")), unless_all_args=str(r.get("unless_all_args_class", "")),
        min_args=int(r.get("min_args", 0)), nocase=bool(r.get("nocase")),
        command_tests=tuple(globs.predicate(alts) for alts in command),
        command_any_test=globs.predicate(command_any), unless_arg_test=globs.predicate(unless_arg),
        any_arg_test=globs.predicate(any_arg), any_value_test=globs.predicate(any_value),
        unless_value_test=globs.predicate(unless_value),
    )


def _index_table(name: str, programs: dict[str, Program], rules: dict[str, list[Rule]], keywords: set[str]) -> None:
    table = load_table(name)
    for key, spec in (table.get("program") or {}).items():
        prog = Program(
            key=key,
            names=tuple(spec.get("names", [key])),
            value_options=frozenset(spec.get("value_options", [])),
            single_dash_long=bool(spec.get("single_dash_long", False)),
            env_args=bool(spec.get("env_args", False)),
            env_options=tuple((spec.get("env_options") or {}).items()),
        )
        for n in prog.names:
            programs[n] = prog
            keywords.add(n)
    for row in table.get("rule") or []:
        if "program" not in row:
            continue
        rule = Rule(row, _shape(row))
        for prog_name in _as_list(row["program"]):
            rules.setdefault(prog_name, []).append(rule)


def _rule_tables() -> list[str]:
    return [n for n in table_names() if n.startswith("shell_") and n not in ("shell_wrappers", "shell_fs", "shell_scripts")]


@functools.cache
def _tables() -> tuple[dict[str, Program], dict[str, list[Rule]], frozenset[str]]:
    """Every shell table, indexed (tests and the quick-reject screen use this)."""
    programs: dict[str, Program] = {}
    rules: dict[str, list[Rule]] = {}
    keywords: set[str] = set()
    for name in _rule_tables():
        _index_table(name, programs, rules, keywords)
    return programs, rules, frozenset(keywords)


@functools.cache
def _tables_for(name: str) -> tuple[dict[str, Program], dict[str, list[Rule]]]:
    """Only the tables with rules for program `name` (a hook loads one or two, not all)."""
    index = program_index()
    if index is None:
        every = _tables()
        return every[0], every[1]
    programs: dict[str, Program] = {}
    rules: dict[str, list[Rule]] = {}
    for table in index.get(name, []):
        _index_table(table, programs, rules, set())
    return programs, rules


def known_program(name: str) -> bool:
    return name in _tables()[0]


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def parse_args(words: list[Word], prog: Program | None) -> ParsedArgs:
    positionals: list[str] = []
    flags: list[str] = []
    values: list[tuple[str, str]] = []
    value_opts = prog.value_options if prog else frozenset()
    dashdash = False
    i = 0
    while i < len(words):
        t = words[i].text
        if dashdash or not t.startswith("-") or t == "-":
            positionals.append(t)
        elif t == "--":
            dashdash = True
            flags.append("--")
        else:
            flags.append(t)
            if "=" in t:
                k, _, v = t.partition("=")
                values.append((k, v))
            elif t in value_opts and i + 1 < len(words):
                values.append((t, words[i + 1].text))
                i += 1
            elif t[1] == "-" and i + 1 < len(words) and words[i + 1].text in _BOOL_WORDS:
                flags[-1] = f"{t}={words[i + 1].text}"  # `az ... --append false`: the option's own value
                i += 1
        i += 1
    return ParsedArgs(tuple(positionals), tuple(flags), tuple(values), dashdash)


# Words a CLI (az, gcloud) takes as a long boolean option's value in the next word.
_BOOL_WORDS = frozenset({"true", "false"})

# Values that turn a boolean option off when given with `=` (`kubectl delete --dry-run=none` runs).
_OFF_VALUES = frozenset({"false", "0", "no", "off", "none", "never"})


def _flag_present(spec: str, flags: tuple[str, ...], single_dash_long: bool,
                  options: frozenset[str] = frozenset()) -> bool:
    """Whether option `spec` is given; `options` are the program's own option names, which are never
    read as a bundle of short ones (golang's `-path` is not `-p -a -t -h`)."""
    if spec == "--":
        return "--" in flags
    if spec.endswith("*"):  # `--vacuum-*`: GNU getopt and gpg take any unambiguous start of a long option
        return any(f.split("=", 1)[0].startswith(spec[:-1]) for f in flags)
    for f in flags:
        if single_dash_long and f.startswith("--") and len(f) > 2:
            f = f[1:]
        if f == spec:
            return True
        if spec.startswith("-") and "=" not in spec and f.startswith(spec + "="):
            if f[len(spec) + 1:].strip().lower() in _OFF_VALUES:
                continue  # `--dry-run=none`, `--force=false`: the option is given and turned off
            return True
        if (
            not single_dash_long
            and len(spec) == 2
            and spec[0] == "-"
            and spec[1] != "-"
            and len(f) > 2
            and f[0] == "-"
            and f[1] != "-"
            and "=" not in f
            and f[1:].isalnum()
            and f not in options
            and spec[1] in f[1:]
        ):
            return True
    return False


def _match_command(tests: tuple[Callable[[str], bool], ...], positionals: tuple[str, ...]) -> bool:
    """The positionals start with the command words (`Shape.command_tests`: each word's alternatives)."""
    if len(positionals) < len(tests):
        return False
    for test, p in zip(tests, positionals):  # noqa: B905 - positionals may be longer
        if not test(p):
            return False
    return True


def _lowered(args: ParsedArgs) -> ParsedArgs:
    """The words as a `nocase` rule compares them."""
    return args._replace(positionals=tuple(p.lower() for p in args.positionals),
                         values=tuple((k, v.lower()) for k, v in args.values))


def _matches(rule: Rule, args: ParsedArgs, prog: Program | None, lowered: ParsedArgs | None = None) -> bool:
    """`lowered`: `_lowered(args)`, when the caller has it (a program's nocase rules share it)."""
    s = rule.shape or _shape(rule.row)
    sdl = prog.single_dash_long if prog else False
    opts = prog.value_options if prog else frozenset()
    if s.nocase:
        args = lowered if lowered is not None else _lowered(args)
    if s.any_value:
        if not any(k in s.value_of and s.any_value_test(v) and not _unless(v, s)
                   for k, v in args.values):
            return False
    elif (s.unless_value or s.unless_class) and _all_unless(s, args):
        return False
    if s.command and not _match_command(s.command_tests, args.positionals):
        return False
    rest = args.positionals[len(s.command):]
    if s.command_any and not any(s.command_any_test(p) for p in args.positionals):
        return False
    flags = args.flags  # with none, no option test below can hold (`_flag_present` is False for each)
    if s.unless_flag and flags and any(_flag_present(f, flags, sdl, opts) for f in s.unless_flag):
        return False
    if s.unless_arg and any(s.unless_arg_test(p) for p in rest):
        return False
    if len(rest) < s.min_args:
        return False
    if s.unless_all_args and rest and all(ARG_CLASSES[s.unless_all_args](p) for p in rest):
        return False
    if s.all_flags and not (flags and all(_flag_present(f, flags, sdl, opts) for f in s.all_flags)):
        return False
    if s.any_flag or s.any_arg:
        ok = flags and any(_flag_present(f, flags, sdl, opts) for f in s.any_flag) or any(s.any_arg_test(p) for p in rest)
        if not ok:
            return False
    return True


def _all_unless(s: Shape, args: ParsedArgs) -> bool:
    """Every value given to a `value_of` option (at least one) matches `unless_value`."""
    values = [v for k, v in args.values if k in s.value_of]
    return bool(values) and all(_unless(v, s) for v in values)


def _quiet_network(value: str) -> bool:
    """A local node or a test network, written out: a variable's name (`$SEPOLIA_RPC_URL`) proves nothing."""
    from blastwall.analyze.mcp_chain import network_kind

    return not any(c in value for c in "$`") and network_kind(value) in ("local", "test")


def _regenerable(arg: str) -> bool:
    """Build output or a cache, named as a path (`build/`, `out`) or a name pattern (`'*.log'`)."""
    from blastwall.analyze.paths import classify, is_regenerable_pattern

    if arg.startswith(("/", "~", "$")) or ".." in arg.split("/"):
        return False
    return is_regenerable_pattern(arg) or classify(arg).kind == "regenerable"


# Named classes of positionals a rule may except when all of them are of it (`unless_all_args_class`).
def _plain_file(arg: str) -> bool:
    """A project, build-output or temporary path (no data, secret or history file, nothing outside)."""
    from blastwall.analyze.paths import classify

    return classify(arg).kind in ("project", "project_top", "project_glob", "regenerable", "temp", "temp_top")


def _scratch(arg: str) -> bool:
    """A temporary folder or build output."""
    from blastwall.analyze.paths import classify

    return classify(arg).kind in ("regenerable", "temp", "temp_top")


ARG_CLASSES = {"regenerable": _regenerable, "plain-file": _plain_file, "scratch": _scratch}


# Named classes of option values a rule may except (`unless_value_class`): what a glob cannot say.
VALUE_CLASSES = {"quiet-network": _quiet_network}


def _unless(value: str, s: Shape) -> bool:
    return s.unless_value_test(value) or bool(s.unless_class) and VALUE_CLASSES[s.unless_class](value)


def _target(rule: Rule, args: ParsedArgs, argv_text: str) -> str:
    spec = str(rule.row.get("target", "args"))
    command_len = len(_as_list(rule.row.get("command")))
    rest = args.positionals[command_len:]
    if spec == "command":
        return argv_text
    if spec.startswith("arg:"):
        n = int(spec[4:])
        return rest[n] if n < len(rest) else ""
    if spec.startswith("flag:"):
        names = spec[5:].split("|")
        for k, v in args.values:
            if k in names:
                return v
        return ""
    return " ".join(rest)


def _keyed(rule: Rule) -> bool:
    """The rule's first subcommand word is a list of plain words (no glob, compared as written):
    only a first positional equal to one of them can match it."""
    s = rule.shape
    return s is not None and bool(s.command) and not s.nocase and not any(
        c in alt for alt in s.command[0] for c in "*?[")


@functools.lru_cache(maxsize=4096)
def _candidates(name: str, first: str | None) -> tuple[Rule, ...]:
    """The rules of program `name` that can match when its first positional is `first` (None:
    it has none), in table order: the others name another first subcommand word."""
    rules = _tables_for(name)[1].get(name) or []
    return tuple(r for r in rules if not _keyed(r) or (first is not None and first in r.shape.command[0]))  # type: ignore[union-attr]


def _shown(word: Word) -> Word:
    """A word as the rule tables see it: a path mktemp made on this line (scratch.py) by what it
    is, not as the `$(mktemp)` text a rule takes for a name it cannot resolve (`mkfs.ext4 "$f"`
    formats a new file, not an unknown device)."""
    from blastwall.analyze.shell.scratch import INSIDE, SCRATCH

    if word.path_class in (SCRATCH, INSIDE) and word.dynamic:
        return word._replace(text=word.path_class.path, dynamic=False)
    return word


def _aged(rule: Rule, args: ParsedArgs, argv: list[Word], name: str) -> bool:
    """The rule's subcommand removes only what an age option says expired (`aged_commands`)."""
    aged = _as_list(rule.row.get("aged_commands"))
    if not aged or not args.positionals or args.positionals[0] not in aged:
        return False
    from blastwall.analyze.verbs import _AGE, age_bounded

    targets = [t for t in args.positionals[1:] if not _AGE.fullmatch(t)]  # `--min-age 30d`: the option's value
    if rule.row.get("aged_local_only") and not all(_local(t) for t in targets):
        return False  # remote storage: what expired there cannot be measured
    return age_bounded([w.text for w in argv[1:]], name)  # a variable (`$A`) is no age


def _local(target: str) -> bool:
    """A path on this machine by its spelling (`/x`, `./logs`, `~/x`, `../x`), or a remote one named
    for scratch or regenerable output (`gdrive:ci-tmp`, `minio/ci-artifacts`: rules/verbs.toml
    regenerable nouns); not a remote holding data (`s3prod:acme-media`, `alias/bucket`)."""
    if target.startswith(("/", "./", "../", "~")) or target in (".", ".."):
        return True
    from blastwall.analyze.verbs import _vocabulary, tokens

    return bool(set(tokens(target.partition(":")[2] or target)) & _vocabulary().regenerable)


# A first subcommand word that makes any command path help text (`TOOL help TASK`).
_HELP = frozenset({"help"})


def _env_option_words(prog: Program, assigns: dict[str, Word]) -> list[Word]:
    """The options the command's environment gives the program (`Program.env_options`)."""
    import fnmatch
    import shlex

    out: list[Word] = []
    for key, value in assigns.items():
        for pattern, mode in prog.env_options:
            if not fnmatch.fnmatchcase(key, pattern) or value.dynamic:
                continue
            if mode != "words":
                if value.text.strip().lower() not in _OFF_VALUES and value.text.strip():
                    out.append(Word.lit(mode))
                continue
            try:
                out += [Word.lit(w) for w in shlex.split(value.text)]
            except ValueError:
                out += [Word.lit(w) for w in value.text.split()]
    return out


def match(name: str, argv: list[Word], *, source: str = "", assigns: dict[str, Word] | None = None) -> list[Finding]:
    """Findings for one program invocation (`argv[0]` already normalized to `name`); `assigns` are the
    command's leading NAME=value words, read as arguments by a program whose table says `env_args`."""
    programs, rules = _tables_for(name)
    if not rules.get(name):
        return []
    prog = programs.get(name)
    if assigns and prog is not None and prog.env_args:  # `VERSION=0 rails db:migrate` = `rails db:migrate VERSION=0`
        argv = argv + [Word(text=f"{k}={v.text}", dynamic=v.dynamic, raw=f"{k}={v.raw}") for k, v in assigns.items()]
    if assigns and prog is not None and prog.env_options:
        argv = argv + _env_option_words(prog, assigns)
    argv = [w if w.path_class is None else _shown(w) for w in argv]
    args = parse_args(argv[1:], prog)
    if args.positionals and args.positionals[0] in _HELP:
        return []  # `mix help ecto.drop`, `artisan help migrate:fresh`: prints the task's help
    candidates = _candidates(name, args.positionals[0] if args.positionals else None)
    argv_text = ""  # the words joined, once a rule matches
    out: list[Finding] = []
    lowered: ParsedArgs | None = None
    for rule in candidates:
        if lowered is None and rule.shape is not None and rule.shape.nocase:
            lowered = _lowered(args)
        if not _matches(rule, args, prog, lowered) or _aged(rule, args, argv, name):
            continue
        r = rule.row
        argv_text = argv_text or " ".join(w.text for w in argv)
        target = _target(rule, args, argv_text)
        reason = str(r["reason"])
        reason = reason.replace("{target}", target) if target else reason.replace(" ({target})", "").replace(
            "{target}", "the target")
        out.append(
            Finding(
                rule_id=rule.id,
                effect=Effect(r["effect"]),
                severity=Severity.parse(r["severity"]),
                reason=reason,
                target=target,
                reversible=bool(r.get("reversible", False)),
                safer=str(r.get("safer", "")),
                source=(source or argv_text)[:200],
            )
        )
        if r.get("final", True):
            break
    return out
