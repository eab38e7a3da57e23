"""The file analyzer: secret reads, guard self-protection, writes rated by path class."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.base import Scope
from blastwall.analyze.files import analyze_read, analyze_write
from blastwall.engine import check
from blastwall.model import Effect, Severity
from blastwall.policy.engine import compile_layers, default_document, default_policy

POLICY = default_policy()


@pytest.mark.parametrize("path", [
    ".env", ".env.production", "config/.env.local", "certs/server.pem", "tls/private.key", "kubeconfig",
    "~/.docker/config.json", "~/.aws/config",
])
def test_secret_reads_are_read_secret_low(path: str) -> None:
    """Names that only look secret (the files do not exist here, so nothing was found in them)."""
    [f] = analyze_read(path, Scope(cwd="/proj"))
    assert f.effect is Effect.READ_SECRET and f.severity is Severity.LOW
    assert check({"path": path}, "file_read", policy=POLICY).decision.value == "allow"


@pytest.mark.parametrize("path", [
    "~/.aws/credentials", "/home/dev/.ssh/id_ed25519", "/Users/dev/.ssh/id_rsa", "~/.ssh/deploy_ed25519", "~/.pgpass",
    "~/.netrc", "~/.kube/config", "~/.config/gcloud/application_default_credentials.json", "/etc/shadow",
    "~/.git-credentials", "infra/terraform.tfstate", "infra/terraform.tfstate.backup", "keys/release.p12",
    "~/.config/gcloud/credentials.db", "~/.config/gcloud/legacy_credentials/me@example.com/adc.json",
    "/root/.aws/credentials", "~/.AWS/Credentials", "~/.vault-token",
])
def test_known_credential_files_are_denied_by_name(path: str) -> None:
    """Known credential files are refused whatever they hold, with no disk access."""
    [f] = analyze_read(path, Scope(cwd="/proj", read_files=False))
    assert f.rule_id == "file.read:credential-file" and f.severity is Severity.HIGH
    v = check({"path": path}, "file_read", policy=POLICY)
    assert v.decision.value == "deny" and "blastwall gateway" in v.reasons[0]


@pytest.mark.parametrize("path", [
    ".env.example", ".env.sample", ".env.template", "~/.ssh/id_rsa.pub", "~/.ssh/known_hosts", "src/secrets_manager.py",
    "README.md", "src/app.py", "docs/env.md", "",
])
def test_non_secret_reads_have_no_finding(path: str) -> None:
    assert analyze_read(path, Scope(cwd="/proj")) == []


def test_policy_can_deny_secret_reads() -> None:
    doc = default_document()
    doc = {**doc, "rule": [{"id": "user:no-secrets", "effect": ["read_secret"], "decision": "deny"}, *doc.get("rule", [])]}
    policy = compile_layers([("test", doc)])
    assert check({"path": ".env"}, "file_read", policy=policy).decision.value == "deny"


GUARD = [
    "blastwall.toml", "/srv/app/blastwall.toml", ".blastwall/approvals.db", "~/.config/blastwall/policy.toml",
    "/home/dev/.config/blastwall/keys/approver.key", ".claude/settings.json", ".claude/settings.local.json",
    "~/.claude/settings.json", ".cursor/hooks.json", "~/.cursor/hooks.json", ".gemini/settings.json",
    ".codex/hooks.json", ".codex/config.toml", ".opencode/plugin/guard.ts", ".opencode/plugins/x.js",
    "./.Claude/Settings.JSON", "sub/../.claude/settings.json", ".windsurf/hooks.json",
]


@pytest.mark.parametrize("path", GUARD)
def test_guard_files_are_modify_guard_and_denied(path: str) -> None:
    [f] = analyze_write(path, "{}", Scope(cwd="/proj"))
    assert f.effect is Effect.MODIFY_GUARD and f.severity is Severity.HIGH
    assert check({"path": path, "content": "{}"}, "file_write", context={"cwd": "/proj"},
                 policy=POLICY).decision.value == "deny"


@pytest.mark.parametrize("path,rule,decision", [
    ("prisma/migrations/20240312_init/migration.sql", "file.write:migration-history", "ask"),
    ("migrations/0001_initial.py", "file.write:migration-history", "ask"),
    ("supabase/migrations/20240101000000_initial_schema.sql", "file.write:migration-history", "ask"),
    ("db/migrate/20240101_add_users.rb", "file.write:new-migration", "allow"),  # /proj is not here to look in
    (".git/info/exclude", "file.write:migration-history", "ask"),
    (".env.production", "file.write:secret", "ask"),
    ("data/app.sqlite", "file.write:data", "ask"),
    ("/etc/hosts", "file.write:outside-project", "ask"),
    ("~/.bashrc", "file.write:outside-project", "ask"),
    ("../other-project/main.py", "file.write:outside-project", "ask"),
    ("/dev/sda", "file.write:outside-project", "deny"),
    ("src/new_module.py", "file.write:project", "allow"),
    ("/proj/src/components/NewBadge.tsx", "file.write:project", "allow"),
    ("/tmp/scratch.txt", "file.write:project", "allow"),
    ("dist/bundle.js", "file.write:project", "allow"),
    (".claude/agents/reviewer.md", "file.write:project", "allow"),
    ("$OUT_DIR/x", "file.write:dynamic", "ask"),
])
def test_writes_by_path_class(path: str, rule: str, decision: str) -> None:
    f = analyze_write(path, "x", Scope(cwd="/proj"))[0]  # the path's finding comes first (a migration's SQL follows)
    assert f.rule_id == rule
    assert check({"path": path, "content": "x"}, "file_write", context={"cwd": "/proj"},
                 policy=POLICY).decision.value == decision


def test_absolute_paths_without_cwd_use_their_top_folder_as_project() -> None:
    assert analyze_write("/workspace/app/src/x.ts", "x", Scope())[0].rule_id == "file.write:project"
    assert analyze_write("/workspace/app/supabase/migrations/1.sql", "x", Scope())[0].rule_id == \
        "file.write:migration-history"  # the first migration: applied wherever there is a database
    assert analyze_write("/workspace/app/supabase/migrations/7.sql", "x", Scope())[0].rule_id == \
        "file.write:new-migration"


def test_new_migration_in_existing_project_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_init.sql").write_text("create table t (id int);")
    scope = Scope(cwd=str(tmp_path))
    assert analyze_write("migrations/0002_add.sql", "x", scope)[0].rule_id == "file.write:new-file"
    assert analyze_write("migrations/0001_init.sql", "x", scope)[0].rule_id == "file.write:migration-history"
    assert analyze_write("migrations/0002_add.sql", "x", Scope(cwd=str(tmp_path), read_files=False))[0].rule_id == \
        "file.write:new-migration"  # not looked at: taken to be new, as migrations are written
    assert analyze_write("migrations/0001_init.sql", "x", Scope(cwd=str(tmp_path), read_files=False))[0].rule_id == \
        "file.write:migration-history"
    # an edit changes a file that must be there: never a creation
    assert analyze_write("migrations/0002_add.sql", "x", Scope(cwd=str(tmp_path), read_files=False),
                         may_create=False)[0].rule_id == "file.write:migration-history"


def test_symlink_to_guard_file_is_caught(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text("{}")
    (tmp_path / "innocent.json").symlink_to(tmp_path / ".claude" / "settings.json")
    [f] = analyze_write("innocent.json", "{}", Scope(cwd=str(tmp_path)))
    assert f.effect is Effect.MODIFY_GUARD


@settings(max_examples=200, deadline=None)
@given(path=st.text(alphabet="abc./~$*-_ \\envclaudeblastwall", max_size=40))
def test_random_paths_never_raise(path: str) -> None:
    analyze_read(path, Scope(cwd="/proj"))
    analyze_write(path, None, Scope(cwd="/proj", read_files=False))
