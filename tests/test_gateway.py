"""`blastwall gateway`: real HTTP through the gateway to local servers that speak Railway's and
GitHub's shapes. The agent holds only its gateway token; the real tokens live in the credential
store and reach only the upstream."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from blastwall.doors.gateway.auth import new_token, token_sha256
from blastwall.doors.gateway.serve import Background, GatewayError, prepare
from blastwall.testing.fake_github import FakeGitHub
from blastwall.testing.fake_railway import FakeRailway

ROOT = Path(__file__).resolve().parents[1]
RAILWAY_TOKEN = "rw_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
GITHUB_TOKEN = "ghp_RealGitHubToken0123456789abcdefABCDEF"
DELETE = 'mutation { volumeDelete(volumeId: "vol_7f3c") }'
READ = 'query Vols($projectId: String!) { project(id: $projectId) { volumes { edges { node { id name } } } } }'


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("BLASTWALL_CREDENTIAL_STORE", "file")
    for var in ("BLASTWALL_POLICY", "BLASTWALL_DATABASE_URL", "RAILWAY_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    yield
    os.environ.pop("RAILWAY_API_TOKEN", None)  # the gateway hands it to pre-flight in this process


class World:
    """Fake Railway and GitHub, the real tokens in the credential store, two agents."""

    def __init__(self, tmp: Path, railway: FakeRailway, github: FakeGitHub) -> None:
        from blastwall import credentials

        self.tmp, self.railway, self.github = tmp, railway, github
        credentials.put("railway", railway.token)
        credentials.put("github", github.token)
        self.claude, self.reader = new_token(), new_token()
        self.config = tmp / "gateway.toml"

    def write(self, gateway: str = "", extra: str = "") -> Path:
        rw_base = self.railway.endpoint.rsplit("/graphql", 1)[0]
        self.config.write_text(textwrap.dedent(f"""\
            [gateway]
            {gateway}
            [gateway.routes.railway]
            upstream = "{rw_base}"
            analyze_as = "https://backboard.railway.app"
            credential = "railway"
            probe_env = "RAILWAY_API_TOKEN"

            [gateway.routes.github]
            upstream = "{self.github.base}"
            analyze_as = "https://api.github.com"
            credential = "github"

            [gateway.agents.claude]
            token_sha256 = "{token_sha256(self.claude)}"
            routes = ["railway", "github"]

            [gateway.agents.reader]
            token_sha256 = "{token_sha256(self.reader)}"
            routes = ["railway", "github"]
            scope = {{ railway = "read-only", github = "read-only" }}

            [inventory.environments.production]
            aliases = ["prod"]
            [inventory.environments.staging]
            aliases = ["stg"]
            [inventory.providers.railway]
            endpoint = "{self.railway.endpoint}"
            projects = ["prj_1"]
            """) + textwrap.dedent(extra))
        return self.config


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with FakeRailway(token=RAILWAY_TOKEN, accept_mutations=True, unauthorized_status=401) as railway, \
            FakeGitHub(token=GITHUB_TOKEN) as github:
        railway.add_volume("prj_1", "vol_7f3c", name="pgdata", mounts=[
            ("env_stg", "staging", "svc_pg", "postgres"), ("env_prd", "production", "svc_pg", "postgres")])
        github.add_repo("acme", "api")
        yield World(tmp_path, railway, github)


@pytest.fixture
def gateway(world: World) -> Callable[..., Any]:
    """Start a gateway over `world` with extra [gateway] keys or policy tables."""
    running: list[Background] = []

    def start(gateway: str = "", extra: str = "") -> Background:
        bg = Background(prepare(str(world.write(gateway, extra)))).__enter__()
        running.append(bg)
        return bg

    yield start
    for bg in running:
        bg.__exit__(None, None, None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def gql(gw: Background, token: str, query: str, **headers: str) -> httpx.Response:
    body: dict[str, Any] = {"query": query}
    if "$projectId" in query:
        body["variables"] = {"projectId": "prj_1"}
    return httpx.post(f"{gw.url}/railway/graphql/v2", json=body, headers={**bearer(token), **headers}, timeout=30)


def everything_stored() -> str:
    """Every row of the store (audit log, requests, grants) as text."""
    import sqlite3

    from blastwall.locations import state_dir

    conn = sqlite3.connect(os.path.join(state_dir(), "blastwall.db"))
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return json.dumps({t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}, default=str)
    finally:
        conn.close()


# --- reads pass, with the real token upstream and never back to the agent ----------------------

def test_read_passes_and_upstream_sees_the_real_token(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    r = gql(gw, world.claude, READ)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["project"]["volumes"]["edges"][0]["node"]["id"] == "vol_7f3c"
    seen = [q for q in world.railway.requests if q.root_fields == ("project",) and "volumes" in json.dumps(q.body)]
    assert seen[-1].headers["authorization"] == f"Bearer {RAILWAY_TOKEN}"
    assert all(world.claude not in json.dumps(q.headers) for q in world.railway.requests)
    r = httpx.get(f"{gw.url}/github/repos/acme/api", headers={"X-Blastwall-Token": world.claude})
    assert r.status_code == 200 and r.json()["full_name"] == "acme/api"
    assert world.github.requests[-1].headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert "x-blastwall-token" not in world.github.requests[-1].headers


def test_the_agent_never_receives_the_real_token(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    r = httpx.get(f"{gw.url}/github/_echo", headers={**bearer(world.claude), "Accept-Encoding": "gzip"})
    assert r.status_code == 200
    text = r.text + json.dumps(dict(r.headers))
    assert GITHUB_TOKEN not in text and "*" * len(GITHUB_TOKEN) in r.json()["headers"]["authorization"]
    assert r.headers["x-echo-authorization"] == "Bearer " + "*" * len(GITHUB_TOKEN)
    assert int(r.headers["content-length"]) == len(r.content)  # masking keeps the length
    assert "set-cookie" not in r.headers  # a provider session is a credential too
    bad = httpx.get(f"{world.github.base.replace('127.0.0.1', 'localhost')}/user")  # sanity: the fake does echo
    assert bad.status_code == 401


@pytest.mark.parametrize("flags", ["gzip", "chunked", "gzip&chunked"])
def test_compressed_and_chunked_answers_are_scrubbed(world: World, gateway: Callable[..., Any], flags: str) -> None:
    gw = gateway()
    r = httpx.get(f"{gw.url}/github/_echo?{flags}", headers=bearer(world.claude))
    assert r.status_code == 200
    assert "content-encoding" not in r.headers  # decoded by the gateway, so it could be checked
    assert GITHUB_TOKEN not in r.text and r.json()["headers"]["authorization"] == "Bearer " + "*" * len(GITHUB_TOKEN)


def test_head_and_kept_alive_connections(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    with httpx.Client(headers=bearer(world.claude)) as c:
        r = c.head(f"{gw.url}/github/repos/acme/api")
        assert r.status_code == 200 and r.content == b""
        for _ in range(20):
            assert c.get(f"{gw.url}/github/repos/acme/api").status_code == 200
    assert len(world.github.requests) == 21


def test_scrubber_catches_a_token_split_across_chunks() -> None:
    from blastwall.doors.gateway.upstream import Scrubber

    secret = "tok_abcdefghijklmnop"
    data = f"xx{secret}yy{secret}".encode()
    for cut in range(len(data) + 1):
        s = Scrubber([secret])
        out = s.feed(data[:cut]) + s.feed(data[cut:]) + s.flush()
        assert out == data.replace(secret.encode(), b"*" * len(secret)), cut


# --- destructive calls: held, approved once, forwarded -----------------------------------------

def approve(request_id: str, name: str = "alice") -> None:
    from blastwall.approvals import decide, keys
    from blastwall.store import open_store

    try:
        public = keys.generate(name, None)
    except keys.KeyError_:
        public = None
    public, private = keys.load_private(name, None)
    store = open_store()
    try:
        decide.approve(store, request_id, private, public, approver=name)
    finally:
        store.close()


def test_volume_delete_is_held_then_the_identical_retry_is_forwarded(world: World,
                                                                      gateway: Callable[..., Any]) -> None:
    gw = gateway()
    r = gql(gw, world.claude, DELETE, **{"X-Request-Id": "one", "User-Agent": "agent/1.0"})
    assert r.status_code == 428, r.text
    body = r.json()
    assert body["error"] == "blastwall" and body["state"] == "pending" and body["request_id"].startswith("bw-")
    assert r.headers["x-blastwall-request"] == body["request_id"]
    assert "mounted by service postgres in staging and production" in " ".join(body["reasons"])  # pre-flight ran
    assert body["errors"][0]["message"].startswith("blastwall held this request")
    assert not [q for q in world.railway.requests if "mutation" in q.operations]
    approve(body["request_id"])
    # the same call again: other request id, date and client version, same action
    r = gql(gw, world.claude, DELETE, **{"X-Request-Id": "two", "User-Agent": "agent/1.1", "Date": "now"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"volumeDelete": True}}
    assert world.railway.deleted == ["vol_7f3c"]
    [sent] = [q for q in world.railway.requests if "mutation" in q.operations]
    assert sent.headers["authorization"] == f"Bearer {RAILWAY_TOKEN}"
    r = gql(gw, world.claude, DELETE)  # a grant lets exactly one call through
    assert r.status_code == 428 and r.json()["request_id"] != body["request_id"]


def test_wait_mode_holds_the_request_until_a_human_approves(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway(extra='[approvals]\nmode = "wait"\nwait = "20s"\n')
    from blastwall.store import open_store

    def approver() -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            store = open_store()
            try:
                pending = store.list_requests(status=["pending"])
            finally:
                store.close()
            if pending:
                approve(pending[0].id, "bob")
                return
            time.sleep(0.05)

    t = threading.Thread(target=approver)
    t.start()
    t0 = time.monotonic()
    r = gql(gw, world.claude, DELETE)
    t.join()
    assert r.status_code == 200, r.text
    assert world.railway.deleted == ["vol_7f3c"] and time.monotonic() - t0 < 15


def test_read_only_scope_denies_destructive_calls_outright(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    r = httpx.delete(f"{gw.url}/github/repos/acme/api", headers=bearer(world.reader))
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["state"] == "scope" and "request_id" not in body
    assert "read-only access to github" in body["reasons"][0] and "deletes the GitHub repository" in body["reasons"][0]
    r = gql(gw, world.reader, DELETE)
    assert r.status_code == 403 and r.json()["state"] == "scope"
    r = httpx.post(f"{gw.url}/github/repos/acme/api/issues", json={"title": "x"}, headers=bearer(world.reader))
    assert r.status_code == 403 and "it is not a read" in r.json()["reasons"][0]  # no finding, still a write
    assert gql(gw, world.reader, READ).status_code == 200
    assert httpx.get(f"{gw.url}/github/repos/acme/api", headers=bearer(world.reader)).status_code == 200
    assert [q.method for q in world.github.requests] == ["GET"]
    assert "acme/api" in world.github.repos and world.railway.deleted == []
    from blastwall.store import open_store

    store = open_store()
    try:
        assert store.list_requests() == []  # nothing for a human to approve: it is refused
        kinds = [row.kind for row in store.audit_rows()]
    finally:
        store.close()
    assert kinds.count("verdict") == 5  # every request is audited, forwarded or not


def test_full_scope_github_delete_is_held(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    r = httpx.delete(f"{gw.url}/github/repos/acme/api", headers=bearer(world.claude))
    assert r.status_code == 428 and "acme/api" in world.github.repos


# --- authentication, routes, limits, upstream failures -----------------------------------------

def test_gateway_tokens(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    url = f"{gw.url}/github/repos/acme/api"
    for headers in ({}, bearer("bwgw_guessed"), bearer(GITHUB_TOKEN), {"X-Blastwall-Token": world.claude[:-1]},
                    {"Authorization": f"Basic {world.claude}"}):
        r = httpx.get(url, headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["state"] == "unauthenticated" and "www-authenticate" in r.headers
    assert httpx.get(url, headers={"Authorization": f"token {world.claude}"}).status_code == 200  # gh's scheme
    assert world.github.requests and all(q.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
                                         for q in world.github.requests)
    r = httpx.get(f"{gw.url}/gitlab/api/v4/projects", headers=bearer(world.claude))
    assert r.status_code == 404 and "no gateway route 'gitlab'" in r.json()["message"]


def test_an_agent_only_reaches_its_routes(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway(extra=f"""
        [gateway.agents.ci]
        token_sha256 = "{token_sha256('bwgw_ci-token-0123456789')}"
        routes = ["github"]
        """)
    assert httpx.get(f"{gw.url}/github/repos/acme/api", headers=bearer("bwgw_ci-token-0123456789")).status_code == 200
    r = gql(gw, "bwgw_ci-token-0123456789", READ)
    assert r.status_code == 403 and r.json()["state"] == "route"


def test_large_upload_is_refused_without_reading_it_all(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway(gateway='max_body = "64KiB"')
    url = f"{gw.url}/github/repos/acme/api/contents/big.bin"
    r = httpx.put(url, content=b"x" * (256 * 1024), headers=bearer(world.claude))
    assert r.status_code == 413 and r.json()["state"] == "too-large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused once the cap is passed
        for _ in range(64):
            yield b"y" * 4096

    r = httpx.put(url, content=chunks(), headers=bearer(world.claude))
    assert r.status_code == 413
    r = httpx.put(url, content=b'{"message": "small", "content": "aGk="}', headers=bearer(world.claude))
    assert r.status_code in (200, 201, 428)
    assert all(q.body_bytes < 64 * 1024 for q in world.github.requests)


def test_oversize_ask_binds_the_approval_to_the_exact_bytes(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway(gateway='max_body = "64KiB"\noversize = "ask"\nmax_upload = "4MiB"')
    url = f"{gw.url}/github/repos/acme/api/contents/big.bin"
    payload = os.urandom(1024 * 1024)
    r = httpx.put(url, content=payload, headers=bearer(world.claude))
    assert r.status_code == 428, r.text
    assert "larger than blastwall analyzes" in " ".join(r.json()["reasons"])
    approve(r.json()["request_id"])
    other = httpx.put(url, content=payload[:-1] + b"!", headers=bearer(world.claude))
    assert other.status_code == 428  # other bytes: another action
    r = httpx.put(url, content=payload, headers=bearer(world.claude))
    assert r.status_code == 201, r.text
    assert world.github.requests[-1].body_bytes == len(payload)
    too_big = httpx.put(url, content=b"z" * (5 * 1024 * 1024), headers=bearer(world.claude))
    assert too_big.status_code == 413


def test_upstream_down_is_502(world: World, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    cfg = world.write()
    cfg.write_text(cfg.read_text().replace(world.github.base, f"http://127.0.0.1:{dead}"))
    with Background(prepare(str(cfg))) as gw:
        r = httpx.get(f"{gw.url}/github/repos/acme/api", headers=bearer(world.claude))
    assert r.status_code == 502 and "could not be reached" in r.json()["message"]
    assert GITHUB_TOKEN not in r.text


def test_secrets_are_absent_from_the_audit_log(world: World, gateway: Callable[..., Any]) -> None:
    gw = gateway()
    gql(gw, world.claude, READ)
    held = gql(gw, world.claude, DELETE)
    approve(held.json()["request_id"])
    gql(gw, world.claude, DELETE)
    httpx.get(f"{gw.url}/github/_echo", headers=bearer(world.claude))
    httpx.delete(f"{gw.url}/github/repos/acme/api", headers=bearer(world.reader))
    httpx.get(f"{gw.url}/github/user", headers=bearer("bwgw_wrong"))
    stored = everything_stored()
    assert "volumeDelete" in stored and "verdict" in stored
    for secret in (RAILWAY_TOKEN, GITHUB_TOKEN, world.claude, world.reader):
        assert secret not in stored


# --- configuration and start-up -----------------------------------------------------------------

def test_missing_credential_stops_start_up(world: World) -> None:
    from blastwall import credentials

    credentials.delete("github")
    with pytest.raises(GatewayError, match="needs credential 'github'"):
        prepare(str(world.write()))


@pytest.mark.parametrize("edit, message", [
    (('upstream = "http://127.0.0.1', 'upstream = "http://example.com'), "must use https"),
    (('credential = "github"', 'credential = "../x"'), "'credential' must name"),
    (('routes = ["railway", "github"]\n\n', 'routes = ["railway", "gitlab"]\n\n'), "unknown route"),
    (('[gateway]\n', '[gateway]\nlisten = "nowhere"\n'), "listen must be"),
    (('[gateway]\n', '[gateway]\nbogus = 1\n'), "unknown key"),
    (('scope = { railway = "read-only", github = "read-only" }', 'scope = { railway = "write" }'), "must be one of"),
])
def test_invalid_configuration_is_refused(world: World, edit: tuple[str, str], message: str) -> None:
    cfg = world.write()
    text = cfg.read_text()
    assert edit[0] in text
    cfg.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(GatewayError, match=message):
        prepare(str(cfg))


def test_token_add_appends_and_rotates(world: World) -> None:
    from blastwall.doors.gateway.config import load_config
    from blastwall.doors.gateway.tokens import TokenError, add_agent

    cfg = world.write()
    before = cfg.read_text()
    token = add_agent(str(cfg), "cursor", routes=["github"], read_only=["railway"])
    agents = load_config(str(cfg))[0].agents
    assert agents["cursor"].token_sha256 == token_sha256(token) and token not in cfg.read_text()
    assert agents["cursor"].routes == ("github", "railway") and agents["cursor"].scope("railway") == "read-only"
    assert cfg.read_text().startswith(before.rstrip("\n"))  # the rest of the file is untouched
    rotated = add_agent(str(cfg), "claude")
    assert load_config(str(cfg))[0].agents["claude"].token_sha256 == token_sha256(rotated)
    with pytest.raises(TokenError, match="unknown route"):
        add_agent(str(cfg), "other", routes=["gitlab"])


def test_cli_serve_check_and_token_add_need_a_human(world: World) -> None:
    import typer
    from typer.testing import CliRunner

    from blastwall.doors.gateway.cli import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    cfg = str(world.write())
    result = CliRunner().invoke(app, ["gateway", "--config", cfg, "--check"])
    assert result.exit_code == 0, result.output
    assert "2 route(s)" in result.output and RAILWAY_TOKEN not in result.output
    result = CliRunner().invoke(app, ["gateway", "token", "add", "x", "--config", cfg])
    assert result.exit_code == 2 and "interactive terminal" in result.output


def test_unix_socket(world: World, tmp_path: Path) -> None:
    sock = tmp_path / "run" / "gw.sock"
    with Background(prepare(str(world.write())), listen=f"unix:{sock}") as gw:
        assert gw.sock is not None
        assert (os.stat(sock).st_mode & 0o777) == 0o600
        transport = httpx.HTTPTransport(uds=str(sock))
        with httpx.Client(transport=transport, base_url="http://gateway") as c:
            r = c.get("/github/repos/acme/api", headers=bearer(world.claude))
    assert r.status_code == 200


# --- streaming: a big download goes through in bounded memory ----------------------------------

def _hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the gateway's peak RSS")
def test_large_download_streams_in_bounded_memory(world: World) -> None:
    cfg = world.write()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "blastwall.doors.gateway", "--config", str(cfg), "--quiet",
                             "--listen", f"127.0.0.1:{port}"], env=os.environ.copy(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/github/repos/acme/api"
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(url, headers=bearer(world.claude)).status_code == 200
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "no gateway") from None
                time.sleep(0.1)
        for _ in range(3):  # warm up: imports, pools, the first chunks
            httpx.get(f"{url}/tarball/main?size={4 * 1024 * 1024}", headers=bearer(world.claude))
        before = _hwm_kib(proc.pid)
        size, got = 50 * 1024 * 1024, 0
        with httpx.stream("GET", f"{url}/tarball/main?size={size}", headers=bearer(world.claude), timeout=60) as r:
            assert r.status_code == 200 and int(r.headers["content-length"]) == size
            for chunk in r.iter_raw():
                got += len(chunk)
        growth_mib = (_hwm_kib(proc.pid) - before) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert got == size
    assert growth_mib < 16, f"the gateway's peak RSS grew {growth_mib:.1f} MiB for a 50 MiB download"


# --- the incident, shaped: a token in an unrelated file -----------------------------------------

def test_incident_shape(world: World, gateway: Callable[..., Any], tmp_path: Path) -> None:
    """A Railway token sits in docs/old-notes.md. The agent cannot read it; a guessed token does
    not work against Railway; and the deletion through the gateway waits for a human."""
    ws = tmp_path / "app"
    (ws / "docs").mkdir(parents=True)
    leaked = "c8a0f6b2-3d41-4e59-9a7b-1f2e3d4c5b6a"
    (ws / "docs" / "old-notes.md").write_text(f"# deploy notes (2024)\n\nexport RAILWAY_TOKEN={leaked}\n")
    # 2. a direct call with the leaked or a guessed token: the provider refuses it
    for guess in (leaked, "guessed-token"):
        direct = httpx.post(world.railway.endpoint, json={"query": DELETE}, headers=bearer(guess))
        assert direct.status_code == 401
    assert world.railway.deleted == []
    # 3. the same deletion through the gateway, with the agent's gateway token: held for a human
    gw = gateway()
    r = gql(gw, world.claude, DELETE)
    assert r.status_code == 428 and r.json()["request_id"].startswith("bw-")
    assert world.railway.deleted == []
    assert not [q for q in world.railway.requests if q.headers.get("authorization") == f"Bearer {RAILWAY_TOKEN}"
                and "mutation" in q.operations]
    # 1. the agent cannot read the file (after `blastwall secrets scan` flagged it)
    _assert_secret_file_unreadable(ws, ws / "docs" / "old-notes.md")


def _assert_secret_file_unreadable(ws: Path, path: Path) -> None:
    try:
        import blastwall.secrets  # noqa: F401
    except ImportError:
        pytest.skip("needs `blastwall secrets scan` (src/blastwall/secrets/), which has not landed yet: the "
                    "Read-hook half of the incident test cannot run")
    from typer.testing import CliRunner

    from blastwall.cli.app import app
    from blastwall.doors.hooks import run_hook

    scan = CliRunner().invoke(app, ["secrets", "scan", str(ws)])
    if scan.exit_code == 2 and "No such command" in scan.output:
        pytest.skip("`blastwall secrets scan` is not registered in cli/app.py yet")
    payload = {"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": str(ws), "permission_mode": "default",
               "hook_event_name": "PreToolUse", "tool_name": "Read", "tool_input": {"file_path": str(path)},
               "tool_use_id": "toolu_01"}
    result = run_hook("claude-code", json.dumps(payload).encode())
    out = json.loads(result.stdout) if result.stdout.strip() else {}
    spec = out.get("hookSpecificOutput", {})
    decision = spec.get("permissionDecision") if result.exit_code == 0 else "deny"
    if decision == "allow":  # the redacted view: the Read is pointed at a masked copy (docs/secrets.md)
        view = Path(spec["updatedInput"]["file_path"])
        assert view != path and RAILWAY_TOKEN not in view.read_text(), (result, scan.output)
        assert "held by blastwall" in view.read_text()
    else:
        assert decision in ("deny", "ask"), (result, scan.output)
