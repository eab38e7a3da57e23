"""A pytest plugin (`-p lane_sanitized`) that makes the pg-proxy load the sanitized build of its
compiled data plane, the one tests/sanitize/build_lane.sh made, instead of the normal one.

$BLASTWALL_LANE_SANITIZED names that build's folder. The plugin puts it first on the package's
search path before any test imports the plane, and every test then checks that the module it
runs is that build: a run that silently used the normal one would prove nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _folder() -> Path:
    where = os.environ.get("BLASTWALL_LANE_SANITIZED", "")
    if not where:
        raise pytest.UsageError("BLASTWALL_LANE_SANITIZED names no folder: run tests/sanitize/run_lane.sh")
    return Path(where).resolve()


def pytest_configure(config: pytest.Config) -> None:
    # The sanitizer runtime is already loaded in this process; the programs the tests start
    # (PostgreSQL, psql) must not get it.
    os.environ.pop("LD_PRELOAD", None)
    import blastwall.doors.pg_proxy as package

    package.__path__.insert(0, str(_folder()))


def sanitized_lane() -> object:
    from blastwall.doors.pg_proxy import _lane

    return _lane


@pytest.fixture(autouse=True)
def _the_sanitized_plane_runs() -> None:
    lane = sanitized_lane()
    path = Path(str(getattr(lane, "__file__", ""))).resolve()
    assert path.parent == _folder(), f"the tests import {path}, not the sanitized build in {_folder()}"
    from blastwall.doors.pg_proxy.lanes import planes

    assert "compiled" in planes()
