"""Shell commands that read secrets (`rules/shell_reads.toml`): the files a program prints,
copies, archives or uploads, what it is fed with `<`, and the environment it dumps.

    secret_reads("cat", argv("cat .env"), cmd, scope)  -> [Finding(rule_id="file.read:dotenv", ...)]

Whether a file is secret-bearing is the file analyzer's answer (`analyze/files.py`: blastwall's
own keys and store, the secret scanner's list, names that look secret), so a shell read and a
read tool's read of the same file get the same rule id. A recursive search or an archive of a
folder reads the listed files inside it (`grep -r TOKEN .`), and, when blastwall may look at the
disk, the secret-looking files directly in it.
"""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.files import analyze_read
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.argreads import (
    argument_reads,
    fed_names,
    loaded_reads,
    sourced_reads,
    stdin_name_programs,
)
from blastwall.analyze.shell.envreads import STORE_URL_VAR, _env_finding, _environment, environment_dump
from blastwall.analyze.shell.ir import Selection, SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.analyze.shell.readargs import file_urls, literal, script_files, search_of
from blastwall.analyze.shell.readargs import has_flag as _has
from blastwall.analyze.shell.readpaths import (
    MAX_GLOB,
    TOO_MANY,
    expand,
    in_shell_dir,
    is_dir,
    lost,
    mounted,
    run_time_selection,
)
from blastwall.model import Finding, Severity

__all__ = ["environment_dump", "input_reads", "run_time_selection", "secret_reads", "wrapper_reads"]


MAX_PER_FOLDER = 10


class Args(NamedTuple):
    flags: list[str]
    values: list[tuple[str, str]]
    positionals: list[Word]
    words: list[Word] = []  # noqa: RUF012 - never mutated; every word after the program name, in order


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shell_reads")


class _Row(NamedTuple):
    """A `[[read]]` row as `secret_reads` asks it, worked out once when the table is indexed."""

    row: dict[str, Any]
    command: tuple[Callable[[str], bool], ...]  # per subcommand word: whether a positional is one of its alternatives
    options: tuple[frozenset[str], tuple[str, ...]]  # (value options, pair options): rows that share them share a split
    # The first subcommand word's alternatives when none is a pattern: a command none of whose words
    # is one of them cannot match the row (its positionals are among its words). None: no such test.
    first: frozenset[str] | None = None


@functools.cache
def _index() -> dict[str, list[_Row]]:
    """program -> its rows, each with its subcommand words' alternatives (`"push|save"` split once,
    each word's test built once: `globs.predicate`, the test `globs.match_any` makes)."""
    idx: dict[str, list[_Row]] = {}
    for row in _table()["read"]:
        words = [tuple(alt.split("|")) for alt in row.get("command") or []]
        command = tuple(globs.predicate(alts) for alts in words)
        options = (frozenset(row.get("value_options", ())), tuple(row.get("pair_options", ())))
        first = frozenset(words[0]) if words and not any(c in a for a in words[0] for c in "*?[") else None
        for name in row["programs"]:
            idx.setdefault(name, []).append(_Row(row, command, options, first))
    return idx


def reader_programs() -> frozenset[str]:
    """Every program this table knows to read files or print the environment."""
    env = _table()["environment"]
    return frozenset(_index()) | frozenset(env["dump_programs"]) | frozenset(env["print_programs"])


def _split(words: list[Word], value_options: Collection[str], pair_options: tuple[str, ...] = ()) -> Args:
    flags: list[str] = []
    values: list[tuple[str, str]] = []
    positionals: list[Word] = []
    dashdash = False
    i = 0
    while i < len(words):
        w = words[i]
        t = w.text
        if dashdash or not t.startswith("-") or t == "-":
            positionals.append(w)
        elif t == "--":
            dashdash = True
        else:
            flags.append(t)
            if t.startswith("--") and "=" in t:
                k, _, v = t.partition("=")
                values.append((k, v))
            elif t in pair_options and i + 2 < len(words):
                values.append((t, words[i + 2].text))  # `--rawfile NAME FILE`: the second word is the value
                i += 2
            elif "=" in t and t.split("=", 1)[0] in value_options:
                values.append(tuple(t.split("=", 1)))  # type: ignore[arg-type]  # `-in=FILE`
            elif t in value_options and i + 1 < len(words):
                values.append((t, words[i + 1].text))
                i += 1
            elif len(t) > 2 and t[:2] in value_options and not t.startswith("--"):
                values.append((t[:2], t[2:]))  # -fvalue
        i += 1
    return Args(flags, values, positionals, words)


def _command_matches(command: tuple[Callable[[str], bool], ...], positionals: list[Word]) -> int | None:
    """How many positionals the row's subcommand words (each word's test) take, or None when they
    do not match."""
    if len(positionals) < len(command):
        return None
    for test, w in zip(command, positionals):  # noqa: B905 - positionals may be longer
        if not test(w.text):
            return None
    return len(command)


def secret_reads(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope, *, with_redirects: bool = True,
                 ) -> list[Finding]:
    """The secrets that program `name` (argv already unwrapped) reads."""
    out: list[Finding] = input_reads(cmd, scope, name) if with_redirects else []
    handled = False
    splits: dict[tuple[frozenset[str], tuple[str, ...]], Args] = {}  # rows with the same options share a split
    given: frozenset[str] | None = None  # the words' texts, once a row asks
    for row, command, options, first in _index().get(name, ()):
        if first is not None:
            if given is None:
                given = frozenset(w.text for w in argv[1:])
            if first.isdisjoint(given):
                continue  # no word is its first subcommand word: the command test below fails
        args = splits.get(options)
        if args is None:
            args = splits[options] = _split(argv[1:], options[0], options[1])
        taken = _command_matches(command, args.positionals)
        if taken is None or (row.get("args") and not any(
                globs.match_any(w.text.lower(), row["args"]) for w in args.positionals[taken:])):
            continue
        handled = True
        if row.get("unless_flag") and _has(args.flags, row["unless_flag"]) and not _oracle(row, args, taken):
            break
        positionals = args.positionals[taken:]
        if row.get("only_with"):
            if positionals and positionals[0].text in row["only_with"]:
                positionals = positionals[1:]
            elif not _has(args.flags, row["only_with"]):
                break
        who = " ".join([name, *(w.text for w in args.positionals[:taken])])
        out.extend(_row_reads(row, who, args._replace(positionals=positionals), scope, cmd))
        break
    if name in _environment_programs():  # the others print no variable (envreads._environment)
        out.extend(_environment(name, argv, scope))
    git = _git_args(argv) if name == "git" else None
    if git is not None:
        out.extend(_git_history(git, argv, scope, cmd.assigns))
    # Each reader below reads nothing for any other command: asked only when it may.
    if name in stdin_name_programs():
        out.extend(fed_names(name, argv, cmd, scope))
    if name in ("source", "."):
        out.extend(sourced_reads(name, argv, scope))
    if scope.sourced:
        out.extend(loaded_reads(name, argv, scope))
    if not handled and not _history_reader(git):
        out.extend(argument_reads(name, argv, cmd, scope))
    for w in argv[1:]:
        if w.dynamic and STORE_URL_VAR in w.text:
            out.append(_env_finding("shell.read:blastwall-store-url", name, " ".join(w.text for w in argv)))
            break
    return out


@functools.cache
def _environment_programs() -> frozenset[str]:
    """The programs `envreads._environment` may find something for: `printenv` and `set`, the
    builtins that dump the environment, the programs that print variables."""
    env = _table()["environment"]
    return frozenset(("printenv", "set", *env["dump_builtins"], *env["print_programs"]))


def _oracle(row: dict[str, Any], args: Args, taken: int) -> bool:
    """A search that prints no line (`grep -q`, `-c`, `-l`) still answers whether its pattern is
    in the file: with a pattern made at run time (`grep -q "TOKEN=$p$c" .env` in a loop) the
    answers spell the credential out, one character at a time."""
    if not row.get("search") or _has(args.flags, ["--help", "--version", "-V"]):
        return False
    given = [v for k, v in args.values if k in row.get("pattern_options", [])]
    patterns = given or [w.text for w in args.positionals[taken:taken + 1]]
    options = tuple(row.get("pattern_options", []))
    made = any(w.dynamic and (i and args.words[i - 1].text in options or w.text.startswith(options))
               for i, w in enumerate(args.words))
    return made or any(w.dynamic for w in args.positionals[taken:taken + 1] if not given) or any(
        "`" in p or "$(" in p for p in patterns)


def _git_args(argv: list[Word]) -> Any:
    """`gitreads.parse` of a git command (read once for both uses below)."""
    return _gitreads().parse(argv)


def _history_reader(g: Any) -> bool:
    """A git subcommand whose reads analyze/gitreads.py knows (`git add` of a tracked file reads
    nothing); `g`: the command's `gitreads.parse` (None for another program)."""
    if g is None:
        return False
    return g.sub in _gitreads().READERS


@functools.cache
def _gitreads() -> Any:
    """analyze/gitreads.py, imported on the first git command and kept."""
    from blastwall.analyze import gitreads

    return gitreads


def read_in_shell_dir(path: str, scope: Scope, verb: str) -> list[Finding]:
    """A read of `path` as the command line names it (relative to a `cd` before it; a glob as the
    files it names)."""
    if lost(path, scope):
        return _selected(Selection(roots=(".",), names=(posixpath.basename(path),)), scope, verb)
    out: list[Finding] = []
    for target in expand(in_shell_dir(path, scope), scope):
        out.extend(_read(target, scope, verb))
        out.extend(_restored(target, scope, verb))
    return out


def _restored(path: str, scope: Scope, verb: str) -> list[Finding]:
    """What history held at `path`, when a git command earlier on the line may have put it back."""
    if not scope.earlier or path.startswith(TOO_MANY):
        return []
    from blastwall.analyze.gitreads import rewritten_findings

    return rewritten_findings(path, scope, verb)


def read_one(path: str, scope: Scope, verb: str) -> list[Finding]:
    """A read of `path` exactly as given (already placed by the caller)."""
    return _read(path, scope, verb)


def selected_reads(sel: Selection, scope: Scope, verb: str) -> list[Finding]:
    return _selected(sel, scope, verb)


def mount_reads(mounts: tuple[tuple[str, str], ...], scope: Scope, verb: str) -> list[Finding]:
    """What a container is handed with a bind mount: a file holding a credential, or a folder
    outside the project holding a known credential file (`-v ~/.aws:/root/.aws`). The project's
    own folder is mapped instead: only what the container's command reads counts."""
    from blastwall.analyze.files import normalize, project_root

    root = project_root(scope)
    out: list[Finding] = []
    for _, host in mounts:
        here = in_shell_dir(host, scope)
        if not is_folder(here, scope):
            out.extend(f for f in _read(here, scope, verb) if f.severity > Severity.LOW)
            continue
        norm = normalize(here, scope.cwd)
        if root and (norm == root or norm.startswith(root.rstrip("/") + "/")):
            continue
        for path in _shallow(norm, True, _Filters([], [], []))[:MAX_PER_FOLDER]:
            out.extend(f for f in _read(path, scope, verb) if f.severity > Severity.LOW)
    return out


def is_folder(path: str, scope: Scope) -> bool:
    return is_dir(path, scope)


def folder_reads(path: str, scope: Scope, verb: str) -> list[Finding]:
    """The files holding credentials in `path` when it is a folder read whole (hidden files too)."""
    from blastwall.analyze.credentials import resolve

    full = resolve(in_shell_dir(path, scope), scope)
    if not full or not os.path.isdir(full):
        return []
    return _inside(in_shell_dir(path, scope), scope, verb, True, _Filters([], [], []))


def input_reads(cmd: SimpleCommand, scope: Scope, name: str) -> list[Finding]:
    """Files fed to a command with `<` (also `3< FILE`, which `exec` keeps open for the commands
    after it: `exec 3< .env; cat <&3`)."""
    out: list[Finding] = []
    for r in cmd.redirects:
        if r.op in ("<", "<>") and r.target is not None and literal(r.target):
            out.extend(_read(in_shell_dir(r.target.text, scope), scope, f"{name} reads"))
    return out


def _git_history(g: Any, argv: list[Word], scope: Scope, assigns: dict[str, Word]) -> list[Finding]:
    """What a git command (`g`: its `gitreads.parse`) prints from the repository's objects
    (analyze/gitreads.py)."""
    gitreads = _gitreads()
    if g.sub not in gitreads.READERS:
        return []
    history_findings, rewrote_history = gitreads.history_findings, gitreads.rewrote_history
    verb = f"git {g.sub} " + ("stores" if g.sub in ("add", "stage", "stash") else "copies" if g.sub in (
        "worktree", "clone") else "serves" if g.sub in ("instaweb", "daemon") else "prints")
    return history_findings(argv, scope, verb, assigns, everything=g.sub not in ("add", "stage") and bool(
        scope.earlier) and rewrote_history(scope))


def _files(row: dict[str, Any], args: Args, program: str = "", scope: Scope | None = None) -> list[str]:
    """The files the row's program reads, as blastwall can name them (unresolved ones are left
    out). `files` is one mode or a list of modes whose files add up."""
    modes = row.get("files", "positionals")
    if isinstance(modes, list):
        return [f for m in modes for f in _files({**row, "files": m}, args, program, scope)]
    mode = str(modes)
    words = args.positionals
    if row.get("skip_prefixes"):
        words = [w for w in words if not w.text.startswith(tuple(row["skip_prefixes"]))]
    if mode == "after_first":
        given = any(k in row.get("pattern_options", []) for k, _ in args.values)
        alone = len(words) == 1 and program in row.get("alone_is_file", [])
        words = words if given or alone else words[1:]
    elif mode == "link_sources":
        return _link_sources(args, [w.text for w in words if literal(w)], scope)
    elif mode.startswith("fixed:"):
        return [mode[6:]]
    elif mode.startswith("words_of:"):
        return _words_of(mode[9:].split("|"), args)
    elif mode == "sources":
        if not any(k in ("-t", "--target-directory") for k, _ in args.values):
            words = words[:-1] if len(words) >= 2 else []
    elif mode == "tar":
        return _tar_files(args, [w.text for w in words if literal(w)])
    elif mode.startswith("key:"):
        key = mode[4:] + "="
        return [w.text[len(key):] for w in words if w.text.startswith(key)]
    elif mode.startswith("option:"):
        names = mode[7:].split("|")
        return [v for k, v in args.values if k in names]
    elif mode == "at_args":
        return _uploaded(row, args)
    elif mode == "file_urls":
        return file_urls([w.text for w in words if literal(w)] + [v for k, v in args.values if k in ("--url",)])
    elif mode == "script_files":  # awk's getline < "FILE", sed's `r FILE`: files the program text names
        given = [v for k, v in args.values if k in row.get("pattern_options", [])]
        script = given if given else [w.text for w in words[:1]]
        return [f for text in script for f in script_files(text)]
    pos = [w.text for w in words if literal(w)]
    if mode == "rev_paths":
        return [p.split(":", 1)[1] if ":" in p and not p.startswith(("/", ".")) else p for p in pos if p]
    return pos


def _words_of(options: list[str], args: Args) -> list[str]:
    """The words and string literals of commands a program is given as option values (an editor's
    `-c 'e FILE'`, `--eval '(insert-file-contents "FILE")'`, `+'r FILE'`): any file they name."""
    from blastwall.analyze.shell.readargs import code_literals

    texts = [v for k, v in args.values if k in options]
    if "+" in options:
        texts += [w.text[1:] for w in args.words if w.text.startswith("+") and literal(w)]
    out: list[str] = []
    for text in texts[:16]:
        out += code_literals(text) + [t for t in rx.split(r"[\s|]+", text[:4096]) if t and "$" not in t][:64]
    return list(dict.fromkeys(out))


def _link_sources(args: Args, pos: list[str], scope: Scope | None) -> list[str]:
    """`ln SRC... DEST`: the sources; a symbolic link's relative source is read from the folder the
    link is made in (`ln -s ../.env docs/e` links to .env)."""
    target = next((v for k, v in args.values if k in ("-t", "--target-directory")), None)
    sources = pos if target is not None else pos[:-1]
    if not _has(args.flags, ["-s", "--symbolic"]) or (target is None and len(pos) < 2):
        return sources
    dest = target if target is not None else pos[-1]
    folder = dest if target is not None or dest.endswith("/") or len(sources) > 1 or is_dir(dest, scope) \
        else posixpath.dirname(dest)
    return [s if s.startswith(("/", "~", "$")) else posixpath.normpath(posixpath.join(folder, s)) for s in sources]


def wrapper_reads(argv: list[Word], scope: Scope) -> list[Finding]:
    """Files a wrapper turns into its command's arguments (`xargs -a .env echo`, `parallel echo
    :::: .env`): their lines are printed or passed on, so the wrapper reads them
    (`[[wrapper_read]]` of the table)."""
    if not argv:
        return []
    name = program_name(argv[0].text)
    if name not in _wrapper_readers():
        return []  # no `[[wrapper_read]]` row names it
    out: list[Finding] = []
    for row in _table().get("wrapper_read", []):
        if name not in row["programs"]:
            continue
        files: list[str] = []
        words = argv[1:]
        for i, w in enumerate(words):
            t = w.text
            if t in row["options"] and i + 1 < len(words):
                files.append(words[i + 1].text)
            elif t.startswith("--") and t.split("=", 1)[0] in row["options"] and "=" in t:
                files.append(t.split("=", 1)[1])
            elif len(t) > 2 and t[:2] in row["options"] and not t.startswith("--"):
                files.append(t[2:])
        for marker in row.get("file_lists", []):
            if any(w.text == marker for w in words):
                after = [w.text for w in words[[w.text for w in words].index(marker) + 1:]]
                files += [a for a in after[: next((i for i, a in enumerate(after) if a.startswith(":::")), len(after))]]
        for path in files:
            out.extend(_read(in_shell_dir(path, scope), scope, f"{name} {row['verb']}"))
    return out


@functools.cache
def _wrapper_readers() -> frozenset[str]:
    return frozenset(p for row in _table().get("wrapper_read", []) for p in row["programs"])


def _tar_files(args: Args, pos: list[str]) -> list[str]:
    creating = _has(args.flags, ["-c", "--create", "-r", "--append", "-u", "--update"])
    if not creating and pos and rx.fullmatch(r"[A-Za-z]+", pos[0]) and set(pos[0]) & set("cru"):
        bundle, pos = pos[0], pos[1:]
        creating = True
        if "f" in bundle and pos:
            pos = pos[1:]  # the archive itself
    if not creating:
        return []
    folder = next((v for k, v in args.values if k in ("-C", "--directory")), None)
    return [posixpath.join(folder, p) if folder and not p.startswith(("/", "~")) else p for p in pos]


_AT = rx.compile(r"^(?:[\w.\[\]-]*(?:=|:=)?)[@<](?P<path>[^;@]+)")


def _uploaded(row: dict[str, Any], args: Args) -> list[str]:
    out = [v for k, v in args.values if k in row.get("upload_options", [])]
    for k, v in args.values:
        if k not in row.get("upload_options", []):
            m = _AT.match(v)
            if m and "://" not in v:
                out.append(m.group("path"))
    for w in args.positionals:
        m = _AT.match(w.text)
        if m and "://" not in w.text and literal(w):
            out.append(m.group("path"))
    return out


def _row_reads(row: dict[str, Any], who: str, args: Args, scope: Scope, cmd: SimpleCommand | None = None,
               ) -> list[Finding]:
    verb = f"{who} {row['verb']}"
    if row.get("files") == "interpreter":
        from blastwall.analyze.shell.codereads import interpreter_reads

        return interpreter_reads(row, _after_command(row, args.words), cmd, scope, verb)
    files = _files(row, args, who.split(" ", 1)[0], scope)
    path_mode = _path_mode(row)
    if path_mode and not row.get("search"):
        files += _option_files(row, args)
    recursive = bool(row.get("recursive")) or _has(args.flags, row.get("recursive_flags", [])) or any(
        f"{k}={v}" in row.get("recursive_values", []) for k, v in args.values)
    if recursive and not files and row.get("default_path"):
        files = [str(row["default_path"])]
    search = search_of(row, args, who.split(" ", 1)[0]) if row.get("search") else None
    out: list[Finding] = []
    if path_mode:
        operands = args.positionals[1:] if _first_is_not_a_file(row, args) else args.positionals
        if str(row.get("files")) == "sources" and len(operands) > 1:
            operands = operands[:-1]
        for w in operands:
            sel = w.selects if w.selects is not None else run_time_selection(w)
            if sel is not None:
                out.extend(_selected(sel, scope, verb, search))
    for path in files:
        if lost(path, scope):
            out.extend(_selected(Selection(roots=(".",), names=(posixpath.basename(path) or "*",)), scope, verb,
                                 search))
            continue
        path = in_shell_dir(path, scope)
        for target in expand(path, scope):
            found = _read(target, scope, verb, search)
            out.extend(found)
            out.extend(_restored(target, scope, verb))
            if recursive and not found:
                hidden = bool(row.get("hidden")) or _has(args.flags, row.get("hidden_flags", []))
                follow = _has(args.flags, row.get("follow_flags", []))
                out.extend(_inside(target, scope, verb, hidden, _filters(row, args), search, follow))
    return out


_PATH_MODES = frozenset({"positionals", "after_first", "sources"})  # rows whose operands are the files read


def _after_command(row: dict[str, Any], words: list[Word]) -> list[Word]:
    """The words after the row's subcommand words (`deno eval CODE` -> CODE)."""
    left = len(row.get("command") or [])
    for i, w in enumerate(words):
        if not left:
            return words[i:]
        if not w.text.startswith("-"):
            left -= 1
    return [] if left else words


def _path_mode(row: dict[str, Any]) -> bool:
    modes = row.get("files", "positionals")
    return any(str(m) in _PATH_MODES for m in (modes if isinstance(modes, list) else [modes]))


def _first_is_not_a_file(row: dict[str, Any], args: Args) -> bool:
    modes = row.get("files", "positionals")
    after_first = "after_first" in (modes if isinstance(modes, list) else [modes])
    return after_first and not any(k in row.get("pattern_options", []) for k, _ in args.values)


def _option_files(row: dict[str, Any], args: Args) -> list[str]:
    """Files a reader is given as an option's value (`cat -v .env` read as `-v VALUE` by a table
    shared by several programs, `sed -f SCRIPT`, `jq --rawfile NAME FILE`): a value naming a file
    is read, unless the row says the option's value is not one (`jq --arg NAME VALUE`)."""
    skip = set(row.get("not_file_options", []))
    return [v for k, v in args.values if k not in skip and v and "$" not in v and "`" not in v and "://" not in v]


def _selected(sel: Selection, scope: Scope, verb: str, search: Any = None) -> list[Finding]:
    """The secret-bearing files among those a placeholder named at run time may be (`find ...
    -exec cat {}`, `find ... | xargs cat`): each is read for all blastwall can tell."""
    from blastwall.analyze.files import normalize

    out: list[Finding] = []

    def named(rel: str) -> bool:  # find's tests all hold; -iname: case aside
        base = posixpath.basename(rel).lower()
        return all(globs.match(base, n.lower()) for n in sel.names)

    here = scope.shell_dir if scope.shell_dir and scope.shell_dir.startswith("/") else scope.cwd
    for root in sel.roots:
        if not here and not in_shell_dir(root, scope).startswith(("/", "~", "$HOME", "${HOME}")):
            continue  # relative to a folder the action does not name (credentials.resolve): nothing to look at
        where = normalize(in_shell_dir(root, scope), scope.cwd)
        if where in ("/", "~"):  # everything on the machine, or in a home folder: not walked here
            if scope.read_files:
                out.append(_unwalked(root, scope, verb))
            continue
        if ".git" in root:  # `find .git/objects -exec pigz -dz {} +`: the object store
            from blastwall.analyze.gitreads import objects_findings

            out.extend(objects_findings(in_shell_dir(root, scope), scope, verb))
        for f in _inside(in_shell_dir(root, scope), scope, verb, True, _Filters([], [], []), search, keep=named):
            if named(f.target) or f.rule_id == "file.read:unchecked":
                out.append(f._replace(reason=f"{f.reason} (it is among the files named at run time)"))
    return out


def _unwalked(root: str, scope: Scope, verb: str) -> Finding:
    from blastwall.analyze.credentials import finding

    return finding("unchecked", root, "the file is named at run time, and may be any file there", verb)


def _read(path: str, scope: Scope, verb: str, search: Any = None) -> list[Finding]:
    if path.startswith(TOO_MANY):
        from blastwall.analyze.credentials import finding

        return [finding("unchecked", path[1:], f"it names more than {MAX_GLOB} files", verb)]
    path = mounted(path, scope)

    found = analyze_read(path, scope, verb=verb)
    if search is not None and found and all(f.rule_id == _CONTENT_RULE for f in found):
        from blastwall.analyze.credentials import content

        got = content(path, scope)
        if got is not None and not search.reaches(*got):
            return []  # the search's pattern cannot print any of the file's credential lines
    return found


_CONTENT_RULE = "file.read:credential"


class _Filters(NamedTuple):
    include: list[str]
    exclude: list[str]
    exclude_dirs: list[str]


def _filters(row: dict[str, Any], args: Args) -> _Filters:
    include = [v for k, v in args.values if k in row.get("include_options", [])]
    exclude = [v for k, v in args.values if k in row.get("exclude_options", [])]
    dirs = [v.rstrip("/") for k, v in args.values if k in row.get("exclude_dir_options", [])]
    for k, v in args.values:
        if k in row.get("glob_options", []):
            (exclude if v.startswith("!") else include).append(v.lstrip("!"))
            if v.startswith("!") and "/" not in v.rstrip("/"):
                dirs.append(v[1:].rstrip("/"))  # rg's `-g '!ops'` leaves out folders named ops too
    return _Filters(include, exclude, dirs)


def _kept(rel: str, f: _Filters) -> bool:
    base = rel.rsplit("/", 1)[-1]
    parts = rel.split("/")[:-1]
    if f.include and not any(globs.match(base, g) or globs.match(rel, g) for g in f.include):
        return False
    if any(globs.match(base, g) or globs.match(rel, g) for g in f.exclude):
        return False
    return not any(globs.match(p, d) for p in parts for d in f.exclude_dirs)


def _inside(folder: str, scope: Scope, verb: str, hidden: bool, filters: _Filters, search: Any = None,
            follow: bool = False, keep: Any = None) -> list[Finding]:
    """Secret-bearing files a recursive read of `folder` reaches: every file holding a credential
    (blastwall's index, brought up to date on the way: analyze/credentials.py), the scanner's
    list, and the secret-looking names directly in the folder when blastwall may look at the disk."""
    from blastwall.analyze.credentials import tree_findings
    from blastwall.analyze.files import _base, normalize, scanned_under

    def kept(rel: str) -> bool:
        return _kept(rel, filters) and (keep is None or keep(rel))

    out = tree_findings(folder, scope, verb, hidden=hidden, keep=kept, follow_links=follow, search=search) or []
    root = normalize(folder, _base(scope))
    candidates = [p for p in scanned_under(folder, scope, hidden=hidden) if kept(p[len(root):].lstrip("/"))]
    if scope.read_files:
        candidates += [p for p in _shallow(root, hidden, filters) if kept(p[len(root):].lstrip("/"))]
    shown_from = root.rstrip("/") + "/"
    for path in dict.fromkeys(candidates[:MAX_PER_FOLDER]):
        rel = path[len(shown_from):] if path.startswith(shown_from) else path
        shown = posixpath.join(folder, rel) if folder not in (".", "./") else rel
        # the walk decided what the content holds; names still say more (blastwall's own keys)
        found = [f for f in _read(path, scope, verb, search) if f.rule_id not in _TREE_RULES]
        out.extend(f._replace(target=shown, reason=f.reason.replace(path, shown)) for f in found)
    return out


_TREE_RULES = frozenset({"file.read:credential", "file.read:unchecked"})  # the walk above decided these


def _shallow(root: str, hidden: bool, filters: _Filters) -> list[str]:
    from blastwall.analyze.base import Scope as _Scope
    from blastwall.analyze.files import analyze_read

    try:
        names = sorted(os.listdir(os.path.expanduser(root)))[:500]
    except (OSError, ValueError):
        return []
    probe = _Scope(read_files=False)
    out = []
    for n in names:
        if (hidden or not n.startswith(".")) and _kept(n, filters):
            full = posixpath.join(root, n)
            if analyze_read(full, probe):
                out.append(full)
    return out
