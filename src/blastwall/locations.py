"""Where blastwall keeps its own files (all outside any project, all guarded from agent writes).

- config: `$XDG_CONFIG_HOME/blastwall` (default `~/.config/blastwall`): user policy, trust
  records, approver keys (`keys/`).
- state:  `$XDG_STATE_HOME/blastwall` (default `~/.local/state/blastwall`): the embedded SQLite
  store (`blastwall.db`) holding approval requests, grants and the audit log.

`BLASTWALL_DATABASE_URL` (a `postgresql://` URL or `sqlite:///path`) replaces the embedded store.
"""

from __future__ import annotations

import os

DATABASE_URL_VAR = "BLASTWALL_DATABASE_URL"


def config_dir() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "blastwall")


def state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "blastwall")


def keys_dir() -> str:
    return os.path.join(config_dir(), "keys")


def default_database_url() -> str:
    return os.environ.get(DATABASE_URL_VAR) or "sqlite:///" + os.path.join(state_dir(), "blastwall.db")


def private_dir(path: str) -> str:
    """Create `path` (and parents) with 0700 permissions if missing; returns it."""
    parent = os.path.dirname(path.rstrip(os.sep))
    if parent and not os.path.isdir(parent) and parent.endswith("blastwall"):
        os.makedirs(parent, mode=0o700, exist_ok=True)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path
