"""Run a blocking call within a deadline, on a daemon thread that is abandoned (not waited for)
when time runs out: for client libraries whose own timeouts have floors or gaps (libpq's
connect timeout cannot go below 2 s)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Late(TimeoutError):
    """The call did not finish in time (it may still be running on its abandoned thread)."""


def within(seconds: float, fn: Callable[[], T], *, name: str = "blastwall-deadline") -> T:
    """`fn()`'s result, its exception re-raised here, or `Late` after `seconds`."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise Late(f"no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
