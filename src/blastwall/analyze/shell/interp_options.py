"""The options an interpreter takes before its script, per language (`rules/interpreter_options.toml`).

    script_words("php", [-d, memory_limit=-1, bin/magento, cache:flush])
        -> Options(rest=[bin/magento, cache:flush], preloads=[], asks=[])

An option of the language's table takes a value (the next word, or the rest of its own word:
`-Ilib`, `-dmemory_limit=-1`, `--require=x`); any other option takes none, so the word after an
unknown option that does take one is read as the script and asked about (closed by default).
What some values do is judged here: a preloaded file (`-r ./setup.js`) is a script too; a php.ini,
a Zend extension or an INI key that loads code (`-d auto_prepend_file=x.php`) asks.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word


class Options(NamedTuple):
    rest: list[Word]  # the script and its arguments
    preloads: list[str]  # files run before the script (paths, not library names)
    asks: list[str]  # why an option's value cannot be judged ("-c php.ini: ...")
    checks_only: bool = False  # an option that only checks the script's syntax (`node --check f.js`): it never runs


@functools.cache
def _table(language: str) -> dict[str, frozenset[str]]:
    tables: dict[str, Any] = load_table("interpreter_options")
    row = tables.get(language, tables["default"])
    return {k: frozenset(row.get(k, [])) for k in ("values", "preloads", "asks", "ini", "ini_code", "ini_code_prefixes",
                                                        "checks")}


@functools.cache
def _programs() -> frozenset[str]:
    """Programs with a table of their own (a runner of a language with options of its own)."""
    return frozenset(load_table("interpreter_options").get("programs", {}).get("names", []))


def _split(word: str, takes: frozenset[str]) -> tuple[str, str | None]:
    """The option a word names and its attached value (None when the value is the next word)."""
    if word.startswith("--"):
        name, eq, value = word.partition("=")
        return name, value if eq else None
    for n in takes:  # short options take their value attached: -Ilib, -dkey=v, -rjson
        if len(n) == 2 and word.startswith(n) and len(word) > 2:
            return n, word[2:]
    return word, None


def _path(value: str) -> bool:
    """A preloaded file rather than a library: a path, or a name with a script extension."""
    return value.startswith(("./", "../", "/", "~")) or "/" in value and "." in value.rsplit("/", 1)[-1] \
        or value.rsplit(".", 1)[-1] in ("js", "mjs", "cjs", "ts", "mts", "rb", "pl", "pm", "php", "py")


def script_words(language: str, args: list[Word], program: str = "") -> Options:
    """The words from the script on, and what the options before it preload or leave unjudged
    (the program's own table when it has one, `zx`; else its language's)."""
    t = _table(program if program and program in _programs() else language)
    takes = t["values"] | t["preloads"] | t["asks"] | t["ini"]
    preloads: list[str] = []
    asks: list[str] = []
    checks = False
    i = 0
    while i < len(args):
        word = args[i].text
        if word == "--":
            return Options(args[i + 1:], preloads, asks, checks)
        if not word.startswith("-") or word == "-":
            break
        checks = checks or word in t["checks"]
        name, value = _split(word, takes)
        if name in takes:
            if value is None:
                i += 1
                value = args[i].text if i < len(args) else ""
            if name in t["preloads"] and _path(value):
                preloads.append(value)
            elif name in t["asks"] or name in t["ini"] and _loads_code(value, t):
                asks.append(f"{name} {value}")
        i += 1
    return Options(args[i:], preloads, asks, checks)


def _loads_code(setting: str, t: dict[str, frozenset[str]]) -> bool:
    key = setting.partition("=")[0].strip().lower()
    return key in t["ini_code"] or any(key.startswith(p) for p in t["ini_code_prefixes"])


def module_code(module: str, words: list[Word]) -> list[Word] | None:
    """The words of `python -m MODULE WORDS` that are Python code the module runs (`timeit`'s
    statements and setup), or None when the module's words are not code
    (`[python.module_code]` of `rules/interpreter_options.toml`)."""
    row = load_table("interpreter_options")["python"].get("module_code", {}).get(module)
    if row is None:
        return None
    values, code = frozenset(row.get("values", [])), frozenset(row.get("code", []))
    out: list[Word] = []
    i = 0
    while i < len(words):
        name, attached = _split(words[i].text, values | code)
        if name in values or name in code:
            value = Word(attached, dynamic=words[i].dynamic) if attached is not None else (
                words[i + 1] if i + 1 < len(words) else None)
            if name in code and value is not None:
                out.append(value)
            i += 1 if attached is not None else 2
            continue
        if not words[i].text.startswith("-") or words[i].text == "-":
            out.append(words[i])
        i += 1
    return out
