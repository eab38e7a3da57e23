"""Catalogs generated from the providers' specs (analyze/catalogs, tools/gen_catalogs.py).

Every operation of every generated catalog is classified, routed back to itself from a request
built from its own path template, and judged the same way through the aws CLI and the HTTP door.
The committed data must equal what the generator writes from the pinned spec packages.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import tomllib
from typing import Any

import pytest

from blastwall.analyze.base import Scope
from blastwall.analyze.catalogs import data, ops
from blastwall.analyze.catalogs.judge import rule_id
from blastwall.analyze.catalogs.routes import Router
from blastwall.analyze.catalogs.verbs import classify, table
from blastwall.analyze.http import analyze_request
from blastwall.analyze.ruleset import ID_RE
from blastwall.analyze.shell import analyze_command
from blastwall.engine import check
from blastwall.model import Severity
from blastwall.policy.engine import default_policy

POLICY = default_policy()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASKS = Severity.MEDIUM


def _gen() -> Any:
    spec = importlib.util.spec_from_file_location("gen_catalogs", os.path.join(ROOT, "tools", "gen_catalogs.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _aws_rows() -> list[tuple[str, list[Any]]]:
    return [(svc, row) for svc in data.names("aws") for row in data.load(f"aws/{svc}.json")["ops"]]


def _shell(cmd: str) -> list[Any]:
    return analyze_command(cmd, Scope(read_files=False, probe=False))


def _http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> list[Any]:
    return analyze_request(method, url, headers, body, Scope(probe=False))


def _judged(action: Any, kind: str, decision: str, rule: str) -> None:
    """The engine's decision on `action` is `decision`, and names `rule` when one is given."""
    v = check(action, kind, policy=POLICY)
    assert v.decision.value == decision, (v.reasons, v.rule_ids)
    if rule:
        assert rule in v.rule_ids


def _fill(template: str) -> tuple[str, str]:
    """A concrete path and query string from a spec's path template."""
    path, _, query = template.partition("?")
    path = re.sub(r"\{[^}]*\}", "x1", path)
    return path, query


# ---- the verb table -------------------------------------------------------------------------
def test_every_verb_is_listed_once_and_every_class_exists() -> None:
    t = table()
    seen: dict[str, str] = {}
    for cls, verbs in t["verbs"].items():
        assert cls in t["classes"], cls
        for verb in verbs:
            assert verb not in seen, f"{verb!r} is in {seen.get(verb)} and {cls}"
            seen[verb] = cls
    for name, cls in [*t["operations"].items(), *(x for v in t["provider_verbs"].values() for x in v.items())]:
        assert cls in t["classes"], name


@pytest.mark.parametrize("provider", ["aws", "github", "kubernetes"])
def test_every_operation_is_classified(provider: str) -> None:
    """Coverage by construction: a spec update that brings a verb nobody classified fails here."""
    if provider == "aws":
        names = [row[0] for _, row in _aws_rows()]
    else:
        names = [row[2] for row in data.load(f"{provider}.json")["ops"]]
    missing = sorted({n for n in names if classify(n, provider) is None})
    assert not missing, missing[:20]


def test_google_unlisted_verbs_are_few() -> None:
    """Google's older APIs run verbs into objects (`cancellineitem`); an unlisted verb falls back
    to the HTTP method. Most methods still have a listed verb."""
    total = unlisted = 0
    for key in data.names("google"):
        for _, _, name in data.load(f"google/{key}.json")["ops"]:
            total += 1
            unlisted += classify(name, "google") is None
    assert total > 20000 and unlisted / total < 0.02, (unlisted, total)


@pytest.mark.parametrize("name,provider,cls", [
    ("DeleteDBInstance", "aws", "delete"),
    ("TerminateInstances", "aws", "delete"),
    ("BatchDeleteImage", "aws", "delete"),
    ("StopInstances", "aws", "stop"),
    ("RevokeSecurityGroupIngress", "aws", "revoke"),
    ("DetachRolePolicy", "aws", "revoke"),
    ("PutBucketPolicy", "aws", "revoke"),
    ("CloseAccount", "aws", "critical"),
    ("RemoveTagsFromResource", "aws", "trivial"),
    ("DeleteMessageBatch", "aws", "trivial"),
    ("DescribeDBInstances", "aws", "read"),
    ("GetCallerIdentity", "aws", "read"),
    ("CreateDBSnapshot", "aws", "create"),
    ("UpdateFunctionCode", "aws", "write"),
    ("repos/delete", "github", "delete"),
    ("repos/remove-collaborator", "github", "revoke"),
    ("activity/unstar-repo-for-authenticated-user", "github", "trivial"),
    ("reactions/delete-for-issue", "github", "trivial"),
    ("repos/replace-all-topics", "github", "write"),
    ("compute.instances.delete", "google", "delete"),
    ("compute.instances.setIamPolicy", "google", "revoke"),
    ("compute.instanceGroupManagers.abandonInstances", "google", "revoke"),
    ("content.orders.cancellineitem", "google", "stop"),
    ("delete_collection_namespaced_persistent_volume_claim", "kubernetes", "delete"),
    ("replace_namespaced_deployment", "kubernetes", "write"),
    ("read_namespaced_pod_log", "kubernetes", "read"),
])
def test_classes(name: str, provider: str, cls: str) -> None:
    verb = classify(name, provider)
    assert verb is not None and verb.cls.name == cls


# ---- generated ids --------------------------------------------------------------------------
def test_generated_rule_ids_are_well_formed_and_unique() -> None:
    ids = [rule_id("http", ops.Op("aws", svc, row[0], "")) for svc, row in _aws_rows()]
    ids += [rule_id("http", ops.Op("github", "", r[2], "")) for r in data.load("github.json")["ops"]]
    assert len(set(ids)) == len(ids)  # one id per operation (Kubernetes repeats a name per API version)
    ids += [rule_id("http", ops.Op("kubernetes", "", r[2], "")) for r in data.load("kubernetes.json")["ops"]]
    bad = [i for i in ids if not ID_RE.match(i)]
    assert not bad, bad[:10]


def _cls(name: str, provider: str) -> str:
    verb = classify(name, provider)
    return verb.cls.name if verb else ""


# ---- routes ---------------------------------------------------------------------------------
def test_router_prefers_literals_query_keys_and_takes_the_rest_last() -> None:
    r: Router[str] = Router([
        ("GET", "/repos/{owner}/{repo}", "repo"),
        ("GET", "/repos/{owner}/{repo}/contents/{path}", "contents"),
        ("GET", "/repos/{owner}/{repo}/commits", "commits"),
        ("GET", "/repos/{owner}/{repo}/{thing}", "thing"),
        ("DELETE", "/{Bucket}", "delete-bucket"),
        ("DELETE", "/{Bucket}?policy", "delete-policy"),
        ("DELETE", "/{Bucket}/{Key+}", "delete-object"),
        ("POST", "/v1/{name}:stop", "stop"),
    ])
    assert r.match("GET", "/repos/a/b") == "repo"
    assert r.match("GET", "/repos/a/b/commits") == "commits"
    assert r.match("GET", "/repos/a/b/other") == "thing"
    assert r.match("GET", "/repos/a/b/contents/x/y/z") == "contents"
    assert r.match("DELETE", "/b", [("policy", "")]) == "delete-policy"
    assert r.match("DELETE", "/b") == "delete-bucket"
    assert r.match("DELETE", "/b/k/e/y") == "delete-object"
    assert r.match("POST", "/v1/inst:stop") == "stop"
    assert r.match("POST", "/v1/inst:start") is None
    assert r.match("PUT", "/repos/a/b") is None
    assert r.match("DELETE", "/b" * 10_000) is None  # bounded: no deep recursion on a hostile path


def test_a_hostile_path_to_a_catalog_provider_still_asks() -> None:
    found = _http("DELETE", "https://s3.us-east-1.amazonaws.com" + "/x" * 5000)
    assert max(f.severity for f in found) >= ASKS


@pytest.mark.parametrize("provider", ["github", "kubernetes"])
def test_every_rest_operation_routes_to_itself(provider: str) -> None:
    wrong = []
    for method, template, name in data.load(f"{provider}.json")["ops"]:
        path, query = _fill(template)
        found = ops.rest_http(provider, method, path, [tuple(q.split("=", 1) + [""])[:2] for q in query.split("&") if q])
        if found is None or _cls(found.name, provider) != _cls(name, provider):
            wrong.append((method, template, name, found and found.name))
    assert not wrong, wrong[:10]


def test_every_google_method_routes_to_one_of_its_class() -> None:
    wrong = []
    for key in data.names("google"):
        doc = data.load(f"google/{key}.json")
        for method, template, name in doc["ops"]:
            path, _ = _fill(template)
            found = ops.google_http(doc["host"], method, path)
            if found is None:
                wrong.append((key, method, template))
            elif _cls(found.name, "google") != _cls(name, "google"):
                wrong.append((key, method, template, found.name))
    assert len(wrong) < 50, wrong[:10]  # templates that differ only in a parameter's name


# ---- the aws CLI and the HTTP door, every service -------------------------------------------
def _samples() -> list[tuple[str, list[Any], str]]:
    """For each AWS service, its first operation of each class."""
    out: list[tuple[str, list[Any], str]] = []
    seen: set[tuple[str, str]] = set()
    for svc, row in _aws_rows():
        verb = classify(row[0], "aws")
        assert verb is not None
        if (svc, verb.cls.name) not in seen:
            seen.add((svc, verb.cls.name))
            out.append((svc, row, verb.cls.name))
    return out


SAMPLES = _samples()
# Operations a hand rule in rules/shell_cloud.toml judges differently on purpose (with its reason there).
HAND = {("iam", "delete"), ("iam", "revoke"), ("kms", "revoke"), ("organizations", "revoke")}


def test_aws_cli_judges_every_service_by_its_catalog() -> None:
    wrong = []
    for svc, row, cls in SAMPLES:
        cli = data.load(f"aws/{svc}.json")["cli"]
        found = _shell(f"aws --region us-east-1 {cli} {row[1]} --some-id x1")
        worst = max((f.severity for f in found), default=Severity.NONE)
        expected = table()["classes"][cls]["severity"]
        if (svc, cls) in HAND or (row[4] and cls == "run") or any(f.rule_id.startswith("shell.aws:") for f in found):
            continue  # a hand rule (rules/shell_cloud.toml, shell_secrets.toml) judges it, with its reason there
        if worst != Severity.parse(expected):
            wrong.append((cli, row[1], cls, [f.rule_id for f in found]))
        elif worst > Severity.NONE and not any(f.rule_id.startswith((f"shell.aws.{svc.lower()}:", "shell.aws:"))
                                               for f in found):
            wrong.append((cli, row[1], "id", [f.rule_id for f in found]))
    assert not wrong, wrong[:10]


def _aws_request(svc: str, row: list[Any]) -> tuple[str, str, Any, dict[str, str]]:
    info = data.load(f"aws/{svc}.json")
    host = f"https://{info['prefix']}.us-east-1.amazonaws.com"
    if row[2]:
        path, query = _fill(row[3])
        return row[2], host + path + ("?" + query if query else ""), {}, {}
    if info["target"]:
        return "POST", host + "/", {}, {"X-Amz-Target": f"{info['target']}.{row[0]}"}
    if info["protocol"] == "smithy-rpc-v2-cbor":
        return "POST", host + f"/service/{info['service']}/operation/{row[0]}", None, {}
    return "POST", host + "/", f"Action={row[0]}&Version={info['api_version']}", {}


def test_aws_http_door_judges_every_service_by_its_catalog() -> None:
    wrong = []
    for svc, row, cls in SAMPLES:
        method, url, body, headers = _aws_request(svc, row)
        found = _http(method, url, body, headers)
        worst = max((f.severity for f in found), default=Severity.NONE)
        expected = Severity.parse(table()["classes"][cls]["severity"])
        if row[4] or svc == "s3control":  # no SQL to read here; s3-control hosts look like legacy S3 hosts to
            continue                          # the hand rows of rules/http_cloud.toml, which ask on any DELETE
        if (worst >= ASKS) != (expected >= ASKS):
            wrong.append((svc, row[0], cls, method, url, [f.rule_id for f in found]))
    assert not wrong, wrong[:10]


# ---- samples through the engine, both doors -------------------------------------------------
@pytest.mark.parametrize("cmd,decision,rule", [
    ("aws ec2 terminate-instances --instance-ids i-0abc", "ask", "shell.aws.ec2:terminate-instances"),
    ("aws --profile prod dynamodb delete-table --table-name Orders", "ask", "shell.aws.dynamodb:delete-table"),
    ("aws elasticache delete-replication-group --replication-group-id r", "ask",
     "shell.aws.elasticache:delete-replication-group"),
    ("aws ec2 stop-instances --instance-ids i-0abc", "ask", "shell.aws.ec2:stop-instances"),
    ("aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp --port 22", "ask",
     "shell.aws.ec2:revoke-security-group-ingress"),
    ("aws s3api put-bucket-lifecycle-configuration --bucket b --lifecycle-configuration file://l.json", "ask",
     "shell.aws.s3:put-bucket-lifecycle-configuration"),
    ("aws rds-data execute-statement --resource-arn a --secret-arn s --sql 'DROP TABLE users'", "ask",
     "sql.postgres:drop-table"),
    ("aws newservice delete-everything --id x", "ask", "shell.aws:delete-everything"),
    ("aws athena start-query-execution --query-string 'DROP TABLE logs'", "ask", "sql.postgres:drop-table"),
    ("aws redshift-data execute-statement --cluster-identifier c --database d --sql 'TRUNCATE orders'", "ask",
     "sql.postgres:truncate"),
    ("aws rds-data execute-statement --resource-arn a --secret-arn s --cli-input-json file://q.json", "ask",
     "shell.aws:sql-unseen"),
    # commands run on the targets are analyzed as shell
    ("aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-1 "
     "--parameters '{\"commands\":[\"dropdb prod\"]}'", "ask", "shell.postgres:dropdb"),
    ("aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-1 --parameters file://p.json", "ask",
     "shell.aws:remote-command-unseen"),
    ("aws ecs execute-command --cluster c --task t --interactive --command 'dropdb prod'", "ask",
     "shell.postgres:dropdb"),
    ("aws ssm send-command --document-name AWS-RunShellScript --cli-input-json file://in.json", "ask",
     "shell.aws:remote-command-unseen"),
    ("aws ec2 frobnicate-instances", "ask", "shell.aws:unknown-operation"),
    ("aws ec2 terminate-instances --instance-ids help", "ask", "shell.aws.ec2:terminate-instances"),
    # safe: reads, creates, dry runs, help, and the hand rules' own judgments
    ("aws ec2 terminate-instances --instance-ids i-0abc --dry-run", "allow", ""),
    ("aws ec2 terminate-instances help", "allow", ""),
    ("aws ec2 describe-instances --filters Name=tag:env,Values=prod", "allow", ""),
    ("aws rds create-db-snapshot --db-instance-identifier prod --db-snapshot-identifier pre", "allow", ""),
    ("aws rds-data execute-statement --resource-arn a --secret-arn s --sql 'SELECT 1'", "allow", ""),
    ("aws ec2 wait instance-running --instance-ids i-1", "allow", ""),
    ("aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-1 "
     "--parameters 'commands=[\"df -h\",\"uptime\"]'", "allow", ""),
    ("aws ecs execute-command --cluster c --task t --interactive --command '/bin/sh'", "allow", ""),
    ("aws logs tail /aws/lambda/api --follow", "allow", ""),
    ("aws s3 ls s3://b", "allow", ""),
    ("aws ec2 delete-tags --resources i-1 --tags Key=a", "allow", "shell.aws:delete-tags"),
    ("aws sqs delete-message --queue-url u --receipt-handle h", "allow", "shell.aws:delete-tags"),
])
def test_aws_cli_through_the_engine(cmd: str, decision: str, rule: str) -> None:
    _judged(cmd, "shell", decision, rule)


GH = "https://api.github.com"
K8S = "https://k8s.example.com:6443"


@pytest.mark.parametrize("method,url,body,headers,decision,rule", [
    ("POST", "https://dynamodb.us-east-1.amazonaws.com/", {"TableName": "t"},
     {"X-Amz-Target": "DynamoDB_20120810.DeleteTable"}, "ask", "http.aws.dynamodb:delete-table"),
    ("POST", "https://dynamodb.us-east-1.amazonaws.com/", {"TableName": "t", "Key": {}},
     {"X-Amz-Target": "DynamoDB_20120810.GetItem"}, "allow", ""),
    ("POST", "https://ec2.us-east-1.amazonaws.com/", "Action=TerminateInstances&InstanceId.1=i-1&Version=2016-11-15",
     None, "ask", "http.aws.ec2:terminate-instances"),
    ("POST", "https://ec2.us-east-1.amazonaws.com/?Action=DescribeInstances", "Action=TerminateInstances", None,
     "ask", "http.aws.ec2:terminate-instances"),  # two Actions: both are judged
    ("POST", "https://ec2.us-east-1.amazonaws.com/", "Action=TerminateInstances&DryRun=true", None, "allow", ""),
    ("POST", "https://rds.us-east-1.amazonaws.com/", "Action=DeleteDBCluster&Version=2014-10-31", None, "ask",
     "http.aws.rds:delete-db-cluster"),
    ("DELETE", "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/pay", None, None, "ask",
     "http.aws.lambda:delete-function"),
    ("GET", "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/", None, None, "allow", ""),
    ("PUT", "https://acme.s3.amazonaws.com/?policy", "{}", None, "ask", "http.aws.s3:put-bucket-policy"),
    ("PUT", "https://acme.s3.amazonaws.com/build/app.3f9a.js", "x", None, "allow", ""),
    ("POST", "https://rds-data.us-east-1.amazonaws.com/Execute", {"resourceArn": "a", "sql": "DROP TABLE users"},
     None, "ask", "sql.postgres:drop-table"),
    ("POST", "https://rds-data.us-east-1.amazonaws.com/Execute", {"resourceArn": "a", "sql": "SELECT 1"},
     None, "allow", ""),
    # GitHub
    ("DELETE", f"{GH}/repos/acme/api/environments/production", None, None, "ask", "http.github:environment-delete"),
    ("DELETE", f"{GH}/gists/aa5a315d61ae9438b18d", None, None, "ask", "http.github.gists:delete"),
    ("DELETE", f"{GH}/app/installations/42", None, None, "ask", "http.github.apps:delete-installation"),
    ("DELETE", f"{GH}/gists/aa5a315d61ae9438b18d/star", None, None, "allow", ""),
    ("POST", f"{GH}/repos/acme/api/actions/runs/1/cancel", None, None, "ask", "http.github.actions:cancel-workflow-run"),
    ("DELETE", f"{GH}/user/starred/acme/api", None, None, "allow", ""),
    ("DELETE", f"{GH}/repos/acme/api/issues/1/reactions/5", None, None, "allow", ""),
    ("PUT", f"{GH}/repos/acme/api/topics", {"names": ["x"]}, None, "allow", ""),
    ("GET", f"{GH}/repos/acme/api/actions/runs/1/cancel", None, None, "allow", ""),
    ("DELETE", "https://ghe.acme.internal/api/v3/repos/acme/api/deployments/7", None, None, "ask",
     "http.github.repos:delete-deployment"),
    # Google
    ("DELETE", "https://compute.googleapis.com/compute/v1/projects/p/zones/z/instances/i", None, None, "ask",
     "http.google.compute:instances.delete"),
    ("POST", "https://sqladmin.googleapis.com/v1/projects/p/instances/db/restart", None, None, "ask",
     "http.google.sql:instances.restart"),
    ("POST", "https://cloudresourcemanager.googleapis.com/v1/projects/p:setIamPolicy", {"policy": {}}, None, "ask",
     "http.google.cloudresourcemanager:projects.set-iam-policy"),
    ("GET", "https://run.googleapis.com/v2/projects/p/locations/l/services", None, None, "allow", ""),
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/p/queries", {"query": "DROP TABLE ds.t"}, None,
     "ask", "sql.postgres:drop-table"),
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/p/jobs",
     {"configuration": {"query": {"query": "TRUNCATE TABLE ds.t", "useLegacySql": False}}}, None, "ask",
     "sql.postgres:truncate"),
    ("POST", "https://bigquery.googleapis.com/bigquery/v2/projects/p/queries", {"query": "SELECT 1"}, None,
     "allow", ""),
    ("POST", "https://compute.googleapis.com/compute/v1/projects/p/zones/z/instances", {"name": "vm"}, None,
     "allow", ""),
    # Kubernetes
    ("DELETE", f"{K8S}/apis/networking.k8s.io/v1/ingressclasses", None, None, "ask",
     "http.kubernetes:delete-collection-ingress-class"),
    ("PUT", f"{K8S}/apis/apps/v1/namespaces/prod/deployments/api", {"spec": {"replicas": 3}}, None, "allow", ""),
    ("GET", f"{K8S}/api/v1/namespaces/prod/pods/api-1/log", None, None, "allow", ""),
])
def test_http_through_the_engine(method: str, url: str, body: Any, headers: dict[str, str] | None, decision: str,
                                 rule: str) -> None:
    payload: dict[str, Any] = {"method": method, "url": url, "body": body}
    if headers:
        payload["headers"] = headers
    _judged(payload, "http", decision, rule)


def test_gh_api_uses_the_github_catalog() -> None:
    found = _shell("gh api -X DELETE gists/aa5a315d61ae9438b18d")
    assert "http.github.gists:delete" in [f.rule_id for f in found]
    assert not [f for f in _shell("gh api -X DELETE user/starred/acme/api") if f.severity >= ASKS]


# ---- failing closed -------------------------------------------------------------------------
def test_a_missing_catalog_file_asks(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from blastwall.analyze.catalogs import judge

    monkeypatch.setattr(data, "DATA", str(tmp_path))
    data.load.cache_clear()
    ops._aws_service.cache_clear()
    try:
        found = judge.cli_findings("aws", [w for w in _words("aws ec2 describe-instances")], Scope(), "aws")
        assert [f.rule_id for f in found] == ["shell.aws:catalog-missing"]
    finally:
        data.load.cache_clear()
        ops._aws_service.cache_clear()


def _words(cmd: str) -> list[Any]:
    from blastwall.analyze.shell.ir import Word

    return [Word.lit(t) for t in cmd.split()]


# ---- staleness ------------------------------------------------------------------------------
def _pins() -> dict[str, str]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        specs = tomllib.load(f)["project"]["optional-dependencies"]["specs"]
    return dict(s.split("==") for s in specs)


def test_committed_catalogs_name_the_pinned_spec_versions() -> None:
    """Bumping a pin without regenerating (or the reverse) fails here, with or without the specs."""
    pins = _pins()
    assert data.load("aws/_index.json")["source"] == {"package": "botocore", "version": pins["botocore"]}
    assert data.load("kubernetes.json")["source"]["version"] == pins["kubernetes"]
    assert data.load("google/_index.json")["source"]["version"] == pins["google-api-python-client"]
    gen = _gen()
    assert data.load("github.json")["source"]["version"] == gen.OCTOKIT[1]


@pytest.mark.parametrize("provider", ["aws", "kubernetes", "google", "github"])
def test_generated_catalogs_are_not_stale(provider: str) -> None:
    """Regenerates from the spec packages when they are installed at the pinned versions
    (`pip install -e '.[specs]'`; GitHub's tarball cached by `tools/gen_catalogs.py --fetch`)."""
    gen = _gen()
    dist = {"aws": "botocore", "kubernetes": "kubernetes", "google": "google-api-python-client"}.get(provider)
    if dist is not None:
        import importlib.metadata as md

        try:
            installed = md.version(dist)
        except md.PackageNotFoundError:
            pytest.skip(f"{dist} is not installed (pip install -e '.[specs]')")
        assert installed == _pins()[dist], f"{dist} {installed} is installed, {_pins()[dist]} is pinned"
    try:
        files = gen.generate([provider])[provider]
    except gen.SpecMissing as exc:
        pytest.skip(str(exc))
    diff = gen.differences(provider, files)
    assert not diff, f"run python tools/gen_catalogs.py {provider}: {diff[:5]}"


def test_catalog_files_are_json_objects_with_rows() -> None:
    for rel in ["github.json", "kubernetes.json", "aws/ec2.json", "google/compute.v1.json"]:
        doc = data.load(rel)
        assert isinstance(doc["ops"], list) and len(doc["ops"]) > 50
    with open(os.path.join(data.DATA, "aws", "_index.json"), encoding="utf-8") as f:
        assert json.load(f)["cli"]["s3api"] == "s3"


@pytest.mark.parametrize("commands,decision", [
    (["aws ec2 describe-volumes --volume-ids vol-1", "aws ec2 delete-volume --volume-id vol-1"], "ask"),
    (["aws ec2 describe-volumes --volume-ids vol-1", "aws sts get-caller-identity"], "allow"),
])
def test_mcp_aws_server_batches_are_judged_command_by_command(commands: list[str], decision: str) -> None:
    v = check({"server": "aws-api", "tool": "call_aws", "arguments": {"cli_command": commands}}, "mcp", policy=POLICY)
    assert v.decision.value == decision, (v.reasons, v.rule_ids)


# ---- AWS SDK calls in code ------------------------------------------------------------------
@pytest.mark.parametrize("cmd,decision,rule", [
    ("python3 -c \"import boto3; boto3.client('ec2').terminate_instances(InstanceIds=['i-1'])\"", "ask",
     "code.aws.ec2:terminate-instances"),
    ("python3 -c \"import boto3; ddb = boto3.client(service_name='dynamodb'); ddb.delete_table(TableName='t')\"",
     "ask", "code.aws.dynamodb:delete-table"),
    ("python3 -c \"import boto3, sys; c = boto3.client(sys.argv[1]); c.delete_db_cluster(DBClusterIdentifier='x')\"",
     "ask", "code.aws:delete-db-cluster"),  # the service is known only at run time: judged by the verb
    ("node -e \"const {EC2Client, TerminateInstancesCommand} = require('@aws-sdk/client-ec2'); "
     "new EC2Client({}).send(new TerminateInstancesCommand({InstanceIds:['i-1']}))\"", "ask",
     "code.aws.ec2:terminate-instances"),
    ("node -e \"const AWS = require('aws-sdk'); new AWS.DynamoDB().deleteTable({TableName:'t'}).promise()\"", "ask",
     "code.aws.dynamodb:delete-table"),
    ("ruby -e \"require 'aws-sdk-ec2'; Aws::EC2::Client.new.terminate_instances(instance_ids: ['i-1'])\"", "ask",
     "code.aws.ec2:terminate-instances"),
    ("python3 -c \"import boto3; print(boto3.client('ec2').describe_instances())\"", "allow", ""),
    # Kubernetes clients name their methods after the API client's; Google's discovery clients chain resources
    ("python3 -c \"from kubernetes import client, config; config.load_kube_config(); "
     "client.CoreV1Api().delete_namespace('prod')\"", "ask", "code.kubernetes:delete-namespace"),
    ("node -e \"const k8s = require('@kubernetes/client-node'); const kc = new k8s.KubeConfig(); "
     "kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedPersistentVolumeClaim({name:'data', namespace:'db'})\"", "ask",
     "code.kubernetes:delete-namespaced-persistent-volume-claim"),
    ("python3 -c \"from kubernetes import client; print(client.CoreV1Api().list_namespaced_pod('prod'))\"", "allow", ""),
    ("python3 -c \"from googleapiclient import discovery; s = discovery.build('sqladmin', 'v1'); "
     "s.instances().restart(project='p', instance='db').execute()\"", "ask", "code.google.sql:instances.restart"),
    ("python3 -c \"from googleapiclient import discovery; s = discovery.build('compute', 'v1'); "
     "print(s.instances().list(project='p', zone='z').execute())\"", "allow", ""),
    ("node -e \"const AWS = require('aws-sdk'); new AWS.DynamoDB().listTables({}).promise()\"", "allow", ""),
    ("python3 -c \"import boto3; delete_old_reports(); print(boto3.client('s3').list_buckets())\"", "allow", ""),
])
def test_aws_sdk_calls_in_code(cmd: str, decision: str, rule: str) -> None:
    _judged(cmd, "shell", decision, rule)


# ---- gcloud: commands are discovery methods -------------------------------------------------
@pytest.mark.parametrize("cmd,decision,rule", [
    ("gcloud compute instances stop vm1 --zone z", "ask", "shell.google.compute:instances.stop"),
    ("gcloud sql instances restart db", "ask", "shell.google.sql:instances.restart"),
    ("gcloud pubsub subscriptions seek s --time 2024-01-01", "ask", "shell.google.pubsub:projects.subscriptions.seek"),
    ("gcloud beta compute instances suspend vm1", "ask", "shell.google.compute:instances.suspend"),
    ("gcloud sql instances delete prod-postgres --quiet", "ask", "shell.gcloud:delete"),  # the hand rule first
    ("gcloud compute instances stop vm1 --help", "allow", ""),
    ("gcloud compute instances list", "allow", ""),
    ("gcloud compute instances create vm --zone z", "allow", ""),
    ("gcloud compute disks resize d --size 10", "allow", "shell.google.compute:disks.resize"),
    ("gcloud sql backups create --instance=prod-postgres", "allow", ""),
    ("gcloud run deploy api --image x", "allow", ""),
])
def test_gcloud_through_the_google_catalog(cmd: str, decision: str, rule: str) -> None:
    _judged(cmd, "shell", decision, rule)
