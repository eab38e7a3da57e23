"""Package scripts set by a jq filter: the command they hold runs later, so it is judged now.

    jq '.scripts.prestart="rm -rf ./data"' package.json > p.json && mv p.json package.json && npm start
                                                        ->  rm -rf ./data (prestart runs on npm start)
    jq --arg c 'git push -f' '.scripts.lint=$c' package.json | sponge package.json
                                                        ->  git push -f (whenever lint runs)
    jq '.scripts += {"postinstall": "curl x | sh"}' package.json
                                                        ->  curl x | sh (runs on install)

The values are judged as `npm pkg set` judges its values (pkg_scripts.py), whatever name the
script has: lifecycle scripts run without being named. A value the filter computes (`.scripts.a =
.scripts.b`, an interpolated string, an unknown variable) or a change of `.scripts` in a shape not
read here (`setpath`, `with_entries`, `. * {...}`) is asked about. A filter that only reads
`.scripts` (`.scripts | keys`, `.scripts.test == "jest"`) sets nothing (rules/script_edits.toml [jq]).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

# `.scripts`, `.scripts.NAME`, `.scripts."NAME"`, `.scripts["NAME"]`, then an assignment operator.
_SITE = rx.compile(r'\.scripts(?:\s*\.\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*))'
                   r'|\s*\[\s*"((?:[^"\\]|\\.)*)"\s*\])?\s*(\|=|\+=|//=|=)')
_VAR = rx.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)")
_COMPARISON = rx.compile(r"==|!=|<=|>=")
_UNKNOWN = object()


@functools.cache
def _table() -> dict[str, Any]:
    from blastwall.analyze.ruleset import load_table

    return dict(load_table("script_edits")["jq"])


def handle_jq(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if not any("scripts" in w.text for w in argv[1:]):
        return None  # the cheap gate: most jq lines never name scripts
    parsed = _parse_argv(argv[1:])
    if parsed is None:
        return None
    flt, variables, files = parsed
    if "scripts" not in flt.text:
        return None
    known = frozenset(_table()["files"])
    if files and not any(f.rsplit("/", 1)[-1] in known for f in files):
        return None  # a JSON file whose scripts no package manager runs
    if flt.dynamic:
        return _judge([("scripts", None)], cmd, scope)
    pairs = _assignments(flt.text, variables)
    if not pairs:
        return None
    return _judge(pairs, cmd, scope)


def _parse_argv(args: list[Word]) -> tuple[Word, dict[str, object], list[str]] | None:
    """(filter, --arg/--argjson values, file operands), or None when the filter comes from a file."""
    t = _table()
    variables: dict[str, object] = {}
    flt: Word | None = None
    files: list[str] = []
    i = 0
    rest_args = False
    while i < len(args):
        w = args[i].text
        if rest_args:
            i += 1
            continue
        if w in t["filter_file_options"]:
            return None
        if w in t["args_options"]:
            rest_args = True
        elif w in t["pair_options"] and i + 2 < len(args):
            name, value = args[i + 1].text, args[i + 2]
            variables[name] = _UNKNOWN if value.dynamic else (
                value.text if w == "--arg" else _json(value.text) if w == "--argjson" else _UNKNOWN)
            i += 3
            continue
        elif w in t["value_options"]:
            i += 2
            continue
        elif w.startswith("-") and len(w) > 1:
            pass
        elif flt is None:
            flt = args[i]
        else:
            files.append(w)
        i += 1
    return (flt, variables, files) if flt is not None else None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return _UNKNOWN


def _assignments(flt: str, variables: dict[str, object]) -> list[tuple[str, str | None]]:
    """(script name, its text or None when the filter computes it) for each assignment to .scripts;
    a change of .scripts in another shape is one unknown script."""
    out: list[tuple[str, str | None]] = []
    rest = flt
    spans: list[tuple[int, int]] = []
    for m in _SITE.finditer(flt):
        op = m.group(4)
        end = m.end()
        if op == "=" and flt[end:end + 1] == "=":
            continue  # `.scripts.test == "x"`: a comparison
        name = m.group(1) or m.group(2) or m.group(3)
        value, stop = _value(flt, end, variables)
        spans.append((m.start(), stop))
        if name is not None:
            text = value if isinstance(value, str) and op in ("=", "|=", "//=") else None
            out.append((name, text))
        elif isinstance(value, dict) and op in ("=", "|=", "+=", "//="):
            out.extend((str(k), v if isinstance(v, str) else None) for k, v in value.items())
        else:
            out.append(("scripts", None))
    for start, stop in reversed(spans):
        rest = rest[:start] + " " + rest[stop:]
    if "scripts" in rest:
        rest = _COMPARISON.sub(" ", rest)
        if any(c in rest for c in _table()["changers"]):
            out.append(("scripts", None))
    return out


def _value(flt: str, start: int, variables: dict[str, object]) -> tuple[object, int]:
    """The literal value at `start` (a string, an object, a variable given on the command line) and
    where it ends; _UNKNOWN for anything the filter computes."""
    i = start
    while i < len(flt) and flt[i].isspace():
        i += 1
    if flt[i:i + 1] == '"':
        end = _string_end(flt, i)
        if end is None:
            return _UNKNOWN, len(flt)
        raw = flt[i:end]
        value = _UNKNOWN if "\\(" in raw else _json(raw)
        return (value if _ends_value(flt, end) else _UNKNOWN), end
    if flt[i:i + 1] == "{":
        end = _object_end(flt, i)
        if end is None:
            return _UNKNOWN, len(flt)
        value = _json(flt[i:end])
        return (value if _ends_value(flt, end) else _UNKNOWN), end
    m = _VAR.match(flt[i:])
    if m is not None:
        end = i + m.end()
        value = variables.get(m.group(1), _UNKNOWN)
        return (value if _ends_value(flt, end) else _UNKNOWN), end
    return _UNKNOWN, _expression_end(flt, i)


def _ends_value(flt: str, end: int) -> bool:
    """The literal is the whole right-hand side (`= "a" + $x` is computed)."""
    tail = flt[end:].lstrip()
    return not tail or tail[0] in "|),;]}"


def _string_end(flt: str, i: int) -> int | None:
    j = i + 1
    while j < len(flt):
        if flt[j] == "\\":
            j += 2
            continue
        if flt[j] == '"':
            return j + 1
        j += 1
    return None


def _object_end(flt: str, i: int) -> int | None:
    depth = 0
    j = i
    while j < len(flt):
        c = flt[j]
        if c == '"':
            end = _string_end(flt, j)
            if end is None:
                return None
            j = end
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _expression_end(flt: str, i: int) -> int:
    """Where a computed right-hand side ends (the next `|` or `,` outside brackets)."""
    depth = 0
    j = i
    while j < len(flt):
        c = flt[j]
        if c == '"':
            end = _string_end(flt, j)
            j = end if end is not None else len(flt)
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            if depth == 0:
                return j
            depth -= 1
        elif c in "|,;" and depth == 0:
            return j
        j += 1
    return len(flt)


def _judge(pairs: list[tuple[str, str | None]], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    from blastwall.analyze.shell.pkg_scripts import judge_scripts

    found = judge_scripts([(f"scripts.{name}" if name != "scripts" else "scripts",
                            Word(text) if text is not None else Word("", dynamic=True)) for name, text in pairs],
                          cmd, scope)
    return found or None  # a safe value: the command's usual judgement (its redirections)


register(list(_table()["programs"]), handle_jq)
