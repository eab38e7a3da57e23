"""What an MCP or HTTP line costs, in work done, not in time: the readers and parsers an ordinary
line never reaches, a bound on the function calls it takes, and the proof that every gate in
front of a reader skips only calls the reader finds nothing in.

The bounds are about 25% above what an ordinary line takes today. A change that adds work to
every line fails here with the functions it calls most; raise the bound only for work every
line needs (and say why in the commit). Time figures are in bench/, not here.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze import mcp, mcp_gates
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.batch import answer_line
from blastwall.policy.engine import default_policy

POLICY = default_policy()


# ---- the work an ordinary line does -------------------------------------------------------------

def _line(kind: str, payload: Any) -> str:
    return json.dumps({"id": "cost", "kind": kind, "input": payload})


def _profile(line: str) -> tuple[int, Counter[str], set[str]]:
    """(function calls, calls by function, the functions called) of one batch line, warm."""
    for _ in range(2):
        answer_line(line, 1, POLICY)  # tables, caches of names and imports paid first
    prof = cProfile.Profile()
    prof.enable()
    answer_line(line, 1, POLICY)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    by: Counter[str] = Counter()
    for (path, _, name), (_, calls, *_rest) in stats.items():
        by[f"{path.rsplit('/src/', 1)[-1]}:{name}"] += calls
    return sum(by.values()), by, set(by)


def _reached(called: set[str], part: str) -> list[str]:
    return sorted(f for f in called if part in f)


# Calls no reader of code can apply to: no SQL, command, program, URL or manifest argument, a
# name no program, CLI, provider, Redis or graph server has.
ORDINARY_MCP = [
    {"server": "linear", "tool": "list_issues", "arguments": {"team": "ENG", "state": "open", "limit": 20}},
    {"server": "slack", "tool": "post_message", "arguments": {"channel": "C123", "text": "deploy finished"}},
    {"server": "notion", "tool": "get_page", "arguments": {"page_id": "a1b2c3"}},
    {"server": "memory", "tool": "create_entities",
     "arguments": {"entities": [{"name": "svc", "entityType": "service", "observations": ["runs on k8s"]}]}},
    {"server": "filesystem", "tool": "read_file", "arguments": {"path": "README.md"}},
    {"server": "filesystem", "tool": "list_directory", "arguments": {"path": "src"}},
]
# What one of them may take, in function calls, with everything warm (measured: 263-416 a line).
MCP_CALLS_BOUND = 520

# Parts of blastwall and libraries an ordinary call never needs.
NEVER_FOR_ORDINARY_MCP = ("sqlglot", "pglast", "graphql", "analyze/sql/", "analyze/shell/", "analyze/mcp.py:_sql_args",
                          "analyze/mcp.py:_command_args", "analyze/mcp.py:_program_args", "analyze/mcp.py:_cli_args",
                          "analyze/mcp.py:_mongo_args", "analyze/mcp.py:_manifest_args", "analyze/mcp.py:_url_args",
                          "analyze/mcp_programs.py:program_argv", "analyze/mcp_cli.py:command_line",
                          "analyze/mcp_requests.py:provider_requests", "analyze/mcp_chain.py:_network", "analyze/k8s_manifests.py:_objects",
                          "analyze/queues.py:consumed", "analyze/queues.py:_pairs", "analyze/http/request.py:walk")


@pytest.mark.parametrize("payload", ORDINARY_MCP, ids=lambda p: f"{p['server']}.{p['tool']}")
def test_an_ordinary_mcp_call_meets_no_reader_of_code(payload: dict[str, Any]) -> None:
    _, _, called = _profile(_line("mcp", payload))
    reached = [f for part in NEVER_FOR_ORDINARY_MCP for f in _reached(called, part)]
    assert not reached, f"{payload['server']} {payload['tool']} reached {reached}"


@pytest.mark.parametrize("payload", ORDINARY_MCP, ids=lambda p: f"{p['server']}.{p['tool']}")
def test_an_ordinary_mcp_call_stays_within_its_function_calls(payload: dict[str, Any]) -> None:
    total, by, _ = _profile(_line("mcp", payload))
    assert total <= MCP_CALLS_BOUND, (f"{payload['server']} {payload['tool']}: {total} function calls (bound "
                                      f"{MCP_CALLS_BOUND}); the most called: {by.most_common(12)}")


def test_a_read_tool_call_meets_only_the_file_reader() -> None:
    _, _, called = _profile(_line("mcp", {"server": "filesystem", "tool": "read_file", "arguments": {"path": "a.txt"}}))
    readers = {f.rsplit(":", 1)[-1] for f in called if f.startswith("blastwall/analyze/mcp.py:_")
               and f.endswith("_args")}
    assert readers <= {"_file_args", "_sniffed_args"}, readers


# ---- every gate skips only what its reader finds nothing in --------------------------------------

def _generic(key: str) -> Any:
    return load_table("mcp")["generic"][key]


# Generated calls aim at one reader at a time: names from the words its gate and its reader look
# for, arguments named as it reads them (each list of names as likely as another), mixed with
# words and names of the others and of none, so each gate meets calls on both sides of its line.
def _g(*names: str) -> list[str]:
    g = _generic
    return [w for n in names for w in (g(n) if not n.startswith(".") else load_table("mcp")[n[1:].split(".")[0]][
        n.split(".")[-1]])]


def _cli(key: str) -> list[str]:
    value = _generic("cli_tools")[key]
    return list(value)


def _k8s(key: str) -> list[str]:
    return list(load_table("k8s_manifests")[key])


PROGRAMS = ["git", "kubectl", "helm", "aws", "gh", "docker", "psql", "rm", "terraform", "python3", "bash", "node",
            "redis-cli", "gcloud", "az", "npm"]
# name words, then argument-name lists, of each reader's calls
PROFILES: dict[str, tuple[list[str], list[list[str]]]] = {
    "sql": (list(_generic("dialects")) + _g("sql_transaction_words", "search_words", "sql_command_tool_words") +
            ["execute", "sql", "explain"],
            [_g("sql_keys"), _g("sql_list_keys"), _g("query_keys"), _g("command_keys"), ["analyze"]]),
    "mongo": (["mongo", "mongodb", "atlas", "mongo-mcp"] + list(_generic("mongo_tools")) + ["delete-many", "find"],
              [["collection", "collectionName"], ["filter", "query", "update", "pipeline", "newName", "dropTarget"]]),
    "cypher": (_g("cypher_words") + ["run", "read", "write"], [_g("cypher_keys")]),
    "redis": (_g("redis_words") + ["rename", "expire", "copy", "del", "execute", "command"],
              [_g("command_keys"), ["args", "key", "keys"]]),
    "command": (_g("exec_verbs", ".terminal.typing_verbs", ".terminal.terminal_words")
                + ["powershell", "pwsh", "power", "script", "file"],
                [_g("command_keys"), _g("argv_keys"), _g("script_keys"), _g("stdin_keys"), _g(".terminal.text_keys"),
                 ["interpreter", "language", "runtime"]]),
    "browser_code": (_g("browser_words") + ["evaluate", "run", "eval"], [_g("browser_code_keys")]),
    "url": (["fetch", "http", "request", "browser", "navigate"],
            [_g("url_keys"), ["method", "headers", "body", "options"]]),
    "file": (_g("file_words", "edit_words") + ["copy", "cp", "move", "rename", "mv", "read", "write", "delete", "remove",
                                               "upload", "duplicate", "create", "view"],
             [_g("path_keys"), _g("dest_keys"), _g("source_keys"), _g("content_keys"), _g("remote_keys"),
              ["paths", "files", "recursive", "force", "mode", "append"]]),
    "search": (["search", "grep", "find"] + _g("search_words_content", "search_words_names"),
               [_g("pattern_keys"), _g("search_path_keys"), _g("remote_keys")]),
    "git": (list(_generic("git_tools")) + ["git"], [["repo_path", "repoPath", "path", "target", "files", "dryRun"]]),
    "cli": (_cli("programs") + _cli("run_servers") + _cli("subcommands") + _cli("run_tools") + _cli("confirm_tools"),
            [list(_cli("flags")), list(_cli("values")), _cli("positionals"), _cli("dir_keys"), _cli("run_type_keys")]),
    "program": (PROGRAMS + _g("launched_programs", "program_servers", "program_filler_words", "program_runner_words",
                              "program_shell_tool_words"),
                [_g("program_keys"), _g("program_string_keys"), _g("program_list_keys"), _g("program_positionals"),
                 _g("program_service_keys"), _g("program_operation_keys"), _g("program_dir_keys")]),
    "sniffed": (_g("prose_tool_words")[:10] + ["run", "do", "tool", "x"], [_g("content_keys"), ["input", "x", "body"]]),
    "provider": (list(_generic("provider_apis")) + ["api", "graphql", "request"],
                 [["method", "http_method", "httpMethod", "verb"],
                  ["path", "endpoint", "route", "url_path", "api_path"], ["body", "data", "query", "variables"]]),
    "manifest": (_k8s("k8s_words") + _k8s("replace_words") + ["apply", "create", "get", "list"],
                 [_k8s("manifest_keys"), ["force", "namespace"]]),
}
# strings each reader's calls carry (the others' and none come from STRINGS)
VALUES: dict[str, list[Any]] = {
    "sql": ["DELETE FROM t", "UPDATE t SET a = 1", "BEGIN", "ROLLBACK", ["DELETE FROM t", "COMMIT"]],
    "mongo": [{}, {"a": 1}, [{"$out": "x"}], "{\"a\": 1}", "users"],
    "cypher": ["MATCH (n) DETACH DELETE n", "RETURN 1"],
    "redis": ["FLUSHALL", "DEL k", "SET a 1", ["FLUSHDB"], ["SET a 1", "FLUSHALL"], "k"],
    "command": ["rm -rf build", "bash", "python3", "print(1)", "ls", "rm -rf / Enter", ["rm", "-rf", "x"], ["C-c"],
                "sh"],
    "browser_code": ["() => fetch('/x', {method: 'DELETE'})", "document.querySelector('.delete').click()"],
    "url": ["https://api.example.com/x", "DELETE", "file:///etc/passwd", {"method": "DELETE"}],
    "file": ["/tmp/x", "src/a.py", "~/.ssh/id_rsa", ["/tmp/a", "b.txt"], {"a.txt": "x"}, "append", True],
    "search": ["TOKEN", "password", ".", "src"],
    "git": ["/tmp/repo", "main", ["a.txt"], True],
    "cli": [True, "destroy", "plan", "module.x", "/tmp/tf", "refresh"],
    "program": PROGRAMS + ["push --force", "delete ns prod", ["delete", "ns", "prod"], ["push", "--force"], "s3",
                           "DeleteBucket", True, "origin", "main"],
    "sniffed": ["DROP TABLE users", "rm -rf build", "kubectl delete ns prod", "hello world"],
    "provider": ["DELETE", "GET", "POST", "/repos/o/r", "v1/things/1", "mutation { volumeDelete(id: 1) }",
                 "query { me { id } }", "# delete it\nmutation { volumeDelete(id: 1) }", "mutation{volumeDelete(id: 1)}"],
    "manifest": ["kind: Pod\napiVersion: v1\nmetadata: {name: x}", "$patch: delete", {"kind": "Pod", "apiVersion": "v1"},
                 [{"kind": "PersistentVolumeClaim", "apiVersion": "v1"}], "replicas: 0", True],
}
ALL_WORDS = sorted({w for words, _ in PROFILES.values() for w in words} | {"list", "get", "x", "mcp", "server"})
ALL_KEY_LISTS = [keys for _, lists in PROFILES.values() for keys in lists]
SPECIAL_TOOLS = sorted({"delete-many", "drop_collection", "create_run", "apply_run", "send_keys", "browser_evaluate",
                        "search_code", "search_for_pattern", "terraform_apply", "kubectl_apply", "call_aws", "kubectl",
                        "write_query", "Bash", "execute_sql", "write_neo4j_cypher", "text_editor", "str_replace_editor"})
STRINGS = ["DROP TABLE users", "delete from t", "SELECT 1", "rm -rf build", "ls -la", "git push --force origin main",
           "FLUSHALL", "DEL k", "https://api.example.com/v1/x", "/tmp/x", "src/app.py", "~/.ssh/id_rsa",
           "kind: Pod\napiVersion: v1\nmetadata: {name: x}", "mutation { volumeDelete(id: 1) }", "", "  ", "python3",
           "bash", "node", "git", "kubectl", "delete", "hard", "x", "MATCH (n) DETACH DELETE n", "Enter", "C-c", "s3",
           "DeleteBucket", "DELETE", "GET", "post", "/repos/o/r", "push --force", "kubectl delete ns prod", "TOKEN",
           "destroy", "plan", "write", "rm -rf / Enter", "() => document.querySelector('button.delete').click()"]


_ALL_KEYS = sorted({k for ks in ALL_KEY_LISTS for k in ks})
_ODD = ["", " ", "x", "Ünï", "a.b", "0", "__", "mcp__srv__tool"]


def _name(rng: random.Random, words: list[str]) -> str:
    pick = rng.random()
    if pick < 0.08:
        return rng.choice(SPECIAL_TOOLS)
    if pick < 0.12:
        return rng.choice(_ODD)
    ws = [rng.choice(words if rng.random() < 0.7 else ALL_WORDS) for _ in range(rng.randint(1, 3))]
    return rng.choice(["_".join(ws), "-".join(ws), ws[0] + "".join(w.title() for w in ws[1:]), f"mcp-server-{ws[0]}"])


def _value(rng: random.Random, own: list[Any], depth: int = 0) -> Any:
    pick = rng.random()
    if pick < 0.35:
        return rng.choice(own)
    if pick < 0.6:
        return rng.choice(STRINGS)
    if pick < 0.72:
        return rng.choice([True, False, 0, 1, -1, None, 2.5])
    if pick < 0.8:
        return [rng.choice(STRINGS + ["delete", "ns", "prod", "-rf"]) for _ in range(rng.randint(1, 4))]
    if depth >= 2:
        return rng.choice(_ODD)
    if pick < 0.9:
        return [_value(rng, own, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(_ALL_KEYS): _value(rng, own, depth + 1) for _ in range(rng.randint(0, 3))}


def random_call(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """(server, tool, arguments) aimed at one reader's profile: its words, its argument names (each
    list of names as likely as another) and its strings, mixed with the others' and with none."""
    profile = rng.choice(sorted(PROFILES))
    words, key_lists = PROFILES[profile]
    args: dict[str, Any] = {}
    for _ in range(rng.randint(0, 5)):
        pick = rng.random()
        key = (rng.choice(rng.choice(key_lists)) if pick < 0.6 else rng.choice(rng.choice(ALL_KEY_LISTS))
               if pick < 0.9 else rng.choice(_ODD))
        args[key] = _value(rng, VALUES[profile])
    return _name(rng, words), _name(rng, words), args


SCOPE = Scope(read_files=False, probe=False)  # each reader's time budget starts when it reads


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_a_closed_gate_means_its_reader_finds_nothing(seed: int) -> None:
    """50 generated calls a seed: every reader whose gate is closed returns None."""
    rng = random.Random(seed)
    for _ in range(50):
        server, tool, args = random_call(rng)
        call = mcp._Call(server, tool, args, SCOPE)
        for kind, reader, gate in mcp._readers():
            if not gate(call):
                assert reader(call) is None, (kind, reader.__name__, server, tool, args)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_the_gated_content_is_every_readers_content(seed: int) -> None:
    """`_content` with its gates against every reader called, as before the gates."""
    server, tool, args = random_call(random.Random(seed))
    call = mcp._Call(server, tool, args, SCOPE)
    out: list[Any] = []
    kinds: set[str] = set()
    for kind, reader, _ in mcp._readers():
        found = reader(call)
        if found is not None:
            kinds.add(kind)
            out.extend(found)
    gated_out, gated_kinds = mcp._content(call)
    nested, nested_kinds = mcp._nested(call)
    assert (gated_out, gated_kinds) == (out + nested, kinds | nested_kinds)


# ---- the indexes over the rule rows ----------------------------------------------------------------

def _row_names(field: str) -> list[str]:
    rows = load_table("mcp")["rule"]
    return sorted({g.replace("*", w) for r in rows for g in r.get(field, []) for w in ("", "x", "volume")})


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.sampled_from(_row_names("server")), st.builds(lambda seed: _name(random.Random(seed), ALL_WORDS), st.integers(0, 2**32))), st.one_of(st.sampled_from(_row_names("tool")), st.builds(lambda seed: _name(random.Random(seed), ALL_WORDS), st.integers(0, 2**32))),
       st.dictionaries(st.sampled_from(["replicas", "force", "mode", "hard", "force_with_lease", "branch", "method",
                                        "deleted", "command", "dryRun", "x"]),
                       st.one_of(st.sampled_from(["hard", "main", "feature/x", "flushall", "cancel_workflow_run", "0",
                                                  "true"]), st.booleans(), st.integers(0, 2)), max_size=3))
def test_the_catalog_index_finds_the_rows_the_scan_finds(server: str, tool: str, args: dict[str, Any]) -> None:
    from blastwall.analyze import globs

    s, t = server.casefold(), tool.casefold()
    expected = next((row for row in mcp._rows() if "tool" in row
                     and any(globs.match(s, g.casefold()) for g in row.get("server", ["*"]))
                     and any(globs.match(t, g.casefold()) for g in row["tool"]) and mcp._conditions(row, args)), None)
    assert mcp._catalog_row(server, tool, args) is expected


def _name_rule_scan(tool: str, server: str) -> Any:
    from blastwall.analyze.http.sniff import words

    ws = words(tool)
    if len(ws) > 2 and ws[0] in words(server):
        ws = ws[1:]
    if not ws:
        return None
    for row in mcp._rows():
        verbs = row.get("verbs")
        if verbs and (ws[0] in verbs or ws[-1] in verbs):
            return row, ws[0] if ws[0] in verbs else ws[-1]
    return mcp._verb_inside(ws)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.builds(lambda seed: _name(random.Random(seed), ALL_WORDS), st.integers(0, 2**32)), st.lists(st.sampled_from(sorted({v for r in load_table("mcp")["rule"]
                                                             for v in r.get("verbs", [])} | set(ALL_WORDS))),
                                    min_size=1, max_size=3).map("_".join)), st.builds(lambda seed: _name(random.Random(seed), ALL_WORDS), st.integers(0, 2**32)))
def test_the_verb_index_finds_the_rule_the_scan_finds(tool: str, server: str) -> None:
    assert mcp._name_rule(tool, server) == _name_rule_scan(tool, server)


# ---- the queue reader's gate ----------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_a_queue_read_without_its_flags_removes_nothing(seed: int) -> None:
    from blastwall.analyze import queues

    rng = random.Random(seed)
    flags = sorted(queues._rabbit_keys())
    for _ in range(20):
        args = random_call(rng)[2]
        if rng.random() < 0.5:
            args[rng.choice(flags)] = rng.choice(["ack_requeue_false", "ack_requeue_true", False, True, "false", 1])
        for reading in (False, True):
            if queues._rabbit_keys().isdisjoint(args):
                assert queues.consumed(args, reading_tool=reading) is None


# One call each reader finds something in: its gate lets it through.
READ = {
    "_sql_args": ("postgres", "execute_sql", {"sql": "DELETE FROM t"}),
    "_mongo_args": ("mongodb", "delete-many", {"collection": "users", "filter": {}}),
    "_cypher_args": ("neo4j", "write_neo4j_cypher", {"query": "MATCH (n) DETACH DELETE n"}),
    "_redis_args": ("redis", "execute_command", {"command": "FLUSHALL"}),
    "_command_args": ("desktop-commander", "execute_command", {"command": "rm -rf build"}),
    "_applescript_args": ("applescript", "applescript_execute", {"code_snippet": "tell application \"Finder\" to empty trash"}),
    "_browser_code_args": ("playwright", "browser_evaluate", {"function": "() => fetch('/x', {method: 'DELETE'})"}),
    "_url_args": ("fetch", "fetch", {"url": "https://api.example.com/x", "method": "DELETE"}),
    "_file_args": ("filesystem", "write_file", {"path": "/tmp/x", "content": "y"}),
    "_search_args": ("serena", "search_for_pattern", {"substring_pattern": "TOKEN"}),
    "_git_args": ("git", "git_diff", {"repo_path": "/tmp/r", "target": "main"}),
    "_cli_args": ("terraform", "terraform_apply", {"destroy": True}),
    "_program_args": ("kubernetes", "kubectl", {"args": ["delete", "ns", "prod"]}),
    "_sniffed_args": ("db", "run", {"code": "DROP TABLE users"}),
    "_provider_args": ("github", "api", {"method": "DELETE", "path": "/repos/o/r"}),
    "_manifest_args": ("kubernetes", "apply", {"manifest": "kind: PersistentVolumeClaim\napiVersion: v1\n"
                                                           "metadata: {name: d}\n$patch: delete"}),
}


@pytest.mark.parametrize("kind,reader,gate", mcp._readers(), ids=lambda r: getattr(r, "__name__", str(r)))
def test_a_gate_lets_through_a_call_its_reader_reads(kind: str, reader: Any, gate: Any) -> None:
    server, tool, args = READ[reader.__name__]
    call = mcp._Call(server, tool, args, SCOPE)
    assert gate(call) and reader(call) is not None, (reader.__name__, server, tool, args)


def test_the_gates_are_the_readers_of_content() -> None:
    """Each reader of `_content` has its gate (`mcp_gates.py`); a new reader needs one."""
    names = {fn.__name__ for _, fn, _ in mcp._readers()}
    assert len(names) == len(mcp._readers()) == 16
    assert {gate.__module__ for _, _, gate in mcp._readers()} == {mcp_gates.__name__}


# ---- HTTP lines ---------------------------------------------------------------------------------

# Requests with no GraphQL document, no SQL, no queue or Kafka setting in them.
ORDINARY_HTTP = [
    {"method": "GET", "url": "https://api.github.com/repos/acme/api/issues?state=open"},
    {"method": "POST", "url": "https://api.stripe.com/v1/customers", "body": {"email": "a@example.com", "name": "A"}},
    {"method": "GET", "url": "https://example.com/docs/getting-started"},
    {"method": "PATCH", "url": "https://api.linear.app/v1/issues/ENG-1", "body": {"title": "x"}},
    {"method": "POST", "url": "https://hooks.slack.com/services/T0/B0/X0", "body": {"text": "deployed"}},
    {"method": "GET", "url": "http://localhost:3000/api/users/42"},
]
# What one of them may take, in function calls, with everything warm (measured: 244-531 a line).
HTTP_CALLS_BOUND = 660
NEVER_FOR_ORDINARY_HTTP = ("graphql/", "sqlglot", "pglast", "analyze/sql/", "analyze/shell/", "analyze/mcp",
                           "analyze/queues.py:_pairs", "analyze/queues.py:retention_cuts", "analyze/http/graphql.py:parse",
                           "analyze/http/checks.py")


@pytest.mark.parametrize("payload", ORDINARY_HTTP, ids=lambda p: f"{p['method']} {p['url'][:40]}")
def test_an_ordinary_request_meets_no_parser_it_cannot_use(payload: dict[str, Any]) -> None:
    _, _, called = _profile(_line("http", payload))
    reached = [f for part in NEVER_FOR_ORDINARY_HTTP for f in _reached(called, part)]
    assert not reached, f"{payload['method']} {payload['url']} reached {reached}"


@pytest.mark.parametrize("payload", ORDINARY_HTTP, ids=lambda p: f"{p['method']} {p['url'][:40]}")
def test_an_ordinary_request_stays_within_its_function_calls(payload: dict[str, Any]) -> None:
    total, by, _ = _profile(_line("http", payload))
    assert total <= HTTP_CALLS_BOUND, (f"{payload['method']} {payload['url']}: {total} function calls (bound "
                                       f"{HTTP_CALLS_BOUND}); the most called: {by.most_common(12)}")


def _catalog_rules() -> list[Any]:
    from blastwall.analyze.http.catalog import catalog

    return [r for rules in catalog().rules.values() for r in rules if r.path is not None]


_SEGMENT_TEXT = st.sampled_from(["", "x", "42", "repos", "a-b", "_delete_by_query", "v1", "*", "{id}", ".json", "%2F",
                                 "projects", "volumes", "actions", "reset", "b.c", "\u00e9"])


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(range(len(_catalog_rules()))), st.lists(_SEGMENT_TEXT, min_size=1, max_size=6),
       st.booleans())
def test_a_path_outside_a_rows_literal_ends_is_no_match(index: int, parts: list[str], templated: bool) -> None:
    """`Rule.matches_rest` tests a path's literal start and end before the template's regex: a
    path the regex matches always has them (paths made from the template, and others)."""
    from blastwall.analyze.http.catalog import literal_end, literal_start

    rule = _catalog_rules()[index]
    template = str(rule.row["path"])
    if templated:  # the template with its variables filled in
        filled = iter(parts)
        path = rx_sub_segments(template, lambda: next(filled, "x") or "x")
    else:
        path = "/" + "/".join(parts)
    if rule.path.fullmatch(path) is not None:
        assert path.startswith(literal_start(template)) and path.endswith(literal_end(template)), (template, path)
    assert (rule.path_start, rule.path_end) == (literal_start(template), literal_end(template))


def rx_sub_segments(template: str, value: Any) -> str:
    from blastwall.analyze.http.catalog import _SEG

    return _SEG.sub(lambda m: str(value()), template).replace("*", "x")


def test_the_rows_a_method_can_match_are_the_rows_in_order() -> None:
    from blastwall.analyze.http.catalog import catalog, rest_rules, rules_of

    for p in catalog().providers:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "PURGE", "UNKNOWN"):
            assert rest_rules(p.name, method) == tuple(
                r for r in rules_of(p.name) if r.path is not None and not r.mutations and (
                    not r.methods or method in r.methods)), (p.name, method)


# ---- GraphQL documents read without parsing -----------------------------------------------------

_GQL_TOKENS = ["query", "mutation", "subscription", "fragment", "on", "{", "}", "(", ")", ":", "$id", "String!",
               "...", "...F", "F", "projects", "edges", "node", "id", "name", "me", "volumeDelete", "projectDelete",
               "deleteUser", "removeMember", "volumeCreate", "serviceInstanceRedeploy", "__schema", "__typename",
               "repository", "deleteRepository", "purgeCache", "listItems", "\"delete me\"", "# drop it\n",
               '"""block"""', "1", "2.5e3", "true", "null", "@include(if: true)", ",", "\n", " ", "Query", "MUTATION",
               "mutat\u0131on", "query mutation", "{ mutation {", "x_delete", "wipe", "dropDatabase", "mergePullRequest",
               "deploymentStop", "pluginRestart", "archiveRepository", "environmentStageChanges"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_GQL_TOKENS), min_size=1, max_size=18).map(" ".join),
       st.sampled_from([None, "railway", "github", "linear", "shopify"]))
def test_a_document_read_without_parsing_gives_no_finding(text: str, provider_name: str | None) -> None:
    """`names_no_mutation` lets the analyzer skip the parser: the parsed reading of such a document
    gives no finding either (its reads, its mutations, and the scan of a document that does not parse)."""
    from blastwall.analyze.http import graphql_rules
    from blastwall.analyze.http.catalog import catalog
    from blastwall.analyze.http.graphql import GraphQLRequest
    from blastwall.analyze.http.request import build

    provider = next((p for p in catalog().providers if p.name == provider_name), None)
    req = build("POST", "https://backboard.railway.app/graphql/v2", None, {"query": text})
    if graphql_rules.names_no_mutation(text, provider):
        found = graphql_rules._document(GraphQLRequest(text, {}, None), req, SCOPE, provider, "x", 0)
        assert found == [], (text, provider_name, [f.rule_id for f in found])


def test_a_read_that_names_a_mutation_is_still_parsed() -> None:
    from blastwall.analyze.http import graphql_rules
    from blastwall.analyze.http.catalog import catalog

    railway = next(p for p in catalog().providers if p.name == "railway")
    assert graphql_rules.names_no_mutation("query { projects { edges { node { id name } } } }", railway)
    for text in ("query { volumeDelete }", "query mutation { x }", "{ deleteUser }", "mutation { a }",
                 "{ mutation { volumeDelete } }"):
        assert not graphql_rules.names_no_mutation(text, railway), text
