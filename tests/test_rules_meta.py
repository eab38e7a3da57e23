"""Meta-tests over every rule table: each row is well formed and ids are unique."""

from __future__ import annotations

import re

import pytest

from blastwall.analyze.ruleset import load_table, table_names, validate_row
from blastwall.analyze.shell.programs import _tables


def _rows() -> list[tuple[str, dict]]:
    rows = []
    for name in table_names():
        table = load_table(name)
        for key in ("rule", "fsop"):
            for row in table.get(key) or []:
                rows.append((name, row))
    return rows


ROWS = _rows()


@pytest.mark.parametrize("table,row", ROWS, ids=[f"{t}:{r.get('id')}" for t, r in ROWS])
def test_row_is_well_formed(table: str, row: dict) -> None:
    assert validate_row(row) == []
    assert row.get("safer") or table in ("code",), f"{row['id']} needs a safer alternative"


def test_rule_ids_are_unique() -> None:
    ids = [r["id"] for _, r in ROWS]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, dupes


def test_every_program_rule_names_a_declared_program() -> None:
    programs, rules, _ = _tables()
    for name in rules:
        assert name in programs, f"rules for {name!r} but no [program] declares it (value options unknown)"


def test_code_patterns_compile() -> None:
    for p in load_table("code")["pattern"]:
        re.compile(p["regex"])


def test_program_index_matches_the_tables() -> None:
    from blastwall.analyze.ruleset import load_table, program_index, shell_program_tables, table_names

    index = program_index()
    assert index == shell_program_tables({n: load_table(n) for n in table_names()})


def test_lazy_handler_lists_match_their_modules() -> None:
    import importlib

    from blastwall.analyze.shell import handlers

    for module in set(handlers.LAZY_MODULES.values()):
        importlib.import_module(module)
    registered = {n for n, h in handlers.HANDLERS.items() if h.__module__ in set(handlers.LAZY_MODULES.values())}
    assert registered == set(handlers.LAZY_MODULES), registered ^ set(handlers.LAZY_MODULES)
