"""Policy files: merging, rule matching, validation with file:line errors, examples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blastwall.analyze import globs
from blastwall.engine import check
from blastwall.policy.engine import PolicyError, compile_layers, default_document, default_policy
from blastwall.policy.load import load_policy, read_document
from blastwall.policy.validate import validate_text

BLASTWALL = [sys.executable, "-m", "blastwall"]


def _policy(text: str, tmp_path: Path):
    f = tmp_path / "blastwall.toml"
    f.write_text(text)
    return compile_layers([(str(f), read_document(f)), ("defaults", default_document())])


def test_defaults_decide_by_severity() -> None:
    p = default_policy()
    assert check("rm -rf /", policy=p).decision.value == "deny"
    assert check("git push --force", policy=p).decision.value == "ask"
    assert check("rm -rf node_modules", policy=p).decision.value == "allow"


def test_rule_by_id_glob_overrides_severity(tmp_path: Path) -> None:
    p = _policy('[[rule]]\nid = "team:no-force"\nrule = "shell.git:push-*"\ndecision = "deny"\n', tmp_path)
    v = check("git push --force origin main", policy=p)
    assert v.decision.value == "deny"


def test_rule_by_effect_and_target(tmp_path: Path) -> None:
    p = _policy('[[rule]]\neffect = "delete"\ntarget = "/scratch/*"\ndecision = "allow"\n', tmp_path)
    assert check("rm -rf /scratch/run1", policy=p).decision.value == "allow"
    assert check("rm -rf /srv/run1", policy=p).decision.value == "ask"


def test_environment_rule(tmp_path: Path) -> None:
    p = _policy('[[rule]]\nenvironment = ["production"]\nmin_severity = "medium"\ndecision = "deny"\n', tmp_path)
    assert check("git push --force", policy=p, context={"environment": "production"}).decision.value == "deny"
    assert check("git push --force", policy=p, context={"environment": "dev"}).decision.value == "ask"


def test_agent_rule(tmp_path: Path) -> None:
    p = _policy('[[rule]]\nagent = "codex"\neffect = "rewrite_history"\ndecision = "deny"\n', tmp_path)
    assert check("git push -f", policy=p, context={"agent": "codex"}).decision.value == "deny"
    assert check("git push -f", policy=p, context={"agent": "claude-code"}).decision.value == "ask"


def test_severity_table_override(tmp_path: Path) -> None:
    p = _policy('[severity]\nhigh = "deny"\n', tmp_path)
    assert check("git push --force", policy=p).decision.value == "deny"
    assert check("rm -rf node_modules", policy=p).decision.value == "allow"


def test_project_file_is_discovered_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    (tmp_path / "blastwall.toml").write_text('[[rule]]\nrule = "shell.git:*"\ndecision = "deny"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert check("git reset --hard", context={"cwd": str(sub)}).decision.value == "deny"
    assert load_policy(str(sub)).sources[0].endswith("blastwall.toml")


def test_project_rules_come_before_user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    cfg = tmp_path / "cfg" / "blastwall"
    cfg.mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    (cfg / "blastwall.toml").write_text('[[rule]]\nrule = "shell.git:push-force"\ndecision = "deny"\n')
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "blastwall.toml").write_text('[[rule]]\nrule = "shell.git:push-force"\ndecision = "allow"\n')
    # an untrusted project file can only tighten: its allow rule is ignored
    assert check("git push -f", context={"cwd": str(proj)}).decision.value == "deny"
    from blastwall.policy.trust import trust

    trust(str(proj / "blastwall.toml"), str(cfg))
    assert check("git push -f", context={"cwd": str(proj)}).decision.value == "allow"
    assert check("git push -f", context={"cwd": str(tmp_path)}).decision.value == "deny"


def test_invalid_policy_file_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "blastwall.toml"
    bad.write_text("[[rule]\ndecision = allow\n")
    monkeypatch.setenv("BLASTWALL_POLICY", str(bad))
    v = check("ls -la")
    assert v.decision.value == "ask" and v.degraded
    assert "policy file is invalid" in v.reasons[0]


@pytest.mark.parametrize("text,line,fragment", [
    ("[[rule]]\ndecision = \"maybe\"\n", 1, "decision must be allow, ask or deny"),
    ("[[rule]]\ndecision = \"deny\"\n\n[[rule]]\nrule = 3\ndecision = \"deny\"\n", 4, "'rule' must be a string"),
    ("[[rule]]\ndecison = \"deny\"\n", 1, "unknown key"),
    ("[[rule]]\nmin_severity = \"huge\"\ndecision = \"ask\"\n", 1, "min_severity"),
    ("x = [\n", 2, "invalid TOML"),
    ("[surprise]\na = 1\n", 1, "unknown section"),
])
def test_validation_names_the_line(text: str, line: int, fragment: str) -> None:
    problems = validate_text(text, "blastwall.toml")
    assert problems, text
    assert problems[0].startswith(f"blastwall.toml:{line}:"), problems
    assert fragment in problems[0]


def test_policy_error_is_raised_with_where() -> None:
    with pytest.raises(PolicyError) as exc:
        compile_layers([("p.toml", {"rule": [{"decision": "nope"}]}), ("defaults", default_document())])
    assert "p.toml" in str(exc.value)


def test_policy_check_and_test_commands(tmp_path: Path) -> None:
    good = tmp_path / "blastwall.toml"
    good.write_text('[[rule]]\nrule = "shell.git:push-force"\ndecision = "deny"\n')
    r = subprocess.run(BLASTWALL + ["policy", "check", str(good)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ndecision = "sometimes"\n')
    r = subprocess.run(BLASTWALL + ["policy", "check", str(bad)], capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "bad.toml:1" in (r.stdout + r.stderr)
    examples = tmp_path / "examples.jsonl"
    examples.write_text("\n".join(json.dumps(e) for e in [
        {"kind": "shell", "input": "git push --force", "expect": "deny"},
        {"kind": "shell", "input": "git status", "expect": "allow"},
        {"kind": "sql", "input": "DROP TABLE users", "expect": "ask"},
    ]) + "\n")
    r = subprocess.run(BLASTWALL + ["policy", "test", str(examples), "--policy", str(good)], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3/3" in r.stdout


@given(st.text(alphabet="ab.*-_", max_size=8), st.text(alphabet="ab.*?-_[]!", max_size=6))
def test_glob_matching_agrees_with_fnmatch(name: str, pattern: str) -> None:
    import fnmatch

    assert globs.match(name, pattern) == fnmatch.fnmatchcase(name, pattern)


@pytest.mark.parametrize("command,decision", [
    ("git push --force origin main", "deny"),
    ("git push origin +main", "deny"),
    ("git push -f origin HEAD:release/2.1", "deny"),
    ("git push origin --delete main", "deny"),
    ("git push --force origin feature/x", "ask"),
    ("git push origin main", "allow"),
])
def test_protected_branches(tmp_path: Path, command: str, decision: str) -> None:
    p = _policy('protected_branches = ["main", "release/*"]\n', tmp_path)
    v = check(command, policy=p)
    assert v.decision.value == decision, v.reasons


def test_protected_branch_over_the_github_api(tmp_path: Path) -> None:
    p = _policy('protected_branches = ["main"]\n', tmp_path)
    req = {"method": "DELETE", "url": "https://api.github.com/repos/acme/api/git/refs/heads/main"}
    assert check(req, "http", policy=p).decision.value == "deny"


def test_untrusted_project_file_can_only_tighten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    cfg = tmp_path / "cfg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cfg))
    proj = tmp_path / "repo"
    proj.mkdir()
    f = proj / "blastwall.toml"
    f.write_text('[severity]\nhigh = "allow"\ncritical = "allow"\n\n'
                 '[[rule]]\neffect = "delete"\ndecision = "allow"\n\n'
                 '[[rule]]\nrule = "shell.git:reset-hard"\ndecision = "deny"\n')
    ctx = {"cwd": str(proj)}
    assert check("rm -rf /", context=ctx).decision.value == "deny"
    assert check("git push --force", context=ctx).decision.value == "ask"
    assert check("git reset --hard", context=ctx).decision.value == "deny"  # tightening still counts
    from blastwall.policy.load import untrusted_entries
    from blastwall.policy.trust import trust

    found = untrusted_entries(str(proj))
    assert found is not None and len(found[1]) == 3
    trust(str(f), str(cfg / "blastwall"))
    assert (cfg / "blastwall" / "trusted-policies.json").stat().st_mode & 0o777 == 0o600
    assert check("git push --force", context=ctx).decision.value == "allow"
    f.write_text(f.read_text() + "\n# edited\n")  # editing withdraws the trust
    assert check("git push --force", context=ctx).decision.value == "ask"


def test_trust_needs_a_terminal(tmp_path: Path) -> None:
    f = tmp_path / "blastwall.toml"
    f.write_text('[[rule]]\neffect = "delete"\ndecision = "allow"\n')
    r = subprocess.run(BLASTWALL + ["policy", "trust", str(f)], capture_output=True, text=True, check=False,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "interactive terminal" in (r.stdout + r.stderr)


# -- an untrusted project file can only tighten, every key of the schema -------------------------
# The schema is the validator's: its sections (validate.TOP_KEYS), the rule keys, and the keys
# of the defaults document. Each gets a looser value below; a section or key added to the schema
# without one fails `test_every_schema_key_has_a_looser_value`.

def _schema() -> list[tuple[str, str]]:
    from blastwall.policy.engine import RULE_KEYS, SECRETS_KEYS
    from blastwall.policy.validate import TOP_KEYS

    defaults = default_document()
    keys: list[tuple[str, str]] = [("rule", k) for k in sorted(RULE_KEYS)]
    keys += [("secrets", k) for k in sorted(SECRETS_KEYS)]
    for section in sorted(TOP_KEYS - {"rule", "secrets"}):
        table = defaults.get(section)
        keys += [(section, k) for k in sorted(table)] if isinstance(table, dict) else [(section, "")]
    return sorted(set(keys))


LOOSER = {  # (section, key) -> TOML text that would loosen blastwall if it counted
    ("rule", "*"): '[[rule]]\nid = "p:open"\neffect = ["delete", "modify_guard", "overwrite"]\ndecision = "allow"\n',
    ("severity", "*"): '[severity]\ncritical = "allow"\nhigh = "allow"\nmedium = "allow"\n',
    ("secrets", "*"): '[secrets]\nreads = "allow"\nfound = "allow"\nlist = "/dev/null"\n',
    ("approvals", ""): '[approvals]\nmode = "agent"\nrequire = 1\napprovers = ["ed25519:AAAA"]\n'
                       '[approvals.windows.all]\npattern = "rm *"\n',
    ("audit", ""): '[audit]\nverdicts = "blocking"\n',
    ("snapshots", ""): '[snapshots]\nrequired = false\n',
    ("radius", ""): '[radius]\nbudget_ms = 0\nrehearse = true\n',
    ("cedar", ""): '[cedar]\nmode = "authoritative"\npolicies = "permit(principal, action, resource);"\n',
    ("settings", ""): '[settings]\nanything = true\n',
    ("gateway", ""): '[gateway]\nupstream = "https://attacker.example"\n',
    ("pg_proxy", ""): '[pg_proxy]\nsnapshot_url = "postgresql://attacker.example/db"\n',
    ("protected_branches", ""): 'protected_branches = []\n',
    ("inventory", ""): '[inventory.environments.dev]\ndatabases = ["prod-db"]\n',
    ("policy", ""): '[policy.rego]\nmode = "authoritative"\nfiles = ["allow.rego"]\n'
                    '[policy.opa]\nurl = "https://attacker.example/v1/data/blastwall/decision"\n',
    ("run", ""): '[run.profiles.default]\nhosts = ["attacker.example"]\nfolders = ["/"]\n',
}


def _looser(section: str, key: str) -> str | None:
    return LOOSER.get((section, key)) or LOOSER.get((section, "*")) or LOOSER.get((section, ""))


def test_every_schema_key_has_a_looser_value() -> None:
    assert [k for k in _schema() if _looser(*k) is None] == []


@pytest.mark.parametrize("section", sorted({s for s, _ in _schema()}))
def test_untrusted_project_file_cannot_loosen_any_key(section: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.approvals.settings import settings_of
    from blastwall.policy.load import untrusted_entries

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    proj = tmp_path / "proj"
    proj.mkdir()
    texts = {_looser(s, k) for s, k in _schema() if s == section}
    (proj / "blastwall.toml").write_text("".join(sorted(t for t in texts if t)))
    policy, base = load_policy(str(proj)), default_policy()
    assert policy.severity == base.severity
    assert not [r for r in policy.rules if r.origin.endswith("blastwall.toml") and not r.tighten_only]
    assert str((policy.section("cedar") or {}).get("mode", "tighten")) == "tighten"  # its forbids may stay
    assert all("opa" not in t and t.get("rego", {}).get("mode", "tighten") == "tighten"  # Rego may only tighten
               for _, t, _ in policy.section("policy") or [])
    for name in ("secrets", "audit", "snapshots", "radius", "gateway", "pg_proxy", "protected_branches", "run"):
        ours, theirs = policy.section(name) or {}, base.section(name) or {}
        assert all(ours.get(k) == theirs.get(k) for k in (ours if isinstance(ours, dict) else {})
                   if name != "snapshots" or k != "required"), name
    assert settings_of(policy).mode == settings_of(base).mode and settings_of(policy).windows == ()
    assert not policy.setting("anything")
    dropped = untrusted_entries(str(proj))
    if section != "protected_branches":  # more protected branches only protect more
        assert dropped is not None and any(section in d or "[[rule]]" in d for d in dropped[1]), dropped
    assert check("rm -rf /", context={"cwd": str(proj)}, policy=policy).decision.value == "deny"


def test_untrusted_approvals_mode_may_only_tighten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.approvals.settings import settings_of

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    proj = tmp_path / "proj"
    proj.mkdir()
    for mode, kept in (("agent", "auto"), ("auto", "auto"), ("defer", "defer"), ("wait", "wait")):
        (proj / "blastwall.toml").write_text(f'[approvals]\nmode = "{mode}"\n')
        assert settings_of(load_policy(str(proj))).mode == kept


def test_policy_check_names_the_ignored_untrusted_entries(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "blastwall.toml").write_text('[approvals]\nmode = "agent"\n')
    env = {k: v for k, v in __import__("os").environ.items() if k != "BLASTWALL_POLICY"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    proc = subprocess.run([sys.executable, "-m", "blastwall", "policy", "check"], cwd=proj, env=env,
                          capture_output=True, text=True, timeout=60)
    assert "not trusted" in proc.stdout and "[approvals] mode = 'agent'" in proc.stdout, proc.stdout + proc.stderr


def test_a_compiled_policy_is_reused_only_for_the_same_contents(tmp_path, monkeypatch):
    """load_policy compiles again whenever a file's contents change, even when its size and
    time stamp do not (the compiled form is keyed by what the files say)."""
    import os

    from blastwall.policy.load import load_policy

    f = tmp_path / "p.toml"
    monkeypatch.setenv("BLASTWALL_POLICY", str(f))
    f.write_text('[[rule]]\nid = "t.a"\neffect = "delete"\ndecision = "deny"\n')
    st = os.stat(f)
    first = load_policy(str(tmp_path))
    assert load_policy(str(tmp_path)) is first
    f.write_text('[[rule]]\nid = "t.b"\neffect = "delete"\ndecision = "deny"\n')
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    second = load_policy(str(tmp_path))
    assert [r.id for r in second.rules if r.id.startswith("t.")] == ["t.b"]
