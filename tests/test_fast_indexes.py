"""More fast paths of a check, each held against the plain code it replaces: the shell words
read without shlex when there is nothing to unquote, the `[any]` specs of the secret-read table
indexed by program, the evidence family of a rule id worked out once.
"""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# ---- shell words without shlex ----------------------------------------------------------------


def _shlex_words(text: str) -> tuple[str, ...]:
    """`preflight.payload.shell_words` as it was: shlex for every text."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = []
        for word in lexer:
            words.append(word)
            if len(words) >= 4000:
                break
        return tuple(words)
    except ValueError:
        return tuple(text.split()[:4000])


_SHELLISH = "ab -_=$./~*?[]{}!:@%+,\t\r\n\x0b\x0c\x1c();<>|&'\"\\#\u00e9\u00a0"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_SHELLISH, max_size=40))
def test_shell_words_are_shlex_words(text: str) -> None:
    from blastwall.preflight import payload

    payload.shell_words.cache_clear()
    assert payload.shell_words(text) == _shlex_words(text)


def test_shell_words_keep_the_word_limit() -> None:
    from blastwall.preflight import payload

    text = "a " * 5000 + "&& b"
    payload.shell_words.cache_clear()
    assert payload.shell_words(text) == _shlex_words(text)
    assert len(payload.shell_words(text)) == payload.MAX_WORDS


# ---- the [any] specs of shell_reads.toml, by program ------------------------------------------

_PROGRAMS = st.sampled_from(["git", "rclone", "aws", "gsutil", "az", "docker", "kubectl", "tar", "zip", "pax", "ls",
                             "stat", "sha256sum", "chmod", "scp", "rsync", "m4", "x", "Git", ""])
_WORDS = st.lists(st.sampled_from(["status", "ls-files", "check-ignore", "rm", "copy", "sync", "s3", "cp", "storage",
                                   "blob", "upload", "x", ".env", "-r", "--recursive", "ls", "move", "push", "*",
                                   "", "diff", "show"]), max_size=4)


def _plain_command_matches(spec: str, name: str, positionals: list[str]) -> bool:
    from blastwall.analyze import globs

    words = spec.split()
    if words[0] != name or len(positionals) < len(words) - 1:
        return False
    return all(globs.match_any(p, alt.split("|")) for p, alt in zip(positionals, words[1:], strict=False))


@settings(max_examples=1500, deadline=None)
@given(_PROGRAMS, _WORDS, st.lists(st.sampled_from(["-r", "--recursive", "-v", "--delete", "-z"]), max_size=2))
def test_any_specs_by_program_are_the_scan_of_every_spec(name: str, positionals: list[str], flags: list[str]) -> None:
    from blastwall.analyze.shell import argreads

    table = argreads._any()
    plain_quiet = name in argreads._quiet() or any(
        _plain_command_matches(spec, name, positionals) for spec in table.get("quiet_commands", []))
    unquiet = table.get("unquiet_options", {}).get(name, [])
    if unquiet and any(f == o or f.startswith(o + "=") or (len(o) == 2 and f.startswith(o) and not f.startswith("--"))
                       for f in flags for o in unquiet):
        plain_quiet = False
    assert argreads.quiet(name, positionals, tuple(flags)) == plain_quiet

    plain_tree = None
    for spec in table.get("tree", []):
        if _plain_command_matches(spec["command"], name, positionals):
            need = spec.get("with_flag", [])
            plain_tree = dict(spec) if not need or any(f == n or f.startswith(n + "=") for f in flags for n in need) \
                else None
            break
    assert argreads._tree(name, positionals, flags) == plain_tree


def test_every_any_spec_is_indexed_under_its_program() -> None:
    from blastwall.analyze.shell import argreads

    table = argreads._any()
    assert sum(len(v) for v in argreads._quiet_commands().values()) == len(table.get("quiet_commands", []))
    assert sum(len(rows) for rows, _ in argreads._trees().values()) == len(table.get("tree", []))
    assert all(len(rows) == len(index) for rows, index in argreads._trees().values())


_ALTS = st.lists(st.sampled_from(["status", "copy", "sync", "s3", "s3*", "*x", "c?py", "[cs]ync", "*", "rm", ""]),
                 min_size=1, max_size=3).map(tuple)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.lists(_ALTS, max_size=3).map(tuple), max_size=8),
       st.lists(st.sampled_from(["status", "copy", "sync", "s3", "s3x", "xx", "cxpy", "rm", "", "-r"]), max_size=4))
def test_a_spec_index_finds_the_first_spec_the_plain_scan_finds(specs: list[tuple[tuple[str, ...], ...]],
                                                              positionals: list[str]) -> None:
    from blastwall.analyze import globs
    from blastwall.analyze.shell.cmdspecs import SpecIndex

    plain = next((i for i, spec in enumerate(specs) if len(positionals) >= len(spec) and all(
        globs.match_any(p, alts) for p, alts in zip(positionals, spec, strict=False))), None)
    assert SpecIndex(specs).first(positionals) == plain


# ---- the evidence family of a rule id ---------------------------------------------------------


def _rule_ids() -> list[str]:
    from blastwall.analyze.ruleset import load_table, table_names

    out = []
    for name in table_names():
        out.extend(str(row["id"]) for row in load_table(name).get("rule") or [] if "id" in row)
    return sorted(set(out))


def test_the_family_of_a_rule_id_is_the_table_lookup() -> None:
    from blastwall.environment import locate
    from blastwall.model import Effect, Finding, Severity

    plain = locate._family_of.__wrapped__
    for rule_id in [*_rule_ids(), "sql.postgres:drop-table", "http.github:delete-repo", "shell.kubectl:x", "x:y"]:
        got, expected = locate._family(Finding(rule_id, Effect.DELETE, Severity.HIGH, "r")), plain(rule_id)
        assert (got is None) == (expected is None), rule_id
        if got is not None:
            assert (got.programs, got.files, got.framework) == (expected.programs, expected.files, expected.framework)


# ---- the radius rules without their radius condition, once per policy ------------------------


def test_unconditional_radius_rules_are_made_per_rules_tuple() -> None:
    from blastwall.policy.engine import default_policy
    from blastwall.radius import matters

    policy = default_policy()
    plain = {i: rule._replace(radius=()) for i, rule in enumerate(policy.rules) if rule.radius}
    assert plain and matters._unconditional(policy.rules) == plain
    assert matters._unconditional(policy.rules) is matters._unconditional(policy.rules)
    fewer = policy.rules[:len(policy.rules) // 2]  # another policy's rules: its own answer, never the first one's
    assert matters._unconditional(fewer) == {i: r._replace(radius=()) for i, r in enumerate(fewer) if r.radius}
    assert matters._unconditional(()) == {}


# ---- the words of a Windows command line without shlex ------------------------------------------


def _shlex_windows_words(text: str) -> list[str]:
    """`windows.words` as it was: shlex in its non-POSIX mode."""
    try:
        raw = shlex.split(text, posix=False)
    except ValueError:
        raw = text.split()
    return [w[1:-1] if len(w) > 1 and w[0] == w[-1] and w[0] in "'\"" else w for w in raw]


_WINDOWSISH = "ab -/:\\$%&|;'\"`()\t\r\n\x0b\x0c\u00a0\u00e9"


@settings(max_examples=4000, deadline=None)
@given(st.text(alphabet=_WINDOWSISH, max_size=40))
def test_windows_words_are_shlex_words(text: str) -> None:
    from blastwall.analyze.shell.windows import words

    assert words(text) == _shlex_windows_words(text)


# ---- the shell parser's last pass, only where it can find something ----------------------------

_BASHISH = st.sampled_from(["rm", "-rf", " ", "x", "$x", "${a[1]}", "a[1]", "'", '"', "`", "$(", ")", "(", "<", "<<",
                            "EOF", "\n", ";", "&&", "|", "case", "in", "esac", "=", "[[", "]]", "{", "}", "\\", "#",
                            "$((", "))", "unset", "<(", "declare", "'a[$(id)]'", "x=(a b)", "for", "do", "done"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_BASHISH, max_size=12).map("".join))
def test_the_last_pass_is_skipped_only_where_it_finds_nothing(text: str) -> None:
    from blastwall.analyze.shell import parse as shell_parse

    def every_pass(src: bytes) -> bool:
        return True

    gated = shell_parse._parse(text)
    real = shell_parse._may_need_audit
    shell_parse._may_need_audit = every_pass
    try:
        plain = shell_parse._parse(text)
    finally:
        shell_parse._may_need_audit = real
    assert (gated.commands, gated.errors, gated.redirect_only) == (plain.commands, plain.errors, plain.redirect_only)


def test_the_last_pass_runs_for_a_table_without_a_grammar_type(monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.analyze.shell import parse as shell_parse

    assert not shell_parse._may_need_audit(b"git status")
    table = dict(shell_parse.NODE_TYPES)
    del table["command_name"]
    monkeypatch.setattr(shell_parse, "NODE_TYPES", table)
    assert shell_parse._may_need_audit(b"git status")
    assert any("command_name" in e for e in shell_parse._parse("git status").errors)


# ---- policy rules by a finding's effect and severity --------------------------------------------

_EXTRA_RULES = [
    {"id": "p1", "decision": "allow", "effect": ["delete", "overwrite"], "max_severity": "medium"},
    {"id": "p2", "decision": "deny", "rule": ["shell.git:*"], "min_severity": "high"},
    {"id": "p3", "decision": "ask", "target": ["*prod*"], "environment": ["production"]},
    {"id": "p4", "decision": "allow", "effect": "read_secret", "agent": ["claude-code"]},
    {"id": "p5", "decision": "deny", "surface": ["sql"], "min_severity": "low", "max_severity": "high"},
]


def _plain_decide(policy, finding, agent, surface):  # type: ignore[no-untyped-def]
    """`Policy.decide` as it was: every rule in order."""
    from blastwall.model import Decision
    from blastwall.policy.engine import _last, _stricter

    if policy.protected_branch(finding):
        return Decision.DENY, "policy:protected-branch"
    floor = None
    for rule in policy.rules:
        if rule.matches(finding, agent=agent, surface=surface):
            if rule.tighten_only:
                floor = floor or (rule.decision, rule.id)
                continue
            return _stricter(floor, (rule.decision, rule.id))
    return _stricter(floor, (_last(policy.severity, finding.severity), f"severity:{finding.severity.name.lower()}"))


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from([e.value for e in __import__("blastwall.model", fromlist=["Effect"]).Effect]),
       st.sampled_from(["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"]),
       st.sampled_from(["shell.git:push-force", "shell.fs:rm", "sql.postgres:drop-table", "file.read:credential",
                        "mcp.generic:unknown-tool", "http.github:delete-repo"]),
       st.sampled_from(["", "origin main", "prod-db", "/srv/prod/x"]),
       st.sampled_from([None, "production", "dev", "unknown"]),
       st.sampled_from([None, "claude-code", "cursor"]),
       st.sampled_from(["shell", "sql", "mcp", ""]),
       st.integers(0, 3))
def test_policy_rule_candidates_decide_as_every_rule(effect: str, severity: str, rule_id: str, target: str,
                                                     environment: str | None, agent: str | None, surface: str,
                                                     layers: int) -> None:
    from blastwall.model import Effect, Finding, Severity
    from blastwall.policy.engine import compile_layers, default_document

    docs = [("defaults", default_document())]
    if layers & 1:
        docs.insert(0, ("user", {"rule": _EXTRA_RULES[:3], "protected_branches": ["main"]}))
    if layers & 2:
        docs.insert(0, ("project", {"rule": _EXTRA_RULES[2:]}))
    policy = compile_layers(docs, untrusted=frozenset({"project"}))
    finding = Finding(rule_id, Effect(effect), Severity[severity], "r", target=target, environment=environment)
    assert policy.decide(finding, agent=agent, surface=surface) == _plain_decide(policy, finding, agent, surface)


# ---- a line's exported variables and quoted tunnels, only where the text can hold them ----------

_LINEISH = st.sampled_from(["export", "X=1", "PGHOST=db", "unset", "X", " ", ";", "&&", "|", "(", ")", "'", '"',
                            "ssh", "-L", "5432:db:5432", "host", "tmux new -d", "kubectl", "port-forward", "nc", "-l",
                            "set", "-a", "declare", "-x", "psql", "=", "/usr/bin/ssh", "sync", "bore", "local",
                            "f()", "()", "function", "g", "{", "}", "alias", "ll=ls", "&"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINEISH, max_size=12).map(" ".join))
def test_line_gates_keep_what_the_full_readers_find(text: str) -> None:
    from blastwall.environment import commands

    assert commands.statement_env(text) == commands._statement_env(text)
    assert commands.quoted_tunnels(text) == commands._quoted_tunnels(text)
    assert commands._functions(text) == commands._defined(text)


# ---- the decisions a measurement can lead to, without a policy per combination -----------------

_RADIUS_RULES = [
    {"id": "r1", "decision": "allow", "effect": ["delete"], "radius": {"files": "<10"}},
    {"id": "r2", "decision": "deny", "rule": ["shell.fs:*"], "radius": {"rows": ">1000"}},
    {"id": "r3", "decision": "ask", "radius": {"measured": False}},
    {"id": "r4", "decision": "allow", "effect": ["overwrite", "delete"], "max_severity": "high",
     "radius": {"irreplaceable": False}},
]


def _plain_decisions(policy, finding, agent, surface):  # type: ignore[no-untyped-def]
    """`radius.matters.decisions` as it was: a policy per combination of the open radius rules."""
    from blastwall.radius import matters

    probe = finding._replace(radius=None)
    rules = list(policy.rules)
    unconditional = matters._unconditional(policy.rules)
    open_ = [i for i, rule in unconditional.items() if rule.matches(probe, agent=agent, surface=surface)]
    if len(open_) > matters.MAX_OPEN:
        return None
    out = set()
    for mask in range(2 ** len(open_)):
        variant = list(rules)
        for bit, i in enumerate(open_):
            variant[i] = unconditional[i] if mask >> bit & 1 else None
        decided, _ = policy._replace(rules=tuple(r for r in variant if r is not None)).decide(
            probe, agent=agent, surface=surface)
        out.add(decided)
    return frozenset(out)


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["delete", "overwrite", "rewrite_history", "discard_work", "destroy_infra", "read_secret"]),
       st.sampled_from(["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"]),
       st.sampled_from(["shell.git:push-force", "shell.fs:rm", "sql.postgres:delete-all-rows", "file.write:x",
                        "shell.git:branch-force-delete", "mcp.filesystem:delete"]),
       st.sampled_from(["", "origin main", "/srv/x"]),
       st.sampled_from([None, "production", "dev"]),
       st.sampled_from([None, "claude-code"]),
       st.integers(0, 7))
def test_radius_decisions_are_those_of_a_policy_per_combination(effect: str, severity: str, rule_id: str, target: str,
                                                                environment: str | None, agent: str | None,
                                                                layers: int) -> None:
    from blastwall.model import Effect, Finding, Severity
    from blastwall.policy.engine import compile_layers, default_document
    from blastwall.radius import matters

    docs = [("defaults", default_document())]
    if layers & 1:
        docs.insert(0, ("user", {"rule": _RADIUS_RULES[:2], "protected_branches": ["main"]}))
    if layers & 2:
        docs.insert(0, ("project", {"rule": _RADIUS_RULES[2:] + _EXTRA_RULES[:2]}))
    if layers & 4:
        docs.insert(0, ("project2", {"rule": _RADIUS_RULES}))
    policy = compile_layers(docs, untrusted=frozenset({"project"}))
    finding = Finding(rule_id, Effect(effect), Severity[severity], "r", target=target, environment=environment)
    assert matters.decisions(policy, finding, agent=agent, surface="shell") == \
        _plain_decisions(policy, finding, agent, "shell")


# ---- filesystem rows whose subcommand is not on the line, skipped before the words are split ------

_FS_WORDS = st.sampled_from(["stash", "push", "save", "drop", "clean", "-f", "-fdx", "-u", "checkout", "restore", "rm",
                             "mv", "--", "x", "build/", "-o", "--output", "out.zip", "archive", "-C", "dir", "-rf", "."])


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(["git", "rm", "cp", "mv", "tar", "zip", "rsync"]), st.lists(_FS_WORDS, max_size=6))
def test_fs_rows_skipped_by_their_subcommand_find_what_every_row_finds(program: str, words: list[str]) -> None:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.shell import fsops
    from blastwall.analyze.shell.ir import Word

    argv = [Word.lit(program), *(Word.lit(w) for w in words)]
    source = " ".join([program, *words])
    scope = Scope(read_files=False)
    gated = fsops.analyze_fs(program, argv, scope, source)
    rows = len(fsops._index().get(program, []))
    real = fsops._first_words
    fsops._first_words = lambda name: (None,) * rows  # type: ignore[assignment]
    try:
        plain = fsops.analyze_fs(program, argv, scope, source)
    finally:
        fsops._first_words = real
    assert gated == plain


def test_a_rule_reason_is_the_first_rule_of_that_id() -> None:
    from blastwall.model import Effect, Finding, Severity
    from blastwall.policy.engine import compile_layers, default_document

    policy = compile_layers([("project", {"rule": [{"id": "dup", "decision": "ask", "reason": "first"}]}),
                             ("user", {"rule": [{"id": "dup", "decision": "deny", "reason": "second"}]}),
                             ("defaults", default_document())])
    finding = Finding("shell.fs:rm", Effect.DELETE, Severity.HIGH, "r")
    for rule_id in [*(r.id for r in policy.rules), "severity:high", "nope", ""]:
        plain = next((r.reason for r in policy.rules if r.id == rule_id), "")
        assert policy.explain(rule_id, finding) == plain
    assert policy.explain("dup", finding) == "first"


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["", " ", "/", "~", "$", "$HOME", "${HOME}", "$PWD", "~+", "~-", "/proc/self/cwd", "/etc", ".",
                        "src", " /tmp", "\t~/", "x"]),
       st.sampled_from(["", "/", "hosts", "passwd", ".env", "a/b"]),
       st.sampled_from([None, "/tmp", "/work"]), st.sampled_from([None, "/etc", "$DYNAMIC_DIR"]),
       st.booleans())
def test_a_relative_path_without_a_folder_is_not_looked_up(head: str, tail: str, cwd: str | None,
                                                           shell_dir: str | None, mounted: bool) -> None:
    import os

    from blastwall.analyze.base import Scope
    from blastwall.analyze.credentials import resolve
    from blastwall.analyze.shell import readpaths

    scope = Scope(cwd=cwd, shell_dir=shell_dir, mounts=(("/w", "/tmp"),) if mounted else ())
    path = head + tail
    full = resolve(readpaths.mounted(readpaths.in_shell_dir(path, scope), scope), scope)
    assert readpaths.exists_here(path, scope) == (bool(full) and os.path.lexists(full))


# ---- a statement's common table expressions, looked for only when it says WITH ----------------

_CTES = st.sampled_from(["", "WITH ids AS (SELECT id FROM t) ", "with ids as (select id from t where id = 1) ",
                         "WiTh RECURSIVE ids AS (SELECT 1 AS id) ", "WITH d AS (DELETE FROM t RETURNING *) ",
                         "WITH ids AS (SELECT id FROM t), x AS (SELECT 2) "])
_MAIN = st.sampled_from(["DELETE FROM o WHERE id IN (SELECT id FROM ids)", "UPDATE o SET a = 1 WHERE id IN (SELECT id FROM ids)",
                         "DELETE FROM o WHERE EXISTS (SELECT 1 FROM ids WHERE ids.id = o.id)", "SELECT * FROM d",
                         "DELETE FROM t", "DELETE FROM withdrawals WHERE id = 1", "SELECT 1"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(_CTES, _MAIN).map("".join), min_size=1, max_size=3).map("; ".join))
def test_cte_gate_keeps_every_statement_hit(text: str) -> None:
    from blastwall.analyze.sql import pg

    gated = pg.statements(text)
    real = pg._may_have_ctes
    pg._may_have_ctes = lambda src: True
    try:
        plain = pg.statements(text)
    finally:
        pg._may_have_ctes = real
    if gated is None:
        assert plain is None
    else:
        assert plain is not None
        assert [(s.hits, s.tx, s.savepoint) for s in gated] == [(s.hits, s.tx, s.savepoint) for s in plain]


# ---- known credential files, looked at only when a pattern's literal run is in the path ---------

_PATHISH = st.sampled_from(["~/", "/root/", "/etc/", ".aws/credentials", ".ssh/id_rsa", "id_ed25519.pub", ".kube/",
                            "config", ".netrc", "service-account.json", "x.pem", "x.PEM", "/etc/shadow", ".env", "git",
                            "push", "kubeconfig", ".docker/config.json", "a/", ".git-credentials", "CREDENTIALS"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PATHISH, min_size=1, max_size=4).map("".join))
def test_known_file_gate_finds_what_every_pattern_finds(path: str) -> None:
    from blastwall.analyze import credentials
    from blastwall.analyze.base import Scope
    from blastwall.analyze.files import _variants

    scope = Scope(read_files=False)
    plain: list[object] = []
    for norm in _variants(path, scope):  # known_file as it was: every pattern of every group
        low = norm.casefold()
        for patterns, requires, label in credentials._known_hinted():
            if not any(hint in low and credentials._glob_match(low, g) for hint, g in patterns):
                continue
            if requires is not None and not credentials._holds(path, requires, scope):
                continue
            plain = [credentials.finding("known", path, label, "reads")]
            break
        if plain:
            break
    assert credentials.known_file(path, scope, "reads") == plain


def test_a_pattern_without_a_literal_run_opens_the_hint_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.analyze import credentials

    real = credentials._known_hinted()
    credentials._any_hint.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(credentials, "_known_hinted", lambda: (*real, ((("", "*"),), None, "anything")))
            assert credentials._any_hint()("zzz")
    finally:
        credentials._any_hint.cache_clear()
    assert not credentials._any_hint()("zzz")


def test_a_policy_section_is_the_last_pair_of_its_name() -> None:
    from blastwall.policy.engine import SECTIONS, _last, compile_layers, default_document

    policy = compile_layers([("project", {"protected_branches": ["main"], "secrets": {"reads": "ask"}}),
                             ("user", {"protected_branches": ["release/*"], "secrets": {"found": "ask"}}),
                             ("defaults", default_document())])
    for name in [*SECTIONS, "nope", ""]:
        assert policy.section(name) == _last(policy.sections, name, None)
    twice = policy._replace(sections=(*policy.sections, ("secrets", {"list": "/x"})))  # another tuple: its own answer
    assert twice.section("secrets") == {"list": "/x"} and policy.section("secrets") != {"list": "/x"}


# ---- plain command lines, read without tree-sitter --------------------------------------------

_PLAIN_WORDS = st.sampled_from(["git", "push", "-f", "--force", "origin", "main", "rm", "-rf", "build/", "x=1", "X=y",
                                "a:b", "50%", "user@host", "a,b", "+x", "-", "--", ".", ":", "=", "2", "1.5", "-1",
                                "http://x/y", "if", "then", "fi", "do", "done", "in", "case", "esac", "for", "while",
                                "export", "declare", "local", "readonly", "typeset", "unset", "unsetenv", "alias",
                                "trap", "set", "time", "coproc", "function", "select", "until", "elif", "else",
                                "EDITOR=vim", "PAGER=less", "a=b=c", "X+=1", "1=2", "_", "%1", "@", "eval", "source",
                                "exec", "let", "read", "printf", "-v", "test", "echo", "kubectl", "a..b", "x/"])


def _read_both_ways(text: str) -> tuple[object, object]:
    """`text` read by the plain-line reading (None when it does not take the line) and by the walk
    of tree-sitter's tree (the plain reading turned off)."""
    from blastwall.analyze.shell import parse as shell_parse

    fast = shell_parse._plain_command(text)
    real = shell_parse._plain_command
    shell_parse._plain_command = lambda t: None
    try:
        walked = shell_parse._parse(text)
    finally:
        shell_parse._plain_command = real
    return fast, walked


@settings(max_examples=5000, deadline=None)
@given(st.lists(_PLAIN_WORDS, min_size=1, max_size=6), st.sampled_from([" ", "  ", " "]), st.booleans(),
       st.booleans())
def test_a_plain_line_parses_as_the_walk_reads_it(words: list[str], gap: str, lead: bool, trail: bool) -> None:
    text = (" " if lead else "") + gap.join(words) + (" " if trail else "")
    fast, walked = _read_both_ways(text)
    if fast is not None:
        assert (fast.commands, fast.errors, fast.redirect_only) == (walked.commands, walked.errors, walked.redirect_only)


_PLAIN_CHARS = "abcdefghijklmnopqrstuvwxyzAZ0123456789_./:@%+,=-    "
_QUOTED_INSIDE = st.text(alphabet="".join(chr(c) for c in range(0x20, 0x7F)), max_size=12)
_QUOTED_WORDS = (_QUOTED_INSIDE.map(lambda t: "'" + t.replace("'", "") + "'")
                 | _QUOTED_INSIDE.map(lambda t: '"' + "".join(c for c in t if c not in '"$`\\') + '"')
                 | _QUOTED_INSIDE.map(lambda t: "'" + t + "'") | _QUOTED_INSIDE.map(lambda t: '"' + t + '"'))


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["psql", "git", "echo", "unset", "read", "printf", "test", "declare", "if", "curl", "a"]),
       st.lists(_QUOTED_WORDS | _PLAIN_WORDS, max_size=5), st.sampled_from([" ", "  "]))
def test_a_line_with_quoted_words_parses_as_the_walk_reads_it(first: str, words: list[str], gap: str) -> None:
    text = gap.join([first, *words])
    fast, walked = _read_both_ways(text)
    if fast is not None:
        assert (fast.commands, fast.errors, fast.redirect_only) == (walked.commands, walked.errors, walked.redirect_only)


@settings(max_examples=5000, deadline=None)
@given(st.text(alphabet=_PLAIN_CHARS, min_size=1, max_size=30) | st.lists(
    st.sampled_from(["if", "do", "done", "in", "fi", "esac", "then", "a", "-a", "-o", "k", "=", "%", "x", "1"]) |
    st.text(alphabet=_PLAIN_CHARS, max_size=6), max_size=5).map(" ".join))
def test_any_plain_text_parses_as_the_walk_reads_it(text: str) -> None:
    fast, walked = _read_both_ways(text)
    if fast is not None:
        assert (fast.commands, fast.errors, fast.redirect_only) == (walked.commands, walked.errors, walked.redirect_only)


_COMMAND = st.tuples(st.sampled_from(["git", "rm", "echo", "unset", "psql", "cd", "if", "export", "a", "time"]),
                     st.lists(_QUOTED_WORDS | _PLAIN_WORDS, max_size=3)).map(lambda c: " ".join([c[0], *c[1]]))
_JOINERS = st.sampled_from(["&&", " && ", "  &&  ", ";", "; ", " ; ", " ;", " || ", "||", " | ", " & ", "&", ";;", "&&&"])


@settings(max_examples=5000, deadline=None)
@given(st.lists(_COMMAND | st.text(alphabet=_PLAIN_CHARS, max_size=8), min_size=1, max_size=5),
       st.lists(_JOINERS, min_size=4, max_size=4), st.booleans(), st.booleans())
def test_a_chain_of_plain_commands_parses_as_the_walk_reads_it(commands: list[str], joiners: list[str], lead: bool,
                                                               trail: bool) -> None:
    text = commands[0]
    for command, joiner in zip(commands[1:], joiners):
        text += joiner + command
    text = (" " if lead else "") + text + (" " if trail else "")
    fast, walked = _read_both_ways(text)
    if fast is not None:
        assert (fast.commands, fast.errors, fast.redirect_only) == (walked.commands, walked.errors, walked.redirect_only)


@pytest.mark.parametrize("text", ["git add . && git commit -m 'a && b; c' && git push", "a; b && c && d; e",
                                  'rm -rf venv && python -m venv venv', 'git commit -m "x; y" && git push -f'])
def test_chains_of_plain_commands_take_the_plain_reading(text: str) -> None:
    fast, walked = _read_both_ways(text)
    assert fast is not None
    assert (fast.commands, fast.errors, fast.redirect_only) == (walked.commands, walked.errors, walked.redirect_only)


# ---- redaction: a pattern runs only when one of its hints is in the text ------------------------

def _redaction_patterns() -> list[tuple[object, tuple[str, ...]]]:
    from blastwall import redact

    return [(p, hints) for p, _, hints in redact._patterns()]


@pytest.mark.parametrize("index", range(len(_redaction_patterns())))
def test_every_match_of_a_redaction_pattern_holds_one_of_its_hints(index: int) -> None:
    import re

    pattern, hints = _redaction_patterns()[index]

    @settings(max_examples=300, deadline=None)
    @given(st.from_regex(re.compile(pattern.pattern, pattern.flags), fullmatch=True))  # type: ignore[attr-defined]
    def holds(text: str) -> None:
        m = pattern.search(text)  # type: ignore[attr-defined]
        if m is not None:
            assert any(h in m.group(0).casefold() for h in hints), (pattern, text)

    holds()


_SECRETISH = st.sampled_from([
    "token ", "Bearer abcdefghijkl", "password=hunter22", "pass", "ſecret=abcdef", "api-key: xyz123", "AUTH=zzz",
    "postgres://u:p4ss@db/x", "https://x:y@h", "ghp_" + "a" * 36, "github_pat_" + "b" * 60, "glpat-" + "c" * 20,
    "sk_live_" + "d" * 24, "xoxb-" + "e" * 12, "npm_" + "f" * 36, "AKIA" + "A" * 16, "ASIA" + "B" * 16,
    "RAILWAY_TOKEN=01234567-89ab-cdef-0123-456789abcdef", "aws_secret_access_key=" + "g" * 40, "Kelvin: \u212aey",
    "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----", " ", "=", ":", "'", '"', "***", "x", "\n",
    "basic QWxhZGRpbjpvcGVu", "AWS", "key", "private"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_SECRETISH, max_size=6).map("".join))
def test_redaction_with_hints_is_every_pattern_run(text: str) -> None:
    from blastwall import redact

    plain = text
    if text and redact._hint_pattern().search(text.lower()) is not None:
        for pattern, repl, _ in redact._patterns():  # redact as it was: every pattern, in order
            plain = pattern.sub(repl, plain)
    assert redact.redact(text) == plain


@pytest.mark.parametrize("text", ["unset 'a[$(id)]'", "read 'x[$(id)]'", 'printf -v "a[$(id)]" x', "test -v 'a[`id`]'",
                                  "let 'a[$(id)]=1'", "kill 'a[$[1]]'", "echo 'a[$(id)]'", "psql -c 'SELECT $(x)'"])
def test_a_quoted_subscript_is_read_as_the_walk_reads_it(text: str) -> None:
    fast, walked = _read_both_ways(text)
    if fast is not None:
        assert (fast.commands, fast.errors) == (walked.commands, walked.errors)
