"""Scratch made on the same command line: a path `mktemp` creates is new, so deleting or
overwriting it loses nothing; a file name stamped with the current date or time is new, so
writing it overwrites nothing (deleting one may: it can be there from earlier today).

    d=$(mktemp -d); ...; rm -rf "$d"          -> the rm deletes scratch
    rm -rf "$(mktemp -d)"                     -> the same
    tmp=$(mktemp) && curl ... > "$tmp" && rm -f "$tmp"; trap 'rm -f "$tmp"' EXIT
    pg_dump app > backup_$(date +%F).dump     -> the redirection creates a new file

Only the whole word counts: `"$d"/*` or `"$d/x"` would be `/*` and `/x` if mktemp failed and left
the variable empty, and `"$d/.."` is not inside the scratch at all. A variable carries the mark only
when the line sets it exactly once and nothing else can change it (`read`, `printf -v`, `eval`,
`source`, a second assignment in a branch that may or may not run).
"""

from __future__ import annotations

from typing import Any

from blastwall.analyze.paths import PathClass

SCRATCH = PathClass("temp", "a new scratch path that mktemp made on this line")
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


def stamped(parts: list[Any]) -> PathClass | None:
    """A word joined from fixed text and `$(date ...)` stamps only: a name that is new now. Any other
    unknown part, or a `..` step, and it is not."""
    if not any(p.path_class is NEW_NAME for p in parts):
        return None
    if any(p.dynamic and p.path_class is not NEW_NAME or not p.dynamic and ("$" in p.text or "`" in p.text)
           for p in parts):
        return None
    text = "".join(p.text for p in parts)
    if ".." in text.split("/") or any("/.." in p.text or p.text.startswith("..") for p in parts if not p.dynamic):
        return None
    return PathClass("new_file", text)


def set_once(root: Any, text: Any) -> frozenset[str]:
    """Names the line assigns exactly once, unconditionally (not in a branch, loop, pipeline or
    subshell that may not run or whose value does not come back), and changes in no other way.
    `text(node)` reads a node's source. One pass over the tree: whether a statement surely runs
    is handed down from its parent (`_runs_surely`)."""
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
            if any(w.rsplit("/", 1)[-1] in _MOUNTERS for w in words):
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
