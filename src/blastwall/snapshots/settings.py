"""`[snapshots]` in the policy: how much blastwall may save before an approved action, where, and
what happens when it cannot.

    [snapshots]
    max_bytes = "512MiB"      # what one approved action may copy (files, untracked files, bundles)
    required = true           # false: an action whose snapshot fails still runs (the failure is logged)
    dir = "~/backups/bw"      # where snapshots live (default $XDG_DATA_HOME/blastwall/snapshots)
    trash = true              # `blastwall exec` moves the targets of a plain `rm` into the snapshot
    remote_timeout_s = 10     # how long a force-push snapshot may spend asking the remote

Sizes are a number of bytes or a number with a unit (`KiB`, `MiB`, `GiB`, `TiB`; `KB`, `MB`, `GB`
are powers of 1000). Durations (for `blastwall snapshots --prune --older-than`) are `90s`, `30m`,
`12h`, `7d` or `2w`.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

DEFAULT_MAX_BYTES = 512 * 1024**2
KEYS = frozenset({"max_bytes", "required", "dir", "trash", "remote_timeout_s"})
_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
          "g": 1024**3, "gib": 1024**3, "gb": 1000**3, "t": 1024**4, "tib": 1024**4, "tb": 1000**4}
_SPANS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class SettingsError(ValueError):
    """`[snapshots]` holds something blastwall cannot use; the message names the key."""


class SnapshotSettings(NamedTuple):
    max_bytes: int = DEFAULT_MAX_BYTES
    required: bool = True
    dir: str | None = None
    trash: bool = True
    remote_timeout_s: float = 10.0


def parse_size(value: Any) -> int:
    """`512MiB` -> 536870912. Raises SettingsError."""
    if isinstance(value, bool):
        raise SettingsError(f"{value!r} is not a size")
    if isinstance(value, int) and value >= 0:
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(value))
    if not m or m.group(2).lower() not in _UNITS:
        raise SettingsError(f"{value!r} is not a size (write 512MiB, 2GiB or a number of bytes)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def parse_span(value: str) -> float:
    """`7d` -> 604800.0 seconds. Raises SettingsError."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(value))
    if not m:
        raise SettingsError(f"{value!r} is not a duration (write 90s, 30m, 12h, 7d or 2w)")
    return float(m.group(1)) * _SPANS[m.group(2) or "s"]


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover


def compile_settings(section: Any) -> SnapshotSettings:
    if section is None:
        return SnapshotSettings()
    if not isinstance(section, dict):
        raise SettingsError("[snapshots] must be a table")
    unknown = sorted(set(section) - KEYS)
    if unknown:
        raise SettingsError(f"[snapshots] has unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(KEYS))}")
    out = SnapshotSettings()
    if "max_bytes" in section:
        try:
            out = out._replace(max_bytes=parse_size(section["max_bytes"]))
        except SettingsError as exc:
            raise SettingsError(f"[snapshots] max_bytes: {exc}") from None
    for key in ("required", "trash"):
        if key in section:
            if not isinstance(section[key], bool):
                raise SettingsError(f"[snapshots] {key} must be true or false")
            out = out._replace(**{key: section[key]})
    if "dir" in section:
        if not isinstance(section["dir"], str) or not section["dir"].strip():
            raise SettingsError("[snapshots] dir must be a folder path")
        out = out._replace(dir=section["dir"])
    if "remote_timeout_s" in section:
        value = section["remote_timeout_s"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 120:
            raise SettingsError("[snapshots] remote_timeout_s must be a number of seconds between 0 and 120")
        out = out._replace(remote_timeout_s=float(value))
    return out


def settings_of(policy: Any) -> SnapshotSettings:
    """The policy's `[snapshots]` (defaults when there is none). Raises SettingsError."""
    section = policy.section("snapshots") if policy is not None else None
    return compile_settings(section)


def tighten(section: Any) -> tuple[dict[str, Any], list[str]]:
    """What an untrusted project file may keep of its `[snapshots]`: only `required = true` (every
    other key could make blastwall save less, or save it where the project chooses)."""
    if not isinstance(section, dict):
        return {}, []
    kept = {"required": True} if section.get("required") is True else {}
    dropped = [f"[snapshots] {key} (how much blastwall saves and where is for trusted policy files)"
               for key in sorted(set(section) - set(kept))]
    return kept, dropped
