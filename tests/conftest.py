"""Test-suite settings shared by every test module."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI runs the property tests derandomized: the same examples on every run, so a submission's
# result does not depend on luck. Locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("CI"):
    settings.load_profile("ci")
