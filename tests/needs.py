"""What a test needs that the machine may lack (bubblewrap, PostgreSQL, a browser).

Without it the test skips with the reason, except in CI (`CI` set), where that is a failure: CI
installs what the suite needs (`.ci/run`)."""

from __future__ import annotations

import os
import shutil
from typing import Any, NoReturn

import pytest


def unavailable(what: str, reason: str) -> NoReturn:
    """Skip with `reason`; in CI, fail: `what` is required there."""
    if os.environ.get("CI"):
        pytest.fail(f"required in CI ({what}): {reason}", pytrace=False)
    pytest.skip(reason)


def bubblewrap() -> None:
    """A working bubblewrap with a network namespace."""
    from blastwall.doors.sandbox.probe import probe

    found = probe(net=True)
    if not found.ok:
        unavailable("bubblewrap", found.error)


def playwright_for(chromium: str, what: str) -> Any:
    """playwright's `sync_playwright`, once the browser at `chromium` and the package are both here."""
    if not (os.path.exists(chromium) and shutil.which(chromium)):
        unavailable(what, f"{chromium} is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(what, "the playwright package is not installed (pip install -e '.[test]')")
    return sync_playwright
