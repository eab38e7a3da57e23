"""Paths a Python program takes from a glob of names: `for p in Path('.').rglob('__pycache__')`.

    [shutil.rmtree(p) for p in pathlib.Path('.').rglob('__pycache__')]   ->  p is `. (__pycache__)`
    for f in glob.glob('**/*.pyc', recursive=True): os.remove(f)          ->  f is `. (*.pyc)`

A loop or comprehension variable bound exactly once, to the items of `Path(ROOT).rglob(NAME)`,
`Path(ROOT).glob(PATTERN)`, `Path(ROOT).iterdir()` (as `glob('*')`), `glob.glob(PATTERN)` or
`glob.iglob(PATTERN)`, stands for the files
`find ROOT -name NAME` selects (a superset: find also looks deeper than a glob without `**`), and
is classified like that find (analyze/shell/handlers.py `find_selection`): regenerable names in the
project, or names regenerable anywhere from a home folder, are regenerable; anything else is what
its root and name say (several project files are project files chosen by a glob, as for `rm
invoices/*.pdf`). Only the variable itself (or `str(p)`, `os.fspath(p)`) counts: `p.parent`,
`p / '..'` or a name bound twice is a path computed at run time, as before. A pattern whose name
part holds a `/` after the wildcards, or that the name test cannot follow (`**` inside a name,
braces), is no selection.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from blastwall.analyze.code_tree import walk
from blastwall.analyze.paths import PathClass

Selection = tuple[str, str]  # (root, name pattern)

_GLOB_CALLS = frozenset({"glob.glob", "glob.iglob"})
_PATH_CALLS = frozenset({"pathlib.Path", "Path", "pathlib.PurePath", "PurePath", "pathlib.PosixPath", "PosixPath"})
_WRAPPERS = frozenset({"str", "os.fspath", "os.path.abspath", "os.path.realpath", "pathlib.Path", "Path"})


def selected_names(tree: ast.AST, dotted: Callable[[ast.AST], str]) -> dict[str, Selection]:
    """{variable: (root, name)} for each variable bound once, by a loop or comprehension, to the
    items of a glob."""
    bound: dict[str, int] = {}
    found: dict[str, Selection] = {}
    for node in walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound[node.id] = bound.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                bound[n] = bound.get(n, 0) + 2
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.target, ast.Name):
            selection = _glob_of(node.iter, dotted)
            if selection is not None:
                found[node.target.id] = selection
    return {n: s for n, s in found.items() if bound.get(n) == 1}


def selection_of(node: ast.AST | None, names: dict[str, Selection], dotted: Callable[[ast.AST], str]) -> Selection | None:
    """The glob selection a path argument stands for, or None."""
    while isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            dotted(node.func) in _WRAPPERS:
        node = node.args[0]
    return names.get(node.id) if isinstance(node, ast.Name) else None


def selection_class(selection: Selection, scope: object) -> PathClass:
    """The class of the files `find ROOT -name NAME` selects."""
    from blastwall.analyze.shell.handlers import find_selection
    from blastwall.analyze.shell.ir import Word

    root, name = selection
    return find_selection([Word.lit("find"), Word.lit(root), Word.lit("-name"), Word.lit(name)], scope)  # type: ignore[arg-type]


def _glob_of(node: ast.AST, dotted: Callable[[ast.AST], str]) -> Selection | None:
    from blastwall.analyze.code import _path_text

    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "iterdir" and \
            not node.args and not node.keywords:  # `Path(ROOT).iterdir()`: every name in ROOT
        node = ast.Call(func=ast.Attribute(value=node.func.value, attr="glob", ctx=ast.Load()),
                        args=[ast.Constant("*")], keywords=[])
    if not isinstance(node, ast.Call) or len(node.args) != 1:
        return None
    pattern = node.args[0]
    if not (isinstance(pattern, ast.Constant) and isinstance(pattern.value, str)):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("rglob", "glob") and not node.keywords:
        base = func.value
        if isinstance(base, ast.Call) and dotted(base.func) in _PATH_CALLS and len(base.args) <= 1 and \
                not base.keywords:
            root = _path_text(base.args[0]) if base.args else "."
        elif isinstance(base, ast.Call) and dotted(base.func).endswith(("Path.cwd", "Path.home")) and not base.args:
            root = "." if dotted(base.func).endswith("cwd") else "~"
        else:
            return None
        if root is None:
            return None
        return _split(root, pattern.value if func.attr == "glob" else f"**/{pattern.value}")
    if dotted(func) in _GLOB_CALLS and all(k.arg in ("recursive",) for k in node.keywords):
        return _split(".", pattern.value)
    return None


def _split(root: str, pattern: str) -> Selection | None:
    """`ROOT`, `DIR/**/NAME` -> (ROOT/DIR, NAME); None when the name part cannot be told alone."""
    folder, _, name = pattern.rpartition("/")
    parts = [p for p in folder.split("/") if p and p != "**"] if folder else []
    if not name or "**" in name or "{" in name or any(c in p for p in parts for c in "*?[]{}") or \
            ".." in parts or folder.startswith("/") or pattern.startswith("~"):
        return None
    full = "/".join([root.rstrip("/") or "/", *parts]) if parts else root
    return full, name
