"""Red team leftovers, round 7: Kubernetes manifests sent through MCP, filesystem tools' other
spellings, firewall rules that lock the operator out, Snowflake ownership transfers and Kafka
compaction. Each destructive spelling beside the look-alikes that must stay allowed.

Payloads live only in these strings and dictionaries; nothing here runs them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from verdicts import decide

# ---- filesystem tools: uploads, several files at once, operations given as a list -------------


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git project with one committed file and one file git does not hold (`notes.txt`)."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "tracked.txt").write_text("kept by git\n")
    subprocess.run(["git", "add", "tracked.txt"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "init"], cwd=tmp_path,
                   check=True)
    (tmp_path / "notes.txt").write_text("only copy\n")
    return tmp_path


def fs(tool: str, arguments: dict[str, Any], folder: Path, server: str = "filesystem") -> str:
    return decide({"server": server, "tool": tool, "arguments": arguments}, "mcp", cwd=folder, probe=True)


FS_OVERWRITES = [
    ("upload_file", {"path": "notes.txt", "content": "x"}),
    ("upload", {"path": "notes.txt", "content": "x"}),
    ("upload_file", {"destination": "notes.txt", "content": "x"}),
    ("upload_file", {"source": "/tmp/elsewhere.txt", "destination": "notes.txt"}),
    ("uploadFile", {"filePath": "notes.txt", "content": "x"}),
    ("write_multiple_files", {"files": {"notes.txt": "x"}}),
    ("write_multiple_files", {"files": {"new.txt": "x", "notes.txt": "x"}}),
    ("write_multiple_files", {"files": [{"path": "notes.txt", "content": "x"}]}),
    ("write_multiple_files", {"files": [{"path": "new.txt", "content": "x"}, {"path": "notes.txt", "content": "x"}]}),
    ("fs", {"action": ["delete"], "path": "tracked.txt"}),
    ("fs", {"action": ["read", "delete"], "path": "notes.txt"}),
    ("fs", {"operation": ["remove"], "path": "notes.txt"}),
    ("fs", {"action": ["write"], "path": "notes.txt", "content": "x"}),
    ("fs", {"action": "write", "path": "notes.txt", "content": "x"}),
    ("fs", {"action": ["write", "delete"], "path": "notes.txt", "content": "x"}),
]


@pytest.mark.parametrize(("tool", "arguments"), FS_OVERWRITES)
def test_filesystem_spellings_of_an_overwrite_or_delete_are_asked(tool: str, arguments: dict[str, Any],
                                                                  repo: Path) -> None:
    assert fs(tool, arguments, repo) != "allow"


def test_an_upload_over_a_file_outside_the_project_is_asked(repo: Path) -> None:
    outside = Path.home() / ".bashrc"
    assert fs("upload_file", {"path": str(outside), "content": "x"}, repo) != "allow"
    assert fs("write_multiple_files", {"files": {str(outside): "x"}}, repo) != "allow"


FS_SAFE = [
    ("upload_file", {"path": "fresh.txt", "content": "x"}),
    ("upload_file", {"path": "tracked.txt", "content": "x"}),
    ("write_multiple_files", {"files": {"new.txt": "x", "other/new.txt": "y"}}),
    ("write_multiple_files", {"files": [{"path": "new.txt", "content": "x"}]}),
    ("write_multiple_files", {"files": {"tracked.txt": "x"}}),
    ("fs", {"action": ["read"], "path": "notes.txt"}),
    ("fs", {"action": ["write"], "path": "fresh.txt", "content": "x"}),
]


@pytest.mark.parametrize(("tool", "arguments"), FS_SAFE)
def test_filesystem_spellings_that_lose_nothing_pass(tool: str, arguments: dict[str, Any], repo: Path) -> None:
    assert fs(tool, arguments, repo) == "allow"


@pytest.mark.parametrize(("server", "arguments"), [
    ("slack", {"channels": "C1", "filename": "notes.txt", "content": "report"}),
    ("s3", {"bucket": "b", "key": "k", "file_path": "notes.txt"}),
])
def test_another_servers_upload_sends_the_file_away(server: str, arguments: dict[str, Any], repo: Path) -> None:
    assert fs("upload_file", arguments, repo, server=server) == "allow"


# ---- firewall rules added that drop the operator's access port --------------------------------

FIREWALL_LOCKOUTS = [
    "iptables -A INPUT -p tcp --dport 22 -j DROP",
    "iptables -I INPUT 1 -p tcp --dport ssh -j REJECT",
    "iptables --insert INPUT --protocol tcp --destination-port 22 --jump DROP",
    "iptables -A INPUT -p tcp --dport=22 -j DROP",
    "ip6tables -A INPUT -p tcp --dport 22 -j DROP",
    "iptables-legacy -A INPUT -p tcp --dport 22 -j DROP",
    "sudo iptables -I INPUT -p tcp -m tcp --dport 22 -j DROP",
    "iptables -w -A INPUT -p tcp -m multiport --dports 80,443,22 -j DROP",
    "iptables -A INPUT -p tcp --dport 1:1024 -j DROP",
    "iptables -A INPUT -p tcp --dport :100 -j REJECT --reject-with tcp-reset",
    "iptables -A INPUT -p tcp ! --dport 80 -j DROP",
    "iptables -A INPUT -j DROP",
    "iptables -A INPUT -p tcp -j DROP",
    "iptables -A INPUT -m state --state NEW -j DROP",
    "iptables -A INPUT -i eth0 -p tcp --dport 22 -j DROP",
    "iptables -A INPUT ! -s 10.0.0.5 -p tcp --dport 22 -j DROP",
    "iptables -A INPUT -p tcp --dport $PORT -j DROP",
    "iptables -t raw -A PREROUTING -p tcp --dport 22 -j DROP",
    "iptables -A OUTPUT -p tcp --sport 22 -j DROP",
    "iptables -R INPUT 1 -p tcp --dport 22 -j DROP",
    "nft add rule inet filter input tcp dport 22 drop",
    "nft add rule filter INPUT tcp dport 22 drop",
    "nft insert rule inet filter input tcp dport ssh reject",
    "nft add rule inet filter input tcp dport { 22, 80 } drop",
    "nft add rule inet filter input tcp dport {22,80} drop",
    "nft add rule inet filter input tcp dport 1-1024 counter drop",
    "nft add rule inet filter input tcp dport != 80 drop",
    "nft add rule inet filter input drop",
    "nft add rule inet filter input ct state new drop",
    "nft 'add rule inet filter input tcp dport 22 drop'",
    "nft -a add rule inet filter input tcp dport 22 drop",
    "nft add rule inet filter input ip saddr != 10.0.0.5 tcp dport 22 drop",
    "nft 'add table inet f; add rule inet f input tcp dport 22 drop'",
    "ufw insert 1 deny 22",
    "ufw deny proto tcp to any port 22",
    "ufw reject ssh",
    "firewall-cmd --direct --add-rule ipv4 filter INPUT 0 -p tcp --dport 22 -j DROP",
    "firewall-cmd --permanent --add-rich-rule='rule service name=\"ssh\" drop'",
    "firewall-cmd --add-rich-rule='rule family=\"ipv4\" port port=\"22\" protocol=\"tcp\" reject'",
]

FIREWALL_SAFE = [
    "iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
    "iptables -I INPUT 1 -p tcp --dport ssh -j ACCEPT",
    "iptables -A INPUT -p tcp --dport 8080 -j DROP",
    "iptables -A INPUT -p tcp -m multiport --dports 80,443 -j DROP",
    "iptables -A INPUT -p tcp --dport 1024:65535 -j DROP",
    "iptables -A INPUT -p udp -j DROP",
    "iptables -A INPUT -p icmp --icmp-type echo-request -j DROP",
    "iptables -A INPUT -s 203.0.113.9 -j DROP",
    "iptables -A INPUT -s 203.0.113.0/24 -p tcp --dport 22 -j DROP",
    "iptables -A INPUT -m conntrack --ctstate INVALID -j DROP",
    "iptables -A INPUT -i lo -j DROP",
    "iptables -A INPUT -p tcp --dport 22 -m state --state NEW -m recent --update --seconds 60 --hitcount 4 -j DROP",
    "iptables -A INPUT -p tcp --syn --dport 22 -m connlimit --connlimit-above 3 -j REJECT",
    "iptables -A FORWARD -p tcp --dport 22 -j DROP",
    "iptables -A DOCKER-USER -p tcp --dport 22 -j DROP",
    "iptables -A OUTPUT -p tcp --dport 22 -j DROP",
    "iptables -N blocklist",
    "iptables -A INPUT -p tcp --dport 22 -j LOG --log-prefix drop",
    "iptables -L -n",
    "iptables -S",
    "iptables -L INPUT --line-numbers",
    "iptables-save",
    "nft list ruleset",
    "nft add rule inet filter input tcp dport 22 accept",
    "nft add rule inet filter input tcp dport 8080 drop",
    "nft add rule inet filter input udp dport 53 drop",
    "nft add rule inet filter input ip saddr 203.0.113.9 drop",
    "nft add rule inet filter input ct state invalid drop",
    "nft add rule inet filter input iifname lo drop",
    "nft add rule inet filter forward tcp dport 22 drop",
    "nft add table inet filter",
    "nft -c add rule inet filter input tcp dport 22 drop",
    "ufw allow 22",
    "ufw insert 1 deny 8080",
    "ufw status numbered",
    "firewall-cmd --add-service=ssh",
    "firewall-cmd --direct --add-rule ipv4 filter INPUT 0 -p tcp --dport 8080 -j DROP",
    "firewall-cmd --add-rich-rule='rule family=\"ipv4\" source address=\"203.0.113.9\" service name=\"ssh\" drop'",
    "firewall-cmd --add-rich-rule='rule service name=\"http\" drop'",
    "firewall-cmd --list-all",
]


@pytest.mark.parametrize("command", FIREWALL_LOCKOUTS)
def test_a_firewall_rule_that_drops_the_access_port_is_asked(command: str) -> None:
    assert decide(command) != "allow"


@pytest.mark.parametrize("command", FIREWALL_SAFE)
def test_firewall_rules_that_leave_the_access_port_pass(command: str) -> None:
    assert decide(command) == "allow"


# ---- Snowflake: ownership moved without the grants, and GRANT/REVOKE as sqlglot reads them -----

GRANTS_ASKED = [
    ("GRANT OWNERSHIP ON TABLE db.s.orders TO ROLE analyst", "snowflake"),
    ("grant ownership on schema db.s to role analyst", "snowflake"),
    ("GRANT OWNERSHIP ON ALL TABLES IN SCHEMA db.s TO ROLE analyst", "snowflake"),
    ("GRANT OWNERSHIP ON TABLE db.s.orders TO ROLE analyst REVOKE CURRENT GRANTS", "snowflake"),
    ("GRANT OWNERSHIP ON TABLE copy TO ROLE analyst", "snowflake"),
    ("GRANT OWNERSHIP ON VIEW v TO ROLE r; SELECT 1", "snowflake"),
    ("GRANT OWNERSHIP ON TABLE db.s.orders TO ROLE analyst", None),
    ("REVOKE SELECT ON TABLE db.s.orders FROM ROLE analyst", "snowflake"),
    ("GRANT ALL PRIVILEGES ON DATABASE prod TO ROLE public", "snowflake"),
    ("GRANT ROLE accountadmin TO USER agent", "snowflake"),
    ("GRANT ALL ON TABLE t TO bob", "duckdb"),
]

GRANTS_SAFE = [
    ("GRANT OWNERSHIP ON TABLE db.s.orders TO ROLE analyst COPY CURRENT GRANTS", "snowflake"),
    ("grant ownership on schema db.s to role analyst copy current grants", "snowflake"),
    ("GRANT OWNERSHIP ON FUTURE TABLES IN SCHEMA db.s TO ROLE analyst", "snowflake"),
    ("GRANT SELECT ON TABLE db.s.orders TO ROLE analyst", "snowflake"),
    ("GRANT USAGE ON WAREHOUSE wh TO ROLE analyst", "snowflake"),
    ("SHOW GRANTS ON TABLE db.s.orders", "snowflake"),
]


def sql(text: str, dialect: str | None) -> str:
    return decide(text, "sql", **({"dialect": dialect} if dialect else {}))


@pytest.mark.parametrize(("text", "dialect"), GRANTS_ASKED)
def test_grants_that_take_access_away_or_escalate_are_asked(text: str, dialect: str | None) -> None:
    assert sql(text, dialect) != "allow"


@pytest.mark.parametrize(("text", "dialect"), GRANTS_SAFE)
def test_grants_that_keep_access_pass(text: str, dialect: str | None) -> None:
    assert sql(text, dialect) == "allow"


# ---- Kafka: a topic switched to compaction keeps only each key's latest record -----------------

REST = "http://kafka-rest:8082/v3/clusters/c1/topics/orders/configs"


def rest(method: str, url: str, body: Any) -> dict[str, Any]:
    return {"method": method, "url": url, "body": json.dumps(body)}


def kafka_mcp(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"server": "kafka", "tool": tool, "arguments": arguments}


COMPACTIONS = [
    ("http", rest("POST", f"{REST}:alter", {"data": [{"name": "cleanup.policy", "value": "compact"}]})),
    ("http", rest("POST", f"{REST}:alter", {"data": [{"name": "cleanup.policy", "value": "compact,delete"}]})),
    ("http", rest("PUT", f"{REST}/cleanup.policy", {"value": "compact"})),
    ("http", rest("PUT", f"{REST}/cleanup.policy", {"value": "delete,compact"})),
    ("http", rest("PUT", "https://api.aiven.io/v1/project/p/service/kafka1/topic/orders",
                  {"config": {"cleanup_policy": "compact"}})),
    ("mcp", kafka_mcp("alter_topic_config", {"topic": "orders", "configs": {"cleanup.policy": "compact"}})),
    ("mcp", kafka_mcp("update_topic_config", {"topic": "orders", "config": {"cleanup.policy": "COMPACT"}})),
    ("mcp", kafka_mcp("alter_topic_config", {"topic": "orders", "configs": {"cleanup.policy": ["compact", "delete"]}})),
    ("mcp", kafka_mcp("set_topic_config", {"topic": "orders", "config": "cleanup.policy=[compact,delete]"})),
    ("mcp", kafka_mcp("alter_configs", {"resource": "orders", "entries": [{"name": "cleanup.policy",
                                                                            "value": "compact"}]})),
    ("mcp", kafka_mcp("update_topic", {"topic": "orders", "cleanup_policy": "compact"})),
]

COMPACTIONS_SAFE = [
    ("http", rest("PUT", f"{REST}/cleanup.policy", {"value": "delete"})),
    ("http", rest("POST", f"{REST}:alter", {"data": [{"name": "cleanup.policy", "value": "delete"}]})),
    ("http", {"method": "GET", "url": f"{REST}/cleanup.policy"}),
    ("mcp", kafka_mcp("alter_topic_config", {"topic": "orders", "configs": {"cleanup.policy": "delete"}})),
    ("mcp", kafka_mcp("create_topic", {"topic": "user-latest", "configs": {"cleanup.policy": "compact"}})),
    ("mcp", kafka_mcp("describe_topic_config", {"topic": "orders", "keys": ["cleanup.policy"]})),
]


@pytest.mark.parametrize(("kind", "action"), COMPACTIONS)
def test_switching_a_topic_to_compaction_is_asked(kind: str, action: dict[str, Any]) -> None:
    assert decide(action, kind) != "allow"


@pytest.mark.parametrize(("kind", "action"), COMPACTIONS_SAFE)
def test_the_delete_policy_reads_and_new_topics_pass(kind: str, action: dict[str, Any]) -> None:
    assert decide(action, kind) == "allow"


# ---- Kubernetes manifests: through an MCP tool, and kubectl -f of the same text ----------------

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  mode: fast\n"
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports:\n  - port: 80\n"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"
PVC = ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  resources:\n"
       "    requests:\n      storage: 10Gi\n")
DELETED = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n$patch: delete\n"
ITEM_DELETED = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
                "      volumes:\n      - name: data\n        $patch: delete\n")
REPLACED = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  $patch: replace\n"
FINALIZERS = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  $deleteFromPrimitiveList/finalizers:\n"
              "  - kubernetes\n")
STS_ZERO = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 0\n"
PV_DELETE = ("apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv1\nspec:\n"
             "  persistentVolumeReclaimPolicy: Delete\n")
LIST_DELETED = json.dumps({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}, "$patch": "delete"}]})


def k8s(tool: str, arguments: dict[str, Any], server: str = "kubernetes") -> str:
    return decide({"server": server, "tool": tool, "arguments": arguments}, "mcp")


MANIFESTS_ASKED = [
    ("apply", {"manifest": DELETED}),
    ("kubectl_apply", {"manifest": DELETED}),
    ("kubectl_apply", {"manifest": DEPLOYMENT + "---\n" + DELETED}),
    ("kubectl_apply", {"manifest": json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"},
                                               "$patch": "delete"})}),
    ("kubectl_apply", {"manifest": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"},
                                    "$patch": "delete"}}),
    ("kubectl_apply", {"manifest": LIST_DELETED}),
    ("kubectl_apply", {"manifests": [CONFIGMAP, DELETED]}),
    ("kubectl_apply", {"yaml": ITEM_DELETED}),
    ("kubectl_apply", {"manifest": REPLACED}),
    ("kubectl_apply", {"manifest": FINALIZERS}),
    ("kubectl_apply", {"manifest": STS_ZERO}),
    ("kubectl_apply", {"manifest": PV_DELETE}),
    ("create_or_update", {"manifest": DELETED}),
    ("resources_create_or_update", {"resource": DELETED}),
    ("kubectl_apply", {"manifest": CONFIGMAP, "prune": True}),
    ("kubectl_apply", {"manifest": CONFIGMAP, "args": ["--prune", "-l", "app=x"]}),
    ("kubectl_replace", {"manifest": NAMESPACE}),
    ("kubectl_replace", {"manifest": PVC}),
    ("kubectl_replace", {"manifest": NAMESPACE, "force": True}),
    ("kubectl_apply", {"manifest": PVC, "force": True}),
    ("kubectl_apply", {"manifest": "kind: Deployment\napiVersion: v1\nmetadata: [unclosed"}),
]

MANIFESTS_SAFE = [
    ("kubectl_apply", {"manifest": DEPLOYMENT}),
    ("kubectl_apply", {"manifest": CONFIGMAP}),
    ("kubectl_apply", {"manifest": SERVICE}),
    ("apply", {"manifest": DEPLOYMENT + "---\n" + SERVICE + "---\n" + CONFIGMAP}),
    ("kubectl_apply", {"manifest": NAMESPACE}),
    ("kubectl_apply", {"manifest": PVC}),
    ("kubectl_create", {"manifest": NAMESPACE}),
    ("kubectl_replace", {"manifest": CONFIGMAP}),
    ("kubectl_apply", {"manifest": json.loads(json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                                          "metadata": {"name": "c"}, "data": {"a": "b"}}))}),
    ("resources_get", {"resource": "pods", "namespace": "prod"}),
]


@pytest.mark.parametrize(("tool", "arguments"), MANIFESTS_ASKED)
def test_a_manifest_that_deletes_or_replaces_data_is_asked(tool: str, arguments: dict[str, Any]) -> None:
    assert k8s(tool, arguments) != "allow"


@pytest.mark.parametrize(("tool", "arguments"), MANIFESTS_SAFE)
def test_ordinary_manifests_pass(tool: str, arguments: dict[str, Any]) -> None:
    assert k8s(tool, arguments) == "allow"


def test_a_kubernetes_tool_on_another_server_reads_its_manifest_too() -> None:
    assert k8s("kubectl_apply", {"manifest": DELETED}, server="ops") != "allow"
    assert k8s("apply_manifest", {"manifest": DELETED}, server="k8s-prod") != "allow"


KUBECTL_FILES = [
    ("kubectl apply -f gone.yaml", DELETED, "ask"),
    ("kubectl apply --filename=gone.yaml -n prod", DELETED, "ask"),
    ("kubectl replace -f gone.yaml", PVC, "ask"),
    ("kubectl apply -f gone.yaml", STS_ZERO, "ask"),
    ("oc apply -f gone.yaml", DELETED, "ask"),
    ("kubectl apply -f gone.yaml", DEPLOYMENT, "allow"),
    ("kubectl apply -f gone.yaml", PVC, "allow"),
    ("kubectl replace -f gone.yaml", CONFIGMAP, "allow"),
    ("kubectl apply --dry-run=server -f gone.yaml", DELETED, "allow"),
]


@pytest.mark.parametrize(("command", "text", "expected"), KUBECTL_FILES)
def test_kubectl_reads_the_manifest_it_is_given(command: str, text: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").write_text(text)
    assert decide(command, cwd=tmp_path) == expected


@pytest.mark.parametrize(("text", "expected"), [(DELETED, "ask"), (STS_ZERO, "ask"), (DEPLOYMENT, "allow")])
def test_kubectl_reads_a_manifest_on_stdin(text: str, expected: str) -> None:
    assert decide(f"kubectl apply -f - <<'EOF'\n{text}EOF") == expected
    assert decide(f"kubectl apply -f - -n prod <<'EOF'\n{text}EOF") == expected
