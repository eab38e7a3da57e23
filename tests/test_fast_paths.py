"""The fast paths of a check give exactly what the plain code they replaced gives.

Each shortcut (a gate before a regex, a matcher built once, a rule index, a lean verdict, the
batch's own command-line entry, the per-check memo) is held against a reference written the
plain way, over generated inputs where it can be and real payloads where it cannot.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall import batch, rx
from blastwall.analyze.base import Scope
from blastwall.engine import check_action, make_action
from blastwall.policy.engine import default_policy

CASES = Path(__file__).parent / "cases"
_WORDISH = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_./0123456789\\ *?[]$\"'`\u00e9", max_size=20)


def _case_lines() -> list[str]:
    out = []
    for path in sorted(CASES.glob("*.txt")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            text = raw.split(" => ")[0].strip()
            if text and not text.startswith("#"):
                out.append(text)
    return out


# ---- gates before a regex ---------------------------------------------------------------------
@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=60))
def test_redact_hint_pattern_is_the_hint_list(text: str) -> None:
    from blastwall.redact import _HINTS, _hint_pattern

    low = text.lower()
    assert (_hint_pattern().search(low) is not None) == any(h in low for h in _HINTS)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="abcXYZ019_./:@%+,= -\t;|&$'\"`*\u00e9", max_size=30))
def test_plain_text_set_is_the_plain_pattern(text: str) -> None:
    from blastwall.analyze.shell import quick

    assert quick._PLAIN.issuperset(text) == (rx.match(r"^[A-Za-z0-9_./:@%+,= -]*$", text) is not None)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_WORDISH, st.sampled_from(["python3", "python3.12", "/usr/bin/pip3", "node18", "psql16", "lua5.4",
                                            "perl5.", "ruby", "php8.exe", "pg_dump15", "mkfs.ext4", "x1"])))
def test_program_name_gate_is_the_versioned_pattern(word: str) -> None:
    from blastwall.analyze.shell.names import _VERSIONED, program_name

    name = word.rsplit("/", 1)[-1].removesuffix(".exe")
    m = _VERSIONED.match(name)
    assert program_name(word) == (m.group(1) if m else name)


@settings(max_examples=1500, deadline=None)
@given(_WORDISH)
def test_unescape_gate_is_the_substitution(word: str) -> None:
    from blastwall.analyze.shell.words import unescape_unquoted

    assert unescape_unquoted(word) == rx.sub(r"\\(.)", r"\1", word.replace("\\\n", ""))


# ---- lookups and matchers built once ----------------------------------------------------------
@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 3)), max_size=6), st.sampled_from("abcde"))
def test_last_pair_is_the_dict_lookup(pairs: list[tuple[str, int]], key: str) -> None:
    from blastwall.policy.engine import _last

    table = tuple(pairs)
    assert _last(table, key, None) == dict(table).get(key)
    if key in dict(table):
        assert _last(table, key) == dict(table)[key]
    else:
        with pytest.raises(KeyError):
            _last(table, key)


_PATHS = st.one_of(
    st.text(alphabet="abc./~_-E", max_size=16),
    st.sampled_from([".env", "config/.env.local", "~/.aws/credentials", "/home/u/.ssh/id_rsa", "id_ed25519.pub",
                     "secrets/prod.pem", "~/.config/blastwall/keys/k", "notes.md", ".npmrc", "x/.git-credentials",
                     "~/.kube/config", "a/.env.example", "/etc/shadow", "db.sqlite3", "~/.netrc", "service.key"]),
)


@settings(max_examples=800, deadline=None)
@given(_PATHS)
def test_file_rows_are_the_row_by_row_match(path: str) -> None:
    from blastwall.analyze import files

    scope = Scope(read_files=False)
    for field, guard in (("read_globs", True), ("read_globs", False), ("globs", None)):
        rows = [r for r in files._rows(field) if guard is None or bool(r.get("guard")) is guard]
        expected = next((r["id"] for norm in files._variants(path, scope) for r in rows
                         if files._matches(norm, r[field])), None)
        got = files._first_row(path, scope, field, guard=guard)
        assert (got[0].rule_id if got else None) == expected


@settings(max_examples=800, deadline=None)
@given(_PATHS)
def test_known_credential_files_are_the_plain_glob_test(path: str) -> None:
    from blastwall.analyze import credentials, globs
    from blastwall.analyze.files import _variants

    scope = Scope(read_files=False)
    expected = None
    for norm in _variants(path, scope):
        low = norm.casefold()
        for patterns, requires, label in credentials._known():
            if requires is None and any(globs.match(low, g) or (g.startswith("**/") and globs.match(low, g[3:]))
                                        for g in patterns):
                expected = expected or label
    got = credentials.known_file(path, scope, "reads")
    assert (got[0].reason if got else None) == (credentials.finding("known", path, expected, "reads").reason
                                                if expected else None)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["git", "kubectl", "docker", "aws", "terraform", "helm", "oc", "gcloud", "podman"]),
       st.lists(st.sampled_from(["push", "--force", "-f", "origin", "main", "delete", "ns", "prod", "rm", "-rf", "reset",
                                 "--hard", "destroy", "-auto-approve", "s3", "rb", "--all", "uninstall", "x", "clean",
                                 "-fdx", "branch", "-D", "volume", "prune", "system", "apply", "--", "Push"]),
                max_size=6))
def test_rule_index_finds_what_every_rule_finds(program: str, words: list[str]) -> None:
    from blastwall.analyze.shell import programs
    from blastwall.analyze.shell.ir import Word

    argv = [Word.lit(program), *(Word.lit(w) for w in words)]
    progs, rules = programs._tables_for(program)
    prog = progs.get(program)
    args = programs.parse_args(argv[1:], prog)
    every = [r.id for r in rules.get(program, []) if programs._matches(r, args, prog)]
    candidates = programs._candidates(program, args.positionals[0] if args.positionals else None)
    assert [r.id for r in candidates if programs._matches(r, args, prog)] == every


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["api.github.com", "backboard.railway.app", "localhost", "api.example.com", "s3.amazonaws.com",
                        "my-bucket.s3.us-east-1.amazonaws.com", "k8s.example.com", "api.supabase.com", "x.vercel.app",
                        "api.cloudflare.com", "127.0.0.1", ""]),
       st.sampled_from(["/", "/repos/o/r", "/graphql/v2", "/api/v1/namespaces/prod", "/v1/projects/x", "/rest/v1/t"]),
       st.sampled_from([None, 443, 6443, 8080]))
def test_provider_candidates_are_every_provider_that_matches(host: str, path: str, port: int | None) -> None:
    from blastwall.analyze.http import catalog
    from blastwall.analyze.http.request import Request

    req = Request(method="GET", scheme="https", host=host, port=port, path=path, query=(), headers={}, body=None,
                  body_text="")
    assert catalog.providers_for(req) == [p for p in catalog.catalog().providers if p.matches(req)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["github", "postgres", "supabase", "railway", "filesystem", "kubernetes", "x", "GitHub", ""]),
       st.sampled_from(["delete_repository", "query", "execute_sql", "delete_file", "list_issues", "volume_delete",
                        "create_issue", "Delete_Branch", "run_command", "x"]))
def test_mcp_catalog_rows_are_the_glob_scan(server: str, tool: str) -> None:
    from blastwall.analyze import globs, mcp

    s, t = server.casefold(), tool.casefold()
    expected = next((row for row in mcp._rows() if "tool" in row
                     and any(globs.match(s, g.casefold()) for g in row.get("server", ["*"]))
                     and any(globs.match(t, g.casefold()) for g in row["tool"]) and mcp._conditions(row, {})), None)
    assert mcp._catalog_row(server, tool, {}) is expected


# ---- the lean verdict, the per-check memo, the batch's own entry ------------------------------
def test_lean_verdict_is_the_full_verdicts_answer() -> None:
    policy = default_policy()
    for text in _case_lines():
        action = make_action("shell", text)
        full = check_action(action, policy, probe=False)
        lean = check_action(action, policy, probe=False, lean=True)
        assert (lean.decision, lean.reasons, lean.rule_ids) == (full.decision, full.reasons, full.rule_ids), text
        assert lean.findings == () and lean.action_digest == ""


def test_a_check_parses_its_line_once_and_keeps_nothing_after(monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.analyze.shell import parse as shell_parse

    calls: list[str] = []
    real = shell_parse._parse

    def counted(text: str) -> Any:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(shell_parse, "_parse", counted)
    line = "PGHOST=localhost psql -c 'DROP TABLE users'"  # analyzed, then placed by the environment stage
    check_action(make_action("shell", line), default_policy(), probe=False)
    assert calls.count(line) == 1
    check_action(make_action("shell", line), default_policy(), probe=False)
    assert calls.count(line) == 2  # the next check parses again
    shell_parse.parse(line)
    shell_parse.parse(line)
    assert calls.count(line) == 4  # outside a check nothing is kept


def test_a_check_parses_a_graphql_body_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphql

    calls: list[str] = []
    real = graphql.parse

    def counted(text: str, **kw: Any) -> Any:
        calls.append(text)
        return real(text, **kw)

    monkeypatch.setattr(graphql, "parse", counted)
    body = 'mutation { volumeDelete(volumeId: "v1") }'
    request = {"method": "POST", "url": "https://backboard.railway.app/graphql/v2", "body": {"query": body}}
    verdict = check_action(make_action("http", request), default_policy(), probe=False)
    assert verdict.decision.value != "allow"
    assert calls.count(body) == 1  # the analyzer's parse, read again by preflight's Railway references
    check_action(make_action("http", request), default_policy(), probe=False)
    assert calls.count(body) == 2  # the next check parses again


def test_a_check_resolves_a_path_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import os.path

    calls: list[str] = []
    real = os.path.realpath

    def counted(path: str, *a: Any, **kw: Any) -> str:
        calls.append(path)
        return real(path, *a, **kw)

    monkeypatch.setattr(os.path, "realpath", counted)
    line = "cat /etc/hostname; grep x /etc/hostname; cp /etc/hostname /tmp/h"  # three readers of one file
    check_action(make_action("shell", line), default_policy(), probe=False)
    assert calls.count("/etc/hostname") == 1
    check_action(make_action("shell", line), default_policy(), probe=False)
    assert calls.count("/etc/hostname") == 2  # the next check looks again


def _cli(args: list[str], feed: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLASTWALL_")}
    return subprocess.run([sys.executable, "-m", "blastwall", *args], input=feed, capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300, check=False)


def test_the_batch_entry_answers_as_the_typer_command(tmp_path: Path) -> None:
    rows = [{"id": f"l{i}", "kind": "shell", "input": t} for i, t in enumerate(_case_lines()[:60])]
    rows += [{"id": "sql", "kind": "sql", "input": "DELETE FROM orders"}, {"id": "bad", "kind": "ftp", "input": "x"}]
    feed = "".join(json.dumps(r) + "\n" for r in rows) + "not json\n"
    lean = _cli(["check", "--batch", "-"], feed, tmp_path)
    typer = _cli(["check", "--batch", "-", "--json"], feed, tmp_path)  # an option the lean entry leaves to typer
    assert lean.returncode == typer.returncode == 0
    assert lean.stdout == typer.stdout and len(lean.stdout.splitlines()) == len(rows) + 1


def test_the_batch_entry_leaves_everything_else_to_typer(tmp_path: Path) -> None:
    from blastwall.cli.batch import options

    assert options(["--batch", "-"]) == ("-", False, None)
    assert options(["--batch=f.jsonl", "--probe", "--cwd", "/x"]) == ("f.jsonl", True, "/x")
    for other in (["--batch", "-", "--json"], ["rm -rf /"], [], ["--batch"], ["--batch", "-", "--batch", "x"],
                  ["--probe"], ["--batch", "--probe"], ["--batch", "-", "--policy", "p.toml"]):
        assert options(other) is None, other
    missing = _cli(["check", "--batch", str(tmp_path / "missing.jsonl")], "", tmp_path)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


# ---- warm-up -----------------------------------------------------------------------------------
def test_warm_up_loads_what_a_mixed_batch_needs() -> None:
    """Workers are forked after `warm_up`: a mixed batch then loads no analyzer of its own."""
    code = r"""
import io, json, sys
from blastwall import batch
from blastwall.policy.engine import default_policy
batch.warm_up(default_policy())
before = {m for m in sys.modules if m.startswith("blastwall.")}
rows = [json.loads(line) for line in sys.stdin]
batch.run_batch([json.dumps(r) for r in rows], io.StringIO(), default_policy(), workers=1)
print(json.dumps(sorted({m for m in sys.modules if m.startswith("blastwall.")} - before)))
"""
    rows = [{"id": str(i), "kind": "shell", "input": t} for i, t in enumerate(_case_lines())]
    rows += [{"id": "s1", "kind": "sql", "input": "DELETE FROM t WHERE a > 0; DROP TABLE x"},
             {"id": "h1", "kind": "http", "input": {"method": "DELETE", "url": "https://api.github.com/repos/o/r"}},
             {"id": "m1", "kind": "mcp", "input": {"server": "postgres", "tool": "query", "arguments": {"sql": "TRUNCATE t"}}}]
    proc = subprocess.run([sys.executable, "-c", code], input="".join(json.dumps(r) + "\n" for r in rows),
                          capture_output=True, text=True, timeout=300, check=True, cwd=Path(__file__).parent)
    assert json.loads(proc.stdout.splitlines()[-1]) == []


def test_warm_up_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    batch.warm_up(default_policy())
    assert list(tmp_path.iterdir()) == []
    out = io.StringIO()
    batch.run_batch(['{"id": "a", "kind": "shell", "input": "ls"}'], out, default_policy())
    assert json.loads(out.getvalue())["decision"] == "allow"


# ---- short command lines parse without the clock ----------------------------------------------
_SHELLISH = st.text(alphabet="ab -$(){}[]'\"`|&;<>\\\n#=*!~", max_size=300)


@settings(max_examples=600, deadline=None)
@given(_SHELLISH)
def test_a_short_line_parses_as_the_clocked_reader_parses_it(text: str) -> None:
    from blastwall.analyze.budget_parse import CHUNK
    from blastwall.analyze.shell import parse as shell_parse

    src = text.encode()
    chunks = lambda offset, _point: src[offset:offset + CHUNK]  # noqa: E731 - the reader, untimed
    tree, cut = shell_parse._parse_bounded(src)
    assert not cut
    assert str(tree.root_node) == str(shell_parse._parser().parse(chunks).root_node)


def test_no_short_line_comes_near_the_parse_budget() -> None:
    """The untimed size is safe only while the worst input of that size parses in a small part of
    the budget: runs and mixes of the characters tree-sitter-bash recovers from worst."""
    import random
    import time

    from blastwall.analyze.shell import parse as shell_parse

    units = [")", "(", "$(", "${", "`", '"', "'", "[[", "]]", "((", "))", "{", "}", "|", ";", "&&", "<<", "\\",
             "!", "$", "/", "*", ",", "\n", "case ", "esac", "<(", "="]
    rng = random.Random(7)
    samples = [(u * 300).encode()[:shell_parse.UNTIMED_MAX] for u in units]
    samples += ["".join(rng.choice(pool) for _ in range(300)).encode()[:shell_parse.UNTIMED_MAX]
                for pool in (rng.sample(units, 3) for _ in range(300))]
    worst = 0.0
    for src in samples:
        t0 = time.thread_time()
        shell_parse._parser().parse(src)
        worst = max(worst, time.thread_time() - t0)
    assert worst < shell_parse.PARSE_BUDGET_S / 4, worst


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["shell.fs:rm", "shell.git:push-force", "sql.postgres:drop-table", "later.sql.postgres:x",
                        "shell.kubectl:delete", "http.railway:volume-delete", "file.write:x", "code.py:delete",
                        "mcp.filesystem:delete", "shell.exec:writes-file", "shell.exec:dynamic", "http.github:x"]),
       st.sampled_from([None, "", "/work/app"]))
def test_measured_prefixes_are_the_modules_that_may_run(rule_id: str, cwd: str | None) -> None:
    from blastwall.radius.base import LOCAL_MODULES, MODULES, measured_prefixes

    expected = any(rule_id.startswith(prefixes) and (cwd or name not in LOCAL_MODULES) for name, prefixes in MODULES.items())
    assert rule_id.startswith(measured_prefixes(local=bool(cwd))) == expected
