"""In-place editors: `sed -i`, `perl -i`, `ruby -i` rewrite the files they are given.

    sed -i 's/a/b/' f.py              ->  f.py edited (an overwrite: a project file is LOW)
    sed -i '' 's/a/b/' f.py           ->  BSD/macOS: '' is the backup suffix (none), not a path
    sed -i.bak 's/a/b/' f.py          ->  f.py edited; f.py.bak written with its old content
    sed -i '1,$d' f.py                ->  nothing of f.py is left: a wipe (a project file asks)
    gawk -i inplace '{...}' f.py      ->  f.py edited (what the program prints is written back)
    perl -pi -e 's/a/b/' f.py         ->  f.py edited
    perl -ni -e 'next' f.py           ->  -n writes back only what the code prints: a wipe

Each editor's command line is read with its own grammar (`GRAMMARS`): which short options take a
value, which carry the script, how the backup suffix is spelled. What a script leaves of a file
comes from `rules/shell_fs.toml` `[in_place.wipe]`; a script this reader cannot follow (a script
file, a variable, hold-space juggling) is an edit, as before, never a wipe it did not see.

Whether the edited files are worth asking about is measured (radius/files.py): committed and
unchanged, an edit is recoverable with git; uncommitted or untracked, it is work lost.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word

__all__ = ["Edit", "backup_path", "backups_made", "read_edit"]


class Grammar(NamedTuple):
    """How one editor's short options read (`-pi.bak -e CODE`)."""

    in_place: frozenset[str]  # the in-place letter; the rest of its cluster is the backup suffix
    script: frozenset[str]  # take the script text (rest of the cluster, or the next word)
    script_file: frozenset[str]  # take a script file (its text is not read here)
    value: frozenset[str]  # take some other value (rest of the cluster, or the next word)
    attached: frozenset[str]  # take an optional value only from the rest of the cluster (perl -0777, -l)
    quiet: frozenset[str]  # write back only what the script prints (sed -n, perl -n)
    printing: frozenset[str]  # write back every line (perl -p): overrides quiet
    long_in_place: tuple[str, ...] = ()
    long_script: tuple[str, ...] = ()
    long_script_file: tuple[str, ...] = ()
    long_value: tuple[str, ...] = ()
    long_quiet: tuple[str, ...] = ()
    bsd_suffix: bool = False  # `-i SUFFIX` as its own word (BSD sed), when it reads as a suffix


def _g(**kw: Any) -> Grammar:
    sets = {k: frozenset(v) for k, v in kw.items() if not k.startswith("long_") and k != "bsd_suffix"}
    rest = {k: v for k, v in kw.items() if k.startswith("long_") or k == "bsd_suffix"}
    return Grammar(**sets, **rest)


GRAMMARS: dict[str, Grammar] = {
    "sed": _g(in_place="iI", script="e", script_file="f", value="l", attached="", quiet="n", printing="",
              long_in_place=("--in-place",), long_script=("--expression",), long_script_file=("--file",),
              long_value=("--line-length",), long_quiet=("--quiet", "--silent"), bsd_suffix=True),
    "perl": _g(in_place="i", script="eE", script_file="", value="ImM", attached="0lxCWFdD", quiet="n", printing="p"),
    "ruby": _g(in_place="i", script="e", script_file="", value="IrCE", attached="0lxWTFK", quiet="n", printing="p",
               long_value=("--encoding", "--external-encoding", "--internal-encoding", "--enable", "--disable")),
}

# A word after a bare `-i` that BSD sed takes as the suffix: empty, or shaped like one.
_SUFFIX_WORD = rx.compile(r"^(|[.~_][A-Za-z0-9._~-]{0,15})$")  # an option (`-e`, `-n`) is read as GNU does


class Edit(NamedTuple):
    """One in-place editor command: the files it rewrites and what it leaves of them."""

    in_place: bool
    files: list[Word]
    suffix: str = ""  # "" means no backup
    wipe: bool = False  # the script leaves nothing of a file's content


@functools.cache
def _table() -> dict[str, Any]:
    return dict(load_table("shell_fs")["in_place"])


@functools.cache
def _wipe() -> dict[str, Any]:
    return dict(_table()["wipe"])


# gawk: options that take a value, and those that give the program (then every other word is a file).
_AWK_VALUE = frozenset({"-f", "--file", "-e", "--source", "-E", "--exec", "-i", "--include", "-v", "--assign", "-F",
                        "--field-separator", "-l", "--load"})
_AWK_PROGRAM = frozenset({"-f", "--file", "-e", "--source", "-E", "--exec"})
_AWK_INPLACE = frozenset({"inplace", "inplace.awk"})


def _awk_edit(argv: list[Word]) -> Edit:
    """`gawk -i inplace PROGRAM FILE...`: the files are rewritten with what the program prints
    (`VAR=value` words are assignments, not files)."""
    in_place = program_given = False
    files: list[Word] = []
    words = argv[1:]
    i = 0
    while i < len(words):
        w = words[i]
        t = w.text
        if t == "--":
            rest = words[i + 1:]
            files.extend(rest if program_given else rest[1:])
            break
        if t.startswith("-") and t != "-" and not files and not (program_given and files):
            opt, eq, value = t.partition("=") if t.startswith("--") else (t[:2], "", t[2:])
            if opt in _AWK_VALUE:
                if not eq and not value:
                    value = words[i + 1].text if i + 1 < len(words) else ""
                    i += 1
                in_place = in_place or (opt in ("-i", "--include") and value in _AWK_INPLACE) or w.dynamic
                program_given = program_given or opt in _AWK_PROGRAM
        elif not program_given:
            program_given = True  # the first other word is the program
        elif "=" not in t or t.startswith(("/", ".")):
            files.append(w)
        i += 1
    return Edit(in_place, files)


# yq (Go yq and python yq): options that take a value, those that give the expression, the in-place
# switches, and the subcommand words of Go yq that come before the expression.
_YQ_VALUE = frozenset({"-o", "--output-format", "-p", "--input-format", "-I", "--indent", "-s", "--split-exp",
                       "--from-file", "--expression", "--arg", "--argjson", "--args", "--xml-attribute-prefix",
                       "--xml-content-name", "--lua-prefix", "--properties-separator", "--csv-separator"})
_YQ_SCRIPT_FILE = frozenset({"--from-file"})
_YQ_INPLACE = frozenset({"-i", "--inplace", "--in-place"})
_YQ_SUBCOMMANDS = frozenset({"eval", "e", "eval-all", "ea"})


def _yq_edit(argv: list[Word]) -> Edit:
    """`yq -i EXPR FILE...` (`yq e -i`, `--inplace`): the files are rewritten with what EXPR gives;
    an expression that leaves nothing of the document (`del(.)`, `{}`, `null`) is a wipe."""
    in_place = False
    scripts: list[str] | None = []
    positionals: list[Word] = []
    words = argv[1:]
    i = 0
    while i < len(words):
        w, t = words[i], words[i].text
        if t == "--":
            positionals.extend(words[i + 1:])
            break
        if t.startswith("-") and len(t) > 1 and w.path_class is None:
            opt, eq, value = t.partition("=") if t.startswith("--") else (t, "", "")
            if opt in _YQ_INPLACE or (not t.startswith("--") and "i" in t[1:] and t[1:].isalpha()):
                in_place = True
            elif opt in _YQ_VALUE:
                if not eq:
                    value = words[i + 1].text if i + 1 < len(words) else ""
                    i += 1
                if opt in _YQ_SCRIPT_FILE:
                    scripts = None
                elif opt == "--expression" and scripts is not None:
                    scripts.append(value)
        elif not positionals and t in _YQ_SUBCOMMANDS and w.path_class is None:
            pass
        else:
            positionals.append(w)
        i += 1
    if scripts == [] and positionals:
        first = positionals.pop(0)
        scripts = None if first.dynamic else [first.text]
    wipe = bool(scripts) and _wipes("yq", scripts or [], False)
    return Edit(in_place, positionals, "", wipe and in_place)


def read_edit(editor: str, argv: list[Word]) -> Edit:
    """The in-place edit `argv` makes (`Edit.in_place` False: it only prints)."""
    if editor == "awk":
        return _awk_edit(argv)
    if editor == "yq":
        return _yq_edit(argv)
    grammar = GRAMMARS[editor]
    scripts: list[str] | None = []  # None: a script this reader cannot see (a file, a variable)
    in_place, suffix, quiet, printing = False, "", False, False
    maybe = False  # a word blastwall cannot read where an option may stand (`sed $OPTS 's/a/b/' f`)
    positionals: list[Word] = []
    words = argv[1:]
    i = 0
    while i < len(words):
        w = words[i]
        t = w.text
        nxt = words[i + 1] if i + 1 < len(words) else None
        if positionals and editor != "sed":  # perl and ruby read no option after the first other word
            positionals.append(w)
        elif t == "--":
            positionals.extend(words[i + 1:])
            break
        elif w.path_class is not None or not t.startswith("-") or t == "-":
            if w.dynamic and w.path_class is None and not positionals:
                maybe = editor != "sed" or (scripts == [] and len(words) - i > 2)  # sed: two words follow it
            positionals.append(w)
        elif t.startswith("--"):
            name, eq, value = t.partition("=")
            unseen = w.dynamic
            if not eq and nxt is not None and name in (*grammar.long_script, *grammar.long_script_file,
                                                       *grammar.long_value):
                value, unseen = nxt.text, nxt.dynamic
                i += 1
            if name in grammar.long_in_place:
                in_place, suffix = True, value
            elif name in grammar.long_script:
                scripts = None if scripts is None or unseen else [*scripts, value]
            elif name in grammar.long_script_file:
                scripts = None
            quiet = quiet or name in grammar.long_quiet
        else:
            for j in range(1, len(t)):
                c, rest = t[j], t[j + 1:]
                if c in grammar.in_place:
                    in_place, suffix = True, rest
                    if not rest and grammar.bsd_suffix and nxt is not None and _bsd_suffix(nxt, words[i + 2:]):
                        suffix = nxt.text
                        i += 1
                    break
                if c in grammar.script or c in grammar.script_file or c in grammar.value:
                    value_word = Word(rest, dynamic=w.dynamic) if rest else nxt
                    if not rest:
                        i += 1
                    if c in grammar.script_file or (c in grammar.script and (value_word is None or value_word.dynamic)):
                        scripts = None
                    elif c in grammar.script and scripts is not None and value_word is not None:
                        scripts = [*scripts, value_word.text]
                    break
                if c in grammar.attached:
                    break
                quiet = quiet or c in grammar.quiet
                printing = printing or c in grammar.printing
        i += 1
    if scripts == [] and editor == "sed":  # no -e: the first other word is the script
        if not positionals:
            return Edit(in_place, [], suffix)
        first = positionals.pop(0)
        scripts = None if first.dynamic or first.path_class is not None else [first.text]
    elif scripts == []:  # perl and ruby without -e run a script file
        scripts = None
        positionals = positionals[1:]
    wipe = scripts is not None and _wipes(editor, scripts, quiet and not printing)
    return Edit(in_place or maybe, positionals, suffix, wipe and in_place)


def _bsd_suffix(word: Word, after: list[Word]) -> bool:
    """`sed -i '' 's/a/b/' f`, `sed -i .bak -e ... f`: the word after a bare -i is BSD's suffix
    when it is empty or shaped like one and something still follows it. (GNU sed reads `''` as an
    empty script, which changes nothing; `.bak` is no sed script at all.)"""
    return not word.dynamic and word.path_class is None and bool(after) and bool(_SUFFIX_WORD.match(word.text))


def backup_path(path: str, suffix: str) -> str:
    """Where the backup of `path` goes: FILE+SUFFIX, or SUFFIX with `*` replaced by the file's
    name (GNU sed and perl), in the file's folder unless it names one."""
    if "*" not in suffix:
        return path + suffix
    folder, name = posixpath.split(path)
    made = suffix.replace("*", name)
    return made if made.startswith("/") else posixpath.join(folder, made) if folder else made


def conventional_suffix(suffix: str) -> bool:
    """A suffix whose backup is a fresh copy beside the file (`.bak`, `~`)."""
    return suffix in _table()["backup_suffixes"]


def backups_made(editor: str, argv: list[Word]) -> list[str]:
    """The backup files an in-place editor writes: FILE+SUFFIX for each FILE it names (a glob
    gives the glob of its backups: `src/*.ts` with `.bak` -> `src/*.ts.bak`)."""
    edit = read_edit(editor, argv)
    if not edit.in_place or not edit.suffix:
        return []
    return [backup_path(f.text, edit.suffix) for f in edit.files
            if f.path_class is None and not f.dynamic and "$" not in f.text]


# ---- what a script leaves of a file ------------------------------------------------------------

def _wipes(editor: str, scripts: list[str], quiet: bool) -> bool:
    if editor == "sed":
        return _sed_wipes("\n".join(scripts), quiet)
    code = "\n".join(scripts)
    if quiet:
        return not any(rx.search(p, code) for p in _wipe()[f"{editor}_prints"])
    stripped = code.strip()
    return bool(stripped) and any(rx.match(p, stripped) for p in _wipe()[f"{editor}_blanks"])


class SedCommand(NamedTuple):
    address: str  # as written, spaces removed ("" = every line)
    letter: str
    regex: str = ""  # for s
    replacement: str = ""  # for s
    flags: str = ""  # for s


def _sed_wipes(script: str, quiet: bool) -> bool:
    """Whether a sed script leaves nothing of the file it edits in place."""
    commands = sed_commands(script)
    if commands is None:
        return False
    t = _wipe()
    if quiet or script.startswith("#n\n") or script == "#n":
        return not any(c.letter in t["sed_keep"] or c.letter in t["sed_complex"] or
                       (c.letter == "s" and set(c.flags) & {"p", "w"}) for c in commands)
    for c in commands:
        if c.letter in t["sed_keep"] or c.letter in t["sed_complex"] or (c.letter == "s" and set(c.flags) & {"p", "w"}):
            return False  # printed, saved or moved before anything is destroyed: not followed here
        if c.letter in t["sed_destroy"] and c.address in t["sed_all_lines"]:
            return True
        if c.letter in t["sed_quit"] and c.address in t["sed_first_line"]:
            return True
        if c.letter == "s" and c.address in t["sed_all_lines"] and c.regex in t["sed_whole_line"] \
                and not _uses_match(c.replacement):
            return True
    return False


def _uses_match(replacement: str) -> bool:
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "&":
            return True
        if ch == "\\" and i + 1 < len(replacement):
            if replacement[i + 1].isdigit():
                return True
            i += 2
            continue
        i += 1
    return False


def sed_commands(script: str) -> list[SedCommand] | None:
    """The commands of a sed script, or None when it is beyond this small reader."""
    out: list[SedCommand] = []
    s, i, n = script, 0, len(script)
    while i < n:
        while i < n and s[i] in " \t\n;":
            i += 1
        if i >= n:
            break
        if s[i] == "#":
            while i < n and s[i] != "\n":
                i += 1
            continue
        start = i
        i = _address(s, i)
        if i < 0:
            return None
        address = s[start:i].replace(" ", "").replace("\t", "")
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            return None
        letter = s[i]
        i += 1
        if letter in "sy":
            parts = _delimited(s, i, 2)
            if parts is None:
                return None
            (regex, replacement), i = parts
            flags_start = i
            while i < n and s[i] not in ";\n}":
                i += 1
            out.append(SedCommand(address, letter, regex, replacement, s[flags_start:i].strip()))
            continue
        if letter in "aic":
            while i < n and s[i] != "\n":
                i += 2 if s[i] == "\\" else 1
        elif letter in "btT:rRwWev":
            while i < n and s[i] not in "\n" + (";" if letter in "btT" else ""):
                i += 1
        elif letter in "{}":
            pass
        elif letter.isalpha() or letter == "=":
            while i < n and (s[i].isdigit() or s[i] in " \t"):
                i += 1
        else:
            return None
        out.append(SedCommand(address, letter))
    return out


def _address(s: str, i: int) -> int:
    """The end of the address starting at `i` (`i` itself when there is none); -1 when broken."""
    i = _one_address(s, i)
    if i < 0:
        return -1
    if i < len(s) and s[i] == ",":
        i += 1
        if i < len(s) and s[i] in "+~":
            i += 1
            while i < len(s) and s[i].isdigit():
                i += 1
        else:
            i = _one_address(s, i)
            if i < 0:
                return -1
    while i < len(s) and s[i] in " \t":
        i += 1
    if i < len(s) and s[i] == "!":
        i += 1
    return i


def _one_address(s: str, i: int) -> int:
    n = len(s)
    if i < n and s[i].isdigit():
        while i < n and (s[i].isdigit() or s[i] == "~"):
            i += 1
        return i
    if i < n and s[i] == "$":
        return i + 1
    if i < n and s[i] in "/\\":
        if s[i] == "\\":
            i += 1
            if i >= n:
                return -1
        found = _delimited(s, i, 1)
        if found is None:
            return -1
        i = found[1]
        while i < n and s[i] in "IM":
            i += 1
        return i
    return i


def _delimited(s: str, i: int, parts: int) -> tuple[list[str], int] | None:
    """`parts` fields delimited by the character at `i` (escapes kept), and where they end."""
    if i >= len(s) or s[i] in "\n\\":
        return None
    delim = s[i]
    i += 1
    out: list[str] = []
    cur: list[str] = []
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2] if s[i + 1] != delim else delim)
            i += 2
            continue
        if ch == delim:
            out.append("".join(cur))
            cur = []
            i += 1
            if len(out) == parts:
                return out, i
            continue
        cur.append(ch)
        i += 1
    return None


def exists(path: str, base: str | None) -> bool | None:
    """Whether `path` exists (None: it cannot be told here)."""
    if not base or "$" in path:
        return None
    try:
        return os.path.lexists(os.path.join(base, os.path.expanduser(path)))
    except (OSError, ValueError):
        return None
