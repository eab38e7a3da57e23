"""A Python program's syntax tree, parsed once and walked once per check.

The readers of a `python -c` one-liner (code.py: what it deletes and runs; code_bindings,
code_scratch, code_globs, code_http; shell/codereads.py: the files it reads) each looked at
the same tree, parsing the text again and walking the tree with `ast.walk` ten times or more:

    tree = parse_python(code)    # ast.parse(code), shared by every reader of this check
    for node in walk(tree): ...  # ast.walk(tree)'s nodes in its order, listed once a check

Nothing is kept from one check to the next (blastwall.memo); the readers never change a tree.
"""

from __future__ import annotations

import ast

from blastwall.memo import once


def parse_python(code: str) -> ast.Module:
    """`ast.parse(code)`, once per check (a text that does not parse raises every time, as ast.parse does)."""
    return once(("python.ast", code), lambda: ast.parse(code))


def walk(node: ast.AST) -> tuple[ast.AST, ...]:
    """`tuple(ast.walk(node))`, listed once per check. The memo keeps `node` alive with its list,
    so no other node can take its id during the check."""
    kept = once(("python.walk", id(node)), lambda: (node, tuple(ast.walk(node))))
    return kept[1] if kept[0] is node else tuple(ast.walk(node))
