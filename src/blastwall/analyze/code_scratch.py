"""Scratch made by the same Python program: `d = tempfile.mkdtemp()` ... `shutil.rmtree(d)`.

A folder or file the program itself creates, under a fresh name, holds nothing but what the program
put there: removing or writing it loses nothing. A name counts only when it is bound exactly once,
to one of `MAKERS` (or its path wrapped: `Path(tempfile.mkdtemp())`), and a path counts only when it is that name or a constant below it
(`os.path.join(d, "x.txt")`, `Path(d) / "x"`, `f"{d}/x"`, `d + "/x"`): no `..`, no absolute or
computed part that could lead elsewhere, no `os.path.dirname(d)`.
"""

from __future__ import annotations

import ast

from blastwall.analyze.code_tree import walk

# Calls that create a new, uniquely named temporary folder or file and give its path (or an
# object whose `.name` is it).
MAKERS = frozenset({"tempfile.mkdtemp", "tempfile.mkstemp", "tempfile.TemporaryDirectory",
                    "tempfile.NamedTemporaryFile"})
_OBJECT_MAKERS = frozenset({"tempfile.TemporaryDirectory", "tempfile.NamedTemporaryFile"})  # `.name` is the path
# Calls that give the same path as their one argument (`Path(tempfile.mkdtemp())`).
_PATH_WRAPPERS = frozenset({"pathlib.Path", "Path", "pathlib.PurePath", "PurePath", "pathlib.PosixPath", "PosixPath",
                            "str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath"})
SHOWN = "$TMPDIR/scratch made by the code"  # how such a path is classified and shown (a temporary path)


def scratch_names(tree: ast.AST, dotted: object) -> tuple[frozenset[str], frozenset[str]]:
    """(names bound to a scratch path, names bound to an object whose `.name` is one)."""
    bound: dict[str, int] = {}
    paths: set[str] = set()
    objects: set[str] = set()

    def made(value: ast.AST | None) -> str | None:
        if isinstance(value, ast.Call):
            name = dotted(value.func)  # type: ignore[operator]
            if name in _PATH_WRAPPERS and len(value.args) == 1 and not value.keywords:
                inner = made(value.args[0])  # `Path(tempfile.mkdtemp())`: the same path
                return inner if inner not in _OBJECT_MAKERS else None
            return name if name in MAKERS else None
        return None

    for node in walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound[node.id] = bound.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                bound[n] = bound.get(n, 0) + 2  # set elsewhere too
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            maker = made(node.value)
            target = node.targets[0]
            if maker == "tempfile.mkstemp" and isinstance(target, ast.Tuple) and len(target.elts) == 2 \
                    and isinstance(target.elts[1], ast.Name):
                paths.add(target.elts[1].id)
            elif maker and isinstance(target, ast.Name):
                (objects if maker in _OBJECT_MAKERS else paths).add(target.id)
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            maker = made(node.context_expr)
            if maker == "tempfile.TemporaryDirectory":
                paths.add(node.optional_vars.id)  # `with TemporaryDirectory() as d`: d is the path
            elif maker == "tempfile.NamedTemporaryFile":
                objects.add(node.optional_vars.id)
    once = {n for n, count in bound.items() if count == 1}
    return frozenset(paths & once), frozenset(objects & once)


def _safe_part(node: ast.AST) -> bool:
    """A constant path part that stays below the folder it is joined to."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    text = node.value
    return not text.startswith("/") and ".." not in text.split("/") and "~" not in text[:1]


def in_scratch(node: ast.AST | None, names: tuple[frozenset[str], frozenset[str]], dotted: object) -> bool:
    """Whether `node` is a scratch path of the program or a constant path below one."""
    paths, objects = names
    if node is None:
        return False
    if isinstance(node, ast.Name):
        return node.id in paths
    if isinstance(node, ast.Attribute) and node.attr == "name" and isinstance(node.value, ast.Name):
        return node.value.id in objects
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        right = node.right
        if isinstance(node.op, ast.Add) and not (isinstance(right, ast.Constant) and isinstance(right.value, str)
                                                 and right.value.startswith("/")):
            return False  # `d + "x"` names a sibling of d
        if isinstance(node.op, ast.Add):
            right = ast.Constant(right.value[1:])  # type: ignore[union-attr]
        return in_scratch(node.left, names, dotted) and _safe_part(right)
    if isinstance(node, ast.JoinedStr) and node.values:  # f"{d}/x.txt"
        first, rest = node.values[0], node.values[1:]
        if not (isinstance(first, ast.FormattedValue) and in_scratch(first.value, names, dotted)):
            return False
        if not all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in rest):
            return False
        tail = "".join(v.value for v in rest)  # type: ignore[attr-defined]
        return not tail or (tail.startswith("/") and ".." not in tail.split("/"))
    if isinstance(node, ast.Call):
        func = dotted(node.func)  # type: ignore[operator]
        if func in ("os.path.join", "posixpath.join", "pathlib.Path", "Path", "pathlib.PurePath", "PurePath") \
                and node.args and not node.keywords:
            return in_scratch(node.args[0], names, dotted) and all(_safe_part(a) for a in node.args[1:])
    return False
