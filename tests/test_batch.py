"""The batch contract (`check --batch`): the verdict of each line is the one `blastwall.check`
gives it alone, in input order, with one worker or several; no line starts a process or reaches
a server unless probes are asked for; a malformed line or a dying worker is an `ask`."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

import blastwall
from blastwall import batch
from blastwall.engine import make_action
from blastwall.policy.engine import default_policy

CASES = Path(__file__).parent / "cases"

# Lines whose blast radius or target a live probe would measure: clusters, containers,
# databases, repositories, a provider's volume.
PROBED = [
    {"kind": "shell", "input": "kubectl delete namespace production"},
    {"kind": "shell", "input": "helm uninstall postgres -n data"},
    {"kind": "shell", "input": "docker volume rm pgdata"},
    {"kind": "shell", "input": "docker compose down -v"},
    {"kind": "shell", "input": "psql -c 'DROP TABLE users'"},
    {"kind": "shell", "input": "railway volume delete pg-data"},
    {"kind": "sql", "input": "DELETE FROM orders"},
    {"kind": "sql", "input": "DROP TABLE invoices"},
    {"kind": "http", "input": {"method": "DELETE", "url": "https://k8s.example.com/api/v1/namespaces/prod"}},
    {"kind": "mcp", "input": {"server": "postgres", "tool": "query", "arguments": {"sql": "TRUNCATE payments"}}},
]
# The same with a working directory: files and git would be measured there.
LOCAL = ["git push --force origin main", "git reset --hard HEAD~3", "rm -rf src", "git clean -fdx", "git branch -D feature"]
MALFORMED = ['{"id": "broken", "kind": "shell", "input": "rm -rf /"', '[1, 2]', '{"id": "k", "kind": "ftp", "input": "x"}',
             '{"id": "noinput", "kind": "shell"}', '{"id": "badhttp", "kind": "http", "input": 42}', "not json at all"]
FAKE_TOOLS = ("kubectl", "helm", "docker", "git", "psql", "pg_dump", "pg_restore", "railway", "mysql", "sqlite3")


def _lines(rows: list[dict]) -> list[str]:
    return [json.dumps({"id": f"l{i}", **row}) + "\n" for i, row in enumerate(rows)]


def _case_rows() -> list[dict]:
    rows = []
    for name in ("shell_destructive.txt", "shell_safe.txt"):
        for raw in (CASES / name).read_text(encoding="utf-8").splitlines():
            text = raw.split(" => ")[0].strip()
            if text and not text.startswith("#"):
                rows.append({"kind": "shell", "input": text})
    return rows


def _answers(lines: list[str], **kw) -> list[dict]:
    out = io.StringIO()
    n = batch.run_batch(lines, out, default_policy(), **kw)
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert n == len(answers)
    return answers


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """A PATH of nothing but fake CLIs that record every call in calls.log."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "calls.log"
    for tool in FAKE_TOOLS:
        script = folder / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\nexit 1\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", str(folder))
    return log


@pytest.fixture
def repo(tmp_path) -> str:
    """A git repository with a tracked file (made before `fake_tools` hides the real git)."""
    folder = tmp_path / "repo"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "main.py").write_text("print('hi')\n")
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "add", "."], check=True)
    return str(folder)


@pytest.mark.parametrize("workers", [1, 2])
def test_no_process_starts_without_probe(repo, fake_tools, monkeypatch, workers):
    monkeypatch.setattr(batch, "PARALLEL_MIN", 4)
    monkeypatch.setattr(batch, "CHUNK", 3)
    started: list[object] = []
    real_popen = subprocess.Popen.__init__

    def record(self, args, *a, **kw):
        started.append(args)
        return real_popen(self, args, *a, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", record)
    rows = [*PROBED, *({"kind": "shell", "input": c, "context": {"cwd": repo}} for c in LOCAL)]
    answers = _answers(_lines(rows), workers=workers)
    assert not fake_tools.exists(), fake_tools.read_text()
    if workers == 1:
        assert started == []
    # Unmeasured and unverified targets are never a pass.
    assert [a["decision"] for a in answers if a["decision"] == "allow"] == []


def test_probe_runs_the_measuring_cli(fake_tools):
    """The fake PATH above is the one the measurers use: with probes on, kubectl is asked."""
    answers = _answers(_lines([{"kind": "shell", "input": "kubectl delete namespace production"}]), probe=True)
    assert "kubectl" in fake_tools.read_text()
    assert answers[0]["decision"] != "allow"


def test_probes_off_is_said_and_never_looser():
    line = _lines([{"kind": "shell", "input": "kubectl delete namespace production"}])
    off = _answers(line)[0]
    assert off["decision"] in ("ask", "deny")
    assert any("live probes are off" in r for r in off["reasons"])


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_verdicts_equal_single_checks(monkeypatch, workers):
    monkeypatch.setattr(batch, "PARALLEL_MIN", 16)
    monkeypatch.setattr(batch, "CHUNK", 7)
    rows = _case_rows()[::3] + PROBED
    lines = _lines(rows)
    lines[5:5] = [m + "\n" for m in MALFORMED]
    lines.insert(9, "   \n")  # blank lines are skipped, not answered
    answers = _answers(lines, workers=workers)
    expected = []
    policy = default_policy()
    for line in lines:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            verdict = blastwall.check(make_action(row["kind"], row["input"], row.get("context")), policy=policy, probe=False)
            expected.append({"id": row["id"], "decision": verdict.decision.value,
                             "reasons": list(verdict.reasons), "rule_ids": list(verdict.rule_ids)})
        except (ValueError, KeyError, TypeError):
            expected.append(None)
    assert len(answers) == len(expected)
    for got, want in zip(answers, expected):
        if want is None:
            assert got["decision"] == "ask" and got["rule_ids"] == ["core:malformed-input"], got
        else:
            assert got == want


def test_parallel_output_keeps_input_order(monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_MIN", 8)
    monkeypatch.setattr(batch, "CHUNK", 5)
    lines = _lines([{"kind": "shell", "input": f"echo {i}"} for i in range(60)])
    assert [a["id"] for a in _answers(lines, workers=2)] == [f"l{i}" for i in range(60)]


def test_a_dying_worker_is_an_ask_and_the_batch_goes_on(monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_MIN", 8)
    monkeypatch.setattr(batch, "CHUNK", 4)
    real = batch.check_line

    def crashing(line, number, policy, probe=False):
        if "CRASH" in line:
            os._exit(3)  # what a crash inside a parser looks like from the parent
        return real(line, number, policy, probe)

    monkeypatch.setattr(batch, "check_line", crashing)
    rows = [{"kind": "shell", "input": "echo ok"}] * 20
    rows[9] = {"kind": "shell", "input": "echo CRASH"}
    answers = _answers(_lines(rows), workers=2)
    assert [a["id"] for a in answers] == [f"l{i}" for i in range(20)]
    failed = answers[8:12]
    assert all(a["decision"] == "ask" and "worker process failed" in a["reasons"][0] for a in failed)
    assert all(a["decision"] == "allow" for a in answers[:8] + answers[12:])


def test_short_batch_runs_in_process(monkeypatch):
    def no_pool(*a, **kw):
        raise AssertionError("a short batch must not fork")

    monkeypatch.setattr(batch, "_run_parallel", no_pool)
    answers = _answers(_lines([{"kind": "shell", "input": "ls"}] * 10), workers=2)
    assert [a["decision"] for a in answers] == ["allow"] * 10
