"""fd (fd-find): the files it finds, and the command `-x`/`-X` runs on them.

    fd -e py -x sed -i 's/a/b/'       sed -i on every file fd finds under . (judged as those files)
    fd . build -X rm                   rm on all of them at once
    fd PATTERN src                     only prints names: nothing to judge here

What fd finds is taken to be every file under its search paths (more than it finds: its pattern,
`-e`, `-t` and the ignore files only narrow that down), so the command it runs is judged, and
measured, as run on those files. A placeholder (`{}`, `{/}`, `{//}`, `{.}`, `{/.}`) stands for
them; a command without one gets the path as its last argument, as fd gives it.
"""

from __future__ import annotations

import posixpath

from blastwall.analyze.base import Scope
from blastwall.analyze.paths import PathClass, classify_in
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import Selection, SimpleCommand, Word
from blastwall.model import Finding

# Options that take a value (the next word unless given as --opt=value).
VALUE_OPTIONS = frozenset({
    "-e", "--extension", "-t", "--type", "-E", "--exclude", "-d", "--max-depth", "--min-depth", "--exact-depth",
    "-S", "--size", "--changed-within", "--changed-before", "--change-newer-than", "--change-older-than", "--newer",
    "--older", "-o", "--owner", "-j", "--threads", "--max-results", "-c", "--color", "--base-directory",
    "--search-path", "--path-separator", "--ignore-file", "--format", "--batch-size", "--and", "--max-buffer-time",
    "--exec-batch-size"})
EXEC = frozenset({"-x", "--exec", "-X", "--exec-batch"})
PLACEHOLDERS = ("{}", "{/}", "{//}", "{.}", "{/.}")
_PROJECT_KINDS = frozenset({"project", "project_top", "project_glob"})


def handle_fd(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    positionals: list[Word] = []
    paths: list[Word] = []
    base: Word | None = None
    runs: list[list[Word]] = []
    i, words = 0, argv[1:]
    while i < len(words):
        w = words[i]
        t = w.text
        opt, eq, value = t.partition("=")
        if t in EXEC or (t.startswith("-") and not t.startswith("--") and t[-1:] in "xX" and len(t) > 2 and
                         t[1:].isalpha()):
            j = i + 1
            run: list[Word] = []
            while j < len(words) and words[j].text not in (";", "\\;"):
                run.append(words[j])
                j += 1
            runs.append(run)
            i = j + 1
            continue
        if t.startswith("-") and t != "-":
            if opt in VALUE_OPTIONS:
                got = Word(value, dynamic=w.dynamic) if eq else (words[i + 1] if i + 1 < len(words) else Word(""))
                i += 0 if eq else 1
                if opt == "--search-path":
                    paths.append(got)
                elif opt == "--base-directory":
                    base = got
        else:
            positionals.append(w)
        i += 1
    runs = [r for r in runs if r]
    if not runs:
        return []
    roots = paths + positionals[1:] or [Word.lit(".")]
    if base is not None:
        roots = [r if r.text.startswith("/") else Word(posixpath.join(base.text, r.text), dynamic=r.dynamic or
                                                        base.dynamic) for r in roots]
    selection = _selection(roots, scope)
    from blastwall.analyze.shell.handlers import _rerun

    out: list[Finding] = []
    for run in runs:
        placeholder = Word("{}", path_class=selection,  # and the files it may be (a read of each: `fd -x cat`)
                           selects=Selection(roots=tuple(r.text for r in roots if not r.dynamic) or (".",)))
        replaced = [placeholder if any(p in w.text for p in PLACEHOLDERS) else w for w in run]
        if not any(w is placeholder for w in replaced):
            replaced.append(placeholder)  # fd gives the path as the last argument
        out.extend(_rerun(replaced, cmd, scope, f"{name} -x"))
    return out


def _selection(roots: list[Word], scope: Scope) -> PathClass:
    """The files under `roots`, classed like the worst of them (project files found there are
    project files chosen by a glob)."""
    if any(r.dynamic for r in roots):
        return PathClass("dynamic", "paths fd finds under a folder blastwall cannot resolve")
    classes = [classify_in(r.text, scope) for r in roots]
    worst = max(classes, key=lambda pc: pc.severity("delete_recursive"))
    texts = [r.text for r in roots]
    if len(texts) == 1:
        where = texts[0]
    elif all(not t.startswith(("/", "~")) for t in texts):
        where = posixpath.commonpath([posixpath.normpath(t) for t in texts]) or "."
    else:
        return worst
    return PathClass("project_glob" if worst.kind in _PROJECT_KINDS else worst.kind, where)


register(["fd", "fdfind"], handle_fd)
