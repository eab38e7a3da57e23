"""The SQL of every corpus (the public corpora beside the repository, the blind corpora and the
everyday cases): SQL lines, and the strings of MCP arguments. Tests that hold a shortcut of the
SQL analyzer equal to the reading it replaces run over these texts."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CORPORA = [*sorted((ROOT.parents[1] / "shared" / "corpus").rglob("*.jsonl")), *sorted((ROOT / "blind").glob("*.jsonl")),
           *sorted((ROOT / "cases").glob("*.jsonl"))]


def sql_texts() -> list[str]:
    """The SQL of the corpora, each text once, sorted."""
    found: list[str] = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            if row.get("kind") == "sql" and isinstance(row.get("input"), str):
                found.append(row["input"])
            elif row.get("kind") == "mcp" and isinstance(row.get("input"), dict):
                args = row["input"].get("arguments")
                found += [v for v in (args.values() if isinstance(args, dict) else ()) if isinstance(v, str)]
    return sorted(set(found))
