"""Rego policies in-process (regopy): the input document and its schema, combining with the
policy files (a Rego deny wins, a Rego allow never loosens a built-in deny, authoritative mode),
trust (an untrusted project's Rego only tightens), failing closed (syntax errors with file and
line, a rego-cpp crash, bad answers), compiling once, the tooling (`policy check`, `policy test`,
`policy input`, `explain`) and the three example policies deciding the cases they claim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pg import PgServer, postgres  # noqa: F401

from blastwall.engine import check, explain_action, make_action
from blastwall.model import Decision
from blastwall.policy import rego, rego_answer, rego_source
from blastwall.policy.engine import Policy, compile_layers, default_document
from blastwall.policy.load import load_policy, read_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "rego"
SCHEMA = json.loads((ROOT / "docs" / "rego-input.schema.json").read_text())
BLASTWALL = [sys.executable, "-m", "blastwall"]

DENY_PRODUCTION_DELETES = """package blastwall

import rego.v1

deny contains msg if {
	some f in input.findings
	f.production
	f.effect == "delete"
	msg := sprintf("no deletes in production (%s)", [f.target])
}

decision := {"deny": deny} if count(deny) > 0
"""

ALLOW_ALL = 'package blastwall\n\ndecision := "allow"\n'


def write_policy(folder: Path, rego_files: dict[str, str], table: str = 'files = ["policy/"]', rules: str = "",
                 extra: str = "") -> Path:
    for name, text in rego_files.items():
        path = folder / "policy" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    f = folder / "blastwall.toml"
    f.write_text(f"{rules}\n[policy.rego]\n{table}\n{extra}")
    return f


def compiled_policy(f: Path) -> Policy:
    return compile_layers([(str(f), read_document(f)), ("defaults", default_document())])


def rego_policy(tmp_path: Path, rego_files: dict[str, str], **kw: str) -> Policy:
    return compiled_policy(write_policy(tmp_path, rego_files, **kw))


def decide(policy: Policy, payload: Any, kind: str = "shell", **context: Any) -> tuple[str, tuple[str, ...], bool]:
    v = check(payload, kind, context=context, policy=policy)
    return v.decision.value, v.reasons, v.degraded


def input_of(policy: Policy, payload: Any, kind: str = "shell", **context: Any) -> dict[str, Any]:
    _, details = explain_action(make_action(kind, payload, context), policy, locate=False)
    assert details.rego_input is not None
    return details.rego_input


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.delenv("BLASTWALL_ENVIRONMENT", raising=False)


# -- the input document --------------------------------------------------------------------------


NO_OPINION = {"none.rego": "package blastwall\n"}


@pytest.mark.parametrize(("kind", "payload", "context"), [
    ("shell", "git push --force origin main", {"agent": "codex", "session": "s1"}),
    ("shell", "ls -la", {}),
    ("sql", "DROP TABLE users", {"environment": "production", "database": "postgresql://app@db.internal/app"}),
    ("http", {"method": "DELETE", "url": "https://api.github.com/repos/acme/api"}, {}),
    ("mcp", {"server": "fs", "tool": "delete_file", "arguments": {"path": "/srv/data.db"}}, {"agent": "cursor"}),
    ("file_write", {"path": "../elsewhere/notes.txt", "content": "x"}, {}),
    ("file_read", {"path": ".env"}, {}),
], ids=["shell", "inert", "sql", "http", "mcp", "file_write", "file_read"])
def test_every_surface_gives_an_input_the_schema_accepts(tmp_path: Path, kind: str, payload: Any,
                                                         context: dict[str, Any]) -> None:
    (tmp_path / "proj").mkdir()
    context = {"cwd": str(tmp_path / "proj"), **context}
    doc = input_of(rego_policy(tmp_path, NO_OPINION), payload, kind, **context)
    jsonschema.validate(doc, SCHEMA)
    assert doc["action"]["surface"] == kind and doc["action"]["payload"] == payload
    assert doc["action"]["cwd"] == context["cwd"] and doc["action"]["agent"] == context.get("agent")


def test_the_input_carries_preflight_facts_radius_and_the_file_policy_decision(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    for i in range(3):
        (proj / "data" / f"{i}.csv").write_text("x" * 100)
    inventory = '[inventory.environments.prod-eu]\nproduction = true\nhosts = ["db-eu-*"]\n'
    doc = input_of(rego_policy(tmp_path, NO_OPINION, extra=inventory), "rm -rf data", cwd=str(proj))
    jsonschema.validate(doc, SCHEMA)
    (f,) = doc["findings"]
    assert f["rule_id"] == "shell.fs:rm" and f["effect"] == "delete" and f["path"] == str(proj / "data")
    assert f["radius"]["measured"] and f["radius"]["counts"]["files"] == 3
    assert doc["radius"] == {"measured": True, "complete": True, "counts": f["radius"]["counts"]}
    assert f["decision"] == "ask" and f["decided_by"].startswith(("severity:", "default"))
    assert doc["policy"] == {"decision": "ask", "degraded": False}

    sql = input_of(rego_policy(tmp_path, NO_OPINION, extra=inventory), "DROP TABLE users", "sql",
                   database="postgresql://app@db-eu-1/app")
    (f,) = sql["findings"]
    assert (f["environment"], f["production"]) == ("production", True)
    assert f["evidence"] == ["host db-eu-1 is in production (inventory)"]
    assert sql["preflight"] == {"environments": ["production"], "production": True, "unverified": False,
                                "shared": False}


def test_relative_targets_become_absolute_paths(tmp_path: Path) -> None:
    doc = input_of(rego_policy(tmp_path, NO_OPINION), "rm -rf ../other/data", cwd="/srv/work/shop")
    assert doc["findings"][0]["path"] == "/srv/work/other/data"
    doc = input_of(rego_policy(tmp_path, NO_OPINION), {"path": "../x/../y.txt", "content": "1"}, "file_write",
                   cwd="/srv/work/shop")
    assert doc["action"]["path"] == "/srv/work/y.txt"


def test_the_schema_rejects_a_document_that_breaks_it() -> None:
    jsonschema.validate(rego.SAMPLE, SCHEMA)
    broken = json.loads(json.dumps(rego.SAMPLE))
    broken["findings"][0]["severity"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    del broken["time"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


# -- combining with the policy files -------------------------------------------------------------


def test_a_rego_deny_wins_over_a_toml_allow(tmp_path: Path) -> None:
    rules = '[[rule]]\nid = "team:rm-ok"\nrule = "shell.fs:rm"\ndecision = "allow"\n'
    p = rego_policy(tmp_path, {"prod.rego": DENY_PRODUCTION_DELETES}, rules=rules)
    assert decide(p, "rm -rf data")[0] == "allow"  # not production: the TOML allow stands
    decision, reasons, degraded = decide(p, "rm -rf data", environment="production")
    assert (decision, degraded) == ("deny", False)
    assert reasons[0] == "no deletes in production (data) (Rego rule deny)"
    assert check("rm -rf data", context={"environment": "production"}, policy=p).rule_ids[0] == "rego:deny"


@pytest.mark.parametrize("mode", ["tighten", "authoritative"])
def test_a_rego_allow_cannot_loosen_a_builtin_deny(tmp_path: Path, mode: str) -> None:
    p = rego_policy(tmp_path, {"all.rego": ALLOW_ALL}, table=f'files = ["policy/"]\nmode = "{mode}"')
    assert decide(p, "rm -rf /")[0] == "deny"
    assert decide(p, "mkfs.ext4 /dev/sda1")[0] == "deny"
    rules = '[[rule]]\nrule = "shell.git:push-force"\ndecision = "deny"\n'
    p = rego_policy(tmp_path, {"all.rego": ALLOW_ALL}, table=f'files = ["policy/"]\nmode = "{mode}"', rules=rules)
    assert decide(p, "git push --force origin main")[0] == "deny"  # a TOML deny stands too


def test_a_rego_allow_does_not_loosen_in_tighten_mode(tmp_path: Path) -> None:
    p = rego_policy(tmp_path, {"all.rego": ALLOW_ALL})
    assert decide(p, "git push --force origin main")[0] == "ask"


def test_rego_sees_actions_without_findings(tmp_path: Path) -> None:
    text = 'package blastwall\n\nimport rego.v1\n\ndecision := {"deny": true, "reasons": ["no curl here"]} if ' \
           'startswith(input.action.payload, "curl ")\n'
    p = rego_policy(tmp_path, {"curl.rego": text})
    assert decide(p, "curl -s https://example.com")[:2] == ("deny", ("no curl here (Rego rule deny)",))
    assert decide(p, "ls")[0] == "allow"


def test_authoritative_mode_decides_what_the_files_do_not_deny(tmp_path: Path) -> None:
    text = """package blastwall

import rego.v1

decision := {"allow": true, "rule": "release-bot"} if input.action.agent == "release-bot"
decision := {"ask": ["deletes need a human"]} if {
	input.action.agent != "release-bot"
	some f in input.findings
	f.effect == "delete"
}
"""
    p = rego_policy(tmp_path, {"auth.rego": text}, table='files = ["policy/"]\nmode = "authoritative"')
    v = check("git push --force origin main", context={"agent": "release-bot"}, policy=p)
    assert v.decision is Decision.ALLOW  # the file policy asked; Rego alone decides
    assert decide(p, "rm -rf node_modules", agent="codex")[:2] == ("ask", ("deletes need a human (Rego rule ask)",
                                                                           "rm deletes node_modules (regenerable build "
                                                                           "output or cache)"))
    decision, reasons, _ = decide(p, "ls", agent="codex")  # no decision at all: ask, never allow
    assert decision == "ask" and "no Rego decision for this action" in reasons[0]


def test_approvers_reach_the_verdict(tmp_path: Path) -> None:
    text = 'package blastwall\n\nimport rego.v1\n\ndecision := {"ask": true, "approvers": 3} if count(input.findings) > 0\n'
    p = rego_policy(tmp_path, {"a.rego": text})
    v = check("git push --force origin main", policy=p)
    assert v.decision is Decision.ASK and v.approvers == 3 and v.to_dict()["approvers"] == 3
    assert check("ls", policy=p).approvers == 0


@pytest.mark.parametrize(("value", "expected"), [
    ("deny", (Decision.DENY, ())),
    ("ALLOW", (Decision.ALLOW, ())),
    ({"deny": ["b", "a"], "ask": ["c"]}, (Decision.DENY, ("b", "a"))),
    ({"deny": [], "ask": ["c"], "allow": True}, (Decision.ASK, ("c",))),
    ({"deny": {"old syntax": True}}, (Decision.DENY, ("old syntax",))),
    ({"ask": True, "reasons": "why"}, (Decision.ASK, ("why",))),
    ({"deny": False, "ask": False}, (None, ())),
    ({}, (None, ())),
    (None, (None, ())),
    (rego_answer.UNDEFINED, (None, ())),
])
def test_decision_documents(value: Any, expected: tuple[Decision | None, tuple[str, ...]]) -> None:
    answer = rego_answer.read(value)
    assert (answer.decision, answer.reasons) == expected


@pytest.mark.parametrize("value", [
    "maybe", 3, True, ["deny"], {"Deny": True}, {"deny": 1}, {"ask": True, "approvers": "2"},
    {"ask": True, "approvers": 99}, {"ask": True, "approvers": True}, {"deny": True, "rule": 5},
])
def test_a_decision_of_another_shape_is_an_error(value: Any, tmp_path: Path) -> None:
    with pytest.raises(rego_answer.AnswerError):
        rego_answer.read(value)
    p = rego_policy(tmp_path, {"odd.rego": f"package blastwall\n\ndecision := {json.dumps(value)}\n"})
    decision, reasons, degraded = decide(p, "rm -rf node_modules")
    assert (decision, degraded) == ("ask", True)  # never a guess, never allow
    assert reasons[0].startswith("Rego policy cannot be used")


# -- trust: a project's Rego only tightens until a human trusts it -------------------------------


def project(tmp_path: Path, rego_files: dict[str, str], table: str) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    write_policy(proj, rego_files, table=table)
    return proj


def test_untrusted_project_rego_only_tightens(tmp_path: Path) -> None:
    proj = project(tmp_path, {"all.rego": ALLOW_ALL}, 'files = ["policy/"]\nmode = "authoritative"')
    policy = load_policy(str(proj))
    ctx = {"cwd": str(proj)}
    assert check("git push --force origin main", context=ctx, policy=policy).decision is Decision.ASK
    from blastwall.policy.load import untrusted_entries

    dropped = untrusted_entries(str(proj))
    assert dropped is not None and any("[policy.rego] mode = 'authoritative'" in d for d in dropped[1])

    proj = project(tmp_path, {"all.rego": 'package blastwall\n\ndecision := {"deny": ["not in this repo"]}\n'},
                   'files = ["policy/"]')
    v = check("ls", context=ctx, policy=load_policy(str(proj)))
    assert v.decision is Decision.DENY and v.reasons == ("not in this repo (Rego rule deny)",)


@pytest.mark.parametrize("call", ["opa.runtime()", 'opa["runtime"]()', "opa . runtime()"])
def test_untrusted_rego_may_not_read_the_checkers_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              call: str) -> None:
    monkeypatch.setenv("SOME_SECRET", "hunter2-very-secret")
    text = f'package blastwall\n\nimport rego.v1\n\ndecision := {{"deny": [rt.env.SOME_SECRET]}} if {{ rt := {call} }}\n'
    proj = project(tmp_path, {"leak.rego": text}, 'files = ["policy/"]')
    v = check("ls", context={"cwd": str(proj)}, policy=load_policy(str(proj)))
    assert v.decision is Decision.ASK and v.degraded
    assert "opa.runtime()" in v.reasons[0] and not any("hunter2" in r for r in v.reasons)


def test_trusting_covers_the_rego_files_and_editing_one_withdraws_it(tmp_path: Path) -> None:
    from blastwall.policy.load import user_config_dir
    from blastwall.policy.trust import is_trusted, trust

    allow = 'package blastwall\n\nimport rego.v1\n\ndecision := "allow" if input.action.agent == "release-bot"\n'
    proj = project(tmp_path, {"bot.rego": allow}, 'files = ["policy/"]\nmode = "authoritative"')
    toml = str(proj / "blastwall.toml")
    trust(toml, user_config_dir())  # what `blastwall policy trust` records after the human confirms
    ctx = {"cwd": str(proj), "agent": "release-bot"}
    assert check("git push --force origin main", context=ctx, policy=load_policy(str(proj))).decision is Decision.ALLOW

    (proj / "policy" / "bot.rego").write_text(allow.replace("release-bot", "codex"))  # an edit by the agent
    assert not is_trusted(toml, user_config_dir())
    assert check("git push --force origin main", context=ctx, policy=load_policy(str(proj))).decision is Decision.ASK
    trust(toml, user_config_dir())
    (proj / "policy" / "new.rego").write_text(ALLOW_ALL)  # a file added to a named folder
    assert not is_trusted(toml, user_config_dir())


def test_policy_trust_shows_the_rego_files_it_trusts(tmp_path: Path) -> None:
    import pexpect

    from blastwall.policy.trust import is_trusted

    proj = project(tmp_path, {"bot.rego": ALLOW_ALL}, 'files = ["policy/"]\nmode = "authoritative"')
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "250"}
    child = pexpect.spawn(sys.executable, ["-m", "blastwall", "policy", "trust", str(proj / "blastwall.toml")], env=env,
                          encoding="utf-8", timeout=60, dimensions=(60, 250))
    child.expect("Type 'trust'")
    screen = __import__("re").sub(r"\x1b\[[0-9;]*m", "", child.before)
    child.sendline("trust")
    child.expect(pexpect.EOF)
    assert "[policy.rego] mode = 'authoritative'" in screen
    assert "Rego files it names" in screen and str(proj / "policy" / "bot.rego") in screen
    assert is_trusted(str(proj / "blastwall.toml"), str(tmp_path / "xdg" / "blastwall"))


def test_a_project_adds_its_rego_to_the_users_and_cannot_replace_it(tmp_path: Path) -> None:
    user = tmp_path / "xdg" / "blastwall"
    user.mkdir(parents=True)
    write_policy(user, {"prod.rego": DENY_PRODUCTION_DELETES})
    proj = project(tmp_path, {"none.rego": "package blastwall\n"}, 'files = ["policy/"]')
    policy = load_policy(str(proj))
    assert len(policy.section("policy")) == 2
    v = check("rm -rf data", context={"cwd": str(proj), "environment": "production"}, policy=policy)
    assert v.decision is Decision.DENY and "no deletes in production" in v.reasons[0]


def test_an_untrusted_project_cannot_send_actions_to_an_opa_server(tmp_path: Path) -> None:
    from blastwall.testing.fake_opa import FakeOpa

    with FakeOpa(answer="allow") as opa:
        proj = tmp_path / "proj"
        proj.mkdir()
        (proj / "blastwall.toml").write_text(f'[policy.opa]\nurl = "{opa.url}"\nmode = "authoritative"\n')
        v = check("git push --force origin main", context={"cwd": str(proj)}, policy=load_policy(str(proj)))
    assert v.decision is Decision.ASK and opa.requests == []


# -- failing closed ------------------------------------------------------------------------------


def test_a_syntax_error_is_a_policy_check_error_with_file_and_line(tmp_path: Path) -> None:
    f = write_policy(tmp_path, {"ok.rego": DENY_PRODUCTION_DELETES,
                                "bad.rego": "package blastwall\n\nimport rego.v1\n\ndeny contains 1 if {\n  input.a ==\n}\n"})
    r = subprocess.run(BLASTWALL + ["policy", "check", str(f)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{tmp_path / 'policy' / 'bad.rego'}:6:11: Invalid boolean operator" in r.stderr
    decision, reasons, degraded = decide(compiled_policy(f), "rm -rf node_modules")
    assert (decision, degraded) == ("ask", True)
    assert "bad.rego:6:11" in reasons[0] and "blastwall policy check" in reasons[0]


def test_policy_check_reports_a_missing_decision_and_runtime_errors(tmp_path: Path) -> None:
    f = write_policy(tmp_path, {"x.rego": "package other\n\nallow := true\n"})
    r = subprocess.run(BLASTWALL + ["policy", "check", str(f)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no file is in package blastwall" in r.stderr
    f = write_policy(tmp_path, {"x.rego": "package blastwall\n\ndecision := nosuch(1)\n"})
    r = subprocess.run(BLASTWALL + ["policy", "check", str(f)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Function not found: nosuch" in r.stderr
    f = write_policy(tmp_path, {"x.rego": ALLOW_ALL}, table='files = ["policy/"]\nmode = "strict"')
    r = subprocess.run(BLASTWALL + ["policy", "check", str(f)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "mode must be tighten or authoritative" in r.stderr


@pytest.mark.parametrize(("table", "message"), [
    ('files = ["policy/missing.rego"]', "does not exist"),
    ('files = []', "needs files"),
    ('files = ["blastwall.toml"]', "is not a .rego file"),
    ('files = ["policy/"]\ndata = ["policy/a.rego"]', "is not a .json file"),
    ('files = ["policy/"]\nsurprise = 1', "unknown key(s) surprise"),
])
def test_a_bad_table_asks_with_the_key_to_fix(tmp_path: Path, table: str, message: str) -> None:
    p = rego_policy(tmp_path, {"a.rego": ALLOW_ALL}, table=table)
    decision, reasons, degraded = decide(p, "ls")
    assert (decision, degraded) == ("ask", True) and message in reasons[0]


def test_a_rego_cpp_crash_is_contained(tmp_path: Path) -> None:
    # rego-cpp aborts compiling `with input as {...}` over a rule that uses other rules
    text = DENY_PRODUCTION_DELETES + '\ntest_x if {\n\tdecision.deny with input as {"findings": []}\n}\n'
    p = rego_policy(tmp_path, {"crash.rego": text})
    decision, reasons, degraded = decide(p, "rm -rf node_modules")
    assert (decision, degraded) == ("ask", True)
    assert "rego-cpp failed compiling crash.rego: it crashed (SIGABRT)" in reasons[0]
    assert "with input.findings as" in reasons[0]  # how to write it instead


def test_a_conflict_at_evaluation_asks(tmp_path: Path) -> None:
    text = 'package blastwall\n\nimport rego.v1\n\ndecision := "allow" if input.action\ndecision := "ask" if input.action\n'
    decision, reasons, degraded = decide(rego_policy(tmp_path, {"c.rego": text}), "ls")
    assert (decision, degraded) == ("ask", True) and "evaluation failed" in reasons[0]


def test_regopy_is_not_imported_without_rego(tmp_path: Path) -> None:
    code = ("import sys; from blastwall.engine import check; v = check('rm -rf build'); "
            "print(v.decision.value, 'regopy' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "BLASTWALL_POLICY": str(tmp_path / "none.toml")})
    assert r.stdout.split()[-1] == "False", r.stdout + r.stderr


# -- compiled once -------------------------------------------------------------------------------


def test_the_policy_is_compiled_once_and_again_only_when_it_changes(tmp_path: Path) -> None:
    rego._compiled.cache_clear()
    p = rego_policy(tmp_path, {"prod.rego": DENY_PRODUCTION_DELETES})
    for _ in range(20):
        assert decide(p, "rm -rf data", environment="production")[0] == "deny"
    info = rego._compiled.cache_info()
    assert (info.misses, info.hits) == (1, 19)
    (tmp_path / "policy" / "prod.rego").write_text(DENY_PRODUCTION_DELETES.replace("no deletes", "never delete"))
    assert "never delete" in decide(p, "rm -rf data", environment="production")[1][0]
    assert rego._compiled.cache_info().misses == 2


# -- tooling -------------------------------------------------------------------------------------


def test_explain_names_the_rego_rules_that_decided(tmp_path: Path) -> None:
    f = write_policy(tmp_path, {"prod.rego": DENY_PRODUCTION_DELETES.replace("f.production", "f.target == \"users\"")})
    r = subprocess.run(BLASTWALL + ["explain", "DROP TABLE users", "--kind", "sql", "--policy", str(f), "--json"],
                       capture_output=True, text=True, timeout=120)
    data = json.loads(r.stdout)
    assert data["decision"] == "deny", r.stdout + r.stderr
    (layer,) = data["rego"]
    where = tmp_path / "policy" / "prod.rego"
    assert layer["decision"] == "deny" and layer["rule"] == "deny"
    assert layer["rules_held"] == [f"deny at {where}:5", f"decision at {where}:12"]
    r = subprocess.run(BLASTWALL + ["explain", "DROP TABLE users", "--kind", "sql", "--policy", str(f)],
                       capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert "deny by rule deny" in r.stdout and "rules that held: deny at" in r.stdout and "prod.rego:5" in r.stdout


def test_policy_input_prints_the_document(tmp_path: Path) -> None:
    f = write_policy(tmp_path, NO_OPINION)
    r = subprocess.run(BLASTWALL + ["policy", "input", "git push --force origin main", "--policy", str(f),
                                    "--agent", "codex", "--cwd", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["action"]["agent"] == "codex" and doc["findings"][0]["rule_id"] == "shell.git:push-force"
    r = subprocess.run(BLASTWALL + ["policy", "input", "curl https://admin:hunter2hunter2@x.example/a",
                                    "--policy", str(f), "--redact"], capture_output=True, text=True, timeout=120)
    assert "hunter2hunter2" not in r.stdout and json.loads(r.stdout)["action"]["surface"] == "shell"


@pytest.mark.parametrize("example", ["two-approvers", "business-hours", "own-project"])
def test_policy_test_runs_each_examples_rego_tests(example: str) -> None:
    r = subprocess.run(BLASTWALL + ["policy", "test", "--policy", str(EXAMPLES / example / "blastwall.toml")],
                       capture_output=True, text=True, timeout=180, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASS") >= 5 and "FAIL" not in r.stdout


def test_policy_test_reports_a_failing_rego_test_beside_toml_examples(tmp_path: Path) -> None:
    tests = DENY_PRODUCTION_DELETES + (
        '\ntest_passes if {\n\tf := [{"production": true, "effect": "delete", "target": "t"}]\n'
        '\tdecision.deny with input.findings as f\n}\n'
        '\ntest_fails if {\n\tf := [{"production": false, "effect": "delete", "target": "t"}]\n'
        '\tdecision.deny with input.findings as f\n}\n')
    rego_file = tmp_path / "p_test.rego"
    rego_file.write_text(tests)
    examples = tmp_path / "examples.jsonl"
    examples.write_text('{"kind": "shell", "input": "git push --force origin main", "expect": "ask"}\n')
    r = subprocess.run(BLASTWALL + ["policy", "test", str(examples), str(rego_file)], capture_output=True, text=True,
                       timeout=180, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 2
    assert "PASS data.blastwall.test_passes" in r.stdout and "FAIL data.blastwall.test_fails" in r.stdout
    assert "1/1 examples decided as expected" in r.stdout and "1/2 Rego tests passed" in r.stdout


def test_rule_statements_are_found_in_the_source() -> None:
    text = ('package blastwall.sub\n\nimport rego.v1\n\n# deny at the start of a comment\ndefault allow := false\n\n'
            'deny contains msg if {\n\tmsg := "a { b"\n\t# }\n}\n\nf(x) := x\n\ndecision := {\n\t"deny": deny,\n}\n'
            'x := 1 if {\n\tfalse\n} else := 2\n')
    found = [(s.kind, s.name, s.line) for s in rego_source.statements(text)]
    assert found == [("package", "blastwall.sub", 1), ("import", "rego.v1", 3), ("default", "allow", 6),
                     ("rule", "deny", 8), ("function", "f", 13), ("rule", "decision", 15), ("rule", "x", 18)]
    assert rego_source.uses_runtime("x := opa.runtime()") and rego_source.uses_runtime('x := opa ["runtime"]()')
    assert not rego_source.uses_runtime('x := "opa.runtime" # opa.runtime()')


# -- the examples decide the cases they claim ----------------------------------------------------


def example_policy(tmp_path: Path, example: str, data: dict[str, Any] | None = None, extra: str = "") -> Policy:
    """The example's blastwall.toml, its data replaced by `data` when given, plus `extra` TOML."""
    folder = tmp_path / example
    folder.mkdir(parents=True)
    (folder / "policy.rego").write_text((EXAMPLES / example / "policy.rego").read_text())
    if data is not None:
        (folder / "data.json").write_text(json.dumps(data))
    elif (EXAMPLES / example / "data.json").exists():
        (folder / "data.json").write_text((EXAMPLES / example / "data.json").read_text())
    f = folder / "blastwall.toml"
    f.write_text((EXAMPLES / example / "blastwall.toml").read_text() + extra)
    return compiled_policy(f)


def test_two_approvers_for_production(tmp_path: Path) -> None:
    p = example_policy(tmp_path, "two-approvers")
    v = check("DROP TABLE users", "sql", context={"environment": "production"}, policy=p)
    assert v.decision is Decision.ASK and v.approvers == 2
    assert "delete on users in production needs two approvers (Rego rule production-two-approvers)" in v.reasons
    assert check("DROP TABLE users", "sql", context={"environment": "staging"}, policy=p).approvers == 0
    assert check("DROP TABLE users", "sql", policy=p).approvers == 2  # nothing says where: unknown is production
    assert check("rm -rf build", policy=p).approvers == 0  # local files are in no environment
    assert check("SELECT * FROM users", "sql", context={"environment": "production"}, policy=p).decision \
        is Decision.ALLOW
    assert check("rm -rf /", context={"environment": "production"}, policy=p).decision is Decision.DENY


def test_two_approvers_reach_the_approval_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.approvals.gate import gate
    from blastwall.store import open_store

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    p = example_policy(tmp_path, "two-approvers", extra='\n[approvals]\nmode = "defer"\n')
    action = make_action("shell", "git push --force origin main", {"environment": "production", "cwd": str(tmp_path)})
    from blastwall.engine import check_action

    verdict = check_action(action, p)
    store = open_store()
    g = gate([action], [verdict], verdict.decision.value, verdict.reasons, policy=p, can_ask=False, store=store)
    assert g.state == "pending" and store.get_request(g.request_id).required == 2


@pytest.fixture()
def orders(postgres: PgServer) -> PgServer:  # noqa: F811
    postgres.create_database("rego_shop")
    postgres.execute("rego_shop", "CREATE TABLE orders (id int PRIMARY KEY, status text);"
                                  "INSERT INTO orders SELECT g, CASE WHEN g % 2 = 0 THEN 'old' ELSE 'new' END "
                                  "FROM generate_series(1, 3000) g; ANALYZE;")
    return postgres


NEVER = {"limits": {"max_rows": 1000, "business_hours": {"days": [], "start_hour": 9, "end_hour": 18}}}
ALWAYS = {"limits": {"max_rows": 1000, "business_hours": {"days": [1, 2, 3, 4, 5, 6, 7], "start_hour": 0,
                                                          "end_hour": 24}}}
MEASURE = ('\n[inventory.environments.staging]\ndatabases = ["rego_shop"]\n'
           '[inventory.providers.postgres]\nprobe = true\ntimeout_s = 3.0\ndsn_env = "DATABASE_URL"\n')


def test_business_hours_deny_big_deletes_counted_on_a_real_database(tmp_path: Path, orders: PgServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", orders.dsn("rego_shop"))
    ctx = {"database": orders.dsn("rego_shop"), "cwd": str(tmp_path)}
    night = example_policy(tmp_path / "night", "business-hours", NEVER, MEASURE)
    v = check("DELETE FROM orders WHERE status <> 'new'", "sql", context=ctx, policy=night)  # 1,500 rows
    assert v.decision is Decision.DENY, v.reasons
    assert any("deleting 1500 rows of orders outside business hours" in r for r in v.reasons)
    v = check("DELETE FROM orders WHERE id < 11", "sql", context=ctx, policy=night)  # 10 rows: the files decide
    assert v.decision is not Decision.DENY and not any("business hours" in r for r in v.reasons)
    day = example_policy(tmp_path / "day", "business-hours", ALWAYS, MEASURE)
    v = check("DELETE FROM orders WHERE status <> 'new'", "sql", context=ctx, policy=day)
    assert v.decision is not Decision.DENY and not any("business hours" in r for r in v.reasons)
    assert orders.execute("rego_shop", "SELECT count(*) FROM orders")[0][0] == 3000  # measuring deleted nothing


def test_business_hours_ask_about_a_delete_nobody_could_count(tmp_path: Path) -> None:
    p = example_policy(tmp_path, "business-hours", NEVER)
    v = check("DELETE FROM orders WHERE status <> 'new'", "sql", policy=p)
    assert v.decision is Decision.ASK
    assert any("could not be counted (Rego rule business-hours-uncounted)" in r for r in v.reasons)


def test_own_project(tmp_path: Path) -> None:
    shop, billing = tmp_path / "srv" / "shop", tmp_path / "srv" / "billing"
    for folder in (shop, billing, tmp_path / "srv" / "shop-old"):
        folder.mkdir(parents=True)
    p = example_policy(tmp_path, "own-project", {"projects": {"codex": str(shop)}})
    codex = {"agent": "codex", "cwd": str(shop)}
    assert decide(p, "rm -rf node_modules", **codex)[0] == "allow"
    decision, reasons, _ = decide(p, "rm -rf ../billing/data", **codex)
    assert decision == "deny" and f"{billing}/data is outside it" in reasons[0]
    assert decide(p, "rm -rf ../shop-old/x", **codex)[0] == "deny"  # a look-alike folder name is outside
    assert decide(p, {"path": "/etc/hosts", "content": "x"}, "file_write", **codex)[0] == "deny"
    assert decide(p, {"path": "src/app.py", "content": "x"}, "file_write", **codex)[0] != "deny"
    assert decide(p, "ls", agent="codex", cwd=str(billing))[0] == "deny"
    decision, reasons, _ = decide(p, "ls", agent="gemini", cwd=str(shop))
    assert decision == "ask" and "agent gemini has no project" in reasons[0]


# -- the warm checker compiles once --------------------------------------------------------------


def test_the_warm_checker_does_not_compile_per_call(tmp_path: Path) -> None:
    import shutil
    import tempfile
    import time

    from blastwall.daemon import client

    # a policy whose compile is slow enough to see (about a second), whose decision is quick
    rules = "\n".join(f'r{i} if input.action.payload == "x{i}"' for i in range(600))
    text = f'package blastwall\n\nimport rego.v1\n\n{rules}\n\ndecision := {{"deny": ["no ls here"]}} if ' \
           'input.action.payload == "ls"\n'
    f = write_policy(tmp_path, {"slow.rego": text})
    run = Path(tempfile.mkdtemp(prefix="bw-run-", dir="/tmp"))
    (tmp_path / "work").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "CLAUDE_"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_RUNTIME_DIR=str(run), BLASTWALL_POLICY=str(f),
               BLASTWALL_DAEMON_IDLE="60")

    def hook(command: str, extra: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[bytes]]:
        data = json.dumps({"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": str(tmp_path / "work"),
                           "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command}})
        t0 = time.monotonic()
        proc = subprocess.run(BLASTWALL + ["hook", "claude-code"], input=data.encode(), capture_output=True,
                              env={**env, **(extra or {})}, timeout=120, cwd=tmp_path / "work")
        return time.monotonic() - t0, proc

    try:
        cold, proc = hook("ls", {"BLASTWALL_DAEMON": "off"})  # in-process: import and compile on this call
        assert proc.returncode == 0 and b'"deny"' in proc.stdout and b"no ls here" in proc.stdout, proc
        subprocess.run(BLASTWALL + ["daemon", "start"], env=env, check=True, timeout=120, capture_output=True)
        assert client.ping(env)
        warm = []
        for _ in range(4):
            elapsed, proc = hook("ls")
            assert b'"deny"' in proc.stdout and b"no ls here" in proc.stdout, proc
            warm.append(elapsed)
        assert max(warm) < cold / 2, (cold, warm)  # compiled at the daemon's start, not per call
    finally:
        client.stop(env)
        shutil.rmtree(run, ignore_errors=True)
