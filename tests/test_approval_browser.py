"""The approval page in a real headless Chromium, at a phone's width (390 px): what a human sees
and can click. Requests are filed by real Claude Code hook calls (blastwall's own door, the real
store) on a real git repository; the page is `create_app` served by uvicorn.

- a pending request leads with the sentence of what would be lost, then the files with their
  state, where, and what the agent said; the raw facts are folded away;
- a request's state decides its buttons: none once it is approved, used or denied;
- requests for the very same action are one row with a count; a trailing space is visible;
- nothing is wider than the phone's screen;
- the session timeline lists the agent's actions in order, and a request shows what led up to it;
- approve-for-a-while opens a window for this folder and this rule only; a denial's reason
  reaches the agent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from approval_scenes import POLICY, Served, bash_call, decision_of, hook, make_repo
from hookio import private_env
from needs import playwright_for

from blastwall.approvals import keys, view
from blastwall.approvals.requests import build_request
from blastwall.approvals.web import auth, create_app
from blastwall.engine import check_action
from blastwall.model import Action, Context, Surface
from blastwall.store import open_store
from blastwall.store.base import Request, Store

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


class Site(NamedTuple):
    base: str
    store: Store
    browser: Any
    login: str  # the sign-in address with its token
    root: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    sync_playwright = playwright_for(CHROMIUM, "the browser tests")
    root = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("BLASTWALL_DATABASE_URL", "BLASTWALL_ENVIRONMENT", "BLASTWALL_KEY_PASSPHRASE_FILE"):
            mp.delenv(var, raising=False)
        private_env(root, mp, POLICY, NO_COLOR="1")
        keys.generate("server", None, role="server")
        served = Served(create_app(None, "server", None, approvals={}))
        store = open_store()
        token = auth.add_user(store, "ada", auth.key_secret(keys.load_private("server", None)[1]))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"])
                try:
                    yield Site(served.base, store, browser, f"{served.base}/login?token={token}", root)
                finally:
                    browser.close()
        finally:
            served.stop()
            store.close()


@pytest.fixture()
def page(site: Site) -> Iterator[Any]:
    """A signed-in tab the size of a phone."""
    context = site.browser.new_context(viewport=PHONE, device_scale_factor=1)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.goto(site.login)
    assert tab.url == f"{site.base}/"
    try:
        yield tab
    finally:
        context.close()


def pending_request(site: Site, session: str) -> Request:
    found = [r for r in site.store.list_requests(status=["pending"]) if r.session == session]
    assert len(found) == 1, found
    return found[0]


def fits(page: Any) -> None:
    """Nothing on the page is wider than the screen."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert width == PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert page.evaluate("document.body.scrollWidth") <= width, page.url


def approve_buttons(page: Any) -> int:
    return int(page.locator("button", has_text=re.compile("^Approve")).count())


# --- what a pending request leads with ---------------------------------------------------------------


def test_a_pending_request_leads_with_what_would_be_lost(site: Site, page: Any) -> None:
    repo = make_repo(site.root / "lead")
    answer = hook(bash_call("rm -rf src", repo, "s-lead", description="Remove the old sources before regenerating"))
    assert decision_of(answer) == "deny"  # held for a human's approval (mode defer)
    req = pending_request(site, "s-lead")
    page.goto(f"{site.base}/requests/{req.id}")
    headline = page.inner_text("#headline")
    assert headline == view.headline(req)
    assert headline.startswith("rm deletes src") and "1 untracked, 1 modified" in headline
    lost = page.inner_text("ul.lost")
    rows = [line.strip() for line in lost.splitlines() if line.strip()]
    assert "modified src/app.py" in rows and "untracked src/notes.txt" in rows and "committed src/util.py" in rows
    assert rows.index("modified src/app.py") < rows.index("committed src/util.py")  # what is lost for good first
    assert page.locator(".state.modified").first.is_visible()
    assert "Remove the old sources before regenerating" in page.inner_text("blockquote.said")
    main = page.inner_text("main")
    assert main.index(headline) < main.index("What would be lost") < main.index("Where") < main.index("agent said")
    assert req.digest not in main and not page.locator("details pre").first.is_visible()  # raw facts folded
    page.click("summary:has-text('Raw facts')")
    assert req.digest in page.inner_text("main")
    assert page.locator("button", has_text="Approve once").is_visible()
    assert page.locator("button", has_text="Approve for 15 min in this folder for this rule").is_visible()
    fits(page)


# --- the state decides the buttons -----------------------------------------------------------------


def test_an_approved_then_used_request_offers_no_approval(site: Site, page: Any) -> None:
    repo = make_repo(site.root / "used")
    call = bash_call("rm -rf src", repo, "s-used")
    hook(call)
    req = pending_request(site, "s-used")
    page.goto(f"{site.base}/requests/{req.id}")
    assert approve_buttons(page) >= 1 and page.locator("button.deny").is_visible()
    page.click("button:has-text('Approve once')")
    page.wait_for_selector(".flash.ok")
    assert site.store.get_request(req.id).status == "approved"  # type: ignore[union-attr]
    assert approve_buttons(page) == 0 and page.locator("button.deny").count() == 0
    assert "approved by web:ada" in page.inner_text("#decided").lower()
    assert decision_of(hook(call)) == "allow"  # the agent's identical retry uses the approval
    assert site.store.get_request(req.id).status == "used"  # type: ignore[union-attr]
    page.reload()
    main = page.inner_text("main")
    assert approve_buttons(page) == 0 and page.locator("form").count() == 1  # only the header's Log out
    assert "approved and used" in main and "used" in page.inner_text("h1")
    assert "0 of 1" not in main and "0 / 1" not in main and "approvals 0" not in main
    page.goto(f"{site.base}/history")
    row = page.locator(f"li.request[data-digest='{req.digest}']")
    assert "then used" in row.inner_text() and row.locator("button").count() == 0
    fits(page)


def test_a_denied_request_tells_the_agent_why(site: Site, page: Any) -> None:
    repo = make_repo(site.root / "deny")
    call = bash_call("rm -rf src", repo, "s-deny")
    hook(call)
    req = pending_request(site, "s-deny")
    page.goto(f"{site.base}/requests/{req.id}")
    page.fill("#deny-reason", "keep the notes; run git clean -n first")
    page.click("button.deny")
    page.wait_for_selector(".flash.ok")
    assert approve_buttons(page) == 0 and page.locator("button.deny").count() == 0
    assert "keep the notes" in page.inner_text("#decided")
    answer = hook(call)
    reason = answer["hookSpecificOutput"]["permissionDecisionReason"]
    assert decision_of(answer) == "deny" and "keep the notes; run git clean -n first" in reason


# --- one row per action ------------------------------------------------------------------------------


def _filed(store: Store, command: str, cwd: Path, session: str) -> Request:
    """A request for `command` as a hook files it (two hook processes may file two for one action)."""
    action = Action(Surface.SHELL, command, Context(cwd=str(cwd), agent="claude-code", session=session))
    verdict = check_action(action)
    assert verdict.decision.value == "ask", verdict
    request = build_request([action], [verdict], list(verdict.reasons), required=1, expires_s=3600)
    store.add_request(request)
    return request


def test_identical_requests_are_one_row_and_a_trailing_space_shows(site: Site, page: Any) -> None:
    work = site.root / "rows"
    work.mkdir()
    first = _filed(site.store, "git push --force origin main", work, "s-rows")
    second = _filed(site.store, "git push --force origin main", work, "s-rows")
    spaced = _filed(site.store, "git push --force origin main ", work, "s-rows")
    assert first.digest == second.digest != spaced.digest and first.summary == spaced.summary
    page.goto(f"{site.base}/")
    same = page.locator(f"li.request[data-digest='{first.digest}']")
    other = page.locator(f"li.request[data-digest='{spaced.digest}']")
    assert same.count() == 1 and other.count() == 1
    assert "×2 same action" in same.inner_text() and "same action" not in other.inner_text()
    plain, marked = same.locator("code.action").inner_text(), other.locator("code.action").inner_text()
    assert plain != marked and marked.startswith(plain)
    assert other.locator(".ws[title='trailing space']").is_visible()
    assert same.locator(".ws").count() == 0
    page.goto(f"{site.base}/requests/{spaced.id}")
    assert page.locator("pre .ws[title='trailing space']").first.is_visible()
    page.goto(f"{site.base}/requests/{second.id}")
    assert "×2 same action" in page.inner_text("h1") and first.id in page.inner_text("main")
    fits(page)


# --- a phone ---------------------------------------------------------------------------------------------


def test_every_page_fits_a_phone(site: Site, page: Any) -> None:
    work = site.root / ("deep-" + "x" * 120)
    work.mkdir()
    long = _filed(site.store, "git push --force origin " + "feature/" + "y" * 300, work, "s-" + "z" * 90)
    for path in ("/", "/history", "/sessions", f"/requests/{long.id}", f"/sessions/{long.session}", "/login"):
        page.goto(site.base + path)
        fits(page)
    page.goto(f"{site.base}/requests/{long.id}")
    box = page.locator("button", has_text="Approve once").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.click("summary:has-text('Raw facts')")  # the findings table, stacked
    fits(page)


# --- the session timeline ---------------------------------------------------------------------------------


def test_the_session_timeline_lists_the_actions_in_order(site: Site, page: Any) -> None:
    repo = make_repo(site.root / "timeline")
    assert decision_of(hook(bash_call("git status --short", repo, "s-time", description="See what changed"))) == "allow"
    assert decision_of(hook(bash_call("cat README.md", repo, "s-time"))) == "allow"
    call = bash_call("rm -rf src", repo, "s-time", description="Start the sources over")
    assert decision_of(hook(call)) == "deny"
    req = pending_request(site, "s-time")
    page.goto(f"{site.base}/requests/{req.id}")
    led = page.inner_text("ol.timeline")
    assert led.index("git status --short") < led.index("cat README.md") < led.index(req.id)
    page.click("button:has-text('Approve once')")
    page.wait_for_selector(".flash.ok")
    assert decision_of(hook(call)) == "allow"
    page.click("text=The whole session")
    page.wait_for_url("**/sessions/s-time")
    steps = page.locator("ol.timeline > li").all_inner_texts()
    order = ["git status --short", "See what changed", "cat README.md", "rm -rf src", "Start the sources over",
             f"approval request {req.id} filed", "approved by web:ada", "the approval of web:ada was used"]
    where = [next(i for i, s in enumerate(steps) if text in s) for text in order]
    assert where == sorted(where), steps
    badges = page.locator("ol.timeline > li .top .badge").all_inner_texts()
    # the retry's verdict is still ask; the approval used right after it is what let it through
    assert [b for b in badges if b in ("allow", "ask", "deny")] == ["allow", "allow", "ask", "ask"]
    used = next(i for i, s in enumerate(steps) if "was used" in s)
    assert "rm -rf src" in steps[used - 1] and "ask" in steps[used - 1]
    assert any("snapshot" in s and "timeline/src" in s for s in steps[used:])  # the safety net before it ran
    page.goto(f"{site.base}/sessions")
    assert "s-time" in page.inner_text("main")
    fits(page)


# --- approve for a while, here ----------------------------------------------------------------------------


def test_a_window_from_the_page_covers_this_folder_and_rule_only(site: Site, page: Any) -> None:
    here, elsewhere = make_repo(site.root / "win-here"), make_repo(site.root / "win-elsewhere")
    call = bash_call("rm -rf src", here, "s-win")
    hook(call)
    req = pending_request(site, "s-win")
    page.goto(f"{site.base}/requests/{req.id}")
    page.click("button:has-text('Approve for 15 min in this folder for this rule')")
    page.wait_for_selector(".flash.ok")
    assert "Window clean-src is open for 15 min in " + str(here) in page.inner_text(".flash")
    assert decision_of(hook(call)) == "allow"  # this request, once
    make_repo_again = here / "src"
    make_repo_again.mkdir(exist_ok=True)
    (make_repo_again / "again.txt").write_text("new work\n")
    assert decision_of(hook(bash_call("rm -rf src", here, "s-win-2"))) == "allow"  # the window, same folder
    assert decision_of(hook(bash_call("rm -rf src", elsewhere, "s-win-3"))) == "deny"  # another folder asks
    grants = [g for g in site.store.window_grants() if '"clean-src"' in g.payload]
    assert len(grants) == 1 and f'"cwd":"{here}"' in grants[0].payload
