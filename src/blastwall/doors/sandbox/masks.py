"""Which files the sandbox masks: secret-bearing files found by name, and the scanner's list.

    find_secrets("/src/app", kb)        -> ["/src/app/.env", "/src/app/certs/server.pem"]
    scanner_list("~/.local/state/blastwall/secrets.json", "/src/app") -> ["/src/app/config/prod.yml"]

A file is secret-bearing when the file analyzer says reading it is `read_secret` (its
`read_globs` in `analyze/rules/files.toml`, minus templates such as `.env.example`). The walk
is prefiltered with one regular expression built from the same globs, so the analyzer is asked
only about candidates. A symlink that matches is masked where it points (plan.py follows it
the way the sandbox would).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
from typing import Any

from blastwall.analyze.base import Scope
from blastwall.analyze.files import analyze_read, normalize
from blastwall.analyze.ruleset import load_table
from blastwall.doors.sandbox.knowledge import Knowledge


class TooMany(ValueError):
    """The folder holds more entries (or secret files) than the sandbox is willing to handle."""


@functools.cache
def _candidate() -> re.Pattern[str]:
    patterns: list[str] = []
    for row in load_table("files")["rule"]:
        for g in row.get("read_globs", []):
            g = g.casefold()
            patterns.append(g)
            if g.startswith("**/"):
                patterns.append(g[3:])
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


def is_secret(path: str) -> bool:
    """`path` (absolute) is a file the file analyzer rates `read_secret`."""
    if not _candidate().match(normalize(path, None).casefold()):
        return False
    return bool(analyze_read(path, Scope(cwd=os.path.dirname(path), read_files=False)))


def find_secrets(root: str, kb: Knowledge) -> list[str]:
    """Secret-bearing files under `root` (paths under `root` as given, sorted; a symlink is
    listed as itself). Raises `TooMany`."""
    root = os.path.abspath(root)
    found: set[str] = set()
    seen = 0
    for folder, dirs, files in os.walk(root, onerror=None, followlinks=False):
        dirs[:] = [d for d in dirs if d not in kb.skip_dirs]
        seen += len(dirs) + len(files)
        if seen > kb.max_entries:
            raise TooMany(f"{root} holds more than {kb.max_entries} files and folders to search for secrets; "
                          "use --project with a smaller folder")
        for name in files:
            path = os.path.join(folder, name)
            if is_secret(path) and os.path.isfile(path):
                found.add(path)
        if len(found) > kb.max_masks:
            raise TooMany(f"{root} holds more than {kb.max_masks} secret-bearing files; use --project with a "
                          "smaller folder")
    return sorted(found)


def _paths(doc: Any) -> list[str]:
    if isinstance(doc, dict):
        for key in ("files", "paths", "findings", "results", "secrets"):
            if key in doc:
                inner = doc[key]
                return list(inner) if isinstance(inner, dict) else _paths(inner)  # {path: {...}} or [...]
        value = doc.get("path") or doc.get("file") or doc.get("filename")
        return [value] if isinstance(value, str) else []
    if isinstance(doc, list):
        return [p for item in doc for p in ([item] if isinstance(item, str) else _paths(item))]
    return []


def scanner_list(path: str, project: str) -> list[str]:
    """The files the secret scanner flagged (absolute; relative entries are taken from `project`).

    The scanner writes `{"version": 1, "files": {PATH: {...}}}` (`blastwall.secrets.found`); a
    JSON array of paths or of objects with a "path" is read too. A missing or unreadable list
    is empty."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return []
    out = {os.path.normpath(os.path.join(project, os.path.expanduser(p))) for p in _paths(doc) if p.strip()}
    return sorted(out)
