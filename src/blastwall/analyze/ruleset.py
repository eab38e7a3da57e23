"""Loading the declarative rule tables shipped in `analyze/rules/*.toml`.

A rule table is data: each `[[rule]]` row carries a stable dotted `id`, an `effect`, a
`severity`, a one-line `reason` and a `safer` alternative next to its matcher. Tables are read
once per process (they are small) and validated by `validate_row`, which the meta-tests run
over every table.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Any

from blastwall.model import Effect, Severity

ID_RE = re.compile(r"^[a-z]+(\.[a-z0-9_-]+)+:[a-z0-9][a-z0-9_.-]*$")
REQUIRED = ("id", "effect", "severity", "reason")


@functools.cache
def load_table(name: str) -> dict[str, Any]:
    """Read `rules/<name>.toml` from the package."""
    text = resources.files("blastwall.analyze").joinpath("rules", f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def table_names() -> list[str]:
    folder = resources.files("blastwall.analyze").joinpath("rules")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def validate_row(row: dict[str, Any]) -> list[str]:
    """Problems with one rule row (empty when it is well formed)."""
    problems = [f"missing {key!r}" for key in REQUIRED if key not in row]
    if "id" in row and not ID_RE.match(str(row["id"])):
        problems.append(f"id {row['id']!r} is not a dotted id like 'shell.git:push-force'")
    if "effect" in row:
        try:
            Effect(row["effect"])
        except ValueError:
            problems.append(f"unknown effect {row['effect']!r}")
    if "severity" in row:
        try:
            Severity.parse(str(row["severity"]))
        except KeyError:
            problems.append(f"unknown severity {row['severity']!r}")
    return problems
