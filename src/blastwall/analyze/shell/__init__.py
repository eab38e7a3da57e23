"""The shell analyzer: parse with tree-sitter-bash, resolve what runs, match rule tables.

    analyze_command("sudo rm -rf /", Scope())  ->  [Finding(rule_id="shell.fs:rm", ...)]

Anything it cannot resolve (a parse error, a command named by a variable, code piped from
the network) is a finding, never a pass.
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope, dedupe, unknown
from blastwall.model import Finding

MAX_EARLIER = 64  # commands kept for what they wrote (a script run later on the line reads it)


def analyze_command(text: str, scope: Scope, *, posix: bool = False) -> list[Finding]:
    """The findings of one shell line. `posix`: read it as a POSIX shell line only (a native
    program a Windows shell runs, which must not be handed back to the Windows reading)."""
    redirect_findings, parse, analyze_simple = _analyzer()
    if not text.strip():
        return []
    windows = None if posix else _windows(text, scope)
    if windows is not None:
        return dedupe(windows)
    parsed = parse(text)
    out: list[Finding] = []
    for r in parsed.redirect_only:
        if r.op in (">", ">|", "&>") and r.target is not None:
            out.extend(redirect_findings(r.target, scope, text, empty=True))  # `> f` alone empties f
    here = scope
    per: list[list[Finding]] = []  # the findings of each command
    folders: list[str | None] = []  # the folder each command runs in
    # (subshell, folder, the cd's place) of each cd; a cd whose success the command does not need
    # (`cd /tmp/x; rm -rf ./*`: a failed cd leaves the shell where it was) gives an unknown folder
    moves: list[tuple[tuple[int, ...], str | None, int]] = [((), scope.shell_dir, -1)]
    pushed: list[str | None] = []  # the folders pushd left, for popd
    last = parsed.commands[-1] if parsed.commands else None
    for n, cmd in enumerate(parsed.commands):
        folder = _folder_of(cmd, moves)
        if folder != here.shell_dir:
            here = here._replace(shell_dir=folder)
        found = analyze_simple(cmd, here)
        if any(f.rule_id.startswith("shell.git:") for f in found) and \
                ((here.shell_dir or "").startswith("/") or "-C" in cmd.source):
            from blastwall.analyze.shell.scratch_repo import drop_scratch_repo

            found = drop_scratch_repo(found, cmd, here.earlier, here, text)
        if cmd.after and found:
            from blastwall.analyze.shell.made_here import drop_made_here, drop_volume_writes

            found = drop_made_here(found, cmd, parsed.commands, here.earlier, here.shell_dir, text)
            found = drop_volume_writes(found, cmd, parsed.commands, here.earlier, here.shell_dir, text)
            if "run" in text:
                from blastwall.analyze.shell.container_db import drop_container_db

                found = drop_container_db(found, cmd, parsed.commands, here.earlier, here.shell_dir, text)
            from blastwall.analyze.shell.built_here import drop_built_here

            found = drop_built_here(found, cmd, parsed.commands, here.earlier, here.shell_dir)
        per.append(found)
        folders.append(here.shell_dir)
        moved = _cd_target(cmd.argv, here)
        if cmd.argv and cmd.argv[0].text in ("pushd", "popd"):  # popd goes back where the last pushd left
            moved = _dir_stack(cmd.argv, here.shell_dir, pushed, moved)
        if moved is not None:
            moves.append((cmd.ctx, moved, n))
            here = here._replace(shell_dir=moved)
        traced = _traced(cmd.argv, here.traced)
        if traced != here.traced:
            here = here._replace(traced=traced)
        loaded = _sourced_secret(cmd.argv, here)
        if loaded is not None:
            here = here._replace(sourced=(*here.sourced, loaded))
        if cmd is not last:  # what the commands after it see
            here = here._replace(earlier=(*here.earlier[-(MAX_EARLIER - 1):], (cmd, here.shell_dir)))
    if len(per) > 1 and any(f.rule_id == "shell.fs:rm" for found in per[:-1] for f in found):
        from blastwall.analyze.shell.rebuilt import rebuilt_later

        rebuilt_later(per, parsed.commands, folders, text, scope)
    out.extend(f for found in per for f in found)
    if parsed.errors:
        out.append(unknown("shell.parse:error", f"the command does not fully parse as bash ({parsed.errors[0]}); "
                           "a human must read it", text))
    return dedupe(out)


@functools.cache
def _analyzer() -> tuple[Any, Any, Any]:
    """(fsops.redirect_findings, parse.parse, resolve.analyze_simple), imported on the first
    command (this package's import stays light: engine.py imports `quick` from it for every line)
    and kept: an import statement run for every command costs a microsecond or two."""
    from blastwall.analyze.shell.fsops import redirect_findings
    from blastwall.analyze.shell.parse import parse
    from blastwall.analyze.shell.resolve import analyze_simple

    return redirect_findings, parse, analyze_simple


def _sourced_secret(argv: list, scope: Scope) -> str | None:
    """`source .env` / `. .env`: a secret file whose values are now variables of the shell
    (a later `env` or `printenv` prints them)."""
    if len(argv) < 2 or argv[0].text not in ("source", ".") or argv[1].dynamic:
        return None
    from blastwall.analyze.files import analyze_read

    return argv[1].text if analyze_read(argv[1].text, scope) else None


_TRACE_OPTIONS = frozenset({"xtrace", "verbose"})


def _traced(argv: list, now: bool) -> bool:
    """Whether the shell prints what it runs after this command (`set -x`, `set -o verbose`;
    `set +x` turns it off)."""
    if not argv or argv[0].text != "set":
        return now
    words = [w.text for w in argv[1:]]
    for i, t in enumerate(words):
        if t in ("-o", "+o") and i + 1 < len(words) and words[i + 1] in _TRACE_OPTIONS:
            now = t == "-o"
        elif t[:1] in ("-", "+") and t[1:].isalpha() and set(t[1:]) & {"x", "v"}:
            now = t[0] == "-"
    return now


def _folder_of(cmd: object, moves: list[tuple[tuple[int, ...], str | None, int]]) -> str | None:
    """The folder `cmd` runs in: the last cd of its shell (a cd in a subshell stays there) when `cmd`
    runs only after that cd succeeded, else unknown unless the cd went nowhere new."""
    if len(moves) == 1:  # no cd on the line: the folder the line starts in (its entry's place is -1)
        return moves[0][1]
    ctx_of = getattr(cmd, "ctx", ())
    at = next(i for i in range(len(moves) - 1, -1, -1) if ctx_of[:len(moves[i][0])] == moves[i][0])
    _, folder, place = moves[at]
    if place < 0 or place in getattr(cmd, "after", ()):
        return folder
    before = next((moves[i][1] for i in range(at - 1, -1, -1) if ctx_of[:len(moves[i][0])] == moves[i][0]), None)
    return folder if folder == before else "$DYNAMIC_DIR"


def _dir_stack(argv: list, here: str | None, pushed: list[str | None], moved: str | None) -> str | None:
    """Where `pushd DIR` / `popd` leaves the shell: pushd remembers the folder it leaves; popd returns
    to the last one remembered (`pushd /tmp/w && popd && git clean -ffdx` cleans the first folder).
    A popd with nothing remembered on the line goes to a folder the line does not show."""
    if argv[0].text == "pushd":
        if moved is not None and len(argv) > 1:
            pushed.append(here)
        return moved
    if any(w.text.startswith(("+", "-")) and w.text not in ("-n",) for w in argv[1:]):
        return "$DYNAMIC_DIR"  # `popd +1`: a folder deeper in the stack
    if pushed:
        back = pushed.pop()
        return back if back is not None else "."
    return "$DYNAMIC_DIR"


def _cd_target(argv: list, scope: Scope) -> str | None:
    """The directory a `cd`/`pushd` moves to, as a path blastwall can classify."""
    if not argv or argv[0].text not in ("cd", "pushd", "chdir"):
        return None
    args = [w for w in argv[1:] if not w.text.startswith("-") or w.text == "-"]
    if not args:
        return "~"
    target = args[0]
    if target.text == "-":
        return "$OLDPWD"
    if target.dynamic and not target.text.startswith(("$HOME", "$TMPDIR", "$PWD")):
        return "$DYNAMIC_DIR"
    if scope.shell_dir and not target.text.startswith(("/", "~", "$")):
        import posixpath

        return posixpath.normpath(posixpath.join(scope.shell_dir, target.text))
    return target.text


def _windows(text: str, scope: Scope) -> list[Finding] | None:
    """A PowerShell or cmd.exe line (windows.py), or None. Cheap first: only a line whose first
    word has a dash after letters, or is one of the short names rules/shell_windows.toml gives
    (PowerShell's aliases and delete aliases, cmd's commands), is looked at."""
    head = text.lstrip()[:24].split(" ", 1)[0].lstrip("&").lower()
    if not (head in _windows_heads() or ("-" in head[1:] and head.split("-", 1)[0].isalpha())
            or text.lstrip()[:1] in ("&", "$") or _later_windows(text) or _cmd_gate(head, text)
            or (text.lstrip()[:1] in "['\"" and ("::" in text or " -" in text))  # pwsh_markers: expressions
            or (head[:2] == "if" and "{" in text)):
        return None
    if head in _delete_alias_heads() and "|" not in text and ";" not in text and text.lstrip()[:1] != "&":
        # `rm -rf build`: PowerShell's only when a word is one of its delete parameters (windows.shell_of);
        # each such word is in the text, whatever its case
        low = text.lower()
        if not any(p in low for p in _only_parameters()):
            return None
    from blastwall.analyze.shell.windows import windows_findings

    return windows_findings(text, scope)


_CMD_HEADS = frozenset({"set", "echo", "if", "call", "forfiles", "forfiles.exe", "diskpart", "diskpart.exe"})


def _cmd_gate(head: str, text: str) -> bool:
    """Worth asking windows.shell_of whether cmd.exe reads the line: a caret in the first word (`r^d`), a
    group (`(echo a& echo b) > f`), or a head cmd.exe lines start with and a sign of cmd.exe (`&`, `%`)."""
    if head in _CMD_HEADS:
        return head not in ("echo", "set", "if") or "&" in text or "%" in text or (
            head == "if" and text.lstrip()[2:].lstrip()[:6].lower() in ("exist ", "not ex", "errorl", "define"))
    return "^" in head or head[:1] == "("


def _later_windows(text: str) -> bool:
    """A later pipeline part or statement starts with a cmdlet-shaped name or a Windows short name
    (`ls -r D:\\x | rm -fo`): windows.py decides whether it is PowerShell's."""
    if "|" not in text and ";" not in text:
        return False
    for m in rx.finditer(r"[|;]\s*&?([A-Za-z][\w.-]*)", text):
        head = m.group(1).lower()
        if head in _windows_heads() or ("-" in head[1:] and head.split("-", 1)[0].isalpha() and m.group(1) != head):
            return True
    return False


@functools.cache
def _delete_alias_heads() -> frozenset[str]:
    """The delete aliases (`rm`) windows.shell_of reads as PowerShell only by their parameters: not
    PowerShell-only aliases, cmd's commands, block heads or cmdlet-shaped names."""
    from blastwall.analyze.ruleset import load_table
    from blastwall.analyze.shell.windows import _CMDLET

    table = load_table("shell_windows")
    ps = table["powershell"]
    other = {*ps["aliases"], *table["cmd"]["programs"], *ps["expressions"]["block_heads"]}
    return frozenset(h for h in ps["remove_item"] if h not in other and not _CMDLET.match(h))


@functools.cache
def _only_parameters() -> tuple[str, ...]:
    from blastwall.analyze.ruleset import load_table

    return tuple(load_table("shell_windows")["powershell"]["only_parameters"])


@functools.cache
def _windows_heads() -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table  # the shell tables are loaded once per process anyway

    table = load_table("shell_windows")
    return frozenset([*table["powershell"]["aliases"], *table["powershell"]["remove_item"], *table["cmd"]["programs"],
                      *table["powershell"]["expressions"]["block_heads"]])
