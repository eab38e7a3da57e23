"""Infrastructure blast radius: fake kubectl and docker executables on PATH (answering the
real CLIs' JSON shapes and recording their argv) and FakeRailway over real HTTP."""

from __future__ import annotations

import os
import textwrap
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from blastwall.analyze import analyze
from blastwall.analyze.base import Scope
from blastwall.engine import check_action, make_action
from blastwall.model import Decision
from blastwall.policy.engine import Policy, compile_layers, default_document, default_policy
from blastwall.radius import measure_all
from blastwall.testing.fake_cli import FakeKubectl, deployment, pod, pv, pvc, simple, statefulset
from blastwall.testing.fake_docker import FakeDocker
from blastwall.testing.fake_railway import FakeRailway

LIST = "pods,deployments,statefulsets,services,persistentvolumeclaims,configmaps,secrets"


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", f"{d}{os.pathsep}{os.environ['PATH']}")
    return d


@pytest.fixture
def kube(bin_dir: Path) -> FakeKubectl:
    fake = FakeKubectl(bin_dir, contexts={"kind-dev": "https://127.0.0.1:6443", "prod-eu": "https://k8s.example.com:6443"})
    fake.add(
        deployment("prod", "web", {"app": "web"}), pod("prod", "web-1", {"app": "web"}), pod("prod", "web-2", {"app": "web"}),
        statefulset("prod", "pg", {"app": "pg"}), pod("prod", "pg-0", {"app": "pg"}),
        pvc("prod", "data-pg-0", volume="pv-pg", size="50Gi"), pv("pv-pg", "Delete", "50Gi", ("prod", "data-pg-0")),
        pvc("prod", "logs", volume="pv-logs", size="5Gi"), pv("pv-logs", "Retain", "5Gi", ("prod", "logs")),
        simple("Service", "prod", "web"), simple("ConfigMap", "prod", "web-config"), simple("Secret", "prod", "db-creds"),
        pod("default", "other", {"app": "other"}),
    )
    return fake


def radius_of(command: str, kind: str = "shell", budget_s: float = 2.0, cwd: str | None = None) -> dict:
    action = make_action(kind, command, {"cwd": cwd} if cwd else None)
    findings = measure_all(action, analyze(action, Scope.start(cwd=cwd)), default_policy(), budget_s=budget_s)
    measured = [f for f in findings if f.radius is not None]
    assert measured, [f.rule_id for f in findings]
    return measured[0].radius


# -- Kubernetes ---------------------------------------------------------------------------------

def test_namespace_delete_counts_by_kind_and_volumes_with_delete_policy(kube: FakeKubectl) -> None:
    r = radius_of("kubectl delete ns prod")
    assert r["measured"] and r["source"] == "kubectl"
    assert r["counts"] == {"pods": 3, "deployments": 1, "statefulsets": 1, "services": 1, "pvcs": 2, "configmaps": 1,
                           "secrets": 1, "resources": 10, "volumes": 1, "bytes": 50 * 1024**3}
    assert r["irreplaceable"] is True
    assert "3 pods" in r["summary"] and "1 volume (53.7 GB) with reclaim policy Delete" in r["summary"]
    get = kube.calls[0]
    assert get[:4] == ["get", LIST, "-n", "prod"] and "-o" in get and "json" in get
    assert any(a.startswith("--request-timeout=") and a.endswith("ms") for a in get)
    assert kube.calls[1][:3] == ["get", "persistentvolumes", "pv-pg"] and "pv-logs" in kube.calls[1]


@pytest.mark.parametrize("command", [
    "kubectl --context prod-eu delete ns prod",
    "kubectl delete namespace prod --context=prod-eu --kubeconfig /tmp/kc",
])
def test_context_and_kubeconfig_are_passed_through(kube: FakeKubectl, command: str) -> None:
    assert radius_of(command)["measured"]
    for call in kube.calls:
        assert call[call.index("--context") + 1] == "prod-eu"
    if "--kubeconfig" in command:
        assert all(c[c.index("--kubeconfig") + 1] == "/tmp/kc" for c in kube.calls)


def test_deployment_delete_takes_its_pods_not_the_rest(kube: FakeKubectl) -> None:
    r = radius_of("kubectl delete deploy web -n prod")
    assert r["counts"]["deployments"] == 1 and r["counts"]["pods"] == 2 and r["counts"]["resources"] == 3
    assert r["counts"]["volumes"] == 0 and r["irreplaceable"] is None
    assert kube.calls[0][:4] == ["get", LIST, "-n", "prod"]
    assert len(kube.calls) == 1  # no claims go, so no volume lookup


def test_pvc_delete_with_delete_policy_is_irreplaceable(kube: FakeKubectl) -> None:
    r = radius_of("kubectl delete pvc data-pg-0 --namespace=prod")
    assert r["counts"]["pvcs"] == 1 and r["counts"]["volumes"] == 1 and r["irreplaceable"] is True
    assert kube.calls[1][:3] == ["get", "persistentvolumes", "pv-pg"]


def test_pvc_delete_with_retain_policy_keeps_the_data(kube: FakeKubectl) -> None:
    r = radius_of("kubectl delete -n prod persistentvolumeclaim/logs")
    assert r["counts"]["pvcs"] == 1 and r["counts"]["volumes"] == 0 and r["irreplaceable"] is None
    assert any("Retain" in d for d in r["details"])


def test_statefulset_keeps_claims_unless_its_retention_policy_deletes_them(kube: FakeKubectl, bin_dir: Path) -> None:
    r = radius_of("kubectl delete statefulset pg -n prod")
    assert r["counts"].get("pvcs", 0) == 0 and r["counts"]["pods"] == 1
    other = FakeKubectl(bin_dir)
    other.add(statefulset("db", "pg", {"app": "pg"}, when_deleted="Delete"), pod("db", "pg-0", {"app": "pg"}),
              pvc("db", "data-pg-0", volume="pv-1"), pv("pv-1", "Delete"))
    r = radius_of("kubectl delete sts/pg -n db")
    assert r["counts"]["pvcs"] == 1 and r["irreplaceable"] is True


def test_helm_uninstall_takes_the_release_objects(bin_dir: Path) -> None:
    kube = FakeKubectl(bin_dir, contexts={"c1": "https://10.0.0.1:6443"})
    kube.add(deployment("db", "pg-api", {"app": "api"}, release="pg"), pod("db", "api-1", {"app": "api"}),
             pvc("db", "pg-data", volume="pv-9", release="pg"), pv("pv-9", "Delete", "1Gi"),
             simple("Secret", "db", "pg-auth", release="pg"), simple("Secret", "db", "unrelated"))
    r = radius_of("helm uninstall pg -n db --kube-context c1")
    assert r["counts"]["resources"] == 4 and r["counts"]["secrets"] == 1 and r["irreplaceable"] is True
    assert r["summary"].startswith("uninstalling helm release pg in namespace db takes")
    assert kube.calls[0][:2] == ["--context", "c1"] and "-n" in kube.calls[0]


def test_selector_delete_counts_only_matches(kube: FakeKubectl) -> None:
    r = radius_of("kubectl delete pods -l app=web -n prod")
    assert r["counts"]["pods"] == 2 and r["counts"]["resources"] == 2


def test_http_namespace_delete_uses_the_context_for_that_server(kube: FakeKubectl) -> None:
    action = {"method": "DELETE", "url": "https://k8s.example.com:6443/api/v1/namespaces/prod", "headers": {}}
    r = radius_of(action, "http")  # type: ignore[arg-type]
    assert r["measured"] and r["counts"]["pods"] == 3
    assert kube.calls[0][:3] == ["config", "view", "-o"]
    assert kube.calls[1][:2] == ["--context", "prod-eu"]


def test_http_to_an_unknown_server_is_unmeasured(kube: FakeKubectl) -> None:
    action = {"method": "DELETE", "url": "https://elsewhere.example.com/api/v1/namespaces/prod", "headers": {}}
    r = radius_of(action, "http")  # type: ignore[arg-type]
    assert not r["measured"] and "no kubectl context here points at the API server elsewhere.example.com:443" in r["summary"]


def test_missing_kubectl_is_unmeasured_never_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    r = radius_of("kubectl delete ns prod")
    assert r == {**r, "measured": False, "summary": "kubectl is not installed here", "counts": {}}


def test_failing_kubectl_says_why_without_credentials(bin_dir: Path) -> None:
    FakeKubectl(bin_dir, fail="error: You must be logged in to the server (Unauthorized) token=s3cr3t-t0ken-value")
    r = radius_of("kubectl delete ns prod")
    assert not r["measured"] and r["summary"].startswith("kubectl failed: error: You must be logged in")
    assert "s3cr3t" not in r["summary"]


def test_unknown_context_is_unmeasured(kube: FakeKubectl) -> None:
    r = radius_of("kubectl delete ns prod --context nowhere")
    assert not r["measured"] and r["summary"] == 'kubectl failed: error: context "nowhere" does not exist'


def test_hanging_kubectl_is_unmeasured_within_the_budget(bin_dir: Path) -> None:
    FakeKubectl(bin_dir, sleep_s=10)
    t0 = time.monotonic()
    r = radius_of("kubectl delete ns prod", budget_s=0.4)
    assert time.monotonic() - t0 < 1.0
    assert not r["measured"] and "did not answer within" in r["summary"]


def test_forms_it_does_not_measure_get_no_radius(kube: FakeKubectl) -> None:
    for command in ("kubectl delete -f app.yaml", "kubectl delete pods --all -A", "kubectl delete ingress web -n prod"):
        action = make_action("shell", command)
        findings = measure_all(action, analyze(action, Scope.start()), default_policy(), budget_s=2.0)
        assert all(f.radius is None for f in findings), command
    assert kube.calls == []


# -- Docker -------------------------------------------------------------------------------------

@pytest.fixture
def dock(bin_dir: Path) -> FakeDocker:
    fake = FakeDocker(bin_dir)
    fake.volume("shop_pgdata", size=1_200_000_000, labels={"com.docker.compose.project": "shop",
                                                           "com.docker.compose.volume": "pgdata"})
    fake.volume("shop_uploads", size=53_700_000, labels={"com.docker.compose.project": "shop"})
    fake.volume("other_cache", size=0, labels={"com.docker.compose.project": "other"})
    fake.volume("a" * 64, size=4_000, labels={"com.docker.volume.anonymous": ""})
    fake.volume("loose", size=10_000)
    fake.container("shop-db-1", volumes=["shop_pgdata"])
    fake.container("shop-web-1", volumes=["shop_uploads", "a" * 64], state="exited")
    return fake


def test_volume_rm_counts_sizes_and_attached_containers(dock: FakeDocker) -> None:
    r = radius_of("docker volume rm shop_pgdata nothere")
    assert r["measured"] and r["source"] == "docker" and r["irreplaceable"] is True
    assert r["counts"] == {"volumes": 1, "bytes": 1_200_000_000, "containers": 1}
    assert r["summary"] == "docker volume rm deletes 1 volume (1.2 GB): shop_pgdata; 1 container uses them"
    assert "volume nothere does not exist" in r["details"] and "container shop-db-1 (running)" in r["details"]
    assert dock.calls[0] == ["volume", "ls", "--format", "{{json .}}"]
    assert dock.calls[1] == ["ps", "-a", "--filter", "volume=shop_pgdata", "--format", "{{json .}}"]
    assert dock.calls[2][:3] == ["system", "df", "-v"]


def test_compose_down_volumes_takes_the_project_volumes(dock: FakeDocker, tmp_path: Path) -> None:
    r = radius_of("docker compose -p shop down -v")
    assert r["counts"] == {"volumes": 2, "bytes": 1_253_700_000, "containers": 2}
    assert "--filter" in dock.calls[0] and "label=com.docker.compose.project=shop" in dock.calls[0]
    project = tmp_path / "Shop"
    project.mkdir()
    assert radius_of("docker-compose down --volumes", cwd=str(project))["counts"]["volumes"] == 2


def test_system_prune_volumes_takes_unused_anonymous_volumes_only(dock: FakeDocker) -> None:
    dock.volume("b" * 64, size=2_000, labels={"com.docker.volume.anonymous": ""})
    r = radius_of("docker system prune --volumes -f")
    assert r["counts"]["volumes"] == 1 and r["counts"]["bytes"] == 2_000
    assert "dangling=true" in dock.calls[0]


def test_volume_prune_all_takes_every_unused_volume(dock: FakeDocker) -> None:
    r = radius_of("docker volume prune -a -f")
    assert r["counts"]["volumes"] == 2  # other_cache and loose: unused, named


def test_rm_v_takes_the_containers_anonymous_volumes(dock: FakeDocker) -> None:
    r = radius_of("docker rm -v shop-web-1")
    assert r["counts"] == {"volumes": 1, "bytes": 4_000, "containers": 1}
    assert dock.calls[0] == ["inspect", "--type", "container", "shop-web-1"]


def test_docker_context_and_host_are_passed_through(dock: FakeDocker) -> None:
    radius_of("docker --context remote volume rm shop_pgdata")
    assert all(c[:2] == ["--context", "remote"] for c in dock.calls)
    dock.log_file.unlink()
    radius_of("docker -H ssh://ops@db1 volume rm shop_pgdata")
    assert all(c[:2] == ["-H", "ssh://ops@db1"] for c in dock.calls)


def test_sizes_unknown_when_df_fails_still_counts_volumes(bin_dir: Path) -> None:
    fake = FakeDocker(bin_dir, df_fails=True)
    fake.volume("pgdata", size=5)
    r = radius_of("docker volume rm pgdata")
    assert r["measured"] and r["counts"]["volumes"] == 1 and r["irreplaceable"] is True
    assert "size unknown" in r["summary"] and any("docker system df" in d for d in r["details"])


def test_missing_or_hanging_docker_is_unmeasured(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeDocker(bin_dir, sleep_s=10)
    t0 = time.monotonic()
    r = radius_of("docker volume rm pgdata", budget_s=0.4)
    assert time.monotonic() - t0 < 1.0 and not r["measured"] and "did not answer within" in r["summary"]
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    r = radius_of("docker volume rm pgdata")
    assert not r["measured"] and r["summary"] == "docker is not installed here"


# -- Railway (the incident: the backups lived on the deleted volume) ---------------------------

INCIDENT = 'mutation { volumeDelete(volumeId: "vol_7f3c") }'


def railway_policy(endpoint: str) -> Policy:
    text = textwrap.dedent(f"""
        [inventory.environments.production]
        hosts = ["prod-*"]
        [inventory.environments.staging]
        hosts = ["staging-*"]
        [inventory.providers.railway]
        endpoint = "{endpoint}"
        token_env = "RAILWAY_API_TOKEN"
        timeout_s = 2.0
        projects = ["prj_1"]
        """)
    return compile_layers([("test.toml", tomllib.loads(text)), ("defaults", default_document())])


@pytest.fixture
def railway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRailway]:
    with FakeRailway() as fake:
        fake.add_volume("prj_1", "vol_7f3c", name="pgdata", backups={"env_prd": 3}, mounts=[
            ("env_stg", "staging", "svc_pg", "postgres"), ("env_prd", "production", "svc_pg", "postgres")])
        fake.add_volume("prj_1", "vol_dev1", name="scratch", mounts=[("env_dev", "dev", "svc_api", "api")])
        monkeypatch.setenv("RAILWAY_API_TOKEN", fake.token)
        yield fake


def gql(query: str) -> dict:
    return {"method": "POST", "url": "https://backboard.railway.com/graphql/v2",
            "headers": {"Authorization": "Bearer x"}, "body": {"query": query}}


def railway_radius(action: dict | str, kind: str, policy: Policy) -> dict:
    a = make_action(kind, action)
    [f] = [f for f in measure_all(a, analyze(a, Scope.start()), policy, budget_s=2.0) if f.radius]
    return f.radius


def test_volume_delete_counts_the_backups_that_go_with_it(railway: FakeRailway) -> None:
    r = railway_radius(gql(INCIDENT), "http", railway_policy(railway.endpoint))
    assert r["measured"] and r["source"] == "railway" and r["irreplaceable"] is True
    assert r["counts"] == {"volumes": 1, "services": 1, "environments": 2, "backups_on_target": 3}
    assert r["summary"] == ("volume vol_7f3c is mounted by service postgres in staging and production; "
                            "its 3 backups are stored on it and would go with it")
    sent = [q for q in railway.requests if "volumeInstanceBackupList" in q.root_fields]
    assert [q.body["variables"] for q in sent] == [{"volumeInstanceId": "vi_vol_7f3c_env_stg"},
                                                   {"volumeInstanceId": "vi_vol_7f3c_env_prd"}]
    assert all(q.operations == ("query",) for q in railway.requests)  # read-only


def test_cli_and_mcp_volume_deletes_are_measured(railway: FakeRailway) -> None:
    policy = railway_policy(railway.endpoint)
    r = railway_radius("railway volume delete --volume pgdata", "shell", policy)
    assert r["counts"]["backups_on_target"] == 3
    r = railway_radius({"server": "railway", "tool": "remove_volume", "arguments": {"volume_id": "vol_dev1",
                                                                                    "confirm": True}}, "mcp", policy)
    assert r["measured"] and r["counts"]["backups_on_target"] == 0 and r["irreplaceable"] is None
    assert r["summary"] == "volume vol_dev1 is mounted by service api in dev; Railway keeps no backup of it"


def test_railway_unreachable_or_unconfigured_is_unmeasured(railway: FakeRailway) -> None:
    r = railway_radius(gql(INCIDENT), "http", default_policy())
    assert not r["measured"] and "[inventory.providers.railway]" in r["summary"]
    r = railway_radius(gql('mutation { volumeDelete(volumeId: "vol_nope") }'), "http", railway_policy(railway.endpoint))
    assert not r["measured"] and r["summary"].startswith("could not measure volume vol_nope: Railway does not list it")


def test_wrong_token_is_unmeasured_and_never_shown(railway: FakeRailway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_TOKEN", "leaked-token-from-notes-9f8e7d")
    r = railway_radius(gql(INCIDENT), "http", railway_policy(railway.endpoint))
    assert not r["measured"] and "leaked-token" not in str(r)


# -- end to end through the engine ---------------------------------------------------------------

def test_engine_attaches_the_radius_and_the_reason_says_it(railway: FakeRailway) -> None:
    v = check_action(make_action("http", gql(INCIDENT)), railway_policy(railway.endpoint))
    [f] = [f for f in v.findings if f.rule_id == "http.railway:volume-delete"]
    assert f.radius is not None and f.radius["counts"]["backups_on_target"] == 3
    assert v.decision is not Decision.ALLOW
    assert any("its 3 backups are stored on it and would go with it" in r for r in v.reasons), v.reasons
    assert [q.root_fields for q in railway.requests].count(("project",)) == 1  # the preflight's answer, reused


def test_engine_kubectl_radius_in_the_verdict(kube: FakeKubectl) -> None:
    v = check_action(make_action("shell", "kubectl delete ns prod"), default_policy())
    [f] = v.findings
    assert f.radius is not None and f.radius["measured"] and f.radius["counts"]["pods"] == 3
    assert any("3 pods" in r for r in v.reasons), v.reasons


def test_kubectl_log_lines_are_skipped_for_the_message(bin_dir: Path) -> None:
    FakeKubectl(bin_dir, fail='E1201 08:42:07.003811   13732 memcache.go:265] "Unhandled Error" err="couldn\'t get '
                               'current server API group list"\nThe connection to the server localhost:8080 was refused')
    r = radius_of("kubectl delete ns prod")
    assert r["summary"] == "kubectl failed: The connection to the server localhost:8080 was refused"


def test_http_collection_delete_with_a_label_selector(kube: FakeKubectl) -> None:
    action = {"method": "DELETE", "headers": {},
              "url": "https://k8s.example.com:6443/api/v1/namespaces/prod/pods?labelSelector=app%3Dweb"}
    r = radius_of(action, "http")  # type: ignore[arg-type]
    assert r["measured"] and r["counts"] == {**r["counts"], "pods": 2, "resources": 2}


@pytest.mark.parametrize(("command", "expect"), [
    ("kubectl delete ns prod staging", {"namespaces": ("prod", "staging"), "whole": True}),
    ("oc delete project shop", {"namespaces": ("shop",), "whole": True}),
    ("kubectl delete deploy/web svc/web -n x", {"objects": (("Deployment", "web"), ("Service", "web"))}),
    ("kubectl delete deployments.apps web --cascade=orphan", {"objects": (("Deployment", "web"),), "cascade": False}),
    ("kubectl delete pod,pvc -l app=x,tier=db -n x", {"kinds": ("Pod", "PersistentVolumeClaim"),
                                                      "selector": (("app", "x"), ("tier", "db"))}),
    ("kubectl delete pvc --all -n x", {"kinds": ("PersistentVolumeClaim",), "selector": None}),
    ("helm uninstall pg --namespace db", {"release": "pg", "namespaces": ("db",)}),
    ("KUBECONFIG=/tmp/kc kubectl delete ns prod", {"env": (("KUBECONFIG", "/tmp/kc"),)}),
])
def test_what_a_kubernetes_command_names(command: str, expect: dict) -> None:
    from blastwall.radius.infra_k8s import target_of

    action = make_action("shell", command)
    [f] = [f for f in analyze(action, Scope.start()) if f.rule_id.startswith(("shell.kubectl:", "shell.helm:"))]
    t = target_of(action, f)
    assert t is not None
    assert {k: getattr(t, k) for k in expect} == expect


@pytest.mark.parametrize("command", [
    "kubectl delete pods -l 'app in (a,b)' -n x",  # set-based selector: not evaluated
    "kubectl delete -f app.yaml",
    "kubectl delete ns --all-namespaces --all",
    "kubectl delete crd widgets.example.com",
])
def test_kubernetes_forms_not_measured(command: str) -> None:
    from blastwall.radius.infra_k8s import target_of

    action = make_action("shell", command)
    findings = [f for f in analyze(action, Scope.start()) if f.rule_id.startswith("shell.kubectl:")]
    assert findings and all(target_of(action, f) is None for f in findings)
