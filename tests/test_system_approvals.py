"""Approvals in system mode: the human signs in their own process, the daemon verifies and records.

The store belongs to the service user, so `blastwall pending/show/approve/deny` ask the daemon
(daemon/ops.py); `approve` signs the grant (and the audit checkpoint of its entry) with the
human's passphrase-protected key in their own `~/.config/blastwall/keys`, registered by
`install --system`. The daemon refuses a grant signed by a key it does not trust, a replayed,
expired, forged or mismatched one, and logs each refusal.

The system-mode fixture works as in tests/test_tamper.py: it installs system mode as root for an
unprivileged user (here the agent and the human are the same user, as on a laptop), runs
everything of that user with `runuser`, and uninstalls at the end. It needs root, which CI has;
elsewhere it is skipped, except under CI where it fails. It is skipped when system mode is
installed on this machine already.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hookio import private_env
from test_tamper import AGENT_USER, answer, bash

PASSPHRASE = "correct horse battery staple"
KEY_NAME = "bw-human"
LIB = "/opt/blastwall/lib"
BOOT = f"import sys; sys.path[:0] = [{LIB!r}]; "
STORE = "/var/lib/blastwall/blastwall.db"
RUN = secrets.token_hex(3)  # the store outlives a run: each run's actions are new ones


# --- keys init: no unencrypted key by default (no system mode needed) ---------------------------


def _keys_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> subprocess.CompletedProcess[str]:
    env = private_env(tmp_path, monkeypatch, "")
    return subprocess.run([sys.executable, "-m", "blastwall", "keys", "init", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=60)


def _keys_folder(tmp_path: Path) -> Path:
    return tmp_path / "config" / "blastwall" / "keys"


def test_keys_init_server_without_the_insecure_flag_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proc = _keys_init(tmp_path, monkeypatch, "--role", "server", "--name", "server", "--no-passphrase")
    assert proc.returncode == 2, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "--insecure-no-passphrase" in text and "--system" in text
    assert not list(_keys_folder(tmp_path).glob("server.*"))


def test_keys_init_server_asks_for_a_passphrase_and_makes_nothing_without_a_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    proc = _keys_init(tmp_path, monkeypatch, "--role", "server", "--name", "server")
    assert proc.returncode == 2 and "interactive terminal" in " ".join(proc.stderr.split())
    assert not list(_keys_folder(tmp_path).glob("server.*"))


def test_keys_init_insecure_flag_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from blastwall.daemon import place

    proc = _keys_init(tmp_path, monkeypatch, "--role", "server", "--name", "server", "--insecure-no-passphrase")
    if place.system_mode():  # the server key belongs with the service user there
        assert proc.returncode == 2 and "--system" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    assert "any process running as your user" in " ".join(proc.stderr.split())
    key = _keys_folder(tmp_path) / "server.key"
    assert b"ENCRYPTED" not in key.read_bytes() and key.stat().st_mode & 0o077 == 0


# --- system mode -------------------------------------------------------------------------------


def _can_run_system_mode() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("useradd", "runuser"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    return None


def _python() -> str:
    return os.path.realpath("/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable)


def _install(user: str, *approver_keys: str) -> None:
    """`install --system --for USER [--approver-key FILE]` from a root-owned interpreter, as
    test_tamper does (the fingerprint confirmation is the CLI's; the keys are named explicitly)."""
    code = (f"import sys; sys.path[:0] = {[p for p in sys.path if p]!r}; "
            "from blastwall.doors.system_install import install_system; "
            f"r = install_system([{user!r}], approver_keys={approver_keys!r}); print('\\n'.join(r.steps))")
    proc = subprocess.run([_python(), "-I", "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.fixture(scope="module")
def system() -> Iterator[dict[str, Any]]:
    why = _can_run_system_mode()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"system-mode tests cannot run under CI: {why}")
        pytest.skip(why)
    from blastwall.approvals import keys
    from blastwall.daemon import place
    from blastwall.doors import system_install

    if place.system_mode():
        pytest.skip("blastwall is already installed in system mode on this machine; not touching it")
    try:
        entry = pwd.getpwnam(AGENT_USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", AGENT_USER], check=True)
        entry = pwd.getpwnam(AGENT_USER)
    home = entry.pw_dir
    _install(AGENT_USER)
    try:
        # the human's approver key, in their own keys folder, passphrase-protected; then registered
        folder = Path(home) / ".config" / "blastwall" / "keys"
        if folder.exists():
            shutil.rmtree(folder)
        public = keys.generate(KEY_NAME, PASSPHRASE.encode(), folder=str(folder))
        keys.generate("mallory", None, folder=str(folder))  # what an agent could plant beside it
        for path in (folder.parent.parent, folder.parent, folder, *folder.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        _install(AGENT_USER, str(folder / f"{KEY_NAME}.pub"))
        assert (Path("/etc/blastwall/keys") / f"{KEY_NAME}.pub").exists()
        assert not (Path("/etc/blastwall/keys") / "mallory.pub").exists(), "a key nobody named was trusted"
        managed = json.loads(Path(system_install.MANAGED["claude-code"].path).read_text())
        command = managed["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        project = Path(home) / "approvals-project"
        subprocess.run(["runuser", "-u", AGENT_USER, "--", "sh", "-c",
                        f"mkdir -p {project}/data && cd {project} && git init -q && echo 1 > data/bookings.csv"],
                       check=True)
        yield {"home": home, "command": command, "project": str(project), "key_id": public.key_id}
    finally:
        system_install.uninstall_system()


def _agent_env(system: dict[str, Any]) -> list[str]:
    return ["/usr/bin/env", "-i", f"HOME={system['home']}", "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TERM=dumb",
            "COLUMNS=200"]


def agent_cli(system: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """`blastwall ARGS` as the human/agent user, from the installed copy, without a terminal."""
    return subprocess.run(["runuser", "-u", AGENT_USER, "--", *_agent_env(system), _python(), "-I", "-S", "-c",
                           BOOT + "from blastwall.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd="/tmp")


def agent_python(system: dict[str, Any], code: str) -> Any:
    """Run `code` as the agent user with the installed blastwall importable; its last stdout line is JSON."""
    proc = subprocess.run(["runuser", "-u", AGENT_USER, "--", *_agent_env(system), _python(), "-I", "-S", "-c",
                           BOOT + code], capture_output=True, text=True, timeout=60, cwd="/tmp")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def agent_hook(system: dict[str, Any], command: str) -> tuple[str, str]:
    """The hook as Claude Code runs it from the managed settings, as the agent's user: (answer, output)."""
    proc = subprocess.run(["runuser", "-u", AGENT_USER, "--", "/usr/bin/env", "-i", f"HOME={system['home']}",
                           "PATH=/usr/bin:/bin", "/bin/sh", "-c", f"cd {system['project']} && {system['command']}"],
                          input=bash(command, system["project"], mode="bypassPermissions"), capture_output=True,
                          timeout=60)
    return answer(proc), (proc.stdout + proc.stderr).decode("ascii")


def held(system: dict[str, Any], command: str) -> str:
    """Send `command` through the hook; it must be held; the request id it names."""
    decision, text = agent_hook(system, command)
    assert decision == "block", text
    found = re.search(r"bw-[a-z2-9]{8}", text)
    assert found, text
    return found.group(0)


def audit(kind: str) -> list[dict[str, Any]]:
    """Audit entries of `kind`, read as root (the agent's user cannot: see below)."""
    with sqlite3.connect(f"file:{STORE}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT data FROM bw_audit WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    return [json.loads(r[0]) for r in rows]


def approve_at_terminal(system: dict[str, Any], request_id: str) -> str:
    """`blastwall approve ID` as the human at a terminal: confirm, type the passphrase."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn("runuser", ["-u", AGENT_USER, "--", *_agent_env(system), _python(), "-I", "-S", "-c",
                                      BOOT + "from blastwall.cli import main; main()", "approve", request_id, "--key", KEY_NAME],
                          encoding="utf-8", timeout=60, cwd="/tmp", dimensions=(50, 200))
    child.expect(r"exactly as shown\?")
    child.sendline("y")
    child.expect("passphrase for key")
    child.sendline(PASSPHRASE)
    child.expect(pexpect.EOF)
    child.close()
    text = child.before or ""
    assert child.exitstatus == 0, text
    return text


def test_held_request_is_approved_through_the_daemon_and_the_grant_is_used_once(system: dict[str, Any]):
    request_id = held(system, f"rm -rf data/{RUN}-a")
    pending = agent_cli(system, "pending", "--json")
    assert pending.returncode == 0, pending.stderr
    assert request_id in [r["id"] for r in json.loads(pending.stdout)]
    shown = agent_cli(system, "show", request_id, "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["summary"] == f"rm -rf data/{RUN}-a"

    text = approve_at_terminal(system, request_id)
    assert "approved" in text and "signed an audit checkpoint" in text
    approvals = [a for a in audit("approve") if a.get("nonce")]
    assert approvals[-1]["approver"] == KEY_NAME and approvals[-1]["peer"] == AGENT_USER
    points = [p for p in audit("checkpoint") if p.get("ref") == request_id]
    assert points and points[-1]["signer"] == KEY_NAME and points[-1]["key_id"] == system["key_id"]

    assert agent_hook(system, f"rm -rf data/{RUN}-a")[0] == "allow"  # the identical retry, once
    assert held(system, f"rm -rf data/{RUN}-a") != request_id  # and the next one is held again


SIGN = """
import json, time
from blastwall.approvals import decide, grants, keys
from blastwall.cli.approvals_system import request_of
from blastwall.daemon import client
import os

def call(op, fields, payload=b""):
    return client.call(op, fields, payload, env=os.environ, system=True)

answer = call("request", {"id": RID})
request = request_of(answer["request"])
out = {}
"""


def test_grant_signed_by_an_unregistered_key_is_refused_and_logged(system: dict[str, Any]):
    request_id = held(system, f"rm -rf data/{RUN}-b")
    code = SIGN.replace("RID", repr(request_id)) + """
import tempfile
folder = tempfile.mkdtemp()
public = keys.generate("mallory", b"whatever-it-is", folder=folder)
public, private = keys.load_private("mallory", b"whatever-it-is", folder=folder)
grant = decide.sign_grant(request, private, public, approver="mallory")
out["grant"] = call("grant", {}, decide.grant_json(grant).encode())
print(json.dumps(out))
"""
    result = agent_python(system, code)["grant"]
    assert result["ok"] is False and result["code"] == "grant.unknown-key", result
    assert any(r.get("code") == "grant.unknown-key" and r.get("peer") == AGENT_USER for r in audit("grant-refused"))
    assert held(system, f"rm -rf data/{RUN}-b") == request_id  # still held, same request


def test_replayed_forged_expired_and_mismatched_grants_are_refused(system: dict[str, Any]):
    request_id = held(system, f"rm -rf data/{RUN}-c")
    code = SIGN.replace("RID", repr(request_id)) + f"""
public, private = keys.load_private({KEY_NAME!r}, {PASSPHRASE.encode()!r})
late = grants.issue(private, public, approver="x", ttl_s=10, request_id=request.id, digest=request.digest,
                    now=time.time() - 3600)
out["expired"] = call("grant", {{}}, decide.grant_json(late).encode())
other = grants.issue(private, public, approver="x", ttl_s=60, request_id=request.id, digest="0" * 64)
out["mismatched"] = call("grant", {{}}, decide.grant_json(other).encode())
good = decide.sign_grant(request, private, public, approver=public.name)
forged = good._replace(payload=good.payload.replace('"reason":""', '"reason":"x"'))
out["forged"] = call("grant", {{}}, decide.grant_json(forged).encode())
out["first"] = call("grant", {{}}, decide.grant_json(good).encode())
out["replayed"] = call("grant", {{}}, decide.grant_json(good).encode())
out["garbage"] = call("grant", {{}}, b"not a grant")
print(json.dumps(out))
"""
    out = agent_python(system, code)
    assert out["first"]["ok"] is True, out["first"]
    for name, code_ in (("expired", "grant.expired"), ("mismatched", "grant.wrong-action"),
                        ("forged", "grant.bad-signature"), ("replayed", "grant.replayed"),
                        ("garbage", "grant.malformed")):
        assert out[name]["ok"] is False and out[name]["code"] == code_, (name, out[name])
    logged = {r.get("code") for r in audit("grant-refused")}
    assert {"grant.expired", "grant.wrong-action", "grant.bad-signature", "grant.replayed", "grant.malformed"} <= logged
    # the one grant that was recorded still lets the identical retry through once
    assert agent_hook(system, f"rm -rf data/{RUN}-c")[0] == "allow"


def test_deny_through_the_daemon_is_recorded_in_the_peers_name_and_vouched_for(system: dict[str, Any]):
    request_id = held(system, f"rm -rf data/{RUN}-d")
    code = SIGN.replace("RID", repr(request_id)) + """
out["deny"] = call("deny", {"id": request.id, "reason": "not today"})
from blastwall.audit import checkpoints
public, private = keys.load_private(KEY, PASSPHRASE)
entry = out["deny"]["entry"]
def vouch(hash_):
    fields = checkpoints.signed(private, public, seq=entry["seq"], hash_=hash_, signer="x", via="deny", ref=request.id)
    return call("checkpoint", {}, json.dumps(fields).encode())
out["wrong"] = vouch("0" * 64)
out["vouched"] = vouch(entry["hash"])
print(json.dumps(out))
""".replace("KEY", repr(KEY_NAME)).replace("PASSPHRASE", repr(PASSPHRASE.encode()))
    out = agent_python(system, code)
    result = out["deny"]
    assert result["ok"] is True and result["by"] == AGENT_USER
    assert out["wrong"]["ok"] is False and out["wrong"]["code"] == "checkpoint-mismatch", out["wrong"]
    assert out["vouched"]["ok"] is True, out["vouched"]
    decision, text = agent_hook(system, f"rm -rf data/{RUN}-d")
    assert decision == "block" and "denied" in text


def test_agent_user_cannot_open_the_store_or_read_keys_directly(system: dict[str, Any]):
    proc = subprocess.run(["runuser", "-u", AGENT_USER, "--", "python3", "-c",
                           f"import sqlite3; sqlite3.connect('file:{STORE}?mode=ro', uri=True)"
                           ".execute('SELECT count(*) FROM bw_grants').fetchall()"],
                          capture_output=True, text=True, timeout=60, cwd="/tmp")
    assert proc.returncode != 0 and "unable to open" in proc.stderr
    code = ("from blastwall.store import open_store\n"
            "try:\n    open_store('sqlite:///" + STORE + "').list_requests()\n    print('\"opened\"')\n"
            "except Exception as exc:\n    print(__import__('json').dumps(type(exc).__name__))")
    assert agent_python(system, code) != "opened"


def test_server_key_in_system_mode_belongs_to_the_service_user(system: dict[str, Any]):
    folder = Path("/etc/blastwall/keys")
    name = "server-test"
    proc = subprocess.run([sys.executable, "-m", "blastwall", "keys", "init", "--role", "server", "--system",
                           "--name", name, "--force"], capture_output=True, text=True, timeout=60)
    try:
        assert proc.returncode == 0, proc.stderr
        for suffix in (".key", ".pub"):
            st = (folder / (name + suffix)).stat()
            assert pwd.getpwuid(st.st_uid).pw_name == "blastwall" and st.st_mode & 0o777 == 0o600
        read = subprocess.run(["runuser", "-u", AGENT_USER, "--", "cat", str(folder / f"{name}.key")],
                              capture_output=True, text=True, timeout=60)
        assert read.returncode != 0 and "permission denied" in read.stderr.lower()
        serve = agent_cli(system, "serve", "--port", "1")
        assert serve.returncode == 2 and "service user" in serve.stderr
    finally:
        for suffix in (".key", ".pub"):
            (folder / (name + suffix)).unlink(missing_ok=True)
