"""Which files a search prints when it lists file names (`grep -rl PAT src`, `rg -l PAT`,
`git grep -l PAT`), for the command that receives them (`... | xargs sed -i ...`).

    grep -rl foo src --include='*.ts'   ->  Listing(roots=("src",), names=("*.ts",), tracked=False)
    rg -l foo                           ->  Listing(roots=(".",))
    git grep -l foo -- lib              ->  Listing(roots=("lib",), tracked=True)
    git ls-files -m -- '*.py'           ->  Listing(roots=(".",), names=("*.py",), tracked=True)
    git ls-files -o -- '*.pyc'          ->  Listing(roots=(".",), names=("*.pyc",), tracked=False)
    grep foo src/a.py                   ->  None (prints lines, not file names)

The listing over-approximates: every file under the roots (matching the name patterns) may be
printed; which of them contain the pattern is only known when it runs. It never under-
approximates: a name pattern the measurer's basename match cannot follow (a `/` in it, braces,
`**`, a case-insensitive glob) is dropped, so every file under the roots counts; a git pathspec
glob (`'*.py'`, `src/*.ts`, which match at any depth) becomes the folder before its first
wildcard; a pathspec with magic (`:/`, `:(top)`) or an option that prints more than names
(`ls-files -s`, `-t`, `--full-name`) is no listing (None).
"""

from __future__ import annotations

from typing import NamedTuple

from blastwall import rx
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.names import program_name


class Lister(NamedTuple):
    """One search program's command-line grammar, as far as the files it lists go."""

    list_flags: frozenset[str]  # print file names (short letters and long options)
    value_options: frozenset[str]  # take a value (the next word unless attached)
    pattern_options: frozenset[str]  # give the pattern, so no positional is the pattern
    include_options: frozenset[str]  # a name glob the files must match
    recursive: frozenset[str]  # search folders (grep needs it; the others always do)
    always_recursive: bool = True
    no_pattern: frozenset[str] = frozenset()  # list files without searching (`rg --files`)


def _l(lists: str, values: str, patterns: str, includes: str, recursive: str = "", *, always: bool = True,
       no_pattern: str = "") -> Lister:
    return Lister(frozenset(lists.split()), frozenset(values.split()), frozenset(patterns.split()),
                  frozenset(includes.split()), frozenset(recursive.split()), always, frozenset(no_pattern.split()))


_GREP = _l("-l -L --files-with-matches --files-without-match",
           "-e -f -m -A -B -C -d -D --regexp --file --max-count --after-context --before-context --context "
           "--include --exclude --exclude-dir --exclude-from --directories --devices --label --binary-files "
           "--color --colour --group-separator",
           "-e -f --regexp --file", "--include", "-r -R --recursive --dereference-recursive", always=False)
LISTERS: dict[str, Lister] = {
    "grep": _GREP, "egrep": _GREP, "fgrep": _GREP, "ggrep": _GREP,
    "rg": _l("-l -L --files-with-matches --files-without-match --files",
             "-e -f -g -t -T -m -A -B -C -j -M -E -d -r --regexp --file --glob --iglob --type --type-not --max-count "
             "--after-context --before-context --context --threads --max-columns --encoding --max-depth --pre "
             "--pre-glob --replace --sort --sortr --color --colors --path-separator --ignore-file --type-add "
             "--context-separator --field-match-separator --max-filesize --engine --dfa-size-limit --regex-size-limit",
             "-e -f --regexp --file", "-g --glob --iglob", no_pattern="--files"),
    "ag": _l("-l -L --files-with-matches --files-without-matches",
             "-G -g -m -A -B -C --file-search-regex --ignore --ignore-dir --max-count --after --before --context "
             "--depth --pager --workers", "", "", no_pattern="-g"),
    "ack": _l("-l -L --files-with-matches --files-without-matches -f",
              "-m -A -B -C -g --type --ignore-dir --ignore-file --match --max-count --after-context "
              "--before-context --context --output --pager --type-set --type-add",
              "--match", "", no_pattern="-f -g"),
}
# git grep: -l lists tracked files (with --untracked or --no-index, any file of the folder).
_GIT_GREP = _l("-l -L --files-with-matches --name-only --files-without-match",
               "-e -f -m -A -B -C -O --max-depth --max-count --after-context --before-context --context "
               "--open-files-in-pager --threads --color", "-e -f", "")


# git ls-files: prints the names of tracked files (what else it prints is in `not_names`).
_LS_FILES_VALUES = frozenset({"-x", "--exclude", "-X", "--exclude-from", "--exclude-per-directory", "--abbrev"})
_LS_FILES_NOT_NAMES = frozenset({"-k", "--killed", "-s", "--stage", "-u", "--unmerged", "-t", "-v", "-f", "--eol",
                                 "--debug", "--full-name", "--format", "--recurse-submodules", "--with-tree",
                                 "--resolve-undo", "--directory"})
# Options that list files git does not track (untracked, ignored): names still, but not tracked ones.
_LS_FILES_UNTRACKED = frozenset({"-o", "--others", "-i", "--ignored"})
# git options before the subcommand that leave which files it lists, and how it names them, alone.
_GIT_QUIET_OPTIONS = frozenset({"--no-pager", "-p", "--paginate", "-P", "--no-optional-locks"})
_GLOB = rx.compile(r"[*?\[]")
_BASENAME_SAFE = rx.compile(r"^\*[^*?\[{/]*$")  # `*.py`: a path matches it exactly when its last name does


TRACKED_LABEL = "files listed by git in "  # a target the radius measures as the tracked files there


def tracked_label(shown: str) -> str:
    """How a target of tracked files reads (`files listed by git in src (*.py)`): shown to people,
    and read back by the radius (`tracked_root`)."""
    return TRACKED_LABEL + shown


def tracked_root(target: str) -> str | None:
    """The `ROOT` or `ROOT (PATTERNS)` of a `tracked_label` target; None for any other target."""
    return target[len(TRACKED_LABEL):] if target.startswith(TRACKED_LABEL) else None


class Listing(NamedTuple):
    roots: tuple[str, ...]
    names: tuple[str, ...] = ()
    tracked: bool = False  # only files git tracks (git grep without --untracked, git ls-files)


def listing(producer_argv: list[Word]) -> Listing | None:
    """The files a search lists, or None when it does not list file names (or cannot be read)."""
    if not producer_argv:
        return None
    name = program_name(producer_argv[0].text)
    args = producer_argv[1:]
    tracked = False
    if name == "git":
        while args and args[0].text in _GIT_QUIET_OPTIONS:
            args = args[1:]
        if not args or args[0].text not in ("grep", "ls-files"):
            return None  # `git -C DIR ...`, `--git-dir`: names relative to somewhere else
        sub, args = args[0].text, args[1:]
        if sub == "ls-files":
            found = _ls_files(args)
        else:  # files of submodules and untracked ones are not files this repository tracks
            found = _read(_GIT_GREP, args, not any(w.text in ("--untracked", "--no-index", "--recurse-submodules")
                                                   for w in args))
        return None if found is None else _pathspecs(found)
    if name in LISTERS:
        grammar = LISTERS[name]
    else:
        return None
    found = _read(grammar, args, tracked)
    if found is None:
        return None
    if any(not _BASENAME_SAFE.match(n) and ("/" in n or "{" in n or "**" in n) for n in found.names) or any(
            w.text.startswith(("--iglob", "--glob-case-insensitive")) for w in args):
        return found._replace(names=())  # a glob the basename match cannot follow: every file counts
    return found


def _ls_files(args: list[Word]) -> Listing | None:
    """`git ls-files [OPTIONS] [--] [PATHSPEC...]`: tracked files, unless an option lists others
    or prints more than their names."""
    specs: list[Word] = []
    untracked = False
    i = 0
    while i < len(args):
        w, t = args[i], args[i].text
        if w.dynamic and not specs:
            return None
        if t == "--":
            specs.extend(args[i + 1:])
            break
        if t.startswith("-") and t != "-" and not specs:
            opt = t.split("=", 1)[0]
            letters = {f"-{c}" for c in t[1:]} if not t.startswith("--") else {opt}
            if letters & _LS_FILES_NOT_NAMES or opt in _LS_FILES_NOT_NAMES:
                return None
            untracked = untracked or bool(letters & _LS_FILES_UNTRACKED) or opt in _LS_FILES_UNTRACKED
            if opt in _LS_FILES_VALUES and "=" not in t:
                i += 1
        else:
            specs.append(w)
        i += 1
    if any(w.dynamic for w in specs):
        return None
    return Listing(tuple(w.text for w in specs) or (".",), (), not untracked)


def _pathspecs(found: Listing) -> Listing | None:
    """A git listing's pathspecs as roots a walk can measure: a glob matches at any depth below
    the folder before its first wildcard (`src/*.ts` -> src, `*.py` -> . with `*.py` as a name
    when every spec keeps one); pathspec magic (`:/`, `:(glob)`) is not read here (None)."""
    roots: list[str] = []
    names: list[str | None] = []
    for spec in found.roots:
        if spec.startswith(":"):
            return None
        m = _GLOB.search(spec)
        if m is None:
            roots.append(spec)
            names.append(None)
            continue
        head = spec[:m.start()]
        folder = head.rsplit("/", 1)[0] if "/" in head else "."
        rest = spec[len(folder) + 1:] if folder != "." else spec
        roots.append(folder or "/")
        names.append(rest if _BASENAME_SAFE.match(rest) else None)
    kept = tuple(n for n in names if n is not None) if all(n is not None for n in names) else ()
    return Listing(tuple(roots), kept, found.tracked)


def _read(grammar: Lister, args: list[Word], tracked: bool) -> Listing | None:
    lists = recursive = pattern_given = no_pattern = False
    names: list[str] = []
    positionals: list[Word] = []
    i = 0
    while i < len(args):
        w = args[i]
        t = w.text
        if w.dynamic and t.startswith("-"):
            return None  # an option blastwall cannot read
        if t == "--":
            positionals.extend(args[i + 1:])
            break
        if not t.startswith("-") or t == "-":
            positionals.append(w)
        elif t.startswith("--"):
            opt, eq, value = t.partition("=")
            if opt in grammar.value_options and not eq:
                value = args[i + 1].text if i + 1 < len(args) else ""
                i += 1
            lists = lists or opt in grammar.list_flags
            recursive = recursive or opt in grammar.recursive or (opt == "--directories" and value == "recurse")
            pattern_given = pattern_given or opt in grammar.pattern_options
            no_pattern = no_pattern or opt in grammar.no_pattern
            if opt in grammar.include_options:
                if value.startswith("!"):
                    return None  # an exclusion: the rest may be anything
                names.append(value)
        else:
            for j in range(1, len(t)):
                opt = "-" + t[j]
                lists = lists or opt in grammar.list_flags
                recursive = recursive or opt in grammar.recursive
                no_pattern = no_pattern or opt in grammar.no_pattern
                if opt in grammar.value_options:
                    value = t[j + 1:]
                    if not value:
                        value = args[i + 1].text if i + 1 < len(args) else ""
                        i += 1
                    pattern_given = pattern_given or opt in grammar.pattern_options
                    recursive = recursive or (opt == "-d" and value == "recurse" and not grammar.always_recursive)
                    if opt in grammar.include_options:
                        if value.startswith("!"):
                            return None
                        names.append(value)
                    break
        i += 1
    if not lists:
        return None
    roots = positionals if (pattern_given or no_pattern) else positionals[1:]
    if any(r.dynamic for r in roots):
        return None
    if not roots:
        if not (grammar.always_recursive or recursive):
            return None  # grep -l PAT with no file reads its stdin
        return Listing((".",), tuple(names), tracked)
    return Listing(tuple(r.text for r in roots), tuple(names), tracked)
