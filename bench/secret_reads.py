#!/usr/bin/env python3
"""What the on-the-way credential check adds to a read, beside the same check without it.

    python bench/secret_reads.py [--runs 40] [--files 1000]

Each figure is the engine's whole check (`check_action`, as the hook and the daemon's workers
run it), p50 / p95 over `--runs` runs, with the content check on and, in the same run, off
(`analyze/credentials.py` answering "no disk access"), so the difference is what the check adds:

1. Claude Code's Read of an ordinary source file (4 KB): cold (a file never seen, so it is read
   and scanned, and its answer written to the index) and cached (the same file again: one stat
   and a look-up in this process's memo).
2. The same Read in a new process (the in-process hook without the daemon): the first check
   loads the scanner's tables and the index; measured as wall time of `python -c` doing one check.
3. `grep -rn PATTERN .` over a tree of `--files` source files (plus one notes file holding a
   token the pattern does not reach): cold (empty index: every file read and scanned), warm
   (the index knows every file: a walk with one stat per file, one query), and off.

Everything lives in a temporary folder (project, state folder, index).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCE = '''import os
import sys


def handler(event, context):
    """Return the booking for the event's id."""
    booking_id = event.get("id")
    if not booking_id:
        return {"status": 400, "body": "missing id"}
    row = lookup(booking_id)
    return {"status": 200, "body": row}


def lookup(booking_id):
    path = os.path.join("data", f"{booking_id}.json")
    with open(path, encoding="utf-8") as f:
        return f.read()
'''


def _ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"p50 {statistics.median(samples) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def _tree(root: Path, files: int) -> None:
    for i in range(files):
        folder = root / "src" / f"pkg{i // 50}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i}.py").write_text(SOURCE * 3 + f"\nVERSION = {i}\n")
    (root / "ops").mkdir(exist_ok=True)
    (root / "ops" / "notes.md").write_text("deploy notes\nRAILWAY_API_TOKEN=3f1c2b4a-1111-4222-8333-944455556666\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--files", type=int, default=1000)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bw-bench-secrets-"))
    os.environ["XDG_STATE_HOME"] = str(base / "state")
    os.environ["XDG_CONFIG_HOME"] = str(base / "config")
    os.environ["BLASTWALL_DAEMON"] = "off"
    os.environ["BLASTWALL_INDEX_AHEAD"] = "off"  # no background indexer taking CPU from the runs
    proj = base / "proj"
    proj.mkdir()
    _tree(proj, args.files)

    from blastwall.analyze import credentials
    from blastwall.engine import check_action, make_action
    from blastwall.policy.engine import default_policy
    from blastwall.secrets import content

    policy = default_policy()
    real_content, real_tree = credentials.content, credentials.tree_findings

    def off() -> None:
        credentials.content = lambda *a, **k: None  # type: ignore[assignment]
        credentials.tree_findings = lambda *a, **k: None  # type: ignore[assignment]

    def on() -> None:
        credentials.content, credentials.tree_findings = real_content, real_tree  # type: ignore[assignment]

    def read(path: Path) -> float:
        t = time.perf_counter()
        v = check_action(make_action("file_read", {"path": str(path)}, {"cwd": str(proj)}), policy)
        took = time.perf_counter() - t
        assert v.decision.value == "allow", v.reasons
        return took

    print(f"blastwall secret-read check, {args.runs} runs each; project of {args.files} files\n")
    read(proj / "src" / "pkg0" / "mod0.py")  # imports and tables, once
    cold, cached, none = [], [], []
    for i in range(args.runs):
        fresh = proj / "src" / "cold" / f"new{i}.py"
        fresh.parent.mkdir(exist_ok=True)
        fresh.write_text(SOURCE * 8)  # 4 KB
        on()
        cold.append(read(fresh))
        cached.append(read(fresh))
        off()
        none.append(read(fresh))
    on()
    print("1. Read of a 4 KB source file (check_action)")
    print(f"   without the content check   {_ms(none)}")
    print(f"   cold (read, scan, index)    {_ms(cold)}")
    print(f"   cached (same version)       {_ms(cached)}")

    code = ("import time, sys; t = time.perf_counter(); from blastwall.engine import check_action, make_action; "
            "v = check_action(make_action('file_read', {'path': sys.argv[1]}, {'cwd': sys.argv[2]})); "
            "print(time.perf_counter() - t)")
    walls: dict[str, list[float]] = {"on": [], "off": []}
    target = proj / "src" / "pkg1" / "mod50.py"
    for i in range(min(args.runs, 15)):
        target.write_text(SOURCE * 8 + f"# {i}\n")  # a new version each time: cold in the new process too
        env = {**os.environ}
        walls["on"].append(float(subprocess.run([sys.executable, "-c", code, str(target), str(proj)], env=env,
                                                capture_output=True, text=True, check=True).stdout))
        off_code = ("from blastwall.analyze import credentials; credentials.content = lambda *a, **k: None; " + code)
        walls["off"].append(float(subprocess.run([sys.executable, "-c", off_code, str(target), str(proj)], env=env,
                                                 capture_output=True, text=True, check=True).stdout))
    print("\n2. The same Read as the first check of a new process (imports + check, no daemon)")
    print(f"   without the content check   {_ms(walls['off'])}")
    print(f"   with it (cold file)         {_ms(walls['on'])}")

    def grep() -> float:
        t = time.perf_counter()
        v = check_action(make_action("shell", "grep -rn 'def handler' .", {"cwd": str(proj)}), policy)
        took = time.perf_counter() - t
        assert v.decision.value == "allow", v.reasons
        return took

    import shutil

    gcold, gwarm, gnone = [], [], []
    for _ in range(min(args.runs, 10)):
        shutil.rmtree(base / "state", ignore_errors=True)  # an empty index
        content._MEMO.clear()
        from blastwall.secrets import index

        index._OPEN.clear()
        on()
        gcold.append(grep())
    for _ in range(args.runs):
        on()
        gwarm.append(grep())
        off()
        gnone.append(grep())
    on()
    v = check_action(make_action("shell", "grep -rn RAILWAY .", {"cwd": str(proj)}), policy)
    assert v.decision.value == "deny"
    print(f"\n3. grep -rn 'def handler' . over {args.files} files (the notes' token line is out of its reach)")
    print(f"   without the content check   {_ms(gnone)}")
    print(f"   cold (empty index)          {_ms(gcold)}")
    print(f"   warm (index knows them)     {_ms(gwarm)}")
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
