"""The evidence table (`evidence.toml`), loaded once, and what a name says about an environment."""

from __future__ import annotations

import functools
import os
from typing import Any

from blastwall.analyze import globs

HERE = os.path.dirname(os.path.abspath(__file__))
ENVIRONMENTS = ("local", "test", "dev", "preview", "staging", "production", "unknown")
_RANK = {name: i for i, name in enumerate(ENVIRONMENTS)}


@functools.cache
def table() -> dict[str, Any]:
    import tomllib

    with open(os.path.join(HERE, "evidence.toml"), "rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    if tuple(data.get("order", ())) != ENVIRONMENTS:
        raise ValueError("evidence.toml: `order` must list the environments blastwall knows, strictest last")
    return data


def section(name: str) -> dict[str, Any]:
    value = table().get(name)
    return value if isinstance(value, dict) else {}


def rank(environment: str) -> int:
    """Strictness: local 0 ... unknown 6. A name blastwall does not know counts as unknown."""
    return _RANK.get(environment, len(ENVIRONMENTS) - 1)


def strictest(environments: list[str]) -> str:
    return max(environments, key=rank, default="unknown")


@functools.lru_cache(maxsize=1024)
def environment_of_name(name: str) -> str | None:
    """The environment a naming convention gives `name` (case-insensitive), if any."""
    key = name.strip().strip("\"'`").lower()
    if not key:
        return None
    for row in table().get("name") or ():
        if globs.match_any(key, row["globs"]):
            return str(row["environment"])
    return None


def settings_name(module: str) -> str:
    """The part of a settings module or file that names an environment: app.settings.test -> test."""
    last = module.strip().rsplit(".", 1)[-1] if "/" not in module else os.path.basename(module)
    return last.removesuffix(".py")
