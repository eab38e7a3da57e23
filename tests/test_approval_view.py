"""What an approver reads: the sentence of what would be lost, the radius list, where, what the
agent said (approvals/view.py); the action laid out for reading with invisible characters marked
(approvals/pretty.py); `blastwall show` and `blastwall audit --session` in a real terminal
process; the session timeline read back from the audit log (audit/timeline.py); a window opened
from a request covers its folder and its rules only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from approval_scenes import POLICY, bash_call, decision_of, hook, make_repo
from hookio import private_env
from hypothesis import given, settings
from hypothesis import strategies as st
from pg import PgServer, postgres  # noqa: F401  (the session fixture)

from blastwall.approvals import decide, keys, pretty, view
from blastwall.approvals.messages import desktop_text, slack_payload
from blastwall.approvals.requests import build_request
from blastwall.approvals.settings import Window
from blastwall.audit.timeline import session_steps
from blastwall.doors.hooks import codex, cursor, gemini, opencode
from blastwall.engine import check_action
from blastwall.model import Action, Context, Surface
from blastwall.store import open_store
from blastwall.store.base import Request, Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for var in ("BLASTWALL_DATABASE_URL", "BLASTWALL_ENVIRONMENT"):
        monkeypatch.delenv(var, raising=False)
    return private_env(tmp_path, monkeypatch, POLICY, NO_COLOR="1", COLUMNS="160", TERM="dumb")


@pytest.fixture()
def store(env: dict[str, str]) -> Store:
    return open_store()


def request_for(payload: object, surface: Surface = Surface.SHELL, cwd: str = "/srv/app", **ctx: str) -> Request:
    action = Action(surface, payload, Context(cwd=cwd, agent="claude-code", session="s-1", **ctx))
    verdict = check_action(action)
    return build_request([action], [verdict], list(verdict.reasons), required=1, expires_s=600)


def only(store: Store, session: str) -> Request:
    (req,) = [r for r in store.list_requests(include_expired=True) if r.session == session]
    return req


# --- what is made visible ------------------------------------------------------------------------------------

BASE = "rm -rf build"
# A variant of BASE that differs only in what a human cannot see, and what the marker says.
INVISIBLE = [
    (BASE + " ", "trailing space"),
    (BASE + "\t", "tab"),
    (" " + BASE, "leading space"),
    (BASE.replace(" ", "\u00a0", 1), "no-break space"),
    (BASE.replace(" ", "\u2002", 1), "en space"),
    (BASE.replace(" ", "\u3000", 1), "ideographic space"),
    (BASE[:3] + "\u200b" + BASE[3:], "zero width space"),
    (BASE[:3] + "\u202e" + BASE[3:], "right-to-left override"),
    ("\ufeff" + BASE, "zero width no-break space"),
    (BASE + "\r", "carriage return"),
    (BASE + "\u2028", "line separator"),
    (BASE[:3] + "\x1b[8m" + BASE[3:], "escape"),
]


@pytest.mark.parametrize(("variant", "mark"), INVISIBLE)
def test_what_cannot_be_seen_is_marked(variant: str, mark: str) -> None:
    for pieces in (pretty.visible(variant), pretty.visible(variant, one_line=True)):
        assert mark in [p.mark for p in pieces] or any(mark in p.mark for p in pieces), pieces
        assert pretty.plain(pieces) != BASE
    assert not pretty.marked(pretty.visible(BASE)) and not pretty.marked(pretty.one_line(BASE))


def test_spacing_newlines_and_long_lines_in_one_line() -> None:
    assert pretty.plain(pretty.one_line("rm  -rf build")) == "rm ·-rf build"
    assert pretty.plain(pretty.one_line("cd /tmp\nrm -rf x")) == "cd /tmp↵rm -rf x"
    block = pretty.visible("SELECT 1\n  FROM t  \n")
    assert pretty.plain(block) == "SELECT 1\n  FROM t··↵\n"  # indentation stays, trailing and final newline marked
    long = pretty.one_line("x" * 1000 + " ")
    assert len(pretty.plain(long)) < 320 and pretty.plain(long).endswith("x·") and "…" in pretty.plain(long)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_nothing_unseen_is_left_unmarked(text: str) -> None:
    for one_line in (False, True):
        for piece in pretty.visible(text, one_line=one_line):
            if piece.mark:
                continue
            for ch in piece.text:
                if ch == "\n" and not one_line:
                    continue
                assert unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs") and \
                    (ch == " " or unicodedata.category(ch) != "Zs"), (text, piece)


# --- the action laid out -------------------------------------------------------------------------------------


def test_sql_is_formatted_with_sqlglot_beside_its_exact_text() -> None:
    req = request_for("drop table bookings; delete from users where id in (select id from old_users)", Surface.SQL)
    formatted, exact = pretty.blocks(req.actions[0])
    assert formatted.kind == "formatted" and "sqlglot" in formatted.label
    assert formatted.text.startswith("DROP TABLE bookings;\n\nDELETE FROM users\nWHERE")
    assert exact.kind == "exact" and exact.text == req.actions[0]["payload"] and not exact.folded
    assert pretty.blocks({"surface": "sql", "payload": "DROP TABLE ((("})[0].label == "SQL"  # unparsed: as sent


def test_graphql_and_json_bodies_are_printed_not_escaped() -> None:
    query = 'mutation Del($id: String!) { volumeDelete(volumeId: $id) { id } }'
    body = json.dumps({"query": query, "variables": {"id": "vol-1"}, "operationName": "Del"})
    req = request_for({"method": "POST", "url": "https://backboard.railway.app/graphql/v2", "body": body}, Surface.HTTP)
    labels = {b.label: b for b in pretty.blocks(req.actions[0])}
    printed = labels["GraphQL operation Del"].text
    assert printed.splitlines()[0] == "mutation Del($id: String!) {" and "volumeDelete(volumeId: $id)" in printed
    assert '\\"' not in printed and '"vol-1"' in labels["GraphQL variables"].text
    assert labels["body as sent"].folded and labels["request"].text.startswith("POST https://backboard")
    rest = pretty.blocks({"surface": "http", "payload": {"method": "DELETE", "url": "https://api.example/x",
                                                         "body": '{"force":true,"ids":[1,2]}'}})
    assert [b.label for b in rest] == ["request", "body (JSON)", "body as sent"]
    assert rest[1].text == '{\n  "force": true,\n  "ids": [\n    1,\n    2\n  ]\n}'


def test_edits_are_diffs_and_mcp_sql_arguments_are_formatted() -> None:
    edit = {"surface": "file_write", "payload": {"path": "db/migrate/1_drop.rb", "edits": [
        {"old": "  def change\n  end\n", "new": "  def change\n    drop_table :bookings\n  end\n"}]}}
    blocks = pretty.blocks(edit)
    assert blocks[0].text == "db/migrate/1_drop.rb" and blocks[1].kind == "diff"
    assert "+    drop_table :bookings" in blocks[1].text.splitlines()
    mcp = {"surface": "mcp", "payload": {"server": "pg", "tool": "query", "arguments": {
        "sql": "truncate orders;\ndelete from users", "database": "app"}}}
    labels = [b.label for b in pretty.blocks(mcp)]
    assert labels == ["tool", "arguments", "argument sql, formatted with sqlglot", "argument sql as sent"]


# --- the sentence, the radius list, where ----------------------------------------------------------------


def test_the_headline_names_what_is_lost_where(tmp_path: Path) -> None:
    req = request_for("psql -h db.prod.example.com -c 'drop table bookings'")
    assert view.headline(req) == ("DROP TABLE deletes bookings and all its rows (via psql -c), in an unverified "
                                  "environment (treated as production).")
    (place,) = view.places(req)
    assert place.environment == "unknown" and place.treated_as_production
    assert "db.prod.example.com (-h) is not on this machine" in place.evidence[0]
    repo = make_repo(tmp_path / "repo")
    files = request_for("rm -rf src", cwd=str(repo))
    assert view.headline(files) == "rm deletes src (a project file): 3 files, 64 bytes: 1 untracked, 1 modified."
    (loss,) = view.losses(files)
    assert loss.items == (("src/app.py", "modified"), ("src/notes.txt", "untracked"), ("src/util.py", "committed"))
    assert view.places(files) == []
    many = request_for("rm -rf src; git reset --hard HEAD~2; git push --force origin main", cwd=str(repo))
    assert view.headline(many).count(";") >= 2 and "more effect" in view.headline(many)
    hinted = request_for("rm -rf src", cwd=str(repo), environment="production")
    assert [p.environment for p in view.places(hinted)] == ["production"]
    assert "not proved" in view.places(hinted)[0].evidence[0]


def test_slack_and_desktop_lead_with_the_sentence(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    req = request_for("rm -rf src ", cwd=str(repo))._replace(radius=None)
    blocks = slack_payload(req, "http://127.0.0.1:8765")["blocks"]
    assert blocks[1]["text"]["text"] == f"*{view.headline(req)}*"
    lost = blocks[2]["text"]["text"]
    assert lost.startswith("*What would be lost*") and "◦ modified: src/app.py" in lost
    assert any(b.get("text", {}).get("text") == "```rm -rf src·```" for b in blocks)  # the trailing space shows
    assert desktop_text(req).splitlines()[0] == view.headline(req)


# --- what the agent said -----------------------------------------------------------------------------------


def test_the_agents_description_is_shown_never_bound(env: dict[str, str], store: Store, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    first = hook(bash_call("rm -rf src", repo, "s-said", description="Clear the generated sources"))
    again = hook(bash_call("rm -rf src", repo, "s-said", description="Try once more"))
    assert decision_of(first) == decision_of(again) == "deny"  # held for approval, both times
    req = only(store, "s-said")  # one request: the description is not part of the action's digest
    assert view.said(req) == "Clear the generated sources"
    assert "Clear the generated" not in json.dumps(list(req.actions))
    said = [json.loads(r.data).get("said") for r in store.audit_rows(kind=["verdict"])]
    assert said == ["Clear the generated sources", "Try once more"]


@pytest.mark.parametrize(("door", "data", "expected"), [
    (gemini.DOOR, {"tool_name": "run_shell_command", "tool_input": {"command": "ls", "description": "list"}}, "list"),
    (opencode.DOOR, {"tool": "bash", "args": {"command": "ls", "description": "look"}}, "look"),
    (codex.DOOR, {"tool_name": "Bash", "tool_input": {"command": "ls", "description": "peek"}}, "peek"),
    (gemini.DOOR, {"tool_name": "mcp_jira_create", "tool_input": {"description": "issue body"}}, None),
    (opencode.DOOR, {"tool": "jira_create", "args": {"description": "issue body"}}, None),
    (cursor.DOOR, {"tool_name": "Shell", "tool_input": {"command": "ls", "description": "x"}}, None),
    (codex.DOOR, {"tool_name": "Bash", "tool_input": {"command": "ls", "description": ["not", "text"]}}, None),
])
def test_which_field_is_the_agents_own_account(door: object, data: dict[str, object], expected: str | None) -> None:
    assert door.said(data) == expected  # type: ignore[attr-defined]


# --- the session timeline ------------------------------------------------------------------------------------


def test_a_session_reads_back_in_order_and_only_its_own(env: dict[str, str], store: Store, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    hook(bash_call("git status", repo, "s-1", description="look first"))
    hook(bash_call("git status", repo, "s-10"))  # another session whose id starts the same
    call = bash_call("rm -rf src", repo, "s-1")
    hook(call)
    req = only(store, "s-1")
    keys.generate("alice", None, role="approver")
    public, private = keys.load_private("alice", None)
    decide.approve(store, req.id, private, public, approver="alice")
    assert decision_of(hook(call)) == "allow"
    steps = session_steps(store, "s-1")
    kinds = [(s.kind, s.decision) for s in steps]
    assert kinds[:5] == [("verdict", "allow"), ("verdict", "ask"), ("request", ""), ("approve", ""), ("verdict", "ask")]
    assert ("grant-used", "") in kinds and ("snapshot", "") in kinds
    assert steps[0].said == "look first" and steps[0].action == "git status"
    assert all(s.data.get("session") in (None, "s-1") for s in steps)
    assert [s.seq for s in steps] == sorted(s.seq for s in steps)
    assert session_steps(store, "s-2") == [] and len(session_steps(store, "s-10")) == 1


def test_the_timeline_reads_the_same_from_postgresql(env: dict[str, str], postgres: PgServer) -> None:  # noqa: F811
    from blastwall.audit.log import record
    from blastwall.audit.timeline import lead_up

    postgres.create_database("bw_timeline")
    store = open_store(postgres.dsn("bw_timeline"))
    for i, session in enumerate(["s-1", "s-10", "s-1", "s-1%", "s-1"]):
        record(store, "verdict", f"d{i}", {"decision": "allow", "action": f"ls {i}", "session": session})
    record(store, "request", "bw-pgpgpgpg", {"digest": "d4", "session": "s-1", "required": 1})
    record(store, "approve", "bw-pgpgpgpg", {"approver": "alice", "approvals": 1, "required": 1})
    steps = session_steps(store, "s-1")
    assert [s.action for s in steps] == ["ls 0", "ls 2", "ls 4", "approval request bw-pgpgpgpg filed",
                                         "approved by alice"]
    assert [s.action for s in session_steps(store, "s-1%")] == ["ls 3"]  # a LIKE wildcard is only a character
    assert [s.action for s in lead_up(store, "s-1", "bw-pgpgpgpg", count=2)] == ["ls 4",
                                                                               "approval request bw-pgpgpgpg filed"]
    store.close()


# --- in a terminal ---------------------------------------------------------------------------------------------


def blastwall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "blastwall", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_show_leads_with_the_sentence_and_marks_the_files(env: dict[str, str], store: Store, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    call = bash_call("rm -rf src ", repo, "s-show", description="Regenerate the sources")
    hook(call)
    req = only(store, "s-show")
    shown = blastwall(env, "show", req.id)
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip(" │╭╮╰╯─") for line in shown.stdout.splitlines()]
    assert lines[1] == view.headline(req) and req.id in lines[0]
    text = "\n".join(lines)
    assert text.index("What would be lost") < text.index("Where") < text.index("agent said") < text.index("The action")
    assert "modified   src/app.py" in text and "untracked  src/notes.txt" in text and "committed  src/util.py" in text
    assert "“Regenerate the sources”" in text and "rm -rf src·" in text
    assert "waiting for a decision: 0 of 1 approval so far" in text and f"blastwall approve {req.id}" in text
    assert req.digest not in text and "shell.fs:rm" in text
    raw = blastwall(env, "show", req.id, "--raw").stdout
    assert req.digest in raw and "Why blastwall asked" in raw
    keys.generate("alice", None, role="approver")
    public, private = keys.load_private("alice", None)
    decide.approve(store, req.id, private, public, approver="alice")
    assert decision_of(hook(call)) == "allow"
    used = blastwall(env, "show", req.id).stdout
    assert "approved and used: the action went ahead (by alice)" in used
    assert "blastwall approve" not in used and "0 of 1" not in used


def test_audit_session_prints_the_timeline(env: dict[str, str], store: Store, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    hook(bash_call("git log --oneline", repo, "s-audit", description="read the history"))
    hook(bash_call("rm -rf src", repo, "s-audit", description="start over"))
    req = only(store, "s-audit")
    printed = blastwall(env, "audit", "--session", "s-audit")
    assert printed.returncode == 0, printed.stderr
    out = printed.stdout
    assert out.index("ALLOW       git log --oneline") < out.index("said: read the history") < out.index("ASK         rm -rf src") \
        < out.index("said: start over") < out.index(f"approval request {req.id} filed")
    lines = [json.loads(line) for line in blastwall(env, "audit", "--session", "s-audit", "--json").stdout.splitlines()]
    assert [(x["kind"], x["decision"]) for x in lines] == [("verdict", "allow"), ("verdict", "ask"), ("request", "")]
    missing = blastwall(env, "audit", "--session", "nobody")
    assert missing.returncode == 1 and "no action of session nobody" in missing.stdout


# --- a window opened from a request ------------------------------------------------------------------------


def test_a_window_from_a_request_covers_its_folder_and_rules_only(env: dict[str, str], store: Store,
                                                                   tmp_path: Path) -> None:
    here, there = make_repo(tmp_path / "here"), make_repo(tmp_path / "there")
    keys.generate("server", None, role="server")
    public, private = keys.load_private("server", None)
    decide.open_window(store, "clean-src", Window("clean-src", "shell", "rm -rf src*", 7200), private, public,
                       approver="web:ada", for_s=600, cwd=str(here), rules=["shell.fs:rm"])
    assert decision_of(hook(bash_call("rm -rf src", here, "w-1"))) == "allow"
    assert decision_of(hook(bash_call("rm -rf src", there, "w-2"))) == "deny"  # another folder: held
    assert decision_of(hook(bash_call("rm -rf src; git reset --hard", here, "w-3"))) == "deny"  # another rule
    assert os.path.isdir(here / "src")  # checked, never run
    from blastwall.approvals.gate import _in_scope

    unread = [Action(Surface.SHELL, "rm -rf src $(cat list)", Context(cwd=str(here)))]
    assert not _in_scope({"cwd": str(here), "rules": ["shell.fs:rm"]}, unread, [])  # nothing known: never covered
    assert _in_scope({"name": "from-a-terminal"}, unread, [])  # `approve --window`: the pattern alone decides


# --- any stored request renders -------------------------------------------------------------------------------

_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12)
_finding = st.fixed_dictionaries({}, optional={
    "rule_id": _json, "effect": _json, "severity": st.sampled_from(["none", "low", "high", "x"]) | _json,
    "reason": _json, "target": _json, "environment": _json, "evidence": _json,
    "radius": _json | st.fixed_dictionaries({"measured": _json, "summary": _json, "items": _json, "details": _json,
                                             "counts": _json})})
_action = st.fixed_dictionaries({"surface": st.sampled_from(["shell", "sql", "http", "mcp", "file_write",
                                                             "file_read", "odd"]) | _json,
                                 "payload": _json, "context": _json})


@settings(max_examples=150, deadline=None)
@given(findings=st.lists(_finding | _json, max_size=4), actions=st.lists(_action | _json, max_size=3),
       radius=_json, status=st.sampled_from(["pending", "approved", "used", "denied", "expired"]))
def test_any_stored_request_renders_everywhere(findings: list[object], actions: list[object], radius: object,
                                               status: str) -> None:
    from rich.console import Console

    from blastwall.approvals.messages import webhook_payload
    from blastwall.approvals.web.pages import Viewer, pending_page
    from blastwall.approvals.web.request_page import Detail, request_page
    from blastwall.cli import describe, output

    req = Request(id="bw-abcdefgh", digest="d" * 64, surface="shell", summary="x", actions=tuple(actions),  # type: ignore[arg-type]
                  findings=tuple(findings), reasons=("r",), agent=None, session="s", cwd="/w",  # type: ignore[arg-type]
                  environment=None, required=1, created_at=0.0, expires_at=9e9, status=status,
                  radius=radius)  # type: ignore[arg-type]
    viewer = Viewer("ada", "t")
    assert "bw-abcdefgh" in request_page(Detail(req, 0, []), viewer, None, 1.0)
    assert "bw-abcdefgh" in pending_page(view.grouped([req]), viewer, None, 1.0)
    json.dumps(slack_payload(req, "http://127.0.0.1:8765"))
    json.dumps(webhook_payload(req))
    desktop_text(req)
    console = Console(file=open(os.devnull, "w"), width=100)  # noqa: SIM115
    saved, output.out = output.out, console
    try:
        describe.describe(req, [], raw=True)
    finally:
        output.out = saved
        console.file.close()
