"""Emacs Lisp read as the shell commands it runs (`rules/elisp.toml`).

    (shell-command "rm -rf ~/data")               -> rm -rf ~/data
    (delete-directory "~/data" t)                 -> rm -rf -- ~/data
    (call-process "rm" nil nil nil "-rf" "/x")    -> rm -rf /x
    (eval (read CODE)), (funcall f)               -> code blastwall cannot read

A small reader turns the text into nested lists; every list whose head the table names is judged,
wherever it is (inside `progn`, `let`, `when`, a `lambda`). A form it cannot read asks.
"""

from __future__ import annotations

import functools
import shlex
from typing import Any

from blastwall import rx
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.languages import Effects

_TOKEN = rx.compile(r'''"(?:[^"\\]|\\.)*"|[()\[\]]|'|`|,@?|;[^\n]*|[^\s()\[\]"';`,]+''', rx.S)
_MAX_DEPTH = 200


class _String(str):
    """A string literal (an atom is a plain `str`)."""


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("elisp")


def _read(text: str) -> list[Any] | None:
    """The forms of `text` as nested lists, or None when they are unbalanced or too deep."""
    stack: list[list[Any]] = [[]]
    for m in _TOKEN.finditer(text):
        tok = str(m.group())
        if tok.startswith(";") or tok in ("'", "`", ",", ",@"):
            continue
        if tok in ("(", "["):
            if len(stack) > _MAX_DEPTH:
                return None
            stack.append([])
        elif tok in (")", "]"):
            if len(stack) == 1:
                return None
            done = stack.pop()
            stack[-1].append(done)
        elif tok.startswith('"'):
            body = tok[1:-1]
            stack[-1].append(_String(rx.sub(r"\\(.)", lambda c: {"n": "\n", "t": "\t"}.get(c.group(1), c.group(1)),
                                            body)))
        else:
            stack[-1].append(tok)
    return stack[0] if len(stack) == 1 else None


def _forms(tree: list[Any]) -> list[list[Any]]:
    out: list[list[Any]] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        for item in node:
            if isinstance(item, list):
                out.append(item)
                todo.append(item)
    return out


def _nil(value: Any) -> bool:
    return value is None or value == "nil" or value == []


def elisp(text: str) -> Effects:
    e = Effects.empty()
    tree = _read(text)
    if tree is None:
        e.unknown.append("emacs runs lisp blastwall cannot read (unbalanced or too deeply nested)")
        return e
    functions: dict[str, dict[str, Any]] = _table()["functions"]
    unknown_names = frozenset(_table()["unknown"]["names"])
    for form in _forms(tree):
        head = form[0] if form and isinstance(form[0], str) and not isinstance(form[0], _String) else None
        if head is None:
            continue
        args = form[1:]
        if head in unknown_names:
            e.unknown.append(f"emacs lisp calls {head}, which runs code or commands blastwall cannot read")
            continue
        row = functions.get(head)
        if row is None:
            continue
        line = _line(row, args)
        if line is None:
            e.unknown.append(f"emacs lisp calls {head} with arguments computed at run time")
        else:
            e.shell.append(line)
    e.shell.extend(_buffer_writes(tree))
    return e


def _preorder(tree: list[Any]) -> list[list[Any]]:
    """The forms of `tree` in the order they are written (a form before the forms inside it)."""
    out: list[list[Any]] = []
    todo = list(reversed([i for i in tree if isinstance(i, list)]))
    while todo:
        node = todo.pop()
        out.append(node)
        todo.extend(reversed([i for i in node if isinstance(i, list)]))
    return out


def _buffer_writes(tree: list[Any]) -> list[str]:
    """What saving a buffer writes (rules/elisp.toml [buffers]): a file visited (`find-file F`),
    emptied (`erase-buffer`, `delete-region` of the whole buffer) and then saved is written empty
    (`: > F`); a visit the reader cannot name is `$FILE`."""
    spec: dict[str, Any] = _table()["buffers"]
    visited: str | None = None
    erased = False
    out: list[str] = []
    for form in _preorder(tree):
        head = form[0] if form and isinstance(form[0], str) and not isinstance(form[0], _String) else None
        if head in spec["visit"]:
            visited, erased = _arg(form[1:], 0) or "$FILE", False
        elif head in spec["erase"] or (head in spec["erase_region"] and _whole(form[1:], spec)):
            erased = True
        elif head in spec["save"] and erased:
            out.append(": > " + (shlex.quote(visited) if visited and visited != "$FILE" else "$FILE"))
    return out


def _whole(args: list[Any], spec: dict[str, Any]) -> bool:
    """`(delete-region (point-min) (point-max))`: the region is the whole buffer."""
    ends = [a[0] if isinstance(a, list) and a else a for a in args[:2]]
    return len(ends) == 2 and ends[0] in spec["buffer_start"] and ends[1] in spec["buffer_end"]


def _arg(args: list[Any], i: int) -> str | None:
    value = args[i] if i < len(args) else None
    return str(value) if isinstance(value, _String) else None


def _line(row: dict[str, Any], args: list[Any]) -> str | None:
    if "shell" in row:
        return _arg(args, row["shell"])
    if "argv" in row:
        program = _arg(args, row["argv"])
        rest = args[row["rest"]:]
        if program is None or not all(isinstance(a, _String) for a in rest):
            return None
        return shlex.join([program, *(str(a) for a in rest)])
    template = row["template"]
    if "flag" in row and row["flag"] < len(args) and not _nil(args[row["flag"]]):
        template = row["template_flag"]
    needed = [int(n) for n in rx.findall(r"\{(\d)\}", template)]
    values = {n: _arg(args, n) for n in needed}
    if any(v is None for v in values.values()):
        return None
    return rx.sub(r"\{(\d)\}", lambda m: shlex.quote(str(values[int(m.group(1))])), template)
