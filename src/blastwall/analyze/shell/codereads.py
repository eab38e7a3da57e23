"""What an interpreter reads (`files = "interpreter"` rows of `rules/shell_reads.toml`).

    interpreter_reads(row, args, cmd, scope, "node -e code reads")
        -> findings for every file holding a credential the code may read

- the files the code's string literals name (`readFileSync('.env')`), and the operands it is
  handed (`perl -ne print .env`, `python3 script.py .env`: a script gets its arguments);
- a script run by name: the script itself (a credential in it is used, its errors print its
  lines) and, for languages whose scripts blastwall does not parse (`node leak.js`), the files
  its string literals name; code fed on stdin (`tclsh <<< '...'`) likewise;
- a read call whose file is named at run time (`open('.en' + 'v')`, `os.walk('.')`,
  `readFileSync(['.e', 'nv'].join(''))`): any file under the folders the code names (the working
  folder when it names none), as for `find ... -exec cat {}`;
- the environment printed by code (`os.environ`, `process.env`) after `source .env` or with
  `--env-file .env`: a read of those files;
- a module that serves a folder (`python3 -m http.server`): a read of every file in it.
"""

from __future__ import annotations

import functools
import os
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.code_tree import parse_python, walk
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Selection, SimpleCommand, Word
from blastwall.analyze.shell.readargs import code_literals, interpret
from blastwall.model import Finding

MAX_SCRIPT = 256 * 1024
_BARE = rx.compile(r"[^\s'\"\[\]{}();,<>|&=`$]+")
_LITERAL_PATH = rx.compile(r"""Path\(\s*(?:'[^'\\]*'|"[^"\\]*")\s*\)$""")
_STRING = rx.compile(r"""^\s*(?:'[^'\\]*'|"[^"\\$]*"|`[^`$]*`)\s*(?:[,)]|$)""")


@functools.cache
def _calls() -> dict[str, Any]:
    return dict(load_table("shell_reads")["code_reads"])


@functools.cache
def _compiled(language: str, key: str) -> tuple[rx.Pattern, ...]:
    return tuple(rx.compile(p) for p in _calls().get(key, {}).get(language, []))


@functools.cache
def _env_access() -> rx.Pattern:
    return rx.compile("|".join(f"(?:{p})" for p in _calls()["environment"]))


class _Code(NamedTuple):
    texts: list[str]  # code given on the line, fed on stdin, or read from the script file
    files: list[str]  # files named: literals, operands, the script
    env_files: list[str]  # `--env-file FILE`
    serves: str  # a folder served whole


def interpreter_reads(row: dict[str, Any], words: list[Word], cmd: SimpleCommand | None, scope: Scope,
                      verb: str) -> list[Finding]:
    from blastwall.analyze.shell.reads import folder_reads, read_in_shell_dir, selected_reads

    code = _code(row, words, cmd, scope)
    out: list[Finding] = []
    for path in dict.fromkeys(code.files):
        out.extend(read_in_shell_dir(path, scope, verb))
    if code.serves:
        out.extend(folder_reads(code.serves, scope, f"{verb.rsplit(' ', 1)[0]} serves"))
    language = str(row.get("language", ""))
    for sel in _run_time(language, code.texts, scope):
        out.extend(selected_reads(sel, scope, verb))
    loaded = [*scope.sourced, *code.env_files]
    if loaded and any(_env_access().search(t[:MAX_SCRIPT]) for t in code.texts):
        for path in dict.fromkeys(loaded):
            out.extend(read_in_shell_dir(path, scope, f"{verb.rsplit(' ', 1)[0]} prints the variables loaded from"))
    return out


def reads_environment(text: str) -> bool:
    """Whether code reads the environment (`os.environ`, `process.env`, awk's `ENVIRON`)."""
    return _env_access().search(text[:MAX_SCRIPT]) is not None


def _code(row: dict[str, Any], words: list[Word], cmd: SimpleCommand | None, scope: Scope) -> _Code:
    got = interpret(row, words)
    files = [lit for c in got.codes for lit in code_literals(c)]
    files += [p for v in got.values for p in (v, v.split("=", 1)[-1])]  # `node -r ./f`, `php -d auto_prepend_file=f`
    texts = list(got.codes)
    if got.codes or got.module:
        files += [] if got.edits or (got.module and not got.prints) else got.operands
    else:
        script = got.scripts[:1] or got.operands[:1]
        files += got.scripts + got.operands  # the script, and the arguments it is handed
        text = _script_text(script[0], scope) if script and row.get("script_literals") else None
        if text is None and not script and cmd is not None and cmd.stdin_text:
            text = cmd.stdin_text  # code fed on stdin (`tclsh <<< '...'`)
            if row.get("bare_words"):
                files += [t for t in _BARE.findall(text[:16384]) if "." in t or "/" in t][:64]
        if text is not None:
            texts.append(text)
            files += code_literals(text)
    return _Code(texts, files, got.env_files, got.serves)


def _script_text(path: str, scope: Scope) -> str | None:
    from blastwall.analyze.shell.readpaths import in_shell_dir as _in_shell_dir
    from blastwall.analyze.shell.stdin import read_file

    return read_file(_in_shell_dir(path, scope), scope)


def _run_time(language: str, texts: list[str], scope: Scope) -> list[Selection]:
    """Folders code reads files from by names it makes at run time."""
    if not language or not scope.read_files:
        return []
    out: list[Selection] = []
    for text in texts:
        text = text[:MAX_SCRIPT]
        if not _dynamic_read(language, text):
            continue
        roots, names = _roots(text, scope)
        out.append(Selection(roots=tuple(roots), names=tuple(names)))
    return out


def _dynamic_read(language: str, text: str) -> bool:
    """A read call whose file is not one string literal (and not the operands: `sys.argv`)."""
    if language == "python":
        found = _python_dynamic_read(text)
        if found is not None:
            return found
    for pattern in _compiled(language, "reads"):
        for m in pattern.finditer(text):
            if m.group(0).startswith(".read_") and _LITERAL_PATH.search(text[max(0, m.start() - 300):m.start()]):
                continue  # Path('README.md').read_text()
            arg = text[m.end():m.end() + 400]
            if rx.search(r"argv|ARGV|<>", arg.split(")", 1)[0]):
                continue  # the operands: counted as read already
            if not _STRING.match(arg):
                return True
    return False


def _python_dynamic_read(text: str) -> bool | None:
    """`_dynamic_read` for Python read with `ast`: a read call's file may also be scratch the code
    made itself (`open(os.path.join(tempfile.mkdtemp(), ...))`: code_scratch.py). None when the
    code does not parse."""
    import ast

    from blastwall.analyze import code_scratch
    from blastwall.analyze.code import _dotted, _import_aliases

    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError):
        return None
    aliases = _import_aliases(tree)

    def dotted(node: ast.AST) -> str:
        return _dotted(node, aliases)

    scratch = code_scratch.scratch_names(tree, dotted)
    patterns = _compiled("python", "reads")
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        head = ast.unparse(node.func) + "()"
        if not any(p.search(head) for p in patterns):
            continue
        method = isinstance(node.func, ast.Attribute) and head.endswith((".read_text()", ".read_bytes()"))
        arg = node.func.value if method else (node.args[0] if node.args else None)  # type: ignore[attr-defined]
        if arg is None or (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            continue
        if isinstance(arg, ast.Call) and method and arg.args and isinstance(arg.args[0], ast.Constant):
            continue  # Path('README.md').read_text()
        if rx.fullmatch(r"(?:sys\.)?argv\[-?\d+\]", ast.unparse(arg)) or code_scratch.in_scratch(arg, scratch, dotted):
            continue  # an operand (counted as read already), or scratch the code made
        return True
    return False


def _roots(text: str, scope: Scope) -> tuple[list[str], list[str]]:
    """The folders the code names (where it walks or reads), else the working folder; and the
    file-name globs it names (`'*.py'`)."""
    from blastwall.analyze.credentials import resolve

    roots: list[str] = []
    names: list[str] = []
    for lit in code_literals(text):
        if any(c in lit for c in "*?[") and "/" not in lit:
            names.append(lit)
            continue
        folder = lit.rstrip("/") or "/"
        full = resolve(folder, scope)
        if full and os.path.isdir(full):
            roots.append(folder)
    roots = [r for r in dict.fromkeys(roots) if r not in ("/",)] or ["."]
    return roots, names[:1]


__all__ = ["interpreter_reads"]
