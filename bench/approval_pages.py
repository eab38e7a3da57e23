#!/usr/bin/env python3
"""What the approver's screens cost: building a request's view (sentence, radius list, places,
blocks with SQL formatted by sqlglot) and rendering its page; reading one session's timeline back
from an audit log of N entries; and what listing the files' states adds to the files measurer.

    python bench/approval_pages.py [--entries 50000] [--files 20000] [--runs 20]

Runs in a private state folder made for the run. Prints median and p95 in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
       "GIT_COMMITTER_EMAIL": "b@b", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:58s} p50 {figures[0]:8.2f} ms   p95 {figures[1]:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=50000)
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bw-bench-"))
    os.environ["XDG_STATE_HOME"] = str(root / "state")
    os.environ["XDG_CONFIG_HOME"] = str(root / "config")
    os.environ.pop("BLASTWALL_DATABASE_URL", None)

    from blastwall.approvals import pretty, view
    from blastwall.approvals.requests import build_request
    from blastwall.approvals.web.pages import Viewer
    from blastwall.approvals.web.request_page import Detail, request_page
    from blastwall.audit.log import record
    from blastwall.audit.timeline import lead_up, session_steps
    from blastwall.engine import check_action
    from blastwall.model import Action, Context, Surface
    from blastwall.radius.base import MeasureContext
    from blastwall.radius.files import classify, walk
    from blastwall.store import open_store

    sql = "delete from bookings where created_at < now() - interval '1 year'; drop table legacy_bookings"
    action = Action(Surface.SQL, sql, Context(cwd=str(root), agent="claude-code", session="s-bench"))
    verdict = check_action(action)
    req = build_request([action], [verdict], verdict.reasons, required=1, expires_s=600, said="Clean old bookings")
    report("view: sentence, radius list, places", timed(lambda: (view.headline(req), view.losses(req),
                                                                 view.places(req)), args.runs))
    report("view: blocks (SQL formatted with sqlglot)", timed(lambda: pretty.blocks(req.actions[0]), args.runs))
    report("request page rendered (no timeline)", timed(lambda: request_page(Detail(req, 0, []), Viewer("a", "t"),
                                                                             None, time.time()), args.runs))

    store = open_store()
    for i in range(args.entries):
        session = "s-bench" if i % 500 == 0 else f"s-{i % 97}"
        record(store, "verdict", f"{i:064x}", {"decision": "allow", "action": f"ls {i}", "session": session,
                                               "agent": "claude-code", "cwd": "/srv/app", "reasons": []})
    record(store, "request", "bw-benchxyz", {"digest": "d", "session": "s-bench", "required": 1})
    report(f"whole session timeline, log of {args.entries:,} entries", timed(lambda: session_steps(store, "s-bench"),
                                                                            max(3, args.runs // 4)))
    report(f"a request's lead-up, log of {args.entries:,} entries", timed(lambda: lead_up(store, "s-bench",
                                                                                          "bw-benchxyz"), args.runs))

    repo = root / "repo"
    repo.mkdir()
    subprocess.run(["bash", "-c", f"git init -q -b main && mkdir -p src && for i in $(seq {args.files}); do "
                    "echo $i > src/f$i.py; done && git add -A && git commit -qm init && echo x >> src/f1.py && "
                    "echo new > src/new.py"], cwd=repo, env=ENV, check=True, capture_output=True)
    roots = [str(repo / "src")]

    files = walk(roots, (), MeasureContext(None, time.monotonic() + 60, str(repo)))
    plain: list[float] = []
    sampled: list[float] = []
    for _ in range(max(4, args.runs // 2)):  # interleaved: the shared machine's load hits both alike
        for sample, out in ((None, plain), ({}, sampled)):
            ctx = MeasureContext(None, time.monotonic() + 60, str(repo))
            start = time.perf_counter()
            classify(files, roots, ctx, str(repo), sample)
            out.append((time.perf_counter() - start) * 1000)
    for name, got in ((f"sorting {args.files:,} files by git state, counts only", plain),
                      (f"sorting {args.files:,} files by git state, listing states too", sampled)):
        got.sort()
        report(name, (statistics.median(got), got[max(0, int(len(got) * 0.95) - 1)]))
    store.close()


if __name__ == "__main__":
    main()
