"""Human in the loop, end to end: real hook processes with real agent payloads, a real SQLite
store, real Ed25519 keys, and the approval commands driven through a real pseudo-terminal.

Every way around an approval is tried and must fail with a clear message: forged signatures,
foreign keys, expired, replayed and mismatched grants, a changed action or context, two
processes racing for one grant, an agent running `blastwall approve` without a terminal."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest
from hookio import REQUEST_ID, hook_reason, request_id
from snapshot_helpers import use_policy

from blastwall.approvals import decide, keys
from blastwall.approvals.gate import gate
from blastwall.approvals.grants import GrantRefused, issue, verify
from blastwall.audit import verify as verify_audit
from blastwall.engine import check_action
from blastwall.model import Action, Context, Surface
from blastwall.store import open_store

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = Path(__file__).parent / "payloads"
PASSPHRASE = "correct horse battery"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private config + state folder; returns the environment for subprocesses."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("BLASTWALL_DATABASE_URL", raising=False)
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.delenv("BLASTWALL_ENVIRONMENT", raising=False)
    (tmp_path / "work").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLASTWALL_", "CLAUDE_", "CODEX_")) or k.startswith("BLASTWALL_DAEMON")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm", NO_COLOR="1",
               COLUMNS="200")
    return env


def payload(name: str, cwd: Path, **changes: Any) -> dict[str, Any]:
    doc = json.loads((PAYLOADS / name).read_text())
    doc = {k: v for k, v in doc.items() if not k.startswith("_")}
    doc["cwd"] = str(cwd)
    command = changes.pop("command", None)
    if command is not None:
        doc["tool_input"] = {**doc["tool_input"], "command": command}
    doc.update(changes)
    return doc


def hook(agent: str, data: dict[str, Any], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blastwall", "hook", agent], input=json.dumps(data),
                          capture_output=True, text=True, timeout=90, env=env, cwd=ROOT)


def start_hook(agent: str, data: dict[str, Any], env: dict[str, str]) -> subprocess.Popen[str]:
    """A hook process that has read its payload and is deciding (or waiting)."""
    proc = subprocess.Popen([sys.executable, "-m", "blastwall", "hook", agent], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(data))
    proc.stdin.close()
    proc.stdin = None
    return proc


def make_key(name: str = "alice", role: str = "approver", passphrase: str | None = PASSPHRASE,
             folder: str | None = None) -> tuple[Any, Any]:
    keys.generate(name, passphrase.encode() if passphrase else None, role=role, folder=folder)
    return keys.load_private(name, passphrase.encode() if passphrase else None, folder=folder)


def terminal(args: list[str], env: dict[str, str], script: list[tuple[str, str]]) -> tuple[int, str]:
    """Run `blastwall ARGS` in a real pseudo-terminal, answering each prompt in `script`."""
    child = pexpect.spawn(sys.executable, ["-m", "blastwall", *args], env=env, encoding="utf-8", timeout=30,
                          dimensions=(60, 200), cwd=str(ROOT))
    seen = []
    for prompt, answer in script:
        child.expect(prompt)
        seen.append(child.before + child.after)
        child.sendline(answer)
    child.expect(pexpect.EOF)
    seen.append(child.before)
    child.close()
    return child.exitstatus if child.exitstatus is not None else -1, "".join(seen)


def approve_in_terminal(rid: str, env: dict[str, str], reason: str = "checked") -> tuple[int, str]:
    return terminal(["approve", rid, "--reason", reason], env,
                    [(r"Approve .* exactly as shown\?", "y"), ("passphrase for key", PASSPHRASE)])


# --- deferred: deny now with the request id, the identical retry passes once approved ----------------


def test_deferred_approval_end_to_end(home: dict[str, str], tmp_path: Path):
    make_key()
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    decision, reason = hook_reason(hook("codex", data, home))
    assert decision == "deny"
    rid = request_id(reason)
    assert "holding this command for a human's approval" in reason and f"blastwall approve {rid}" in reason
    assert "retry exactly the same command" in reason and "force-push" in reason

    assert hook_reason(hook("codex", data, home)) == (decision, reason)  # a retry reuses the request
    code, screen = approve_in_terminal(rid, home)
    assert code == 0, screen
    assert "git push --force origin main" in screen and "shell.git:push-force" in screen
    assert f"approved {rid} as alice" in screen and "signed an audit checkpoint: entries 1-" in screen

    assert hook_reason(hook("codex", data, home)) == ("allow", "")
    again, reason2 = hook_reason(hook("codex", data, home))  # single use: the next one asks anew
    assert again == "deny" and request_id(reason2) != rid

    store = open_store()
    kinds = [row.kind for row in store.audit_rows()]
    assert kinds.count("grant-used") == 1 and "approve" in kinds and "request" in kinds
    assert store.get_request(rid).status == "used"
    assert verify_audit(store).ok


def test_a_changed_flag_target_or_context_needs_a_new_approval(home: dict[str, str], tmp_path: Path):
    public, private = make_key()
    store = open_store()
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    rid = request_id(hook_reason(hook("codex", data, home))[1])
    decide.approve(store, rid, private, public, approver="alice")
    for changed in (payload("codex_bash_force_push.json", tmp_path / "work", command="git push --force origin main2"),
                    payload("codex_bash_force_push.json", tmp_path / "work", command="git push --force -u origin main"),
                    payload("codex_bash_force_push.json", tmp_path),  # another working directory
                    payload("codex_bash_force_push.json", tmp_path / "work", session_id="another-session")):
        decision, reason = hook_reason(hook("codex", changed, home))
        assert decision == "deny" and request_id(reason) != rid, changed
    assert hook_reason(hook("codex", data, home)) == ("allow", "")  # the approved one still passes


def test_a_human_denial_sticks(home: dict[str, str], tmp_path: Path):
    make_key()
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    rid = request_id(hook_reason(hook("codex", data, home))[1])
    code, screen = terminal(["deny", rid, "--reason", "not on main"], home, [("passphrase for key alice", PASSPHRASE)])
    assert code == 0, screen
    assert f"denied {rid}" in screen and "signed an audit checkpoint as alice" in screen
    decision, reason = hook_reason(hook("codex", data, home))
    assert decision == "deny" and "denied this" in reason and "not on main" in reason and rid in reason
    assert "retry" not in reason.split("denied this")[1].replace("Do not retry", "")
    report = verify_audit(open_store())
    assert report.ok and report.vouched is not None and (report.vouched.signer, report.vouched.via) == ("alice", "deny")


def test_a_denial_without_an_approver_key_is_recorded_unsigned(home: dict[str, str], tmp_path: Path):
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    rid = request_id(hook_reason(hook("codex", data, home))[1])
    code, screen = terminal(["deny", rid], home, [])
    assert code == 0 and f"denied {rid}" in screen and "checkpoint" not in screen, screen
    assert verify_audit(open_store()).vouched is None
    code, screen = terminal(["deny", "bw-nosuchid"], home, [])
    assert code == 1 and "no request 'bw-nosuchid'" in screen


# --- blocking: the hook waits and proceeds the moment the grant lands ---------------------------------


def _wait_for_request(store: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = store.list_requests(status=["pending"])
        if pending:
            return pending[0]
        time.sleep(0.05)
    raise AssertionError("no approval request appeared")


def test_waiting_hook_proceeds_when_the_grant_lands(home: dict[str, str], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, '[approvals]\nmode = "wait"\nwait = "40s"\n')
    public, private = make_key()
    store = open_store()
    data = payload("claude_bash_force_push.json", tmp_path / "work")
    proc = start_hook("claude-code", data, home)
    request = _wait_for_request(store)
    time.sleep(26)  # past the usual 25 s check deadline: the waiting hook extended it
    assert proc.poll() is None, "the hook stopped waiting"
    approved_at = time.monotonic()
    decide.approve(store, request.id, private, public, approver="alice")
    out, errs = proc.communicate(timeout=30)
    assert time.monotonic() - approved_at < 3.0
    assert proc.returncode == 0 and out == "", errs  # Claude Code: no objection
    assert store.get_request(request.id).status == "used"


def test_waiting_hook_stops_when_a_human_denies(home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, '[approvals]\nmode = "wait"\nwait = 30\n')
    store = open_store()
    proc = start_hook("codex", payload("codex_bash_force_push.json", tmp_path / "work"), home)
    request = _wait_for_request(store)
    decide.deny(store, request.id, by="bob", reason="use a new branch")
    out, _ = proc.communicate(timeout=20)
    reason = json.loads(out)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "bob denied this" in reason and "use a new branch" in reason


def test_wait_that_runs_out_defers_with_the_request_id(home: dict[str, str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch, '[approvals]\nmode = "wait"\nwait = 1\n')
    decision, reason = hook_reason(hook("claude-code", payload("claude_bash_force_push.json", tmp_path / "work"), home))
    assert decision == "deny" and "no approval arrived (waited 1 s)" in reason
    rid = request_id(reason)
    assert open_store().get_request(rid).status == "pending"


# --- where the agent can ask, and where it cannot ------------------------------------------------------


def test_claude_code_asks_in_default_mode_and_files_a_request_when_it_cannot(home: dict[str, str], tmp_path: Path):
    data = payload("claude_bash_force_push.json", tmp_path / "work")
    decision, reason = hook_reason(hook("claude-code", data, home))
    assert decision == "ask" and not REQUEST_ID.search(reason)
    for mode in ("bypassPermissions", "dontAsk"):
        decision, reason = hook_reason(hook("claude-code", {**data, "permission_mode": mode}, home))
        assert decision == "deny" and request_id(reason)


# --- grants that must not work -------------------------------------------------------------------------


def _ask_action(tmp_path: Path, command: str = "git push --force origin main") -> tuple[Action, Any]:
    action = Action(Surface.SHELL, command, Context(cwd=str(tmp_path), agent="codex", session="s1"))
    verdict = check_action(action)
    assert verdict.decision.value == "ask"
    return action, verdict


def _gate(store: Any, action: Action, verdict: Any, **kw: Any) -> Any:
    return gate([action], [verdict], "ask", verdict.reasons, policy=None, can_ask=False, store=store, **kw)


def _refusals(store: Any) -> list[str]:
    return [json.loads(r.data)["code"] for r in store.audit_rows(kind=["grant-refused"])]


def test_forged_signature_is_refused(home: dict[str, str], tmp_path: Path):
    public, private = make_key()
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    rid = _gate(store, action, verdict).request_id
    grant = issue(private, public, approver="alice", ttl_s=600, request_id=rid, digest=action.digest())
    payload_doc = json.loads(grant.payload)
    payload_doc["expires_at"] += 86400  # stretch the signed expiry
    store.add_grant(grant._replace(payload=json.dumps(payload_doc, sort_keys=True, separators=(",", ":"))))
    result = _gate(store, action, verdict)
    assert result.decision == "deny" and result.state == "pending"
    assert _refusals(store) == ["grant.bad-signature"]
    with pytest.raises(GrantRefused, match="does not verify with key alice"):
        verify(store.grants_for(action.digest())[0], keys.trusted_keys(), digest=action.digest())


def test_a_forged_grant_is_logged_once_while_a_hook_waits(home: dict[str, str], tmp_path: Path):
    from blastwall.policy.engine import compile_layers, default_document

    policy = compile_layers([("test", {"approvals": {"mode": "wait", "wait": 1}}), ("defaults", default_document())])
    public, private = make_key()
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    rid = _gate(store, action, verdict).request_id
    grant = issue(private, public, approver="alice", ttl_s=600, request_id=rid, digest=action.digest())
    store.add_grant(grant._replace(signature=grant.signature[::-1]))
    result = gate([action], [verdict], "ask", verdict.reasons, policy=policy, can_ask=False, store=store)
    assert result.state == "pending" and "no approval arrived" in result.reasons[-1]
    assert _refusals(store) == ["grant.bad-signature"]


def test_grant_from_a_key_nobody_trusts_is_refused(home: dict[str, str], tmp_path: Path):
    make_key()
    rogue_public, rogue_private = make_key("rogue", passphrase=None, folder=str(tmp_path / "elsewhere"))
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    rid = _gate(store, action, verdict).request_id
    decide.approve(store, rid, rogue_private, rogue_public, approver="alice")
    assert _gate(store, action, verdict).state == "pending"
    assert _refusals(store) == ["grant.unknown-key"]


def test_expired_grant_is_refused(home: dict[str, str], tmp_path: Path):
    public, private = make_key()
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    rid = _gate(store, action, verdict).request_id
    decide.approve(store, rid, private, public, approver="alice", grant_ttl_s=60)
    later = time.time() + 61
    result = _gate(store, action, verdict, now=lambda: later)
    assert result.decision == "deny"
    assert "grant.expired" in _refusals(store)


def test_replayed_grant_is_refused_even_when_its_use_is_erased(home: dict[str, str], tmp_path: Path):
    public, private = make_key()
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    rid = _gate(store, action, verdict).request_id
    decide.approve(store, rid, private, public, approver="alice")
    assert _gate(store, action, verdict).decision == "allow"
    assert _gate(store, action, verdict).decision == "deny"
    # Someone with write access to the store marks the grant unused and the request open again:
    db = sqlite3.connect(store.path)
    db.execute("UPDATE bw_grants SET used_at = NULL, used_by = NULL")
    db.execute("UPDATE bw_requests SET status = 'approved'")
    db.commit()
    db.close()
    result = _gate(store, action, verdict)
    assert result.decision == "deny"
    assert "grant.replayed" in _refusals(store)


def test_grant_for_another_action_is_refused(home: dict[str, str], tmp_path: Path):
    public, private = make_key()
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    other, other_verdict = _ask_action(tmp_path, "git push --force origin release")
    rid = _gate(store, action, verdict).request_id
    grant = issue(private, public, approver="alice", ttl_s=600, request_id=rid, digest=action.digest())
    store.add_grant(grant._replace(digest=other.digest()))  # filed under the other action's digest
    assert _gate(store, other, other_verdict).decision == "deny"
    assert _refusals(store) == ["grant.tampered"]
    with pytest.raises(GrantRefused) as info:
        verify(grant, keys.trusted_keys(), digest=other.digest())
    assert info.value.code == "grant.wrong-action" and "different action" in info.value.message


def test_one_grant_two_processes_exactly_one_wins(home: dict[str, str], tmp_path: Path):
    public, private = make_key()
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    rid = request_id(hook_reason(hook("codex", data, home))[1])
    decide.approve(open_store(), rid, private, public, approver="alice")
    procs = [start_hook("codex", data, home) for _ in range(4)]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert sum(1 for o in outs if o == "") == 1, outs


def test_production_needs_two_distinct_approvers(home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_policy(home, tmp_path, monkeypatch,
               '[approvals]\nmode = "defer"\n[[approvals.rule]]\nenvironment = ["production"]\nrequire = 2\n')
    alice, alice_key = make_key("alice")
    bob, bob_key = make_key("bob")
    home["BLASTWALL_ENVIRONMENT"] = "production"
    store = open_store()
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    rid = request_id(hook_reason(hook("codex", data, home))[1])
    assert store.get_request(rid).required == 2
    assert decide.approve(store, rid, alice_key, alice, approver="alice").complete is False
    with pytest.raises(decide.DecideError, match="approved request .* already"):
        decide.approve(store, rid, alice_key, alice, approver="alice")
    assert hook_reason(hook("codex", data, home))[0] == "deny"
    assert decide.approve(store, rid, bob_key, bob, approver="bob").complete is True
    decision, _ = hook_reason(hook("codex", data, home))
    assert decision == "allow"
    used = [json.loads(r.data)["approver"] for r in store.audit_rows(kind=["grant-used"])]
    assert sorted(used) == ["alice", "bob"]


def test_approval_window_covers_its_pattern_only(home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    policy = '[approvals]\nmode = "defer"\n[approvals.windows.dev-reset]\nsurface = "shell"\npattern = "rails db:reset*"\n'
    use_policy(home, tmp_path, monkeypatch, policy)
    public, private = make_key()
    store = open_store()
    from blastwall.approvals.settings import compile_settings

    window = compile_settings({"windows": {"dev-reset": {"pattern": "rails db:reset*"}}}).window("dev-reset")
    decide.open_window(store, "dev-reset", window, private, public, approver="alice", for_s=600)
    reset = payload("codex_bash_force_push.json", tmp_path / "work", command="rails db:reset")
    drop = payload("codex_bash_force_push.json", tmp_path / "work", command="rails db:drop")
    assert hook_reason(hook("codex", reset, home)) == ("allow", "")
    assert hook_reason(hook("codex", reset, home)) == ("allow", "")  # a window is not single-use
    assert hook_reason(hook("codex", drop, home))[0] == "deny"
    use_policy(home, tmp_path, monkeypatch, policy.replace("rails db:reset*", "rails db:reset RAILS_ENV=test*"))
    assert hook_reason(hook("codex", reset, home))[0] == "deny"  # the definition changed: the window lapsed


# --- approving is for humans ------------------------------------------------------------------------


def test_approve_without_a_terminal_is_refused(home: dict[str, str], tmp_path: Path):
    make_key()
    data = payload("codex_bash_force_push.json", tmp_path / "work")
    rid = request_id(hook_reason(hook("codex", data, home))[1])
    proc = subprocess.run([sys.executable, "-m", "blastwall", "approve", rid], input="y\n" + PASSPHRASE + "\n",
                          capture_output=True, text=True, env=home, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and "needs a human at an interactive terminal" in proc.stderr
    assert hook_reason(hook("codex", data, home))[0] == "deny"


def test_agent_cannot_run_approve_or_read_the_key(home: dict[str, str], tmp_path: Path):
    make_key()
    for command in ("blastwall approve bw-abcdefgh", "script -qc 'blastwall approve bw-abcdefgh' /dev/null",
                    "blastwall keys init --no-passphrase --name me"):
        decision, reason = hook_reason(hook("codex", payload("codex_bash_force_push.json", tmp_path, command=command),
                                            home))
        assert decision == "deny" and "for humans" in reason and "holding" not in reason, command
    read = {"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PreToolUse", "tool_name": "Read",
            "permission_mode": "default",
            "tool_input": {"file_path": str(Path(home["XDG_CONFIG_HOME"]) / "blastwall" / "keys" / "alice.key")}}
    decision, reason = hook_reason(hook("claude-code", read, home))
    assert decision == "deny" and "approver key" in reason


def test_wrong_passphrase_is_refused_at_the_terminal(home: dict[str, str], tmp_path: Path):
    make_key()
    rid = request_id(hook_reason(hook("codex", payload("codex_bash_force_push.json", tmp_path / "work"), home))[1])
    code, screen = terminal(["approve", rid], home, [(r"exactly as shown\?", "y"), ("passphrase for key", "guess")])
    assert code == 1 and "wrong passphrase for key 'alice'" in screen
    assert open_store().grants_for_request(rid) == []


# --- audit checkpoints ---------------------------------------------------------------------------------


def audit_json(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run([sys.executable, "-m", "blastwall", "audit", "verify", "--json"], capture_output=True,
                          text=True, env=env, timeout=60, cwd=ROOT)
    return proc.returncode, json.loads(proc.stdout)


def test_audit_checkpoint_at_a_terminal_vouches_for_the_log(home: dict[str, str], tmp_path: Path):
    make_key()
    hook("codex", payload("codex_bash_force_push.json", tmp_path / "work"), home)  # a verdict and a request
    hook("codex", payload("codex_bash_force_push.json", tmp_path / "work", command="ls"), home)
    code, doc = audit_json(home)
    assert code == 0 and doc["ok"] and doc["vouched"] is None and doc["unvouched"] == doc["entries"] > 0
    head = doc["head_seq"]
    code, screen = terminal(["audit", "checkpoint"], home, [(r"Vouch that audit entries 1-\d+ are as they are now",
                                                              "y"), ("passphrase for key alice", PASSPHRASE)])
    assert code == 0 and "no signed checkpoint yet" in screen and f"entries 1-{head} are vouched for" in screen, screen
    code, doc = audit_json(home)
    assert code == 0 and doc["checkpoints"] == 1 and doc["unvouched"] == 0
    assert (doc["vouched"]["seq"], doc["vouched"]["signer"], doc["vouched"]["via"]) == (head, "alice", "checkpoint")
    assert 0 <= doc["vouched_age_s"] < 60
    code, screen = terminal(["audit", "checkpoint"], home, [])
    assert code == 0 and "nothing to sign: every entry is vouched for already" in screen

    # Someone with the database file rewrites the first entry, every later hash and the head.
    db = sqlite3.connect(Path(home["XDG_STATE_HOME"]) / "blastwall" / "blastwall.db", isolation_level=None)
    try:
        from blastwall.audit import entry_hash
        prev = "0" * 64
        for seq, ts, kind, ref, data in db.execute("SELECT seq, ts, kind, ref, data FROM bw_audit ORDER BY seq").fetchall():
            data = data.replace('"ask"', '"allow"') if seq == 1 else data
            digest = entry_hash(prev, ts, kind, ref, data)
            db.execute("UPDATE bw_audit SET data = ?, prev = ?, hash = ? WHERE seq = ?", (data, prev, digest, seq))
            prev = digest
            db.execute("UPDATE bw_audit_head SET hash = ? WHERE id = 1", (prev,))
    finally:
        db.close()
    code, doc = audit_json(home)
    assert code == 1 and [p["code"] for p in doc["problems"]] == ["checkpoint-mismatch"] and doc["vouched"] is None
    proc = subprocess.run([sys.executable, "-m", "blastwall", "audit", "verify"], capture_output=True, text=True,
                          env=home, timeout=60, cwd=ROOT)
    assert proc.returncode == 1 and f"checkpoint-mismatch at entry {head}" in proc.stderr
    assert "no signed checkpoint holds" in proc.stderr


def test_audit_checkpoint_needs_a_human_key_at_a_terminal(home: dict[str, str], tmp_path: Path):
    make_key()
    make_key("server", role="server", passphrase=None)
    hook("codex", payload("codex_bash_force_push.json", tmp_path / "work"), home)
    proc = subprocess.run([sys.executable, "-m", "blastwall", "audit", "checkpoint"], input="y\n" + PASSPHRASE + "\n",
                          capture_output=True, text=True, env=home, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and "needs a human at an interactive terminal" in proc.stderr
    code, screen = terminal(["audit", "checkpoint", "--key", "server"], home, [])
    assert code == 1 and "is not a passphrase-protected approver key" in screen
    code, screen = terminal(["audit", "checkpoint"], home, [(r"Vouch that", "n")])
    assert code == 3 and "no checkpoint signed" in screen
    assert audit_json(home)[1]["checkpoints"] == 0


def test_keys_init_at_a_terminal_writes_a_private_key(home: dict[str, str]):
    code, screen = terminal(["keys", "init", "--name", "carol"], home,
                            [("new passphrase for carol", PASSPHRASE), ("again", PASSPHRASE)])
    assert code == 0, screen
    folder = Path(home["XDG_CONFIG_HOME"]) / "blastwall" / "keys"
    assert (folder / "carol.key").stat().st_mode & 0o777 == 0o600
    assert (folder / "carol.pub").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert b"ENCRYPTED" in (folder / "carol.key").read_bytes()
    public, _ = keys.load_private("carol", PASSPHRASE.encode())
    assert public.key_id in screen


def test_untrusted_project_policy_cannot_add_approvers_windows_or_notify(home: dict[str, str], tmp_path: Path):
    from blastwall.policy.load import load_policy

    project = tmp_path / "work"
    (project / "blastwall.toml").write_text(
        '[approvals]\nmode = "wait"\nrequire = 1\napprovers = ["ed25519:' + "A" * 43 + '="]\n'
        'notify = { webhook = "http://attacker.example/x" }\n[approvals.windows.all]\npattern = "rm *"\n'
        '[audit]\nverdicts = "blocking"\n')
    policy = load_policy(str(project))
    assert policy.section("approvals") == {"mode": "wait"}
    assert policy.section("audit") == {}


# --- what gets stored --------------------------------------------------------------------------------


def test_requests_and_audit_never_hold_secrets(home: dict[str, str], tmp_path: Path):
    command = "psql postgres://app:hunter2secret@db.internal/app -c 'DROP TABLE orders'"
    decision, reason = hook_reason(hook("codex", payload("codex_bash_force_push.json", tmp_path / "work",
                                                          command=command), home))
    assert decision == "deny" and "hunter2secret" not in reason
    store = open_store()
    request = store.get_request(request_id(reason))
    assert "hunter2secret" not in json.dumps(request.to_dict()) and "DROP TABLE orders" in request.summary
    assert all("hunter2secret" not in row.data for row in store.audit_rows())
    assert Path(store.path).stat().st_mode & 0o777 == 0o600


def test_store_unavailable_keeps_the_verdict_strict(home: dict[str, str], tmp_path: Path):
    home["BLASTWALL_DATABASE_URL"] = "postgresql://blastwall@127.0.0.1:1/none"
    decision, reason = hook_reason(hook("codex", payload("codex_bash_force_push.json", tmp_path / "work"), home))
    assert decision == "deny" and "approval store is unavailable" in reason
    safe = payload("codex_bash_force_push.json", tmp_path / "work", command="git status")
    assert hook_reason(hook("codex", safe, home)) == ("allow", "")


def test_a_request_altered_in_the_store_cannot_be_approved(home: dict[str, str], tmp_path: Path):
    """Whoever can write the store could show the approver `ls` while the digest is `rm -rf`."""
    public, private = make_key()
    store = open_store()
    action, verdict = _ask_action(tmp_path)
    rid = _gate(store, action, verdict).request_id
    db = sqlite3.connect(store.path)
    row = db.execute("SELECT actions FROM bw_requests WHERE id = ?", (rid,)).fetchone()
    shown = json.loads(row[0])
    shown[0]["payload"] = "git status"
    db.execute("UPDATE bw_requests SET actions = ?, summary = 'git status' WHERE id = ?", (json.dumps(shown), rid))
    db.commit()
    db.close()
    with pytest.raises(decide.DecideError, match="was altered in the store"):
        decide.approve(store, rid, private, public, approver="alice")
    assert store.grants_for_request(rid) == [] and "request.altered" in _refusals(store)
