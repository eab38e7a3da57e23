"""blastwall: a deterministic guard between AI coding agents and everything they can destroy.

    >>> import blastwall
    >>> blastwall.check("rm -rf /").decision
    <Decision.DENY: 'deny'>

The public surface is small: `check`, `check_action`, the model types and `__version__`.
Heavy modules are imported lazily so agent hooks start fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing would cost every hook call several milliseconds

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Context",
    "Decision",
    "Effect",
    "Finding",
    "Severity",
    "Surface",
    "Verdict",
    "__version__",
    "check",
    "check_action",
]

if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from blastwall.engine import check, check_action
    from blastwall.model import Action, Context, Decision, Effect, Finding, Severity, Surface, Verdict


def __getattr__(name: str) -> Any:
    if name in ("check", "check_action"):
        from blastwall import engine

        return getattr(engine, name)
    if name in ("Action", "Context", "Decision", "Effect", "Finding", "Severity", "Surface", "Verdict"):
        from blastwall import model

        return getattr(model, name)
    raise AttributeError(f"module 'blastwall' has no attribute {name!r}")
