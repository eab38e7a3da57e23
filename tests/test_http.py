"""The HTTP analyzer through the real engine: provider catalogs, GraphQL, generic rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.base import Scope
from blastwall.analyze.http import analyze_request
from blastwall.engine import check
from blastwall.model import Severity
from blastwall.policy.engine import default_policy

POLICY = default_policy()



RAILWAY = "https://backboard.railway.com/graphql/v2"
RAILWAY_APP = "https://backboard.railway.app/graphql/v2"


def decide(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> str:
    payload: dict[str, Any] = {"method": method, "url": url, "body": body}
    if headers is not None:
        payload["headers"] = headers
    return check(payload, "http", policy=POLICY).decision.value


def rule_ids(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> list[str]:
    return [f.rule_id for f in analyze_request(method, url, headers, body, Scope())]


def gql(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if name is not None:
        body["operationName"] = name
    return body


TRUE_POSITIVES = [
    # Railway GraphQL
    ("POST", RAILWAY, gql("mutation { volumeDelete(volumeId: \"v1\") }"), "http.railway:volume-delete"),
    ("POST", RAILWAY_APP, gql("mutation D($id: String!) { serviceDelete(id: $id) }", {"id": "s"}),
     "http.railway:service-delete"),
    ("POST", RAILWAY, gql("mutation { environmentDelete(id: \"e\") }"), "http.railway:environment-delete"),
    ("POST", RAILWAY, gql("mutation { projectScheduleDelete(id: \"p\") }"), "http.railway:project-delete"),
    ("POST", RAILWAY, gql("mutation { deploymentRemove(id: \"d\") }"), "http.railway:deployment-remove"),
    ("POST", RAILWAY, gql("mutation { customDomainDelete(id: \"d\") }"), "http.railway:routing-delete"),
    ("POST", RAILWAY, gql("mutation($i: VariableDeleteInput!) { variableDelete(input: $i) }",
                          {"i": {"projectId": "p", "environmentId": "e", "name": "X"}}), "http.railway:variable-delete"),
    ("POST", RAILWAY, gql("mutation { variableCollectionUpsert(input: {projectId: \"p\", environmentId: \"e\", "
                          "variables: {A: \"1\"}, replace: true}) }"), "http.railway:variable-replace"),
    ("POST", RAILWAY, gql("mutation { variableUpsert(input: {projectId: \"p\", environmentId: \"e\", "
                          "name: \"DATABASE_URL\", value: \"x\"}) }"), "http.railway:variable-overwrite"),
    ("POST", RAILWAY, gql("mutation($p: EnvironmentConfig) { environmentPatchCommit(environmentId: \"e\", patch: $p) }",
                          {"p": {"volumes": {"v1": {"isDeleted": True}}}}), "http.railway:environment-patch-delete"),
    ("POST", RAILWAY, gql("mutation { volumeInstanceUpdate(volumeId: \"v\", input: {mountPath: \"/d\"}) }"),
     "http.railway:volume-instance-update"),
    # GitHub
    ("DELETE", "https://api.github.com/repos/acme/api", None, "http.github:repo-delete"),
    ("DELETE", "https://api.github.com/repos/acme/api/git/refs/heads/feature/x", None, "http.github:ref-delete"),
    ("PATCH", "https://api.github.com/repos/acme/api/git/refs/heads/main", {"sha": "abc", "force": True},
     "http.github:ref-force-update"),
    ("DELETE", "https://api.github.com/repos/acme/api/branches/main/protection", None,
     "http.github:branch-protection-delete"),
    ("DELETE", "https://api.github.com/orgs/acme/members/alice", None, "http.github:member-remove"),
    ("DELETE", "https://api.github.com/repos/acme/api/hooks/12", None, "http.github:hook-delete"),
    ("DELETE", "https://api.github.com/repos/acme/api/releases/7", None, "http.github:release-delete"),
    ("DELETE", "https://api.github.com/repos/acme/api/actions/secrets/TOKEN", None, "http.github:secret-delete"),
    ("DELETE", "https://api.github.com/repos/acme/api/issues/comments/5", None, "http.github.issues:delete-comment"),
    ("DELETE", "https://github.acme.internal/api/v3/repos/acme/api", None, "http.github:repo-delete"),
    ("POST", "https://api.github.com/graphql", gql("mutation { deleteRef(input: {refId: \"r\"}) { clientMutationId } }"),
     "http.github:graphql-ref-delete"),
    ("POST", "https://api.github.com/graphql",
     gql("mutation U($in: UpdateRefInput!) { updateRef(input: $in) { ref { name } } }",
         {"in": {"refId": "r", "oid": "abc", "force": True}}), "http.github:graphql-ref-force-update"),
    # Supabase, PostgREST
    ("DELETE", "https://api.supabase.com/v1/projects/abcdefghijklmnop", None, "http.supabase:project-delete"),
    ("POST", "https://api.supabase.com/v1/projects/abc/pause", None, "http.supabase:project-pause"),
    ("POST", "https://api.supabase.com/v1/branches/br1/reset", None, "http.supabase:branch-reset"),
    ("DELETE", "https://abc.supabase.co/rest/v1/todos", None, "http.supabase:postgrest-delete"),
    ("DELETE", "https://abc.supabase.co/rest/v1/todos?created_at=lt.2024-01-01", None, "http.supabase:postgrest-delete"),
    ("PATCH", "https://abc.supabase.co/rest/v1/profiles", {"plan": "free"}, "http.supabase:postgrest-update-all"),
    ("DELETE", "https://abc.supabase.co/auth/v1/admin/users/u-1", None, "http.supabase:auth-user-delete"),
    # Cloud
    ("DELETE", "https://acme-backups.s3.amazonaws.com/db/2024-01-01.dump", None, "http.aws:s3-object-delete"),
    ("DELETE", "https://acme-backups.s3.us-east-1.amazonaws.com/", None, "http.aws:s3-bucket-delete"),
    ("DELETE", "https://s3.us-east-1.amazonaws.com/acme-backups", None, "http.aws:s3-path-bucket-delete"),
    ("POST", "https://acme-backups.s3.amazonaws.com/?delete", "<Delete>...</Delete>", "http.aws:s3-multi-delete"),
    ("GET", "https://ec2.amazonaws.com/?Action=TerminateInstances&InstanceId.1=i-1", None,
     "http.aws.ec2:terminate-instances"),
    ("POST", "https://rds.amazonaws.com/", "Action=DeleteDBInstance&DBInstanceIdentifier=prod",
     "http.aws.rds:delete-db-instance"),
    # PaaS
    ("DELETE", "https://console.neon.tech/api/v2/projects/calm-river", None, "http.neon:project-delete"),
    ("DELETE", "https://console.neon.tech/api/v2/projects/p/branches/br-1", None, "http.neon:branch-delete"),
    ("DELETE", "https://api.heroku.com/apps/acme-prod", None, "http.heroku:app-delete"),
    ("DELETE", "https://api.heroku.com/apps/acme-prod/addons/postgresql-curly-1234", None, "http.heroku:addon-delete"),
    ("PATCH", "https://api.heroku.com/apps/acme/config-vars", {"DATABASE_URL": None}, "http.heroku:config-var-unset"),
    ("DELETE", "https://api.vercel.com/v9/projects/acme-web", None, "http.vercel:delete"),
    ("DELETE", "https://api.machines.dev/v1/apps/acme-api", None, "http.fly:app-delete"),
    ("DELETE", "https://api.machines.dev/v1/apps/acme-api/volumes/vol_1", None, "http.fly:volume-delete"),
    ("DELETE", "https://api.render.com/v1/postgres/dpg-1", None, "http.render:postgres-delete"),
    ("DELETE", "https://api.digitalocean.com/v2/databases/9cc10173", None, "http.digitalocean:database-delete"),
    ("DELETE", "https://api.cloudflare.com/client/v4/zones/z/dns_records/r", None, "http.cloudflare:delete"),
    ("DELETE", "https://api.stripe.com/v1/customers/cus_1", None, "http.stripe:customer-delete"),
    ("DELETE", "https://api.stripe.com/v1/subscriptions/sub_1", None, "http.stripe:subscription-cancel"),
    ("POST", "https://api.stripe.com/v1/refunds", "payment_intent=pi_1", "http.stripe:refund"),
    # Kubernetes on any host
    ("DELETE", "https://k8s.example.com:6443/api/v1/namespaces/production", None, "http.kubernetes:namespace-delete"),
    ("DELETE", "https://10.0.0.1:6443/apis/apps/v1/namespaces/prod/deployments/api", None,
     "http.kubernetes:resource-delete"),
    ("DELETE", "https://10.0.0.1:6443/apis/apps/v1/namespaces/prod/deployments", None,
     "http.kubernetes:collection-delete"),
    ("DELETE", "https://10.0.0.1:6443/api/v1/persistentvolumes/pv-1", None, "http.kubernetes:cluster-resource-delete"),
    ("PATCH", "https://10.0.0.1:6443/apis/apps/v1/namespaces/prod/deployments/api/scale", {"spec": {"replicas": 0}},
     "http.kubernetes:scale-to-zero"),
    # Data stores
    ("DELETE", "http://localhost:9200/logs-*", None, "http.elasticsearch:index-delete"),
    ("POST", "http://localhost:9200/orders/_delete_by_query", {"query": {"match_all": {}}},
     "http.elasticsearch:delete-by-query"),
    ("POST", "https://search.internal/orders/_delete_by_query", {"query": {"match_all": {}}},
     "http.datastore:delete-by-query"),
    ("DELETE", "http://127.0.0.1:5984/users", None, "http.couchdb:delete"),
    ("DELETE", "http://localhost:6333/collections/docs", None, "http.qdrant:delete"),
    ("POST", "http://localhost:7474/db/neo4j/tx/commit", {"statements": [{"statement": "MATCH (n) DETACH DELETE n"}]},
     "http.neo4j:cypher"),
    # Generic
    ("DELETE", "https://api.example.com/v1/users/42", None, "http.generic:delete"),
    ("GET", "https://admin.internal.example.com/api/users/42/delete?confirm=1", None,
     "http.generic:state-changing-get"),
    ("POST", "https://api.example.com/projects/42/reset", None, "http.generic:destructive-endpoint"),
    ("PATCH", "https://api.example.com/v1/posts/9", {"deleted": True}, "http.generic:destructive-update"),
    ("POST", "https://api.example.com/graphql", gql("mutation { purgeAllRecords }"),
     "http.graphql:destructive-mutation"),
    ("DELETE", "http://localhost:3000/api/todos/*", None, "http.generic:local-bulk-delete"),
    ("DELETE", "https://api.example.com/indices/_all", None, "http.generic:bulk-delete"),
]


@pytest.mark.parametrize("method,url,body,rule", TRUE_POSITIVES, ids=[r[3] + ":" + r[1][-30:] for r in TRUE_POSITIVES])
def test_true_positives_ask(method: str, url: str, body: Any, rule: str) -> None:
    assert rule in rule_ids(method, url, body)
    assert decide(method, url, body) == "ask"


SAFE = [
    ("POST", RAILWAY_APP, gql("query { projects { edges { node { id name } } } }")),
    ("POST", RAILWAY_APP, gql("query { __schema { mutationType { fields { name } } } }")),
    ("POST", RAILWAY, gql("query { __type(name: \"Mutation\") { fields { name description } } }")),
    ("POST", RAILWAY, gql("mutation { volumeCreate(input: {projectId: \"p\", mountPath: \"/data\"}) { id } }")),
    ("POST", RAILWAY, gql("mutation { volumeInstanceBackupCreate(volumeInstanceId: \"vi\") }")),
    ("POST", RAILWAY, gql("query Q { project(id: \"p\") { name } } mutation M { volumeDelete(volumeId: \"v\") }",
                          name="Q")),
    ("POST", RAILWAY, gql("query { search(q: \"volumeDelete\") { id } }")),
    ("POST", RAILWAY, gql("mutation { variableUpsert(input: {projectId: \"p\", environmentId: \"e\", "
                          "name: \"FEATURE_FLAG\", value: \"1\", skipDeploys: true}) }")),
    ("POST", RAILWAY, gql("mutation { volumeInstanceUpdate(volumeId: \"v\", environmentId: \"e\", "
                          "input: {mountPath: \"/d\"}) }")),
    ("POST", "https://api.github.com/graphql", gql("mutation { updateRef(input: {refId: \"r\", oid: \"a\"}) { ref { id } } }")),
    ("POST", "https://api.github.com/graphql", gql("mutation { addComment(input: {subjectId: \"s\", body: \"b\"}) { clientMutationId } }")),
    ("GET", "https://api.github.com/repos/acme/api", None),
    ("GET", "https://api.github.com/repos/acme/api/branches/main/protection", None),
    ("PATCH", "https://api.github.com/repos/acme/api/git/refs/heads/main", {"sha": "abc"}),
    ("PATCH", "https://api.github.com/repos/acme/api/git/refs/heads/main", {"sha": "abc", "force": False}),
    ("POST", "https://api.github.com/repos/acme/api/git/refs", {"ref": "refs/heads/x", "sha": "abc"}),
    ("PUT", "https://acme-staging-site.s3.amazonaws.com/build/app.3f9a.js", "<binary>"),
    ("GET", "https://acme.s3.amazonaws.com/?list-type=2", None),
    ("GET", "https://ec2.amazonaws.com/?Action=DescribeInstances", None),
    ("GET", "https://ec2.amazonaws.com/?Action=TerminateInstances&DryRun=true", None),
    ("DELETE", "https://abcdefghijklmnop.supabase.co/rest/v1/todos?id=eq.42", None),
    ("DELETE", "https://abc.supabase.co/rest/v1/todos?id=in.(1,2,3)", None),
    ("PATCH", "https://abc.supabase.co/rest/v1/todos?id=eq.7", {"done": True}),
    ("GET", "https://abc.supabase.co/rest/v1/todos?select=*", None),
    ("POST", "https://abc.supabase.co/rest/v1/todos", {"title": "x"}),
    ("POST", "https://api.supabase.com/v1/projects/abc/database/backups/restore-point", None),
    ("GET", "https://api.vercel.com/v6/deployments?limit=20", None),
    ("GET", "https://api.heroku.com/apps/acme-prod/releases", None),
    ("POST", "https://console.neon.tech/api/v2/projects/p/branches", {"branch": {"name": "backup"}}),
    ("POST", "https://api.machines.dev/v1/apps/a/volumes/v/snapshots", None),
    ("DELETE", "https://10.0.0.1:6443/api/v1/namespaces/prod/pods/p?dryRun=All", None),
    ("GET", "https://10.0.0.1:6443/api/v1/namespaces/prod/pods", None),
    ("POST", "https://hooks.slack.com/services/T000/B000/XXXX", {"text": "Deploy finished"}),
    ("OPTIONS", "https://api.example.com/v1/users", None),
    ("HEAD", "https://api.example.com/v1/users/4", None),
    ("GET", "https://docs.railway.com/integrations/api/manage-volumes", None),
    ("GET", "https://docs.example.com/guides/delete-a-project", None),
    ("GET", "https://example.com/account/password/reset", None),
    ("POST", "https://api.example.com/v1/orders", {"item": "x"}),
    ("PUT", "https://api.example.com/v1/users/4", {"name": "x"}),
    ("POST", "https://api.example.com/graphql", gql("mutation { createUser(name: \"a\") { id } }")),
    ("POST", "https://api.example.com/graphql", gql("query { deleteCandidates { id } }")),
    ("DELETE", "http://localhost:3000/api/todos/42", None),
    ("DELETE", "http://127.0.0.1:8000/items/7f3c2a9e-1111-2222-3333-444455556666", None),
    ("GET", "http://localhost:9200/_cat/indices", None),
    ("POST", "http://localhost:9200/orders/_search", {"query": {"match_all": {}}}),
    ("POST", "https://api.stripe.com/v1/subscriptions/sub_1", "cancel_at_period_end=true"),
]


@pytest.mark.parametrize("method,url,body", SAFE, ids=[f"{m}:{u[-40:]}" for m, u, _ in SAFE])
def test_tricky_safe_allowed(method: str, url: str, body: Any) -> None:
    assert decide(method, url, body) == "allow", rule_ids(method, url, body)


BYPASSES = [
    # a read operation named "mutation", or a query selecting a known destructive mutation
    ("POST", RAILWAY, gql("query mutation { volumeDelete(id: \"x\") }")),
    ("POST", RAILWAY, gql("query { volumeDelete(volumeId: \"x\") }")),
    ("POST", "https://api.example.com/graphql", gql("query mutation { dropTable(id: \"x\") }")),
    ("POST", RAILWAY, gql("{ mutation { volumeDelete(id: \"x\") } }")),  # nested under a field named mutation
    # aliases do not rename the field that runs
    ("POST", RAILWAY, gql("mutation { harmless: volumeDelete(volumeId: \"v\") }")),
    # fragments on the mutation root
    ("POST", RAILWAY, gql("mutation { ...F } fragment F on Mutation { volumeDelete(volumeId: \"v\") }")),
    ("POST", RAILWAY, gql("mutation { ... on Mutation { serviceDelete(id: \"s\") } }")),
    # several operations, no operationName
    ("POST", RAILWAY, gql("query A { me { id } } mutation B { projectDelete(id: \"p\") }")),
    # operationName that names no operation
    ("POST", RAILWAY, gql("mutation B { projectDelete(id: \"p\") }", name="Nope")),
    # batch of operations
    ("POST", RAILWAY, [gql("query { me { id } }"), gql("mutation { volumeDelete(volumeId: \"v\") }")]),
    # body as a JSON string, or a raw GraphQL document
    ("POST", RAILWAY, json.dumps(gql("mutation { volumeDelete(volumeId: \"v\") }"))),
    ("POST", RAILWAY, "mutation { volumeDelete(volumeId: \"v\") }"),
    # syntax error around a destructive field
    ("POST", RAILWAY, gql("mutation { volumeDelete(volumeId: \"v\" }")),
    ("POST", RAILWAY, gql("mutation {{{ volumeDelete")),
    # persisted query with no text
    ("POST", RAILWAY, {"operationName": "VolumeDelete", "extensions": {"persistedQuery": {"sha256Hash": "ab"}}}),
    # method override on POST
    ("POST", "https://api.github.com/repos/acme/api", None, {"X-HTTP-Method-Override": "DELETE"}),
    ("POST", "https://api.example.com/users/4?_method=DELETE", None),
    # host case, trailing dot, trailing slash, encoded path, duplicate slashes
    ("DELETE", "https://API.GITHUB.COM./repos/acme/api/", None),
    ("DELETE", "https://api.github.com//repos/acme/%61pi", None),
    ("DELETE", "https://api.github.com/repos/acme/api/../api", None),
    # GraphQL in a GET query string
    ("GET", "https://api.example.com/graphql?query=mutation%20%7B%20deleteUser(id%3A1)%20%7B%20id%20%7D%20%7D", None),
    # lowercase method
    ("delete", "https://api.github.com/repos/acme/api", None),
]


@pytest.mark.parametrize("case", BYPASSES, ids=[str(i) for i in range(len(BYPASSES))])
def test_bypass_attempts_ask(case: tuple[Any, ...]) -> None:
    method, url, body, *rest = case
    headers = rest[0] if rest else None
    assert decide(method, url, body, headers) == "ask", rule_ids(method, url, body, headers)


@pytest.mark.parametrize("sql,expected", [
    ("DROP SCHEMA public CASCADE;", "ask"),
    ("DELETE FROM orders;", "ask"),
    ("SELECT id FROM orders LIMIT 5", "allow"),
])
def test_supabase_query_goes_to_sql_analyzer(sql: str, expected: str) -> None:
    assert decide("POST", "https://api.supabase.com/v1/projects/abc/database/query", {"query": sql}) == expected


def test_clickhouse_http_sql_param() -> None:
    assert decide("POST", "http://localhost:8123/?query=DROP%20TABLE%20events", None) == "ask"
    assert decide("GET", "http://localhost:8123/?query=SELECT%201", None) == "allow"


def test_aws_json_api_target_header() -> None:
    url, body = "https://dynamodb.us-east-1.amazonaws.com/", {"TableName": "orders"}
    assert decide("POST", url, body, {"X-Amz-Target": "DynamoDB_20120810.DeleteTable"}) == "ask"
    assert decide("POST", url, body, {"X-Amz-Target": "DynamoDB_20120810.GetItem"}) == "allow"


def test_supabase_read_only_flag_is_honored() -> None:
    body = {"query": "DROP TABLE x", "read_only": True}
    assert decide("POST", "https://api.supabase.com/v1/projects/abc/database/query", body) == "allow"


def test_secrets_never_in_reasons() -> None:
    token = "ghp_supersecrettoken1234567890"
    v = check({"method": "DELETE", "url": f"https://user:{token}@api.github.com/repos/a/b?access_token={token}",
               "headers": {"Authorization": f"Bearer {token}"}}, "http", policy=POLICY)
    assert v.decision.value == "ask"
    text = json.dumps(v.to_dict())
    assert token not in text


def test_local_delete_is_low_and_datastore_port_is_high() -> None:
    [local] = analyze_request("DELETE", "http://localhost:3000/api/todos/42", None, None, Scope())
    assert local.severity is Severity.LOW
    [es] = analyze_request("DELETE", "http://localhost:9200/orders", None, None, Scope())
    assert es.severity is Severity.HIGH


# ---- malformed input and properties --------------------------------------------------------

@pytest.mark.parametrize("body", [
    "{not json", b"\xff\xfe\x00binary", 12, [1, 2], {"query": None}, {"query": 5}, {"variables": "x"},
    "a=1&b=2", "", None, {"query": "mutation {", "variables": "{bad json"},
])
def test_malformed_bodies_never_raise(body: Any) -> None:
    analyze_request("POST", RAILWAY, {"Content-Type": "application/json"}, body, Scope())
    analyze_request("PUT", "https://api.example.com/x", None, body, Scope())


@pytest.mark.parametrize("url", ["", "not a url", "http://[::1", "https://", "//x", "/relative/path", "http://h:99999/x",
                                 "ftp://x/y", "https://a.com:abc/"])
def test_malformed_urls_never_raise(url: str) -> None:
    for method in ("GET", "DELETE", "POST", "WEIRD METHOD", ""):
        analyze_request(method, url, None, None, Scope())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE", "x"]),
       host=st.sampled_from(["api.github.com", "backboard.railway.app", "abc.supabase.co", "localhost:9200",
                             "api.example.com", "k8s:6443", "s3.amazonaws.com", "api.stripe.com"]),
       path=st.text(alphabet="abcdefghij/-_*.%?=&0123456789", max_size=40),
       body=json_values | st.text(max_size=60) | st.binary(max_size=30))
def test_random_requests_never_raise(method: str, host: str, path: str, body: Any) -> None:
    for f in analyze_request(method, f"https://{host}/{path}", None, body, Scope()):
        assert f.rule_id and f.reason


destructive_names = st.sampled_from(["volumeDelete", "deleteRef", "removeMember", "dropTable", "purgeCache",
                                     "wipeData", "destroyEnvironment", "projectDelete", "truncateLogs"])
# No '#': a mutation after a GraphQL comment marker is a comment, never executed, and allowing it is right.
junk = st.text(alphabet="{}()[]:$!@\"' \n\tabcmutationquery", max_size=30)


@settings(max_examples=150, deadline=None)
@given(name=destructive_names, before=junk, after=junk, url=st.sampled_from([RAILWAY, "https://api.example.com/graphql"]))
def test_junk_graphql_never_allows_a_destructive_mutation(name: str, before: str, after: str, url: str) -> None:
    query = f"{before} mutation {{ {name}(id: \"x\") }} {after}"
    assert decide("POST", url, {"query": query}) != "allow"
