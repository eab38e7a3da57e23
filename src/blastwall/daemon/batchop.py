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
checks the piece again in-process, where every checker is forked). The checkers it forks stay for
the worker's next batches (`POOL`, checkers.Pool): each batch sends them its context (the
caller's environment and folder, the policy folder, `probe`), and a checker takes them and loads
the policy exactly as this op does (`begin`) before it checks the batch's lines; they die with the
worker (retired after its calls, or killed by the daemon's watchdog). The answers are byte for byte those of the in-process batch
(tests/test_batch_daemon.py); `first` keeps the line numbers of malformed-line reasons counting
across pieces. The client (batchclient.py) checks a piece in-process whenever this op does not
answer it cleanly, so a crash or a deadline here loses no line.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

from blastwall.checkers import Chunk, Pool

# A warm process forks its checkers in a few milliseconds: parallel pays off from about this
# many lines (in a cold process the warm-up costs more; batch.PARALLEL_MIN).
WARM_PARALLEL_MIN = 256


def begin(context: dict[str, Any]) -> Callable[[Chunk], str]:
    """In a pooled checker, at a batch's start: take the batch's environment and folder, load its
    policy as `run` did (its readers re-read what changed), and check the batch's chunks with it."""
    from blastwall.batch import _check_chunk
    from blastwall.policy.load import load_policy

    env = context["env"]
    if env != os.environ:
        os.environ.clear()
        os.environ.update(env)
    os.chdir(context["cwd"])
    policy_cwd = context["policy_cwd"]
    policy = load_policy(policy_cwd if isinstance(policy_cwd, str) else None)
    probe = context["probe"] is True
    return lambda chunk: _check_chunk(chunk, policy, probe)


POOL = Pool(begin)  # this worker's checkers, kept from one batch to the next


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
    probe = header.get("probe") is True
    context = {"env": dict(os.environ), "cwd": os.getcwd(), "policy_cwd": policy_cwd, "probe": probe}
    run_batch(lines, out, policy, probe=probe, first=first, parallel_min=WARM_PARALLEL_MIN, inline=True, pool=POOL,
              context=context)
    return {"t": "result", "ok": True, "out": out.getvalue(), "lines": len(lines)}
