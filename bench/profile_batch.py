#!/usr/bin/env python3
"""Where the CPU of `check --batch` goes, per line, once everything is loaded.

    python bench/profile_batch.py [--rounds 3] [--top 40] [--sort tottime|cumtime] [--no-profile] [CORPUS.jsonl ...]

Default corpora: ../shared/corpus/dev.jsonl, ../shared/corpus/round2/*.jsonl and
tests/blind/*.jsonl (labels removed, as the scorer feeds them). One warm pass first (every
analyzer and table loaded, every per-process cache filled as a long batch fills it), then
`--rounds` timed passes of `blastwall.batch.run_batch(..., workers=1)` in this process: prints
the CPU ms per line (best and median), then one pass under cProfile sorted by `--sort`.
"""

from __future__ import annotations

import argparse
import cProfile
import glob
import io
import pstats
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "corpus"


def feed(paths: list[str]) -> list[str]:
    """The corpora's lines as the scorer feeds them (batch_throughput.py, beside this script)."""
    from batch_throughput import corpus_feed

    return corpus_feed(paths, 1).splitlines(keepends=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("corpus", nargs="*")
    args = ap.parse_args()
    paths = args.corpus or [str(SHARED / "dev.jsonl"), *sorted(glob.glob(str(SHARED / "round2" / "*.jsonl"))),
                            *sorted(glob.glob(str(HERE.parent / "tests" / "blind" / "*.jsonl")))]
    lines = feed(paths)

    from blastwall.batch import run_batch
    from blastwall.policy.load import load_policy

    policy = load_policy(None)
    run_batch(lines, io.StringIO(), policy, workers=1)  # warm pass
    per_line = []
    for _ in range(args.rounds):
        c0 = time.process_time()
        run_batch(lines, io.StringIO(), policy, workers=1)
        per_line.append((time.process_time() - c0) * 1000 / len(lines))
    print(f"{len(lines)} lines; CPU ms/line best {min(per_line):.3f} median {statistics.median(per_line):.3f}")
    if args.no_profile:
        return
    prof = cProfile.Profile()
    prof.enable()
    run_batch(lines, io.StringIO(), policy, workers=1)
    prof.disable()
    pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
