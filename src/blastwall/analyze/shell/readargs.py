"""Which of a reader's arguments name the files it reads, for the modes of `rules/shell_reads.toml`
that need more than a list of positionals: `file:` URLs, interpreters given code (string
literals and operands), awk and sed programs that name files, and what a search prints.

    interpreter_files(row, words("node -e \"fs.readFileSync('.env')\""))  -> [".env"]
    search_of(row, args, "grep")                                          -> Search(patterns=("TOKEN",), ...)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from blastwall import rx
from blastwall.analyze.shell.ir import Word

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.analyze.shell.reads import Args


def has_flag(flags: list[str], specs: list[str]) -> bool:
    """True when one of `flags` is one of `specs`, also as `--opt=value` or in a bundle (`-rn`)."""
    for f in flags:
        for s in specs:
            if f == s or (s.startswith("--") and f.startswith(s + "=")):
                return True
            if len(s) == 2 and s[0] == "-" and s[1] != "-" and f.startswith("-") and not f.startswith("--") \
                    and len(f) > 2 and f[1:].isalpha() and s[1] in f[1:]:
                return True
    return False


def literal(w: Word) -> bool:
    """A path blastwall can name: no unresolved variable except a leading $HOME or $PWD."""
    text = w.text
    if w.path_class is not None or not text:
        return False
    if "$" not in text:  # no variable: nothing for the substitution below to take away
        return "`" not in text
    rest = rx.sub(r"^\$\{?(?:HOME|PWD)\}?(/|$)", r"\1", text)
    return "$" not in rest and "`" not in rest


def file_urls(words: list[str]) -> list[str]:
    """The paths of `file:` URLs (`curl file:///srv/app/.env`, `file://localhost/...`)."""
    from urllib.parse import unquote, urlsplit

    out = []
    for w in words:
        if w[:5].lower() == "file:":
            parts = urlsplit(w)
            path = unquote(parts.path or "")
            if parts.netloc not in ("", "localhost") or not path:
                continue
            out.append(path)
    return out


_LITERAL = rx.compile(r"""'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`\\$]*)`""")


def code_literals(code: str) -> list[str]:
    """String literals in interpreter code that may name a file (`readFileSync('.env')`,
    `File.read("config/master.key")`): any file the code names may be read by it."""
    out = []
    for m in _LITERAL.finditer(code[:64 * 1024]):
        text = next((g for g in m.groups() if g is not None), "")
        if text and len(text) < 4096 and "\n" not in text and not text.startswith(("-", "http://", "https://")):
            out.append(text.replace("\\/", "/").lstrip("<+ "))  # perl's open(F, "<.env")
    return out[:64]


class Interp(NamedTuple):
    """An interpreter's command line: code given on it, operands, and what else it was told."""

    codes: list[str]
    operands: list[str]
    edits: bool  # edits its operands in place (`perl -pi`)
    module: str  # `python -m MODULE`
    prints: bool  # the module prints or serves the files it is handed (`json.tool`)
    serves: str  # the folder a serving module serves (`http.server`: the working folder or -d)
    scripts: list[str]  # a script named by an option (`php -f FILE`)
    env_files: list[str]  # `--env-file FILE`: variables loaded for the code
    values: list[str]  # other option values (`node -r FILE`, `php -d auto_prepend_file=FILE`): files it may load


def interpret(row: dict[str, Any], words: list[Word]) -> Interp:
    long_code = row.get("long_code", [])
    value_opts = row.get("value_options", [])
    module_opts = row.get("module_options", [])
    script_opts = row.get("script_options", [])
    env_opts = row.get("env_file_options", [])
    inplace = set(str(row.get("inplace_letters", "")))
    codes: list[str] = []
    operands: list[str] = []
    scripts: list[str] = []
    env_files: list[str] = []
    values: list[str] = []
    edits = False
    module = ""
    if row.get("code_operand") and words and not words[0].text.startswith("-"):
        codes.append(words[0].text)  # `deno eval CODE`
        words = words[1:]
    i, dashdash = 0, False
    while i < len(words):
        t = words[i].text
        nxt = words[i + 1].text if i + 1 < len(words) else None
        if module:
            if literal(words[i]) and not t.startswith("-"):
                operands.append(t)
        elif dashdash or not t.startswith("-") or t == "-":
            if literal(words[i]):
                operands.append(t)
        elif t == "--":
            dashdash = True
        elif t.startswith("--"):
            key, eq, value = t.partition("=")
            if key in long_code:
                codes.append(value if eq else nxt or "")
                i += 0 if eq else 1
            elif key in env_opts:
                env_files.append(value if eq else nxt or "")
                i += 0 if eq else 1
            elif key in value_opts:
                values.append(value if eq else nxt or "")
                i += 0 if eq else 1
        elif t in module_opts:
            module = nxt or ""
            i += 1  # the module's name; the operands after it are its arguments
        elif t in script_opts:
            scripts.append(nxt or "")
            i += 1
        elif t in value_opts:
            values.append(nxt or "")
            i += 1
        else:
            took = _bundle(t[1:], nxt, row, codes, values)
            i += took
            edits = edits or bool(inplace & set(_flag_letters(t[1:], row)))
        i += 1
    prints = module in row.get("printing_modules", [])
    serves = ""
    if module in row.get("serving_modules", []):
        serves = _option_value(words, ["-d", "--directory"]) or "."
    elif any(w.text in row.get("serve_options", []) for w in words):
        serves = _option_value(words, row.get("serve_root_options", [])) or "."
    elif any(c.strip() in row.get("serve_codes", []) for c in codes):
        serves = operands[0] if operands else "."
    return Interp(codes, operands, edits, module, prints, serves, scripts, env_files,
                  [v for v in values if v and "$" not in v])


def _option_value(words: list[Word], names: list[str]) -> str | None:
    for i, w in enumerate(words):
        key, eq, value = w.text.partition("=")
        if key in names:
            return value if eq else words[i + 1].text if i + 1 < len(words) else None
    return None


def interpreter_files(row: dict[str, Any], words: list[Word]) -> list[str]:
    """What an interpreter given code on its command line may read: every file a string literal
    of the code names, and (unless it edits files in place) every operand the code is handed
    (`perl -ne print .env`, `python -c '...' .env`, `python -m json.tool .env`); a script run by
    name, and the arguments it is handed."""
    got = interpret(row, words)
    if not got.codes and not got.module:
        return got.scripts + got.operands
    files = [lit for c in got.codes for lit in code_literals(c)]
    return files + ([] if got.edits or (got.module and not got.prints) else got.operands)


def _bundle(letters: str, nxt: str | None, row: dict[str, Any], codes: list[str], values: list[str] | None = None,
            ) -> int:
    """Read one bundle of short options (`-lne`, `-c`, `-Wignore`); code goes to `codes`.
    Returns how many following words it took (0 or 1)."""
    code_letters = str(row.get("code_letters", ""))
    value_letters = str(row.get("value_letters", ""))
    glued_letters = str(row.get("glued_letters", ""))
    for j, c in enumerate(letters):
        rest = letters[j + 1:]
        if c in code_letters:
            codes.append(rest if rest else nxt or "")
            return 0 if rest else 1
        if c in value_letters:
            if values is not None:
                values.append(rest or nxt or "")
            return 0 if rest else 1
        if c in glued_letters:
            return 0
    return 0


def _flag_letters(letters: str, row: dict[str, Any]) -> str:
    """The option letters of a bundle before any value starts."""
    stop = str(row.get("code_letters", "")) + str(row.get("value_letters", "")) + str(row.get("glued_letters", ""))
    out = []
    for c in letters:
        out.append(c)
        if c in stop:
            break
    return "".join(out)


_SED_READ = rx.compile(r"(?:^|[;\n{}0-9$/])[ \t]*[rR][ \t]+([^;\n}]+)")


def script_files(text: str) -> list[str]:
    """Files an awk or sed program names: its string literals and sed's `r`/`R` commands."""
    return [*code_literals(text), *(m.group(1).strip() for m in _SED_READ.finditer(text))][:64]


def search_of(row: dict[str, Any], args: Args, program: str) -> Any:
    """What a search prints (analyze/search.py): its patterns, syntax, case and context."""
    from blastwall.analyze.search import Search

    flags = args.flags
    dialect = str(row["search"])
    if has_flag(flags, row.get("fixed_flags", [])) or program in row.get("fixed_programs", []):
        dialect = "fixed"
    elif has_flag(flags, row.get("ere_flags", [])) or program in row.get("ere_programs", []):
        dialect = "ere"
    patterns = [v for k, v in args.values if k in row.get("pattern_options", []) and k not in row.get("pattern_file_options", [])]
    from_file = any(k in row.get("pattern_file_options", []) for k, _ in args.values)
    if not patterns and not from_file and args.positionals:
        patterns = [args.positionals[0].text]
    ignore_case = has_flag(flags, row.get("icase_flags", []))
    if not ignore_case and has_flag(flags, row.get("smart_case_flags", [])):
        ignore_case = all(p == p.lower() for p in patterns)
    context = 0
    for k, v in args.values:
        if k in row.get("context_options", []) or k.split("=", 1)[0] in row.get("context_options", []):
            context = max(context, int(v) if v.isdigit() else 10**6)
    for f in flags:
        if rx.fullmatch(r"-[0-9]+", f):  # grep -5: five lines of context
            context = max(context, int(f[1:]))
    options = tuple(row.get("pattern_options", []))
    made = any(w.dynamic and (i and args.words[i - 1].text in options or w.text.startswith(options))
               for i, w in enumerate(args.words))  # `-e "$(cat guess)"`: a pattern made at run time
    unsure = (from_file or has_flag(flags, row.get("invert_flags", [])) or has_flag(flags, row.get("multiline_flags", []))
              or any(w.dynamic for w in args.positionals[:1]) or made)
    return Search(patterns=tuple(patterns), dialect=dialect, ignore_case=ignore_case, context=context,
                  everything=unsure)
