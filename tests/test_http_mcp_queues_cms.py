"""HTTP and MCP classes: message queues that consume, Kafka retention, CMS mutations and their dry
runs, browser page scripts that click destructive controls, expired task/log cleanups, alert
silences, read-only query languages, moves that cannot overwrite, and a shell's script on stdin."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verdicts import POLICY, allowed_and_asked, decide


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """No user policy or database connection: the built-in defaults judge."""


def judge(line: tuple[str, Any]) -> str:
    kind, payload = line
    return decide(payload, kind)


def judge_measured(line: tuple[str, Any]) -> str:
    """As a hook judges: the radius of a cleanup is looked for (and, with no connection, unmeasured)."""
    from blastwall.engine import check

    kind, payload = line
    return check(payload, kind, policy=POLICY).decision.value


def mcp(server: str, tool: str, **arguments: Any) -> tuple[str, Any]:
    return ("mcp", {"server": server, "tool": tool, "arguments": arguments})


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[str, Any]:
    payload: dict[str, Any] = {"method": method, "url": url}
    if body is not None:
        payload["body"] = body
    if headers:
        payload["headers"] = headers
    return ("http", payload)


# ---- a program's standard input is its script ------------------------------------------------------

STDIN_SAFE = [
    mcp("mcp-server-commands", "run_process", command_line="bash", input="git status\ngit log --oneline -5\n"),
    mcp("commands", "run_command", command="sh", stdinText="ls -la\n"),
    mcp("commands", "run_process", command_line="psql -d app_dev", input="SELECT count(*) FROM users;"),
]
STDIN_ASKED = [
    mcp("mcp-server-commands", "run_process", command_line="bash", input="git fetch\ngit clean -ffdx\n"),
    mcp("commands", "run_process", command_line="sh", input="rm -rf ~/projects\n"),
    mcp("commands", "run_command", command="bash -s", standard_input="git push --force origin main"),
    mcp("commands", "run_process", command_line="psql -d app", input="DROP TABLE users;"),
    mcp("commands", "run_process", command_line="/bin/bash", input="cd /srv && \\rm -r data"),
]
test_stdin_safe, test_stdin_asked = allowed_and_asked(STDIN_SAFE, STDIN_ASKED, judge)


# ---- message queues: a read that removes what it reads ---------------------------------------------

RABBIT = "https://rabbit.example.net/api/queues/%2F/orders.dlq/get"
QUEUE_SAFE = [
    http("POST", RABBIT, {"count": 10, "ackmode": "ack_requeue_true", "encoding": "auto"}),
    http("POST", "http://localhost:15672/api/queues/%2F/jobs/get", {"count": 5, "ackmode": "reject_requeue_true"}),
    http("POST", RABBIT, {"count": 1, "ackmode": "ACK_REQUEUE_TRUE", "encoding": "auto"}),
    http("GET", "https://rabbit.example.net/api/queues/%2F/orders.dlq"),
    mcp("rabbitmq", "get_messages", vhost="/", queue="orders.dlq", count=20, ackmode="ack_requeue_true"),
    mcp("rabbitmq", "peek_messages", queue="orders", count=5, requeue=True),
    mcp("amqp", "receive_messages", queue="jobs", auto_ack=False),
    mcp("rabbitmq", "list_queues", vhost="/"),
]
QUEUE_ASKED = [
    http("POST", RABBIT, {"count": 1000, "ackmode": "ack_requeue_false", "encoding": "auto"}),
    http("POST", "https://mq.example.net/rabbit/api/queues/prod/payments/get", {"ackmode": "reject_requeue_false"}),
    http("POST", RABBIT, {"count": 10, "encoding": "auto"}),  # no ackmode: not a peek
    http("POST", RABBIT, {"count": 10, "ackmode": "ack_requeue_maybe"}),
    http("PUT", RABBIT, {"ackmode": "ack_requeue_false"}),
    http("DELETE", "https://rabbit.example.net/api/queues/%2F/orders/contents"),
    mcp("rabbitmq", "get_messages", vhost="/", queue="orders.dlq", count=500, ackmode="ack_requeue_false"),
    mcp("rabbitmq", "get_messages", queue="orders", ack_mode="reject_requeue_false"),
    mcp("rabbitmq", "get_messages", queue="orders", requeue=False),
    mcp("rabbitmq", "get_messages", queue="orders", requeue="false"),
    mcp("amqp", "receive_messages", queue="jobs", auto_ack=True),
    mcp("amqp", "consume", queue="jobs", noAck="true"),
    mcp("rabbitmq", "purge_queue", queue="orders"),
]
test_queue_safe, test_queue_asked = allowed_and_asked(QUEUE_SAFE, QUEUE_ASKED, judge)


# ---- Kafka: a retention that deletes records ------------------------------------------------------

CONFLUENT = "https://pkc-1.europe-west1.gcp.confluent.cloud/kafka/v3/clusters/lkc-1/topics/orders/configs"
RETENTION_SAFE = [
    http("POST", CONFLUENT + ":alter", {"data": [{"name": "retention.ms", "value": "2592000000"}]}),  # 30 days
    http("POST", CONFLUENT + ":alter", {"data": [{"name": "retention.ms", "value": "-1"}]}),
    http("PUT", CONFLUENT + "/retention.ms", {"value": "1209600000"}),
    http("POST", "https://pkc-1.confluent.cloud/kafka/v3/clusters/lkc-1/topics",
         {"topic_name": "scratch", "configs": [{"name": "retention.ms", "value": "60000"}]}),  # a new topic
    http("GET", CONFLUENT),
    mcp("kafka", "alter_topic_config", topic="payments.events", configs={"retention.ms": "604800000"}),
    mcp("kafka", "alter_topic_config", topic="payments.events", configs={"retention.bytes": "-1"}),
    mcp("kafka", "create_topic", topic="tmp.events", configs={"retention.ms": "3600000"}),
    mcp("kafka", "describe_topic_config", topic="payments.events"),
    mcp("kafka", "alter_topic_config", topic="events", configs={"max.message.bytes": "2097152"}),
]
RETENTION_ASKED = [
    http("POST", CONFLUENT + ":alter", {"data": [{"name": "retention.ms", "value": "1000"}]}),
    http("POST", CONFLUENT + ":alter", {"data": [{"name": "retention.bytes", "value": "1048576"}]}),
    http("PUT", CONFLUENT + "/retention.ms", {"value": "0"}),
    http("POST", CONFLUENT + ":alter", {"data": [{"name": "cleanup.policy", "value": "delete"},
                                                {"name": "Retention.MS", "value": "60000"}]}),
    http("POST", "http://kafka-rest:8082/v3/clusters/c1/topics/orders/configs:alter",
         {"data": [{"name": "retention.ms", "value": "soon"}]}),
    mcp("kafka", "alter_topic_config", topic="payments.events", configs={"retention.ms": "1000"}),
    mcp("kafka", "alter_topic_config", topic="payments.events", configs={"retention.ms": 86400000}),
    mcp("kafka", "set_topic_config", topic="orders", config_name="retention.ms", config_value="1"),
    mcp("kafka", "update_topic", topic="orders", configs=[{"name": "retention.bytes", "value": "1"}]),
    mcp("kafka", "alter_configs", resource="orders", config="retention.ms=1000,segment.ms=1000"),
    mcp("kafka", "alter_broker_config", broker=1, configs={"log.retention.hours": "1"}),
    mcp("kafka", "delete_records", topic="orders", partition=0, offset=1000),
    # spellings the arguments' cheap look for a setting name must not miss
    mcp("kafka", "alter_topic_config", topic="orders", configs='{"retention\\u002ems": "1000"}'),  # a JSON escape
    mcp("kafka", "alter_topic_config", topic="orders", configs='{"retention.ms": "1000"}'),  # JSON text
    mcp("kafka", "alter_topic_config", topic="orders", configs={"RETENTION.MS": "1000"}),
    mcp("kafka", "alter_topic_config", topic="orders", configs=[{"NAME": "x", "name": "Retention.Ms", "value": 1}]),
    mcp("kafka", "alter_topic_config", topic="orders", configs={"cleanup.policy": "compact"}),
]
test_retention_safe, test_retention_asked = allowed_and_asked(RETENTION_SAFE, RETENTION_ASKED, judge)


# ---- CMS mutations, and the dry runs an API defines -----------------------------------------------

SANITY = "https://abc123.api.sanity.io/v2023-08-01/data/mutate/production"
DELETE_POSTS = {"mutations": [{"delete": {"query": "*[_type == 'post']"}}]}
CMS_SAFE = [
    http("POST", SANITY + "?dryRun=true", DELETE_POSTS),
    http("POST", SANITY + "?returnIds=true&dryRun=true", DELETE_POSTS),
    http("POST", SANITY + "?dryRun=1", {"mutations": [{"delete": {"id": "post-1"}}]}),
    http("POST", SANITY, {"mutations": [{"create": {"_type": "post", "title": "Hello"}}]}),
    http("GET", "https://abc123.api.sanity.io/v2023-08-01/data/query/production?query=*[_type=='post']"),
    mcp("sanity", "mutate", dataset="production", mutations=[{"createOrReplace": {"_id": "drafts.a", "title": "x"}}]),
    mcp("sanity", "query_documents", dataset="production", query="*[_type == 'post']"),
    mcp("github", "update_issue", issue_number=3, labels=["bug"], remove=["wontfix"]),
]
CMS_ASKED = [
    http("POST", SANITY, DELETE_POSTS),
    http("POST", SANITY + "?dryRun=false", DELETE_POSTS),
    http("POST", SANITY + "?dryRun=true&dryRun=false", DELETE_POSTS),
    http("POST", SANITY + "?dryrun=true", DELETE_POSTS),  # not the API's parameter: ignored by it
    http("POST", SANITY + "?dry_run=true", DELETE_POSTS),
    http("POST", "https://abc123.api.sanity.io/v2023-08-01/data/mutate/production/extra?dryRun=true", DELETE_POSTS),
    http("DELETE", "https://api.example.com/v1/posts/42?dryRun=true"),  # an API that never defined it
    http("DELETE", "https://api.github.com/repos/acme/site?dry_run=1"),
    http("DELETE", "https://api.contentful.com/spaces/s1/environments/master/entries/e1"),
    http("DELETE", "https://cms.example.com/api/articles/12"),
    http("DELETE", "https://blog.example.com/wp-json/wp/v2/posts/88?force=true"),
    mcp("sanity", "mutate", dataset="production", mutations=[{"delete": {"query": "*[_type == 'post']"}}]),
    mcp("sanity", "mutate", dataset="production", mutations=[{"create": {"_type": "a"}}, {"delete": {"id": "x"}}]),
    mcp("sanity", "mutate", dataset="production", dryRun=True, mutations=[{"delete": {"id": "post-1"}}]),
    mcp("firestore", "commit", writes=[{"delete": "projects/p/databases/(default)/documents/users/u1"}]),
    mcp("cms", "batch", operations=[{"action": "deleteEntry", "id": "e1"}]),
    mcp("contentful", "delete_entry", spaceId="s1", entryId="e1"),
    mcp("wordpress", "wp_delete_post", id=88, force=True),
]
test_cms_safe, test_cms_asked = allowed_and_asked(CMS_SAFE, CMS_ASKED, judge)


# ---- browser page scripts that press destructive controls ------------------------------------------

BROWSER_SAFE = [
    mcp("playwright", "browser_evaluate", function="() => document.title"),
    mcp("playwright", "browser_evaluate",
        function="() => [...document.querySelectorAll('tr')].map(r => r.innerText)"),
    mcp("playwright", "browser_evaluate", function="() => document.querySelector('button.load-more').click()"),
    mcp("puppeteer", "puppeteer_evaluate", script="document.querySelector('form#search').submit()"),
    mcp("playwright", "browser_evaluate",
        function="() => document.querySelectorAll('.delete-btn').length"),  # counts, presses nothing
]
BROWSER_ASKED = [
    mcp("playwright", "browser_evaluate", function="() => Promise.all([...document.querySelectorAll("
        "'button[data-action=delete-row]')].map(b => b.click()))"),
    mcp("playwright", "browser_evaluate",
        function="() => document.querySelectorAll('.btn-remove').forEach(b => b.click())"),
    mcp("puppeteer", "puppeteer_evaluate", script="document.getElementById('purge-cache-form').requestSubmit()"),
    mcp("chrome-devtools", "evaluate_script",
        function="() => { const b = [...document.querySelectorAll('button')].find(x => x.textContent.includes("
        "'Delete project')); b.click(); }"),
    mcp("playwright", "browser_evaluate",
        function="() => document.querySelector('#wipe').dispatchEvent(new MouseEvent('click'))"),
    mcp("playwright", "browser_evaluate", function="() => document.forms['DeleteAccount'].submit()"),
    mcp("playwright", "browser_evaluate",
        function="() => fetch('/api/projects/42', {method: 'DELETE'})"),
]
test_browser_safe, test_browser_asked = allowed_and_asked(BROWSER_SAFE, BROWSER_ASKED, judge)


# ---- expired cleanups: task history, old log documents -----------------------------------------------

OLD_LOGS = {"query": {"range": {"@timestamp": {"lt": "now-90d"}}}}
CLEANUP_SAFE = [
    http("DELETE", "http://localhost:7700/tasks?statuses=succeeded,failed&beforeFinishedAt=2024-03-01T00:00:00Z"),
    http("DELETE", "http://search.internal:7700/tasks?types=documentAdditionOrUpdate&statuses=succeeded"),
    http("POST", "https://es.example.net:9200/logs-app-*/_delete_by_query?conflicts=proceed", OLD_LOGS),
    http("POST", "https://es.example.net:9200/logs-web,metrics-node-*/_delete_by_query",
         {"query": {"bool": {"filter": [{"range": {"@timestamp": {"lte": "now-30d/d"}}}]}}}),
]
CLEANUP_ASKED = [
    http("DELETE", "http://search.internal:7700/indexes/products"),
    http("DELETE", "http://search.internal:7700/indexes/products/documents"),
    http("POST", "https://es.example.net:9200/*/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/logs-*/_delete_by_query", OLD_LOGS),  # every log family
    http("POST", "https://es.example.net:9200/_all/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/*logs*/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/logs-*-orders/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/orders-*/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/logs-audit-*/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/logs-app,orders/_delete_by_query", OLD_LOGS),
    http("POST", "https://es.example.net:9200/logs-app-*/_delete_by_query", {"query": {"match_all": {}}}),
    http("POST", "https://es.example.net:9200/logs-app-*/_delete_by_query",
         {"query": {"range": {"@timestamp": {"gte": "now-90d"}}}}),
    http("POST", "https://es.example.net:9200/logs-app-*/_delete_by_query",
         {"query": {"bool": {"should": [{"range": {"@timestamp": {"lt": "now-90d"}}}, {"match_all": {}}]}}}),
    http("DELETE", "https://es.example.net:9200/logs-app-*"),
]
test_cleanup_safe, test_cleanup_asked = allowed_and_asked(CLEANUP_SAFE, CLEANUP_ASKED, judge_measured)


# ---- silences and downtimes: ending one loses nothing -------------------------------------------------

SILENCE_SAFE = [
    http("DELETE", "http://alertmanager:9093/api/v2/silence/6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
    http("DELETE", "https://grafana.example.net/api/alertmanager/grafana/api/v2/silence/"
         "0b7c2e4a-1d2f-4c3b-9a8e-7f6d5c4b3a21"),
    http("DELETE", "https://api.datadoghq.com/api/v1/downtime/123456"),
]
SILENCE_ASKED = [
    http("DELETE", "http://alertmanager:9093/api/v2/silences"),  # no single silence named
    http("DELETE", "https://grafana.example.net/api/v1/provisioning/alert-rules/abc123"),
    http("DELETE", "https://grafana.example.net/api/dashboards/uid/silence-overview"),
    http("DELETE", "https://api.datadoghq.com/api/v1/monitor/123456"),
    http("DELETE", "https://alerts.example.net/api/v2/silence/*"),
]
test_silence_safe, test_silence_asked = allowed_and_asked(SILENCE_SAFE, SILENCE_ASKED, judge)


# ---- read-only query languages ------------------------------------------------------------------------

QUERY_SAFE = [
    mcp("prometheus", "execute_query", query='up{job="api"} == 0'),
    mcp("prometheus", "execute_range_query", query="rate(http_requests_total[5m])", start="now-1h", end="now"),
    mcp("loki", "run_query", query='{app="api"} |= "error"'),
    mcp("grafana", "query_prometheus", expr="sum by (pod) (container_memory_usage_bytes)"),
]
QUERY_ASKED = [
    mcp("prometheus", "execute_query", query="DROP TABLE metrics"),  # SQL is read as SQL wherever it goes
    mcp("prometheus", "delete_series", match=['{job="api"}']),
    mcp("prometheus", "execute_command", command="rm -rf /var/lib/prometheus"),
    mcp("metrics", "execute_query", query="DELETE FROM samples"),
    mcp("analytics", "execute_query", query="some text blastwall cannot read"),  # an unknown language
]
test_query_safe, test_query_asked = allowed_and_asked(QUERY_SAFE, QUERY_ASKED, judge)

