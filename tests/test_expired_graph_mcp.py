"""One notion of "clearly expired" across SQL, MongoDB, PostgREST and Elasticsearch; Cypher through
graph-database tools and Neo4j's HTTP API; MCP explain tools, Mongo renames and Fly machine restarts.
Each allowance sits beside the spellings an agent that wants the destructive action would try next."""

from __future__ import annotations

from typing import Any

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()
SUPA = "https://abcdefghijklmnopqrst.supabase.co/rest/v1"
ES = "https://search.acme.internal:9200"
FLY = "https://api.machines.dev/v1/apps/shop/machines/9e784d1c"


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """No user policy or database connection: the built-in defaults judge."""


def asked(kind: str, payload: Any) -> bool:
    return check(payload, kind, policy=POLICY).decision.value != "allow"


def mongo(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"server": "mongodb", "tool": tool, "arguments": {"database": "app", **arguments}}


def es(index: str, query: Any) -> dict[str, Any]:
    return {"method": "POST", "url": f"{ES}/{index}/_delete_by_query", "body": {"query": query}}


ALLOWED = [
    ("sql", "DELETE FROM sessions WHERE expires_at < '2023-02-01'"),
    ("sql", "DELETE FROM auth_tokens WHERE created_at < TIMESTAMP '2022-12-31 00:00:00'"),
    ("mcp", mongo("delete-many", collection="sessions", filter={"expiresAt": {"$lt": {"$date": "2023-03-01T00:00:00Z"}}})),
    ("mcp", mongo("delete-many", collection="password_reset_tokens", filter={"expires_at": {"$lte": "$$NOW"}})),
    ("shell", "mongosh app --eval 'db.sessions.deleteMany({expiresAt: {$lt: new Date()}})'"),
    ("shell", "mongosh app --eval 'db.otp_codes.deleteMany({createdAt: {$lt: ISODate(\"2023-01-01\")}, used: true})'"),
    ("http", {"method": "DELETE", "url": f"{SUPA}/sessions?expires_at=lt.2023-06-01T00:00:00Z"}),
    ("http", {"method": "DELETE", "url": f"{SUPA}/magic_links?created_at=lte.2022-01-01&used=is.true"}),
    ("http", es("sessions", {"range": {"expires_at": {"lt": "now"}}})),
    ("http", es("request-logs", {"bool": {"filter": [{"range": {"@timestamp": {"lt": "now-14d/d"}}},
                                                      {"term": {"level": "debug"}}]}})),
    # Cypher that reads, or deletes one node by its key
    ("mcp", {"server": "neo4j", "tool": "read_neo4j_cypher", "arguments": {"query": "MATCH (n:Person) RETURN n LIMIT 5"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher",
             "arguments": {"query": "MATCH (p:Person {id: $id}) DETACH DELETE p", "params": {"id": 7}}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher",
             "arguments": {"query": "MERGE (p:Person {email: 'a@b.c'}) SET p.seen = timestamp()"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher",
             "arguments": {"query": "MATCH (n) WHERE n.note = 'DETACH DELETE everything' RETURN n"}}),
    # plans only
    ("mcp", {"server": "postgres-pro", "tool": "explain_query", "arguments": {"sql": "DELETE FROM orders", "analyze": False}}),
    ("mcp", {"server": "pg", "tool": "explain", "arguments": {"sql": "UPDATE users SET plan = 'free'"}}),
    # a rename that replaces nothing; a machine started again
    ("mcp", mongo("rename-collection", collection="orders_tmp", newName="orders_2024")),
    ("http", {"method": "POST", "url": f"{FLY}/restart"}),
    ("http", {"method": "POST", "url": f"{FLY}/start"}),
    ("http", {"method": "POST", "url": f"{FLY}/stop"}),
]

ASKED = [
    # not past, not short-lived, or not only ANDed
    ("sql", "DELETE FROM sessions WHERE expires_at < '2999-01-01'"),
    ("sql", "DELETE FROM orders WHERE created_at < '2020-01-01'"),
    ("mcp", mongo("delete-many", collection="sessions", filter={"expiresAt": {"$gt": {"$date": "2023-03-01"}}})),
    ("mcp", mongo("delete-many", collection="sessions", filter={"createdAt": {"$lt": "$$NOW"}})),
    ("mcp", mongo("delete-many", collection="orders", filter={"createdAt": {"$lt": {"$date": "2020-01-01"}}})),
    ("mcp", mongo("delete-many", collection="sessions",
                  filter={"$or": [{"expiresAt": {"$lt": {"$date": "2020-01-01"}}}, {"userId": {"$exists": True}}]})),
    ("shell", "mongosh app --eval 'db.sessions.deleteMany({expiresAt: {$gte: new Date()}})'"),
    ("http", {"method": "DELETE", "url": f"{SUPA}/sessions?expires_at=gt.2023-06-01"}),
    ("http", {"method": "DELETE", "url": f"{SUPA}/sessions?expires_at=lt.2999-01-01"}),
    ("http", {"method": "DELETE", "url": f"{SUPA}/invoices?created_at=lt.2020-01-01"}),
    ("http", {"method": "DELETE", "url": f"{SUPA}/sessions"}),
    ("http", es("sessions", {"range": {"expires_at": {"gt": "now-30d"}}})),
    ("http", es("sessions", {"range": {"created_at": {"lt": "now"}}})),
    ("http", es("customers", {"range": {"created_at": {"lt": "now-365d"}}})),
    ("http", es("logs-*", {"range": {"@timestamp": {"lt": "now-30d"}}})),
    ("http", es("logs-app", {"bool": {"should": [{"range": {"@timestamp": {"lt": "now-30d"}}}, {"match_all": {}}]}})),
    ("http", es("logs-app", {"match_all": {}})),
    # Cypher that destroys
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher", "arguments": {"query": "MATCH (n) DETACH DELETE n"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher", "arguments": {"query": "match (n:Person {name: 'x'}) delete n"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher",
             "arguments": {"query": "MATCH (p:Person) WHERE p.id = 1 OR true DETACH DELETE p"}}),
    ("mcp", {"server": "memgraph", "tool": "run_query", "arguments": {"query": "MATCH (n:Customer) REMOVE n.email"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher", "arguments": {"query": "MATCH (n) SET n.deleted = true"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher", "arguments": {"query": "DROP CONSTRAINT person_email"}}),
    ("mcp", {"server": "neo4j", "tool": "write_neo4j_cypher",
             "arguments": {"query": "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {batchSize: 500})"}}),
    ("http", {"method": "POST", "url": "http://localhost:7474/db/neo4j/tx/commit",
              "body": {"statements": [{"statement": "MATCH (n) DETACH DELETE n"}]}}),
    # explain that runs, or a second statement
    ("mcp", {"server": "postgres-pro", "tool": "explain_query", "arguments": {"sql": "DELETE FROM orders", "analyze": True}}),
    ("mcp", {"server": "postgres-pro", "tool": "explain_query", "arguments": {"sql": "SELECT 1; DROP TABLE orders"}}),
    # a rename over a live collection; a machine or volume deleted
    ("mcp", mongo("rename-collection", collection="orders_tmp", newName="orders", dropTarget=True)),
    ("mcp", mongo("renameCollection", collection="orders_tmp", newName="orders", dropTarget="true")),
    ("http", {"method": "DELETE", "url": FLY}),
    ("http", {"method": "DELETE", "url": "https://api.machines.dev/v1/apps/shop/volumes/vol_123"}),
    ("http", {"method": "POST", "url": f"{FLY}/destroy"}),
]


@pytest.mark.parametrize(("kind", "payload"), ALLOWED)
def test_expired_cleanups_reads_plans_and_restarts_are_allowed(kind: str, payload: Any) -> None:
    verdict = check(payload, kind, policy=POLICY)
    assert verdict.decision.value == "allow", verdict.reasons


@pytest.mark.parametrize(("kind", "payload"), ASKED)
def test_the_destructive_look_alikes_are_asked(kind: str, payload: Any) -> None:
    assert asked(kind, payload)
