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

import functools
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from blastwall.analyze import globs
from blastwall.model import Action, Finding

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.radius.gitfacts import GitFacts

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
    items: tuple[tuple[str, str], ...] = ()  # a sample of what is lost, each with its state: (path, "modified")

    def to_dict(self) -> dict[str, Any]:
        d = self._asdict()
        d["details"] = list(self.details)
        d["items"] = [list(i) for i in self.items]
        return d

    @classmethod
    def unmeasured(cls, why: str, source: str = "") -> Radius:
        return cls(False, why, source=source)


class MeasureContext(NamedTuple):
    """What a measurer may use: the policy (inventory, `[radius]` settings), the deadline, the
    action's working directory, and the git answers of this check (`gitfacts.GitFacts`: every
    measurer of one action shares them, so each git question is asked once)."""

    policy: Any
    deadline: float  # time.monotonic() value the measurer must finish by
    cwd: str | None
    git: GitFacts | None = None  # measure_all makes one per action; None: each call asks git afresh

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def facts(self) -> GitFacts:
        """This check's git answers (a fresh, unshared set when the context carries none)."""
        if self.git is not None:
            return self.git
        from blastwall.radius.gitfacts import GitFacts

        return GitFacts(self.deadline)


Measurer = Callable[[Action, Finding, MeasureContext], "Radius | None"]
# radius/<name>.py registers its measurers on import, in this order; a module is imported only
# for a finding whose rule id starts with one of its prefixes (every glob it registers does:
# tests/test_radius_facts.py checks it), so a file delete does not load the SQL and cluster measurers.
MODULES: dict[str, tuple[str, ...]] = {
    "files": ("shell.fs:", "file.write:", "mcp.filesystem:", "code.", "shell.exec:writes-file"),
    "git": ("shell.git:",),
    "postgres": ("sql.postgres:",),
    "later": ("later.sql.postgres:",),  # SQL a migration runs later, measured where it will run (later.py)
    "infra": ("shell.kubectl:", "shell.helm:", "http.kubernetes:", "shell.docker:", "shell.compose:",
              "http.railway:", "shell.railway:", "mcp.railway:"),
}
LOCAL_MODULES = frozenset({"files", "git"})  # measure the machine the action runs on: need its working directory


@functools.cache
def measured_prefixes(*, local: bool) -> tuple[str, ...]:
    """The rule id prefixes of every measurer module (`local`: the LOCAL_MODULES too), in one
    tuple for one `str.startswith`."""
    return tuple(p for name, prefixes in MODULES.items() if local or name not in LOCAL_MODULES for p in prefixes)
_REGISTRY: dict[str, list[tuple[tuple[str, ...], Measurer]]] = {name: [] for name in MODULES}
_LOADED: set[str] = set()


def measurer(*rule_globs: str) -> Callable[[Measurer], Measurer]:
    def register(fn: Measurer) -> Measurer:
        _REGISTRY.setdefault(_module_name(fn), []).append((rule_globs, fn))
        return fn

    return register


def _module_name(fn: Measurer) -> str:
    return str(getattr(fn, "__module__", "")).rsplit(".", 1)[-1]


def measurer_source(fn: Measurer) -> str:
    """The `Radius.source` of what `fn` measures: its module's name ("files", "git", ...)."""
    return _module_name(fn)


def local_measurer(fn: Measurer) -> bool:
    """True for measurers that look at local files and repositories (see LOCAL_MODULES)."""
    return _module_name(fn) in LOCAL_MODULES


def measurers_for(finding: Finding) -> Iterator[Measurer]:
    for name, prefixes in MODULES.items():
        if finding.rule_id.startswith(prefixes):
            _load(name)
    for entries in list(_REGISTRY.values()):  # MODULES order, then registration order
        for patterns, fn in entries:
            if globs.match_any(finding.rule_id, patterns):
                yield fn


def _load(name: str) -> None:
    if name in _LOADED:
        return
    _LOADED.add(name)
    import importlib

    try:
        importlib.import_module(f"blastwall.radius.{name}")
    except ImportError:
        return
