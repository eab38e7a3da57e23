"""tree-sitter parsing within a CPU-time budget.

tree-sitter's error recovery is quadratic in a run of errors (20,000 `)` took 2 s): the parser is
fed the input in chunks, and when it has taken the budget it is told the input ends. The budget is
the thread's CPU time, not the wall clock: the input's cost decides, not the machine's other load.
A caller treats a parse cut short as unreadable (ask), never as a partial allow.
"""

from __future__ import annotations

import time
from typing import Any

CHUNK = 4096


def parse_within(parser: Any, src: bytes, budget_s: float) -> tuple[Any, bool]:
    """(tree, cut): `parser`'s tree of `src`, or of the part it read within `budget_s` of CPU time."""
    deadline = time.thread_time() + budget_s
    cut = False

    def read(offset: int, _point: Any) -> bytes:
        nonlocal cut
        if offset < len(src) and time.thread_time() > deadline:
            cut = True
            return b""
        return src[offset:offset + CHUNK]

    return parser.parse(read), cut
