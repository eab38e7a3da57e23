"""`check --batch` in the warm daemon: the `batch` op a worker runs (user-level mode only).

    header  {"v": 1, "op": "batch", "cwd": "/where/the/command/ran", "env": {...},
             "policy_cwd": "/dir" | None, "probe": false, "first": 1, "deadline_s": 60.0}
    payload the piece of JSONL input, as bytes (decoded as `check --batch FILE` decodes a file:
            UTF-8 with replacement characters, universal newlines)
    result  {"t": "result", "ok": true, "out": "<one answer line per non-blank input line>",
             "lines": <input lines in the piece, blank ones included>}
            {"t": "result", "ok": false, "code": "policy", "error": "..."} when the policy does not load

The worker is forked from the warm parent (analyzers, parsers and rule tables loaded), takes the
caller's environment and folder (server.py does that), loads the policy exactly as the in-process
batch does and runs `blastwall.batch.run_batch`, which, for a long piece, forks checkers from this
warm process and checks a share itself (inline: this long-lived worker's pages are its own
already, where each fresh checker copies those it touches; if it dies on a line, the client
checks the piece again in-process, where every checker is forked). The answers are byte for byte those of the in-process batch
(tests/test_batch_daemon.py); `first` keeps the line numbers of malformed-line reasons counting
across pieces. The client (batchclient.py) checks a piece in-process whenever this op does not
answer it cleanly, so a crash or a deadline here loses no line.
"""

from __future__ import annotations

import io
import os
from typing import Any

# A warm process forks its checkers in a few milliseconds: parallel pays off from about this
# many lines (in a cold process the warm-up costs more; batch.PARALLEL_MIN).
WARM_PARALLEL_MIN = 256


def run(header: dict[str, Any], raw: bytes, _uid: int) -> dict[str, Any]:
    from blastwall.batch import run_batch
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    cwd = header.get("cwd")
    if isinstance(cwd, str):
        try:
            os.chdir(cwd)
        except OSError:
            pass
    policy_cwd = header.get("policy_cwd")
    try:
        policy = load_policy(policy_cwd if isinstance(policy_cwd, str) else None)
    except PolicyError as exc:
        return {"t": "result", "ok": False, "code": "policy", "error": str(exc)[:2000]}
    first = header.get("first")
    first = first if isinstance(first, int) and not isinstance(first, bool) and first > 0 else 1
    lines = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace").readlines()
    out = io.StringIO()
    run_batch(lines, out, policy, probe=header.get("probe") is True, first=first, parallel_min=WARM_PARALLEL_MIN,
              inline=True)
    return {"t": "result", "ok": True, "out": out.getvalue(), "lines": len(lines)}
