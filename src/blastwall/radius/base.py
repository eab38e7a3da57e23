"""Blast radius: what an action would destroy, measured read-only before anyone decides.

A measurer looks at one finding of an action and returns a `Radius`: counted facts (rows,
files, bytes, commits, resources), whether anything irreplaceable is among them, and one line
for humans. Measurers never write, each runs within a time budget, and a measurer that fails or
runs out of time says "unmeasured" (`measured=False` with the reason), never zero.

    @measurer("shell.fs:rm*", "file.write:*")          # rule-id globs the measurer answers for
    def files(action, finding, ctx) -> Radius | None:   # None: nothing to say about this finding
        ...

The engine's `radius` stage (after preflight, before policy) attaches each finding's radius
(`Finding.radius`, a plain dict: `Radius.to_dict()`), so policy rules, reasons, approval requests,
notifications and the audit log all see the same facts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from blastwall.analyze import globs
from blastwall.model import Action, Finding

DEFAULT_BUDGET_S = 0.4  # for one action (radius/__init__.py DEFAULT_BUDGET_MS says the same), all measurers together; hooks sit in the agent's hot path


class Radius(NamedTuple):
    """What one finding's target holds. `counts` keys are stable (policy rules match on them):
    rows, rows_total, tables_referencing, dependents, files, bytes, tracked, modified, untracked,
    ignored, outside_project, commits_lost, uncommitted, resources, pods, volumes, backups..."""

    measured: bool
    summary: str  # one line: "48,210 of 49,007 rows in orders"; for unmeasured: why
    counts: dict[str, int] = {}
    estimate: bool = False  # counts come from estimates (EXPLAIN, catalog statistics), not a count
    irreplaceable: bool | None = None  # False: provably nothing that exists nowhere else; None: unknown
    source: str = ""  # "postgres", "files", "git", "kubectl", "docker", "railway", ...
    details: tuple[str, ...] = ()  # further lines for the approver's screen
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = self._asdict()
        d["details"] = list(self.details)
        return d

    @classmethod
    def unmeasured(cls, why: str, source: str = "") -> Radius:
        return cls(False, why, source=source)


class MeasureContext(NamedTuple):
    """What a measurer may use: the policy (inventory, `[radius]` settings), the deadline and
    the action's working directory."""

    policy: Any
    deadline: float  # time.monotonic() value the measurer must finish by
    cwd: str | None

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


Measurer = Callable[[Action, Finding, MeasureContext], "Radius | None"]
_REGISTRY: list[tuple[tuple[str, ...], Measurer]] = []
_LOADED = False
MODULES = ("files", "git", "postgres", "infra")  # radius/<name>.py registers its measurers on import
LOCAL_MODULES = frozenset({"files", "git"})  # measure the machine the action runs on: need its working directory


def measurer(*rule_globs: str) -> Callable[[Measurer], Measurer]:
    def register(fn: Measurer) -> Measurer:
        _REGISTRY.append((rule_globs, fn))
        return fn

    return register


def local_measurer(fn: Measurer) -> bool:
    """True for measurers that look at local files and repositories (see LOCAL_MODULES)."""
    return str(getattr(fn, "__module__", "")).rsplit(".", 1)[-1] in LOCAL_MODULES


def measurers_for(finding: Finding) -> Iterator[Measurer]:
    _load()
    for patterns, fn in _REGISTRY:
        if globs.match_any(finding.rule_id, patterns):
            yield fn


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for name in MODULES:
        try:
            importlib.import_module(f"blastwall.radius.{name}")
        except ImportError:
            continue
