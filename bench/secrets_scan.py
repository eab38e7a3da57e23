#!/usr/bin/env python3
"""`blastwall secrets scan` speed on a large tree, beside baselines in the same run.

    python bench/secrets_scan.py [--files 20000]

Builds a throwaway tree that looks like a monorepo (source files of a few KiB, configs, docs,
a node_modules and a .git that the scanner skips, one file in 200 holding a credential), then:

1. baseline: `grep -rIl -E` with the scanner's cheapest patterns over the same tree, and a plain
   Python walk that reads every file (the I/O floor);
2. the scanner in process, with and without the detect-secrets plugins;
3. the `blastwall secrets scan` command (start-up, list writing included).

Prints files/s and MB/s for each, and checks that every planted credential was found.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECRETS = [
    "RAILWAY_API_TOKEN=7f3c9a1e-2b4d-4c8e-9f10-{:012x}",
    "GITHUB_TOKEN=ghp_{:036d}",
    "aws_access_key_id = AKIA{:016d}",
    "DATABASE_URL=postgres://app:s3cretpass{}@db.internal:5432/app",
    "STRIPE_KEY=sk_live_{:024d}",
]
CODE = "def handler_{n}(event):\n    total = sum(x * {n} for x in event['items'])\n    return {{'total': total}}\n\n"


def build(root: Path, files: int, rng: random.Random) -> int:
    """The tree; returns how many files carry a planted credential."""
    planted = 0
    for i in range(files):
        folder = root / f"pkg{i % 97}" / f"mod{i % 13}"
        folder.mkdir(parents=True, exist_ok=True)
        ext = rng.choice([".py", ".ts", ".md", ".yaml", ".json", ".txt"])
        body = "".join(CODE.format(n=n) for n in range(rng.randint(5, 40)))
        if i % 200 == 7:
            body += "\n" + rng.choice(SECRETS).format(i) + "\n"
            planted += 1
        (folder / f"file{i}{ext}").write_text(body)
    for skipped in ("node_modules/left-pad", ".git/objects"):
        (root / skipped).mkdir(parents=True)
        for i in range(200):
            (root / skipped / f"f{i}.js").write_text("module.exports = 1;\n" * 50)
    return planted


def _timed(label: str, n_files: int, n_bytes: int, fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    dt = time.perf_counter() - t0
    print(f"  {label:44s} {dt:7.2f} s   {n_files / dt:9,.0f} files/s   {n_bytes / dt / 1e6:7.1f} MB/s")
    return dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20000)
    args = ap.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="blastwall-scan-bench-"))
    os.environ["XDG_STATE_HOME"] = str(scratch / "state")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    root = scratch / "tree"
    try:
        planted = build(root, args.files, random.Random(7))
        sizes = [p.stat().st_size for p in root.rglob("*") if p.is_file() and "node_modules" not in p.parts
                 and ".git" not in p.parts]
        n, total = len(sizes), sum(sizes)
        print(f"secrets scan on {n:,} files ({total / 1e6:.1f} MB, {planted} with a credential), {os.cpu_count()} cpus")

        def read_all() -> None:
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = [d for d in dirnames if d not in ("node_modules", ".git")]
                for name in filenames:
                    with open(os.path.join(dirpath, name), "rb") as f:
                        f.read()

        grep = shutil.which("grep")
        if grep:
            pattern = r"ghp_|AKIA[0-9A-Z]{16}|sk_live_|://[^/ ]*:[^@ ]*@|RAILWAY_API_TOKEN"
            _timed("baseline: grep -rIlE (cheap patterns)", n, total, lambda: subprocess.run(
                [grep, "-rIlE", "--exclude-dir=node_modules", "--exclude-dir=.git", pattern, str(root)],
                capture_output=True, check=False))
        _timed("baseline: python walk + read every file", n, total, read_all)

        from blastwall.secrets.scanner import scan

        found: dict[str, int] = {}
        _timed("scan(), provider formats only", n, total,
               lambda: found.__setitem__("formats", len(scan(str(root), detect_secrets=False).files)))
        _timed("scan(), formats + detect-secrets plugins", n, total,
               lambda: found.__setitem__("all", len(scan(str(root)).files)))
        _timed("blastwall secrets scan (command, list written)", n, total, lambda: subprocess.run(
            [sys.executable, "-m", "blastwall", "secrets", "scan", str(root), "--json"], capture_output=True,
            check=False))
        ok = found.get("all", 0) >= planted and found.get("formats", 0) >= planted
        print(f"  found {found.get('all', 0)} secret-bearing files of {planted} planted: {'ok' if ok else 'MISSED SOME'}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
