"""The MCP analyzer: a tool call -> findings, from the tool's identity and its arguments.

    analyze_call("supabase", "execute_sql", {"query": "DROP TABLE users"}, None, Scope())
        -> [Finding(rule_id="sql...", ...)]

Order of judgment (`rules/mcp.toml`):
1. Arguments that are code are analyzed for every tool: SQL (`sql`, `query` outside search
   tools) by the SQL analyzer, commands (`command`, `["sh", "-c", ...]`, `script` with an
   interpreter) by the shell analyzer, URLs by the HTTP analyzer, file paths of filesystem
   write/read/delete tools by the file analyzer and the path classes.
2. A catalog row for (server, tool) says what a known tool does; it beats the server's own
   annotations, which are hints from the server and may be wrong or missing. A row with
   `arguments_decide` defers to the analyzed arguments (and asks when there were none); a
   row with severity "none" marks a call known harmless (a dry run, an unstage).
3. Otherwise a name that starts or ends with a destructive verb (`delete_x`, `x_drop`) asks.
4. Otherwise the annotations: `destructiveHint` asks; `readOnlyHint` allows. `destructiveHint`
   is a floor over every step: a call the server marks destructive is at least asked about.
5. Otherwise the name's verb: reads and additive verbs are allowed; a tool that executes code
   blastwall could not find in the arguments asks; any other unknown tool is a LOW finding
   (allowed by default). Asking on every unknown tool would make people approve blindly; the
   destructive ones show themselves in their names, annotations or arguments, all checked above.
"""

from __future__ import annotations

import functools
import posixpath
import shlex
from collections.abc import Callable
from typing import Any

from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.http.catalog import value_matches
from blastwall.analyze.http.request import walk
from blastwall.analyze.http.sniff import looks_like_sql, word_set, words
from blastwall.analyze.ruleset import load_table
from blastwall.model import Effect, Finding, Severity

__all__ = ["analyze_call"]


class _Fields(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("mcp")


def _g(key: str) -> Any:
    return _table()["generic"][key]


@functools.cache
def _gs(*keys: str) -> frozenset[str]:
    """The words of the `[generic]` lists `keys`, as one set, built once."""
    return frozenset(w for key in keys for w in _g(key))


@functools.cache
def _rows() -> tuple[dict[str, Any], ...]:
    return tuple(_table()["rule"])


@functools.cache
def _row(rule_id: str) -> dict[str, Any]:
    return next(r for r in _rows() if r["id"] == rule_id)


def analyze_call(server: str, tool: str, arguments: Any, annotations: dict | None, scope: Scope) -> list[Finding]:
    """Findings for one MCP tool call. The server's `destructiveHint: true` is a floor: whatever
    the catalog, the tool's name or its arguments say, the call is at least a MEDIUM finding
    (asked about unless a trusted policy rule allows `mcp.annotations:destructive`)."""
    held: list[Finding] = []
    if isinstance(arguments, dict):
        from blastwall.analyze.mcp_json import decoded
        from blastwall.analyze.mcp_keys import canonical

        arguments = canonical(arguments)  # `URL`, `File-Path`: also under the name the key lists give
        inner, held = decoded(arguments)  # `{"params": "{\"sql\": ...}"}`: what a JSON string holds
        if inner is not None:
            held += [f for f in _analyze_call(server, tool, canonical(inner), annotations, scope) if f not in held]
    found = _analyze_call(server, tool, arguments, annotations, scope)
    found = found + [f for f in held if f not in found]
    name = _split_name(str(server or ""), str(tool or ""))
    call = _Call(name[0], name[1], arguments if isinstance(arguments, dict) else {}, scope)
    found = found + _queued(call, arguments) + _operations(call)
    if arguments is not None and not isinstance(arguments, dict):  # text or a list where an object belongs
        found = [call.finding(_row("mcp.generic:arguments-not-object"))] + found
    hints = annotations if isinstance(annotations, dict) else {}
    if _marked_destructive(hints) and all(f.severity < Severity.MEDIUM for f in found):
        found = [call.finding(_row("mcp.annotations:destructive"))] + found
    return found


def _operations(call: _Call) -> list[Finding]:
    """A delete carried as an operation in a list of operations (`mutations`, `writes`, `operations`)
    of a tool that does not only read. A flag or field of the call itself (`{"remove": ["label"]}`)
    is not an operation list."""
    if not call.args or call.tool_words & _only_reading():
        return []
    lists = [v for v in call.args.values() if isinstance(v, list) and v]
    if not lists:
        return []
    from blastwall.analyze.http.generic import body_operation

    op = body_operation(lists)
    return [call.finding(_row("mcp.generic:operation-delete"), op=op)] if op else []


@functools.cache
def _only_reading() -> frozenset[str]:
    """Read verbs of a tool that only reads (a validation, a test or a generation may still act)."""
    return _gs("read_verbs") - {"validate", "test", "generate"}


def _queued(call: _Call, arguments: Any) -> list[Finding]:
    """A queue read that removes what it reads, a Kafka retention that deletes records (`analyze/queues.py`).
    A tool that creates (a new topic) bounds nothing that exists yet."""
    if not isinstance(arguments, dict) or not arguments or not call.tool_words.isdisjoint(("create", "new", "add")):
        return []
    from blastwall.analyze import queues

    return queues.mcp_findings(call.server, call.tool, arguments)


def _marked_destructive(hints: dict[str, Any]) -> bool:
    """`destructiveHint` in any spelling a server may send (`true`, `"true"`, `1`, `destructive_hint`,
    `DestructiveHint`): a floor, so it fails closed; only `false`, `0`, `"false"` or no value leave it."""
    for key, value in hints.items():
        if str(key).replace("_", "").lower() != "destructivehint" or value in (None, False, 0, ""):
            continue
        if not (isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off")):
            return True
    return False


def _analyze_call(server: str, tool: str, arguments: dict, annotations: dict | None, scope: Scope) -> list[Finding]:
    server, tool = _split_name(str(server or ""), str(tool or ""))
    args = arguments if isinstance(arguments, dict) else {}
    tool, args = _editor_command(tool, args)
    call = _Call(server, tool, args, scope)
    row = _catalog_row(server, tool, args)
    if row is not None and not row.get("arguments_decide") and not row.get("check") \
            and Severity.parse(row["severity"]) is Severity.NONE:
        return _shown_by_dry_run(call)  # harmless, but an edit's dry run answers with the lines it would change
    content, kinds = _content(call)
    analyzed = bool(kinds)
    if row is not None:
        if row.get("arguments_decide"):
            return content if analyzed or _read_only_language(call) else [call.finding(_row("mcp.generic:unanalyzed-exec"))]
        return _from_row(row, call) + content
    if "file" in kinds:  # a local filesystem tool: the path's class decides, not the tool's name
        return content
    chained = _chain(call)
    if chained is not None:
        return chained + content
    hit = _name_rule(tool, server) or _selected_operation(tool, args, server)
    if hit is not None:
        row, verb = hit
        return [call.finding(row, verb=verb)] + content
    hints = annotations if isinstance(annotations, dict) else {}
    forced = None if _FORCE.isdisjoint(args) else next((k for k in _FORCE_KEYS if value_matches(args.get(k), True)),
                                                       None)
    harmless = call.tool_words & _harmless_verbs()
    if forced and not harmless and not _hint(hints, "readOnlyHint"):
        content = [call.finding(_row("mcp.generic:forced"), flag=forced)] + content
    if _hint(hints, "destructiveHint"):
        return content if analyzed else [call.finding(_row("mcp.annotations:destructive"))] + content
    if _hint(hints, "readOnlyHint"):
        return content
    ws = call.tool_words
    if ws & _gs("exec_verbs") and not analyzed and not _reads_exec_object(tool) and not _read_only_language(call):
        return [call.finding(_row("mcp.generic:unanalyzed-exec"))] + content
    if analyzed or ws & _gs("read_verbs", "additive_verbs"):
        return content
    return [call.finding(_row("mcp.generic:unknown-tool"))] + content


def _editor_command(tool: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A text editor tool told what to do by its `command` (`text_editor {"command": "write", "path",
    "file_text"}`): the filesystem tool that command names (`write_file`), without the `command`
    argument, so the edit is judged as a file write or read and never as a shell line."""
    command = args.get("command")
    if not isinstance(command, str):
        return tool, args
    ws = word_set(tool)
    if not (ws & _gs("editor_tool_words") or {"str", "replace"} <= ws):
        return tool, args
    as_tool = _g("editor_commands").get(command.strip().lower())
    if as_tool is None:
        return tool, args
    return as_tool, {k: v for k, v in args.items() if k != "command"}


def _chain(call: _Call) -> list[Finding] | None:
    """A blockchain or wallet tool (`analyze/mcp_chain.py`): a transaction on a live network asks."""
    from blastwall.analyze.mcp_chain import chain_call

    tx = chain_call(call.server, call.tool, call.args)
    if tx is None:
        return None
    if tx.kind == "read":
        return []
    rule = "mcp.chain:transaction" if tx.kind == "live" else "mcp.chain:test-transaction"
    network = tx.network or "the network the server defaults to (often mainnet)"
    return [call.finding(_row(rule), network=network)]


def _read_only_language(call: _Call) -> bool:
    """A server or tool whose query language only reads (`read_only_query_words`: Prometheus' PromQL,
    Loki's LogQL): its query, which is not SQL (SQL is read as SQL before this), writes nothing."""
    return call.named(_gs("read_only_query_words"))


def _reads_exec_object(tool: str) -> bool:
    """A tool named `<read verb>_<terminal|process|shell ...>_...` with no action word: it reads the thing."""
    ws = words(tool)
    return bool(ws) and ws[0] in _gs("read_verbs") and _gs("exec_action_verbs").isdisjoint(ws)


def _selected_operation(tool: str, args: dict[str, Any], server: str) -> tuple[dict[str, Any], str] | None:
    """A multi-purpose tool told what to do by an argument (`operation_keys`: `action="delete"`,
    `mode="clear"`): the tool's name with that value is read as if it were the tool's name."""
    for value in _operations_named(args):
        hit = _name_rule(f"{tool}_{value}", server) or _name_rule(value, server)
        if hit is not None:
            return hit
    return None


def _operations_named(args: dict[str, Any]) -> list[str]:
    """The values of the arguments that choose what a tool does (`operation_keys`), one word each: a
    string, or every member of a list (`{"action": ["delete"]}`: any destructive member counts)."""
    found: list[str] = []
    if _gs("operation_keys").isdisjoint(args):
        return found
    for key in _g("operation_keys"):
        value = args.get(key)
        for v in value[:20] if isinstance(value, list) else [value]:
            if isinstance(v, str) and 0 < len(v.strip()) <= 64 and not any(c.isspace() for c in v.strip()):
                found.append(v.strip())
    return found


def _split_name(server: str, tool: str) -> tuple[str, str]:
    """`mcp__supabase__execute_sql` (how agents name MCP tools) -> ("supabase", "execute_sql")."""
    if tool.startswith("mcp__") and tool.count("__") >= 2:
        _, srv, name = tool.split("__", 2)
        return server or srv, name
    return server, tool


def _hint(hints: dict[str, Any], name: str) -> bool:
    return bool(hints) and any(hints.get(k) is True for k in (name, _snake(name)))


@functools.cache
def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


class _Call:
    """One tool call as the readers see it; the words of its names are read once."""

    __slots__ = ("args", "scope", "server", "server_words", "tool", "tool_words")

    def __init__(self, server: str, tool: str, args: dict[str, Any], scope: Scope) -> None:
        self.server, self.tool, self.args, self.scope = server, tool, args, scope
        self.tool_words, self.server_words = word_set(tool), word_set(server)

    def named(self, wanted: frozenset[str]) -> bool:
        """Whether a word of the tool's or the server's name is one of `wanted`."""
        return not (wanted.isdisjoint(self.tool_words) and wanted.isdisjoint(self.server_words))

    @property
    def what(self) -> str:
        for key in ("name", "volume_id", "volumeId", "service_id", "branch_id", "branchId", "projectId",
                    "project_id", "container_id", "volume_name", "database_id", "domain", "element", "id", "kind",
                    "path", "key", "secret", "secret_name", "collection", "pid"):
            v = self.args.get(key)
            if isinstance(v, (str, int)) and str(v):
                kind = self.args.get("kind")
                return f"{kind} {v}" if key == "name" and isinstance(kind, str) else str(v)[:120]
        return "its target"

    def finding(self, row: dict[str, Any], *, severity: Severity | None = None, detail: str = "",
                **fields: Any) -> Finding:
        values = _Fields(fields)
        values.setdefault("tool", self.tool or "the tool")
        values.setdefault("what", self.what)
        reason = str(row["reason"]).format_map(values)
        return Finding(
            rule_id=str(row["id"]),
            effect=Effect(row["effect"]),
            severity=severity if severity is not None else Severity.parse(str(row["severity"])),
            reason=f"{reason} ({detail})" if detail else reason,
            target=f"{self.server}/{self.tool}:{values['what']}"[:200],
            reversible=bool(row.get("reversible", False)),
            confidence=float(row.get("confidence", 1.0)),
            safer=str(row.get("safer", "")),
            source=f"{self.server} {self.tool}"[:200],
            environment=_environment(self.args),
        )

    def deeper(self, what: str) -> Scope:
        return self.scope.deeper(f"mcp tool {self.tool} {what}".strip())


def _environment(args: dict[str, Any]) -> str | None:
    for key in _g("env_keys"):
        v = args.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


# ---- Catalog and name rules -------------------------------------------------------------------

def _catalog_row(server: str, tool: str, args: dict[str, Any]) -> dict[str, Any] | None:
    s, t = server.casefold(), tool.casefold()
    rows = _catalog()
    by_name, by_pattern = _catalog_index()
    named = by_name.get(t, ())
    for i in sorted(named + by_pattern) if named else by_pattern:
        row, server_matches, tool_matches = rows[i]
        if server_matches(s) and tool_matches(t) and _conditions(row, args):
            return row
    return None


@functools.cache
def _catalog_index() -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """Which catalog rows a casefolded tool name can match: the rows whose tool globs are all plain
    names, by name, and the rows with a pattern among them (tried for every tool), in table order."""
    by_name: dict[str, tuple[int, ...]] = {}
    by_pattern: list[int] = []
    for i, (row, _, _) in enumerate(_catalog()):
        names = [g.casefold() for g in row["tool"]]
        if any(c in name for name in names for c in "*?["):
            by_pattern.append(i)
            continue
        for name in dict.fromkeys(names):
            by_name[name] = (*by_name.get(name, ()), i)
    return by_name, tuple(by_pattern)


@functools.cache
def _catalog() -> tuple[tuple[dict[str, Any], Callable[[str], bool], Callable[[str], bool]], ...]:
    """The catalog rows (those with `tool`), each with one predicate for its casefolded server
    globs and one for its tool globs, built once."""
    return tuple((row, globs.matcher(tuple(g.casefold() for g in row.get("server", ["*"]))),
                  globs.matcher(tuple(g.casefold() for g in row["tool"])))
                 for row in _rows() if "tool" in row)


def _conditions(row: dict[str, Any], args: dict[str, Any]) -> bool:
    if not row.get("when") and not row.get("unless"):
        return True
    pairs = walk(args)

    def has(key: str, expected: Any) -> bool:
        return any(k == key and value_matches(v, expected) for k, v in pairs)

    when, unless = row.get("when", {}), row.get("unless", {})
    return all(has(k, v) for k, v in when.items()) and not any(has(k, v) for k, v in unless.items())


_FORCE_KEYS = ("force", "force_push", "forcePush", "forced", "overwrite_existing")
_FORCE = frozenset(_FORCE_KEYS)
# Verbs whose forced form only redoes work (`refresh_index(force=true)`), never destroys it.
_REGENERATE_VERBS = frozenset({"refresh", "reload", "rebuild", "reindex", "build", "install", "pull", "sync",
                               "rerun", "retry", "restart", "recompute", "regenerate"})


@functools.cache
def _harmless_verbs() -> frozenset[str]:
    """Verbs under which a forced call only reads or redoes work."""
    return _gs("read_verbs") | _REGENERATE_VERBS


def _name_rule(tool: str, server: str = "") -> tuple[dict[str, Any], str] | None:
    ws = words(tool)
    if len(ws) > 2 and ws[0] in word_set(server):  # `slack_delete_message` on server slack
        ws = ws[1:]
    if not ws:
        return None
    first = _verb_rows()
    at = min(first.get(ws[0], _NO_ROW), first.get(ws[-1], _NO_ROW))
    if at != _NO_ROW:  # the first rule whose verbs hold the name's first or last word
        row = _rows()[at]
        return row, ws[0] if ws[0] in row["verbs"] else ws[-1]
    return _verb_inside(ws)


_NO_ROW = 1 << 30


@functools.cache
def _verb_rows() -> dict[str, int]:
    """Each verb of a name rule (`verbs`), with the place of the first rule that lists it."""
    first: dict[str, int] = {}
    for i, row in enumerate(_rows()):
        for verb in row.get("verbs") or ():
            first.setdefault(verb, i)
    return first


def _verb_inside(ws: list[str]) -> tuple[dict[str, Any], str] | None:
    """A destructive verb inside the name (`bulk_delete_users`, `dbWipeAll`, `purgeorders`), read
    by the shared verb model (`analyze/verbs.py`): a read or preview word before it, or a
    regenerable object after it (`list_deleted`, `purge_cache`), leaves the tool alone."""
    from blastwall.analyze.verbs import read_words

    reading = read_words(ws)
    if reading is None:
        return None
    return _row("mcp.generic:delete" if reading.severity >= Severity.HIGH else "mcp.generic:remove"), reading.verb


def _from_row(row: dict[str, Any], call: _Call) -> list[Finding]:
    check = row.get("check")
    if check:
        return _CHECKS[check](row, call)
    if Severity.parse(row["severity"]) is Severity.NONE:
        return []
    return [call.finding(row)]


def _check_variables(row: dict[str, Any], call: _Call) -> list[Finding]:
    from blastwall.analyze.http.checks import variables_risky

    variables = call.args.get("variables")
    names = [str(k) for k in variables] if isinstance(variables, dict) else []
    names += [str(call.args[k]) for k in ("name", "key") if isinstance(call.args.get(k), str)]
    why = variables_risky(names, _environment(call.args) or call.scope.environment, call.args.get("replace") is True)
    return [call.finding(row, detail=why)] if why else []


def _check_null_properties(row: dict[str, Any], call: _Call) -> list[Finding]:
    from blastwall.analyze.http.checks import removed_properties

    names = removed_properties(call.args)
    return [call.finding(row, detail=f"removes {', '.join(sorted(names)[:3])}")] if names else []


def _check_scale(row: dict[str, Any], call: _Call) -> list[Finding]:
    zero = any(k in _g("scale_keys") and value_matches(v, 0) for k, v in walk(call.args))
    return [call.finding(row)] if zero else []


def _check_click(row: dict[str, Any], call: _Call) -> list[Finding]:
    from blastwall import rx

    texts = [v for k, v in walk(call.args) if isinstance(v, str) and k not in ("ref", "selector_ref")]
    for text in texts:
        low = text.casefold()
        if _dismissal(low):
            continue
        hit = next((w for w in _g("click_words") if rx.search(rf"(?:^|[^a-z]){rx.escape(w)}", low)), None)
        if hit:
            return [call.finding(row, what=text[:80])]
    return []


def _dismissal(low: str) -> bool:
    """A control described by a backing-out word first (`click_dismiss_words`): "cancel button in the
    'Delete project?' dialog"; "cancel subscription" names a destructive control and is not one."""
    head = low.lstrip(" '\"[(#.")
    for w in _g("click_dismiss_words"):
        if head.startswith(w) and (len(head) == len(w) or not head[len(w)].isalnum()):
            rest = head[len(w):].lstrip(" -_'\"")
            return not any(rest.startswith(d.split(" ", 1)[1]) for d in _g("click_words")
                           if d.startswith(w + " "))
    return False


def _check_dialog(row: dict[str, Any], call: _Call) -> list[Finding]:
    """A page dialog accepted with a typed answer (`prompt_keys`): the "type the name to confirm" box;
    a plain accept or a dismissal passes (`rules/mcp.toml` `mcp.browser:dialog-confirm`)."""
    accepted = [call.args[k] for k in _g("accept_keys") if k in call.args]
    if accepted and not any(a is True or str(a).strip().lower() in ("true", "yes", "1") for a in accepted):
        return []
    answers = [str(call.args[k]).strip() for k in _g("prompt_keys") if isinstance(call.args.get(k), (str, int))]
    answer = next((a for a in answers if a), None)
    return [call.finding(row, what=f"'{answer[:60]}'")] if answer else []


def _check_typed_confirmation(row: dict[str, Any], call: _Call) -> list[Finding]:
    """Text typed into a box that confirms a destructive action (`rules/mcp.toml` `typed_keys`,
    `confirm_words`, `click_words`): the box's description asks to confirm and names a destructive
    action or quotes the typed text, or the typed text is a destructive word alone ("DELETE")."""
    typed_keys = set(_g("typed_keys"))
    pairs = walk(call.args)
    typed = [str(v).strip() for k, v in pairs if k in typed_keys and isinstance(v, (str, int)) and str(v).strip()]
    described = [v.casefold() for k, v in pairs if isinstance(v, str) and k not in typed_keys and k != "ref"]
    from blastwall.analyze.http.sniff import word_list

    destructive = tuple(_g("click_words"))
    named = destructive + tuple(word_list("destructive_nouns"))  # "confirm project deletion"
    for text in typed:
        low = text.casefold()
        if low.strip(" '\".!") in destructive:
            return [call.finding(row, what=f"'{text[:60]}'")]
        for d in described:
            if not any(w in d for w in _g("confirm_words")):
                continue
            if any(f" {w}" in f" {d}" for w in named) or (len(low) >= 3 and low in d) or _asks_for_a_name(d):
                return [call.finding(row, what=f"'{text[:60]}' into '{d[:80]}'")]
    return []


def _asks_for_a_name(description: str) -> bool:
    """A box that asks to type a resource's name ("type the repository name", "enter the name of the
    project"): pages ask for it only before a destructive action (`rules/mcp.toml` `name_confirm_*`)."""
    from blastwall import rx

    verbs = "|".join(rx.escape(v) for v in _g("name_confirm_verbs"))
    if rx.search(rf"\b(?:{verbs})\b", description) is None:
        return False
    nouns = "|".join(rx.escape(n) for n in _g("name_confirm_nouns"))
    return rx.search(rf"\b(?:{nouns})(?:'s)? ?name\b|\bname of (?:the|this|that|your|its) (?:{nouns})\b",
                     description) is not None


def _browser_code_args(call: _Call) -> list[Finding] | None:
    """JavaScript a browser tool runs in the page, read as JavaScript code (`node -e`): its HTTP
    requests (relative URLs are on the page's origin) and anything else the code analysis finds."""
    if not call.named(_gs("browser_words")):
        return None
    codes = [call.args[k] for k in _g("browser_code_keys") if isinstance(call.args.get(k), str) and call.args[k].strip()]
    if not codes:
        return None
    from blastwall.analyze.shell import analyze_command

    found = [f for code in codes[:5] for f in analyze_command(shlex.join(["node", "-e", code]), call.deeper("page script"))]
    return _page_clicks(call, codes[:5]) + found


def _page_clicks(call: _Call, codes: list[str]) -> list[Finding]:
    """A page script that clicks, submits or dispatches an event (`page_action_calls`) in code that
    names a destructive control (`click_words`: `button[data-action=delete-row]`, "Remove member")."""
    from blastwall import rx

    calls = "|".join(rx.escape(c) for c in _g("page_action_calls"))
    for code in codes:
        if rx.search(rf"(?:\.|\b)(?:{calls})\s*\(|['\"](?:click|submit)['\"]", code) is None:
            continue
        low = code.casefold()
        word = next((w for w in _g("click_words") if rx.search(rf"(?:^|[^a-z]){rx.escape(w)}", low)), None)
        if word:
            return [call.finding(_row("mcp.browser:page-script-click"), word=word)]
    return []


_CHECKS: dict[str, Callable[[dict[str, Any], _Call], list[Finding]]] = {
    "variables": _check_variables,
    "scale": _check_scale,
    "click": _check_click,
    "dialog": _check_dialog,
    "null_properties": _check_null_properties,
    "typed_confirmation": _check_typed_confirmation,
}


# ---- Arguments that are code ---------------------------------------------------------------

def _content(call: _Call) -> tuple[list[Finding], set[str]]:
    """Findings from arguments that are SQL, commands, URLs or file paths, and which kinds were analyzed."""
    out: list[Finding] = []
    kinds: set[str] = set()
    _read(call, _readers(), out, kinds)
    nested, nested_kinds = _nested(call)
    return out + nested, kinds | nested_kinds


_Reader = tuple[str, Callable[["_Call"], "list[Finding] | None"], Callable[["_Call"], bool]]


def _read(call: _Call, readers: tuple[_Reader, ...], out: list[Finding], kinds: set[str]) -> None:
    """Each reader whose gate (`mcp_gates.py`) lets the call through: its findings, and its kind
    when it read something. A gate says False only when its reader would return None."""
    for kind, fn, applies in readers:
        if applies(call):
            found = fn(call)
            if found is not None:
                kinds.add(kind)
                out.extend(found)


@functools.cache
def _readers() -> tuple[_Reader, ...]:
    """(kind, reader, gate) in the order their findings are listed."""
    from blastwall.analyze import mcp_gates as gate

    return (("sql", _sql_args, gate.sql), ("sql", _mongo_args, gate.mongo), ("sql", _cypher_args, gate.cypher),
            ("sql", _redis_args, gate.redis), ("command", _command_args, gate.command),
            ("command", _applescript_args, gate.applescript),
            ("command", _browser_code_args, gate.browser_code), ("url", _url_args, gate.url),
            ("file", _file_args, gate.file), ("file", _search_args, gate.search), ("file", _git_args, gate.git),
            ("command", _cli_args, gate.cli), ("command", _program_args, gate.program),
            ("sql", _sniffed_args, gate.sniffed), ("url", _provider_args, gate.provider),
            ("manifest", _manifest_args, gate.manifest))


def _applescript_args(call: _Call) -> list[Finding] | None:
    """An AppleScript server's code (`applescript_keys`), read as osascript -e is (analyze/applescript.py)."""
    from blastwall.analyze.applescript import applescript_findings

    if not call.named(_gs("applescript_words")):
        return None
    codes = [v for k in _g("applescript_keys") if isinstance(v := call.args.get(k), str) and v.strip()]
    return [f for code in codes for f in applescript_findings(code, call.scope.deeper(call.tool), code)] if codes else None


@functools.cache
def _nested_readers() -> tuple[_Reader, ...]:
    """The readers of an object inside the arguments (`_nested`)."""
    return tuple(r for r in _readers() if r[1] in (_sql_args, _command_args, _url_args, _file_args))


# Keys that name the tool a dispatcher tool calls (`call_tool {"name": "delete_repository",
# "arguments": {...}}`, `batch {"operations": [{"tool": ..., "args": ...}]}`), and keys of its arguments.
_DISPATCH_NAME_KEYS = ("tool", "tool_name", "toolName", "name", "function", "method_name")
_DISPATCH_ARG_KEYS = ("arguments", "args", "params", "parameters", "input")
_DISPATCH = frozenset(_DISPATCH_NAME_KEYS)


def _nested(call: _Call) -> tuple[list[Finding], set[str]]:
    """Objects inside the arguments (`{"operations": [{"sql": ...}]}`, `{"request": {"method": "DELETE",
    "url": ...}}`, `{"files": [{"path": ..., "content": ...}]}`) read as arguments of the same tool, and
    a dispatched call (`{"name": "<tool>", "arguments": {...}}`) as a call of the tool it names. Six
    levels and a few dozen such objects at most; code nested deeper than that is asked about."""
    out: list[Finding] = []
    kinds: set[str] = set()
    from blastwall.analyze.mcp_keys import canonical

    readable, dispatch = _readable_keys(), _DISPATCH
    if dispatch.isdisjoint(call.args) and not any(isinstance(v, (dict, list)) for v in call.args.values()):
        return out, kinds  # flat arguments that dispatch nothing: no object inside to read
    level: list[dict[str, Any]] = [call.args]
    read = 0
    for depth in range(_NESTED_LEVELS + 1):
        below: list[dict[str, Any]] = []
        for obj in level:
            if dispatch.intersection(obj):
                dispatched = _dispatched(call, obj)
                if dispatched:
                    out.extend(dispatched)
                    kinds.add("call")
                    continue
            if depth:
                obj = canonical(obj)
            if depth and readable.intersection(obj) and read < 40:
                read += 1
                sub = _Call(call.server, call.tool, obj, call.deeper("nested arguments"))
                hit = _selected_operation(call.tool, obj, call.server)
                if hit is not None:
                    out.append(sub.finding(hit[0], verb=hit[1]))
                _read(sub, _nested_readers(), out, kinds)
            below.extend(_inner_objects(obj))
        level = below[:400]
        if not level:
            return out, kinds
    code_keys = readable - set(_g("path_keys")) - set(_g("operation_keys"))
    if any(_deeper_than(obj, 20) or any(k in code_keys for k, _ in walk(obj)) for obj in level):
        out.append(call.finding(_row("mcp.generic:unanalyzed-exec")))
        kinds.add("command")
    return out, kinds


_NESTED_LEVELS = 6


@functools.cache
def _readable_keys() -> frozenset[str]:
    """Argument names some reader of `_content` takes: an object with none of them holds nothing to read."""
    names = ("sql_keys", "sql_list_keys", "query_keys", "command_keys", "argv_keys", "script_keys", "url_keys",
             "path_keys", "operation_keys", "stdin_keys")
    return frozenset(k for n in names for k in _g(n)) | {"paths"}


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether objects and lists nest more than `levels` deep (read without recursion)."""
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if d > levels:
            return True
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in list(v.values())[:200])
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v[:200])
    return False


def _dispatched(call: _Call, obj: dict[str, Any]) -> list[Finding]:
    """The findings of the call `obj` names (`{"name": "delete_repository", "arguments": {...}}`)."""
    name = next((obj[k] for k in _DISPATCH_NAME_KEYS if isinstance(obj.get(k), str)), None)
    inner = next((obj[k] for k in _DISPATCH_ARG_KEYS if isinstance(obj.get(k), dict)), None)
    if not name or inner is None or len(name) > 80 or name == call.tool:
        return []
    return _analyze_call(call.server, name, inner, None, call.deeper(f"calls {name}"))


def _inner_objects(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects directly inside the arguments: values that are objects, and objects in list values."""
    found: list[dict[str, Any]] = []
    for value in args.values():
        if isinstance(value, dict):
            if value:
                found.append(value)
        elif isinstance(value, list):
            found += [v for v in value[:100] if isinstance(v, dict) and v]
    return found


def _dialect(server: str) -> str | None:
    dialects: dict[str, str] = _g("dialects")
    for w in words(server):
        if w in dialects:
            return dialects[w]
    return None


def _graph(call: _Call) -> bool:
    """A graph database's tool (`neo4j`, `memgraph`, `write_neo4j_cypher`), or an argument named for
    Cypher (`cypher`, `cypherQuery`): its queries are Cypher."""
    return call.named(_gs("cypher_words")) or not _cypher_named_keys().isdisjoint(call.args)


@functools.cache
def _cypher_named_keys() -> frozenset[str]:
    return frozenset(k for k in _g("cypher_keys") if "cypher" in k.casefold())


def _cypher_args(call: _Call) -> list[Finding] | None:
    """Cypher given to a graph database's tool (`query`, `cypher`, `statement`)."""
    if not _graph(call):
        return None
    texts = [call.args[k] for k in _g("cypher_keys") if isinstance(call.args.get(k), str) and call.args[k].strip()]
    if not texts:
        return None
    from blastwall.analyze.sql import analyze_cypher

    return [f for t in texts[:50] for f in analyze_cypher(t, call.deeper("Cypher"))]


def _sql_args(call: _Call) -> list[Finding] | None:
    if _graph(call):
        return None  # Cypher, read by _cypher_args
    texts: list[str] = [call.args[k] for k in _g("sql_keys") if isinstance(call.args.get(k), str)]
    for k in _g("sql_list_keys"):
        v = call.args.get(k)
        if isinstance(v, list):
            texts += _statement_list([s for s in v if isinstance(s, str)], call)
    search = _gs("search_words") & call.tool_words
    if not search:
        texts += [call.args[k] for k in _g("query_keys") if looks_like_sql(call.args.get(k))]
    texts += _sql_commands(call)
    texts = [t for t in texts if t.strip()]
    if not texts:
        return None
    from blastwall.analyze.sql import analyze_sql

    dialect = _dialect(call.server)
    if "explain" in call.tool_words:  # explain_query {"sql": "DELETE ...", "analyze": false}: only planned
        runs = any(value_matches(call.args.get(k), True) for k in ("analyze", "analyse"))
        texts = [t if t.lstrip().lower().startswith("explain") else f"EXPLAIN {'ANALYZE ' if runs else ''}{t}"
                 for t in texts]
    out: list[Finding] = []
    for text in texts[:50]:
        out.extend(analyze_sql(text, call.deeper("SQL"), dialect=dialect))
    return out


def _sql_commands(call: _Call) -> list[str]:
    """A SQL client's tool (`pg_psql`, `mysql_exec`: a word of `sql_command_tool_words`) takes SQL,
    psql's backslash commands or sqlite3's dot commands in its `command` argument: SQL, not a shell line."""
    if not set(words(call.tool)) & set(_g("sql_command_tool_words")):
        return []
    return [v for k in _g("command_keys") if isinstance(v := call.args.get(k), str) and
            (looks_like_sql(v) or v.lstrip().startswith(("\\", ".")))]


def _statement_list(statements: list[str], call: _Call) -> list[str]:
    """A transaction tool's statements (`run_sql_transaction {"sqlStatements": [...]}`) run one after
    the other on one connection: read as one script, so `BEGIN`, a DELETE and `ROLLBACK` pair up. A
    statement whose end the join could change (a comment, an unbalanced quote, a dollar quote) keeps
    them apart, as does a tool that does not say it runs a transaction."""
    if _gs("sql_transaction_words").isdisjoint(call.tool_words) or len(statements) < 2:
        return statements
    if any(_open_ended(t) for t in statements):
        return statements
    return [";\n".join(t.strip().rstrip(";") for t in statements if t.strip())]


def _open_ended(statement: str) -> bool:
    return any(m in statement for m in ("--", "/*", "#", "$", "\\")) or statement.count("'") % 2 == 1 or \
        statement.count('"') % 2 == 1 or statement.count("`") % 2 == 1


def _mongo_args(call: _Call) -> list[Finding] | None:
    """A MongoDB server's data tool (`delete-many {collection, filter}`) as the Mongo shell call it makes."""
    import json

    method = _g("mongo_tools").get(call.tool.casefold().replace("-", "").replace("_", ""))
    if method is None:
        return None
    if call.server_words.isdisjoint(("mongo", "mongodb", "atlas")) and not any(
            isinstance(call.args.get(k), str) for k in ("collection", "collectionName", "collection_name")):
        return None  # another server's tool is a Mongo call when it names a collection (`aggregate {collection, pipeline}`)
    collection = next((call.args[k] for k in ("collection", "collectionName", "collection_name")
                       if isinstance(call.args.get(k), str)), "collection")
    filter_ = next((call.args[k] for k in ("filter", "query", "selector") if k in call.args), None)
    update = next((call.args[k] for k in ("update", "updateDoc", "replacement", "document") if k in call.args), None)
    pipeline = call.args.get("pipeline")
    if method == "renameCollection":
        target = next((call.args[k] for k in ("newName", "new_name", "to", "target") if isinstance(call.args.get(k), str)), "")
        parts = [target, any(value_matches(call.args.get(k), True) for k in ("dropTarget", "drop_target"))]
    elif method == "aggregate":
        parts = [pipeline if pipeline is not None else []]
    elif method.startswith(("drop", "dropDatabase")):
        parts = []
    else:
        parts = [filter_ if filter_ is not None else {}] + ([update] if update is not None else [])
    code = f"db.getCollection({json.dumps(collection)}).{method}({', '.join(_mongo_value(p) for p in parts)})"
    if method == "dropDatabase":
        code = "db.dropDatabase()"
    from blastwall.analyze.sql import analyze_mongo

    return analyze_mongo(code, call.deeper("MongoDB call"))


def _mongo_value(value: Any) -> str:
    """An argument as Mongo shell text: JSON, or a string that already holds a filter's text."""
    import json

    return value if isinstance(value, str) and value.strip().startswith(("{", "[")) else json.dumps(value)


def _redis_args(call: _Call) -> list[Finding] | None:
    """A Redis server's tool, as the Redis command it sends (`analyze/mcp_redis.py`)."""
    from blastwall.analyze.mcp_redis import is_redis_server, redis_argv

    if not is_redis_server(call.server_words):
        return None
    sent = redis_argv(call.tool, call.args, _g("command_keys"))
    if sent is None:
        given = [k for k in _g("command_keys") if call.args.get(k) not in (None, "", [], {})]
        return [call.finding(_row("mcp.generic:unanalyzed-exec"))] if given else None  # a command it cannot read
    from blastwall.analyze.sql import analyze_redis

    return [f for argv in sent[:50] if argv for f in analyze_redis(argv, call.deeper("Redis command"))]


def _command_args(call: _Call) -> list[Finding] | None:
    from blastwall.analyze.mcp_cli import reads_generic_command
    from blastwall.analyze.mcp_gates import cli as gate_cli
    from blastwall.analyze.mcp_redis import is_redis_server
    from blastwall.analyze.mcp_terminal import typed_lines

    if is_redis_server(call.server_words):
        return None  # its command is a Redis command (_redis_args), not a shell line
    if gate_cli(call) and reads_generic_command(call.server, call.tool, call.args):
        return []  # `run_command {"command": "plan", ...}` on a terraform server: _cli_args reads the command line
    if gate_cells(call):
        return _cell_args(call)  # a notebook cell: IPython
    from blastwall.analyze.http.checks import unwrap_argv

    commands: list[str] = []
    sql = _sql_commands(call)  # SQL given to a SQL client's tool: read by _sql_args
    argv = _argv_list(call)
    for k in _g("command_keys"):
        v = call.args.get(k)
        if isinstance(v, str) and v.strip() and v not in sql:
            # a program and its argument list (`{"command": "bash", "args": ["-c", "..."]}`) is the command
            # line `command args...`, each argument quoted
            commands.append(f"{v} {shlex.join(argv)}" if argv else v)
        elif isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            # a list of whole command lines (`call_aws` takes a batch) or one argv
            commands.extend(v if " " in v[0].strip() else [unwrap_argv(v)])
    for k in _g("argv_keys"):
        v = call.args.get(k)
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v) and call.tool_words & _gs("exec_verbs"):
            commands.append(unwrap_argv(v))  # also alone: a tool may run its argv without the command
    commands += typed_lines(call.server, call.tool, call.args, _g("command_keys"))
    out: list[Finding] = []
    script = next((call.args[k] for k in _g("script_keys") if isinstance(call.args.get(k), str)), None)
    interpreter = call.args.get("interpreter") or call.args.get("language") or call.args.get("runtime")
    if script and (interpreter or call.tool_words & _gs("exec_verbs") or "script" in call.tool_words):
        wrapped = _wrap_script(str(interpreter or "sh"), script)
        if wrapped is None:
            out.append(call.finding(_row("mcp.generic:unknown-interpreter"), interpreter=str(interpreter)[:40]))
        else:
            commands.append(wrapped)
    if not commands and not out:
        return None
    stdin = next((call.args[k] for k in _g("stdin_keys") if isinstance(call.args.get(k), str)), None)
    if stdin is not None and stdin.strip():
        commands = [_with_stdin(c, stdin) for c in commands]
    from blastwall.analyze.shell import analyze_command

    tool = call.tool_words
    if {"powershell", "pwsh"} & tool or {"power", "shell"} <= tool:  # a PowerShell tool's command is PowerShell
        commands = [shlex.join(["pwsh", "-Command", c]) for c in commands]
    for text in commands[:20]:
        out.extend(analyze_command(text, call.deeper("command")))
    return out


def _argv_list(call: _Call) -> list[str] | None:
    """The first argument list of `argv_keys` (`{"args": ["-c", "..."]}`), when one is given."""
    for k in _g("argv_keys"):
        v = call.args.get(k)
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            return v
    return None


def _cell_args(call: _Call) -> list[Finding]:
    """A notebook cell a tool runs (`mcp_cells.py`, gated by `mcp_gates.cells`): its Python, shell
    lines and magics, judged as the shell judges them; a cell blastwall cannot read is asked about."""
    from blastwall.analyze.mcp_cells import cell_code, cell_commands

    source = cell_code(call.args)
    commands = None if source is None else cell_commands(source)
    if commands is None or len(commands) > 20:  # a magic it does not know, or more than it reads
        return [call.finding(_row("mcp.generic:unanalyzed-exec"))]
    from blastwall.analyze.shell import analyze_command

    out: list[Finding] = []
    for text in commands:
        out.extend(analyze_command(text, call.deeper("command")))
    return out


def gate_cells(call: _Call) -> bool:
    from blastwall.analyze.mcp_gates import cells

    return cells(call)


def _with_stdin(command: str, stdin: str) -> str:
    """`command` reading `stdin` as a quoted here-document (`bash <<'X' ... X`), so the shell analyzer
    reads the text as the program's input: a shell's script, a client's SQL, an interpreter's code."""
    lines = set(stdin.splitlines())
    delimiter = next(d for d in (f"BLASTWALL_STDIN_{i}" for i in range(len(lines) + 1)) if d not in lines)
    return f"{command} <<'{delimiter}'\n{stdin}\n{delimiter}"


def _wrap_script(interpreter: str, script: str) -> str | None:
    """The shell command that runs `script` with `interpreter`, or None for an unknown one."""
    from blastwall.analyze.http.sniff import setting

    name = interpreter.strip().rsplit("/", 1)[-1].lower()
    if name in setting("shells", []) or name in ("shell", "bash", "sh"):
        return script
    flags: dict[str, str] = _g("interpreter_flags")
    base = name.rstrip("0123456789.") if name not in flags else name
    flag = flags.get(name) or flags.get(base) or {"javascript": "-e", "js": "-e", "py": "-c"}.get(name)
    if flag is None:
        return None
    program = {"javascript": "node", "js": "node", "py": "python3"}.get(name, name)
    return shlex.join([program, flag, script])


def _url_args(call: _Call) -> list[Finding] | None:
    url = next((call.args[k] for k in _g("url_keys") if isinstance(call.args.get(k), str)), None)
    if not url or not url.strip() or url.strip().startswith(("file:", "data:", "about:", "javascript:")):
        return None
    from blastwall.analyze.http import analyze_request

    # fetch's options object (`{"url": ..., "options": {"method": "DELETE", "headers": ..., "body": ...}}`)
    parts = [call.args] + [v for v in call.args.values() if isinstance(v, dict)]
    method = next((p["method"] for p in parts if isinstance(p.get("method"), str) and p["method"].strip().isalpha()),
                  "GET").strip()
    headers = next((p["headers"] for p in parts if isinstance(p.get("headers"), dict)), None)
    body = next((p["body"] for p in parts if p.get("body") is not None), None)
    return analyze_request(method, url, headers, body, call.deeper("request"))


def _file_args(call: _Call) -> list[Finding] | None:
    """Local filesystem tools: writes, edits, moves, deletes and reads of `path`-like arguments."""
    if not _gs("remote_keys").isdisjoint(call.args):
        return None
    ws = call.tool_words
    path = next((call.args[k] for k in _g("path_keys") if isinstance(call.args.get(k), str)), None)
    paths = [p for p in call.args.get("paths", []) if isinstance(p, str)] if isinstance(call.args.get("paths"),
                                                                                         list) else []
    from blastwall.analyze import files

    if ws & {"copy", "cp", "duplicate"}:  # the copy holds what the source holds
        src = next((call.args[k] for k in _g("source_keys") if isinstance(call.args.get(k), str)), path)
        dst = next((call.args[k] for k in _g("dest_keys") if isinstance(call.args.get(k), str)), None)
        out = files.analyze_write(dst, None, call.deeper("copy")) if dst else []
        return out + (files.analyze_read(src, call.deeper("copy"), verb=f"{call.tool} copies") if src else [])
    if ws & {"move", "rename", "mv"}:
        src = next((call.args[k] for k in _g("source_keys") if isinstance(call.args.get(k), str)), path)
        dst = next((call.args[k] for k in _g("dest_keys") if isinstance(call.args.get(k), str)), None)
        fresh = dst is not None and files.new_here(dst, call.scope)  # nothing is there to be overwritten
        out = files.analyze_write(dst, None, call.deeper("move"), known_new=fresh) if dst else []
        away = _where(call, dst).kind if dst is not None else ""
        if src and fresh and away not in _MOVED_AWAY and files.creatable(_where(call, src)):
            return out + files.guard_findings(src, call.scope, removes=True)  # the move keeps what it moves
        if src:
            op = "overwrite" if away not in _MOVED_AWAY else "delete_recursive" if away == "null" else "delete"
            out += _path_op(call, src, op, "mcp.filesystem:move" if op == "overwrite" else
                            "mcp.filesystem:move-into-output" if away == "regenerable" else "mcp.filesystem:move-away")
        return out
    uploads = _uploads_here(call)  # a filesystem server's upload puts the file at its destination
    if uploads:
        path = next((call.args[k] for k in _g("dest_keys") if isinstance(call.args.get(k), str)), path)
    mapped = _path_contents(call.args)
    if path is None and not paths and not mapped:
        return None
    if ws & {"delete", "remove", "rm", "unlink", "trash"}:
        if not call.named(_gs("file_words")):
            return None  # `vault delete_secret {path}`: not a file here; the name rule decides
        if call.server and _gs("file_words").isdisjoint(call.server_words) and not all(
                p.startswith(("/", "~", "$")) or _windows_path(p) for p in [path, *paths] if p):
            return None  # obsidian_delete_file {"filepath": "Journal/2024"}: the server's own store, not the project
        recursive = any(value_matches(call.args.get(k), True) for k in ("recursive", "force")) or "directory" in ws
        return [f for p in [path, *paths] if p for f in _path_op(call, p, "delete_recursive" if recursive else "delete",
                                                                   "mcp.filesystem:delete")]
    if mapped:  # write_multiple_files {"files": {path: content}}: each path is written like write_file
        return [f for p, text in mapped for f in _file_args(_Call(call.server, "write_file",
                                                                   {"path": p, "content": text}, call.scope)) or []]
    content = next((call.args[k] for k in _g("content_keys") if k in call.args), None)
    ws = ws | _written_words(call) | ({"write"} if uploads else set())
    if ws & {"write", "edit", "create", "append", "save", "put", "replace", "patch", "overwrite", "insert", "update",
             "str", "multi"} and (content is not None or ws & {"write", "edit"}):
        edits = call.args.get("edits") if isinstance(call.args.get("edits"), list) and not value_matches(
            call.args.get("dryRun"), True) else None
        old = next((call.args[k] for k in ("old_str", "old_string", "oldText", "old_text") if isinstance(call.args.get(k), str)), None)
        if edits is None and old is not None and isinstance(content, str):
            edits = [{"old": old, "new": content}]  # str_replace-style tools: one replacement
        creates = not ws & set(_g("edit_words"))  # an edit changes a file that must be there
        partial = not creates and not ws & {"write", "create", "save", "put", "overwrite"}  # new text for part of it
        shown = edits is None and not creates  # a dry run still answers with the changed lines around the edit
        return [f for p in [path, *paths] if p
                for f in files.analyze_write(p, content, call.deeper("write"), edits=edits, may_create=creates,
                                             append="append" in ws or _appends(call.args), partial=partial,
                                             known_new=creates and files.new_here(p, call.scope))
                + (files.shown_by_edit(p, call.deeper("edit")) if shown else [])]
    if ws & {"read", "get", "view", "cat", "head", "tail", "open", "download", "show"}:
        return [f for p in [path, *paths] if p for f in files.analyze_read(p, call.deeper("read"))]
    return None


def _path_contents(args: dict[str, Any]) -> list[tuple[str, Any]]:
    """Files given as a map of path to content (`{"files": {"a.txt": "..."}}`), at most 100."""
    value = args.get("files")
    if not isinstance(value, dict):
        return []
    return [(p, text) for p, text in list(value.items())[:100] if isinstance(p, str) and p.strip()]


def _written_words(call: _Call) -> set[str]:
    """The words of what a multi-purpose file tool is told to do (`fs {"action": "write"}`), unless
    one of them is a destructive operation: the name rules judge that (`_selected_operation`)."""
    named = _operations_named(call.args)
    if not named or _selected_operation(call.tool, call.args, call.server) is not None:
        return set()
    return {w for v in named for w in words(v)}


def _uploads_here(call: _Call) -> bool:
    """An upload tool of a filesystem server (`filesystem upload_file {path, content}`) writes a local
    file; another server's upload (`slack upload_file {filename, content}`) sends it away."""
    return "upload" in call.tool_words and not _gs("file_words").isdisjoint(call.server_words)


def _appends(args: dict[str, Any]) -> bool:
    """A write tool told to add to the end of the file (desktop-commander `"mode": "append"`,
    `"append": true`): what the file holds stays."""
    mode = args.get("mode")
    return (isinstance(mode, str) and mode.strip().lower() in ("append", "a")) or args.get("append") is True


def _windows_path(path: str) -> bool:
    return len(path) > 2 and path[1] == ":" and path[0].isalpha() or path.startswith(("\\\\", "%"))


def _shown_by_dry_run(call: _Call) -> list[Finding]:
    if _gs("edit_words").isdisjoint(call.tool_words) or not _gs("remote_keys").isdisjoint(call.args):
        return []
    from blastwall.analyze import files

    path = next((call.args[k] for k in _g("path_keys") if isinstance(call.args.get(k), str)), None)
    return files.shown_by_edit(path, call.deeper("edit")) if path else []


def _search_args(call: _Call) -> list[Finding] | None:
    """A content search of local files (`search_code`, `search_for_pattern`): checked as the
    ripgrep command it amounts to (every file, hidden and ignored ones too), so the pattern decides
    which credential lines it can print."""
    ws = call.tool_words
    if ws.isdisjoint(("search", "grep", "find")) or _gs("search_words_content").isdisjoint(ws) or not _gs(
            "search_words_names").isdisjoint(ws) or not _gs("remote_keys").isdisjoint(call.args):
        return None
    pattern = next((call.args[k] for k in _g("pattern_keys") if isinstance(call.args.get(k), str)), None)
    if pattern is None:
        return None
    where = next((call.args[k] for k in _g("search_path_keys") if isinstance(call.args.get(k), str)
                  and call.args[k].strip()), ".")
    flags = ["-i"] if value_matches(call.args.get("ignoreCase"), True) or value_matches(
        call.args.get("caseSensitive"), False) or value_matches(call.args.get("case_sensitive"), False) else []
    context = [call.args.get(k) for k in ("contextLines", "context_lines", "context_lines_before",
                                          "context_lines_after", "context") if isinstance(call.args.get(k), int)]
    if context:
        flags += ["-C", str(max(context))]
    from blastwall.analyze.shell import analyze_command

    command = shlex.join(["rg", "-uu", *flags, "-e", pattern, "--", where])
    return analyze_command(command, call.deeper("search"))


def _manifest_args(call: _Call) -> list[Finding] | None:
    """A Kubernetes tool given a manifest (`kubernetes apply {"manifest": "..."}`, `kubectl_replace`):
    the objects it names, as the apply or replace changes them (analyze/k8s_manifests.py)."""
    from blastwall.analyze.k8s_manifests import key_set, looks_like_manifest, manifest_findings, table

    t = table()
    ws = call.tool_words
    named = ws | call.server_words | {p for n in (call.server, call.tool) for p in
                                      n.casefold().replace("-", "_").replace(".", "_").split("_")}  # k8s-prod
    if key_set("k8s_words").isdisjoint(named) or ws & _not_applying():
        return None
    manifests = [call.args[k] for k in t["manifest_keys"] if looks_like_manifest(call.args.get(k))]
    if not manifests:
        return None
    replaces = bool(ws & set(t["replace_words"])) or any(value_matches(call.args.get(k), True) for k in _FORCE_KEYS)
    source = f"{call.server} {call.tool}"
    return [f for m in manifests for f in manifest_findings(m, replaces=replaces, source=source,
                                                             scope=call.deeper("manifest"))]


@functools.cache
def _not_applying() -> frozenset[str]:
    return _gs("read_verbs") - {"apply"}


def _program_args(call: _Call) -> list[Finding] | None:
    """A tool that runs a program blastwall knows (`kubectl {"args": [...]}`, `git_push {"force": true}`):
    the command line it runs (mcp_programs.py)."""
    if _git_args_template(call) is not None or is_redis_call(call):
        return None
    from blastwall.analyze.mcp_programs import program_findings

    return program_findings(call.server, call.tool, call.args, call.scope, f"mcp tool {call.tool}")


def _sniffed_args(call: _Call) -> list[Finding] | None:
    """String arguments that are SQL, shell or Redis commands whatever their key (mcp_programs.py)."""
    if _graph(call):
        return None
    from blastwall.analyze.mcp_programs import sniffed_findings

    return sniffed_findings(call.server, call.tool, call.args, call.scope, _dialect(call.server), f"mcp tool {call.tool}")


def _provider_args(call: _Call) -> list[Finding] | None:
    """A provider's server sending a method and path, or a GraphQL mutation (mcp_requests.py)."""
    from blastwall.analyze.mcp_requests import provider_findings

    return provider_findings(call.server, call.tool, call.args, call.scope)


def _git_args_template(call: _Call) -> list[str] | None:
    return _g("git_tools").get(call.tool)


def is_redis_call(call: _Call) -> bool:
    from blastwall.analyze.mcp_redis import is_redis_server

    return is_redis_server(call.server_words)


def _cli_args(call: _Call) -> list[Finding] | None:
    """Infrastructure CLIs' tools (`terraform_apply`): the command line they run (mcp_cli.py)."""
    from blastwall.analyze.mcp_cli import cli_tool_findings

    return cli_tool_findings(call.server, call.tool, call.args, call.scope)


def _git_args(call: _Call) -> list[Finding] | None:
    """Git servers' tools (`git_show`, `git_diff`): the git command they run, in `repo_path`."""
    template = _g("git_tools").get(call.tool)
    if template is None:
        return None
    argv = ["git"]
    for part in template:
        if part.startswith("{") and part.endswith("}") and "?" in part:  # `{dryRun?-n}`: the option when true
            name, flag = part[1:-1].split("?", 1)
            if value_matches(call.args.get(name), True):
                argv.append(flag)
        elif part.startswith("{") and part.endswith("...}"):
            value = call.args.get(part[1:-4])
            argv += [str(v) for v in value] if isinstance(value, list) else []
        elif part.startswith("{") and part.endswith("}"):
            value = call.args.get(part[1:-1])
            if value is not None:
                argv.append(str(value))
        else:
            argv.append(part)
    repo = call.args.get("repo_path") or call.args.get("repoPath") or call.args.get("repository_path")
    if not repo and not any(p.strip("{}.").split("?")[0] == "path" for p in template):
        repo = call.args.get("path")  # the repository, for a tool whose template names no file `path`
    scope = call.deeper("git")
    if isinstance(repo, str) and repo.strip():
        scope = scope._replace(cwd=repo if repo.startswith("/") or not scope.cwd else posixpath.join(scope.cwd, repo))
    from blastwall.analyze.shell import analyze_command

    return analyze_command(shlex.join(argv), scope)


# Where a moved file does not stay: a temp folder (the system clears it) or a null device.
_AWAY = frozenset({"null", "temp", "temp_top"})
# ...and build output or a cache (build/, dist/, ~/.cache/): cleaning deletes what is moved there without asking.
_MOVED_AWAY = _AWAY | {"regenerable"}


def _where(call: _Call, path: str, *, write: bool = False) -> Any:
    """The class of a path a filesystem tool names: inside the project the working directory is
    in (its git work tree), or, without one, under the top-level folder it names (`/workspace/app`)."""
    from blastwall.analyze.files import guess_root, project_root
    from blastwall.analyze.paths import classify

    root = project_root(call.scope)
    cwd = call.scope.cwd
    seen = path if root == cwd or path.startswith(("/", "~", "$")) or not cwd else posixpath.join(cwd, path)
    return classify(seen, root or guess_root(path, home=write))._replace(path=path)


def _path_op(call: _Call, path: str, op: str, rule_id: str) -> list[Finding]:
    from blastwall.analyze.files import guard_findings

    guarded = guard_findings(path, call.scope, removes=op.startswith("delete"))  # blastwall's files, hook settings
    if guarded:
        return guarded
    pc = _where(call, path, write=op == "overwrite")
    if op == "delete" and call.scope.read_files and _is_folder(path, call.scope.cwd):
        op = "delete_recursive"
    sev = pc.severity(op)  # type: ignore[arg-type]
    if sev is Severity.NONE:
        return []
    return [call.finding(_row(rule_id), severity=sev, what=path[:160], label=pc.label)]


def _is_folder(path: str, cwd: str | None) -> bool:
    import os

    full = path if path.startswith("/") else os.path.join(cwd, path) if cwd else ""
    try:
        return bool(full) and os.path.isdir(full) and not os.path.islink(full)
    except (OSError, ValueError):
        return False
