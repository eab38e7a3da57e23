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
