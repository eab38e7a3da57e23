"""`blastwall run`'s work-tree journal, its undo, its egress proxy's rules and its profiles, on
real folders, a real object store, real inotify and real sockets (no bubblewrap needed here:
tests/test_run.py runs the whole session under it)."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_stub import serving

from blastwall.doors.run.egress import EgressProxy, HostRules, Refused, decide
from blastwall.doors.run.journal import Journal, JournalError, find_project, read_entries
from blastwall.doors.run.knowledge import JournalRules, ProfileError, load_profile
from blastwall.doors.run.restore import parse_time, pick, restore

RULES = JournalRules(frozenset({"node_modules", ".venv", "__pycache__"}), 1024 * 1024, 10000)


def state(root: Path, skip: tuple[str, ...] = ("node_modules",)) -> dict[str, Any]:
    """Every file under `root` (but .git and `skip`): content hash, executable bit, or link target."""
    out: dict[str, Any] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git" and d not in skip]
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path))
            else:
                out[rel] = (hashlib.sha256(Path(path).read_bytes()).hexdigest(), os.stat(path).st_mode & 0o111)
    return out


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    root = tmp_path / "proj"
    files = {
        "src/app.py": b"print('hi')\r\n",  # CRLF stays CRLF
        "src/lib/util.py": b"def f():\n    return 1\n",
        "data/blob.bin": bytes(range(256)) * 8,
        "README.md": "caf\u00e9 \u2603\n".encode(),
        "node_modules/pkg/index.js": b"module.exports = 1\n",
        ".gitattributes": b"* text=auto eol=crlf\n",  # filters never apply: bytes are kept as they are
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "run.sh").write_text("#!/bin/sh\necho run\n")
    (root / "run.sh").chmod(0o755)
    (root / "src" / "current").symlink_to("lib/util.py")
    return root


def journal(root: Path, **kw: Any) -> Journal:
    return Journal.open(str(root), rules=kw.pop("rules", RULES), **kw)


# --- snapshots and undo -------------------------------------------------------------------------


def test_rm_rf_is_undone_byte_for_byte(project: Path) -> None:
    j = journal(project)
    j.watch()
    j.snapshot("start")
    before = state(project)
    before_action = j.snapshot("action", action="ls src")
    shutil.rmtree(project / "src")
    (project / "run.sh").write_text("#!/bin/sh\nrm -rf /\n")
    (project / "new.txt").write_text("created later\n")
    done = restore(j, pick(j.entries(), before=before_action.id))
    assert state(project) == before
    assert (project / "src" / "app.py").read_bytes() == b"print('hi')\r\n"
    assert os.readlink(project / "src" / "current") == "lib/util.py"
    assert done.written >= 4 and done.removed == 1
    restore(j, pick(j.entries(), before=done.before.id))  # the undo can be undone
    assert not (project / "src").exists() and (project / "new.txt").read_text() == "created later\n"
    j.close()


def test_incremental_snapshots_match_a_full_rescan(project: Path) -> None:
    """Random changes of every kind; after each, the inotify-driven snapshot holds exactly what a
    fresh journal's full scan of the same tree holds."""
    j = journal(project)
    j.watch()
    j.snapshot("start")
    rng = random.Random(7)
    for step in range(40):
        files = [p for p in project.rglob("*") if p.is_file() and "node_modules" not in p.parts]
        dirs = [p for p in project.rglob("*") if p.is_dir() and "node_modules" not in p.parts]
        what = rng.choice(["write", "delete", "mkdir", "rmtree", "move", "chmod", "dir2file"])
        if what == "write":
            target = rng.choice(files) if files and rng.random() < 0.5 else project / f"f{step}.txt"
            target.write_bytes(os.urandom(rng.randint(0, 300)))
        elif what == "delete" and files:
            rng.choice(files).unlink()
        elif what == "mkdir":
            (project / f"d{step}" / "x").mkdir(parents=True)
            (project / f"d{step}" / "x" / "y.txt").write_text(str(step))
        elif what == "rmtree" and dirs:
            shutil.rmtree(rng.choice(dirs))
        elif what == "move" and dirs:
            src = rng.choice(dirs)
            if src.exists():
                src.rename(project / f"moved{step}")
        elif what == "chmod" and files:
            rng.choice(files).chmod(0o755)
        elif what == "dir2file" and dirs:
            d = rng.choice(dirs)
            if d.exists():
                shutil.rmtree(d)
                d.write_text("now a file")
        inc = j.snapshot("action", action=what)
        fresh = Journal(str(project), j.folder, RULES)
        fresh._full_scan()
        assert j.model.files.keys() == fresh.model.files.keys(), (step, what)
        assert {k: v.sha for k, v in j.model.files.items()} == {k: v.sha for k, v in fresh.model.files.items()}
        assert fresh.model.write_trees(fresh.store) == j.store[inc.commit.encode()].tree
    j.close()


def test_an_unchanged_tree_makes_no_new_commit(project: Path) -> None:
    j = journal(project)
    j.watch()
    a = j.snapshot("start")
    b = j.snapshot("action", action="ls")
    assert a.commit == b.commit and (a.id, b.id) == ("a1", "a2")
    (project / "x").write_text("1")
    c = j.snapshot("action", action="echo 1 > x")
    assert c.commit != b.commit
    j.close()


def test_left_out_secrets_dependencies_big_files_and_nested_repositories(project: Path) -> None:
    (project / ".env").write_text("RAILWAY_API_TOKEN=4f6c2b9e-1c3d-4a5b-8c7d-9e0f1a2b3c4d\n")
    (project / "certs").mkdir()
    (project / "certs" / "server.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (project / "big.log").write_bytes(b"x" * (RULES.max_file + 1))
    (project / "vendor" / "lib" / ".git").mkdir(parents=True)
    (project / "vendor" / "lib" / "code.py").write_text("nested")
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").write_text("")
    masked = project / "ops" / "notes.md"
    masked.parent.mkdir()
    masked.write_text("see the token\n")
    j = journal(project, exclude=[str(masked)])
    j.snapshot("start")
    kept = set(j.model.files)
    for left_out in (".env", "certs/server.pem", "big.log", "vendor/lib/code.py", ".venv/bin/python",
                     "node_modules/pkg/index.js", "ops/notes.md"):
        assert left_out not in kept, left_out
    assert {"src/app.py", "README.md", "run.sh", ".gitattributes", "src/current"} <= kept
    assert j.skipped_big == {"big.log"} and "vendor/lib" in j.skipped_nested
    blobs = b"".join(j.store[s.sha].as_raw_string() for s in j.model.files.values())
    assert b"4f6c2b9e" not in blobs
    j.close()


def test_undo_never_deletes_what_the_journal_does_not_hold(project: Path) -> None:
    j = journal(project)
    j.watch()
    first = j.snapshot("start")
    (project / "src" / "app.py").unlink()
    (project / "src" / "app.py").mkdir()  # a folder now where the file was...
    (project / "src" / "app.py" / "keep.bin").write_bytes(b"x" * (RULES.max_file + 10))  # ...holding a big file
    (project / "node_modules" / "pkg" / "index.js").write_text("changed\n")
    done = restore(j, pick(j.entries(), before=first.id))
    assert (project / "src" / "app.py").read_bytes() == b"print('hi')\r\n"
    assert done.moved_aside and os.path.isfile(os.path.join(done.replaced_dir, "src/app.py/keep.bin"))
    assert (project / "node_modules" / "pkg" / "index.js").read_text() == "changed\n"  # left out: not touched
    j.close()


def test_inotify_overflow_or_no_watcher_falls_back_to_a_rescan(project: Path) -> None:
    j = journal(project)
    j.snapshot("start")  # no watcher: every snapshot rescans
    (project / "src" / "app.py").write_text("v2")
    e = j.snapshot("action", action="x")
    assert j.store[j.store[e.commit.encode()].tree] is not None and "src/app.py" in j.model.files
    j.watch()
    assert j.watcher is not None
    j.watcher.full_why = "the inotify queue overflowed"  # as after IN_Q_OVERFLOW
    (project / "src" / "lib" / "util.py").unlink()
    j.snapshot("action", action="y")
    assert "src/lib/util.py" not in j.model.files
    j.close()


def test_stat_cache_survives_reopening(project: Path) -> None:
    j = journal(project)
    j.snapshot("start")
    j.close()
    again = journal(project)
    again._load()
    assert all(s.stat[0] >= 0 for s in again.model.files.values())  # loaded: nothing needs reading again
    (project / "README.md").write_text("edited while no session ran\n")
    e = again.snapshot("start")
    assert again.store[again.model.files["README.md"].sha].as_raw_string() == b"edited while no session ran\n"
    assert len(read_entries(again.folder)) == 2 and e.id == "a2"
    again.close()


def test_journal_folder_is_private_and_found_from_a_subfolder(project: Path, tmp_path: Path) -> None:
    j = journal(project)
    j.snapshot("start")
    assert os.stat(j.folder).st_mode & 0o077 == 0
    assert find_project(str(project / "src" / "lib")) == str(project.resolve())
    assert find_project(str(tmp_path)) is None
    j.close()


def test_the_journal_is_a_git_repository(project: Path) -> None:
    j = journal(project)
    e = j.snapshot("start")
    j.close()
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    out = subprocess.run([git, "--git-dir", os.path.join(j.folder, "git"), "ls-tree", "-r", "--name-only", e.commit],
                         capture_output=True, text=True, check=True).stdout.split()
    assert "src/app.py" in out and "node_modules/pkg/index.js" not in out
    fsck = subprocess.run([git, "--git-dir", os.path.join(j.folder, "git"), "fsck", "--strict"], capture_output=True,
                          text=True)
    assert fsck.returncode == 0, fsck.stderr


def test_too_many_files_is_refused(project: Path) -> None:
    j = journal(project, rules=JournalRules(RULES.skip_dirs, RULES.max_file, 3))
    with pytest.raises(JournalError, match="more than 3 files"):
        j.snapshot("start")


@pytest.mark.parametrize(("text", "offset"), [("10m", 600), ("2h ago", 7200), ("30s", 30), ("1.5h", 5400)])
def test_parse_relative_times(text: str, offset: float) -> None:
    assert parse_time(text, now=1_000_000.0) == 1_000_000.0 - offset


def test_parse_clock_and_iso_times() -> None:
    import datetime as dt

    now = dt.datetime(2026, 3, 1, 15, 0).timestamp()
    assert parse_time("14:03", now=now) == dt.datetime(2026, 3, 1, 14, 3).timestamp()
    assert parse_time("2026-02-28T09:00:05") == dt.datetime(2026, 2, 28, 9, 0, 5).timestamp()
    with pytest.raises(JournalError, match="cannot read the time"):
        parse_time("yesterday-ish")


def test_pick_by_id_and_by_time(project: Path) -> None:
    j = journal(project)
    a = j.snapshot("start")
    time.sleep(0.05)
    b = j.snapshot("action", action="x")
    entries = j.entries()
    assert pick(entries, before="a2") == pick(entries, before="2") == entries[1]
    import datetime as dt

    assert pick(entries, to=dt.datetime.fromtimestamp(b.ts + 0.5).isoformat()) == entries[1]
    assert pick(entries, to=dt.datetime.fromtimestamp(a.ts + 0.01).isoformat()) == entries[0]
    with pytest.raises(JournalError, match="starts at"):
        pick(entries, to="2000-01-01T00:00")
    with pytest.raises(JournalError, match="no journal entry"):
        pick(entries, before="a99")
    j.close()


# --- the egress proxy's rules -------------------------------------------------------------------


def _rules(**kw: Any) -> HostRules:
    return HostRules.build(["api.anthropic.com", "*.pythonhosted.org", "example.org:8443", "127.0.0.1:*",
                            "backboard.railway.app"], ports=(443,), providers={"backboard.railway.*": "railway"},
                           gateway_url="http://127.0.0.1:8790", **kw)


@pytest.mark.parametrize(("host", "port", "why"), [
    ("backboard.railway.app", 443, "only through the credential gateway"),  # listed, but a provider API
    ("BACKBOARD.RAILWAY.APP.", 443, "only through the credential gateway"),
    ("evil.example.com", 443, "not on this session's allow-list"),
    ("api.anthropic.com", 80, "not on this session's allow-list"),  # a listed name on another port
    ("example.org", 443, "not on this session's allow-list"),  # example.org is listed for 8443 only
    ("api.anthropic.com.evil.com", 443, "not on this session's allow-list"),
    ("evil.com/x.pythonhosted.org", 443, "not a host name"),
    ("localhost", 443, "not on this session's allow-list"),
])
def test_refused_hosts(host: str, port: int, why: str) -> None:
    with pytest.raises(Refused, match=why):
        decide(_rules(), host, port)


def test_an_allowed_name_that_resolves_inward_is_refused() -> None:
    rules = HostRules.build(["localhost"], ports=(443,))
    decide(rules, "localhost", 443)  # listed by its own name: the user meant it
    rules = HostRules.build(["*.localhost", "*"], ports=(443,))
    with pytest.raises(Refused, match="loopback or private"):
        decide(rules, "localhost", 443)


def test_allowed_literal_and_wildcards() -> None:
    rules = _rules()
    assert decide(rules, "127.0.0.1", 5000)
    assert rules.allowed("files.pythonhosted.org", 443) == ("*.pythonhosted.org", "")
    assert rules.allowed("example.org", 8443) == ("example.org", "8443")


@pytest.fixture()
def upstream() -> Iterator[int]:
    with serving(lambda r: f"upstream {r.path} proxy-auth={r.headers.get('Proxy-Authorization')}".encode()) as port:
        yield port


def _ask(sock: str, request: bytes) -> bytes:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock)
    s.sendall(request)
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    s.close()
    return out


def test_proxy_relays_allowed_and_refuses_the_rest(tmp_path: Path, upstream: int) -> None:
    refused: list[tuple[str, int, str, str]] = []
    sock = str(tmp_path / "egress.sock")
    proxy = EgressProxy(sock, HostRules.build([f"127.0.0.1:{upstream}"], ports=(443,)),
                        on_refusal=lambda *a: refused.append(a)).start()
    try:
        plain = _ask(sock, f"GET http://127.0.0.1:{upstream}/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Proxy-Authorization: Basic c2VjcmV0\r\n\r\n".encode())
        assert b"200 OK" in plain and b"upstream /x?y=1 proxy-auth=None" in plain
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(sock)
        s.sendall(f"CONNECT 127.0.0.1:{upstream} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /tunnel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = b""
        while chunk := s.recv(65536):
            got += chunk
        s.close()
        assert b"upstream /tunnel" in got
        no = _ask(sock, b"CONNECT backboard.railway.app:443 HTTP/1.1\r\n\r\n")
        assert no.startswith(b"HTTP/1.1 403") and b"allow-list" in no
        assert refused == [("CONNECT", 443, "backboard.railway.app", refused[0][3])]
        bad = _ask(sock, b"GET /origin-form HTTP/1.1\r\nHost: x\r\n\r\n")
        assert bad.startswith(b"HTTP/1.1 403")
        assert os.stat(sock).st_mode & 0o077 == 0
    finally:
        proxy.close()


# --- profiles -----------------------------------------------------------------------------------


def test_profiles_come_from_trusted_files_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    user = tmp_path / "cfg" / "blastwall" / "blastwall.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[run.profiles.web]\nhosts = ["registry.example.com"]\nfolders = ["~/.npm:rw"]\n'
                    'databases = ["DATABASE_URL"]\n')
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "blastwall.toml").write_text('[run.profiles.default]\nhosts = ["*"]\n')
    web = load_profile("web", str(proj))
    assert web.hosts == ("registry.example.com",) and web.folders == ("~/.npm:rw",)
    default = load_profile(None, str(proj))
    assert default.hosts == () and any("ignored until a human trusts" in n for n in default.notes)
    with pytest.raises(ProfileError, match="no profile"):
        load_profile("missing", str(proj))
    user.write_text('[run.profiles.web]\nhost = ["typo"]\n')
    with pytest.raises(ProfileError, match="unknown key"):
        load_profile("web", str(proj))


# --- the hook relay (outside the sandbox) -------------------------------------------------------


def _relay(tmp_path: Path, project: Path, j: Journal | None) -> Any:
    from blastwall.doors.hook_command import hook_argv
    from blastwall.doors.run.relay import Relay

    env = {**os.environ, "BLASTWALL_DAEMON": "off", "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    return Relay(str(tmp_path / "hook.sock"), project=str(project), journal=j, env=env,
                 hook_command=lambda agent, t: hook_argv(agent, t, form="python"), run_id="run-test")


def _payload(project: Path, tool: str, tool_input: dict[str, Any]) -> bytes:
    import json

    return json.dumps({"hook_event_name": "PreToolUse", "tool_name": tool, "session_id": "s-1", "cwd": str(project),
                       "tool_input": tool_input}).encode()


def test_relay_snapshots_before_actions_not_reads_and_notes_the_verdict(tmp_path: Path, project: Path) -> None:
    j = journal(project)
    j.watch()
    j.snapshot("start")
    relay = _relay(tmp_path, project, j)
    try:
        header = {"agent": "claude-code", "timeout_s": 30, "started": time.monotonic(), "env": {}}
        read = relay.answer(None, header, _payload(project, "Read", {"file_path": str(project / "README.md")}))
        assert read["code"] == 0 and len(j.entries()) == 1  # a read: no snapshot
        deny = relay.answer(None, header, _payload(project, "Bash", {"command": "rm -rf /"}))
        assert "deny" in deny["out"]
        ok = relay.answer(None, header, _payload(project, "Bash", {"command": "ls src"}))
        assert ok["code"] == 0 and ok["out"] == ""
        entries = j.entries()
        assert [(e.kind, e.meta.get("action"), e.meta.get("decision")) for e in entries[1:]] == [
            ("action", "rm -rf /", "deny"), ("action", "ls src", "allow")]
        assert [c.decision for c in relay.calls] == ["allow", "deny", "allow"] and relay.sessions == {"s-1"}
    finally:
        relay.close()
        j.close()


def test_relay_blocks_when_the_journal_cannot_snapshot(tmp_path: Path, project: Path) -> None:
    j = journal(project, rules=JournalRules(RULES.skip_dirs, RULES.max_file, 2))  # every scan fails: too many files
    relay = _relay(tmp_path, project, j)
    try:
        header = {"agent": "claude-code", "timeout_s": 30, "started": time.monotonic(), "env": {}}
        out = relay.answer(None, header, _payload(project, "Bash", {"command": "ls"}))
        assert out["code"] == 2 and "journal could not take a snapshot" in out["err"]
    finally:
        relay.close()


def test_relay_speaks_the_daemon_protocol_over_its_socket(tmp_path: Path, project: Path) -> None:
    """The hook client finds the relay where it looks for the checker, as inside the sandbox."""
    import tempfile

    from blastwall.daemon import client, place
    from blastwall.doors.run.relay import Relay

    runtime = Path(tempfile.mkdtemp(prefix="bw-rt-"))  # short: a socket path has at most 107 bytes
    try:
        key_env = {"HOME": "/nowhere", "XDG_RUNTIME_DIR": str(runtime)}
        (runtime / "blastwall").mkdir(mode=0o700)
        base = _relay(tmp_path, project, None)
        base.close()
        relay = Relay(str(runtime / "blastwall" / f"{place.daemon_key(key_env)}.sock"), project=str(project),
                      journal=None, env=base.env, hook_command=base.hook_command, run_id="run-test").start()
        try:
            answer = client.ask("claude-code", _payload(project, "Bash", {"command": "rm -rf /"}), timeout_s=30,
                                started=time.monotonic(), deadline=time.monotonic() + 25, env=key_env)
            assert answer is not None and answer.code == 0 and "deny" in answer.out
        finally:
            relay.close()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def test_run_refuses_off_linux_and_names_the_weaker_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.doors.run.session import RunRefused, check_platform

    monkeypatch.setattr("sys.platform", "darwin")
    with pytest.raises(RunRefused, match="needs Linux") as caught:
        check_platform("claude", "claude-code")
    assert "blastwall install claude-code" in str(caught.value) and caught.value.code == 125


def test_a_journal_inside_its_project_leaves_itself_out(project: Path) -> None:
    j = Journal.open(str(project), rules=RULES, root=str(project / "state" / "journal"))
    j.watch()
    j.snapshot("start")
    (project / "x.txt").write_text("1")
    j.snapshot("action", action="x")
    assert not any(p.startswith("state/journal") for p in j.model.files)
    j.close()


def test_run_without_a_network_namespace_offers_the_sandbox_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from blastwall.doors.run.session import RunRefused, check_platform
    from blastwall.doors.sandbox import probe as probe_module

    def fake(*, net: bool = False, bwrap: str | None = None) -> probe_module.Probe:
        if net:
            return probe_module.Probe(False, "/usr/bin/bwrap", (), "bubblewrap cannot create a sandbox here "
                                      "(Operation not permitted)")
        return probe_module.Probe(True, "/usr/bin/bwrap")

    monkeypatch.setattr(probe_module, "probe", fake)
    with pytest.raises(RunRefused, match="network of its own") as caught:
        check_platform("codex", "codex")
    assert "blastwall sandbox -- codex" in str(caught.value) and "blastwall install codex" in str(caught.value)
