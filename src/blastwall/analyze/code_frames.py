"""Dataframe methods named like deletes: `df.drop(columns=[...])` makes a copy without those columns.

    pl.scan_parquet("raw/*.parquet").drop("pii_email").sink_parquet(out)   -> a dataframe's drop
    df = pd.read_csv("a.csv"); df.drop("x", axis=1)                         -> a dataframe's drop
    db.users.drop(); Table.drop(engine); metadata.drop_all(engine)          -> not one (still asked)

A call of `[python.dataframes] methods` is a dataframe's when its receiver chain starts from a
dataframe maker (`roots`: `pandas.read_*`, `polars.scan_*`, `pandas.DataFrame`, `spark.read.parquet`),
directly or through a variable every assignment of which is such a chain. A receiver that is a name
nothing on the line assigns (a function's parameter) counts when the call passes a keyword only
dataframe methods take (`keywords`: `columns=`, `axis=`, `subset=`; pymongo's, SQLAlchemy's and
Django's drop/delete take none, so Python refuses the call before it acts), the code imports a
dataframe library (`libraries`) and none whose drop() takes any keyword (`kwargs_drops`: pymilvus's
Collection.drop(**kwargs)). What the frame is written to later is judged where it is written
(`to_sql`, `sink_parquet` paths).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.code_tree import walk


@functools.cache
def _spec() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("code")["python"]["dataframes"])


def frame_method(call: ast.Call, tree: ast.AST, dotted: Callable[[ast.AST], str]) -> bool:
    """Whether `call` (a method call of `methods`) acts on a dataframe in memory."""
    spec = _spec()
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in spec["methods"]:
        return False
    frames = _frame_names(tree, dotted)
    if _is_frame(func.value, frames, dotted):
        return True
    return any(k.arg in spec["keywords"] for k in call.keywords) and _unknown_name(func.value, tree) and \
        _imports(tree, spec["libraries"]) and not _imports(tree, spec["kwargs_drops"])


def _unknown_name(node: ast.AST, tree: ast.AST) -> bool:
    """The receiver is a name (`df`, `df[cols]`) that no assignment binds to something else: a
    parameter or a loop's value of a function that cleans frames."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    if not isinstance(node, ast.Name):
        return False
    name = node.id
    for n in walk(tree):
        if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(isinstance(t, ast.Name) and t.id == name for tg in targets for t in walk(tg)):
                return False
        elif isinstance(n, ast.alias) and (n.asname or n.name.split(".")[0]) == name:
            return False
    return True


def _imports(tree: ast.AST, modules: list[str]) -> bool:
    """Whether the code names one of `modules`: an import, or a string that names it (`import_module("x")`)."""
    for n in walk(tree):
        names: list[str] = []
        if isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module:
            names = [n.module]
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            names = [n.value]
        if any(x == m or x.startswith(m + ".") for x in names for m in modules):
            return True
    return False


def _is_frame(node: ast.AST, frames: frozenset[str], dotted: Callable[[ast.AST], str]) -> bool:
    """The chain `node` (`pl.scan_parquet(p).filter(c)`, `df[cols]`) starts from a frame maker or a frame name."""
    roots = _spec()["roots"]
    while True:
        if isinstance(node, ast.Call):
            if globs.match_any(dotted(node.func), roots):
                return True
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id in frames
        else:
            return False


def _frame_names(tree: ast.AST, dotted: Callable[[ast.AST], str]) -> frozenset[str]:
    """Names every binding of which is a plain assignment of a frame chain (`df = pd.read_csv(p)`,
    `df = df[df.x > 0]`). A name bound any other way (a loop, `with ... as`, a parameter, `:=`,
    an import, `+=`, unpacking) is not one."""
    values: dict[str, list[ast.AST]] = {}
    other: set[str] = set()
    for node in walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
                else:
                    other.update(n.id for n in walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            values.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            continue  # the targets above; any other store is counted below
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            other.update(n.id for n in walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            other.update(n.id for n in walk(node.optional_vars) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.AugAssign, ast.NamedExpr)):
            other.update(n.id for n in walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.arg):
            other.add(node.arg)
        elif isinstance(node, ast.alias):
            other.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            other.update(node.names)
    frames: frozenset[str] = frozenset()
    for _ in range(4):  # a frame made from a frame name (df2 = df.filter(...), df = df.drop(...))
        found = frozenset(n for n, vs in values.items() if n not in other and
                          any(_is_frame(v, frames, dotted) for v in vs) and  # one made from a maker
                          all(_is_frame(v, frames | {n}, dotted) for v in vs))
        if found == frames:
            break
        frames = found
    return frames
