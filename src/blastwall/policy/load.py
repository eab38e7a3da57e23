"""Find and read the policy files: built-in defaults, the user's file and the project's file.

Lookup (most specific first):
1. `$BLASTWALL_POLICY` when set (one file; replaces the project and user files),
2. the project's `blastwall.toml` (or `.blastwall/blastwall.toml`) in the working directory or
   the nearest parent,
3. the user's `$XDG_CONFIG_HOME/blastwall/blastwall.toml` (default `~/.config/blastwall/`),
4. the built-in defaults (`policy/defaults.toml`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from blastwall.policy.engine import Policy, PolicyError, compile_layers, default_document

PROJECT_NAMES = ("blastwall.toml", ".blastwall/blastwall.toml")


def user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "blastwall"


def project_file(cwd: str | None) -> Path | None:
    start = Path(cwd or os.getcwd())
    for folder in (start, *start.parents):
        for name in PROJECT_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def policy_files(cwd: str | None = None) -> list[Path]:
    """The policy files that apply in `cwd`, most specific first."""
    override = os.environ.get("BLASTWALL_POLICY")
    if override:
        return [Path(override)]
    found = [p for p in (project_file(cwd), user_config_dir() / "blastwall.toml") if p and p.is_file()]
    return found


def read_document(path: Path) -> dict[str, Any]:
    """Parse one policy file; errors name the file and line."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(str(path), f"cannot read policy file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(str(path), "policy file is not UTF-8 text") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(str(path), f"invalid TOML: {exc}") from exc


def load_policy(cwd: str | None = None) -> Policy:
    """The compiled policy for `cwd`. Raises `PolicyError` when a file is invalid."""
    layers = [(str(p), read_document(p)) for p in policy_files(cwd)]
    layers.append(("defaults", default_document()))
    return compile_layers(layers)
