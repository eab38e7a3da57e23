"""Names bound to a dangerous callable in Python code, and such callables handed on as values.

    f = shutil.rmtree; f("/home/u/data")        -> f is shutil.rmtree (judged with its argument)
    r = getattr(os, "remove"); r(p)             -> r is os.remove
    def g(k=os.system): k("...")                -> k is os.system
    list(map(os.remove, paths))                 -> os.remove handed on: asked
    functools.partial(shutil.rmtree, "/x")()    -> shutil.rmtree handed on: asked

A name bound anywhere to a callable of the dangerous lists of `rules/code.toml` is that callable
wherever it is called, whatever else it is bound to (fail closed). A dangerous callable used as a
value anywhere but in a binding (an argument, a list item, a dict value, a return) is called
where blastwall cannot see with what, so it is asked about.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from blastwall.analyze.base import unknown
from blastwall.analyze.code_tree import walk
from blastwall.model import Finding

Dotted = Callable[[ast.AST, dict[str, str]], str]
Dangerous = Callable[[str], bool]

_EVAL_BUILTINS = frozenset({"eval", "exec", "compile"})
_NOT_CALLABLE_SUFFIXES = ("Error", "Exception", "Expired", "Warning")


def _pairs(node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(target, value) pairs a statement or expression binds."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _unpack(target, node.value)
    elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
        yield node.target, node.value
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True):
            yield ast.Name(id=arg.arg, ctx=ast.Store()), default
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                yield ast.Name(id=arg.arg, ctx=ast.Store()), kw_default
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.iter, (ast.List, ast.Tuple,
                                                                                                  ast.Set)):
        for item in node.iter.elts:  # `for f in (os.remove, os.unlink): f(p)`
            yield from _unpack(node.target, item)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                yield item.optional_vars, item.context_expr


def _unpack(target: ast.AST, value: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and \
            len(target.elts) == len(value.elts):
        for t, v in zip(target.elts, value.elts, strict=True):
            yield from _unpack(t, v)
    else:
        yield target, value


def _callable_name(value: ast.AST, aliases: dict[str, str], dotted: Dotted, modules: list[str]) -> str | None:
    """The dotted name a value is, when it is a plain reference (`shutil.rmtree`) or a
    `getattr(module, "name")` of a constant name."""
    if isinstance(value, (ast.Name, ast.Attribute)):
        return dotted(value, aliases) or None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "getattr" and \
            len(value.args) >= 2 and isinstance(value.args[1], ast.Constant) and isinstance(value.args[1].value, str):
        module = dotted(value.args[0], aliases)
        return f"{module}.{value.args[1].value}" if module in modules else None
    return None


def bind(tree: ast.AST, aliases: dict[str, str], dotted: Dotted, dangerous: Dangerous,
         modules: list[str]) -> tuple[dict[str, str], set[int]]:
    """`aliases` extended with names bound to a dangerous callable, and the ids of the value
    nodes those bindings read (not hand-offs)."""
    out = dict(aliases)
    bound_values: set[int] = set()
    pairs = [p for node in walk(tree) for p in _pairs(node)]
    for _ in range(3):  # chains: `a = os; b = a.remove`
        changed = False
        for target, value in pairs:
            if not isinstance(target, ast.Name):
                continue
            name = _callable_name(value, out, dotted, modules)
            if name is None or name == target.id or not (dangerous(name) or name in modules):
                continue
            bound_values.add(id(value))
            if out.get(target.id) != name:
                out[target.id] = name
                changed = True
        if not changed:
            break
    return out, bound_values


def handed_on(tree: ast.AST, aliases: dict[str, str], dotted: Dotted, dangerous: Dangerous,
              skip: set[int]) -> list[Finding]:
    """Dangerous callables used as values: called somewhere blastwall cannot follow."""
    called: set[int] = set()
    inner: set[int] = set()
    for node in walk(tree):
        if isinstance(node, ast.Call):
            called.add(id(node.func))
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))  # `os` in `os.remove`: part of a longer name
    out: list[Finding] = []
    for node in walk(tree):
        if not isinstance(node, (ast.Name, ast.Attribute)) or not isinstance(node.ctx, ast.Load) or \
                id(node) in called or id(node) in inner or id(node) in skip:
            continue
        if isinstance(node, ast.Name) and node.id in _EVAL_BUILTINS and node.id not in aliases:
            name = node.id
        else:
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in aliases):
                continue  # a value of the program's own, not a module's callable
            name = dotted(node, aliases)
        last = name.rsplit(".", 1)[-1]
        if not name or last.isupper() or last.endswith(_NOT_CALLABLE_SUFFIXES) or not dangerous(name):
            continue
        out.append(unknown("code.interp:exec-dynamic", f"python code hands {name} on as a value; what it is called "
                           "with cannot be read here", ast.unparse(node)[:200]))
        break
    return out
