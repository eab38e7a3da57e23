"""Files that run later: a write is judged by what the written file will do when it runs.

    analyze_change("migrations/0002_cleanup.sql", None, "DROP TABLE bookings;", scope)
      -> [Finding(rule_id="later.sql.postgres:drop-table",
                  reason="DROP TABLE deletes bookings and all its rows, when this migration is applied "
                         "(migrations/0002_cleanup.sql:1)")]

- `kinds.py`: which files run later (`rules/later.toml`) and how to read them;
- extractors take the steps out: `scripts.py` (SQL migrations, shell scripts, Makefiles,
  package.json, crontabs, systemd, Procfile), `yamlfiles.py` (CI pipelines, Kubernetes), `ops.py`
  (framework migrations, `rules/later_ops.toml`), `terraform.py`;
- `change.py` judges the steps with the shell and SQL analyzers and compares before and after;
- `written.py` turns a door's write (whole file, edits, delete, append) into the two texts.

This package's own import is kept empty: every file write asks `kinds.kind_of` first, and only
a file that runs later loads the rest.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Located", "analyze_change", "kind_of", "located_change", "worded"]


def __getattr__(name: str) -> Any:
    if name == "kind_of":
        from blastwall.analyze.later.kinds import kind_of

        return kind_of
    if name in ("Located", "analyze_change", "located_change", "worded", "steps_of", "MAX_STEPS", "PREFIX"):
        from blastwall.analyze.later import change

        return getattr(change, name)
    raise AttributeError(name)
