"""Interpreter one-liners: `python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, awk programs.

Python is read with `ast`; the other languages are scanned with the call patterns in
`rules/code.toml`. Commands the code runs go back to the shell analyzer, SQL to the SQL
analyzer; paths it deletes or overwrites are classified like shell targets. Code that runs a
command blastwall cannot read is `unknown_code`, never a pass.
"""

from __future__ import annotations

import ast
import functools
import shlex
from collections.abc import Callable
from typing import Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.code_tree import parse_python, walk
from blastwall.analyze.paths import Operation, PathClass, classify_in
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

# A quoted literal, backslash escapes included; `_body` gives what is between the quotes.
_STRING = rx.compile(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`""", rx.S)
_ARRAY = rx.compile(r"""\[\s*((?:["'][^"']*["']\s*,?\s*)+)\]""")
_URL = rx.compile(r"""https?://[^\s'"`)]+""")


def _body(m: rx.Match) -> str:
    return str(m.group())[1:-1]


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("code")


@functools.cache
def _patterns(language: str) -> list[tuple[str, rx.Pattern]]:
    return [(p["kind"], rx.compile(p["regex"])) for p in _table()["pattern"] if language in p["languages"]]


def analyze_code(language: str, code: str, scope: Scope) -> list[Finding]:
    """Findings for a snippet of `language` code run by an interpreter."""
    if language == "python":
        found = _python(code, scope)
    else:
        found = _scan(language, code, scope)
        if language in _PARSED:
            from blastwall.analyze.code_ts import analyze_parsed

            found = (analyze_parsed(language, code, scope) or []) + found
    from blastwall.analyze.catalogs.sdk import sdk_findings

    found = found + sdk_findings(language, code, scope)  # AWS SDK calls, judged by the AWS catalog
    return _guarded(found, scope) + found


_PARSED = frozenset({"node", "ruby", "php", "perl", "go"})  # read with tree-sitter grammars (code_ts.py)


def _guarded(found: list[Finding], scope: Scope) -> list[Finding]:
    """Code that deletes or overwrites blastwall's own files or an agent's hook settings is
    `modify_guard`, whichever language does it (`fs.writeFileSync('.claude/settings.json')`)."""
    from blastwall.analyze.files import guard_findings

    out: list[Finding] = []
    for f in found:
        if f.rule_id.startswith("code.") and f.rule_id.endswith((":overwrite", ":delete")) and f.effect in (
                Effect.OVERWRITE, Effect.DELETE) and f.target and "computed at run time" not in f.target:
            out.extend(g._replace(reason=f"{g.reason} (from interpreter code)") for g in guard_findings(f.target, scope))
    return out


def _path_finding(kind: Operation, path: str | None, language: str, source: str, scope: Scope,
                  pc: PathClass | None = None) -> Finding:
    """`pc`: the path's class when it is known already (files a glob selects, code_globs.py)."""
    pc = pc or classify_in(path if path is not None else "$DYNAMIC", scope)
    sev = pc.severity(kind)
    shown = path if path is not None else "paths computed at run time"
    verb = "overwrites" if kind == "overwrite" else "deletes"
    return Finding(
        rule_id=f"code.{language}:{'overwrite' if kind == 'overwrite' else 'delete'}",
        effect=Effect.OVERWRITE if kind == "overwrite" else Effect.DELETE,
        severity=sev,
        reason=f"{language} code {verb} {shown} ({pc.label})",
        target=shown,
        safer="run the exact shell command instead so it can be reviewed",
        source=source[:200],
    )


def _shell(command: str, language: str, scope: Scope) -> list[Finding]:
    from blastwall.analyze.shell import analyze_command

    return analyze_command(command, scope.deeper(f"{language} runs a command"))


FED = '"$BLASTWALL_RUNTIME_VALUE"'  # what interpreter code writes into a command's input


def _fed_shell(command: str, language: str, scope: Scope) -> list[Finding]:
    """A command whose input the code writes (a pipe opened for writing, `input=`, perl's `|-`,
    awk's `print | "cmd"`): judged as that command fed text blastwall cannot read, so a shell,
    an interpreter or a database client there asks while `sort` or `cat` passes."""
    return _shell(f"printf %s {FED} | {{ {command}\n}}", language, scope)


def fed_call(language: str, name: str, mode: str | None, keywords: list[str]) -> bool:
    """Whether a call that runs a command writes that command's input: it always does
    (`[calls.LANG] fed`), its mode writes (`popen(cmd, "w")`), or an `input`/`stdin` option feeds it."""
    table = _table()["python"] if language == "python" else _table()["calls"].get(language, {})
    always = table.get("fed", [])
    short = name.rsplit(".", 1)[-1]
    return any(name == f or short == f or name.endswith("." + f) for f in always) or \
        (mode is not None and any(c in mode for c in "w+") and mode.strip() not in ("", "r")) or \
        any(k in ("input", "stdin", "stdin_data") for k in keywords)


def _sql(text: str, scope: Scope) -> list[Finding]:
    from blastwall.analyze.sql import analyze_sql

    return analyze_sql(text, scope.deeper("SQL in interpreter code"))


def _called(matched: str) -> str:
    """The method a matched call names: `.destroy_all` -> destroy_all, `&:purge` and
    `File.method(:delete)` -> purge, delete."""
    if ":" in matched and not matched.startswith(("->", "::", ".")):
        tail = matched.rsplit(":", 1)[-1].strip()
        if tail[:1].isalpha() or tail[:1] == "_":
            return tail
    return matched.split("(")[0].lstrip(".-:>").strip()


def _orm_finding(name: str, language: str, source: str) -> Finding:
    return Finding(
        rule_id=f"code.{language}:orm-destructive",
        effect=Effect.DELETE,
        severity=Severity.HIGH,
        reason=f"{language} code calls {name}(), which deletes or drops data",
        target=name,
        safer="delete a selected, counted set of rows and review it first",
        source=source[:200],
    )


# ---- python --------------------------------------------------------------------------------
def _dotted(node: ast.AST, aliases: dict[str, str] | None = None) -> str:
    """`os.system` for `os.system(...)`, with import aliases (`import os as o`, `from os import
    system`) and dynamic imports (`__import__("os")`) resolved to the real module."""
    aliases = aliases or {}
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else f"*.{node.attr}"
    if isinstance(node, ast.Call):
        func = _dotted(node.func, aliases)
        if func in ("__import__", "importlib.import_module") and node.args:
            module = _const_str(node.args[0])
            if module:
                return module
        return func + "()"
    return ""


def _import_aliases(tree: ast.AST) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return None
    return None


def _const_argv(node: ast.AST | None) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_const_str(e) for e in node.elts]
        if all(i is not None for i in items):
            return [i for i in items if i is not None]
    return None


def _matches(name: str, patterns: list[str]) -> bool:
    short = "*." + name.rsplit(".", 1)[-1] if "." in name else name
    return any(globs.match(name, g) or globs.match(short, g) for g in patterns)


def _python(code: str, scope: Scope) -> list[Finding]:
    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        return _scan("python", code, scope) or [
            unknown("code.interp:unparsed", "python code that does not parse; a human must read it", code)
        ]
    t = _table()["python"]
    out: list[Finding] = []
    from blastwall.analyze import code_bindings

    def dangerous(name: str) -> bool:
        return any(_matches(name, t[k]) for k in _HANDED_ON)

    modules = t.get("dangerous_modules", [])
    aliases, bound = code_bindings.bind(tree, _import_aliases(tree), _dotted, dangerous, modules)
    out.extend(code_bindings.handed_on(tree, aliases, _dotted, dangerous, bound))
    from blastwall.analyze import code_scratch

    def dotted(node: ast.AST) -> str:
        return _dotted(node, aliases)

    scratch = code_scratch.scratch_names(tree, dotted)
    from blastwall.analyze import code_globs

    globbed = code_globs.selected_names(tree, dotted)

    def literal_path(node: ast.AST | None) -> str | None:
        """A literal path, or the scratch the program made itself (code_scratch.py)."""
        text = _const_str(node)
        if text is None and scratch != (frozenset(), frozenset()) and code_scratch.in_scratch(node, scratch, dotted):
            return code_scratch.SHOWN
        return text

    def on_path(kind: Operation) -> Callable[[ast.Call, str], None]:
        def handle(call: ast.Call, name: str) -> None:
            func = call.func
            if isinstance(func, ast.Attribute) and not _module_base(func.value, aliases):
                # a method of a path object: the object is the path (`Path(p).write_text(DATA)`,
                # `Path(a).rename(b)` moves a away), its arguments are data
                node = func.value
                path = literal_path(node) or _path_text(node)
            else:
                node = call.args[0] if call.args else None
                path = literal_path(node)
            selection = code_globs.selection_of(node, globbed, dotted) if path is None and globbed else None
            if selection is not None:  # `for p in Path('.').rglob('__pycache__')`: the files a find selects
                pc = code_globs.selection_class(selection, scope)
                out.append(_path_finding(kind, pc.path, "python", ast.unparse(call), scope, pc))
                return
            out.append(_path_finding(kind, path, "python", ast.unparse(call), scope))
            if _matches(name, t.get("destination", [])):  # shutil.move(a, DEST), Path(a).rename(DEST)
                method = isinstance(func, ast.Attribute) and not _module_base(func.value, aliases)
                dest = next((k.value for k in call.keywords if k.arg in ("dst", "dest", "target")), None) or (
                    call.args[0 if method else 1] if len(call.args) > (0 if method else 1) else None)
                if dest is not None:
                    out.append(_path_finding("overwrite", literal_path(dest) or _path_text(dest), "python",
                                             ast.unparse(call), scope))

        return handle

    def on_exec(call: ast.Call, name: str) -> None:
        first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("args", "cmd")), None)
        if name.rsplit(".", 1)[-1].startswith(("posix_spawn", "execv", "execl", "spawnv", "spawnl")) and \
                len(call.args) > 1:
            first = call.args[1] if not name.rsplit(".", 1)[-1].startswith("spawn") else (
                call.args[2] if len(call.args) > 2 else call.args[1])  # the argv, not the program path
        text = _const_str(first)
        argv = _const_argv(first)
        mode = _const_str(call.args[1]) if name == "os.popen" and len(call.args) > 1 else None
        fed = fed_call("python", name, mode, [k.arg for k in call.keywords if k.arg and not (
            ast.unparse(k.value).endswith(("DEVNULL", "None")))])
        run = _fed_shell if fed else _shell
        short = name.rsplit(".", 1)[-1]
        if short.startswith(("execl", "spawnl")):  # os.execlp(file, arg0, arg1, ...): the argv is spread out
            spread = call.args[2 if short.startswith("spawn") else 1:]
            if short.endswith("e") and spread:
                spread = spread[:-1]  # the environment
            text, argv = None, _const_argv(ast.List(elts=spread, ctx=ast.Load())) if spread else None
            first = spread[0] if spread else first
        if name in t["spread_argv"] and call.args:  # session.run("rm", "-rf", "data", external=True): the words
            words = [_const_str(a) for a in call.args]  # a value known at run time (*session.posargs) is a variable
            text, argv = " ".join(shlex.quote(w) if w is not None else '"$ARG"' for w in words), None
        if text is not None:
            out.extend(run(text, "python", scope))
        elif argv is not None:
            out.extend(run(shlex.join(argv), "python", scope))
        elif first is not None or name not in ("subprocess.PIPE",):
            out.append(unknown("code.interp:exec-dynamic", "python code runs a command built at run time", ast.unparse(call)))

    def on_sql(call: ast.Call, name: str) -> None:
        text = _const_str(call.args[0]) if call.args else None
        if text is not None:
            out.extend(_sql(text, scope))

    def on_http_delete(call: ast.Call, name: str) -> None:
        out.append(Finding(rule_id="code.python:http-delete", effect=Effect.DELETE, severity=Severity.MEDIUM,
                           reason=f"python code calls {name}() to delete a remote resource",
                           target=(_const_str(call.args[0]) if call.args else None) or "", source=ast.unparse(call)[:200]))

    def on_orm(call: ast.Call, name: str) -> None:
        if name.endswith(_FRAME_METHODS):
            from blastwall.analyze.code_frames import frame_method

            if frame_method(call, tree, dotted):
                return  # a dataframe's drop(): a copy without those columns or rows (code_frames.py)
        out.append(_orm_finding(name.rsplit(".", 1)[-1], "python", ast.unparse(call)))

    def on_eval(call: ast.Call, name: str) -> None:
        text = _const_str(call.args[0]) if call.args else None
        if text is not None and name in ("eval", "exec", "compile"):
            out.extend(_python(text, scope.deeper("python exec")))
        elif name != "__import__":
            out.append(unknown("code.interp:exec-dynamic", "python code evaluates code built at run time", ast.unparse(call)))

    def on_dynamic_import(call: ast.Call, name: str) -> None:
        if not call.args or _const_str(call.args[0]) is None or name.startswith(("runpy.", "imp.", "importlib.util",
                                                                                 "importlib.machinery")):
            out.append(unknown("code.interp:exec-dynamic", f"python code loads a module named at run time ({name})",
                               ast.unparse(call)[:200]))

    handlers: list[tuple[str, Callable[[ast.Call, str], None]]] = [
        ("dynamic_import", on_dynamic_import),
        ("delete_recursive", on_path("delete_recursive")),
        ("delete", on_path("delete")),
        ("overwrite", on_path("overwrite")),
        ("exec", on_exec),
        ("sql", on_sql),
        ("http_delete", on_http_delete),
        ("orm_delete", on_orm),
        ("eval", on_eval),
    ]
    out.extend(_guard_imports(tree, t.get("guard_modules", [])))
    out.extend(_python_files(tree, aliases, scope))
    judged: set[int] = set()
    if any(m in code for m in _HTTP_MODULES):
        from blastwall.analyze.code_http import python_http

        found, judged = python_http(tree, aliases, scope)  # requests the HTTP analyzer judges by URL and body
        out.extend(found)
    from blastwall.analyze import code_inplace

    if code_inplace.gate(code):  # `pd.read_csv(P)` ... `.to_csv(P)`: the input is written over
        for path, call in code_inplace.inplace_writes(tree, dotted):
            out.append(_path_finding("overwrite", path, "python", ast.unparse(call), scope))
    from blastwall.analyze import code_gitpython

    gitpython = any(m == "git" or m.startswith("git.") for m in _imported_modules(tree))
    for node in walk(tree):
        if not isinstance(node, ast.Call) or id(node) in judged:
            continue
        name = _dotted(node.func, aliases)
        computed = _computed_attribute(node, aliases, t.get("dangerous_modules", []))
        if computed is not None:
            if computed.startswith("?"):
                out.append(unknown("code.interp:exec-dynamic", f"python code calls an attribute of {computed[1:]} named "
                                   "at run time", ast.unparse(node)[:200]))
                continue
            name = computed
        git_line = code_gitpython.git_command(node, gitpython)
        if git_line is not None:  # GitPython: repo.git.push("--force") is `git push --force`
            out.extend(_shell(git_line, "python", scope))
            continue
        if name in ("os.open", "os.openat") and _os_open_writes(node):
            out.append(_path_finding("overwrite", literal_path(node.args[0]) if node.args else None, "python",
                                     ast.unparse(node), scope))
            continue
        if name in ("open", "io.open", "codecs.open", "os.fdopen", "gzip.open", "bz2.open", "lzma.open") and \
                _opens_for_write(node):
            out.append(_path_finding("overwrite", literal_path(node.args[0]) if node.args else None, "python",
                                     ast.unparse(node), scope))
            continue
        for kind, handle in handlers:
            if _matches(name, t[kind]):
                handle(node, name)
                break
        else:
            if isinstance(node.func, ast.Attribute):  # `HfApi().delete_repo(...)`: an SDK's method
                from blastwall.analyze.code_methods import destructive_method

                method = destructive_method(node.func.attr, "python", ast.unparse(node))
                if method is not None:
                    out.append(method)
            elif isinstance(node.func, ast.Name) and "." in name:  # `from huggingface_hub import delete_repo`
                from blastwall.analyze.code_methods import destructive_method

                method = destructive_method(name.rsplit(".", 1)[1], "python", ast.unparse(node))
                if method is not None:
                    out.append(method)
    return out


_FRAME_METHODS = (".drop", ".truncate")  # names code_frames.py reads ([python.dataframes] methods)
_HANDED_ON = ("delete", "delete_recursive", "overwrite", "exec", "eval", "dynamic_import")  # code_bindings.py


def _module_base(node: ast.AST, aliases: dict[str, str]) -> bool:
    """`os`, `os.path`, `shutil`: an imported module (or a name from one), not a value."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in aliases


_HTTP_MODULES = ("requests", "httpx", "urllib", "http.client", "aiohttp")
_GUARD_HINTS = ("blastwall", ".claude", ".cursor", ".gemini", ".codex", "opencode", "windsurf", "clinerules")


def _path_text(node: ast.AST | None) -> str | None:
    """A literal path, also through `os.path.expanduser("~/x")`, `Path("~/x").expanduser()`,
    `Path("a") / "b"` and `os.path.join("a", "b")`."""
    if node is None:
        return None
    text = _const_str(node)
    if text is not None:
        return text
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _path_text(node.left), _path_text(node.right)
        return f"{left.rstrip('/')}/{right}" if left is not None and right is not None else None
    if isinstance(node, ast.Call):
        func = ast.unparse(node.func)
        if func.endswith(("expanduser", "expandvars", "abspath", "realpath", "resolve", "absolute")) and not node.args:
            return _path_text(node.func.value) if isinstance(node.func, ast.Attribute) else None
        if func.endswith(("expanduser", "abspath", "realpath", "normpath", "Path", "PurePath", "PosixPath")) \
                and len(node.args) == 1:
            return _path_text(node.args[0])
        if func.endswith(("path.join", "Path")) and node.args:
            parts = [_path_text(a) for a in node.args]
            return "/".join(p.rstrip("/") for p in parts) if all(p is not None for p in parts) else None  # type: ignore[union-attr]
    return None


def _python_files(tree: ast.AST, aliases: dict[str, str], scope: Scope) -> list[Finding]:
    """Paths the code hands to any call: blastwall's own files and hook settings are `modify_guard`
    whatever the call does with them (`sqlite3.connect(...blastwall.db)`), files opened for
    reading or read with `read_text()` are reads (of secrets, when they hold some)."""
    from blastwall.analyze.files import analyze_read, guard_findings

    out: list[Finding] = []
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        if name == "print":
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            path = _path_text(arg)
            if path and any(h in path.lower() for h in _GUARD_HINTS):
                out.extend(guard_findings(path, scope))
        target = None
        if name in ("open", "io.open", "codecs.open") and node.args and not _opens_for_write(node):
            target = _path_text(node.args[0])
        elif name.endswith((".read_text", ".read_bytes")) and isinstance(node.func, ast.Attribute):
            target = _path_text(node.func.value)
        if target:
            out.extend(analyze_read(target, scope, verb="python code reads"))
    return out


def _imported_modules(tree: ast.AST) -> list[str]:
    """Every module (and `from` name) the code imports, dynamic imports of a literal included."""
    names: list[str] = []
    for node in walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call) and node.args and _const_str(node.args[0]):
            func = ast.unparse(node.func)
            if func in ("__import__", "importlib.import_module", "import_module"):
                names.append(str(_const_str(node.args[0])))
    return names


def _guard_imports(tree: ast.AST, patterns: list[str]) -> list[Finding]:
    hits = [m for m in _imported_modules(tree) if globs.match_any(m, patterns)]
    if not hits:
        return []
    return [Finding(rule_id="code.python:blastwall-internals", effect=Effect.MODIFY_GUARD, severity=Severity.CRITICAL,
                    reason=f"python code drives blastwall's own machinery ({hits[0]}); an agent may not sign "
                           "approvals, make keys or edit blastwall's store", target=hits[0],
                    safer="ask a human to approve the request (`blastwall approve ID`)", source=hits[0])]


def _opens_for_write(call: ast.Call) -> bool:
    """A mode that writes: `w`, `a`, `x` or `+` (`r+` changes the file in place); a mode computed
    at run time counts as writing."""
    mode_node = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode_node is None:
        return False
    mode = _const_str(mode_node)
    return mode is None or any(c in mode for c in "wax+")


_OS_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_TRUNC", "O_CREAT", "O_APPEND")


def _os_open_writes(call: ast.Call) -> bool:
    flags = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "flags"), None)
    if flags is None:
        return False
    text = ast.unparse(flags)
    return any(f in text for f in _OS_WRITE_FLAGS) or not text.replace("os.O_RDONLY", "").strip("0 |")


def _computed_attribute(call: ast.Call, aliases: dict[str, str], modules: list[str]) -> str | None:
    """`getattr(os, "system")(...)` -> "os.system"; `getattr(os, name)(...)` -> "?os" (computed)."""
    func = call.func
    if not (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr"
            and len(func.args) >= 2):
        return None
    module = _dotted(func.args[0], aliases)
    if module not in modules:
        return None
    attr = _const_str(func.args[1])
    return f"{module}.{attr}" if attr is not None else f"?{module}"


# ---- other languages -----------------------------------------------------------------------
def _args_after(code: str, pos: int) -> str:
    depth = 0
    for i in range(pos, min(len(code), pos + 400)):
        c = code[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return code[pos:i]
        elif c in ";\n" and depth <= 0:
            return code[pos:i]
    return code[pos:pos + 400]


def _concatenated(args: str) -> str | None:
    """The first argument of a call when it is built from string literals and values known only at
    run time (`"rm -rf " .. os.getenv("HOME") .. "/x"`, awk `"rm -rf " line`, `"rm " . $dir`): the
    literals with `$VALUE` in place of each value, as a shell line; None when it is one literal."""
    pieces: list[str] = []
    literal = computed = False
    i, depth, n = 0, 0, len(args)
    while i < n:
        c = args[i]
        if c in "'\"`":
            m = _STRING.match(args, i)
            if m is None:
                return None
            if depth == 0:
                pieces.append(_body(m))
                literal = True
            i = m.end()
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and c == ",":
            break
        elif depth == 0 and (c.isalnum() or c in "_$@"):
            if not pieces or pieces[-1] != "$VALUE":
                pieces.append("$VALUE")
            computed = True
            while i < n and (args[i].isalnum() or args[i] in "_$@.:"):
                i += 1
            continue
        i += 1
    return "".join(pieces) if literal and computed else None


# Calls read from one piece of code; past this many, the rest is not read and the code is asked
# about (`ruby -e` of 10,000 backticks would otherwise be read call by call).
_MAX_CALLS = 256


def _scan(language: str, code: str, scope: Scope) -> list[Finding]:
    out: list[Finding] = []
    calls = 0
    read: list[tuple[int, int]] = []  # string literals an exec call's command was read from
    for kind, pattern in _patterns(language):
        for m in pattern.finditer(code):
            if any(start <= m.start() < end for start, end in read):
                continue  # `system("bundle exec rspec")`: the word exec in a command already read is not a call
            calls += 1
            if calls > _MAX_CALLS:
                out.append(unknown("code.interp:too-many-calls",
                                   f"{language} code makes more than {_MAX_CALLS} calls that can change files or run "
                                   "commands; blastwall read the first ones only, a human must look at the rest",
                                   code[m.start():m.start() + 120]))
                return out
            args = _args_after(code, m.end())
            if kind in ("delete", "delete_recursive", "overwrite"):
                s = _STRING.search(args)
                path = _body(s) if s and "$" not in _body(s) else None
                if path is not None and s is not None and s.group().startswith("`"):
                    path = None
                out.append(_path_finding(kind, path, language, code[m.start():m.end() + len(args)], scope))  # type: ignore[arg-type]
            elif kind == "exec":
                arr = _ARRAY.search(args)
                s = _STRING.search(args) if not m.group().startswith("`") else None
                if m.group() == "`":
                    end = code.find("`", m.end())
                    s_text = code[m.end():end] if end > 0 else None
                    out.extend(_shell(s_text, language, scope) if s_text else [
                        unknown("code.interp:exec-dynamic", f"{language} code runs a command blastwall cannot read", code)])
                elif arr and (not s or arr.start() <= s.start()):
                    parts = [_body(p) for p in _STRING.finditer(arr.group(1))]
                    out.extend(_shell(shlex.join(parts), language, scope))
                elif s and "${" not in _body(s) and "#{" not in _body(s):
                    read.append((m.end() + s.start(), m.end() + s.end()))
                    literals = [_body(x) for x in _STRING.finditer(args)]
                    joined = _concatenated(args)
                    if joined is not None:  # os.execute("rm -rf " .. HOME .. "/x"): the run-time parts unknown
                        out.extend(_shell(joined, language, scope))
                    elif len(literals) > 1 and " " not in literals[0]:  # system("rm", "-rf", "/opt")
                        out.extend(_shell(shlex.join(literals), language, scope))
                    else:
                        out.extend(_shell(_body(s), language, scope))
                else:
                    out.append(unknown("code.interp:exec-dynamic", f"{language} code runs a command blastwall cannot read",
                                       code[m.start():m.end() + len(args)]))
            elif kind == "fed":
                out.extend(_fed_shell(m.group(1), language, scope) if m.group(1) is not None else [
                    unknown("code.interp:exec-dynamic", f"{language} code prints into a command built at run time",
                            code[m.start():m.end() + 80])])
            elif kind == "dropdb":
                out.append(_orm_finding(_called(m.group()), language, code[m.start():m.end() + 80]))
            elif kind == "http_delete":
                url = _URL.search(code)
                out.append(Finding(rule_id=f"code.{language}:http-delete", effect=Effect.DELETE, severity=Severity.MEDIUM,
                                   reason=f"{language} code sends an HTTP DELETE to delete a remote resource",
                                   target=url.group() if url else "", source=code[m.start():m.end() + 120][:200]))
    return out
