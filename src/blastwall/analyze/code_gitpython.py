"""GitPython calls read as the git command they run.

    repo.git.push("--force")                        -> git push --force
    git.Repo(".").git.reset("--hard", "HEAD~3")     -> git reset --hard HEAD~3
    repo.git.branch(D=True, "x") / delete=True      -> git branch -D x / --delete
    repo.git.execute(["git", "push", "-f"])         -> git push -f
    repo.remote().push(force=True), push(":main")   -> git push --force / git push origin :main
    repo.head.reset(index=True, working_tree=True)  -> git reset --hard

`X.git.NAME(*args, **kwargs)` is GitPython's command wrapper: NAME (underscores become dashes) is
the subcommand, keyword arguments become options (`k=True` -> `-k`, `key=v` -> `--key=v`). An
argument computed at run time stands as a variable the shell analyzer cannot resolve.
"""

from __future__ import annotations

import ast
import shlex

# keyword arguments GitPython's execute() consumes itself: not options of the git command
_EXECUTE_KWARGS = frozenset({"istream", "with_extended_output", "with_exceptions", "as_process", "output_stream",
                             "stdout_as_string", "kill_after_timeout", "with_stdout", "universal_newlines", "shell",
                             "env", "max_chunk_size", "strip_newline_in_stdout", "insert_kwargs_after"})
_DYNAMIC = "$BLASTWALL_RUNTIME_VALUE"


def _word(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return [str(node.value)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [w for e in node.elts for w in _word(e)]
    return [_DYNAMIC]


def _option(key: str, value: ast.AST) -> list[str]:
    if key in _EXECUTE_KWARGS:
        return []
    flag = f"-{key}" if len(key) == 1 else f"--{key.replace('_', '-')}"
    if isinstance(value, ast.Constant) and value.value in (False, None):
        return []
    if isinstance(value, ast.Constant) and value.value is True:
        return [flag]
    text = _word(value)[0]
    return [f"{flag}{text}" if len(key) == 1 else f"{flag}={text}"]


def _words(call: ast.Call) -> list[str]:
    return [w for a in call.args for w in _word(a)] + [
        w for k in call.keywords if k.arg for w in _option(k.arg, k.value)]


def _join(words: list[str]) -> str:
    """A shell line; a value computed at run time stays a variable the shell cannot resolve."""
    return shlex.join(words).replace(shlex.quote(_DYNAMIC), f'"{_DYNAMIC}"')


def _command_object(node: ast.AST) -> bool:
    """`repo.git`, `git.Repo(...).git`, `Git(...)`, `git.cmd.Git(...)`: GitPython's command wrapper."""
    if isinstance(node, ast.Attribute) and node.attr == "git":
        return not isinstance(node.value, ast.Name) or node.value.id not in ("git",)
    if isinstance(node, ast.Call):
        callee = ast.unparse(node.func)
        return callee == "Git" or callee.endswith(".Git")
    return False


def git_command(call: ast.Call, gitpython: bool) -> str | None:
    """The git command line a GitPython call runs, or None when it is not one. `gitpython`: the
    code imports GitPython (remote pushes and head resets are read only then)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if _command_object(func.value):
        if func.attr == "execute":
            first = call.args[0] if call.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
            return _join(_word(first)) if first is not None else None
        return _join(["git", func.attr.replace("_", "-"), *_words(call)])
    if not gitpython:
        return None
    if func.attr == "push":  # Remote.push(refspec, force=True)
        refspecs = [w for a in call.args for w in _word(a)] + [
            w for k in call.keywords if k.arg == "refspec" for w in _word(k.value)]
        force = any(k.arg in ("force", "f") and not (isinstance(k.value, ast.Constant) and not k.value.value)
                    for k in call.keywords)
        delete = any(k.arg == "delete" for k in call.keywords)
        return _join(["git", "push", *(["--force"] if force else []), *(["--delete"] if delete else []), "origin",
                      *refspecs])
    if func.attr == "reset" and any(k.arg == "working_tree" for k in call.keywords):  # HEAD.reset(working_tree=True)
        return _join(["git", "reset", "--hard", *(w for a in call.args for w in _word(a))])
    return None
