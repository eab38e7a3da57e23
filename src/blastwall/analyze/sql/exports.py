"""COPY ... TO a file judged as the shell judges `> file`: an export to a new data file is not an
overwrite.

    COPY (SELECT ...) TO '/tmp/orders_2024.csv'        -> new export (a temporary path)
    COPY t TO 'exports/sales.csv' (DuckDB, relative)   -> new export when nothing is there now
    COPY t TO 'exports/sales-2024-06.csv', no cwd       -> new export: a name stamped with its period
    COPY t TO 'out/sales.csv', no cwd                   -> allowed as the shell allows `> out/sales.csv`
    COPY t TO '/etc/cron.d/x.csv', TO '~/.ssh/...'     -> an overwrite (asked)
    EXPORT DATABASE 'backup/2025-06-01', no cwd         -> new export: a folder named for its date
    EXPORT DATABASE 'backup/latest'                     -> asked: an earlier export's files are replaced

The path is classified by `analyze/paths.py`: a temporary path, or a file of the project that
does not exist yet, with a data extension (`rules/sql.toml` [settings] export_extensions). A path
that cannot be resolved (no working directory, a variable) is not measured: it is judged as the
shell judges `> path` with no working directory (regenerable output passes, a data file asks), or passes when its name carries the date of the period it exports (`[settings]
export_date_stamp`).
"""

from __future__ import annotations

import os
import posixpath

from blastwall.analyze.base import Scope
from blastwall.analyze.sql.rules import setting


# Statements that write a folder of files, not one file (DuckDB's EXPORT DATABASE 'dir').
_FOLDER_WRITERS = (("export", "database"),)


def writes_folder(statement: str) -> bool:
    from blastwall.analyze.sql import lexer

    opening = tuple(lexer.opening_words(lexer.code_only(statement), 2))
    return opening in _FOLDER_WRITERS


def new_export(path: str, scope: Scope, *, folder: bool = False) -> bool:
    """Whether COPY ... TO `path` writes a new data file (or, with `folder`, EXPORT DATABASE a new
    folder of them), overwriting nothing kept."""
    from blastwall.analyze.paths import classify

    name = posixpath.basename(path.rstrip("/")).lower()
    here = scope.shell_dir or scope.cwd
    kind = classify(path, here).kind
    if folder:
        if kind != "temp" and not dated(name):
            return False  # a folder named for no period may hold an earlier export, replaced file by file
    elif not _data_file(name):
        return False
    if kind == "temp":
        return True
    if kind not in ("project", "data", "new_file", "regenerable") or path.startswith(("/", "~")) or \
            ".." in path.split("/"):
        return False
    if not here:  # nothing to look at: the shell's rule for `> path` with no working directory
        return dated(name) or _overwrite_allowed(kind)
    return not os.path.lexists(os.path.join(here, path))


def _data_file(name: str) -> bool:
    """A name with a data extension (`[settings] export_extensions`), compressed or not."""
    parts = name.split(".")[1:]
    if not parts or name.startswith("."):
        return False
    exts = set(setting("export_extensions"))
    compressed = set(setting("export_compressions"))
    return parts[-1] in exts or (parts[-1] in compressed and len(parts) > 1 and parts[-2] in exts)


def _overwrite_allowed(kind: str) -> bool:
    """Whether `> path` into regenerable output passes in the shell with no working directory to
    look in (`analyze/shell/fsops.redirect_findings`: `> out/events.csv`), so COPY ... TO it passes
    too: one rule for both doors. A data file (`data/x.csv`, `*.parquet`, `*.db`), history, secrets
    and anything outside the project ask in both. A project file the shell lets through
    (`report.csv`) stays asked here: an export's name is what a kept file is called too."""
    return kind == "regenerable"


def dated(name: str) -> bool:
    """A file name stamped with the period it holds (`orders-2024-06.parquet`, `sales_20240611.csv`,
    `events-2024-06-11T0930.jsonl`: `[settings] export_date_stamp`): the export of that period,
    which at most replaces an earlier export of the same period."""
    from blastwall import rx

    return rx.search(setting("export_date_stamp"), name) is not None
