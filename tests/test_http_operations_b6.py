"""Requests that name their operation: an action-named path (`POST .../delete`, `b2_delete_bucket`,
`/deletions/users`, FHIR `$expunge`) or an RPC operation in a field (Moodle `wsfunction`, JSON-RPC
`method`, XML-RPC `methodName`, SOAPAction). Writes that name a destructive operation ask; reads of
such a path and harmless operations pass."""

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
