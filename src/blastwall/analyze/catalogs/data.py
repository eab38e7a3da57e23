"""The generated catalog files (`data/`, written by tools/gen_catalogs.py), read lazily.

Nothing is read until a check needs a provider, and then only that provider's file (AWS and
Google: only the one service's file, a few KiB). Each file is parsed once per process.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


class CatalogMissing(Exception):
    """A generated file is missing or unreadable (the installation is broken)."""


@functools.cache
def load(rel: str) -> dict[str, Any]:
    """`data/<rel>` parsed."""
    path = os.path.join(DATA, rel)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise CatalogMissing(f"the generated catalog {rel} cannot be read ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise CatalogMissing(f"the generated catalog {rel} is not a JSON object")
    return data


def exists(rel: str) -> bool:
    return os.path.exists(os.path.join(DATA, rel))


def names(folder: str) -> list[str]:
    """The data files of a provider split in parts (`aws`, `google`), without `_index`."""
    path = os.path.join(DATA, folder)
    return sorted(n[:-5] for n in os.listdir(path) if n.endswith(".json") and not n.startswith("_"))
