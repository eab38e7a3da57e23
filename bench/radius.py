#!/usr/bin/env python3
"""Latency that measuring the blast radius adds to one check, per action class, beside the same
check with measuring off (`[radius] budget_ms = 0`), in the same run.

    python bench/radius.py [--runs 40] [--large 20000]

Each class runs against a real tree made for the run (a git repository with committed, modified,
untracked and ignored files; a bare remote for the force push). Prints median and p95 in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from blastwall.engine import check
from blastwall.policy.engine import compile_layers, default_document
from blastwall.radius import budget_of

ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
       "GIT_COMMITTER_EMAIL": "b@b", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def sh(cwd: Path, line: str) -> None:
    subprocess.run(["bash", "-c", line], cwd=cwd, env=ENV, check=True, capture_output=True)


def make_tree(root: Path, large: int) -> Path:
    repo = root / "repo"
    repo.mkdir()
    sh(root, "git init -q --bare remote.git")
    sh(repo, "git init -q -b main && printf 'build/\\nnode_modules/\\n' > .gitignore && mkdir -p src small "
             "&& for i in $(seq 200); do echo $i > src/f$i.py; done && git add -A && git commit -qm init "
             "&& git remote add origin ../remote.git && git push -q -u origin main && git remote set-head origin main "
             "&& git checkout -qb merged && echo m > m.txt && git add -A && git commit -qm m && git push -q origin merged "
             "&& git checkout -q main && git merge -q merged && git push -q origin main "
             "&& for i in $(seq 20); do echo $i > small/u$i.txt; done && echo x >> src/f1.py")
    big = repo / "node_modules"
    per = 500
    for d in range(max(1, large // per)):
        folder = big / f"pkg{d}"
        folder.mkdir(parents=True)
        for i in range(per):
            (folder / f"m{i}.js").write_text("x")
    return repo


CASES = [
    ("no-op (git status)", "git status --short"),
    ("files: small tree (rm -rf small)", "rm -rf small"),
    ("files: 200 tracked (rm -rf src)", "rm -rf src"),
    ("files: large tree (rm -rf node_modules)", "rm -rf node_modules"),
    ("edit: sed -i on a tracked file", "sed -i 's/2/3/' src/f2.py"),
    ("edit: grep -rl | xargs sed -i (200 files)", "grep -rl 2 src | xargs sed -i 's/2/3/'"),
    ("git: push --force", "git push --force origin main"),
    ("git: push --force-with-lease (own branch)", "git push --force-with-lease origin merged"),
    ("git: reset --hard", "git reset --hard"),
    ("git: branch -D", "git branch -D merged"),
]


def timed(line: str, cwd: Path, policy: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        check(line, context={"cwd": str(cwd)}, policy=policy)  # type: ignore[arg-type]
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--large", type=int, default=20000, help="files in the large tree")
    args = ap.parse_args()
    on = compile_layers([("defaults", default_document())])
    off = compile_layers([("off", {"radius": {"budget_ms": 0}}), ("defaults", default_document())])
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_tree(Path(tmp), args.large)
        print(f"radius budget in force: {budget_of(on) * 1000:.0f} ms (off: {budget_of(off) * 1000:.0f} ms); "
              f"{args.runs} runs each; large tree: {args.large:,} files")
        print(f"{'class':42} {'measured':>26} {'off':>20} {'added':>9}  radius")
        for name, line in CASES:
            check(line, context={"cwd": str(repo)}, policy=on)  # warm: imports, caches
            a, b = timed(line, repo, on, args.runs), timed(line, repo, off, args.runs)
            v = check(line, context={"cwd": str(repo)}, policy=on)
            r = next((f.radius for f in v.findings if f.radius), None)
            shown = "-" if r is None else ("" if r["measured"] else "unmeasured: ") + str(r["summary"])[:60]
            added = statistics.median(a) - statistics.median(b)
            print(f"{name:42} median {statistics.median(a):6.1f} p95 {p95(a):6.1f}   median {statistics.median(b):5.1f}"
                  f" p95 {p95(b):5.1f} {added:+8.1f}  {v.decision.value}: {shown}")


if __name__ == "__main__":
    main()
