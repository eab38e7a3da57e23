"""Clearly expired file cleanups: `find /var/log/app -name '*.gz' -mtime +30 -delete`.

    expired_selection(["find", "/var/log/app", "-mtime", "+30", "-delete"], scope) -> "/var/log/app (older than 30 days)"
    expired_selection(["find", ".", "-mtime", "+30", "-delete"], scope)            -> None (a project root)

Removing only files older than some days from a folder of short-lived files (logs, temp, caches,
downloads) is routine housekeeping, as a DELETE of expired rows of a sessions table is
(`analyze/sql/expired.py`). Every part of the command must say so, or it is judged as any other
find -delete: the folders, tests and limits are data (`rules/shell_fs.toml` [expired_files]).
"""

from __future__ import annotations

import functools
import os
import posixpath
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.paths import classify, classify_in
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.names import program_name


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shell_fs")["expired_files"]


def _in_folder(path: str, scope: Scope) -> bool:
    t = _table()
    if ".." in path.split("/"):
        return False
    norm = path.rstrip("/") or "/"
    if norm.startswith("./"):
        norm = posixpath.normpath(norm)
    names = frozenset(t.get("folder_names", ()))
    if norm.rsplit("/", 1)[-1] in names and norm.count("/") >= 3 and "$" not in norm:
        return _not_a_link(norm, scope)  # `/home/runner/artifacts`, `/srv/app/logs`
    parts = norm.split("/")
    if "$" not in norm and any(p.lower() in names for p in parts[1:-1] if p):
        return _not_a_link(norm, scope)  # below a folder of logs: `/inetpub/logs/LogFiles`, `/srv/logs/api`
    for folder in t["folders"]:
        if folder.endswith("/*"):  # a folder below this one
            if norm.startswith(folder[:-1]) and len(norm) > len(folder) - 1:
                return _not_a_link(norm, scope)
        elif norm == folder or norm.startswith(folder + "/"):
            return _not_a_link(norm, scope)
    return False


def _not_a_link(path: str, scope: Scope) -> bool:
    """A relative folder (`logs`) that is a link on this machine may reach anything: not expired;
    nor is a git work tree under /tmp, which holds project files (`paths.classify`)."""
    cwd = scope.shell_dir or scope.cwd
    if path.startswith(("/", "~", "$")):
        return not classify_in(path, scope).kind.startswith("project")
    if not cwd:
        return True
    return not os.path.islink(os.path.join(cwd, path.split("/", 1)[0]))


def _age_days(test: str, value: str) -> float | None:
    t = _table()
    if not value.startswith("+") or not value[1:].isdigit():
        return None
    n = int(value[1:])
    if test in t["age_tests_days"]:
        return float(n)
    if test in t["age_tests_minutes"]:
        return n / 1440
    return None


def _removes_only(inner: list[Word]) -> bool:
    """`-exec rm -f {} +`: the command only removes the files find hands it."""
    t = _table()
    if not inner or inner[0].dynamic or program_name(inner[0].text) not in t["rm_programs"]:
        return False
    rest = [w.text for w in inner[1:]]
    return "{}" in rest and all(r == "{}" or r in t["rm_flags"] for r in rest)


def expired_selection(starts: list[Word], expr: list[Word], scope: Scope) -> str | None:
    """What an expired cleanup removes (for its reason), or None when find's command is not one."""
    t = _table()
    if not starts or any(w.dynamic and not w.text.startswith("$") for w in starts):
        return None
    if not all(_in_folder(w.text, scope) for w in starts):
        return None
    ages: list[float] = []
    names: list[str] = []
    i = 0
    texts = [w.text for w in expr]
    if any(w.dynamic for w in expr):
        return None
    while i < len(texts):
        tok = texts[i]
        if tok in t["actions"]:
            i += 1
            continue
        if tok in ("-exec", "-execdir"):
            end = next((k for k in range(i + 1, len(texts)) if texts[k] in (";", "\\;", "+")), None)
            if end is None or not _removes_only(expr[i + 1:end]):
                return None
            i = end + 1
            continue
        if tok in t["age_tests_days"] or tok in t["age_tests_minutes"]:
            age = _age_days(tok, texts[i + 1]) if i + 1 < len(texts) else None
            if age is None or age < t["min_days"]:
                return None  # `-mtime -7`, `-mtime 3`, `-mtime +0`, `-mmin +5`
            ages.append(age)
            i += 2
            continue
        if tok not in t["allowed_tests"]:
            return None  # `!`, `-o`, `-not`, `-path`, `-newer`, `-L`, `-follow`...: not followed here
        if tok in t["value_tests"]:
            if i + 1 >= len(texts):
                return None
            if tok in ("-name", "-iname"):
                names.append(texts[i + 1])
            i += 2
            continue
        i += 1
    if not ages or not any(texts.count(a) for a in ("-delete", "-exec", "-execdir")):
        return None
    if any(classify(n, None).kind in t["name_kinds_refused"] for n in names):
        return None
    where = ", ".join(w.text for w in starts)
    named = f" named {', '.join(names)}" if names else ""
    return f"{where} (files{named} older than {min(ages):g} days)"


def options_refused(argv: list[Word], starts: list[Word]) -> bool:
    """find's options before its start folders that follow links out of them (`-L`, `-H`)."""
    head = argv[1:argv.index(starts[0])] if starts and starts[0] in argv else argv[1:]
    return any(w.text in ("-L", "-H") for w in head)
