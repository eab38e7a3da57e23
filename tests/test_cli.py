"""The `blastwall` command line as a user runs it: exit codes, JSON, batch contract, explain."""

from __future__ import annotations

import json
import subprocess
import sys

BLASTWALL = [sys.executable, "-m", "blastwall"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(BLASTWALL + list(args), input=stdin, capture_output=True, text=True, timeout=120,
                          check=False, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "BLASTWALL_POLICY": ""})


def test_exit_codes() -> None:
    assert run("check", "git status").returncode == 0
    assert run("check", "git push --force origin main").returncode == 3
    assert run("check", "rm -rf /").returncode == 4
    assert run("check", "--kind", "nonsense", "x").returncode == 2


def test_json_output() -> None:
    r = run("check", "--json", "git reset --hard")
    data = json.loads(r.stdout)
    assert data["decision"] == "ask"
    assert "shell.git:reset-hard" in data["rule_ids"]
    assert data["findings"][0]["severity"] == "high"
    assert len(data["action_digest"]) == 64


def test_stdin_and_kinds() -> None:
    assert run("check", "--kind", "sql", stdin="TRUNCATE orders").returncode == 3
    http = json.dumps({"method": "DELETE", "url": "https://api.github.com/repos/acme/api"})
    assert run("check", "--kind", "http", http).returncode == 3
    mcp = json.dumps({"server": "shell", "tool": "run_command", "arguments": {"command": "rm -rf /"}})
    assert run("check", "--kind", "mcp", mcp).returncode == 4


def test_batch_contract() -> None:
    lines = [
        {"id": "a", "kind": "shell", "input": "rm -rf ~"},
        "this is not json",
        {"id": "c", "kind": "sql", "input": "SELECT 1"},
        {"id": "d", "kind": "nope", "input": "x"},
        {"id": "e", "kind": "http", "input": {"method": "GET", "url": "https://example.com"}},
        {"id": "f", "kind": "mcp", "input": {"server": "fs", "tool": "read_file", "arguments": {"path": "README.md"}}},
        {"id": "g"},
    ]
    feed = "".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in lines)
    r = run("check", "--batch", "-", stdin=feed)
    assert r.returncode == 0
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", None, "c", "d", "e", "f", "g"]
    assert [o["decision"] for o in out] == ["deny", "ask", "allow", "ask", "allow", "allow", "ask"]
    assert all(set(o) == {"id", "decision", "reasons", "rule_ids"} for o in out)


def test_explain_shows_findings_and_timings() -> None:
    r = run("explain", "find . -name '*.py' -delete")
    assert r.returncode == 3
    assert "shell.fs:find-delete" in r.stdout and "stages:" in r.stdout


def test_rules_and_version() -> None:
    r = run("rules", "--json")
    ids = [x["id"] for x in json.loads(r.stdout)]
    assert "shell.git:push-force" in ids and len(ids) == len(set(ids))
    assert run("version").stdout.strip()


def test_demo_runs_and_stops_the_dangerous_steps() -> None:
    r = run("demo", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    steps = doc["steps"]
    by_story = {s["story"]: s["decision"] for s in steps}
    assert by_story["wants to force-push over the shared branch"] != "allow"
    assert by_story["hides rm -rf ~ in base64"] == "deny"
    assert by_story["cleans build output before a rebuild"] == "allow"
    assert steps[0]["tool"] != "-"  # no scan step: nothing has to run before the agent does
    token = next(s for s in steps if s["story"].startswith("looks for credentials in old notes"))
    assert token["decision"] == "deny" and "Railway token" in token["reason"]
    volume = next(s for s in steps if s["story"].startswith("guesses a volume is staging-only"))
    assert volume["decision"] != "allow"
    assert "production" in volume["reason"] and "postgres" in volume["reason"]  # what the provider reported
    assert by_story["tries to switch its own guard off"] != "allow"
    held, _, retried, again = steps[-4:]  # auto-run mode: held, approved by a signed grant, retried once
    assert held["decision"] == "deny" and "approval" in held["reason"]
    assert retried["decision"] == "allow" and again["decision"] == "deny"
    assert doc["audit"].endswith("one unbroken hash chain")


def test_text_that_looks_like_markup_is_printed_as_is() -> None:
    r = run("check", 'rm -rf "/srv/[/red]"')
    assert r.returncode == 3, r.stderr
    assert "[/red]" in r.stdout
    r = run("explain", 'echo "[bold]x[/bold]"')
    assert r.returncode == 0 and "[bold]x[/bold]" in r.stdout


def test_request_ids_and_numbers_are_printed_without_automatic_styling() -> None:
    """An id like bw-2jhtcd9p must print as one plain word (rich's highlighter bolded `2j`, which
    broke a search for the id in the output); styles come from markup only."""
    from blastwall.cli.output import err, out

    for console in (out, err):
        assert not console.render_str("denied bw-2jhtcd9p: 42 rows, 3.5 MB").spans
        assert console.render_str("[red]denied[/red] bw-2jhtcd9p").spans  # markup still styles
