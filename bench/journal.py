#!/usr/bin/env python3
"""What `blastwall run`'s work-tree journal adds before each shell command, on a 5,000-file project.

    python bench/journal.py [--files 5000] [--runs 200]

The relay takes one snapshot before every non-read tool call; this measures that snapshot
(`Journal.snapshot`, inotify-driven as in a session) in the cases a session meets, interleaved
so that the machine's load falls on all of them alike:

- nothing changed since the last command (most commands: tests, builds into skipped folders, reads);
- the command before changed 3 files (an edit, a formatter);
- the command before created a folder of 20 files and deleted another file;
- no inotify (or an overflowed queue): every snapshot rescans the project, reading only files
  whose size, time or inode changed.

Prints median and p95 in ms of wall time, and the median CPU time of this process (the machine
is shared: wall time includes waiting for a core). Also the first snapshot of the session.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def make_project(root: Path, files: int) -> Path:
    rng = random.Random(1)
    project = root / "project"
    for i in range(files):
        folder = project / f"pkg{i % 50}" / f"mod{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.py").write_text(f"x = {i}\n" * rng.randint(5, 200))
    (project / "node_modules" / "dep").mkdir(parents=True)
    for i in range(500):
        (project / "node_modules" / "dep" / f"m{i}.js").write_text("module.exports = 1\n")
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["XDG_DATA_HOME"] = str(root / "data")
        project = make_project(root, args.files)
        from blastwall.doors.run.journal import Journal

        j = Journal.open(str(project))
        t = time.perf_counter()
        j.snapshot("start")
        j.watch()
        first = (time.perf_counter() - t) * 1000
        rescan = Journal.open(str(project))
        rescan.snapshot("start")
        wall: dict[str, list[float]] = {k: [] for k in ("unchanged", "3 files edited", "folder added", "rescan")}
        cpu: dict[str, list[float]] = {k: [] for k in wall}
        files = sorted(project.rglob("*.py"))

        def measure(name: str, journal: Journal) -> None:
            w, c = time.perf_counter(), time.process_time()
            journal.snapshot("action", action=name)
            wall[name].append((time.perf_counter() - w) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)

        for i in range(args.runs):
            measure("unchanged", j)
            for f in files[i * 3 % len(files): i * 3 % len(files) + 3]:
                f.write_text(f"y = {i}\n")
            measure("3 files edited", j)
            folder = project / f"new{i}"
            folder.mkdir()
            for k in range(20):
                (folder / f"n{k}.py").write_text(str(k))
            files[(i * 7 + 1) % len(files)].unlink(missing_ok=True)
            measure("folder added", j)
            measure("rescan", rescan)
        j.close()
        print(f"{args.files} files (+500 in node_modules, skipped), {args.runs} runs each; first snapshot "
              f"{first:.0f} ms")
        print(f"{'case':<16} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8}")
        for name, values in wall.items():
            values.sort()
            print(f"{name:<16} {statistics.median(values):8.2f} {values[int(len(values) * 0.95) - 1]:8.2f} "
                  f"{statistics.median(cpu[name]):8.2f}")


if __name__ == "__main__":
    main()
