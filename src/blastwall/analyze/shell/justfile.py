"""What `just` runs: the bodies of the recipes a justfile names, their dependencies first and their
`&&` dependencies after, and the backticks its assignments run as the file loads (rules/build_files.toml
[tools.just], read = "justfile").

    db := `psql -c 'DROP TABLE x'`        -> runs when just loads the file
    reset env="dev": build (seed env) && notify
        -rm -rf data/{{env}}             -> `just reset prod` runs rm -rf data/prod
    py:
        #!/usr/bin/env python3            -> read as Python
        import shutil; shutil.rmtree("x")

`just RECIPE ARG...` hands a recipe as many words as it has parameters; `{{x}}` is a variable, a
parameter or the word given for it when known, else a value made at run time. None when the file
cannot be followed: a recipe that may live in an imported file or a module, a shell that is no shell
(`set shell := ["python3", "-c"]`), names made at run time, or shapes this reader does not know.
"""

from __future__ import annotations

import shlex
from typing import NamedTuple

from blastwall import rx

MAX_RECIPES = 64
RUNTIME = "${JUST_VALUE}"
_NAME = rx.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ASSIGN = rx.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*(.*)$")
_SET = rx.compile(r"^set\s+([A-Za-z-]+)\s*(?::=\s*(.*))?$")
_ALIAS = rx.compile(r"^alias\s+([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*([A-Za-z_][A-Za-z0-9_:-]*)\s*$")
_INCLUDE = rx.compile(r"^(?:import\??\s|mod\??\s|!include\s)")
_STRING = rx.compile(r"^(?:'([^']*)'|\"((?:[^\"\\]|\\.)*)\")$")
_BACKTICK = rx.compile(r"```(.*?)```|`([^`]*)`", rx.S)
_INTERPOLATION = rx.compile(r"\{\{(.*?)\}\}")
_WORKDIR_ATTR = rx.compile(r"working-directory\s*(?::\s*|\(\s*)(?:'([^']*)'|\"([^\"]*)\")")
_SCRIPT_ATTR = rx.compile(r"^script\s*(?:\(\s*(.*)\))?$")
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash"})


class Unreadable(Exception):
    """A justfile shape this reader cannot follow."""


class Code(NamedTuple):
    language: str  # "shell" or a language analyze_code reads ("python", "node"...)
    text: str


class Param(NamedTuple):
    name: str
    default: str | None
    variadic: str  # "", "+" (one or more) or "*" (none or more)


class Recipe(NamedTuple):
    params: list[Param]
    before: list[list[str]]  # dependencies: [name, literal args...]
    after: list[list[str]]  # `&& dep`: run after the body
    body: list[str]
    attributes: list[str]


class _File(NamedTuple):
    recipes: dict[str, list[Recipe]]
    order: list[str]
    variables: dict[str, str | None]
    loading: list[str]  # commands the file's backticks run as it loads
    settings: dict[str, str]
    included: bool


def just_commands(text: str, wanted: list[str], interpreter: str = "") -> list[Code] | None:
    """The code `just WANTED...` runs (the default recipe when none is named), or None."""
    try:
        parsed = _parse(text)
        return _Runner(parsed).run(wanted)
    except Unreadable:
        return None


def _parse(text: str) -> _File:
    recipes: dict[str, list[Recipe]] = {}
    order: list[str] = []
    variables: dict[str, str | None] = {}
    loading: list[str] = []
    settings: dict[str, str] = {}
    included = False
    attributes: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if raw[:1] in (" ", "\t"):
            raise Unreadable  # an indented line outside a recipe
        while line.endswith("\\") and i < len(lines):  # a continued expression
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        if line.startswith("["):
            attributes.extend(_attributes(line))
            continue
        if _INCLUDE.match(line):
            included = True
            continue
        if m := _SET.match(line):
            settings[m.group(1)] = (m.group(2) or "true").strip()
            loading.extend(_backticks(m.group(2) or ""))
            continue
        if m := _ALIAS.match(line):
            recipes.setdefault(m.group(1), [])
            recipes[m.group(1)].append(Recipe([], [[m.group(2)]], [], [], ["alias"]))
            continue
        if (m := _ASSIGN.match(line)) and not _recipe_header(line):
            value = m.group(2).strip()
            loading.extend(_backticks(value))
            variables[m.group(1)] = _literal(value, variables)
            continue
        header = _recipe_header(line)
        if header is None:
            raise Unreadable
        name, params, before, after = header
        body: list[str] = []
        while i < len(lines) and (lines[i][:1] in (" ", "\t") or not lines[i].strip() and _indented_after(lines, i)):
            body.append(lines[i])
            i += 1
        if name not in recipes:
            order.append(name)
        recipes.setdefault(name, []).append(Recipe(params, before, after, _dedent(body), attributes))
        attributes = []
        if len(recipes) > MAX_RECIPES * 4:
            raise Unreadable
    return _File(recipes, order, variables, loading, settings, included)


def _indented_after(lines: list[str], i: int) -> bool:
    for rest in lines[i + 1:]:
        if rest.strip():
            return rest[:1] in (" ", "\t")
    return False


def _dedent(body: list[str]) -> list[str]:
    import textwrap

    return textwrap.dedent("\n".join(body)).split("\n") if body else []


def _attributes(line: str) -> list[str]:
    if not line.endswith("]"):
        raise Unreadable
    return [a.strip() for a in _split_top(line[1:-1], ",") if a.strip()]


def _top_level(text: str, wanted: str) -> tuple[list[int], bool]:
    """Where the characters of `wanted` stand outside quotes and parentheses, and whether every
    quote and parenthesis closes."""
    found: list[int] = []
    depth = 0
    quote = ""
    for k, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c in wanted and depth == 0:
            found.append(k)
    return found, not quote and not depth


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside quotes and parentheses."""
    cuts, closed = _top_level(text, sep)
    if not closed:
        raise Unreadable
    bounds = [-1, *cuts, len(text)]
    return [text[a + 1:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _recipe_header(line: str) -> tuple[str, list[Param], list[list[str]], list[list[str]]] | None:
    """(name, parameters, dependencies, `&&` dependencies) of `name params: deps`, else None."""
    colon = _header_colon(line)
    if colon < 0:
        return None
    head, tail = line[:colon].strip(), line[colon + 1:].strip()
    if head.startswith("@"):
        head = head[1:]
    words = _words(head)
    if not words or not _NAME.fullmatch(words[0]):
        return None
    params = [_param(w) for w in words[1:]]
    before_text, _, after_text = tail.partition("&&")
    return words[0], params, _deps(before_text), _deps(after_text)


def _header_colon(line: str) -> int:
    """The colon that ends a recipe's header (the first outside quotes and parentheses), or -1
    when there is none or it is an assignment's `:=`."""
    cuts, _ = _top_level(line, ":")
    if not cuts:
        return -1
    return -1 if line[cuts[0] + 1:cuts[0] + 2] == "=" else cuts[0]


def _words(text: str) -> list[str]:
    """Words split at blanks outside quotes and parentheses (`a b="x y" (c d)`)."""
    return [w for part in _split_top(text.replace("\t", " "), " ") if (w := part.strip())]


def _param(word: str) -> Param:
    variadic = word[0] if word[:1] in ("+", "*") else ""
    word = word[len(variadic):].lstrip("$")
    name, eq, default = word.partition("=")
    if not _NAME.fullmatch(name):
        raise Unreadable
    return Param(name, _literal(default, {}) if eq else None, variadic)


def _deps(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for w in _words(text):
        if w.startswith("(") and w.endswith(")"):
            inner = _words(w[1:-1])
            if not inner or not _NAME.fullmatch(inner[0]):
                raise Unreadable
            out.append([inner[0], *[_literal(a, {}) or RUNTIME for a in inner[1:]]])
        elif _NAME.fullmatch(w):
            out.append([w])
        else:
            raise Unreadable
    return out


def _literal(value: str, variables: dict[str, str | None]) -> str | None:
    """A value known before the run: a string, or a variable holding one; None otherwise."""
    value = value.strip()
    if m := _STRING.match(value):
        return m.group(1) if m.group(1) is not None else m.group(2)
    if _NAME.fullmatch(value):
        return variables.get(value)
    return None


def _backticks(text: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _BACKTICK.finditer(text)]


class _Runner:
    def __init__(self, parsed: _File) -> None:
        self.f = parsed
        self.out: list[Code] = []
        self.seen: set[tuple[str, ...]] = set()
        shell = _shell_words(parsed.settings.get("shell"))
        if shell is not None and shell not in SHELLS:
            raise Unreadable  # `set shell := ["python3", "-c"]`: the lines are another language
        self.workdir = _literal(parsed.settings.get("working-directory", ""), parsed.variables)
        if "working-directory" in parsed.settings and self.workdir is None:
            raise Unreadable

    def run(self, wanted: list[str]) -> list[Code]:
        self.out.extend(Code("shell", c) for c in self.f.loading)
        if not wanted:
            default = next((n for n in self.f.order if any("default" in r.attributes for r in self.f.recipes[n])),
                           self.f.order[0] if self.f.order else None)
            if default is None:
                return self.out if not self.f.included else _raise()
            wanted = [default]
        i = 0
        while i < len(wanted):
            name = wanted[i]
            i += 1
            recipes = self._find(name)
            if recipes is None:
                return []  # just stops before running anything: no such recipe
            params = _params(recipes)
            most = len(wanted) - i if any(p.variadic for p in params) else min(len(params), len(wanted) - i)
            args, i = wanted[i:i + most], i + most
            self._recipe(name, args, 0)
        return self.out

    def _find(self, name: str) -> list[Recipe] | None:
        if "::" in name or "/" in name or name.startswith("$"):
            raise Unreadable  # a module's recipe, or a justfile found from a path
        recipes = self.f.recipes.get(name)
        if not recipes:
            if self.f.included or self.f.settings.get("fallback") == "true":
                raise Unreadable  # an imported file, a module or a parent justfile may hold it
            return None
        if self.f.included and self.f.settings.get("allow-duplicate-recipes") == "true":
            raise Unreadable  # an imported recipe of that name may replace this one
        return recipes

    def _recipe(self, name: str, args: list[str], depth: int) -> None:
        key = (name, *args)
        if key in self.seen:
            return
        self.seen.add(key)
        if len(self.seen) > MAX_RECIPES or depth > 16:
            raise Unreadable
        recipes = self._find(name)
        if recipes is None:
            raise Unreadable  # a dependency just would refuse; the file does not load
        for recipe in recipes:  # every spelling of the name (`[linux]`, `[macos]` variants)
            values = self._bind(recipe.params, args)
            for dep in recipe.before:
                self._recipe(dep[0], dep[1:], depth + 1)
            self._body(recipe, values)
            for dep in recipe.after:
                self._recipe(dep[0], dep[1:], depth + 1)

    def _bind(self, params: list[Param], args: list[str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for k, p in enumerate(params):
            if p.variadic:
                values[p.name] = " ".join(args[k:]) if args[k:] else (p.default or "")
                break
            values[p.name] = args[k] if k < len(args) else (p.default if p.default is not None else RUNTIME)
        return values

    def _body(self, recipe: Recipe, values: dict[str, str]) -> None:
        body = "\n".join(recipe.body).strip("\n")
        if not body:
            return
        folder = self._folder(recipe.attributes)
        prefix = f"cd {shlex.quote(folder)} && " if folder else ""
        script = _script_language(recipe.attributes, self.f.settings)
        text = self._expand(body, values)
        if text.startswith("#!") or script is not None:
            from blastwall.analyze.shell.scripts import shebang_language

            language = shebang_language(text) if text.startswith("#!") else script
            if language is None:
                raise Unreadable
            code = text if language != "shell" else text.split("\n", 1)[1] if text.startswith("#!") else text
            self.out.append(Code(language, prefix + code if language == "shell" else code))
            return
        for line in text.replace("\\\n", " ").split("\n"):
            line = line.strip().lstrip("@-").lstrip("@").strip()
            if line and not line.startswith("#"):
                self.out.append(Code("shell", prefix + line))

    def _folder(self, attributes: list[str]) -> str:
        for a in attributes:
            if a == "no-cd":
                return ""
            if m := _WORKDIR_ATTR.match(a):
                return m.group(1) if m.group(1) is not None else m.group(2)
            if a.startswith("working-directory"):
                raise Unreadable
        return self.workdir or ""

    def _expand(self, body: str, values: dict[str, str]) -> str:
        body = body.replace("{{{{", "\0")

        def value(m: rx.Match[str]) -> str:
            expr = m.group(1).strip()
            for command in _backticks(expr):
                self.out.append(Code("shell", command))
            if expr in values:
                return values[expr]
            known = self.f.variables.get(expr) if _NAME.fullmatch(expr) else None
            return known if known is not None else RUNTIME

        return _INTERPOLATION.sub(value, body).replace("\0", "{{")


def _params(recipes: list[Recipe]) -> list[Param]:
    return max((r.params for r in recipes), key=len)


def _shell_words(value: str | None) -> str | None:
    """The program of `set shell := ["bash", "-cu"]`, or None when not set."""
    if value is None:
        return None
    from blastwall.analyze.shell.names import program_name

    inner = value.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        raise Unreadable
    first = _split_top(inner[1:-1], ",")[0].strip()
    program = _literal(first, {})
    if program is None:
        raise Unreadable
    return program_name(program)


def _script_language(attributes: list[str], settings: dict[str, str]) -> str | None:
    """The language of a `[script]` recipe (`[script('python3')]`, else `set script-interpreter`)."""
    from blastwall.analyze.shell.scripts import SHEBANG_LANGUAGES

    for a in attributes:
        m = _SCRIPT_ATTR.match(a)
        if m is None:
            continue
        spec = m.group(1) or settings.get("script-interpreter", "").strip().strip("[]")
        if not spec:
            return "shell"  # `sh -eu`
        first = _literal(_split_top(spec, ",")[0], {})
        if first is None:
            raise Unreadable
        from blastwall.analyze.shell.names import program_name

        language = SHEBANG_LANGUAGES.get(program_name(first.split()[0] if first.split() else ""))
        if language is None:
            raise Unreadable
        return language
    return None


def _raise() -> list[Code]:
    raise Unreadable
