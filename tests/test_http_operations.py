"""Requests that name their operation: an action-named path (`POST .../delete`, `b2_delete_bucket`,
`/deletions/users`, FHIR `$expunge`), an RPC operation in a field (Moodle `wsfunction`, JSON-RPC
`method`, XML-RPC `methodName`, SOAPAction) or an RPC method name in the path with the verb last
(`/api/auth.revoke`, `/api/admin.users.remove`). Writes that name a destructive operation ask; reads
of such a path and harmless operations pass.

An everyday verb in the path is weighed by the resource named before it (`/v1/backups/prune` asks,
`/cache/prune` passes), and the Docker Engine API's prunes and deletes are judged per resource as the
docker CLI rules judge them (volumes hold data; dangling images, build cache, stopped containers and
unused networks are made again)."""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def verdict(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> blastwall.Verdict:
    payload = {"method": method, "url": url, "headers": headers or {"Authorization": "Bearer t"}, "body": body}
    return blastwall.check(make_action("http", payload, None))


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
XML = {"Content-Type": "text/xml"}

ASKED = [
    # a LogQL selector in `query` is not a GraphQL document: the path still decides
    ("POST", "http://logs.internal:3100/loki/api/v1/delete?query=%7Bapp%3D%22billing%22%7D&start=1577836800", None, None),
    ("POST", "http://logs.internal:3100/loki/api/v1/delete", "query={job=\"x\"}&start=0", FORM),
    ("PUT", "https://logs.internal/loki/api/v1/delete?query={ns=\"a\"}", None, None),
    # a namespace prefix before the verb
    ("POST", "https://api001.backblazeb2.com/b2api/v2/b2_delete_bucket", {"bucketId": "b1"}, None),
    ("POST", "https://api001.backblazeb2.com/b2api/v3/b2_delete_file_version", {"fileId": "f"}, None),
    ("POST", "https://api.example.io/v1/x9_purge_queue", {"name": "q"}, None),
    # the noun of a destructive verb
    ("POST", "https://analytics.example.com/api/2/deletions/users", {"user_ids": ["u1"]}, None),
    ("POST", "https://api.example.io/v1/erasure-requests", {"subject": "u1"}, None),
    ("PUT", "https://api.example.io/gdpr/data_deletion", {"user": "u1"}, None),
    # an operation sigil
    ("POST", "https://fhir.example.org/fhir/$expunge", {"resourceType": "Parameters"}, None),
    ("POST", "https://fhir.example.org/fhir/Patient/42/$expunge", None, None),
    ("POST", "https://api.example.io/v1/jobs/@purge", None, None),
    # RPC operations in a field
    ("POST", "https://lms.example.edu/webservice/rest/server.php",
     "wstoken=t&wsfunction=core_course_delete_courses&courseids[0]=12", FORM),
    ("POST", "https://lms.example.edu/webservice/rest/server.php",
     "wstoken=t&wsfunction=core_user_delete_users&userids[0]=3", None),
    ("POST", "https://lms.example.edu/webservice/rest/server.php?wsfunction=core_course_delete_courses&wstoken=t",
     "courseids[0]=12", FORM),
    ("GET", "https://lms.example.edu/webservice/rest/server.php?wstoken=t&wsfunction=core_cohort_delete_cohorts", None,
     None),
    ("POST", "https://app.example.io/rpc", {"jsonrpc": "2.0", "method": "user.delete", "params": [42], "id": 1}, None),
    ("POST", "https://app.example.io/rpc", [{"jsonrpc": "2.0", "method": "user.list", "id": 1},
                                            {"jsonrpc": "2.0", "method": "Projects.Destroy", "id": 2}], None),
    ("POST", "https://app.example.io/api", {"method": "deleteAllRecords", "params": {}}, None),
    ("POST", "https://app.example.io/api", {"function": "drop_table", "args": ["orders"]}, None),
    ("POST", "https://blog.example.com/xmlrpc.php",
     "<?xml version=\"1.0\"?><methodCall><methodName> wp.deletePost </methodName><params/></methodCall>", XML),
    ("POST", "https://crm.example.com/service", "<soap:Envelope/>",
     {"SOAPAction": "\"urn:crm#DeleteAccount\"", "Content-Type": "text/xml"}),
    ("GET", "https://api.example.com/services/rest?method=photos.delete&photo_id=1", None, None),
]

ALLOWED = [
    ("GET", "https://analytics.example.com/api/2/deletions?start=20240101", None, None),
    ("POST", "https://api.example.io/v1/deletion-protection", {"enabled": True}, None),
    ("POST", "http://logs.internal:3100/loki/api/v1/push", {"streams": []}, None),
    ("POST", "http://logs.internal:3100/loki/api/v1/query_range?query=%7Bapp%3D%22x%22%7D", None, None),
    ("POST", "https://api001.backblazeb2.com/b2api/v3/b2_list_buckets", {"accountId": "a"}, None),
    ("POST", "https://api001.backblazeb2.com/b2api/v3/b2_upload_file", {"fileName": "x"}, None),
    ("POST", "https://fhir.example.org/fhir/$validate", {"resourceType": "Patient"}, None),
    ("POST", "https://lms.example.edu/webservice/rest/server.php", "wstoken=t&wsfunction=core_course_get_courses", FORM),
    ("POST", "https://lms.example.edu/webservice/rest/server.php", "wstoken=t&wsfunction=core_course_create_courses",
     FORM),
    ("POST", "https://app.example.io/rpc", {"jsonrpc": "2.0", "method": "user.get", "params": [42], "id": 1}, None),
    ("POST", "https://pay.example.io/v1/charges", {"method": "card", "amount": 5}, None),
    ("POST", "https://api.example.io/v1/routes", {"method": "DELETE", "path": "/users/{id}"}, None),
    ("POST", "https://blog.example.com/xmlrpc.php",
     "<?xml version=\"1.0\"?><methodCall><methodName>wp.getPosts</methodName></methodCall>", XML),
    ("POST", "https://app.example.io/api", {"query": "mutation { createNote(title: \"x\") { id } }"}, None),
]


@pytest.mark.parametrize(("method", "url", "body", "headers"), ASKED)
def test_named_destructive_operations_ask(method: str, url: str, body: Any, headers: dict[str, str] | None) -> None:
    v = verdict(method, url, body, headers)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url", "body", "headers"), ALLOWED)
def test_harmless_operations_pass(method: str, url: str, body: Any, headers: dict[str, str] | None) -> None:
    v = verdict(method, url, body, headers)
    assert v.decision.value == "allow", v.reasons


def test_the_reason_names_the_rpc_operation() -> None:
    v = verdict("POST", "https://lms.example.edu/webservice/rest/server.php",
                "wstoken=t&wsfunction=core_course_delete_courses", FORM)
    assert "http.generic:rpc-operation" in v.rule_ids
    assert any("core_course_delete_courses" in r for r in v.reasons)


def test_a_graphql_mutation_to_a_non_graphql_path_is_still_read() -> None:
    v = verdict("POST", "https://app.example.io/api", {"query": "mutation { deleteProject(id: 1) { id } }"})
    assert "http.graphql:destructive-mutation" in v.rule_ids


@pytest.mark.parametrize("command", [
    "curl -X POST -G 'http://logs.internal:3100/loki/api/v1/delete' --data-urlencode 'query={ns=\"a\"}'",
    "curl -X POST 'https://fhir.example.org/fhir/$expunge' -d '{}'",
    "curl -s https://lms.example.edu/webservice/rest/server.php -d wstoken=t -d wsfunction=core_course_delete_courses",
])
def test_curl_calls_of_named_operations_ask(command: str) -> None:
    assert blastwall.check(make_action("shell", command, None)).decision.value != "allow"


RPC_ASKED = [
    ("POST", "https://slack.com/api/auth.revoke"),
    ("GET", "https://slack.com/api/auth.revoke?token=xoxb-1"),
    ("POST", "https://slack.com/api/apps.uninstall"),
    ("POST", "https://slack.com/api/admin.apps.uninstall"),
    ("POST", "https://slack.com/api/admin.users.remove"),
    ("POST", "https://slack.com/api/files.delete"),
    ("POST", "https://slack.com/api/chat.delete"),
    ("POST", "https://slack.com/api/admin.conversations.delete"),
    ("POST", "https://slack.com/api/oauth.v2.revoke"),
    ("POST", "https://chat.example.io/api/tokens.revoke"),
    ("POST", "https://chat.example.io/api/v1/users.deactivate"),
    ("POST", "https://chat.example.io/api/v1/channels.purge"),
    ("POST", "https://chat.example.io/api/v1/apps.deregister"),
    ("POST", "https://chat.example.io/api/v1/webhooks.disable"),
]
RPC_PASSED = [
    ("POST", "https://slack.com/api/chat.postMessage"),
    ("POST", "https://slack.com/api/admin.users.session.reset"),  # signs the user out; nothing is lost
    ("POST", "https://slack.com/api/reactions.remove"),
    ("POST", "https://slack.com/api/pins.remove"),
    ("POST", "https://slack.com/api/stars.remove"),
    ("POST", "https://slack.com/api/conversations.history"),
    ("GET", "https://slack.com/api/users.list"),
    ("GET", "https://slack.com/api/auth.test"),
    ("POST", "https://slack.com/api/chat.update"),
    ("POST", "https://slack.com/api/conversations.invite"),
    ("GET", "https://cdn.example.com/static/reset.css"),
    ("GET", "https://example.com/downloads/app.release.tar.gz"),
]


@pytest.mark.parametrize(("method", "url"), RPC_ASKED)
def test_rpc_method_named_in_the_path_is_read_by_its_verb(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url"), RPC_PASSED)
def test_harmless_rpc_methods_and_dotted_files_pass(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value == "allow", v.reasons


WEIGHED_ASKED = [
    ("POST", "https://api.example.io/v1/backups/prune"),
    ("POST", "https://api.example.io/v1/snapshots/prune"),
    ("POST", "https://api.example.io/v1/volumes/prune"),
    ("POST", "https://api.example.io/v1/projects/p1/volumes/prune"),
    ("POST", "https://api.example.io/v1/db/clean"),
    ("PUT", "https://api.example.io/api/queues/orders/flush"),
    ("POST", "https://api.example.io/api/database/restore"),
]
WEIGHED_PASSED = [
    ("POST", "https://api.example.io/v1/cache/prune"),
    ("POST", "https://api.example.io/v1/cache/clear"),
    ("POST", "https://api.example.io/v1/sessions/clear"),
    ("POST", "https://api.example.io/v1/builds/prune"),
    ("POST", "https://api.example.io/v1/prune"),
    ("POST", "https://api.example.io/v1/search/clear"),
    ("POST", "https://api.example.io/v1/users/42/reset-password"),
    ("POST", "https://api.example.io/v1/users/42/clear-notifications"),
]


@pytest.mark.parametrize(("method", "url"), WEIGHED_ASKED)
def test_everyday_verb_on_data_asks(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url"), WEIGHED_PASSED)
def test_everyday_verb_on_regenerable_things_passes(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value == "allow", v.reasons


DOCKER_ASKED = [
    ("POST", "http://localhost/v1.45/volumes/prune"),
    ("POST", "http://localhost/volumes/prune"),
    ("POST", "http://docker/v1.43/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D"),
    ("POST", "http://127.0.0.1:2375/volumes/prune"),
    ("POST", "https://docker.internal.example:2376/v1.41/volumes/prune"),
    ("POST", "http://localhost/v1.45/volumes/prune/"),
    ("POST", "http://localhost/v1.45//volumes/prune"),
    ("POST", "http://localhost/v1.45/volumes/./prune"),
    ("POST", "http://localhost/v1.45/volumes/%70rune"),
    ("DELETE", "http://localhost/v1.45/volumes/app_pgdata?force=true"),
    ("DELETE", "http://localhost/volumes/pgdata"),
    ("DELETE", "http://localhost:2375/v1.45/containers/abc123def4567?v=true"),
    ("DELETE", "http://localhost/containers/web?v=1&force=1"),
    ("POST", "http://localhost/v1.45/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D"),
    ("POST", "http://localhost/v1.45/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%7D"),
]
DOCKER_PASSED = [
    ("GET", "http://localhost/v1.45/volumes"),
    ("GET", "http://localhost/v1.45/containers/json?all=true"),
    ("POST", "http://localhost/v1.45/images/prune"),
    ("POST", "http://localhost/v1.45/images/prune?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D"),
    ("POST", "http://localhost:2375/v1.45/build/prune?keep-storage=10000000000"),
    ("POST", "http://localhost/v1.45/containers/prune"),
    ("POST", "http://localhost/v1.45/networks/prune"),
]


@pytest.mark.parametrize(("method", "url"), DOCKER_ASKED)
def test_docker_engine_volume_data_asks(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url"), DOCKER_PASSED)
def test_docker_engine_regenerable_prunes_pass(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value == "allow", v.reasons
