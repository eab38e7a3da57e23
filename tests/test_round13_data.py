"""SQL, HTTP and MCP classes of the thirteenth round, each beside the look-alike spellings an agent
that wants the destructive action would try next.

- HashiCorp's APIs (Vault, Consul, Nomad): lease and token revocation, secret destruction, mounts;
- DELETE of a cache or a cache entry on any API;
"""

from __future__ import annotations

from typing import Any

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(kind: str, payload: Any, context: dict[str, Any] | None = None) -> str:
    return blastwall.check(make_action(kind, payload, context)).decision.value


def http(method: str, url: str, **more: Any) -> dict[str, Any]:
    return {"method": method, "url": url, **more}


# ---- 1. HashiCorp Vault, Consul, Nomad --------------------------------------------------------------

VAULT = "https://vault.acme.internal:8200"
HASHICORP_DESTRUCTIVE = [
    http("PUT", f"{VAULT}/v1/sys/leases/revoke-prefix/aws/creds", headers={"X-Vault-Token": "$VAULT_TOKEN"}),
    http("POST", f"{VAULT}/v1/sys/leases/revoke-prefix/database/creds/"),
    http("PUT", f"{VAULT}/v1/sys/leases/revoke-force/aws"),
    http("PUT", f"{VAULT}/v1/sys/leases/revoke", body={"lease_id": "aws/creds/deploy/abc"}),
    http("PUT", f"{VAULT}/v1/sys/revoke-prefix/aws"),  # the older paths
    http("PUT", f"{VAULT}/v1/sys/revoke/aws/creds/deploy/abc"),
    http("POST", f"{VAULT}/v1/auth/token/revoke", body={"token": "hvs.x"}),
    http("POST", f"{VAULT}/v1/auth/token/revoke-accessor"),
    http("POST", f"{VAULT}/v1/auth/token/revoke-orphan"),
    http("DELETE", f"{VAULT}/v1/auth/token/roles/deploy"),
    http("DELETE", f"{VAULT}/v1/secret/metadata/app/db"),
    http("POST", f"{VAULT}/v1/secret/destroy/app/db", body={"versions": [1, 2]}),
    http("POST", f"{VAULT}/v1/secret/delete/app/db", body={"versions": [3]}),
    http("DELETE", f"{VAULT}/v1/secret/data/app/db"),
    http("DELETE", f"{VAULT}/v1/kv/app/db"),  # KV v1: no versions
    http("DELETE", f"{VAULT}/v1/sys/mounts/kv"),
    http("DELETE", f"{VAULT}/v1/sys/auth/github"),
    http("DELETE", f"{VAULT}/v1/sys/policies/acl/deploy"),
    http("DELETE", f"{VAULT}/v1/transit/keys/payments"),
    http("PUT", f"{VAULT}/v1/sys/seal"),
    http("POST", f"{VAULT}/v1/sys/storage/raft/snapshot-force"),
    # Vault behind a load balancer, another port or an HCP host: the /v1/sys shapes still count
    http("POST", "https://secrets.acme.io/v1/sys/leases/revoke-prefix/aws"),
    http("PUT", "https://secrets.acme.io/v1/sys/revoke-force/aws"),
    http("POST", "https://10.0.0.5/v1/auth/token/revoke-self"),
    http("DELETE", "https://10.0.0.5/v1/sys/mounts/secret"),
    http("POST", "https://vault.acme.io/v1/secret/destroy/app"),
    http("DELETE", "https://prod-vault.z1.hashicorp.cloud/v1/secret/metadata/app"),
    http("POST", "http://vault/v1//sys/leases/./revoke-prefix/aws"),
    # Consul and Nomad on their ports
    http("DELETE", "http://consul.internal:8500/v1/kv/app?recurse"),
    http("DELETE", "http://consul.internal:8500/v1/kv/app/config"),
    http("PUT", "http://consul.internal:8500/v1/agent/service/deregister/web-1"),
    http("PUT", "http://consul.internal:8500/v1/snapshot"),
    http("DELETE", "http://nomad.internal:4646/v1/job/web?purge=true"),
    http("DELETE", "http://nomad.internal:4646/v1/job/web"),
    http("DELETE", "http://nomad.internal:4646/v1/namespace/staging"),
]

HASHICORP_READS = [
    http("GET", f"{VAULT}/v1/sys/health"),
    http("LIST", f"{VAULT}/v1/secret/metadata/"),
    http("GET", f"{VAULT}/v1/secret/data/app/db"),
    http("GET", f"{VAULT}/v1/sys/leases/lookup/aws/creds"),
    http("PUT", f"{VAULT}/v1/sys/leases/lookup", body={"lease_id": "aws/creds/deploy/abc"}),
    http("PUT", f"{VAULT}/v1/sys/leases/renew", body={"lease_id": "aws/creds/deploy/abc"}),
    http("POST", f"{VAULT}/v1/auth/token/lookup-self"),
    http("POST", f"{VAULT}/v1/auth/token/renew-self"),
    http("POST", f"{VAULT}/v1/auth/token/create", body={"ttl": "1h"}),
    http("POST", f"{VAULT}/v1/auth/approle/login", body={"role_id": "x", "secret_id": "y"}),
    http("GET", f"{VAULT}/v1/database/creds/readonly"),
    http("POST", f"{VAULT}/v1/transit/encrypt/payments", body={"plaintext": "aGk="}),
    http("POST", f"{VAULT}/v1/secret/data/app/db", body={"data": {"user": "x"}}),  # a new KV v2 version
    http("POST", f"{VAULT}/v1/secret/undelete/app/db", body={"versions": [3]}),
    http("GET", "https://secrets.acme.io/v1/sys/leases/revoke-prefix/aws"),  # a GET revokes nothing
    http("GET", "http://consul.internal:8500/v1/kv/app?recurse"),
    http("GET", "http://nomad.internal:4646/v1/job/web"),
]


@pytest.mark.parametrize("payload", HASHICORP_DESTRUCTIVE, ids=lambda p: f"{p['method']} {p['url']}")
def test_hashicorp_destructive_calls_ask(payload: dict[str, Any]) -> None:
    assert decision("http", payload) in ("ask", "deny")


@pytest.mark.parametrize("payload", HASHICORP_READS, ids=lambda p: f"{p['method']} {p['url']}")
def test_hashicorp_reads_pass(payload: dict[str, Any]) -> None:
    assert decision("http", payload) == "allow"


def test_vault_rows_stay_off_other_apis() -> None:
    """The KV shapes (`/v1/x/data/y`) are Vault's only on its port or hosts: elsewhere a DELETE of
    them is an ordinary DELETE (asked) and a POST an ordinary write (allowed)."""
    from blastwall.analyze.base import Scope
    from blastwall.analyze.http import analyze_request

    found = analyze_request("DELETE", "https://api.acme.io/v1/users/data/7", None, None, Scope())
    assert found and not any(f.rule_id.startswith("http.vault") for f in found)
    assert decision("http", http("POST", "https://api.acme.io/v1/users/data/7", body={"x": 1})) == "allow"


# ---- 2. DELETE of a cache or a cache entry -------------------------------------------------------

CACHE_DELETES = [
    http("DELETE", "http://localhost:8080/api/cache/product-listing"),
    http("DELETE", "http://localhost:8080/api/caches/product-listing"),
    http("DELETE", "https://api.acme.io/v1/cache/product-listing"),
    http("DELETE", "https://api.acme.io/v1/cache"),
    http("DELETE", "https://api.acme.io/v1/users/42/cache"),
    http("DELETE", "https://api.github.com/repos/acme/web/actions/caches/123"),
    http("DELETE", "https://api.github.com/repos/acme/web/actions/caches?key=npm-linux"),
]

NOT_CACHE_DELETES = [
    http("DELETE", "https://api.acme.io/v1/cached-orders/1"),
    http("DELETE", "https://api.acme.io/v1/cache-users/1"),
    http("DELETE", "https://api.acme.io/v1/cache/orders/1"),  # a collection under the cache segment
    http("DELETE", "https://api.acme.io/v1/users;/cache/x"),  # a matrix parameter hides the resource
    http("DELETE", "https://api.acme.io/v1/cache/../users/1"),
    http("DELETE", "https://api.acme.io/v1/cache/x?cascade=true"),
    http("DELETE", "https://api.acme.io/v1/users/1"),
]


@pytest.mark.parametrize("payload", CACHE_DELETES, ids=lambda p: p["url"])
def test_cache_deletes_pass(payload: dict[str, Any]) -> None:
    assert decision("http", payload) == "allow"


@pytest.mark.parametrize("payload", NOT_CACHE_DELETES, ids=lambda p: p["url"])
def test_look_alike_deletes_still_ask(payload: dict[str, Any]) -> None:
    assert decision("http", payload) in ("ask", "deny")


@pytest.mark.parametrize("url,expected", [
    ("https://api.acme.io/v1/leases/revoke-prefix", "ask"),
    ("https://api.acme.io/v1/jobs/delete-all", "ask"),
    ("https://api.acme.io/v1/data/drop-all", "ask"),
    ("https://api.acme.io/v1/users/1/revoke-sessions", "ask"),
    ("https://api.acme.io/v1/cdn/purge-cache", "allow"),
    ("https://api.acme.io/v1/users/1/reset-password", "allow"),
    ("https://api.acme.io/v1/search/remove-filter", "allow"),
])
def test_hyphenated_verb_segments(url: str, expected: str) -> None:
    """A POST whose last segment joins a destructive verb with its object by a hyphen reads as the verb,
    weighed by the object (a cache, a password, a filter are harmless)."""
    got = decision("http", http("POST", url))
    assert (got in ("ask", "deny")) if expected == "ask" else got == "allow"


# ---- 3. DDL inside a rolled-back transaction ----------------------------------------------------

def sql_rules(sql: str, dialect: str | None = None) -> list[str]:
    from blastwall.analyze.base import Scope
    from blastwall.analyze.sql import analyze_sql

    return [f.rule_id for f in analyze_sql(sql, Scope(read_files=False), dialect=dialect)]


@pytest.mark.parametrize("sql,dialect", [
    ("START TRANSACTION; DROP TABLE carts; ROLLBACK;", "mysql"),
    ("start  transaction;\nTRUNCATE carts;\nrollback;", "mariadb"),
    ("START TRANSACTION; DROP TABLE `carts`; ROLLBACK;", None),
    ("BEGIN; DROP TABLE `carts`; ROLLBACK;", None),  # backquoted names are MySQL's
    ("BEGIN; DROP TABLE carts; ROLLBACK;", "mysql"),
    ("BEGIN; DROP TABLE carts; ROLLBACK;", "mariadb"),
    ("BEGIN; TRUNCATE TABLE carts; ROLLBACK;", "mysql"),
    ("BEGIN; DROP TABLE carts; ROLLBACK;", "oracle"),
    ("BEGIN; DROP TABLE notes; ROLLBACK;", None),  # no dialect known: the drop counts unless proved undone
    ("START TRANSACTION; DROP TABLE carts; ROLLBACK;", None),
])
def test_ddl_before_a_rollback_is_kept_where_ddl_commits(sql: str, dialect: str | None) -> None:
    assert sql_rules(sql, dialect)


@pytest.mark.parametrize("sql,dialect", [
    ("BEGIN; DROP TABLE notes; ROLLBACK;", "sqlite"),
    ("START TRANSACTION; DROP TABLE carts; ROLLBACK;", "postgres"),
    ("BEGIN; DROP INDEX CONCURRENTLY idx; ROLLBACK;", None),  # a spelling only PostgreSQL takes
    ("BEGIN TRAN; DROP TABLE notes; ROLLBACK TRAN;", "tsql"),
    ("START TRANSACTION; DELETE FROM carts; ROLLBACK;", None),  # DML rolls back everywhere
    ("START TRANSACTION; DELETE FROM `carts`; ROLLBACK;", "mysql"),
    ("START TRANSACTION; SELECT 1; ROLLBACK;", None),
])
def test_rollback_still_undoes_where_it_can(sql: str, dialect: str | None) -> None:
    assert sql_rules(sql, dialect) == []


# ---- 4. New output files from SQL ---------------------------------------------------------------

@pytest.mark.parametrize("sql,dialect", [
    ("EXPORT DATABASE 'backup/2025-06-01' (FORMAT PARQUET);", "duckdb"),  # a folder named for its date
    ("EXPORT DATABASE 'exports/2025-06-01';", None),
    ("EXPORT DATABASE '/tmp/snapshot';", "duckdb"),
    ("COPY t TO 'data/processed/x_2025-06-01.parquet' (FORMAT parquet);", "duckdb"),
    ("COPY (SELECT 1) TO '/tmp/x.csv' (HEADER);", "duckdb"),
    ("COPY t FROM 'data/raw/x.csv';", "duckdb"),  # a load adds rows
    ("\\copy users(id,email) TO 'users_2025-06-01.csv' CSV HEADER", None),
])
def test_new_outputs_pass(sql: str, dialect: str | None) -> None:
    assert sql_rules(sql, dialect) == []


@pytest.mark.parametrize("sql,dialect", [
    ("EXPORT DATABASE 'backup/latest' (FORMAT PARQUET);", "duckdb"),  # an earlier export is replaced
    ("EXPORT DATABASE 'backup';", "duckdb"),
    ("EXPORT DATABASE '~/backups/2025-06-01';", "duckdb"),
    ("EXPORT DATABASE '../2025-06-01';", "duckdb"),
    ("EXPORT DATABASE '/var/backups/2025-06-01';", "duckdb"),
    # DuckDB writes COPY ... TO files itself: judged as PostgreSQL's COPY ... TO
    ("COPY t TO '/etc/passwd';", "duckdb"),
    ("COPY t TO 'app.db';", "duckdb"),
    ("COPY (SELECT 1) TO 'data/raw/x.parquet' (FORMAT parquet);", "duckdb"),
    ("COPY t TO getvariable('p');", "duckdb"),
    ("copy t to '/home/dev/.bashrc'", "duckdb"),
    ("\\copy users(id,email) TO 'users.csv' CSV HEADER", None),  # may be a kept file of that name
])
def test_overwriting_outputs_ask(sql: str, dialect: str | None) -> None:
    assert sql_rules(sql, dialect)


# ---- 5. Notebook cells an MCP tool runs ---------------------------------------------------------

def jupyter(tool: str, **args: Any) -> dict[str, Any]:
    return {"server": "jupyter", "tool": tool, "arguments": args}


CELLS_SAFE = [
    jupyter("insert_execute_code_cell", cell_index=-1,
            cell_source="df = pd.read_parquet('data/raw/events.parquet')\ndf.describe()"),
    jupyter("append_execute_code_cell", cell_source="import pandas as pd\ndf = pd.read_csv('data/x.csv')\ndf.head()"),
    jupyter("append_execute_code_cell", cell_source=["import numpy as np\n", "np.arange(3).sum()"]),
    jupyter("execute_code", code="%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])"),
    jupyter("execute_code", code="%timeit sum(range(10))\n%who"),
    jupyter("execute_ipython", code="%%bash\nls -la data"),
    jupyter("execute_ipython", code="!ls data/raw\nfiles = !ls data\nprint(files)"),
    jupyter("execute_ipython", code="%%html\n<b>done</b>"),
    jupyter("execute_ipython", code="x = 1 if a != b else 2\nprint(x)"),
]

CELLS_DESTRUCTIVE = [
    jupyter("insert_execute_code_cell", cell_index=-1, cell_source="!rm -rf data/raw"),
    jupyter("insert_execute_code_cell", cell_source="import os\nos.remove('data/raw/events.parquet')"),
    jupyter("append_execute_code_cell", cell_source="import shutil; shutil.rmtree('data')"),
    jupyter("append_execute_code_cell", cell_source="%%bash\nrm -rf ~/data"),
    jupyter("append_execute_code_cell", cell_source="%%sh\nrm -rf data"),
    jupyter("append_execute_code_cell", cell_source="%%script bash\nrm -rf data"),
    jupyter("append_execute_code_cell", cell_source="%%time\nimport os\nos.remove('data/raw/x.parquet')"),
    jupyter("append_execute_code_cell", cell_source="for f in files:\n    !rm -rf {f}\n"),
    jupyter("append_execute_code_cell", cell_source="files = !rm -rf data\nprint(files)"),
    jupyter("append_execute_code_cell", cell_source="!!rm -rf data"),
    jupyter("execute_code", code="%rm -rf data"),
    jupyter("execute_code", code="%sx rm -rf /home/dev/data"),
    jupyter("execute_code", code="%system rm -rf data"),
    jupyter("execute_code", code="%frobnicate data"),  # a magic blastwall does not know
    jupyter("execute_code", code="%%perl\nunlink 'data/x'"),
    jupyter("execute_ipython", code="%%sql\nDROP TABLE users"),
    jupyter("execute_ipython", code="subprocess.run('rm -rf data', shell=True)"),
    jupyter("execute_ipython", code="%run scripts/cleanup.py"),  # a script blastwall cannot read
    jupyter("execute_cell", cell_index=3),  # the notebook's own cell: its code is not in the call
    {"server": "notebook", "tool": "run_cell", "arguments": {"source": "!rm -rf data"}},
    {"server": "datalayer-jupyter", "tool": "execute_ipython", "arguments": {"code": "!rm -rf data"}},
]


@pytest.mark.parametrize("call", CELLS_SAFE, ids=lambda c: str(c["arguments"])[:60])
def test_cells_that_read_pass(call: dict[str, Any]) -> None:
    assert decision("mcp", call) == "allow"


@pytest.mark.parametrize("call", CELLS_DESTRUCTIVE, ids=lambda c: str(c["arguments"])[:60])
def test_cells_that_destroy_or_hide_ask(call: dict[str, Any]) -> None:
    assert decision("mcp", call) in ("ask", "deny")


def test_a_cell_is_ipython_not_shell() -> None:
    """A cell's `code` is Python: `import` is not ImageMagick's program and the cell is not a shell script."""
    from blastwall.analyze.mcp_cells import cell_commands

    assert cell_commands("import os\nprint(os.getcwd())") == ["python3 -c 'import os\nprint(os.getcwd())'"]
    assert cell_commands("%%script bash\nBLASTWALL_CELL_0\nrm -rf data")[0].count("BLASTWALL_CELL_1") == 2
