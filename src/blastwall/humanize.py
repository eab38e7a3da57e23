"""How durations read for humans, the same in every command, page and message."""

from __future__ import annotations

import time


def duration(seconds: float) -> str:
    """`42 s`, `17 min`, `3.5 h`, `4 d`."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{int(seconds // 60)} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{int(seconds // 86400)} d"


def relative(ts: float, now: float | None = None) -> str:
    """`5 min ago` for a past moment, `in 55 min` for a future one."""
    delta = (time.time() if now is None else now) - ts
    return f"{duration(delta)} ago" if delta >= 0 else f"in {duration(-delta)}"
