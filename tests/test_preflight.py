"""Preflight: the inventory, target resolution, Railway probes over real HTTP, and the incident.

The incident: an agent found a Railway token in an unrelated file, guessed a volume was
staging-only and deleted it with one `volumeDelete`; the volume was mounted in production and
held the backups. blastwall must verify, never guess.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest

import blastwall
from blastwall.analyze import analyze
from blastwall.analyze.base import Scope
from blastwall.engine import make_action
from blastwall.model import Decision, Severity
from blastwall.policy.engine import Policy, PolicyError, compile_layers, default_document, default_policy
from blastwall.preflight import preflight
from blastwall.preflight.inventory import parse_inventory
from blastwall.preflight.providers import railway
from blastwall.testing.fake_railway import FakeRailway

RAILWAY = "https://backboard.railway.com/graphql/v2"
INCIDENT = ("curl -X POST https://backboard.railway.com/graphql/v2 -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" "
            "-d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"vol_7f3c\\\") }\"}'")
LEAKED = "leaked-token-from-notes-9f8e7d"



def trusted_policy(workspace: Path, text: str) -> None:
    """The project's blastwall.toml, trusted by a human (`blastwall policy trust`): an untrusted
    file may not say which targets are not production, nor how to ask a provider."""
    from blastwall.policy.load import user_config_dir
    from blastwall.policy.trust import trust

    (workspace / "blastwall.toml").write_text(text)
    trust(str(workspace / "blastwall.toml"), str(user_config_dir()))

def gql(query: str, variables: dict | None = None) -> dict:
    body: dict = {"query": query}
    if variables:
        body["variables"] = variables
    return {"method": "POST", "url": RAILWAY, "headers": {"Authorization": "Bearer x"}, "body": body}


def policy_from(text: str) -> Policy:
    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


def railway_toml(endpoint: str, *, timeout: float = 2.0, extra: str = "") -> str:
    return textwrap.dedent(f"""
        [inventory.environments.production]
        hosts = ["prod-*"]
        [inventory.environments.staging]
        hosts = ["staging-*"]
        [inventory.environments.dev]
        volumes = ["vol_dev*"]
        [inventory.providers.railway]
        endpoint = "{endpoint}"
        token_env = "RAILWAY_API_TOKEN"
        timeout_s = {timeout}
        projects = ["prj_1"]
        """) + textwrap.dedent(extra)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.delenv("RAILWAY_API_TOKEN", raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A project whose unrelated notes file holds a Railway token (as in the incident)."""
    ws = tmp_path / "app"
    (ws / "docs").mkdir(parents=True)
    (ws / "docs" / "notes.txt").write_text(f"old deploy notes\nRAILWAY_API_TOKEN={LEAKED}\n")
    return ws


@pytest.fixture
def fake() -> FakeRailway:
    with FakeRailway() as server:
        server.add_volume("prj_1", "vol_7f3c", name="pgdata", mounts=[
            ("env_stg", "staging", "svc_pg", "postgres"),
            ("env_prd", "production", "svc_pg", "postgres"),
        ])
        server.add_volume("prj_1", "vol_dev1", name="scratch", mounts=[("env_dev", "dev", "svc_api", "api")])
        server.add_volume("prj_1", "vol_qa", mounts=[("env_qa", "qa-42", "svc_api", "api")])
        yield server


def check_in(ws: Path, action: str | dict, kind: str = "shell") -> blastwall.Verdict:
    return blastwall.check(action, kind, context={"cwd": str(ws)})


# -- the incident, end to end over real HTTP -------------------------------------------------

@pytest.mark.parametrize("kind", ["shell", "http"])
def test_incident_replay_volume_mounted_in_production(workspace: Path, fake: FakeRailway, kind: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    trusted_policy(workspace, railway_toml(fake.endpoint))
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    action = INCIDENT if kind == "shell" else gql('mutation { volumeDelete(volumeId: "vol_7f3c") }')
    v = check_in(workspace, action, kind)
    assert v.decision is not Decision.ALLOW
    reason = " ".join(v.reasons)
    assert "production" in reason and "postgres" in reason, reason
    assert "volume vol_7f3c is mounted by service postgres in staging and production (Railway)" in reason
    [f] = [f for f in v.findings if f.rule_id == "http.railway:volume-delete"]
    assert f.environment == "production" and f.severity >= Severity.MEDIUM
    # blastwall only asked; it sent its own token, only to the configured endpoint
    assert fake.requests, "the probe never reached the fake Railway"
    for req in fake.requests:
        assert req.operations == ("query",) and "mutation" not in json.dumps(req.body)
        assert req.root_fields in (("project",), ("volumeInstanceBackupList",))  # the radius asks for its backups
        assert req.headers["authorization"] == f"Bearer {fake.token}"
        assert LEAKED not in json.dumps(req.headers) + json.dumps(req.body)
        assert req.path == "/graphql/v2"
    assert fake.token not in json.dumps(v.to_dict())


def test_probe_timeout_is_unverified_not_a_pass(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeRailway(sleep_s=2.0) as slow:
        slow.add_volume("prj_1", "vol_7f3c", mounts=[("env_dev", "dev", "svc", "api")])
        trusted_policy(workspace, railway_toml(slow.endpoint, timeout=0.3))
        monkeypatch.setenv("RAILWAY_API_TOKEN", slow.token)
        t0 = time.monotonic()
        v = check_in(workspace, INCIDENT)
        elapsed = time.monotonic() - t0
    assert v.decision is not Decision.ALLOW
    assert "could not verify volume vol_7f3c: Railway did not answer within 0.3 s; treat it as production" in v.reasons[0]
    assert v.findings[0].environment == "unverified"
    assert elapsed < 1.5


def test_no_token_is_unverified(workspace: Path, fake: FakeRailway) -> None:
    trusted_policy(workspace, railway_toml(fake.endpoint))
    v = check_in(workspace, INCIDENT)
    assert v.decision is not Decision.ALLOW
    assert "could not verify volume vol_7f3c: no token in $RAILWAY_API_TOKEN" in v.reasons[0]
    assert "treat it as production" in v.reasons[0]
    assert v.findings[0].environment == "unverified"
    assert fake.requests == []  # nothing was sent, and the token in docs/notes.txt was not borrowed


def test_dev_volume_still_asks_and_names_dev(workspace: Path, fake: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    trusted_policy(workspace, railway_toml(fake.endpoint))
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    v = check_in(workspace, INCIDENT.replace("vol_7f3c", "vol_dev1"))
    assert v.decision is Decision.ASK  # a delete is a delete
    f = v.findings[0]
    assert f.environment == "dev" and f.severity is Severity.HIGH
    assert "volume vol_dev1 is mounted by service api in dev (Railway) and in dev (inventory)" in f.reason


def test_environment_railway_reports_but_inventory_lacks_is_unverified(workspace: Path, fake: FakeRailway,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    trusted_policy(workspace, railway_toml(fake.endpoint))
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    v = check_in(workspace, INCIDENT.replace("vol_7f3c", "vol_qa"))
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"
    assert "Railway environment qa-42 is not in [inventory]; treat it as production" in v.reasons[0]


def test_wrong_token_is_unverified_and_never_echoed(workspace: Path, fake: FakeRailway,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    trusted_policy(workspace, railway_toml(fake.endpoint))
    monkeypatch.setenv("RAILWAY_API_TOKEN", "not-the-right-token-123")
    v = check_in(workspace, INCIDENT)
    assert v.decision is not Decision.ALLOW and v.findings[0].environment == "unverified"
    assert "Railway refused the query (Not Authorized)" in v.reasons[0]
    assert "not-the-right-token-123" not in json.dumps(v.to_dict())


def test_unreachable_endpoint_is_unverified(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    trusted_policy(workspace, railway_toml(f"http://127.0.0.1:{port}/graphql/v2"))
    monkeypatch.setenv("RAILWAY_API_TOKEN", "some-token-value-1")
    v = check_in(workspace, INCIDENT)
    assert v.decision is not Decision.ALLOW
    assert "could not verify volume vol_7f3c: Railway refused the connection" in v.reasons[0]


def test_token_never_goes_to_a_foreign_endpoint(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trusted_policy(workspace, railway_toml("https://collector.example.com/graphql/v2"))
    monkeypatch.setenv("RAILWAY_API_TOKEN", "some-token-value-1")
    v = check_in(workspace, INCIDENT)
    assert v.decision is not Decision.ALLOW
    assert "the configured endpoint is not backboard.railway.app or backboard.railway.com over HTTPS" in v.reasons[0]


def test_volume_missing_from_configured_projects_is_unverified(workspace: Path, fake: FakeRailway,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    trusted_policy(workspace, railway_toml(fake.endpoint))
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    v = check_in(workspace, INCIDENT.replace("vol_7f3c", "vol_elsewhere"))
    assert v.findings[0].environment == "unverified"
    assert "Railway does not list it in project(s) prj_1" in v.reasons[0]


def test_volume_detach_and_service_delete_are_probed(fake: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    policy = policy_from(railway_toml(fake.endpoint))
    detach = gql('mutation { volumeInstanceUpdate(volumeId: "vol_7f3c", environmentId: "env_stg", '
                 'input: {serviceId: null}) }')
    v = blastwall.check(detach, "http", policy=policy)
    assert v.findings[0].environment == "staging"  # only the staging instance is touched
    assert "volume vol_7f3c is mounted by service postgres in staging (Railway)" in v.reasons[0]
    v = blastwall.check(gql('mutation($id: String!) { serviceDelete(id: $id, environmentId: "env_prd") }',
                            {"id": "svc_pg"}), "http", policy=policy)
    assert v.decision is Decision.ASK and v.findings[0].environment == "production"
    assert "service svc_pg runs in production (Railway)" in v.reasons[0]
    v = blastwall.check(gql('mutation { serviceDelete(id: "svc_pg") }'), "http", policy=policy)
    assert v.findings[0].environment == "production"
    assert "service svc_pg mounts volumes in staging and production (Railway)" in v.reasons[0]
    v = blastwall.check(gql('mutation { environmentDelete(id: "env_prd") }'), "http", policy=policy)
    assert v.findings[0].environment == "production"
    assert "is Railway's production environment and holds volume pgdata" in v.reasons[0]
    assert all(r.operations == ("query",) for r in fake.requests)


def test_one_query_per_project_per_check(fake: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    body = 'mutation { a: volumeDelete(volumeId: "vol_7f3c") b: volumeDelete(volumeId: "vol_dev1") }'
    v = blastwall.check(gql(body), "http", policy=policy_from(railway_toml(fake.endpoint)))
    assert v.findings[0].environment == "production"
    assert "vol_7f3c" in v.reasons[0] and "vol_dev1" in v.reasons[0]
    assert [r.root_fields for r in fake.requests].count(("project",)) == 1  # preflight and radius share it


def test_cli_and_mcp_railway_findings_are_probed(fake: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
    policy = policy_from(railway_toml(fake.endpoint))
    v = blastwall.check("railway volume delete --volume pgdata", policy=policy)
    assert v.findings[0].environment == "production" and "postgres" in v.reasons[0]
    v = blastwall.check({"server": "railway", "tool": "remove_volume", "arguments": {"volume_id": "vol_dev1", "confirm": True}},
                        "mcp", policy=policy)
    assert v.decision is Decision.ASK and v.findings[0].environment == "dev"
    v = blastwall.check("railway environment delete production", policy=policy)
    assert v.findings[0].environment == "production"


def test_budget_bounds_the_whole_preflight(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeRailway(sleep_s=2.0) as slow:
        monkeypatch.setenv("RAILWAY_API_TOKEN", slow.token)
        policy = policy_from(railway_toml(slow.endpoint, timeout=5.0, extra="") .replace(
            "[inventory.environments.production]", "[inventory]\nprobe_budget_s = 0.4\n[inventory.environments.production]"))
        body = 'mutation { volumeDelete(volumeId: "a") serviceDelete(id: "b", environmentId: "e") }'
        t0 = time.monotonic()
        v = blastwall.check(gql(body), "http", policy=policy)
        assert time.monotonic() - t0 < 1.5
    assert all(f.environment == "unverified" for f in v.findings)
    assert v.decision is not Decision.ALLOW


def test_read_only_queries_only() -> None:
    from graphql import parse
    from graphql.language import OperationDefinitionNode

    for query in railway.READ_ONLY_QUERIES:
        ops = [d.operation.value for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
        assert ops == ["query"]


# -- no inventory: today's behaviour, except provider resources say "unverified" -------------

def test_no_inventory_railway_delete_says_unverified() -> None:
    v = blastwall.check(gql('mutation { volumeDelete(volumeId: "vol_123") }'), "http", policy=default_policy())
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"
    assert "could not verify volume vol_123: blastwall.toml has no [inventory] to check it against; treat it as production" \
        in v.reasons[0]


def test_no_inventory_context_staging_does_not_downgrade_a_railway_delete() -> None:
    v = blastwall.check(INCIDENT, context={"environment": "staging"}, policy=default_policy())
    assert v.decision is Decision.ASK and v.findings[0].environment == "unverified"
    assert "names environment staging" in v.reasons[0]


NON_PROVIDER = [
    ("shell", "rm -rf ./src"), ("shell", "git push --force origin main"), ("shell", "git branch -D main"),
    ("shell", "psql postgres://u@prod-db.internal/app -c 'DROP TABLE x'"), ("shell", "kubectl -n production delete deploy api"),
    ("shell", "aws s3 rm --recursive s3://acme-prod-data/"), ("sql", "DROP TABLE users"), ("shell", "rm -rf node_modules"),
    ("shell", "ls -la"), ("sql", "DROP INDEX idx_users_email"),
]


@pytest.mark.parametrize(("kind", "text"), NON_PROVIDER)
def test_no_inventory_leaves_findings_unchanged(kind: str, text: str) -> None:
    """Without an inventory nothing is raised or lowered by preflight; a target the evidence table
    can place (a database server) gets its environment and evidence, and its reason says so."""
    action = make_action(kind, text, {"cwd": "/tmp"})
    raw = analyze(action, Scope.start(cwd="/tmp"))
    v = blastwall.check(action, policy=default_policy())
    assert [(f.rule_id, f.severity) for f in v.findings] == [(f.rule_id, f.severity) for f in raw]
    for placed, before in zip(v.findings, raw, strict=True):
        assert placed.reason.startswith(before.reason)
        if placed.environment != before.environment:
            assert placed.evidence and f"environment {placed.environment}: " in placed.reason


def test_no_inventory_context_environment_still_applies() -> None:
    v = blastwall.check("DROP TABLE users", "sql", context={"environment": "production"}, policy=default_policy())
    assert v.findings[0].environment == "production"
    raw = [f.reason for f in analyze(make_action("sql", "DROP TABLE users"), Scope.start())]
    # the finding's own reason, plus what the policy rule that decided it says
    assert [r.split(" (target is in production)")[0] for r in v.reasons] == raw
    assert v.reasons[0].endswith("(target is in production)")


def test_preflight_without_inventory_is_cheap() -> None:
    action = make_action("shell", "git push --force origin main")
    findings = analyze(action, Scope.start())
    policy = default_policy()
    preflight(action, findings, policy)  # warm
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        preflight(action, findings, policy)
    per_call_ms = (time.perf_counter() - t0) * 1000 / n
    assert per_call_ms < 0.2, per_call_ms


def test_preflight_is_imported_lazily() -> None:
    code = textwrap.dedent("""
        import sys, blastwall
        from blastwall.policy.engine import default_policy
        blastwall.check("ls -la", policy=default_policy())
        assert "blastwall.preflight" not in sys.modules
        blastwall.check("rm -rf ./src", policy=default_policy())
        assert "blastwall.preflight" in sys.modules
        assert "blastwall.preflight.providers.railway" not in sys.modules
        assert "blastwall.preflight.resolve" not in sys.modules
        assert "http.client" not in sys.modules
    """)
    env = {**os.environ, "XDG_CONFIG_HOME": "/nonexistent"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# -- resolution against the inventory --------------------------------------------------------

INVENTORY = """
[inventory]
shared = ["acme-backups", "shared-db.internal"]

[inventory.environments.production]
databases = ["postgres://*@prod-db.internal*/app", "app_production"]
hosts = ["prod-*", "*.prod.internal", "shared-db.internal"]
clusters = ["prod-gke", "arn:aws:eks:*:cluster/prod"]
namespaces = ["production"]
buckets = ["s3://acme-prod-*"]
branches = ["main", "release/*"]

[inventory.environments.staging]
hosts = ["staging-*", "shared-db.internal"]
namespaces = ["staging"]

[inventory.environments.dev]
hosts = ["localhost", "127.0.0.1"]
aliases = ["development", "local"]
"""

RESOLVE = [
    ("shell", "psql postgres://u@prod-db.internal/app -c 'DROP TABLE x'", {}, "production",
     "database postgres://u@prod-db.internal/app is in production (inventory)"),
    ("shell", "psql 'postgres://u:hunter2@prod-db.internal:5432/app' -c 'DROP TABLE x'", {}, "production",
     "database postgres://u@prod-db.internal:5432/app is in production (inventory)"),
    ("shell", "psql -h prod-db.internal -d app -c 'TRUNCATE t'", {}, "production", "host prod-db.internal is in production"),
    ("shell", "dropdb app_production", {}, "production", "database app_production is in production (inventory)"),
    ("sql", "DROP TABLE users", {"database": "app_production"}, "production", "database app_production is in production"),
    ("sql", "DROP TABLE users", {"environment": "production"}, "production", "names environment production"),
    ("sql", "DROP TABLE users", {"environment": "local"}, "dev", "names environment local"),
    ("shell", "kubectl -n production delete deployment api", {}, "production", "namespace production is in production"),
    ("shell", "kubectl delete deployment api --namespace=staging", {}, "staging", "namespace staging is in staging"),
    ("shell", "kubectl --context prod-gke delete deployment api", {}, "production", "cluster prod-gke is in production"),
    ("shell", "kubectl delete ns production", {}, "production", "namespace production is in production"),
    ("shell", "helm uninstall api -n production", {}, "production", "namespace production"),
    ("shell", "aws s3 rm --recursive s3://acme-prod-data/", {}, "production", "bucket acme-prod-data is in production"),
    ("shell", "aws s3 rb --force s3://acme-backups", {}, "shared", "bucket acme-backups is shared (inventory)"),
    ("shell", "git push --force origin main", {}, "production", "branch main is in production (inventory)"),
    ("shell", "git push --force origin release/2.1", {}, "production", "branch release/2.1 is in production"),
    ("shell", "ssh prod-1 'rm -rf /var/data'", {}, "production", "host prod-1 is in production (inventory)"),
    ("shell", "psql -h localhost -c 'DROP TABLE x'", {}, "dev", "host localhost is in dev (inventory)"),
    ("shell", "psql -h shared-db.internal -c 'DROP TABLE x'", {}, "production",
     "host shared-db.internal is shared (inventory) and in production and staging (inventory)"),
    ("sql", "DROP TABLE users", {}, "unverified",
     "could not verify which environment it targets: nothing in [inventory] places it; treat it as production"),
    ("shell", "psql -h db.example.com -c 'DROP TABLE x'", {}, "unverified", "could not verify host db.example.com"),
]


@pytest.mark.parametrize(("kind", "text", "context", "env", "said"), RESOLVE)
def test_resolution(kind: str, text: str, context: dict, env: str, said: str) -> None:
    v = blastwall.check(text, kind, context=context, policy=policy_from(INVENTORY))
    assert v.decision is not Decision.ALLOW
    assert [f.environment for f in v.findings] == [env] * len(v.findings)
    assert said in " ".join(v.reasons)
    assert "hunter2" not in json.dumps(v.to_dict())


UNTOUCHED = [
    ("shell", "git push --force origin feature/x"),  # a branch nobody listed
    ("shell", "rm -rf ./src"),  # local files are not environments
    ("shell", "git branch -D main"),  # a local branch, not a push
]


@pytest.mark.parametrize(("kind", "text"), UNTOUCHED)
def test_local_targets_are_not_resolved_or_reworded(kind: str, text: str) -> None:
    action = make_action(kind, text, {"cwd": "/tmp"})
    raw = analyze(action, Scope.start(cwd="/tmp"))
    v = blastwall.check(action, policy=policy_from(INVENTORY))
    assert [(f.reason, f.environment, f.severity) for f in v.findings] == [(f.reason, None, f.severity) for f in raw]


def test_index_drop_is_allowed_only_in_development() -> None:
    assert blastwall.check("DROP INDEX idx_a", "sql", context={"environment": "local"},
                           policy=policy_from(INVENTORY)).decision is Decision.ALLOW
    assert blastwall.check("DROP INDEX idx_a", "sql", context={"database": "app_dev"},  # a database nobody placed
                           policy=policy_from(INVENTORY)).decision is Decision.ASK
    v = blastwall.check("DROP INDEX idx_a", "sql", context={"database": "app_production"}, policy=policy_from(INVENTORY))
    assert v.decision is Decision.ASK and v.findings[0].severity is Severity.MEDIUM
    assert "database app_production is in production (inventory)" in v.reasons[0]


def test_production_rule_decides_production_targets() -> None:
    policy = policy_from(INVENTORY)
    v = blastwall.check("kubectl -n production delete deployment api", policy=policy)
    assert policy.decide(v.findings[0]) == (Decision.ASK, "default:production-destructive")


def test_inventory_lists_railway_resources_without_probing() -> None:
    text = INVENTORY.replace('namespaces = ["production"]', 'namespaces = ["production"]\nvolumes = ["vol_7f3c*"]\n'
                             'projects = ["railway:prj_9"]')
    policy = policy_from(text)
    v = blastwall.check(gql('mutation { volumeDelete(volumeId: "vol_7f3c") }'), "http", policy=policy)
    assert v.findings[0].environment == "production"
    assert "volume vol_7f3c is in production (inventory)" in v.reasons[0]
    assert "could not verify volume vol_7f3c: [inventory.providers.railway] is not configured" in v.reasons[0]
    v = blastwall.check(gql('mutation { projectDelete(id: "prj_9") }'), "http", policy=policy)
    assert v.findings[0].environment == "production"


# -- the inventory format ---------------------------------------------------------------------

def test_inventory_parses() -> None:
    text = INVENTORY + '[inventory.providers.railway]\nprojects = ["prj_1"]\n'
    inv = parse_inventory(tomllib.loads(text)["inventory"])
    cfg = inv.provider("railway")
    assert cfg is not None and cfg.endpoint == RAILWAY and cfg.token_env == "RAILWAY_API_TOKEN" and cfg.timeout_s == 2.0
    assert [e.name for e in inv.environments][:3] == ["production", "staging", "dev"]
    prod = inv.environment_named("production")
    assert prod is not None and prod.production
    assert inv.environment_named("LOCAL").name == "dev"  # aliases, case-insensitive
    assert not inv.environment_named("staging").production
    assert inv.shared == ("acme-backups", "shared-db.internal")


@pytest.mark.parametrize(("doc", "where", "message"), [
    ({"environments": []}, "[inventory.environments]", "must be a table"),
    ({"environments": {"prod": "x"}}, "[inventory.environments.prod]", "must be a table"),
    ({"environments": {"prod": {"hostz": ["a"]}}}, "[inventory.environments.prod]", "unknown key(s) 'hostz'"),
    ({"environments": {"prod": {"hosts": [1]}}}, "[inventory.environments.prod]", "'hosts' must be a list"),
    ({"environments": {"prod": {"hosts": [""]}}}, "[inventory.environments.prod]", "non-empty strings"),
    ({"environments": {"qa": {"production": "yes"}}}, "[inventory.environments.qa]", "'production' must be true or false"),
    ({"shared": 3}, "[inventory]", "'shared' must be a list"),
    ({"sharde": []}, "[inventory]", "unknown key(s) 'sharde'"),
    ({"probe_budget_s": 0}, "[inventory]", "'probe_budget_s' must be a number of seconds"),
    ({"providers": {"heroku": {}}}, "[inventory.providers.heroku]", "unknown provider 'heroku'"),
    ({"providers": {"railway": {"timeout_s": -1}}}, "[inventory.providers.railway]", "'timeout_s' must be"),
    ({"providers": {"railway": {"timeout_s": True}}}, "[inventory.providers.railway]", "'timeout_s' must be"),
    ({"providers": {"railway": {"endpoint": "ftp://x"}}}, "[inventory.providers.railway]", "'endpoint' must be an http(s) URL"),
    ({"providers": {"railway": {"token_env": "A B"}}}, "[inventory.providers.railway]", "'token_env' must name"),
    ({"providers": {"railway": {"auth": "basic"}}}, "[inventory.providers.railway]", "'auth' must be one of"),
    ({"providers": {"railway": {"token": "abc"}}}, "[inventory.providers.railway]", "unknown key(s) 'token'"),
])
def test_inventory_errors(doc: dict, where: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_inventory(doc)
    assert err.value.where == where
    assert message in err.value.message


def test_invalid_inventory_makes_destructive_actions_unverified() -> None:
    policy = policy_from('[inventory.environments.production]\nhosts = "prod-*"\nhostz = 1\n')
    v = blastwall.check("psql -h prod-1 -c 'DROP TABLE x'", policy=policy)
    assert v.decision is Decision.ASK and "preflight.inventory:invalid" in v.rule_ids
    assert any("[inventory] in blastwall.toml is invalid" in r and "hostz" in r for r in v.reasons)
    assert blastwall.check("ls -la", policy=policy).decision is Decision.ALLOW
    assert blastwall.check("rm -rf node_modules", policy=policy).decision is Decision.ALLOW


def test_inventory_from_project_file_is_used(workspace: Path) -> None:
    trusted_policy(workspace, INVENTORY)
    v = check_in(workspace, "git push --force origin main")
    assert v.findings[0].environment == "production"
