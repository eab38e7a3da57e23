"""The batch contract: JSONL in, one JSONL verdict per line out, in order.

Input lines: {"id": str, "kind": "shell"|"sql"|"http"|"mcp", "input": ..., "context": {...}?}
Output lines: {"id", "decision", "reasons", "rule_ids"}. A malformed line yields
decision "ask" with a reason, and processing continues.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from blastwall.model import Surface

KINDS = {s.value for s in Surface}
MAX_LINE = 1024 * 1024


def _error(line_id: Any, reason: str) -> dict[str, Any]:
    return {"id": line_id, "decision": "ask", "reasons": [reason], "rule_ids": ["core:malformed-input"]}


def check_line(line: str, number: int, policy: Any, probe: bool = False) -> dict[str, Any]:
    from blastwall.engine import check_action, make_action

    if len(line) > MAX_LINE:
        return _error(None, f"line {number}: longer than {MAX_LINE} bytes; not analyzed")
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return _error(None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
    except (ValueError, RecursionError):
        return _error(None, f"line {number}: not usable JSON (too deeply nested or not decodable)")
    if not isinstance(row, dict):
        return _error(None, f"line {number}: expected a JSON object")
    line_id = row.get("id")
    kind = row.get("kind", "shell")
    if kind not in KINDS:
        return _error(line_id, f"line {number}: unknown kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
    if "input" not in row:
        return _error(line_id, f"line {number}: missing 'input'")
    context = row.get("context") if isinstance(row.get("context"), dict) else None
    try:
        action = make_action(kind, row["input"], context)
    except (TypeError, ValueError) as exc:
        return _error(line_id, f"line {number}: cannot build an action ({exc})")
    verdict = check_action(action, policy, probe=probe)
    return {
        "id": line_id,
        "decision": verdict.decision.value,
        "reasons": list(verdict.reasons),
        "rule_ids": list(verdict.rule_ids),
    }


def run_batch(lines: Iterable[str], out: IO[str], policy: Any, *, probe: bool = False) -> int:
    """Process every line; returns how many lines were processed."""
    n = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            answer = check_line(line, number, policy, probe)
        except Exception as exc:  # noqa: BLE001 - one bad line never stops the batch
            answer = _error(None, f"line {number}: blastwall could not process it ({type(exc).__name__})")
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        n += 1
    out.flush()
    return n
