"""Program names written in another case: `RM`, `Git`, `/BIN/RM`, `KUBECTL`.

On a case-insensitive filesystem (macOS by default, Windows) `RM -rf x` runs rm. A name no reader
knows as spelled, whose lower-case form is a program one knows, is read as that program; a name
known as spelled stays (`R` is not `r`, `Rscript`). The names are those the shell rule tables key a
row by (`program`, `programs`, `names`), the handlers (eager and lazy), the filesystem table, the
wrappers, and the tables of build tools, launchers and tree copiers; built once, on the first name
that is not all lower case.
"""

from __future__ import annotations

import functools
from typing import Any

# Tables outside `shell_*` that name programs (not file or role names)
_PROGRAM_TABLES = ("build_files", "launched", "later", "tree_changes")
_KEYS = frozenset({"program", "programs", "names"})


@functools.cache
def known_programs() -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table, table_names
    from blastwall.analyze.shell.fsops import fs_programs
    from blastwall.analyze.shell.handlers import HANDLERS, LAZY_MODULES
    from blastwall.analyze.shell.quick import READ_ONLY

    names: set[str] = set(HANDLERS) | set(LAZY_MODULES) | set(fs_programs()) | READ_ONLY

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in _KEYS and isinstance(inner, str):
                    names.add(inner)
                elif key in _KEYS and isinstance(inner, list):
                    names.update(p for p in inner if isinstance(p, str))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for table in table_names():
        if table.startswith("shell_") or table in _PROGRAM_TABLES:
            walk(load_table(table))
    return frozenset(names)


@functools.lru_cache(maxsize=1024)
def folded(name: str, lowered: str) -> str:
    """`lowered` (the program `name` names, read in lower case) when `name` itself is not known."""
    from blastwall.analyze.shell.handlers import HANDLERS

    known = known_programs()
    if name in known or name in HANDLERS:
        return name
    return lowered if lowered in known or lowered in HANDLERS else name
