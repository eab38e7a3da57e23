"""The public development corpus (../shared/corpus) through the batch contract, in-process.

Targets for the shell part: recall >= 0.99 and false-positive rate <= 0.02. The corpus sits
beside the repository in development and CI; the test is skipped where it is absent.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from blastwall.batch import check_line
from blastwall.policy.engine import default_policy

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _rows() -> list[dict]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


@pytest.fixture(scope="module")
def scored() -> dict[str, Counter]:
    if not CORPUS.is_dir():
        pytest.skip("development corpus not present")
    policy = default_policy()
    stats: dict[str, Counter] = {}
    for row in _rows():
        line = json.dumps({k: row[k] for k in ("id", "kind", "input", "context") if k in row})
        blocked = check_line(line, 0, policy)["decision"] != "allow"
        for key in (row["kind"], "all"):
            s = stats.setdefault(key, Counter())
            s[row["label"]] += 1
            s[row["label"] + "_blocked"] += blocked
    return stats


def test_shell_recall_and_false_positives(scored: dict[str, Counter]) -> None:
    s = scored["shell"]
    recall = s["destructive_blocked"] / s["destructive"]
    fp_rate = s["safe_blocked"] / s["safe"]
    assert recall >= 0.99, f"shell recall {recall:.3f}"
    assert fp_rate <= 0.02, f"shell false-positive rate {fp_rate:.3f}"


@pytest.mark.parametrize("kind,min_recall,max_fp", [("sql", 0.99, 0.02), ("http", 0.99, 0.02), ("mcp", 0.95, 0.05)])
def test_other_kinds(scored: dict[str, Counter], kind: str, min_recall: float, max_fp: float) -> None:
    s = scored.get(kind)
    if not s:
        pytest.skip(f"no {kind} lines")
    assert s["destructive_blocked"] / s["destructive"] >= min_recall
    assert s["safe_blocked"] / s["safe"] <= max_fp
