"""Python code that writes its output over the file it read: the input is overwritten.

    df = pd.read_csv("data/raw/c.csv"); df[df.x > 0].to_csv("data/raw/c.csv")   -> overwrites data/raw/c.csv
    pl.read_parquet(P).filter(...).write_parquet(P)                             -> overwrites P
    df = pd.read_csv("data/raw/c.csv"); df.to_csv("data/clean/c.csv")           -> a new file: not judged here

A call of `[python.inplace] readers` (`pandas.read_csv`, `polars.scan_parquet`, `numpy.load`) names
the file it reads by its first argument (or a `keywords` argument); a call of `writers`
(`*.to_csv`, `*.write_parquet`, `numpy.save`) names the file it writes the same way, one of
`writers_second` (`torch.save(obj, P)`) by its second. A write to a
path the code also read (the same literal, normalized, or the same variable) is judged as an
overwrite of that path: its class decides (data asks, a scratch or regenerable path passes). Writes
to any other path stay as they are.
"""

from __future__ import annotations

import ast
import functools
import posixpath
from collections.abc import Callable
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.code_tree import walk


@functools.cache
def _spec() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("code")["python"]["inplace"])


def gate(code: str) -> bool:
    """A cheap check: the code holds a writer's name at all."""
    return any(w in code for w in _spec()["gate"])


def inplace_writes(tree: ast.AST, dotted: Callable[[ast.AST], str]) -> list[tuple[str | None, ast.Call]]:
    """(the path written over, the writing call) for each write to a file the code read."""
    spec = _spec()
    consts = _constants(tree)
    read: set[tuple[str, str]] = set()
    writes: list[tuple[tuple[str, str], ast.Call]] = []
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if _matches(name, spec["readers"]) and not _matches(name, spec["not_readers"]):
            key = _key(_path_arg(node, spec))
            if key is not None:
                read.add(key)
        elif _matches(name, spec["writers_second"]):  # torch.save(obj, P), pq.write_table(table, P)
            key = _key(_path_arg(node, spec, 1))
            if key is not None:
                writes.append((key, node))
        elif _matches(name, spec["writers"]):
            key = _key(_path_arg(node, spec))
            if key is not None:
                writes.append((key, node))
    if not read:
        return []
    resolved = {k: (k[1] if k[0] == "lit" else consts.get(k[1])) for k in read}
    out: list[tuple[str | None, ast.Call]] = []
    for key, call in writes:
        if key in read:
            out.append((resolved[key], call))
        elif key[0] == "var" and consts.get(key[1]) is not None and ("lit", consts[key[1]]) in read:
            out.append((consts[key[1]], call))
        elif key[0] == "lit" and any(v == key[1] for v in resolved.values()):
            out.append((key[1], call))
    return out


def _matches(name: str, patterns: list[str]) -> bool:
    """`*.NAME` patterns meet the call's last name only (`pl.scan_csv(a).sink_csv(b)` is a sink), the
    others the whole dotted name (`numpy.save`, `open`)."""
    short = "*." + name.rsplit(".", 1)[-1]
    return any(globs.match(short, g) if g.startswith("*.") else name == g for g in patterns)


def _path_arg(call: ast.Call, spec: dict[str, Any], at: int = 0) -> ast.AST | None:
    for k in call.keywords:
        if k.arg in spec["keywords"]:
            return k.value
    return call.args[at] if len(call.args) > at else None


def _key(node: ast.AST | None) -> tuple[str, str] | None:
    """A literal path (normalized) or a variable's name; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        return ("lit", posixpath.normpath(node.value))
    if isinstance(node, ast.Name):
        return ("var", node.id)
    return None


def _constants(tree: ast.AST) -> dict[str, str]:
    """Names assigned exactly once, to a string literal (`P = "data/raw/c.csv"`)."""
    seen: dict[str, list[ast.AST]] = {}
    for n in walk(tree):
        if isinstance(n, ast.Assign):
            for t in n.targets:
                for x in walk(t):
                    if isinstance(x, ast.Name):
                        seen.setdefault(x.id, []).append(n.value if isinstance(t, ast.Name) else t)
        elif isinstance(n, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and isinstance(n.target, ast.Name):
            seen.setdefault(n.target.id, []).append(ast.Pass())
        elif isinstance(n, (ast.For, ast.comprehension)):
            for x in walk(n.target):
                if isinstance(x, ast.Name):
                    seen.setdefault(x.id, []).append(ast.Pass())
    out: dict[str, str] = {}
    for name, values in seen.items():
        if len(values) == 1 and isinstance(values[0], ast.Constant) and isinstance(values[0].value, str):
            out[name] = posixpath.normpath(values[0].value)
    return out
