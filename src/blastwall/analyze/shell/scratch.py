"""Scratch made on the same command line: a path `mktemp` creates is new, so deleting or
overwriting it loses nothing; a file name stamped with the current date or time is new, so
writing it overwrites nothing (deleting one may: it can be there from earlier today).

    d=$(mktemp -d); ...; rm -rf "$d"          -> the rm deletes scratch
    rm -rf "$(mktemp -d)"                     -> the same
    tmp=$(mktemp) && curl ... > "$tmp" && rm -f "$tmp"; trap 'rm -f "$tmp"' EXIT
    pg_dump app > backup_$(date +%F).dump     -> the redirection creates a new file

A path inside the scratch (`"$d"/*`, `"$d/x"`, `$d/sub/`) counts only where the mktemp surely
succeeded: later in its `&&` chain (`d=$(mktemp -d) && echo x > "$d/t" && shred -u "$d/t"`), after
`set -e`, or after `d=$(mktemp -d) || exit 1`; otherwise the variable may be empty and the path
`/*` or `/x`. `"$d/.."` is not inside the scratch at all. A variable carries the mark only
when the line sets it exactly once and nothing else can change it (`read`, `printf -v`, `eval`,
`source`, a second assignment in a branch that may or may not run), and when nothing on the line
can make a link or a device node (`ln -sf /dev/sda "$f"` before `mkfs.ext4 "$f"`) or mount something.
"""

from __future__ import annotations

import functools

from typing import Any

from blastwall import rx
from blastwall.analyze.paths import PathClass

SCRATCH = PathClass("temp", "a new scratch path that mktemp made on this line")
INSIDE = PathClass("temp", "a path inside a scratch folder that mktemp made on this line")
NEW_NAME = PathClass("new_file", "a name stamped with the current date")
MAKERS = frozenset({"mktemp", "gmktemp"})
STAMPERS = frozenset({"date", "gdate"})
# Builtins whose arguments may name a variable they set; `eval`/`source` may set any.
_SETTERS = frozenset({"read", "mapfile", "readarray", "getopts", "printf", "declare", "typeset", "local", "unset",
                      "let", "wait"})
_ANY_SETTERS = frozenset({"eval", "source", ".", "declare -n", "typeset -n"})
# Programs that can make a scratch folder show other data (`mount --bind / "$d"`): a line that runs
# one has no scratch.
_MOUNTERS = frozenset({"mount", "bindfs", "sshfs", "rclone", "fusermount", "fusermount3", "mergerfs", "unionfs",
                       "squashfuse", "fuse-overlayfs", "guestmount", "s3fs", "goofys", "mount.cifs", "mount.nfs"})

# Programs that can put a link or a device node where a scratch path is (`ln -sf /dev/sda "$f"`,
# `mknod "$f" b 8 0`): a line that runs one has no scratch either, since writing to, formatting or
# shredding the path would reach what the link names. `cp` is one only with the options below;
# code that makes links (`os.symlink`, `fs.symlinkSync`, `File.symlink`) is found by its text.
_LINKERS = frozenset({"ln", "gln", "link", "mknod", "rsync", "cpio", "pax"})
_COPIERS = frozenset({"cp", "gcp", "install", "ginstall"})
_LINK_OPTIONS = frozenset({"-s", "-l", "--link", "--symbolic-link", "--remove-destination", "--symbolic"})
_LINK_LETTERS = frozenset("sl")
_LINK_CODE = rx.compile(r"(?i)symlink|mknod|hardlink|\blink\s*\(|\.link\b|link_to")


def links(words: list[str]) -> bool:
    """Whether a command's words (wrappers included) can make a link or a device node."""
    for i, w in enumerate(words):
        name = w.rsplit("/", 1)[-1]
        if name in _LINKERS:
            return True
        if name in _COPIERS and any(o.split("=", 1)[0] in _LINK_OPTIONS or
                                    (o[:1] == "-" and o[1:2] != "-" and _LINK_LETTERS & set(o[1:]))
                                    for o in words[i + 1:]):
            return True
    return False


def made_by_mktemp(producer: Any) -> bool:
    """Whether a command substitution's command is a plain `mktemp` (whose output is a new path)."""
    if producer is None or not producer.argv or producer.stdin_from is not None:
        return False
    from blastwall.analyze.shell.names import program_name

    first = producer.argv[0]
    if first.dynamic or program_name(first.text) not in MAKERS:
        return False
    if any(w.dynamic or any(c.isspace() for c in w.text) for w in producer.argv[1:]):
        return False  # a template with a space splits in two when the path is used unquoted
    return not any(r.op in (">", ">>", "&>", ">|") and r.fd in ("", "1") for r in producer.redirects)


def made_by_date(producer: Any) -> bool:
    """Whether a command substitution prints the current date or time (`$(date +%F)`, `$(date +%s)`);
    `date -d`/`--date`/`-r`/`--reference`/`-f` print another time, one that may be taken already."""
    if producer is None or not producer.argv or producer.stdin_from is not None:
        return False
    from blastwall.analyze.shell.names import program_name

    first = producer.argv[0]
    if first.dynamic or program_name(first.text) not in STAMPERS:
        return False
    formats = [w.text for w in producer.argv[1:] if w.text.startswith("+")]
    if formats and not any("%" in f.replace("%%", "") for f in formats):
        return False  # `date +.env` prints fixed text, not a time
    return not any(w.dynamic or w.text.split("=", 1)[0] in ("-d", "--date", "-r", "--reference", "-f", "--file", "-s",
                                                               "--set") for w in producer.argv[1:])


@functools.cache
def _cache_locators() -> dict[tuple[str, ...], tuple[str, tuple[str, ...]]]:
    from blastwall.analyze.ruleset import load_table

    return {tuple(row["command"]): (str(row["what"]), tuple(row.get("unset_by", ())))
            for row in load_table("cache_locators").get("locator", [])}


def locator_class(what: str) -> PathClass:
    """The class a cache locator's substitution gets by its name (cache_paths.py verifies it)."""
    return PathClass("regenerable", f"{what}, which the tool fills again")


def made_by_cache_locator(producer: Any, line: str) -> PathClass | None:
    """`$(go env GOCACHE)`, `$(pip cache dir)`: a command substitution that prints where a tool keeps
    its cache (rules/cache_locators.toml), exactly as listed and run by its bare name (`~/bin/go env
    GOCACHE` prints what that file wants); anything else around it is not read, nor is a `line` (the
    command line without this substitution) that may move the cache: one that names a variable or
    file of `unset_by`, or the setting (`go env -w GOCACHE=~/src && ...`), or that may make the name
    run something else (a function or alias of that name, a new PATH). Where the machine can be
    looked at, what the name promises is then verified (cache_paths.py)."""
    if producer is None or not producer.argv or producer.stdin_from is not None or producer.redirects:
        return None
    if any(w.dynamic for w in producer.argv) or "/" in producer.argv[0].text or producer.assigns:
        return None
    from blastwall.analyze.shell.cache_paths import shadowing
    from blastwall.analyze.shell.names import program_name

    words = (program_name(producer.argv[0].text), *(w.text for w in producer.argv[1:]))
    row = _cache_locators().get(words)
    if row is None:
        return None
    what, unset_by = row
    if words[-1] in line or any(name in line for name in unset_by) or shadowing(words[0]).search(line):
        return None
    return locator_class(what)


def stamped(parts: list[Any]) -> PathClass | None:
    """A word joined from fixed text and `$(date ...)` stamps only: a name that is new now. Any other
    unknown part, or a `..` step, and it is not."""
    def stamp(p: Any) -> bool:  # `$(date +%F)`, or a quoted part already read as stamped (`of="x-$(date +%s)"`)
        return p.path_class is NEW_NAME or (p.path_class is not None and p.path_class.kind == "new_file")

    if not any(stamp(p) for p in parts):
        return None
    if any(p.dynamic and not stamp(p) and not _one_word_beside_text(parts, i) or not p.dynamic and ("$" in p.text or
           "`" in p.text) for i, p in enumerate(parts)):
        return None
    text = "".join(p.text for p in parts)
    if ".." in text.split("/") or any("/.." in p.text or p.text.startswith("..") for p in parts if not p.dynamic):
        return None
    return PathClass("new_file", text)


def _one_word_beside_text(parts: list[Any], i: int) -> bool:
    """`crontab-$(hostname)-$(date +%F).txt`: a substitution that prints one word with no slash
    (one_token.py), joined to fixed text or a date stamp in its own path component: the name stays new."""
    from blastwall.analyze.shell.one_token import ONE_TOKEN

    if parts[i].path_class is not ONE_TOKEN:
        return False
    before = parts[i - 1] if i else None
    after = parts[i + 1] if i + 1 < len(parts) else None
    joined_before = before is not None and (before.path_class is NEW_NAME or
                                            not before.dynamic and before.text and not before.text.endswith("/"))
    joined_after = after is not None and (after.path_class is NEW_NAME or
                                          not after.dynamic and after.text and not after.text.startswith("/"))
    return joined_before or joined_after


_DATE_STAMP = r"\$\(\s*g?date\s+['\"]?\+[^()$`'\"]*%[^()$`'\"]*['\"]?\s*\)"


def stamped_text(path: str) -> bool:
    """A path written in a program's own language whose only substitutions are `$(date +FORMAT)`
    stamps, with no `..` step (`instance/app-$(date +%s).db`). Only meaningful for text the shell
    expanded (its word was `stamped`): the name is then new now."""
    from blastwall import rx

    rest = rx.sub(_DATE_STAMP, "", path)
    return rest != path and "$" not in rest and "`" not in rest and ".." not in path.split("/")


def keyed_scratch(parts: list[Any]) -> PathClass | None:
    """`of="$f"`, `of=$(mktemp)`: a `KEY=` prefix and one scratch path; the value is the scratch
    (fsops reads `of=` as dd's output)."""
    if len(parts) == 2 and not parts[0].dynamic and parts[0].text.endswith("=") and \
            parts[0].text[:-1].isidentifier() and parts[1].path_class is SCRATCH:
        return PathClass(SCRATCH.kind, parts[0].text + SCRATCH.path)
    return None


def set_once(root: Any, text: Any) -> frozenset[str]:
    """Names the line assigns exactly once, unconditionally (not in a branch, loop, pipeline or
    subshell that may not run or whose value does not come back), and changes in no other way.
    `text(node)` reads a node's source. One pass over the tree: whether a statement surely runs
    is handed down from its parent (`_runs_surely`)."""
    if _LINK_CODE.search(text(root)):
        return frozenset()
    counts: dict[str, int] = {}
    unconditional: set[str] = set()
    named: set[str] = set()
    stack: list[tuple[Any, bool]] = [(root, True)]
    while stack:
        n, surely = stack.pop()
        stack.extend(_children(n, surely))
        t = n.type
        if t == "variable_assignment":
            name = n.child_by_field_name("name")
            if name is not None:
                key = text(name).split("[", 1)[0]
                counts[key] = counts.get(key, 0) + 1
                if surely:
                    unconditional.add(key)
        elif t in ("arithmetic_expansion", "c_style_for_statement") or (
                t == "compound_statement" and text(n).startswith("((")):
            return frozenset()  # arithmetic can assign any name: `(( d = 0 ))`
        elif t == "for_statement":
            var = n.child_by_field_name("variable")
            if var is not None:
                named.add(text(var))
        elif t in ("command", "declaration_command", "unset_command") and n.named_children:
            words = [text(c) for c in n.named_children]
            first = text(n.children[0]) if t != "command" else words[0]
            if first in _ANY_SETTERS or " ".join([first, *words[1:2]]) in _ANY_SETTERS:
                return frozenset()
            if any(w.rsplit("/", 1)[-1] in _MOUNTERS for w in words) or links(words):
                return frozenset()  # also behind sudo, env or any wrapper
            if first in _SETTERS or t == "unset_command" or (t == "declaration_command" and first not in (
                    "export", "readonly")):
                named.update(w.lstrip("-").split("=", 1)[0] for w in words)
    return frozenset(k for k, c in counts.items() if c == 1 and k in unconditional and k not in named)


def _children(node: Any, surely: bool) -> list[tuple[Any, bool]]:
    """A node's children, each with whether it surely runs in the line's own shell: the top-level
    statements do, and so does the first part of an `&&`/`||` list and what `export`/`declare` or a
    redirection wraps; if/while/case bodies, pipelines, subshells, functions and later list parts
    may not run there."""
    t = node.type
    kids = node.children
    if t == "program":
        return [(c, True) for c in kids]
    if t == "list":
        first = node.named_children[0] if node.named_children else None
        return [(c, surely and first is not None and c.start_byte == first.start_byte and c.end_byte == first.end_byte)
                for c in kids]
    if t in ("declaration_command", "redirected_statement"):
        return [(c, surely) for c in kids]
    return [(c, False) for c in kids]
