"""Interpreter code parsed with tree-sitter grammars: JavaScript/TypeScript (`node -e`, `deno eval`,
`bun -e`, `tsx`), Ruby, PHP, Perl and Go (`go run x.go`).

Every call is read from the syntax tree, not matched as text: its callee name (with computed
members such as `fs["rmSync"]` resolved when the key is a literal), and its arguments with their
string literals decoded, escapes included (`execSync("\\\\rm -rf ~/x")` runs `\\rm -rf ~/x`), and
literal concatenations and arrays joined. Which calls run commands, delete, overwrite or open
files is data (`rules/code.toml`, `[calls.<language>]`). Commands go to the shell analyzer, string
arguments that are SQL to the SQL analyzer. A call that runs code or commands built at run time,
or a computed member of a module that can, is `unknown_code`.

Parsing is bounded like the shell parser's: a parse cut short is an ask.
"""

from __future__ import annotations

import functools
import shlex
from typing import Any

from blastwall import rx
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.budget_parse import parse_within
from blastwall.model import Finding

PARSE_BUDGET_S = 0.08
MAX_CALLS = 400

_GRAMMARS = {
    "node": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php_only"),
    "perl": ("tree_sitter_perl", "language"),
    "go": ("tree_sitter_go", "language"),
}
_CALLS = frozenset({"call_expression", "new_expression", "call", "function_call_expression", "member_call_expression",
                    "scoped_call_expression", "nullsafe_member_call_expression", "object_creation_expression",
                    "method_call_expression", "ambiguous_function_call_expression", "func0op_call_expression",
                    "func1op_call_expression", "command_call"})
_SUBSHELLS = frozenset({"subshell", "shell_command_expression", "command_string"})
_DYNAMIC_PARTS = ("interpolation", "substitution", "variable", "expression", "identifier", "call")
_SQL_START = rx.compile(r"(?is)^\s*(?:drop\s+\w|delete\s+from\s|truncate\s+\w|alter\s+\w+\s|update\s+\S+\s+set\s|"
                        r"insert\s+into\s|replace\s+into\s|create\s+or\s+replace\s|grant\s|revoke\s|merge\s+into\s|"
                        r"with\s+\w+\s+as\s*\()")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', "`": "`", "$": "$", "e": "\x1b",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v", "/": "/"}


@functools.cache
def _parser(language: str) -> Any:
    import importlib

    from tree_sitter import Language, Parser

    module, func = _GRAMMARS[language]
    return Parser(Language(getattr(importlib.import_module(module), func)()))


def _parse(language: str, src: bytes) -> tuple[Any, bool]:
    return parse_within(_parser(language), src, PARSE_BUDGET_S)


@functools.cache
def _table(language: str) -> dict[str, list[str]]:
    from blastwall.analyze.ruleset import load_table

    calls = load_table("code")["calls"]["node" if language == "typescript" else language]
    if language != "php":
        return calls  # type: ignore[no-any-return]
    return {k: [n.lower() for n in v] if isinstance(v, list) else v for k, v in calls.items()}


def _decode_escape(text: str) -> str:
    if len(text) < 2 or text[0] != "\\":
        return text
    c = text[1]
    if c in _ESCAPES:
        return _ESCAPES[c]
    if c in "xuU":
        digits = text[2:].strip("{}")
        try:
            return chr(int(digits, 16))
        except ValueError:
            return text
    if c.isdigit():
        try:
            return chr(int(text[1:], 8))
        except ValueError:
            return text
    if c == "\n":
        return ""
    return text[1:]


class _Reader:
    def __init__(self, language: str, src: bytes) -> None:
        self.language = language
        self.src = src
        self.aliases: dict[str, str] = {}
        self.root: Any = None
        self.http_module: Any = None  # the bindings code_js_http reads, made on first use

    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def string(self, node: Any) -> str | None:
        """The value of a literal string, concatenation of literals or parenthesized literal."""
        if node is None:
            return None
        t = node.type
        if t in ("argument", "parenthesized_expression", "list_expression") and node.named_child_count == 1:
            return self.string(node.named_children[0])
        if t == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator")
            op_text = self.text(op) if op is not None else self.text(node)[
                left.end_byte - node.start_byte:right.start_byte - node.start_byte].strip() if left and right else ""
            if op_text in ("+", ".") and left is not None and right is not None:
                a, b = self.string(left), self.string(right)
                return a + b if a is not None and b is not None else None
            return None
        if not any(k in t for k in ("string", "literal", "heredoc", "encapsed")) or "array" in t:
            return None
        if t in ("number", "integer", "number_literal", "int_literal"):
            return None
        kids = node.named_children
        if not kids:
            raw = self.text(node)
            if raw[:1] in "'\"`" and raw[-1:] == raw[:1]:
                return raw[1:-1]
            m = rx.match(r"^q[qw]?\s*(.)(.*)(.)$", raw, rx.S)
            return m.group(2) if m else raw
        out: list[str] = []
        for k in kids:
            kt = k.type
            if "escape" in kt:
                out.append(_decode_escape(self.text(k)))
            elif kt in ("string_fragment", "string_content", "interpreted_string_literal_content", "heredoc_content",
                        "raw_string_literal_content", "text") or "content" in kt:
                out.append(self.text(k))
            elif kt in ("heredoc_start", "heredoc_end", "heredoc_body", "quote"):
                continue
            elif any(p in kt for p in _DYNAMIC_PARTS):
                return None
            else:
                inner = self.string(k)
                if inner is None:
                    return None
                out.append(inner)
        return "".join(out)

    def array(self, node: Any) -> list[str] | None:
        if node is None or not any(k in node.type for k in ("array", "composite_literal", "list")):
            return None
        items = node.named_children
        if node.type == "composite_literal":
            body = node.child_by_field_name("body")
            items = body.named_children if body is not None else []
        values = [self.string(i.named_children[0] if i.type in ("array_element_initializer", "literal_element",
                                                                "element") and i.named_children else i)
                  for i in items if i.type != "comment"]
        return [v for v in values if v is not None] if values and all(v is not None for v in values) else None


def _js_aliases(reader: _Reader, root: Any) -> dict[str, str]:
    """Local names of module functions: `const {execSync: x} = require(...)`, `const x = cp.execSync`,
    `const {rmSync} = fs` (name -> the function's own name)."""
    out: dict[str, str] = {}
    stack = [root]
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if n.type == "pair_pattern":
            key, value = n.child_by_field_name("key"), n.child_by_field_name("value")
            if key is not None and value is not None and value.type == "identifier":
                out[reader.text(value)] = reader.string(key) or reader.text(key)
        elif n.type in ("variable_declarator", "assignment_expression"):
            name = n.child_by_field_name("name") or n.child_by_field_name("left")
            value = n.child_by_field_name("value") or n.child_by_field_name("right")
            if name is not None and value is not None and name.type == "identifier" and value.type in (
                    "member_expression", "subscript_expression"):
                prop = value.child_by_field_name("property")
                key = reader.string(value.child_by_field_name("index")) if value.type == "subscript_expression" else (
                    reader.text(prop) if prop is not None else None)
                if key:
                    out[reader.text(name)] = key
    return out


def _args(node: Any) -> list[Any]:
    a = node.child_by_field_name("arguments")
    if a is None:
        return []
    kids = [k for k in a.named_children if k.type != "comment"]
    if a.type in ("list_expression", "parenthesized_expression") or (kids == [] and a.type != "arguments"):
        return kids or [a]
    if a.type not in ("arguments", "argument_list", "list_expression") and not a.type.endswith("arguments"):
        return [a]
    flat: list[Any] = []
    for k in kids:
        if k.type in ("list_expression",):
            flat.extend(k.named_children)
        else:
            flat.append(k)
    return flat


def _callee(reader: _Reader, node: Any) -> tuple[str, str, Any]:
    """(full callee text, last name, the computed key node when the name is computed)."""
    f = (node.child_by_field_name("function") or node.child_by_field_name("method")
         or node.child_by_field_name("name") or node.child_by_field_name("constructor"))
    receiver = node.child_by_field_name("receiver") or node.child_by_field_name("object") or \
        node.child_by_field_name("scope") or node.child_by_field_name("invocant")
    if f is None:
        return "", "", None
    if f.type == "subscript_expression":
        key = f.child_by_field_name("index")
        name = reader.string(key)
        obj = f.child_by_field_name("object")
        base = reader.text(obj) if obj is not None else ""
        return (f"{base}.{name}" if name is not None else base), name or "", (key if name is None else None)
    if f.type in ("variable_name", "scalar_variable") or (f.type == "parenthesized_expression"):
        return reader.text(f), "", f
    text = reader.text(f)
    if f.type == "identifier" and text in reader.aliases:
        return reader.aliases[text], reader.aliases[text], None
    names = rx.findall(r"[A-Za-z_$][\w$]*", text.replace("::", ".").replace("->", ".").replace("?.", "."))
    if receiver is not None:
        # a chain's receiver is the whole chain before it (`a.b.c...`): its ends are what names a
        # module or an object; the middle of a 10,000-link chain would make each call cost its length
        held = reader.text(receiver)
        text = f"{held if len(held) <= 2 * _RECEIVER_END else held[:_RECEIVER_END] + '.' + held[-_RECEIVER_END:]}.{text}"
    text = text.replace("::", ".").replace("->", ".").replace("?.", ".")
    if not names:
        names = rx.findall(r"[A-Za-z_$][\w$]*", text[-2 * _RECEIVER_END:])
    return text, (names[-1] if names else ""), None


_RECEIVER_END = 128  # characters kept from each end of a long receiver


def _matches(full: str, last: str, names: list[str]) -> str | None:
    for n in names:
        if "." in n or "::" in n:
            n2 = n.replace("::", ".")
            if full == n2 or full.endswith("." + n2) or full.endswith(n2) and full[:-len(n2)].endswith(")"):
                return n
        elif last == n:
            return n
    return None


def analyze_parsed(language: str, code: str, scope: Scope) -> list[Finding] | None:
    """Findings for `code`, or None when no grammar is installed for the language."""
    from blastwall.analyze.code import _path_finding, _shell, _sql

    try:
        tree, cut = _parse(language, code.encode("utf-8", "replace"))
    except (ImportError, KeyError, ValueError):
        return None
    if language == "node" and tree.root_node.has_error:
        ts_tree, ts_cut = _parse("typescript", code.encode("utf-8", "replace"))
        if not ts_tree.root_node.has_error:
            tree, cut, language = ts_tree, ts_cut, "typescript"
    shown = "node" if language == "typescript" else language
    out: list[Finding] = []
    if cut:
        out.append(unknown("code.interp:unparsed", f"{shown} code too irregular to parse in time; a human must read it",
                           code))
    elif tree.root_node.has_error and _unparsed_asks(language, shown, code):
        out.append(unknown("code.interp:unparsed", f"{shown} code that does not parse; a human must read it", code))
    reader = _Reader(language, code.encode("utf-8", "replace"))
    reader.aliases = _js_aliases(reader, tree.root_node) if shown == "node" else {}
    reader.root = tree.root_node
    table = _table(language)
    all_names = {n for k in ("exec", "delete", "delete_recursive", "overwrite", "open") for n in table.get(k, [])}
    stack = [tree.root_node]
    calls = 0
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.children))
        t = node.type
        if t in _SUBSHELLS:
            body = reader.string(node) if node.named_children else reader.text(node)[1:-1]
            if body is None or any(any(p in k.type for p in _DYNAMIC_PARTS) for k in node.named_children):
                out.append(unknown("code.interp:exec-dynamic", f"{shown} code runs a command built at run time",
                                   reader.text(node)))
            elif body.strip():
                out.extend(_shell(body, shown, scope))
            continue
        if t == "eval_expression" and language == "perl":  # `eval "CODE"` (`eval { ... }` is exception handling)
            out.extend(_perl_eval(reader, node, scope))
            continue
        if t not in _CALLS:
            if t in ("string", "encapsed_string", "interpolated_string_literal", "string_literal",
                     "interpreted_string_literal", "raw_string_literal", "template_string"):
                value = reader.string(node)
                if value is not None and _SQL_START.match(value) and not _under(node, _CALLS) \
                        and not _under(node, _PRINT_STATEMENTS):
                    out.extend(_sql(value, scope))
            continue
        calls += 1
        if calls > MAX_CALLS:
            out.append(unknown("code.interp:unparsed", f"{shown} code with too many calls to read", code[:200]))
            break
        out.extend(_call(reader, node, table, all_names, shown, scope, _path_finding, _shell, _sql))
    return out


def _php_name(text: str) -> str:
    """A PHP function named by a string as PHP finds it: any case, a leading `\\` (the global one)."""
    return text.lstrip("\\").lower() if text.replace("\\", "").replace("_", "").isalnum() else text


def _unparsed_asks(language: str, shown: str, code: str) -> bool:
    """Whether code the grammar rejects is asked about (rules/code.toml [unparsed])."""
    from blastwall.analyze.ruleset import load_table

    policy = load_table("code").get("unparsed", {})
    suffix = policy.get("retry_suffix", {}).get(shown)
    if suffix:
        retried, cut = _parse(language, (code + suffix).encode("utf-8", "replace"))
        if not cut and not retried.root_node.has_error:
            return False
    if shown in policy.get("always", ()):
        return True
    if shown not in policy.get("named_only", ()):
        return False
    table = _table(language)
    names = {n.rsplit("::", 1)[-1].rsplit(".", 1)[-1] for k in ("exec", "delete", "delete_recursive", "overwrite")
             for n in table.get(k, [])}
    return not names.isdisjoint(rx.findall(r"\w+", code))


def _perl_eval(reader: _Reader, node: Any, scope: Scope) -> list[Finding]:
    """perl's `eval EXPR`: a literal is perl code read like the rest; a string built at run time
    (`eval "sys"."tem(...)"`, `eval "$c(...)"`) is code blastwall cannot read."""
    body = [k for k in node.named_children if k.type != "comment"]
    if not body or body[0].type == "block":
        return []
    text = reader.string(body[0])
    if text is None or _interpolates(body[0]):
        return [unknown("code.interp:exec-dynamic", "perl code evaluates code built at run time", reader.text(node)[:200])]
    from blastwall.analyze.code import analyze_code

    return analyze_code("perl", text, scope.deeper("perl eval"))


def _names_code(node: Any) -> bool:
    """A function literal (`function() {...}`, a lambda, a block) or a plain symbol (`:sum`): what a
    dispatching call runs is written there, not computed."""
    while node.type == "argument" and node.named_children:
        node = node.named_children[0]
    if any(k in node.type for k in ("lambda", "function", "closure", "block")):
        return True
    return node.type == "simple_symbol" or (node.type == "delimited_symbol" and not any(
        k.type == "interpolation" for k in node.named_children))


def _interpolates(node: Any) -> bool:
    """A perl string with a variable in it (`"$c(...)"`): its text is made at run time."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("scalar", "array", "hash", "array_element_expression", "hash_element_expression"):
            return True
        stack.extend(n.children)
    return False


# Calls and statements that only write their arguments out: SQL in them is a mention, not a
# statement (its output piped into a database client is judged there: `| psql` asks).
_PRINTS = frozenset({"console.log", "console.error", "console.info", "console.warn", "console.debug", "console.trace",
                     "process.stdout.write", "process.stderr.write", "print", "puts", "p", "pp", "printf", "print_r",
                     "var_dump", "println", "say", "warn", "fmt.Println", "fmt.Printf", "fmt.Print", "fmt.Fprintln",
                     "log.Println", "log.Printf", "log.Print", "$stdout.puts", "STDOUT.puts",
                     "$stderr.puts", "STDERR.puts", "error_log"})
_PRINT_STATEMENTS = frozenset({"echo_statement", "print_intrinsic"})


def _under(node: Any, types: frozenset[str]) -> bool:
    """One of the three nodes above `node` is of one of `types`: a call's argument (_CALLS), a
    literal written out by a print statement (`echo 'DROP TABLE x';` in PHP, _PRINT_STATEMENTS)."""
    p = node.parent
    for _ in range(3):
        if p is None:
            return False
        if p.type in types:
            return True
        p = p.parent
    return False


def _call(reader: _Reader, node: Any, table: dict[str, list[str]], all_names: set[str], language: str, scope: Scope,
          path_finding: Any, shell: Any, sql: Any) -> list[Finding]:
    out: list[Finding] = []
    full, last, computed = _callee(reader, node)
    method = last
    if language == "php":  # PHP finds functions, classes and methods in any case: `UNLINK()` is unlink()
        full, last = full.lower(), last.lower()
    args = _args(node)
    source = reader.text(node)[:200]
    literals = [reader.string(a) for a in args]
    for value in literals if full not in _PRINTS else []:  # console.log('DELETE FROM x') only shows the text
        if value is not None and _SQL_START.match(value):
            out.extend(sql(value, scope))
    if computed is not None:
        base = full.split(".", 1)[0].split("(", 1)[0]
        if base in table.get("modules", []) or full.startswith(("require(", "$")) or language == "php" or not base:
            out.append(unknown("code.interp:exec-dynamic", f"{language} code calls a function whose name is computed "
                               f"at run time ({reader.text(computed)[:40]})", source))
        return out
    if _matches(full, last, table.get("eval", [])):
        at = dict(table.get("callable_arg", {})).get(last, 0)  # type: ignore[call-overload]
        named = literals[at] if literals and -len(literals) <= at < len(literals) else None
        if named is None and args and _matches(full, last, table.get("dispatch", [])) and not _names_code(args[0]):
            out.append(unknown("code.interp:exec-dynamic", f"{language} code calls {last or full} with a function name "
                               f"computed at run time ({reader.text(args[0])[:40]})", source))
            return out
        if named is not None and language == "php":  # PHP's function names: any case, `\\unlink` is the global one
            named = _php_name(named)
        if named is not None and named in all_names:  # array_map("unlink", ...), call_user_func("system", ...)
            kind = _kind(full, named, named, table)
            out.append(unknown("code.interp:exec-dynamic", f"{language} code hands {named}() to {last or full}, which "
                               "calls it with values blastwall cannot read", source) if kind is None else
                       _as_finding(kind, None, language, source, scope, path_finding))
            if kind == "exec" and len(literals) > 1 and literals[1] is not None:
                out.extend(shell(literals[1], language, scope))
        elif last in ("eval", "Function", "assert", "create_function") or "run" in last.lower():
            if named is not None and last == "eval":
                from blastwall.analyze.code import analyze_code

                out.extend(analyze_code(language, named, scope.deeper(f"{language} eval")))
            else:
                out.append(unknown("code.interp:exec-dynamic", f"{language} code evaluates code built at run time",
                                   source))
        return out
    kind = _kind(full, last, None, table)
    if kind is None:
        if last and full.endswith("." + last):  # `new PrismaClient().user.deleteMany()`: a client's method
            from blastwall.analyze.code_methods import destructive_method

            found_method = destructive_method(method, language, source)
            if found_method is not None:
                out.append(found_method)
        if language == "node" and table.get("http_fetch"):
            from blastwall.analyze.code_js_http import js_http

            out.extend(js_http(reader, reader.root, node, table, language, scope, source) or [])
        return out
    first = literals[0] if literals else None
    if kind == "exec":
        from blastwall.analyze.code import _fed_shell, fed_call

        options = " ".join(reader.text(a) for a in args[1:])
        if fed_call(language, full, literals[1] if len(literals) > 1 else None,
                    rx.findall(r"\b(input|stdin_data|stdin)\s*(?::|=>)", options)):
            shell = _fed_shell  # the code writes the command's input: `IO.popen("sh", "w")`
        arr = reader.array(args[0]) if args else None
        if arr is None and len(args) > 1 and first is not None:
            arr2 = reader.array(args[1])
            if arr2 is not None:
                arr = [first, *arr2]
        if arr is None and len(args) > 1 and first is not None and all(v is not None for v in literals) and \
                " " not in first:
            arr = [v for v in literals if v is not None]  # system("rm", "-rf", "/x")
        if arr is not None and arr:
            out.extend(shell(shlex.join(arr), language, scope))
        elif first is not None:
            out.extend(shell(first, language, scope))
        elif args or last not in ("exec",):
            out.append(unknown("code.interp:exec-dynamic", f"{language} code runs a command built at run time", source))
        return out
    if kind == "open":
        mode = literals[1] if len(literals) > 1 else None
        if language == "perl" and len(literals) >= 2 and literals[1] is not None:
            mode = literals[1]
            target = literals[2] if len(literals) > 2 else None
            if "|" in mode:
                if mode.lstrip().startswith("|"):  # `|-`: what the code prints is the command's input
                    from blastwall.analyze.code import _fed_shell as shell
                return out + (shell(target, language, scope) if target else [
                    unknown("code.interp:exec-dynamic", "perl code opens a pipe to a command built at run time",
                            source)])
            if ">" in mode or "+<" in mode:
                out.append(path_finding("overwrite", target, language, source, scope))
            return out
        if language == "perl" and first is not None and first.lstrip().startswith(("|", ">")):
            f = first.strip()
            if f.startswith("|") or f.endswith("|"):
                if f.startswith("|"):  # `open(F, "|sh")`: what the code prints is the command's input
                    from blastwall.analyze.code import _fed_shell as shell
                return out + shell(f.strip("|"), language, scope)
            out.append(path_finding("overwrite", f.lstrip(">+ ") or None, language, source, scope))
            return out
        raw_mode = reader.text(args[1]) if len(args) > 1 else ""
        if (mode is not None and rx.search(r"[wax+]", mode)) or rx.search(r"O_(?:WRONLY|RDWR|TRUNC|CREAT|APPEND)",
                                                                          raw_mode):
            out.append(path_finding("overwrite", first, language, source, scope))
        return out
    out.append(_as_finding(kind, first, language, source, scope, path_finding))
    if len(args) > 1 and _matches(full, last, table.get("destination", [])):  # copyFileSync(src, DEST)
        out.append(path_finding("overwrite", literals[1], language, source, scope))
    return out


def _kind(full: str, last: str, only: str | None, table: dict[str, list[str]]) -> str | None:
    for kind in ("exec", "delete_recursive", "delete", "overwrite", "open"):
        if _matches(full, last, table.get(kind, [])):
            return kind
    return None


def _as_finding(kind: str, path: str | None, language: str, source: str, scope: Scope, path_finding: Any) -> Finding:
    if kind == "exec":
        return unknown("code.interp:exec-dynamic", f"{language} code runs a command built at run time", source)
    op = "overwrite" if kind in ("overwrite", "open") else kind
    return path_finding(op, path, language, source, scope)
