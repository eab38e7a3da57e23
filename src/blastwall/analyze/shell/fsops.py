"""Filesystem operations from `rules/shell_fs.toml`: which paths a command deletes or overwrites,
and how bad that is for each path's class (`analyze/paths.py`)."""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.files import guard_findings
from blastwall.analyze.paths import PathClass, classify_in, is_template, migration_presumed_new
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.model import Effect, Finding, Severity


@functools.cache
def _index() -> dict[str, list[dict[str, Any]]]:
    idx: dict[str, list[dict[str, Any]]] = {}
    for row in load_table("shell_fs")["fsop"]:
        for name in row["programs"]:
            idx.setdefault(name, []).append(row)
    return idx


@functools.cache
def _first_words(name: str) -> tuple[frozenset[str] | None, ...]:
    """Per row of program `name` (in `_index` order), the words its first subcommand word may be
    (None: the row names no subcommand)."""
    return tuple(frozenset(row["command"][0].split("|")) if row.get("command") else None
                 for row in _index().get(name, []))


@functools.cache
def fs_programs() -> frozenset[str]:
    return frozenset(_index())


def _has(flags: list[str], specs: list[str], glued: bool = False) -> bool:
    """Whether one of `specs` is given: alone, `--long=V`, or a short one in a cluster (`-rf`); with
    `glued`, also a short one in the cluster before a value glued to it (`-o/f`, `-uo/f`)."""
    for f in flags:
        for s in specs:
            if f == s or (s.startswith("--") and f.startswith(s + "=")):
                return True
            if s in ("-i",) and f.startswith("-i"):
                return True
            if len(s) == 2 and s[0] == "-" and f.startswith("-") and not f.startswith("--") and f[1:].isalpha() and s[1] in f[1:]:
                return True
            if glued and len(s) == 2 and s[0] == "-" and s[1] != "-" and f[:1] == "-" and f[1:2] != "-" and s[1] in _cluster(f):
                return True
    return False


def _cluster(flag: str) -> str:
    """The letters of a short option word before a value glued to it: `-uo/f` -> `uo`."""
    n = 1
    while n < len(flag) and flag[n].isalpha():
        n += 1
    return flag[1:n]


def _split(argv: list[Word], value_options: list[str]) -> tuple[list[str], list[Word]]:
    flags: list[str] = []
    positionals: list[Word] = []
    dashdash = False
    i = 0
    while i < len(argv):
        w = argv[i]
        t = w.text
        if dashdash or not t.startswith("-") or t == "-" or w.path_class is not None:
            positionals.append(w)
        elif t == "--":
            dashdash = True
        else:
            flags.append(t)
            if t in value_options and i + 1 < len(argv):
                i += 1
        i += 1
    return flags, positionals


def _targets(row: dict[str, Any], argv: list[Word], flags: list[str], positionals: list[Word]) -> list[Word]:
    mode = row.get("targets", "positionals")
    if mode == "last":
        return positionals[-1:] if len(positionals) >= 2 else []
    if mode == "first":
        return positionals[:1]
    if mode.startswith("key:"):
        key = mode[4:] + "="
        return [Word(w.text[len(key):], dynamic=w.dynamic, path_class=_keyed_class(w, key)) for w in argv[1:]
                if w.text.startswith(key)]
    if mode == "options":  # `-o -` writes to stdout
        return [w for w in _option_values(argv[1:], row.get("output_options", [])) if w.text != "-"]
    if mode == "after_command":
        return positionals[len(row.get("command") or []):]
    if mode == "first_after_command":  # `qemu-img create FILE SIZE`
        return positionals[len(row.get("command") or []):][:1]
    if mode == "after_script":
        has_script_flag = _has(flags, ["-e", "--expression", "-f", "--file", "--reference"])
        return positionals if has_script_flag or _dash_mode(row, argv, flags) else positionals[1:]
    return positionals


def _made_here(pc: PathClass) -> bool:
    from blastwall.analyze.shell.scratch import INSIDE, SCRATCH

    return pc == SCRATCH or pc == INSIDE


def _keyed_class(word: Word, key: str) -> PathClass | None:
    """The class of a `KEY=VALUE` word's value: `of=backup-$(date +%F).img` names a new file, as
    `> backup-$(date +%F).img` does (the mark was given to the whole word)."""
    pc = word.path_class
    if pc is None or not pc.path.startswith(key):
        return None
    return pc._replace(path=pc.path[len(key):])


def _dash_mode(row: dict[str, Any], argv: list[Word], flags: list[str]) -> bool:
    """A mode written like an option (`chmod -x f`, `chattr -i f`): then every positional is a
    target. `dash_modes` gives, per program, the letters such a mode is made of."""
    letters = (row.get("dash_modes") or {}).get(argv[0].text.rsplit("/", 1)[-1] if argv else "")
    return bool(letters) and any(f[:1] == "-" and f[1:2] != "-" and len(f) > 1 and set(f[1:]) <= set(letters)
                                 for f in flags)


def _option_values(words: list[Word], options: list[str]) -> list[Word]:
    """The values of output options: `--output=F`, `--output F`, `-o F`, `-oF`, and a short
    option closing a cluster (`curl -sSLo F`)."""
    out: list[Word] = []
    shorts = [o for o in options if len(o) == 2 and o[0] == "-" and o[1] != "-"]
    for i, w in enumerate(words):
        t = w.text
        if t == "--":
            break
        nxt = words[i + 1] if i + 1 < len(words) else None
        if t in options and nxt is not None:
            out.append(nxt)
        elif t.startswith("--") and t.split("=", 1)[0] in options and "=" in t:
            out.append(Word(t.split("=", 1)[1], dynamic=w.dynamic))
        elif t.startswith("-") and not t.startswith("--") and len(t) > 2:
            for opt in shorts:
                if t.startswith(opt):
                    out.append(Word(t[2:], dynamic=w.dynamic))
                    break
                if t[1:].isalpha() and t.endswith(opt[1]) and nxt is not None:
                    out.append(nxt)
                    break
                at = _cluster(t).find(opt[1])
                if at >= 0 and not t[1:].isalpha():  # `-uo/f`: the letters before take no value
                    out.append(Word(t[at + 2:], dynamic=w.dynamic))
                    break
    return [w for w in out if w.text]


def _command_matches(row: dict[str, Any], positionals: list[Word]) -> bool:
    """`command = ["stash", "push|save"]`: the first positionals, alternatives split by `|`."""
    command = row.get("command") or []
    if len(positionals) < len(command):
        return False
    return all(positionals[i].text in alt.split("|") for i, alt in enumerate(command))


_OLD_STYLE = frozenset({"tar", "gtar", "bsdtar"})  # programs whose first word may bundle options without a dash


def analyze_fs(name: str, argv: list[Word], scope: Scope, source: str) -> list[Finding]:
    rows = _index().get(name)
    if not rows:
        return []
    if name in _OLD_STYLE and len(argv) > 1 and argv[1].text.isalpha():
        from blastwall.analyze.shell.archives import expanded

        argv = expanded(argv)  # `tar czf a.tgz src` is `tar -c -z -f a.tgz src`
    out: list[Finding] = []
    splits: dict[tuple[str, ...], tuple[list[str], list[Word]]] = {}  # rows that share value options share a split
    given = frozenset(w.text for w in argv[1:])
    for row, first in zip(rows, _first_words(name), strict=True):
        if first is not None and first.isdisjoint(given):
            continue  # no word is its subcommand (the command test below fails without a split)
        options = tuple(row.get("value_options", ()))
        split = splits.get(options)
        if split is None:
            split = splits[options] = _split(argv[1:], list(options))
        flags, positionals = split
        if row.get("only_with") and not _has(flags, row["only_with"], glued=True):
            continue
        if not _command_matches(row, positionals):
            continue
        if row.get("unless_flag") and _has(flags, row["unless_flag"]):
            continue
        op = row["op"]
        if row.get("recursive_flags") and _has(flags, row["recursive_flags"]):
            op = "delete_recursive"
        critical = bool(row.get("critical_flags")) and _has(flags, row["critical_flags"])
        floor = Severity.parse(row["severity"])
        sources = positionals[len(row.get("command") or []):-1] if row.get("targets") == "last" else []
        folder = _option_values(argv[1:], row.get("target_options", []))  # `cp -t DIR a b`
        if folder:
            sources = positionals
        if row.get("sources_leave"):
            for src in sources:
                if src.path_class is None and _literal(src.text):
                    out.extend(_guard(src.text, scope, removes=True))
        targets = _into(folder[-1], sources) if folder else _targets(row, argv, flags, positionals)
        if row.get("named_targets_only"):  # a derived file's computed name (`"out/$(basename "$f")"`)
            targets = [t for t in targets if t.path_class is not None or _literal(t.text)]
        if row.get("untracked") and not targets and _has(flags, row.get("untracked_flags", [])):
            out.extend(_untracked_guard(scope, ignored=_has(flags, row.get("ignored_flags", []))))
            break
        if row.get("targets") == "in_place":
            found = _in_place(row, argv, scope, source)
            if found is None:
                continue  # it only prints
            out.extend(found)
            break
        if op == "overwrite" and (len(sources) == 1 and sources[0].text in _EMPTY_SOURCES
                                  or _zero_size(argv, row.get("wipe_size_options", []))):
            op = "wipe"  # `cp /dev/null f`, `truncate -s 0 f`: nothing of f is left
        whole = op == "overwrite" and _whole_copy(row, argv, sources, scope)
        copies = op == "overwrite" and row.get("targets") == "last" and bool(sources) and not folder
        targets, skipped = _distinct(targets)
        if skipped:
            out.append(unknown("shell.fs:too-many-targets", f"{name} names {len(targets) + skipped} different "
                               f"targets; blastwall checked the first {len(targets)} one by one and asks about the "
                               f"other {skipped}", source))
        if op.startswith("delete"):
            targets = _paired_output(targets, scope)
        for target in targets:
            made = _backup_made_earlier(target, scope) if op.startswith("delete") else None
            if made is not None:
                target = target._replace(path_class=PathClass("temp", f"the backup {made} earlier on this line"))
            out.extend(_target_findings(row, target, op, str(row["reason"]), scope, source, sources=sources,
                                        floor=floor, critical=critical, whole_copy=whole,
                                        content_judged=copies and _content_judged(target, sources, scope)))
        if row.get("sources_leave") and targets:
            out.extend(_moved_away(sources, targets[-1], scope, source,
                                   row if row.get("moved_reason") else None, name))
        if not row.get("then"):  # `then = true`: the program's next rows are tried as well
            break
    return out


def _content_judged(target: Word, sources: list[Word], scope: Scope) -> bool:
    """`cp ok.sh /etc/cron.daily/ok`: the copied text is read and judged as what the file runs later
    (analyze/shell/later_copies.py)."""
    if target.dynamic or target.path_class is not None or not _resolved(target.text):
        return False
    from blastwall.analyze.shell.later_copies import content_judged

    path = target.text
    if scope.shell_dir and not path.startswith(("/", "~")):
        path = posixpath.join(scope.shell_dir, path)
    return content_judged(path, sources, scope)


def _whole_copy(row: dict[str, Any], argv: list[Word], sources: list[Word], scope: Scope) -> bool:
    """The command copies a whole disk or a whole folder (`copies_from` in rules/shell_fs.toml): `dd
    if=/dev/sda`, `rsync -a src/ dst/`, `cp -r dir/ dst/`, or a folder that is here. Into a folder that is
    not on this machine, that is a backup made elsewhere, judged as a copy to a new path; a single file
    copied over a named file, `/dev/zero` or `/dev/urandom` (no data: a wipe) is not."""
    mode = str(row.get("copies_from", ""))
    if not mode:
        return False
    if mode.startswith("key:"):
        key = mode[4:] + "="
        words = [Word(w.text[len(key):], dynamic=w.dynamic) for w in argv[1:] if w.text.startswith(key)]
    else:
        words = sources
    return bool(words) and all(_whole(w, scope) for w in words)


def _whole(word: Word, scope: Scope) -> bool:
    text = word.text
    if word.dynamic or word.path_class is not None or not _resolved(text) or not _literal(text):
        return False
    kind = classify_in(text, scope).kind
    if kind == "device":
        return True  # a disk, card or partition: an image of it is made
    if kind == "null" or text.startswith(_LIVE_TREES):
        return False  # /dev/zero, /dev/urandom, /dev/null: nothing is copied, the target is wiped
    return text.endswith("/") or (scope.read_files and _is_dir(text, scope))


def _open_name(target: str) -> bool:
    """A target outside any dot folder (`~/.kube/config`: settings and keys) whose name does not say it
    holds credentials, data or history (`paths.presumed_there`), unless it is a folder the copy merges
    into (`dst/`)."""
    from blastwall.analyze.paths import presumed_there

    parts = [p for p in os.path.normpath(target).split("/") if p not in ("", "~")]
    if any(p.startswith(".") for p in parts):
        return False
    return target.endswith("/") or not presumed_there(parts[-1] if parts else target)


def _paired_output(targets: list[Word], scope: Scope) -> list[Word]:
    """A folder name that is build output only beside its partner (`bin` with `obj`: .NET's build
    output, removed together: `rm -rf bin obj`; a `bin/` of scripts alone is not), named by the same
    command in the same project folder, is regenerable ([paired_output] in rules/shell_fs.toml).
    Not for absolute or home paths, nor for a folder that is a link on this machine."""
    pairs: dict[str, list[str]] = load_table("shell_fs").get("paired_output", {})
    literal = {posixpath.normpath(t.text): t for t in targets if t.path_class is None and not t.dynamic
               and not t.glob and not t.text.startswith(("/", "~", "$", "-"))}
    out: list[Word] = []
    earlier: set[str] | None = None
    for t in targets:
        norm = posixpath.normpath(t.text) if t in literal.values() else ""
        folder, _, base = norm.rpartition("/")
        partners = pairs.get(base, [])
        beside = [posixpath.join(folder, p) if folder else p for p in partners]
        cwd = scope.shell_dir or scope.cwd
        linked = bool(cwd) and os.path.islink(os.path.join(cwd, norm)) if norm else False
        if beside and earlier is None and not all(b in literal for b in beside):
            earlier = _removed_earlier(scope)  # `rd /s /q P\obj && rd /s /q P\bin`: the partner went first
        named = set(literal) | {posixpath.relpath(e, scope.shell_dir) if scope.shell_dir else e
                                for e in earlier or ()}
        if norm and not norm.startswith("..") and beside and all(b in named for b in beside) and not linked:
            t = t._replace(path_class=PathClass("regenerable", f"{t.text} (build output, removed with "
                                                               f"{', '.join(partners)} beside it)"))
        out.append(t)
    return out


def _removed_earlier(scope: Scope) -> set[str]:
    """The literal relative folders an earlier `rm` on this line deleted (as written from where the line
    started, after its `cd`s)."""
    out: set[str] = set()
    for cmd, shell_dir in scope.earlier or ():
        argv = list(getattr(cmd, "argv", []) or [])
        if not argv or argv[0].dynamic or argv[0].text not in ("rm", "rmdir"):
            continue
        for w in argv[1:]:
            if not (w.dynamic or w.glob or w.text.startswith(("/", "~", "$", "-")) or w.path_class is not None):
                out.add(_on_line(w.text, shell_dir))
    return out


def _into(folder: Word, sources: list[Word]) -> list[Word]:
    """What copying or moving `sources` into `folder` writes: FOLDER/NAME for each source (the
    folder itself for a source whose name is not known)."""
    out: list[Word] = []
    for src in sources:
        name = os.path.basename(src.text.rstrip("/"))
        literal = src.path_class is None and not src.dynamic and name and _literal(name)
        out.append(Word(os.path.join(folder.text, name), dynamic=folder.dynamic) if literal else folder)
    return out


MAX_TARGETS = 256  # distinct targets of one command checked one by one; more are asked about as a whole


def _distinct(targets: list[Word]) -> tuple[list[Word], int]:
    """`targets` without repeats (`rm -rf / / /` is one target), at most MAX_TARGETS of them,
    and how many distinct ones were left out: checking each costs a few hundred microseconds,
    so a command of 20,000 paths would otherwise hold the hook for seconds."""
    seen: set[tuple[str, bool, object]] = set()
    out: list[Word] = []
    skipped = 0
    for t in targets:
        key = (t.text, bool(t.dynamic), t.path_class)
        if key in seen:
            continue
        seen.add(key)
        if len(out) < MAX_TARGETS:
            out.append(t)
        else:
            skipped += 1
    return out, skipped


def _backup_made_earlier(target: Word, scope: Scope) -> str | None:
    """The in-place edit earlier on this line whose backup `target` is (`sed -i.bak 's/a/b/' f &&
    rm f.bak`): a copy the line itself made of the file before the edit, so deleting it loses
    nothing the edit did not (that edit is judged on its own)."""
    if target.path_class is not None or target.dynamic or "$" in target.text or not scope.earlier:
        return None
    from blastwall.analyze.shell.inplace import backups_made
    from blastwall.analyze.shell.names import program_name

    key = _on_line(target.text, scope.shell_dir)
    for cmd, shell_dir in scope.earlier:
        argv = list(getattr(cmd, "argv", []) or [])
        if not argv or argv[0].dynamic:
            continue
        name = program_name(argv[0].text)
        row = next((r for r in _index().get(name, []) if r.get("targets") == "in_place"), None)
        if row is None:
            continue
        for made in backups_made(str(row["editor"]), argv):
            if _on_line(made, shell_dir) == key:
                return f"{name} -i made"
    return None


def _on_line(path: str, shell_dir: str | None) -> str:
    """`path` as written from the folder a command on the line runs in (after its `cd`s)."""
    if shell_dir and not path.startswith(("/", "~", "$")):
        path = os.path.join(shell_dir, path)
    return os.path.normpath(path)


# Where a moved file does not stay: a null device, a temp folder the system clears, and build output or a
# cache, which cleaning (`make clean`, `cargo clean`, `git clean -X`, `rm -rf build`) deletes without asking.
_AWAY = {"null": "shell.fs:mv-away", "temp": "shell.fs:mv-away", "temp_top": "shell.fs:mv-away",
         "regenerable": "shell.fs:mv-into-output"}


def _moved_away(sources: list[Word], target: Word, scope: Scope, source: str,
                via: dict[str, Any] | None = None, program: str = "") -> list[Finding]:
    """`mv ~/project /dev/null`, `mv notes.md /tmp/`, `mv src build/`: sources moved where they do not
    stay are deleted, rated like `rm` (a folder, or anything moved onto a null device, like `rm -r`).
    Moving build output or a cache there loses nothing (`mv dist /tmp/old-dist`). `via`: a row that
    carries data there by other means (a bind mount), reported under its own id and `moved_reason`."""
    pc = target.path_class or classify_in(target.text, scope)
    if pc.kind not in _AWAY:
        return []
    row = next(r for r in load_table("shell_fs")["fsop"] if r["id"] == _AWAY[pc.kind])
    reason = None
    if via is not None:
        row = {**row, "id": via["id"], "safer": via.get("safer", row.get("safer", ""))}
        reason = str(via["moved_reason"]).replace("{program}", program)
    out: list[Finding] = []
    for src in sources:
        folders = (_folders(scope) or []) if scope.read_files else []
        folder = pc.kind == "null" or src.text.endswith("/") or any(_is_dir(os.path.join(f, src.text), scope)
                                                                    for f in folders)
        out.extend(_target_findings(row, src, "delete_recursive" if folder else "delete",
                                    str(reason or row["reason"]).replace("{dest}", target.text[:80]), scope, source))
    return out


_EMPTY_SOURCES = frozenset({"/dev/null"})
_ZERO = ("0", "+0", "=0", "<0", "%0")


def _zero_size(argv: list[Word], options: list[str]) -> bool:
    """`truncate -s 0`, `-s0`, `--size=0K`: a size option whose value is zero."""
    for i, w in enumerate(argv[1:], 1):
        t = w.text
        for opt in options:
            value = None
            if t == opt and i + 1 < len(argv):
                value = argv[i + 1].text
            elif opt.startswith("--") and t.startswith(opt + "="):
                value = t[len(opt) + 1:]
            elif not opt.startswith("--") and t.startswith(opt) and len(t) > len(opt):
                value = t[len(opt):]
            if value is not None and value.rstrip("KMGTPEZYkmgtpezyBib") in _ZERO:
                return True
    return False


def _target_findings(row: dict[str, Any], target: Word, op: str, reason: str, scope: Scope, source: str, *,
                     sources: list[Word] = [], floor: Severity = Severity.NONE,  # noqa: B006 - never mutated
                     critical: bool = False, may_create: bool = True, whole_copy: bool = False,
                     content_judged: bool = False) -> list[Finding]:
    """The findings of one target of a filesystem operation: blastwall's own files, then the
    operation rated by the target's class. `may_create`: the operation makes the file when it is
    missing (an in-place edit does not). `whole_copy`: it copies a whole disk or folder (`_whole_copy`).
    `content_judged`: what lands in the target is read and judged as what it runs later (`_content_judged`)."""
    out: list[Finding] = []
    pc: PathClass = target.path_class or classify_in(target.text if not target.dynamic or "$" in target.text
                                                     else "$DYNAMIC", scope)
    if pc.kind in ("regenerable", "temp") and target.path_class is None:
        pc = _through_link(target.text, scope) or pc  # `rm -rf node_modules/*` where node_modules links to data
    if pc.kind in ("regenerable", "temp", "temp_top") and target.path_class is None and scope.earlier:
        pc = mounted_class(target.text, scope) or pc  # `mount --bind ~/data build/m && rm -rf build`
    if target.path_class is not None and _made_here(target.path_class):
        floor = Severity.NONE  # `shred -u "$f"` of a file mktemp made on this line: nothing to recover
    sev = max(pc.severity(op), floor)  # type: ignore[arg-type]
    note = ""
    if op == "overwrite" and target.path_class is None and template_twin(target.text, sources):
        sev = max(sev, Severity.MEDIUM)  # `mv config.example.yml config.yml`: the live file, often not in git
    if op in ("overwrite", "wipe") and sev > Severity.LOW and target.path_class is None:
        sev, note = _creation_discount(target.text, sources, scope, sev, pc if op == "overwrite" and may_create else None,
                                       foreign_asks=not (row.get("prompts_before_overwrite", False)
                                                         or whole_copy and _open_name(target.text)),
                                       runs_asks=not content_judged)
        if row.get("presumed_new_here") and sev > Severity.LOW and _presumed_new_here(target.text, pc, scope):
            sev, note = Severity.LOW, " (taken to be a new file: with no working folder to look in, it cannot be checked)"
    if critical:
        sev = Severity.CRITICAL
    if target.path_class is None and _literal(target.text):
        out.extend(_guard(target.text, scope, removes=op.startswith("delete")))
        out.extend(_guard_into(target.text, sources, scope))
    elif _names_guard(target):
        out.append(Finding(rule_id="shell.fs:guard-computed", effect=Effect.MODIFY_GUARD, severity=Severity.HIGH,
                           reason=f"{target.text[:80]} is computed from blastwall's own name (its program, files or "
                                  "installation); an agent may not change them",
                           target=target.text[:200], safer="ask a human to change blastwall's installation",
                           source=source[:200]))
    if row.get("guard_only") or (row.get("only_kinds") and pc.kind not in row["only_kinds"]):
        return out
    shown = target.text if target.path_class is None else f"{target.text} ({pc.path})"
    out.append(Finding(
        rule_id=str(row["id"]),
        effect=_effect(row, pc, sev),
        severity=sev,
        reason=reason.replace("{target}", shown).replace("{label}", pc.label) + note,
        target=target.text if target.path_class is None else pc.path,
        reversible=sev <= Severity.LOW,
        safer=str(row.get("safer", "")),
        source=source[:200],
    ))
    return out


def _effect(row: dict[str, Any], pc: PathClass, sev: Severity) -> Effect:
    """The row's effect; rewriting an applied migration or repository internals rewrites history,
    which git restoring the file does not undo (other environments ran it)."""
    effect = Effect(row["effect"])
    if effect is Effect.OVERWRITE and pc.kind == "history" and sev > Severity.LOW:
        return Effect.REWRITE_HISTORY
    return effect


def _in_place(row: dict[str, Any], argv: list[Word], scope: Scope, source: str) -> list[Finding] | None:
    """`sed -i`, `perl -pi`, `ruby -pi` (analyze/shell/inplace.py): each file is edited, or wiped
    when the script leaves nothing of it; a backup suffix also writes FILE+SUFFIX. None when the
    command does not edit in place."""
    from blastwall.analyze.shell.inplace import backup_path, conventional_suffix, read_edit

    edit = read_edit(str(row["editor"]), argv)
    if not edit.in_place:
        return None
    op = "wipe" if edit.wipe else "overwrite"
    reason = str(row["wipe_reason"] if edit.wipe else row["reason"])
    out: list[Finding] = []
    for target in edit.files:
        out.extend(_target_findings(row, target, op, reason, scope, source, may_create=False))
        if not edit.suffix or target.path_class is not None or target.dynamic or "$" in target.text:
            continue
        backup = backup_path(target.text, edit.suffix)
        known = scope.read_files and not target.glob and _folders(scope) is not None
        if conventional_suffix(edit.suffix) and not (known and not _missing(backup, scope)):
            continue  # a fresh copy beside the file
        out.extend(_target_findings(row, Word.lit(backup), "overwrite", _BACKUP_REASON, scope, source))
    return out


_BACKUP_REASON = "in-place edit writes its backup over {target} ({label})"


def in_place_findings(name: str, argv: list[Word], scope: Scope, source: str) -> list[Finding]:
    """The in-place edits of a program whose handler judges the rest (`perl -pi -e CODE f`)."""
    for row in _index().get(name, []):
        if row.get("targets") == "in_place":
            return _in_place(row, argv, scope, source) or []
    return []


def _names_guard(target: Word) -> bool:
    """A path made at run time from blastwall's name (`$(which blastwall)`, `$(dirname $(command -v
    blastwall))`, `"$BW_HOME"/blastwall`): whatever it resolves to, it is blastwall's."""
    raw = (target.raw or target.text).lower()
    return "blastwall" in raw and any("blastwall" in part for part in (raw.split("$(", 1)[1:] + raw.split("`", 1)[1:]))


def _literal(path: str) -> bool:
    """A path blastwall can name: no variable other than a leading `$HOME`."""
    for var in ("${HOME}", "$HOME"):
        if path == var or path.startswith(var + "/"):
            path = path[len(var):]
    return "$" not in path and "`" not in path


def _guard(path: str, scope: Scope, *, removes: bool = False) -> list[Finding]:
    """blastwall's own files and installation, code Python and git run by themselves, agents'
    hook settings (rules/files.toml, locations.installation())."""
    return guard_findings(path, scope, removes=removes)


def _guard_into(target: str, sources: list[Word], scope: Scope) -> list[Finding]:
    """`cp a.pth site-packages/`: a folder target receives each source under its own name."""
    if not sources or not (target.endswith("/") or (scope.read_files and _is_dir(target, scope))):
        return []
    out: list[Finding] = []
    for src in sources:
        name = os.path.basename(src.text.rstrip("/"))
        if src.path_class is None and name and _literal(name):
            out.extend(_guard(target.rstrip("/") + "/" + name, scope))
    return out


def _untracked_guard(scope: Scope, *, ignored: bool) -> list[Finding]:
    """`git stash -u`, `git clean -f`: the untracked (and with `ignored`, the ignored) files of
    the work tree go away; those among blastwall's own files and hook settings are guarded."""
    base = scope.shell_dir or scope.cwd
    if not base or not scope.read_files:
        return []
    candidates = [c for c in load_table("shell_fs")["untracked_guard"] if os.path.lexists(os.path.join(base, c))]
    if not candidates:
        return []
    if not scope.probe:  # git may not be asked: assume they go
        return [f for c in candidates for f in _guard(c, scope, removes=True)]
    import subprocess

    try:
        proc = subprocess.run(["git", "-C", base, "status", "--porcelain=v1", "-z", "--ignored=matching",
                               "--untracked-files=normal", "--", *candidates], capture_output=True, timeout=2,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, check=False)
    except (OSError, subprocess.SubprocessError):
        return [f for c in candidates for f in _guard(c, scope, removes=True)]  # unknown: assume they go
    if proc.returncode != 0:
        return []  # not a work tree: git stashes and cleans nothing
    out: list[Finding] = []
    for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
        state, _, path = entry.partition(" ")
        if state == "??" or (ignored and state == "!!"):
            out.extend(_guard(path.strip(), scope, removes=True))
    return out


def _is_dir(path: str, scope: Scope) -> bool:
    try:
        return os.path.isdir(os.path.join(scope.cwd or os.getcwd(), os.path.expanduser(path)))
    except (OSError, ValueError):
        return False


def _exists(path: str, cwd: str) -> bool:
    """Whether anything is at `path`; a path blastwall may not look at (a folder it cannot search:
    `/root/x` for another user) or cannot check counts as there."""
    full = os.path.join(cwd, os.path.expanduser(path))
    try:
        os.lstat(full)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True


def _presumed_new_here(path: str, pc: PathClass, scope: Scope) -> bool:
    """A plain relative name of a project or data file that a dump or archive writes, when there is
    no working folder to look in (`pg_dump -f backup.dump`): taken to be a new file, as a dump written
    beside the project usually is. Names under `~`, absolute paths and credential files still ask;
    with a working folder the file is looked at instead."""
    if _folders(scope) is not None or not _resolved(path) or path.startswith(("/", "~")):
        return False
    return pc.kind in ("project", "data") and ".." not in path.split("/")


def _folders(scope: Scope) -> list[str] | None:
    """The folders a command may run in: the working directory, and where an earlier `cd` on the
    line moved (a `cd` inside a subshell does not last, so both count); None when blastwall cannot
    tell (no working directory, or one that is not on this machine, a `cd` it cannot follow)."""
    if not scope.cwd or not os.path.isdir(scope.cwd):
        return None
    moved = scope.shell_dir
    if not moved:
        return [scope.cwd]
    if "$" in moved or (moved.startswith("~") and moved != "~" and not moved.startswith("~/")):
        return None
    return [scope.cwd, os.path.normpath(os.path.join(scope.cwd, os.path.expanduser(moved)))]


def _resolved(path: str) -> bool:
    """No variable or command output in `path` (`$X`, `$(...)`, a backquoted command)."""
    return "$" not in path and "`" not in path


def _missing(path: str, scope: Scope, *, foreign_asks: bool = True, runs_asks: bool = True) -> bool:
    """`path` provably does not exist, seen from every folder the command may run in, and no
    command earlier on the line may put something there first (`mv notes.md x.md && echo > x.md`:
    analyze/shell/earlier.py). `runs_asks`: a new file where files run code or grant access is taken
    to be there (rules/paths.toml runs_or_grants), unless what lands in it is read and judged."""
    if runs_asks and _runs_or_grants(path):
        return False  # `/etc/sudoers.d/new`, `/etc/cron.d/new`: a new file of text no one read
    if path.startswith(_LIVE_TREES):
        return False  # `of=/dev/sdb` where this machine has no such disk: the machine it runs on has
    folders = _folders(scope) if scope.read_files and _resolved(path) else None
    if folders is None and scope.read_files and _resolved(path) and _from_root(path):
        folders = ["/"]  # `~/.ssh/id_new`, `/etc/x`: checked on this machine without a working folder
    if not folders or any(_exists(path, f) for f in folders):
        return False
    if foreign_asks and _foreign_folder(path, scope):
        return False  # `tee /var/lib/app/x.json` where /var/lib/app is not here: written for another machine
    return not _brought(path, scope)


def _foreign_folder(path: str, scope: Scope) -> bool:
    """An absolute or home path whose folder is not on this machine and that no command earlier on the
    line makes (`mkdir -p d && echo > d/f`): the command was written for another machine (or the write
    fails), so whether the file is there cannot be known here."""
    if not path.startswith(("/", "~/")):
        return False
    folder = os.path.dirname(os.path.normpath(os.path.expanduser(path)))
    if folder in ("", "/") or _exists(folder, "/"):
        return False
    from blastwall.analyze.shell.earlier import makes_folder

    return not any(makes_folder(_unwrapped(cmd), folder) for cmd, _ in scope.earlier)


def runs_or_grants(path: str, *, appended: bool = False) -> bool:
    """`path` is where a file runs code or grants access once it exists (rules/paths.toml runs_or_grants);
    `appended`: where text added at the end does (not a list of keys: `append_keeps`)."""
    if not _runs_or_grants(path):
        return False
    if not appended:
        return True
    from blastwall.analyze import globs
    from blastwall.analyze.ruleset import load_table

    full = os.path.normpath(os.path.expanduser(path)) if path.startswith(("/", "~")) else path
    return not globs.matcher(tuple(load_table("paths")["system"].get("append_keeps", ())))(full)


def _runs_or_grants(path: str) -> bool:
    from blastwall.analyze import globs
    from blastwall.analyze.ruleset import load_table

    full = os.path.normpath(os.path.expanduser(path)) if path.startswith(("/", "~")) else path
    return globs.matcher(tuple(load_table("paths")["system"].get("runs_or_grants", ())))(full)


def _from_root(path: str) -> bool:
    """A plain file of the user's home or an absolute path (`~/x`, `/etc/sysctl.d/60-x.conf`; not
    `~user/x`, nor one under /dev, /proc or /sys, nor one whose name says it holds credentials,
    data or history: `paths.presumed_there`), whose existence this machine can answer without a
    working folder, as it does with one."""
    from blastwall.analyze.paths import presumed_there

    if not path.startswith(("~/", "/")) or path.startswith(_LIVE_TREES) or ".." in path.split("/"):
        return False
    return not presumed_there(path.rsplit("/", 1)[-1])


# Trees whose entries are devices or the kernel's live state: what is written there is never a new file.
_LIVE_TREES = ("/dev/", "/proc/", "/sys/", "/run/")


def _brought(path: str, scope: Scope) -> bool:
    from blastwall.analyze.shell import MAX_EARLIER
    from blastwall.analyze.shell.earlier import any_brings

    if len(scope.earlier) >= MAX_EARLIER - 1:
        return True  # the line has more earlier commands than are kept: one of them may
    commands = [(_unwrapped(cmd), str(getattr(cmd, "source", ""))) for cmd, _ in scope.earlier]
    return any_brings(commands, path)


def _unwrapped(cmd: object) -> list[str]:
    """The words of the program an earlier command runs, its wrappers taken off (`sudo mkdir -p d`:
    mkdir -p d); a wrapper that runs a shell string stays as it is."""
    from blastwall.analyze.shell.wrappers import peel

    argv = list(getattr(cmd, "argv", []))
    for _ in range(4):
        peeled = peel(argv) if argv else None
        if peeled is None or not peeled.argv:
            break
        argv = list(peeled.argv)
    return [w.text for w in argv]


def _through_link(path: str, scope: Scope) -> PathClass | None:
    """The class of what a regenerable-named path reaches when a folder on its way is a symbolic
    link (`Pods/`, `.venv/*`, `node_modules/x` with node_modules -> ../data): the files there are
    judged where they are. The link alone (`rm -rf Pods`) only removes the link: None. A link made
    earlier on the line counts too (`ln -s ~/data build/d && rm -rf build/d/`)."""
    made = _linked_earlier(path, scope)
    if made is not None:
        return made
    folders = _folders(scope) if scope.read_files and _resolved(path) else None
    if not folders or path.startswith("~"):
        return None
    parts = path.split("/")
    for folder in folders:
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if not prefix or (i == len(parts) and not path.endswith("/")):
                continue
            here = prefix if prefix.startswith("/") else os.path.join(folder, prefix)
            if os.path.islink(here):
                real = os.path.realpath(here)
                rest = "/".join(p for p in parts[i:] if p)
                reached = classify_in(os.path.join(real, rest) if rest else real, scope._replace(shell_dir=None))
                return PathClass(reached.kind, f"{path}, a link to {real}")
    return None


_LN = frozenset({"ln", "gln"})


def _linked_earlier(path: str, scope: Scope) -> PathClass | None:
    """The class of what `path` reaches through a symbolic link an earlier `ln -s` on the line made at
    a folder on its way (`build/d/`, `build/d/x`, `build/d/*`; `build/d` alone removes the link)."""
    want = posixpath.normpath(path)
    for pointed, link in _earlier_links(scope):
        if want.startswith(link + "/") or (want == link and path.endswith("/")):
            rest = want[len(link):].lstrip("/")
            reached = classify_in(posixpath.join(pointed, rest) if rest else pointed, scope._replace(shell_dir=None))
            return PathClass(reached.kind, f"{path}, through the link to {pointed} made on this line")
    return None


def _earlier_links(scope: Scope) -> list[tuple[str, str]]:
    """(what it points to, the link) for each symbolic link an earlier `ln -s` of the line made; a
    relative link's target is read from the link's own folder."""
    out: list[tuple[str, str]] = []
    for cmd, _ in scope.earlier or ():
        words = _unwrapped(cmd)
        if not words or words[0].rpartition("/")[2] not in _LN:
            continue
        flags = [w for w in words[1:] if w.startswith("-") and w != "-"]
        if not any(f == "--symbolic" or (not f.startswith("--") and "s" in f) for f in flags):
            continue
        operands = [w for w in words[1:] if not w.startswith("-")]
        if len(operands) < 2:
            continue
        pointed, link = operands[0], operands[-1]
        if link.endswith("/"):
            link = link + pointed.rstrip("/").rpartition("/")[2]
        link = posixpath.normpath(link)
        if not pointed.startswith(("/", "~", "$")):
            pointed = posixpath.normpath(posixpath.join(posixpath.dirname(link), pointed))
        out.append((pointed, link))
    return out


_MOUNTERS = frozenset({"mount", "bindfs"})
# mount's and bindfs's options that take a value (`-o bind`, `-t tmpfs`, `-u 1000`)
_MOUNT_VALUED = frozenset({"-o", "-t", "-O", "-L", "-U", "-N", "--options", "--types", "--source", "--target",
                           "-u", "-g", "-p", "-m", "--map", "--mirror"})


def earlier_mounts(scope: Scope) -> list[tuple[str, str]]:
    """(what it shows, the mount point) for each mount an earlier command of the line made (`mount
    --bind ~/data build/m`, `bindfs ~/data build/m`, `mount -t tmpfs tmpfs /tmp/x`); `mount` alone lists."""
    out: list[tuple[str, str]] = []
    for cmd, where in scope.earlier or ():
        words = _unwrapped(cmd)
        if not words or words[0].rpartition("/")[2] not in _MOUNTERS:
            continue
        operands = [_placed(w, where) for i, w in enumerate(words[1:], 1)
                    if not w.startswith("-") and words[i - 1] not in _MOUNT_VALUED]
        if operands:
            out.append((operands[-2] if len(operands) > 1 else "", operands[-1]))
    return out


def _placed(path: str, shell_dir: str | None) -> str:
    """`path` read from the folder an earlier `cd` of the line moved to (relative to the project otherwise)."""
    if shell_dir and not path.startswith(("/", "~", "$")):
        path = posixpath.join(shell_dir, path)
    return posixpath.normpath(path)


def _unknown_mount(shown: str, scope: Scope) -> bool:
    """What a mount shows is not a folder of known class: none given, a device, or a filesystem type's
    name (`tmpfs`, `none`) that names no folder here."""
    if not shown or shown.startswith("/dev/"):
        return True
    if shown.startswith(("/", "~", "$", ".")) or "/" in shown:
        return False
    folder = scope.cwd
    return not folder or not os.path.exists(os.path.join(folder, shown))


def mounted_class(path: str, scope: Scope) -> PathClass | None:
    """The class of what deleting `path` reaches when a mount made earlier on the line sits at it,
    under it (a recursive delete crosses into mounts) or above it: what the mount shows. A source
    that is no folder (tmpfs, a device) is not known: dynamic."""
    want = _placed(path, scope.shell_dir)
    for shown, point in earlier_mounts(scope):
        if not (want == point or want.startswith(point + "/") or point.startswith(want.rstrip("/") + "/")
                or want in (".", "/")):
            continue
        rest = want[len(point):].lstrip("/") if want.startswith(point + "/") else ""
        if _unknown_mount(shown, scope):
            return PathClass("dynamic", f"{path}, where {point} was mounted on this line")
        reached = classify_in(posixpath.join(shown, rest) if rest else shown, scope._replace(shell_dir=None))
        return PathClass(reached.kind, f"{path}, where {shown} was mounted at {point} on this line")
    return None


def links_reached(path: str, scope: Scope, *, below: bool) -> PathClass | None:
    """The worst class a link made earlier on the line reaches for a search that follows links
    (`find -L build`): links under `path` when `below`, else only `path` itself (`find -H build/d`,
    `find build/d/`)."""
    want = posixpath.normpath(path)
    found = [classify_in(pointed, scope._replace(shell_dir=None)) for pointed, link in _earlier_links(scope)
             if link == want or (below and (link.startswith(want + "/") or want == "."))]
    if not found:
        return None
    worst = max(found, key=lambda pc: pc.severity("delete_recursive"))
    return PathClass(worst.kind, f"{path}, through a link to {worst.path} made on this line")


_TEMPLATE_PARTS = frozenset({"example", "sample", "template", "dist", "tmpl", "default", "defaults", "orig"})


def template_twin(target: str, sources: list[Word]) -> str | None:
    """The source a template is, when `target` is the very file it is the template of
    (`config.example.yml` -> `config.yml`, `.env.example` -> `.env`, `settings.py.dist` ->
    `settings.py`; in the same folder or not: `cp config/.env.example .env` puts the kept
    template over the live `.env`); None otherwise (`cp .env.example .env.local` makes a new
    file)."""
    name = target.rstrip("/").rpartition("/")[2]
    for src in sources:
        s_name = src.text.rstrip("/").rpartition("/")[2]
        parts = s_name.split(".")
        kept = [p for i, p in enumerate(parts) if i == 0 or p.lower() not in _TEMPLATE_PARTS]
        if len(kept) < len(parts) and ".".join(kept) == name:
            return src.text
    return None


def _creation_discount(target: str, sources: list[Word], scope: Scope, sev: Severity,
                       pc: PathClass | None = None, *, foreign_asks: bool = True,
                       runs_asks: bool = True) -> tuple[Severity, str]:
    """Overwriting needs something to overwrite. With a real working directory blastwall
    checks, and so it does without one for a file under `~/` that the write creates (`pc`
    given) and whose name says nothing of what it holds (not a well-known credential, data or
    history file: `~/.ssh/authorized_keys` is taken to be there); otherwise copying a template into place (`cp .env.example .env`) is taken as
    creating the file, and so is writing a migration that is not the project's first
    (`pc`: the target's class, for paths.migration_presumed_new); the reason says so."""
    rooted = _from_root(target) and pc is not None
    if scope.read_files and _resolved(target) and (_folders(scope) is not None or rooted):
        if _missing(target, scope, foreign_asks=foreign_asks, runs_asks=runs_asks):
            return Severity.NONE, " (it does not exist yet: nothing is overwritten)"
        return sev, ""
    twin = template_twin(target, sources)
    if twin:
        return sev, f" (the file the template {twin} is made into: it is usually there, and often kept out of git)"
    if sources and all(is_template(s.text) for s in sources):
        return Severity.LOW, " (copies a template into place; an existing file would be replaced)"
    if pc is not None and pc.kind == "history" and migration_presumed_new(target):
        return Severity.LOW, (" (taken to be a new migration: whether it exists cannot be checked here, and it is "
                              "not the project's first)")
    return sev, ""


def redirect_findings(target: Word, scope: Scope, source: str, *, empty: bool = False,
                      read_by: str | None = None) -> list[Finding]:
    """`> file` truncates the file before the command even runs. `empty`: nothing is written
    into it (`> f`, `: > f`): a wipe, which leaves nothing of the file. `read_by`: a program of
    the same pipeline reads the file, and finds it already empty: a wipe too."""
    pc = target.path_class or classify_in(target.text, scope)
    sev = pc.severity("wipe" if empty or read_by else "overwrite")
    note = ""
    if read_by:
        note = (f"; the shell empties it before {read_by} reads it, so its content is lost "
                "(write to a new file, or use sponge or the program's in-place option)")
    elif sev > Severity.LOW and target.path_class is None:
        sev, note = _creation_discount(target.text, [], scope, sev, None if empty else pc)
    guarded = _guard(target.text, scope) if target.path_class is None and _literal(target.text) else []
    return guarded + [Finding(
        rule_id="shell.fs:redirect-truncate",
        effect=Effect.REWRITE_HISTORY if pc.kind == "history" and sev > Severity.LOW else Effect.OVERWRITE,
        severity=sev,
        reason=f"redirection {'empties' if empty or read_by else 'overwrites'} {target.text} ({pc.label}){note}",
        target=target.text,
        reversible=sev <= Severity.LOW,
        safer="append with >> or write to a new file",
        source=source[:200],
    )]
