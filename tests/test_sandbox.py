"""`blastwall sandbox` under real bubblewrap, and the plan it builds.

The stand-in agent is a Python script named `claude` (so the sandbox treats it as Claude
Code) that tries to read, write and connect to everything it should not, and prints what
happened as JSON. It runs twice with the same environment: outside the sandbox, where every
attempt works, and inside, where each one must fail. HOME, XDG_CONFIG_HOME and XDG_STATE_HOME
point into the test's own folder, so the real home is never read.

Without a working bubblewrap these tests skip with the reason, except in CI (`CI` set), where
that is a failure: CI installs bubblewrap (`.ci/run`).
"""

from __future__ import annotations

import http.server
import json
import os
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_stub import serving

from blastwall.doors.sandbox.cli import format_plan
from blastwall.doors.sandbox.environ import scrub
from blastwall.doors.sandbox.knowledge import knowledge
from blastwall.doors.sandbox.masks import scanner_list
from blastwall.doors.sandbox.plan import GATEWAY_SOCKET, Request, SandboxError, build
from blastwall.doors.sandbox.probe import probe

AGENT = r'''#!{python}
import json, os, sys, urllib.request
home, cfg, proj = os.environ["HOME"], os.environ["XDG_CONFIG_HOME"], os.getcwd()
out = {}

def attempt(name, fn):
    try:
        out[name] = "ok:" + str(fn())
    except Exception as exc:
        out[name] = "error:" + type(exc).__name__

def read(path):
    with open(path) as f:
        return f.read().strip()

def write(path):
    with open(path, "a") as f:
        f.write("# changed\n")
    return "written"

attempt("aws", lambda: read(home + "/.aws/credentials"))
attempt("ssh", lambda: read(home + "/.ssh/id_ed25519"))
attempt("dotenv", lambda: read(proj + "/.env"))
attempt("pem", lambda: read(proj + "/certs/server.pem"))
attempt("scanned", lambda: read(proj + "/config/prod.yml"))
attempt("example", lambda: read(proj + "/.env.example"))
attempt("source", lambda: read(proj + "/app.py"))
attempt("signing_key", lambda: read(cfg + "/blastwall/keys/x.key"))
attempt("credential_key", lambda: read(cfg + "/blastwall/credentials.key"))
attempt("public_key", lambda: read(cfg + "/blastwall/keys/x.pub"))
attempt("key_files", lambda: sorted(os.listdir(cfg + "/blastwall/keys")))
attempt("policy_read", lambda: read(cfg + "/blastwall/blastwall.toml"))
attempt("policy_write", lambda: write(cfg + "/blastwall/blastwall.toml"))
attempt("policy_plant", lambda: write(cfg + "/blastwall/planted.toml"))
attempt("hooks_write", lambda: write(home + "/.claude/settings.json"))
attempt("agent_config", lambda: write(home + "/.claude/notes.txt"))
attempt("project_write", lambda: write(proj + "/out.txt"))
attempt("prod", lambda: urllib.request.urlopen(os.environ["PROD_URL"], timeout=3).read().decode())
if os.environ.get("BLASTWALL_GATEWAY_URL"):
    attempt("gateway", lambda: urllib.request.urlopen(os.environ["BLASTWALL_GATEWAY_URL"] + "/railway/x",
                                                      timeout=3).read().decode())
for name in ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DATABASE_URL", "ANTHROPIC_API_KEY", "RAILWAY_API_TOKEN",
             "LANG"):
    out["env:" + name] = name in os.environ
print(json.dumps(out))
'''

SECRET = "s3cr3t-value"


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.config = root / "xdg" / "config"
        self.state = root / "xdg" / "state"
        self.project = root / "project"
        self.bin = root / "bin"
        files = {
            self.home / ".aws" / "credentials": f"aws_secret_access_key = {SECRET}",
            self.home / ".ssh" / "id_ed25519": SECRET,
            self.home / ".claude" / "settings.json": "{}",
            self.project / ".env": f"API_KEY={SECRET}",
            self.project / ".env.example": "API_KEY=",
            self.project / "certs" / "server.pem": SECRET,
            self.project / "config" / "prod.yml": f"password: {SECRET}",
            self.project / "app.py": "print('hi')",
            self.config / "blastwall" / "keys" / "x.key": SECRET,
            self.config / "blastwall" / "keys" / "x.pub": "{}",
            self.config / "blastwall" / "credentials.key": SECRET,
            self.config / "blastwall" / "blastwall.toml": "# user policy\n",
        }
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n")
        (self.state / "blastwall").mkdir(parents=True)
        (self.state / "blastwall" / "secrets.json").write_text(json.dumps(
            {"version": 1, "files": {str(self.project / "config" / "prod.yml"): {"formats": ["password"]}}}))
        self.bin.mkdir()
        agent = self.bin / "claude"
        agent.write_text(AGENT.replace("{python}", sys.executable))
        agent.chmod(0o755)

    def env(self, **extra: str) -> dict[str, str]:
        env = {"PATH": f"{self.bin}:{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": str(self.home),
               "XDG_CONFIG_HOME": str(self.config), "XDG_STATE_HOME": str(self.state), "LANG": "C.UTF-8",
               "GITHUB_TOKEN": "ghp_" + "a" * 36, "AWS_SECRET_ACCESS_KEY": SECRET,
               "DATABASE_URL": f"postgresql://app:{SECRET}@db.internal/app", "ANTHROPIC_API_KEY": "sk-ant-test",
               "RAILWAY_API_TOKEN": "bwgw_" + "b" * 43}
        env.update(extra)
        return env


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.fixture()
def prod() -> Iterator[str]:
    """A local stand-in for a production service on 127.0.0.1."""
    with serving(lambda _request: b"production") as port:
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture()
def gateway(tmp_path: Path) -> Iterator[str]:
    """A stand-in for blastwall's gateway listening on a unix socket."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = f"gateway {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def address_string(self) -> str:
            return "unix"

        def log_message(self, *args: Any) -> None:
            pass

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    path = str(tmp_path / "gw.sock")
    server = Server(path, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield path
    server.shutdown()
    server.server_close()


def _sandbox(world: World, *options: str, command: tuple[str, ...] = ("claude",),
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "blastwall.doors.sandbox", "-q", *options, "--", *command]
    return subprocess.run(argv, cwd=world.project, env=env or world.env(), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def _report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- the agent inside and outside --------------------------------------------------------------


def test_outside_the_sandbox_everything_is_reachable(world: World, prod: str) -> None:
    done = subprocess.run([str(world.bin / "claude")], cwd=world.project, env=world.env(PROD_URL=prod),
                          capture_output=True, text=True, timeout=60)
    out = _report(done)
    for name in ("aws", "ssh", "dotenv", "pem", "scanned", "signing_key", "credential_key"):
        assert out[name] == f"ok:{SECRET}" or SECRET in out[name], name
    assert out["policy_write"] == out["policy_plant"] == out["hooks_write"] == "ok:written"
    assert out["prod"] == "ok:production"
    assert out["env:GITHUB_TOKEN"] and out["env:AWS_SECRET_ACCESS_KEY"] and out["env:DATABASE_URL"]


@pytest.mark.parametrize("net", ["none", "gateway"])
def test_inside_the_sandbox_secrets_keys_and_production_are_out_of_reach(bwrap: None, world: World, prod: str,
                                                                       gateway: str, net: str) -> None:
    options = ["--net", net] + (["--gateway-socket", gateway] if net == "gateway" else [])
    out = _report(_sandbox(world, *options, env=world.env(PROD_URL=prod)))
    assert SECRET not in json.dumps(out)
    for name in ("aws", "ssh", "dotenv", "pem", "scanned", "signing_key", "credential_key"):
        assert out[name].startswith("error:"), (name, out[name])
    assert out["policy_read"] == "ok:# user policy"  # the hooks inside read the policy...
    assert out["public_key"] == "ok:{}"
    assert out["key_files"] == "ok:['x.pub']"
    for name in ("policy_write", "policy_plant", "hooks_write"):  # ...and nothing inside can change it
        assert out[name] == "error:OSError", (name, out[name])
    assert out["project_write"] == "ok:written" and out["agent_config"] == "ok:written"
    assert out["source"] == "ok:print('hi')" and out["example"] == "ok:API_KEY="
    assert out["prod"].startswith("error:")
    assert not out["env:GITHUB_TOKEN"] and not out["env:AWS_SECRET_ACCESS_KEY"] and not out["env:DATABASE_URL"]
    assert out["env:ANTHROPIC_API_KEY"] and out["env:RAILWAY_API_TOKEN"] and out["env:LANG"]
    if net == "gateway":
        assert out["gateway"] == "ok:gateway /railway/x"
    assert (world.project / "out.txt").read_text() == "# changed\n"
    assert (world.config / "blastwall" / "blastwall.toml").read_text() == "# user policy\n\n"
    assert not (world.config / "blastwall" / "planted.toml").exists()


def test_host_network_reaches_the_local_server(bwrap: None, world: World, prod: str) -> None:
    out = _report(_sandbox(world, "--net", "host", env=world.env(PROD_URL=prod)))
    assert out["prod"] == "ok:production"  # the server is real: --net none/gateway are what stop it
    assert out["dotenv"].startswith("error:")


def test_symlinks_are_masked_where_they_point(bwrap: None, world: World) -> None:
    shared = world.root / "shared"
    shared.mkdir()
    (shared / ".env").write_text(SECRET)
    (world.project / "app").mkdir()
    (world.project / "app" / ".env").symlink_to(shared / ".env")  # points outside: nothing to mask, nothing shown
    (world.project / "vault").mkdir()
    (world.project / "vault" / "notes.txt").write_text(SECRET)
    (world.project / "local.env").symlink_to("vault/notes.txt")  # points inside: the target is masked
    dotfiles = world.home / "dotfiles" / "config"
    (dotfiles / "gh").mkdir(parents=True)
    (dotfiles / "gh" / "hosts.yml").write_text(SECRET)
    (dotfiles / "tool").mkdir()
    (dotfiles / "tool" / "settings.ini").write_text("ok")
    (world.home / ".config").symlink_to(dotfiles)  # ~/.config is a symlink, as with a dotfiles repo
    script = ("for f in app/.env local.env vault/notes.txt ~/.config/gh/hosts.yml ~/.config/tool/settings.ini; do "
              "printf '%s=' $f; cat $f 2>/dev/null || echo unreadable; echo; done")
    done = _sandbox(world, "--allow-home", "~/.config", command=("sh", "-c", script))
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout
    assert "~/.config/tool/settings.ini=ok" in done.stdout.replace(str(world.home), "~")
    assert done.stdout.count("unreadable") == 4, done.stdout


def test_keep_env_passes_a_named_variable(bwrap: None, world: World) -> None:
    done = _sandbox(world, "--keep-env", "GITHUB_TOKEN", command=("sh", "-c", 'echo "${GITHUB_TOKEN:-unset}"'))
    assert done.stdout.strip() == "ghp_" + "a" * 36


def test_the_agent_cannot_undo_a_mask(bwrap: None, world: World) -> None:
    script = "umount .env 2>/dev/null; mount -o remount,rw / 2>/dev/null; cat .env 2>/dev/null || echo masked"
    done = _sandbox(world, command=("sh", "-c", script))
    assert done.stdout.strip() == "masked", done.stdout + done.stderr


@pytest.mark.parametrize(("agent", "command", "decision", "reason"), [
    ("claude-code", "rm -rf /", "deny", "root filesystem"),
    ("claude-code", "git push --force origin main", "ask", "approval store is unavailable"),
    ("codex", "git push --force origin main", "deny", "approval store is unavailable"),  # cannot file a request
])
def test_blastwall_hooks_still_work_inside(bwrap: None, world: World, agent: str, command: str, decision: str,
                                           reason: str) -> None:
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "session_id": "s1",
                          "cwd": str(world.project), "tool_input": {"command": command}})
    (world.project / "payload.json").write_text(payload)
    exe = os.path.join(os.path.dirname(sys.executable), "blastwall")
    done = _sandbox(world, command=("sh", "-c", f"{exe} hook {agent} < payload.json"))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == decision and reason in answer["permissionDecisionReason"]


def test_unknown_command_and_bad_requests(bwrap: None, world: World) -> None:
    assert _sandbox(world, command=("no-such-agent-xyz",)).returncode == 127
    done = _sandbox(world, "--net", "gateway", command=("true",))
    assert done.returncode == 2 and "--gateway-socket" in done.stderr


# --- the plan (no bubblewrap needed) ------------------------------------------------------------


def _plan(world: World, **changes: Any) -> Any:
    req = Request(command=("claude",), project=str(world.project), cwd=str(world.project), env=world.env())
    return build(req.__class__(**{**req.__dict__, **changes}))


def test_print_shows_masks_and_removed_names_but_no_values(world: World) -> None:
    text = format_plan(_plan(world))
    assert f"--ro-bind /dev/null {world.project}/.env" in text
    assert f"--ro-bind /dev/null {world.project}/config/prod.yml" in text
    assert f"--bind {world.project} {world.project}" in text
    assert f"--tmpfs {world.home}" in text
    assert "GITHUB_TOKEN" in text and "ghp_" not in text and SECRET not in text
    assert ".env.example" not in text.replace("/.env.example", "")


def test_credentials_inside_an_allowed_folder_are_masked_unless_named(world: World) -> None:
    (world.home / ".config" / "gh").mkdir(parents=True)
    (world.home / ".config" / "gh" / "hosts.yml").write_text("token: x\n")
    (world.home / ".config" / "app").mkdir()
    plan = _plan(world, allow_home=("~/.config",))
    assert str(world.home / ".config" / "gh") in plan.masked
    plan = _plan(world, allow_home=(".aws:ro",))
    assert str(world.home / ".aws") in plan.bound_home and str(world.home / ".aws") not in plan.masked


def test_refuses_to_show_the_whole_home(world: World) -> None:
    with pytest.raises(SandboxError, match="whole home"):
        _plan(world, allow_home=("~",))
    with pytest.raises(SandboxError, match="holds your home"):
        _plan(world, project=str(world.root))


def test_runtime_in_the_home_folder_is_bound_read_only(world: World) -> None:
    prefix = world.home / ".pyenv" / "versions" / "3.11"
    prefix.mkdir(parents=True)
    req = Request(command=("claude",), project=str(world.project), cwd=str(world.project), env=world.env())
    argv = build(req, runtime=[str(prefix)]).argv
    i = argv.index(str(prefix))
    assert argv[i - 1] == "--ro-bind" and argv.index(f"{world.home}") < i


def test_gateway_socket_is_bound_at_a_fixed_path(world: World, gateway: str) -> None:
    plan = _plan(world, net="gateway", gateway_socket=gateway)
    assert "--unshare-net" in plan.argv and GATEWAY_SOCKET in plan.argv
    assert plan.env["BLASTWALL_GATEWAY_URL"].startswith("http://127.0.0.1:")
    with pytest.raises(SandboxError, match="not a unix socket"):
        _plan(world, net="gateway", gateway_socket=str(world.project / "app.py"))


@pytest.mark.parametrize(("name", "value", "passed"), [
    ("GITHUB_TOKEN", "ghp_" + "a" * 36, False),
    ("AWS_ACCESS_KEY_ID", "AKIAABCDEFGHIJKLMNOP", False),
    ("STRIPE_SECRET_KEY", "sk_live_x", False),
    ("MY_SERVICE_PASSWORD", "hunter2", False),
    ("DATABASE_URL", "postgresql://app:pw@db/app", False),
    ("REDIS_URL", "redis://:pw@cache:6379", False),
    ("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1", False),
    ("KUBECONFIG", "/home/me/.kube/config", False),
    ("SOME_VAR", "Bearer abcdefghijklmnop", False),
    ("DATABASE_URL", "postgresql:///app", True),
    ("PATH", "/usr/bin:/bin", True),
    ("HOME", "/home/me", True),
    ("TERM", "xterm-256color", True),
    ("LC_ALL", "C.UTF-8", True),
    ("EDITOR", "vim", True),
    ("RAILWAY_API_TOKEN", "bwgw_" + "c" * 43, True),
    ("ANTHROPIC_API_KEY", "sk-ant-x", False),  # not the agent here: `sh` needs no model key
])
def test_environment_scrub(name: str, value: str, passed: bool) -> None:
    env, removed = scrub({name: value}, knowledge(), None)
    assert (name in env) is passed and (name in removed) is not passed


def test_the_agent_keeps_its_own_model_key() -> None:
    kb = knowledge()
    env, _ = scrub({"ANTHROPIC_API_KEY": "sk-ant-x", "OPENAI_API_KEY": "sk-x"}, kb, kb.agent_for("/usr/bin/claude"))
    assert env == {"ANTHROPIC_API_KEY": "sk-ant-x"}


@pytest.mark.parametrize("doc", [
    {"version": 1, "files": {"/p/a.yml": {"formats": ["aws"]}, "b.txt": {}}},
    ["/p/a.yml", "b.txt"],
    [{"path": "/p/a.yml"}, {"path": "b.txt", "line": 3}],
])
def test_scanner_list_formats(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(doc))
    assert scanner_list(str(path), "/p") == ["/p/a.yml", "/p/b.txt"]
    assert scanner_list(str(tmp_path / "absent.json"), "/p") == []


def test_probe_explains_a_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    found = probe(bwrap=str(fake))
    assert not found.ok and "uid map" in found.error and "user namespaces" in found.error
    assert "\n" not in found.error
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    missing = probe()
    assert not missing.ok and "not installed" in missing.error
