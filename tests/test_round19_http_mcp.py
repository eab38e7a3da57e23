"""Provider API operations and MCP tools: each class is a table of everyday calls that pass and the
look-alikes an agent that wants the destructive action would try next, which are still asked."""

from __future__ import annotations

import pytest

from verdicts import decide


def _mcp(server: str, tool: str, **arguments: object) -> dict[str, object]:
    return {"server": server, "tool": tool, "arguments": arguments}


def _http(method: str, url: str, body: object = None, **headers: str) -> dict[str, object]:
    out: dict[str, object] = {"method": method, "url": url, "headers": headers or {"Content-Type": "application/json"}}
    if body is not None:
        out["body"] = body
    return out


# ---- MCP: browser clicks and dialogs (rules/mcp.toml mcp.browser:*) ------------------------------

MCP_SAFE = [
    _mcp("puppeteer", "puppeteer_click", selector="button[data-test='export-csv']"),
    _mcp("puppeteer", "puppeteer_click", selector="#sign-in"),
    _mcp("puppeteer", "puppeteer_click", selector="a.undelete-link"),  # a word inside another word
    _mcp("playwright", "browser_click", element="Save changes button", ref="e12"),
    _mcp("playwright", "browser_handle_dialog", accept=True),  # a plain confirm()/alert: its text is unseen
    _mcp("playwright", "browser_handle_dialog", accept=False, promptText="acme-prod"),  # dismissed
    _mcp("gdrive", "drive_list_files", query="name contains 'report'"),
    _mcp("gdrive", "gsheets_read", spreadsheetId="1Bx", ranges=["Customers!A1:C10"]),
    _mcp("gdrive", "gsheets_update_cell", fileId="1Bx", range="Sheet1!A1", value="42"),
    _mcp("docker", "list_containers"),
    _mcp("docker", "create_container", image="postgres:16", name="pg-test"),
    _mcp("notion", "API-update-a-database", database_id="668d", properties={"Status": {"select": {}}}),
    _mcp("notion", "API-update-a-database", database_id="668d", title=[{"text": {"content": "CRM"}}]),
    _mcp("notion", "API-retrieve-a-database", database_id="668d"),
]
MCP_ASKED = [
    _mcp("puppeteer", "puppeteer_click", selector="button[data-test='delete-project-confirm']"),
    _mcp("puppeteer", "puppeteer_click", selector="#btn-remove-member"),
    _mcp("puppeteer", "puppeteer_click", selector=".destroy"),
    _mcp("playwright", "browser_click", element="button.reset-database", ref="e7"),
    _mcp("playwright", "browser_handle_dialog", accept=True, promptText="acme-prod"),
    _mcp("playwright", "browser_handle_dialog", accept="true", promptText="DELETE"),
    _mcp("puppeteer", "handle_dialog", accept=True, text="my-repo"),
    _mcp("gdrive", "drive_empty_trash"),
    _mcp("gmail", "gmail_empty_trash"),
    _mcp("files", "emptyTrash"),
    _mcp("gdrive", "gsheets_clear_values", spreadsheetId="1Bx", range="Customers!A:Z"),
    _mcp("sheets", "clear_sheet", spreadsheetId="1Bx", sheet="Customers"),
    _mcp("docker", "recreate_container", container_id="postgres", image="postgres:16", volumes={}),
    _mcp("docker", "container_recreate", container="db"),
    _mcp("notion", "API-update-a-database", database_id="668d797c", properties={"Customer email": None}),
    _mcp("notion", "update_database", database_id="668d", properties={"A": {"name": "B"}, "Old": None}),
]


@pytest.mark.parametrize("action", MCP_SAFE)
def test_mcp_everyday_calls_pass(action: dict[str, object]) -> None:
    assert decide(action, "mcp") == "allow", action


@pytest.mark.parametrize("action", MCP_ASKED)
def test_mcp_destructive_calls_are_asked(action: dict[str, object]) -> None:
    assert decide(action, "mcp") != "allow", action


# ---- HTTP: Notion database schema (rules/http_notion.toml) ----------------------------------------

NOTION = "https://api.notion.com/v1/databases/668d797c-76fa-4934-9b05-ad288df2d136"
HTTP_SAFE = [
    _http("PATCH", NOTION, {"properties": {"Status": {"name": "State"}}}),
    _http("PATCH", NOTION, {"title": [{"text": {"content": "CRM"}}]}),
    _http("GET", NOTION),
    _http("POST", NOTION + "/query", {"filter": {"property": "Status", "select": {"equals": "Open"}}}),
]
HTTP_ASKED = [
    _http("PATCH", NOTION, {"properties": {"Customer email": None, "Contract value": None}}),
    _http("PATCH", NOTION, {"properties": {"Status": {"name": "State"}, "Old": None}}),
    _http("PATCH", "https://api.notion.com/v1/data_sources/668d", {"properties": {"Email": None}}),
]


@pytest.mark.parametrize("action", HTTP_SAFE)
def test_http_everyday_requests_pass(action: dict[str, object]) -> None:
    assert decide(action, "http") == "allow", action


@pytest.mark.parametrize("action", HTTP_ASKED)
def test_http_destructive_requests_are_asked(action: dict[str, object]) -> None:
    assert decide(action, "http") != "allow", action


# ---- HTTP: Elasticsearch _update_by_query, PostgREST behind any host --------------------------------

ES = "http://localhost:9200/products/_update_by_query"
PGREST = "https://api.example.internal/rest/v1/accounts"
DATA_SAFE = [
    _http("POST", ES),  # no script: re-indexes in place
    _http("POST", ES, {"query": {"term": {"sku": "A-1"}}, "script": {"source": "ctx._source.price = 0"}}),
    _http("POST", "http://localhost:9200/products/_search", {"query": {"match_all": {}}}),
    _http("PATCH", PGREST + "?id=eq.42", {"balance": 0}),
    _http("DELETE", PGREST + "?id=in.(1,2,3)"),
    _http("GET", PGREST + "?select=*"),
]
DATA_ASKED = [
    _http("POST", ES, {"script": {"source": "ctx._source.price = 0"}}),
    _http("POST", ES, {"query": {"match_all": {}}, "script": {"source": "ctx._source.remove('email')"}}),
    _http("POST", ES, {"query": {"term": {"sku": "A-1"}}, "script": {"source": "ctx.op = 'delete'"}}),
    _http("POST", "http://search.internal:9200/logs-*/_update_by_query", {"script": "ctx._source.msg = ''"}),
    _http("PATCH", PGREST + "?id=not.is.null", {"balance": 0}),
    _http("PATCH", PGREST + "?id=gte.0", {"balance": 0}),
    _http("PATCH", PGREST, {"balance": 0}),
    _http("DELETE", PGREST + "?id=neq.0"),
    _http("DELETE", PGREST + "?or=(id.eq.1,id.not.is.null)"),
]


@pytest.mark.parametrize("action", DATA_SAFE)
def test_data_api_everyday_requests_pass(action: dict[str, object]) -> None:
    assert decide(action, "http") == "allow", action


@pytest.mark.parametrize("action", DATA_ASKED)
def test_data_api_unbounded_writes_are_asked(action: dict[str, object]) -> None:
    assert decide(action, "http") != "allow", action


SHELL_ASKED = [
    'curl -s -X PATCH "$SUPABASE_URL/rest/v1/accounts?id=not.is.null" -H "apikey: $K" -d \'{"balance":0}\'',
    'curl -s -X DELETE "$API/rest/v1/accounts" -H "apikey: $K"',
]
SHELL_SAFE = [
    'curl -s -X PATCH "$SUPABASE_URL/rest/v1/accounts?id=eq.7" -H "apikey: $K" -d \'{"balance":0}\'',
    'curl -s "$SUPABASE_URL/rest/v1/accounts?select=id,balance" -H "apikey: $K"',
]


@pytest.mark.parametrize("command", SHELL_SAFE)
def test_shell_postgrest_bounded_passes(command: str) -> None:
    assert decide(command) == "allow", command


@pytest.mark.parametrize("command", SHELL_ASKED)
def test_shell_postgrest_unbounded_is_asked(command: str) -> None:
    assert decide(command) != "allow", command


# ---- HTTP: credentials rotated, collections named by a verb-led noun (rules/http_generic.toml) ------

CRED_SAFE = [
    _http("POST", "https://api.digitalocean.com/v2/droplets", {"name": "ci-7", "region": "nyc3", "size": "s-1vcpu-1gb"}),
    _http("GET", "https://acme.us.auth0.com/api/v2/clients/Aai"),
    _http("POST", "https://api.example.com/v1/stopwatches", {"name": "x"}),
]
CRED_ASKED = [
    _http("POST", "https://acme.us.auth0.com/api/v2/clients/AaiyAPdpYdesoKnqjj8HJqRn4T5titww/rotate-secret"),
    _http("POST", "https://management.azure.com/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/"
          "storageAccounts/st/regenerateKey?api-version=2023-01-01", {"keyName": "key1"}),
    _http("POST", "https://api.example.com/v1/api_keys/k_1/roll"),
    _http("POST", "https://api.example.com/v1/tokens/t_1/rotate"),
    _http("POST", "https://api.digitalocean.com/v2/droplets/123/actions", {"type": "rebuild", "image": "ubuntu"}),
]


@pytest.mark.parametrize("action", CRED_SAFE)
def test_credential_and_collection_everyday_requests_pass(action: dict[str, object]) -> None:
    assert decide(action, "http") == "allow", action


@pytest.mark.parametrize("action", CRED_ASKED)
def test_credential_rotations_are_asked(action: dict[str, object]) -> None:
    assert decide(action, "http") != "allow", action
