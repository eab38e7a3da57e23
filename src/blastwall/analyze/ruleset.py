"""Loading the declarative rule tables shipped in `analyze/rules/*.toml`.

A rule table is data: each `[[rule]]` row carries a stable dotted `id`, an `effect`, a
`severity`, a one-line `reason` and a `safer` alternative next to its matcher. Tables are
validated by `validate_row`, which the meta-tests run over every table.

A table is parsed once per process (tomllib; all of them take about 30 ms), when the first
action that needs it is checked: the daemon and a batch keep them for every later check.
`program_index` says which shell tables declare rules for which program.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

from blastwall.model import Effect, Severity

HERE = os.path.dirname(os.path.abspath(__file__))
RULES_DIR = os.path.join(HERE, "rules")
POLICY_DEFAULTS = os.path.join(os.path.dirname(HERE), "policy", "defaults.toml")
ID_RE = re.compile(r"^[a-z]+(\.[a-z0-9_-]+)+:[a-z0-9][a-z0-9_.-]*$")
REQUIRED = ("id", "effect", "severity", "reason")


def _source_path(name: str) -> str:
    return POLICY_DEFAULTS if name == "policy:defaults" else os.path.join(RULES_DIR, f"{name}.toml")


def _read(name: str) -> bytes:
    with open(_source_path(name), "rb") as f:
        return f.read()


def _parse(data: bytes) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(data.decode("utf-8"))


@functools.cache
def load_table(name: str) -> dict[str, Any]:
    """The parsed `rules/<name>.toml` (or `policy:defaults`)."""
    return _parse(_read(name))


def policy_defaults() -> dict[str, Any]:
    """The parsed built-in policy (`policy/defaults.toml`)."""
    return load_table("policy:defaults")


@functools.cache
def table_names() -> list[str]:
    return sorted(n[:-5] for n in os.listdir(RULES_DIR) if n.endswith(".toml"))


@functools.cache
def program_index() -> dict[str, list[str]]:
    """program name -> shell tables with rules for it."""
    return shell_program_tables({n: load_table(n) for n in table_names() if n.startswith("shell_")})


def shell_program_tables(tables: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Which shell tables declare rules for each program name."""
    out: dict[str, list[str]] = {}
    for name, table in sorted(tables.items()):
        if not name.startswith("shell_"):
            continue
        for row in table.get("rule") or []:
            progs = row.get("program")
            for p in [progs] if isinstance(progs, str) else list(progs or []):
                if name not in out.setdefault(p, []):
                    out[p].append(name)
    return out


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
