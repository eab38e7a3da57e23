"""Cedar policies as a second policy layer: tighten and authoritative modes, failing closed,
shipped examples, and cedarpy staying unloaded when `[cedar]` is not configured."""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from blastwall.engine import check
from blastwall.policy import cedar
from blastwall.policy.engine import Policy, compile_layers, default_document
from blastwall.policy.load import read_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cedar"
PROD = {"environment": "production"}

FORBID_PROD = """
@id("prod:no-delete-or-rewrite")
forbid (principal, action in [Action::"delete", Action::"rewrite_history"], resource)
when { resource.environment == "production" };
"""


def _policy(tmp_path: Path, cedar_files: dict[str, str], table: str = 'policies = ["policies/*.cedar"]', rules: str = "") -> Policy:
    for name, text in cedar_files.items():
        path = tmp_path / "policies" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    f = tmp_path / "blastwall.toml"
    f.write_text(f"{rules}\n[cedar]\n{table}\n")
    return compile_layers([(str(f), read_document(f)), ("defaults", default_document())])


def _decide(policy: Policy, command: str, kind: str = "shell", **context: Any) -> tuple[str, tuple[str, ...], bool]:
    v = check(command, kind, context=context, policy=policy)
    return v.decision.value, v.reasons, v.degraded


# -- tighten (default) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "file_decision"),
    [("rm -rf node_modules", "allow"), ("git push --force origin main", "ask")],
)
def test_forbid_overrides_the_file_policy(tmp_path: Path, command: str, file_decision: str) -> None:
    p = _policy(tmp_path, {"prod.cedar": FORBID_PROD})
    assert _decide(p, command)[0] == file_decision  # not in production: the file policy decides
    decision, reasons, degraded = _decide(p, command, **PROD)
    assert (decision, degraded) == ("deny", False)
    assert "Cedar policy prod:no-delete-or-rewrite forbids" in reasons[0]
    assert "in production" in reasons[0]


def test_reason_annotation_is_the_verdict_reason(tmp_path: Path) -> None:
    text = '@id("p1")\n@reason("not in prod, ask the on-call")\nforbid (principal, action, resource) when { resource.environment == "production" };'
    p = _policy(tmp_path, {"prod.cedar": text})
    assert _decide(p, "rm -rf build", **PROD)[1] == ("not in prod, ask the on-call (Cedar policy p1)",)


def test_unnamed_policy_is_labelled_by_file_and_position(tmp_path: Path) -> None:
    text = 'permit (principal, action, resource);\nforbid (principal, action == Action::"delete", resource);'
    p = _policy(tmp_path, {"a.cedar": "permit (principal, action, resource) when { false };", "b.cedar": text})
    assert _decide(p, "rm -rf build")[1][0].startswith("Cedar policy b.cedar#2 forbids delete on build")


def test_forbid_scoped_to_one_agent(tmp_path: Path) -> None:
    text = 'forbid (principal == Agent::"codex", action == Action::"rewrite_history", resource);'
    p = _policy(tmp_path, {"codex.cedar": text})
    assert _decide(p, "git push -f", agent="codex")[0] == "deny"
    assert _decide(p, "git push -f", agent="claude-code")[0] == "ask"
    assert _decide(p, "git push -f")[0] == "ask"  # no agent: Agent::"unknown"


def test_forbid_by_severity_and_surface(tmp_path: Path) -> None:
    text = 'forbid (principal, action, resource) when { resource.surface == "sql" && resource.severity >= 3 };'
    p = _policy(tmp_path, {"sql.cedar": text})
    assert _decide(p, "DROP TABLE users", "sql")[0] == "deny"
    assert _decide(p, "git push -f")[0] == "ask"


def test_context_attributes(tmp_path: Path) -> None:
    text = 'forbid (principal, action, resource) when { context.database == "billing" && principal.session == "s1" };'
    p = _policy(tmp_path, {"ctx.cedar": text})
    assert _decide(p, "DELETE FROM invoices", "sql", database="billing", session="s1")[0] == "deny"
    assert _decide(p, "DELETE FROM invoices", "sql", database="billing", session="s2")[0] == "ask"


def test_permits_do_not_loosen_in_tighten_mode(tmp_path: Path) -> None:
    p = _policy(tmp_path, {"all.cedar": "permit (principal, action, resource);"})
    assert _decide(p, "git push --force origin main")[0] == "ask"
    assert _decide(p, "rm -rf /")[0] == "deny"


def test_file_deny_keeps_its_reason(tmp_path: Path) -> None:
    rules = '[[rule]]\nrule = "shell.git:push-force"\ndecision = "deny"\nreason = "team rule"\n'
    p = _policy(tmp_path, {"prod.cedar": FORBID_PROD}, rules=rules)
    decision, reasons, _ = _decide(p, "git push -f origin main", **PROD)
    assert decision == "deny"
    assert not any("Cedar" in r for r in reasons)


def test_inert_action_never_reaches_cedar(tmp_path: Path) -> None:
    p = _policy(tmp_path, {"all.cedar": "forbid (principal, action, resource);"})
    assert _decide(p, "ls -la")[0] == "allow"
    assert _decide(p, "rm -rf node_modules")[0] == "deny"


def test_same_target_with_different_attributes_is_evaluated_per_finding(tmp_path: Path) -> None:
    text = 'forbid (principal, action, resource) when { resource.rule_id == "shell.fs:rm" && resource.target == "build" };'
    p = _policy(tmp_path, {"t.cedar": text})
    assert _decide(p, "rm -rf build && git clean -fdx build")[0] == "deny"


def test_decisions_are_deterministic(tmp_path: Path) -> None:
    p = _policy(tmp_path, {"prod.cedar": FORBID_PROD})
    results = {check("git push --force origin main; rm -rf dist", context=PROD, policy=p) for _ in range(5)}
    assert len({(v.decision, v.reasons, v.rule_ids) for v in results}) == 1


# -- authoritative -------------------------------------------------------------------------------


def test_authoritative_mode(tmp_path: Path) -> None:
    text = """
permit (principal, action == Action::"delete", resource) when { resource.target == "node_modules" };
permit (principal == Agent::"release-bot", action == Action::"rewrite_history", resource);
forbid (principal, action, resource) when { resource.environment == "production" };
"""
    p = _policy(tmp_path, {"auth.cedar": text}, table='policies = ["policies/auth.cedar"]\nmode = "authoritative"')
    assert _decide(p, "rm -rf node_modules")[0] == "allow"  # permitted
    decision, reasons, _ = _decide(p, "rm -rf build")  # the file policy allows it; no permit
    assert decision == "ask" and reasons[0].startswith("no Cedar policy permits delete on build")
    assert _decide(p, "git push -f origin main", agent="release-bot")[0] == "allow"  # a permit lifts an ask
    assert _decide(p, "git push -f origin main", agent="codex")[0] == "ask"
    assert _decide(p, "rm -rf node_modules", **PROD)[0] == "deny"  # forbid wins over permit
    assert _decide(p, "rm -rf /")[0] == "deny"  # a file-policy deny stands


def test_authoritative_never_allows_a_degraded_finding(tmp_path: Path) -> None:
    p = _policy(tmp_path, {"all.cedar": "permit (principal, action, resource);"}, table='policies = "policies/all.cedar"\nmode = "authoritative"')
    v = check("echo hi\x00", policy=p)
    assert v.decision.value == "ask" and v.degraded


# -- failing closed ------------------------------------------------------------------------------


def _assert_degraded(p: Policy, needle: str) -> None:
    decision, reasons, degraded = _decide(p, "rm -rf node_modules")  # the file policy alone allows it
    assert (decision, degraded) == ("ask", True)
    assert needle in reasons[0] and "\n" not in reasons[0]
    assert "blastwall policy check" in reasons[0]


def test_malformed_cedar_gives_degraded_ask(tmp_path: Path) -> None:
    p = _policy(tmp_path, {"bad.cedar": "forbid (principal, action, resource) when { resource.x == };"})
    _assert_degraded(p, "bad.cedar: Cedar syntax error")


def test_policy_that_does_not_match_the_schema_gives_degraded_ask(tmp_path: Path) -> None:
    p = _policy(tmp_path, {"typo.cedar": 'forbid (principal, action, resource) when { resource.severity == "high" };'})
    _assert_degraded(p, "typo.cedar")


def test_missing_policy_file_gives_degraded_ask(tmp_path: Path) -> None:
    p = _policy(tmp_path, {}, table='policies = ["policies/missing.cedar"]')
    _assert_degraded(p, "missing.cedar does not exist")


def test_glob_matching_nothing_gives_degraded_ask(tmp_path: Path) -> None:
    _assert_degraded(_policy(tmp_path, {}), "matches no file")


@pytest.mark.parametrize(
    ("table", "needle"),
    [('policies = ["policies/*.cedar"]\nmode = "loose"', "mode must be"), ("mode = \"tighten\"", "needs policies"), ('policy = "x"', "unknown key")],
)
def test_bad_cedar_table_gives_degraded_ask(tmp_path: Path, table: str, needle: str) -> None:
    _assert_degraded(_policy(tmp_path, {"prod.cedar": FORBID_PROD}, table=table), needle)


def test_missing_cedarpy_gives_degraded_ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_cedarpy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "cedarpy":
            raise ImportError("No module named 'cedarpy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cedarpy)
    cedar._prepare.cache_clear()
    _assert_degraded(_policy(tmp_path, {"prod.cedar": FORBID_PROD}), "cedarpy is not installed")


def test_evaluation_error_gives_degraded_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(cedar, "authorize", boom)
    _assert_degraded(_policy(tmp_path, {"prod.cedar": FORBID_PROD}), "Cedar evaluation failed (RuntimeError: engine exploded)")


def test_relative_paths_resolve_against_the_file_that_sets_them(tmp_path: Path) -> None:
    user_dir, project_dir = tmp_path / "user", tmp_path / "project"
    (user_dir / "cedar").mkdir(parents=True)
    project_dir.mkdir()
    (user_dir / "cedar" / "prod.cedar").write_text(FORBID_PROD)
    (user_dir / "blastwall.toml").write_text('[cedar]\npolicies = ["cedar/*.cedar"]\n')
    (project_dir / "blastwall.toml").write_text('[cedar]\nmode = "tighten"\n')
    layers = [(str(d / "blastwall.toml"), read_document(d / "blastwall.toml")) for d in (project_dir, user_dir)]
    p = compile_layers([*layers, ("defaults", default_document())])
    assert cedar.configure(p).policies == (str(user_dir / "cedar" / "prod.cedar"),)
    assert _decide(p, "rm -rf node_modules", **PROD)[0] == "deny"


# -- validation and shipped examples -------------------------------------------------------------


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    p = _policy(
        tmp_path,
        {
            "a.cedar": "forbid (principal, action, resource) when {",
            "b.cedar": '@id("sev") forbid (principal, action, resource) when { resource.severity == "high" };',
            "c.cedar": 'forbid (principal, action == Action::"explode", resource);',
            "ok.cedar": FORBID_PROD,
        },
    )
    problems = cedar.validate(p)
    assert "a.cedar: Cedar syntax error" in problems[0]
    assert "b.cedar: sev: the types Long and String are not compatible" in problems[1]
    assert 'c.cedar: c.cedar#1: unrecognized action `Action::"explode"`' in problems[2]
    assert not any("ok.cedar" in p for p in problems)


def test_validate_without_cedar_is_empty() -> None:
    assert cedar.validate(compile_layers([("defaults", default_document())])) == []


def test_shipped_schema_lists_every_effect() -> None:
    from blastwall.model import Effect

    schema = json.loads(Path(cedar.SCHEMA_PATH).read_text())
    assert set(schema[""]["actions"]) == {e.value for e in Effect}


def test_shipped_examples_validate_against_the_shipped_schema() -> None:
    files = sorted(EXAMPLES.rglob("*.cedar"))
    assert len(files) >= 4
    assert cedar.validate_table({"policies": ["**/*.cedar"]}, str(EXAMPLES / "blastwall.toml")) == []
    doc = read_document(EXAMPLES / "blastwall.toml")
    assert cedar.validate_table(doc["cedar"], str(EXAMPLES / "blastwall.toml")) == []


def test_shipped_examples_decide(tmp_path: Path) -> None:
    f = EXAMPLES / "blastwall.toml"
    p = compile_layers([(str(f), read_document(f)), ("defaults", default_document())])
    assert _decide(p, "rm -rf node_modules", **PROD)[0] == "deny"
    assert _decide(p, "rm -rf node_modules")[0] == "allow"
    assert _decide(p, "git push --force origin main")[0] == "deny"
    assert _decide(p, "git push --force origin feature-x")[0] == "ask"
    assert _decide(p, "DROP TABLE users", "sql", agent="codex")[0] == "deny"
    assert _decide(p, "DROP TABLE users", "sql", agent="claude-code")[0] == "ask"


# -- start-up cost -------------------------------------------------------------------------------


def _loaded_modules(tmp_path: Path, script: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_cedar_is_never_imported_without_cedar_config(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from blastwall.engine import check\n"
        "from blastwall.policy.engine import default_policy\n"
        "for c in ('rm -rf node_modules', 'git push --force origin main', 'rm -rf /'):\n"
        "    check(c, policy=default_policy(), context={'environment': 'production'})\n"
        "print(json.dumps([m for m in sys.modules if 'cedar' in m]))\n"
    )
    assert _loaded_modules(tmp_path, script) == set()


def test_cedarpy_is_not_imported_for_inert_actions(tmp_path: Path) -> None:
    _policy(tmp_path, {"prod.cedar": FORBID_PROD})
    script = (
        "import json, sys\n"
        "from blastwall.engine import check\n"
        "from blastwall.policy.engine import compile_layers, default_document\n"
        "from blastwall.policy.load import read_document\n"
        "p = compile_layers([('blastwall.toml', read_document('blastwall.toml')), ('defaults', default_document())])\n"
        "assert check('ls -la', policy=p).decision.value == 'allow'\n"
        "print(json.dumps([m for m in sys.modules if m == 'cedarpy']))\n"
    )
    assert _loaded_modules(tmp_path, script) == set()


CEDAR_SCHEMA = """
type RequestContext = { cwd: String, database: String };
entity Agent = { name: String, session: String };
entity Target = { target: String, environment: String, surface: String, severity: Long, rule_id: String, reversible: Bool };
action delete, rewrite_history appliesTo { principal: Agent, resource: Target, context: RequestContext };
"""


def test_custom_schema_in_cedar_syntax(tmp_path: Path) -> None:
    (tmp_path / "team.cedarschema").write_text(CEDAR_SCHEMA)
    p = _policy(tmp_path, {"prod.cedar": FORBID_PROD}, table='policies = "policies/*.cedar"\nschema = "team.cedarschema"')
    assert cedar.validate(p) == []
    assert _decide(p, "rm -rf node_modules", **PROD)[0] == "deny"


def test_invalid_schema_gives_degraded_ask(tmp_path: Path) -> None:
    (tmp_path / "bad.cedarschema").write_text("entity Agent = {")
    p = _policy(tmp_path, {"prod.cedar": FORBID_PROD}, table='policies = "policies/*.cedar"\nschema = "bad.cedarschema"')
    _assert_degraded(p, "bad.cedarschema: invalid Cedar schema")
