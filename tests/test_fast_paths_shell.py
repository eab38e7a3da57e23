"""The shortcuts a shell line's check takes give exactly what the plain code gives.

Each one (a decoder built once, the batch answer written out directly, a gate before a reader)
is held against a reference written the plain way, over generated inputs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall import batch, strictjson
from blastwall.model import Decision, Effect, Finding, Severity

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


def _plain_loads(text: str) -> Any:
    """strictjson.loads as it was written first: json.loads with a hook that refuses a key twice."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise strictjson.DuplicateKey(f"the key {key[:40]!r} appears twice in one object")
            out[key] = value
        return out

    return json.loads(text, object_pairs_hook=pairs)


def _outcome(fn: Any, text: str) -> tuple[str, str]:
    try:
        return "ok", repr(fn(text))
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    _JSON_VALUES.map(lambda v: json.dumps(v)),
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), _JSON_VALUES), max_size=6).map(
        lambda kv: "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in kv) + "}"),
    st.text(alphabet='{}[]":,ab1 \ufeff\\n', max_size=24),
))
def test_strict_loads_is_json_loads_refusing_a_key_twice(text: str) -> None:
    assert _outcome(strictjson.loads, text) == _outcome(_plain_loads, text)


def test_strict_loads_keeps_json_loads_words_for_a_bom_and_bytes() -> None:
    assert _outcome(strictjson.loads, "\ufeff{}") == _outcome(_plain_loads, "\ufeff{}")
    assert strictjson.loads(b'{"a": 1}') == {"a": 1}
    with pytest.raises(strictjson.DuplicateKey):
        strictjson.loads(b'{"a": 1, "a": 2}')


@settings(max_examples=300, deadline=None)
@given(line_id=_JSON_VALUES, decision=st.sampled_from(["allow", "ask", "deny"]),
       reasons=st.lists(st.text(), max_size=3), rule_ids=st.lists(st.text(), max_size=3))
def test_batch_answer_is_what_the_json_encoder_writes(line_id: Any, decision: str, reasons: list[str],
                                                      rule_ids: list[str]) -> None:
    answer = {"id": line_id, "decision": decision, "reasons": reasons, "rule_ids": rule_ids}
    assert batch.encode_answer(answer) == json.JSONEncoder(ensure_ascii=False).encode(answer)


# ---- radius/matters.py: the decisions a finding can get, read from the rules that can match it ----
_RADIUS_POLICY = """
[[rule]]
rule = "shell.fs:*"
radius = { files = ">1000" }
decision = "deny"

[[rule]]
effect = ["delete"]
min_severity = "medium"
radius = { measured = false }
decision = "allow"

[[rule]]
rule = "shell.git:*"
target = "*main*"
decision = "ask"

[[rule]]
rule = "shell.docker:*"
environment = ["production"]
radius = { untracked = ">20" }
decision = "allow"
"""


def _plain_decisions(policy: Any, finding: Any, *, agent: str | None, surface: str) -> Any:
    """radius/matters.py `decisions` as first written: every rule of the policy asked."""
    from blastwall.radius import matters

    probe = finding._replace(radius=None)
    unconditional = matters._unconditional(policy.rules)  # noqa: SLF001 - the same view of the rules
    open_ = [i for i, rule in unconditional.items() if rule.matches(probe, agent=agent, surface=surface)]
    if len(open_) > matters.MAX_OPEN:
        return None
    if policy.protected_branch(probe):
        return frozenset({Decision.DENY})
    bits = {i: bit for bit, i in enumerate(open_)}
    relevant = [(rule, bits.get(i)) for i, rule in enumerate(policy.rules)
                if i in bits or rule.matches(probe, agent=agent, surface=surface)]
    return frozenset(policy.first_decision((r for r, bit in relevant if bit is None or mask >> bit & 1),
                                           probe.severity)[0] for mask in range(2 ** len(open_)))


def _policies() -> list[Any]:
    from blastwall.policy.engine import compile_layers, default_document

    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib  # type: ignore[no-redef]
    extra = tomllib.loads('protected_branches = ["main"]\n' + _RADIUS_POLICY)
    return [compile_layers([("defaults", default_document())]),
            compile_layers([("project", extra), ("defaults", default_document())])]


_RULE_IDS = st.sampled_from(["shell.fs:rm", "shell.fs:mv-away", "shell.git:push-force", "shell.git:reset-hard",
                             "shell.docker:volume-rm", "sql.postgres:drop-table", "file.read:dotenv",
                             "shell.read:environment", "core:degraded", "http.github:repo-delete"])


@settings(max_examples=300, deadline=None)
@given(rule_id=_RULE_IDS, effect=st.sampled_from(list(Effect)), severity=st.sampled_from(list(Severity)),
       target=st.sampled_from(["", "build", "origin main", "/data", "node_modules"]),
       environment=st.sampled_from([None, "production", "dev", "unknown"]),
       agent=st.sampled_from([None, "claude-code"]), surface=st.sampled_from(["shell", "sql", "mcp"]))
def test_radius_decisions_read_only_the_rules_that_can_match(rule_id: str, effect: Effect, severity: Severity,
                                                             target: str, environment: str | None, agent: str | None,
                                                             surface: str) -> None:
    from blastwall.radius.matters import decisions

    finding = Finding(rule_id=rule_id, effect=effect, severity=severity, reason="r", target=target,
                      environment=environment)
    for policy in _POLICIES:
        assert decisions(policy, finding, agent=agent, surface=surface) == \
            _plain_decisions(policy, finding, agent=agent, surface=surface)


_POLICIES = _policies()


# ---- analyze/later/kinds.py: a path no text-free row's globs match is of no kind ----
_SEGMENTS = st.sampled_from(["", ".", "..", "src", "db", "migrate", "migrations", "versions", "alembic", ".github",
                             "workflows", ".git", "hooks", "etc", "cron.d", "crontabs", "node_modules", "x.sql",
                             "001_init.sql", "1_x.rb", "a.py", "0001_a.py", "ci.yml", "k.yaml", "Makefile", "x.mk",
                             "package.json", "app.service", "Procfile", ".bashrc", "x.sh", "main.tf", "app.ts",
                             "x.down.sql", "changelog.xml", "pre-commit", "x.sample", "U1__a.sql"])


def _plain_kind_of(path: str, text: str | None) -> Any:
    """kinds.kind_of as first written: every row tried in turn."""
    from blastwall.analyze import globs
    from blastwall.analyze.later import kinds

    if not path or not path.strip():
        return None
    shown = kinds._shown(path)  # noqa: SLF001
    for pats, nots, sniff, kind in kinds._rows():  # noqa: SLF001
        if not any(globs.match(shown, g) for g, _ in pats) or globs.match_any(shown, nots):
            continue
        if sniff is not None and (not text or not sniff.search(text[:kinds.SNIFF_CHARS])):
            continue
        return kind
    return None


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(_SEGMENTS, min_size=1, max_size=5), absolute=st.booleans(),
       text=st.sampled_from([None, "", "#!/bin/sh\nrm -rf x\n", "kind: Deployment\n", "SELECT 1;"]))
def test_kind_of_turns_away_paths_no_row_can_take(parts: list[str], absolute: bool, text: str | None) -> None:
    from blastwall.analyze.later.kinds import kind_of

    path = ("/" if absolute else "") + "/".join(parts)
    assert kind_of(path, text) == _plain_kind_of(path, text)


# ---- analyze/shell/__init__.py: `rm ...` lines are read as PowerShell only by their parameters ----
def _plain_windows(text: str, scope: Any) -> Any:
    """shell._windows as first written: every line through the gate goes to windows.py."""
    from blastwall.analyze.shell import _later_windows, _windows_heads
    from blastwall.analyze.shell.windows import windows_findings

    head = text.lstrip()[:24].split(" ", 1)[0].lstrip("&").lower()
    if not (head in _windows_heads() or ("-" in head[1:] and head.split("-", 1)[0].isalpha())
            or text.lstrip()[:1] == "&" or _later_windows(text)):
        return None
    return windows_findings(text, scope)


_WIN_WORDS = st.sampled_from(["rm", "RM", "Rm", "-rf", "-r", "-fo", "-Force", "-FORCE", "-recurse", "-Recurse:$true",
                              "-path", "-ea", "'-fo'", '"-whatif"', "x", "C:\\x", "/tmp/x", "|", ";", "&", "&&",
                              "ri", "gci", "Remove-Item", "ls", "del", "/s", "/q", "'", '"', "\t", "-ErrorAction",
                              "SilentlyContinue", "Get-ChildItem", "-LiteralPath", "-fi", "\u212a"])


@settings(max_examples=500, deadline=None)
@given(first=st.sampled_from(["rm", "RM", "Rm", " rm", "&rm", "rm\t", "rmdir", "del", "ri"]),
       rest=st.lists(_WIN_WORDS, max_size=6), sep=st.sampled_from([" ", "  ", " \t"]))
def test_windows_gate_reads_delete_aliases_as_windows_py_does(first: str, rest: list[str], sep: str) -> None:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.shell import _windows

    text = sep.join([first, *rest])
    scope = Scope(read_files=False)
    assert _windows(text, scope) == _plain_windows(text, scope)


# ---- analyze/shell/reads.py: each reader is skipped only for commands it reads nothing of ----
def _reader_names() -> list[str]:
    from blastwall.analyze.ruleset import load_table

    table = load_table("shell_reads")
    env = table["environment"]
    names = {n for row in table["read"] for n in row["programs"]}
    names |= {*env["dump_builtins"], *env["print_programs"], "printenv", "set", "source", ".", "env", "export"}
    names |= {n for row in table.get("stdin_names", []) for n in row["programs"]}
    names |= {n for row in table.get("wrapper_read", []) for n in row["programs"]}
    return sorted(names | {"ls", "git", "pytest", "mytool", "xargs", "parallel", "cpio", "zip", "sftp"})


_READER_WORDS = st.sampled_from(["-a", "-e", "--env-file", ".env", "x.txt", "$HOME", "$GITHUB_TOKEN", "${!v}", "-p",
                                 "-x", "FOO=1", "::::", ":::", "-@", "-T", "-", "--null", "ops/notes.md", "-i",
                                 "$BLASTWALL_DATABASE_URL", "put", "get", "-0", "--arg-file=.env"])


def _words(texts: list[str]) -> list[Any]:
    from blastwall.analyze.shell.ir import Word

    return [Word(t, dynamic="$" in t, raw=t) for t in texts]


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(_reader_names()), rest=st.lists(_READER_WORDS, max_size=5),
       sourced=st.sampled_from([(), (".env",)]), herestring=st.sampled_from([None, "put .env"]))
def test_secret_reads_gates_skip_only_readers_that_read_nothing(name: str, rest: list[str], sourced: tuple[str, ...],
                                                               herestring: str | None) -> None:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.shell import argreads, reads
    from blastwall.analyze.shell.envreads import _environment
    from blastwall.analyze.shell.ir import Redirect, SimpleCommand

    argv = _words([name, *rest])
    redirects = [Redirect("<<<", body=herestring)] if herestring is not None else []
    cmd = SimpleCommand(argv=argv, redirects=redirects, source=" ".join([name, *rest]))
    scope = Scope(read_files=False, sourced=sourced)
    if name not in reads._environment_programs():  # noqa: SLF001
        assert _environment(name, argv, scope) == []
    if name not in argreads.stdin_name_programs():
        assert argreads.fed_names(name, argv, cmd, scope) == []
    if name not in ("source", "."):
        assert argreads.sourced_reads(name, argv, scope) == []
    if not scope.sourced:
        assert argreads.loaded_reads(name, argv, scope) == []
    if name not in reads._wrapper_readers():  # noqa: SLF001
        assert reads.wrapper_reads(argv, scope) == []
    if not cmd.redirects:
        assert reads.input_reads(cmd, scope, name) == []


@settings(max_examples=400, deadline=None)
@given(positionals=st.lists(st.sampled_from(["push", "save", "cat", "show", "log", "x", "get", "object", "cp", "s3",
                                             "-", "run", "exec", "*", "copy"]), max_size=4))
def test_read_rows_subcommand_tests_are_match_any(positionals: list[str]) -> None:
    from blastwall.analyze import globs
    from blastwall.analyze.shell import reads

    words = _words(positionals)
    for rows in reads._index().values():  # noqa: SLF001
        for r in rows:
            command = tuple(tuple(alt.split("|")) for alt in r.row.get("command") or [])
            plain = None if len(words) < len(command) else (
                len(command) if all(globs.match_any(words[i].text, alts) for i, alts in enumerate(command)) else None)
            assert reads._command_matches(r.command, words) == plain  # noqa: SLF001


@settings(max_examples=200, deadline=None)
@given(rest=st.lists(_READER_WORDS, max_size=4))
def test_verify_command_leaves_commands_without_locator_words_as_they_are(rest: list[str]) -> None:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.shell.cache_paths import verify_command
    from blastwall.analyze.shell.ir import SimpleCommand

    cmd = SimpleCommand(argv=_words(["rm", "-rf", *rest]), source="rm")
    assert verify_command(cmd, Scope()) is cmd


# ---- environment/commands.py: the line reader's gates ----
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ssh", "-L", "8080:db:5432", "host", "'ssh -R 1:x:2 h'", "tmux", "new", "-d",
                                 "kubectl", "port-forward", "socat", "autossh", "echo", "x", ";", "|", "&&",
                                 "screen", "-dm", "at", "now", "sshuttle", "-r", "chisel"]), max_size=8))
def test_quoted_tunnels_gate_is_the_substring_test(words: list[str]) -> None:
    from blastwall.environment import commands

    text = " ".join(words)
    heads = commands._phrases("tunnels")  # noqa: SLF001
    plain = [] if not any(head in text for head in heads) else commands._quoted_tunnels(text)  # noqa: SLF001
    assert commands.quoted_tunnels(text) == plain


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["sudo", "env", "timeout", "nice", "docker", "ssh", "xargs", "kubectl", "psql", "git",
                             "bash", "exec", "rm", "/usr/bin/sudo", "nohup", "watch", "mytool", "time"]),
       rest=st.lists(st.sampled_from(["-u", "root", "exec", "-it", "pg", "psql", "-c", "rm", "-rf", "x", "--", "5",
                                      "host", "A=1", "-n", "10"]), max_size=5))
def test_line_reader_skips_peel_only_for_programs_that_are_no_wrapper(name: str, rest: list[str]) -> None:
    from blastwall.analyze.shell.names import program_name
    from blastwall.analyze.shell.wrappers import is_wrapper, peel

    if not is_wrapper(program_name(name)):
        assert peel(_words([name, *rest])) is None


# ---- analyze/shell/programs.py: a rule's glob tests built once, option tests skipped without options ----
def _plain_rule_matches(rule: Any, args: Any, prog: Any) -> bool:
    """programs._matches as first written (every glob through globs.match_any)."""
    from blastwall.analyze import globs
    from blastwall.analyze.shell import programs as p

    s = rule.shape
    sdl = prog.single_dash_long if prog else False
    opts = prog.value_options if prog else frozenset()
    if s.nocase:
        args = p._lowered(args)  # noqa: SLF001

    def unless(v: str) -> bool:
        return globs.match_any(v, s.unless_value) or bool(s.unless_class) and p.VALUE_CLASSES[s.unless_class](v)

    if s.any_value:
        if not any(k in s.value_of and globs.match_any(v, s.any_value) and not unless(v) for k, v in args.values):
            return False
    elif s.unless_value or s.unless_class:
        values = [v for k, v in args.values if k in s.value_of]
        if values and all(unless(v) for v in values):
            return False
    if s.command and (len(args.positionals) < len(s.command) or not all(
            globs.match_any(args.positionals[i], alts) for i, alts in enumerate(s.command))):
        return False
    rest = args.positionals[len(s.command):]
    if s.command_any and not any(globs.match_any(x, s.command_any) for x in args.positionals):
        return False
    if s.unless_flag and any(p._flag_present(f, args.flags, sdl, opts) for f in s.unless_flag):  # noqa: SLF001
        return False
    if s.unless_arg and any(globs.match_any(x, s.unless_arg) for x in rest):
        return False
    if len(rest) < s.min_args:
        return False
    if s.unless_all_args and rest and all(p.ARG_CLASSES[s.unless_all_args](x) for x in rest):
        return False
    if s.all_flags and not all(p._flag_present(f, args.flags, sdl, opts) for f in s.all_flags):  # noqa: SLF001
        return False
    if s.any_flag or s.any_arg:
        return any(p._flag_present(f, args.flags, sdl, opts) for f in s.any_flag) or any(  # noqa: SLF001
            globs.match_any(x, s.any_arg) for x in rest)
    return True


_ARG_WORDS = st.sampled_from(["push", "delete", "rm", "-f", "--force", "-rf", "--all", "origin", "main", "volume",
                              "db:drop", "reset", "--hard", "-n", "prod", "x", "*", "--dry-run", "--dry-run=none",
                              "-c", "user.name=x", "--yes", "destroy", "-auto-approve", "--recursive", "s3://b",
                              "build/", "HEAD~1", "-D", "drop", "--cascade", "apply", "-y", "--namespace=prod", "-v"])


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["git", "kubectl", "docker", "terraform", "aws", "helm", "rails", "npm", "gh", "psql",
                             "redis-cli", "gcloud", "supabase", "rclone", "mc"]),
       words=st.lists(_ARG_WORDS, max_size=6))
def test_rule_matching_is_the_plain_glob_matching(name: str, words: list[str]) -> None:
    from blastwall.analyze.shell import programs

    programs_, rules = programs._tables_for(name)  # noqa: SLF001
    prog = programs_.get(name)
    args = programs.parse_args(_words(words), prog)
    for rule in rules.get(name, []):
        lowered = programs._lowered(args)  # noqa: SLF001
        assert programs._matches(rule, args, prog, lowered) == _plain_rule_matches(rule, args, prog), rule.id  # noqa: SLF001


# ---- analyze/code_tree.py: a one-liner's tree parsed and walked once a check ----
_PY_SNIPPETS = st.sampled_from([
    "import os; os.remove('x')", "import shutil\nshutil.rmtree(p, ignore_errors=True)",
    "from subprocess import run as r; r(['git', 'push', '-f'])", "[os.unlink(f) for f in os.listdir('.')]",
    "def f(x):\n    return open(x).read()\nprint(f('.env'))", "x = (", "lambda: (yield)", "print(1 +* 2)",
    "with open(os.path.join(tempfile.mkdtemp(), 'a'), 'w') as fh: fh.write('x')", "",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_PY_SNIPPETS, min_size=1, max_size=3))
def test_python_tree_is_ast_parse_and_walk_is_ast_walk(parts: list[str]) -> None:
    import ast

    from blastwall.analyze.code_tree import parse_python, walk
    from blastwall.memo import one_check

    code = "\n".join(parts)
    try:
        expected = ast.dump(ast.parse(code))
    except (SyntaxError, ValueError) as exc:
        with one_check(), pytest.raises(type(exc)):
            parse_python(code)
        return
    with one_check():
        tree = parse_python(code)
        assert parse_python(code) is tree  # the second reader gets the first's tree
        assert ast.dump(tree) == expected
        assert walk(tree) == tuple(ast.walk(tree))
        assert walk(tree) is walk(tree)
        for node in walk(tree)[:5]:  # a subtree is walked as ast.walk walks it
            assert walk(node) == tuple(ast.walk(node))
    assert walk(tree) == tuple(ast.walk(tree))  # outside a check: walked afresh


# ---- batch.py: a batch checked in this process leaves the collector as it found it ----
def test_in_process_batch_freezes_what_was_loaded_and_unfreezes_after() -> None:
    import gc
    import io

    from blastwall.policy.engine import default_policy

    lines = [json.dumps({"id": str(i), "kind": "shell", "input": "ls -la"}) + "\n" for i in range(3)]
    seen: list[int] = []
    real = batch.answer_line

    def spy(*args: Any) -> str:
        seen.append(gc.get_freeze_count())
        return real(*args)

    assert gc.get_freeze_count() == 0
    batch.answer_line = spy  # type: ignore[assignment]
    try:
        batch.run_batch(lines, io.StringIO(), default_policy(), workers=1)
        assert seen and all(count > 0 for count in seen)  # the lines were checked with the loaded objects frozen
        assert gc.get_freeze_count() == 0 and gc.isenabled()
        gc.freeze()  # the daemon's worker (inline) froze its own before forking: left frozen
        batch.run_batch(lines, io.StringIO(), default_policy(), workers=1, inline=True)
        assert gc.get_freeze_count() > 0  # not unfrozen (that empties the permanent generation)
    finally:
        batch.answer_line = real  # type: ignore[assignment]
        gc.unfreeze()


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(["show", "log", "diff", "grep", "push", "-C", "show", "--git-dir", "x", "-n", "5",
                                       "cp", "s3", "get", "fill", "credential", "cat", "-e", "TOKEN", "--", "-",
                                       "object", "run", "exec", "copy"]), max_size=6))
def test_read_rows_skipped_by_their_first_word_cannot_match(words: list[str]) -> None:
    from blastwall.analyze.shell import reads

    argv = _words(words)
    given = frozenset(words)
    for rows in reads._index().values():  # noqa: SLF001
        for r in rows:
            if r.first is not None and r.first.isdisjoint(given):
                args = reads._split(argv, r.options[0], r.options[1])  # noqa: SLF001
                assert reads._command_matches(r.command, args.positionals) is None  # noqa: SLF001


# ---- analyze/verbs.py: a plain lower-case word is its own one token ----
@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_:.é ", max_size=14))
def test_tokens_of_a_plain_word_are_what_the_pattern_finds(name: str) -> None:
    from blastwall.analyze import verbs

    out: list[str] = []
    for part in verbs._PARTS.findall(name):  # noqa: SLF001 - tokens as first written
        caps = len(part) - len(part.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if 1 < caps < len(part):
            out.append(part[:caps - 1])
            part = part[caps - 1:]
        out.append(part)
    assert verbs.tokens(name) == [p.lower() for p in out]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcXYZ019-_:.é/ ", max_size=10))
def test_a_word_of_ascii_letters_is_a_subcommand_word(text: str) -> None:
    from blastwall.analyze.shell.subcommands import _SUBCOMMAND

    if text.isascii() and text.isalpha():
        assert _SUBCOMMAND.match(text) is not None
