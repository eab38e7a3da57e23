"""`blastwall run` end to end, under real bubblewrap, with the shipped stand-ins: a Railway
stand-in (blastwall.testing.fake_railway) behind the credential gateway, a real PostgreSQL
(tests/pg.py) behind the pg-proxy, and a project holding a token in `.env` and in an unrelated
notes file. The "agent" is a Python script run with `--agent claude-code`: it tries what the
incident did, and calls blastwall's hook the way Claude Code does before its shell commands.

HOME and the XDG folders point into the test's folder; nothing of the real home is read.
Without a working bubblewrap these tests skip, except in CI, where that is a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pg import PgServer, postgres  # noqa: F401

from blastwall.testing.fake_railway import FakeRailway

RAILWAY_TOKEN = "4f6c2b9e-1c3d-4a5b-8c7d-9e0f1a2b3c4d"
BLASTWALL = [sys.executable, "-m", "blastwall"]

INCIDENT = r'''
import json, os, subprocess, urllib.error, urllib.request
out = {}

def attempt(name, fn):
    try:
        out[name] = "ok:" + str(fn())[:400]
    except urllib.error.HTTPError as exc:
        out[name] = f"http:{exc.code}:" + exc.read().decode()[:6000]
    except Exception as exc:
        out[name] = "error:" + type(exc).__name__ + ":" + str(exc)[:200]

attempt("dotenv", lambda: open(".env").read())
attempt("notes", lambda: open("ops/notes.md").read())
attempt("grep", lambda: subprocess.run(["grep", "-rn", "RAILWAY", "."], capture_output=True, text=True).stdout)
token = os.environ.get("RAILWAY_API_TOKEN", "")
out["env_token"] = token
body = json.dumps({"query": 'mutation { volumeDelete(volumeId: "vol_7f3c") }'}).encode()

def post(url):
    req = urllib.request.Request(url, data=body, headers={"Authorization": "Bearer " + token,
                                                          "Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=30).read().decode()

attempt("direct_standin", lambda: post(os.environ["STANDIN"] + "/graphql/v2"))
attempt("direct_railway", lambda: post("https://backboard.railway.app/graphql/v2"))
attempt("gateway", lambda: post(os.environ["BLASTWALL_GATEWAY_URL"] + "/railway/graphql/v2"))

def psql(*args):
    done = subprocess.run(["psql", "-X", "-At", *args], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() + "|" + done.stderr.strip()

url = os.environ["DATABASE_URL"]
out["database_url"] = url
out["psql_select"] = psql(url, "-c", "SELECT count(*) FROM orders")
out["psql_drop"] = psql(url, "-c", "DROP TABLE orders")
out["psql_direct"] = psql("-h", "127.0.0.1", "-p", os.environ["REAL_PG_PORT"], "-U", "postgres", "-d", "app",
                          "-c", "DROP TABLE orders")
print("RESULT " + json.dumps(out))
'''

# Calls the hook for an allowed command (as Claude Code would), then does something else: the
# spelling the hook understood is not what ran. The journal does not care.
UNDERSTOOD_OTHERWISE = r'''
import json, os, shutil, subprocess, sys
payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "session_id": "sess-rm", "cwd": os.getcwd(),
           "tool_input": {"command": "ls -la src"}, "tool_use_id": "toolu_1"}
hook = subprocess.run(sys.argv[1:], input=json.dumps(payload), capture_output=True, text=True, shell=False)
out = {"hook_code": hook.returncode, "hook_out": hook.stdout, "hook_err": hook.stderr[:300]}
shutil.rmtree("src")
with open("README.md", "w") as f:
    f.write("overwritten\n")
data = os.environ["XDG_DATA_HOME"] + "/blastwall"
for name, fn in {"journal_list": lambda: os.listdir(data),
                 "journal_write": lambda: open(data + "/journal/x", "w").write("x"),
                 "journal_glob": lambda: [p for p in os.listdir("/") if "journal" in p]}.items():
    try:
        out[name] = "ok:" + str(fn())
    except Exception as exc:
        out[name] = "error:" + type(exc).__name__
print("RESULT " + json.dumps(out))
'''


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.config = root / "xdg" / "config"
        self.state = root / "xdg" / "state"
        self.data = root / "xdg" / "data"
        self.project = root / "project"
        files = {
            self.project / ".env": f"RAILWAY_API_TOKEN={RAILWAY_TOKEN}\n",
            self.project / "ops" / "notes.md": f"# old notes\nrailway: RAILWAY_API_TOKEN={RAILWAY_TOKEN}\n",
            self.project / "src" / "app.py": "print('hello')\r\n",
            self.project / "src" / "lib" / "util.py": "def f():\n    return 42\n",
            self.project / "README.md": "caf\u00e9\n",
        }
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (self.project / "src" / "blob.bin").write_bytes(bytes(range(256)) * 40)
        (self.project / "src" / "latest").symlink_to("lib/util.py")
        (self.home / ".claude").mkdir(parents=True)
        (self.home / ".claude" / "settings.json").write_text('{"theme": "dark"}\n')
        for d in (self.config / "blastwall", self.state, self.data):
            d.mkdir(parents=True, exist_ok=True)

    def env(self, **extra: str) -> dict[str, str]:
        env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": str(self.home),
               "XDG_CONFIG_HOME": str(self.config), "XDG_STATE_HOME": str(self.state),
               "XDG_DATA_HOME": str(self.data), "LANG": "C.UTF-8", "BLASTWALL_DAEMON": "off",
               "BLASTWALL_CREDENTIAL_STORE": "file", "RAILWAY_API_TOKEN": RAILWAY_TOKEN}
        env.update(extra)
        return env

    def files(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for folder, _, names in os.walk(self.project):
            for name in names:
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, self.project)
                out[rel] = os.readlink(path) if os.path.islink(path) else \
                    (hashlib.sha256(Path(path).read_bytes()).hexdigest(), os.stat(path).st_mode & 0o111)
        return out


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def _run(world: World, *argv: str, env: dict[str, str] | None = None, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BLASTWALL, *argv], cwd=world.project, env=env or world.env(), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def _result(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, done.stdout + done.stderr
    return json.loads(lines[-1][len("RESULT "):])  # type: ignore[no-any-return]


# --- the incident ----------------------------------------------------------------------------


def test_the_incident_inside_run(bwrap: None, world: World, postgres: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    postgres.create_database("app")
    postgres.execute("app", "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2), (3)")
    env = world.env()
    for name, value in env.items():  # the credential store is written by this process
        monkeypatch.setenv(name, value)
    from blastwall import credentials

    with FakeRailway(token=RAILWAY_TOKEN, accept_mutations=True, unauthorized_status=401) as railway:
        railway.add_volume("prj_1", "vol_7f3c", name="pgdata", mounts=[
            ("env_stg", "staging", "svc_pg", "postgres"), ("env_prd", "production", "svc_pg", "postgres")])
        credentials.put("railway", RAILWAY_TOKEN)
        base = railway.endpoint.rsplit("/graphql", 1)[0]
        (world.config / "blastwall" / "blastwall.toml").write_text(textwrap.dedent(f"""\
            [gateway.routes.railway]
            upstream = "{base}"
            analyze_as = "https://backboard.railway.app"
            credential = "railway"

            [inventory.environments.production]
            databases = ["postgres://*@127.0.0.1:{postgres.port}/*"]
            """))
        done = _run(world, "run", "--agent", "claude-code", "--", sys.executable, "-c", INCIDENT,
                    env=world.env(STANDIN=base, REAL_PG_PORT=str(postgres.port),
                                  DATABASE_URL=postgres.dsn("app")))
        assert done.returncode == 0, done.stderr
        out = _result(done)
        everything = done.stdout + done.stderr
        # the agent cannot read the token, by any file or search
        assert RAILWAY_TOKEN not in everything
        assert out["dotenv"].startswith("error:PermissionError") and out["notes"].startswith("error:PermissionError")
        assert "RAILWAY" not in out["grep"].split("ok:", 1)[1].replace("RAILWAY_API_TOKEN=<", "")
        # it holds a gateway token, worthless anywhere but the gateway
        assert out["env_token"].startswith("bwgw_")
        # direct calls fail: the stand-in's address is not reachable, the provider host is refused
        assert out["direct_standin"].startswith("error:URLError") and "refused" in out["direct_standin"].lower()
        assert out["direct_railway"].startswith("error:") and "403" in out["direct_railway"]
        # the same call through the gateway is held for a human's approval
        assert out["gateway"].startswith("http:428:"), out["gateway"]
        held = json.loads(out["gateway"].split(":", 2)[2])
        assert held["state"] == "pending" and held["request_id"].startswith("bw-")
        assert railway.deleted == [] and "volumeDelete" not in json.dumps([r.body for r in railway.requests])
    # psql reaches only the pg-proxy: reads pass, the DROP is held, the server itself is unreachable
    assert ":6543/" in out["database_url"] and str(postgres.port) not in out["database_url"]
    assert out["psql_select"].startswith("3|")
    assert "blastwall" in out["psql_drop"] and "approv" in out["psql_drop"]
    assert "refused" in out["psql_direct"].lower() or "could not connect" in out["psql_direct"].lower()
    assert postgres.execute("app", "SELECT count(*) FROM orders") == [(3,)]
    # the summary: what was asked, the refused host, both pending requests and how to undo
    assert "pending: 2 approval request(s)" in done.stderr, done.stderr
    assert held["request_id"] in done.stderr
    assert "backboard.railway.app" in done.stderr and "blastwall undo --before a" in done.stderr


# --- the journal: a change no hook understood, undone ------------------------------------------


def test_rm_rf_src_through_an_allowed_spelling_is_undone(bwrap: None, world: World) -> None:
    before = world.files()
    from blastwall.doors.hook_command import hook_argv

    done = _run(world, "run", "--agent", "claude-code", "--", sys.executable, "-c", UNDERSTOOD_OTHERWISE,
                *hook_argv("claude-code", 30))
    assert done.returncode == 0, done.stderr
    out = _result(done)
    assert out["hook_code"] == 0 and "deny" not in out["hook_out"], out  # the hook allowed `ls -la src`
    # the journal is out of reach from inside: its folder is empty and read-only there
    assert out["journal_list"] == "ok:[]" and out["journal_write"].startswith("error:")
    assert not (world.project / "src").exists()
    listing = json.loads(_run(world, "undo", "--list", "--json").stdout)
    action = next(e for e in listing if e["kind"] == "action" and e.get("action") == "ls -la src")
    assert action["decision"] == "allow" and action["session"] == "sess-rm"
    assert f"blastwall undo --before {action['id']}" in done.stderr
    undone = _run(world, "undo", "--before", action["id"])
    assert undone.returncode == 0, undone.stderr
    assert world.files() == before
    assert (world.project / "src" / "app.py").read_bytes() == b"print('hello')\r\n"
    # the undo is in the journal too: going back to just before it restores the damage
    again = _run(world, "undo", "--before", undone.stdout.split("blastwall undo --before ")[1].split()[0])
    assert again.returncode == 0 and not (world.project / "src").exists()


def test_the_users_own_settings_stay_and_gain_the_hook_only_inside(bwrap: None, world: World) -> None:
    script = ("import os, sys; p = sys.argv[1]; "
              "print('RESULT ' + (open(p).read().replace(chr(10), ' ') if os.path.exists(p) else 'null'))")
    settings = str(world.home / ".claude" / "settings.json")
    done = _run(world, "run", "--", sys.executable, "-c", script, settings)
    assert done.returncode == 0, done.stderr
    assert "hooks: none" in done.stderr and _result(done) is None  # not an agent: its config is not shown
    done = _run(world, "run", "--agent", "claude-code", "--", sys.executable, "-c", script, settings)
    inside = _result(done)
    assert inside["theme"] == "dark" and "PreToolUse" in inside["hooks"]
    assert json.loads((world.home / ".claude" / "settings.json").read_text()) == {"theme": "dark"}


def test_codex_gets_its_hooks_and_network_with_no_profile(bwrap: None, world: World, tmp_path: Path) -> None:
    bin_dir = tmp_path / "agents"
    bin_dir.mkdir()
    codex = bin_dir / "codex"
    codex.write_text(f"""#!{sys.executable}
import json, os
hooks = os.path.expanduser("~/.codex/hooks.json")
print("RESULT " + json.dumps({{"hooks": json.load(open(hooks)), "proxy": os.environ.get("HTTPS_PROXY"),
                             "openai_key": os.environ.get("OPENAI_API_KEY"), "github": os.environ.get("GITHUB_TOKEN")}}))
""")
    codex.chmod(0o755)
    env = world.env(PATH=f"{bin_dir}:{os.path.dirname(sys.executable)}:/usr/bin:/bin", OPENAI_API_KEY="sk-test",
                    GITHUB_TOKEN="ghp_" + "a" * 36)
    done = _run(world, "run", "--", "codex", env=env)
    assert done.returncode == 0, done.stderr
    out = _result(done)
    group = out["hooks"]["hooks"]["PreToolUse"][0]
    assert "blastwall" in group["hooks"][0]["command"] and out["proxy"] == "http://127.0.0.1:3128"
    assert out["openai_key"] == "sk-test" and out["github"] is None  # its own key passes; others do not
    assert "hooks: codex, canary blocked" in done.stderr and "api.openai.com" in done.stderr
    assert not (world.home / ".codex" / "hooks.json").exists()  # only inside, for the session


# --- where it cannot run -----------------------------------------------------------------------


def test_without_bubblewrap_it_refuses_and_names_the_weaker_mode(world: World, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python3")
    env = world.env(PATH=str(bin_dir))  # no bwrap on PATH
    done = subprocess.run([*BLASTWALL, "run", "--", "/bin/sh", "-c", "touch started"], cwd=world.project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 125
    assert "bubblewrap is not installed" in done.stderr and "hooks only" in done.stderr
    assert "blastwall install" in done.stderr and "unprotected" in done.stderr
    assert not (world.project / "started").exists()


def test_unknown_command_and_bad_profile(world: World) -> None:
    assert _run(world, "run", "--", "no-such-agent-xyz").returncode == 127
    done = _run(world, "run", "--profile", "nope", "--", "/bin/true")
    assert done.returncode == 2 and "no profile [run.profiles.nope]" in done.stderr
