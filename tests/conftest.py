"""Test-suite settings shared by every test module."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# CI runs the property tests derandomized: the same examples on every run, so a submission's
# result does not depend on luck. Locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("CI"):
    settings.load_profile("ci")

# blastwall keeps approval requests, grants, keys, the audit log and snapshots under the XDG
# config, state and data folders: the suite gets its own, so it never reads or writes the real ones.
_HOME = tempfile.mkdtemp(prefix="blastwall-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME, "config")
os.environ["XDG_STATE_HOME"] = os.path.join(_HOME, "state")
os.environ["XDG_DATA_HOME"] = os.path.join(_HOME, "data")  # snapshots
os.environ.pop("BLASTWALL_DATABASE_URL", None)
# Hook processes check in-process unless a test asks for the warm checker (tests/test_daemon.py
# turns it on, and compares its answers with in-process ones): a daemon per test's private
# configuration would only add start-ups. Daemons a test starts live under the suite's own runtime
# folder, and exit soon after their last call or when that folder is removed.
os.environ["BLASTWALL_DAEMON"] = "off"
# The first read from a project starts a background indexer of it: the suite's many throwaway
# projects would start hundreds; tests/test_secret_reads.py turns it on where it is tested.
os.environ["BLASTWALL_INDEX_AHEAD"] = "off"
os.environ["BLASTWALL_DAEMON_IDLE"] = "30"
_RUN = os.path.join(_HOME, "run")
os.makedirs(_RUN, mode=0o700, exist_ok=True)
os.environ["XDG_RUNTIME_DIR"] = _RUN


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001 - pytest's hook signature
    """Stop the daemons this run started (their lock files hold their pids)."""
    import glob
    import signal

    for lock in glob.glob(os.path.join(_RUN, "blastwall", "*.lock")):
        try:
            with open(lock, encoding="ascii") as f:
                os.kill(int(f.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


@pytest.fixture()
def no_policy_no_database(tmp_path, monkeypatch):  # noqa: ANN001, ANN201 - pytest fixture
    """A private configuration with no policy file and no database URL: what a check finds when
    nothing is configured (the SQL, radius and generalization modules use it for every test)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("BLASTWALL_POLICY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(scope="module")
def bwrap() -> None:
    """A working bubblewrap (tests/needs.py): without one the test skips, or fails in CI."""
    from needs import bubblewrap

    bubblewrap()


@pytest.fixture()
def project(tmp_path):  # noqa: ANN001, ANN201 - pytest fixture
    """An empty project folder, `tmp_path/project` (a test file may define its own `project`)."""
    p = tmp_path / "project"
    p.mkdir()
    return p
