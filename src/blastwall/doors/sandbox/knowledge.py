"""The sandbox's knowledge (`sandbox.toml`) as frozen values, read once per process."""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from typing import Any

MODES = ("ro", "rw")


@dataclass(frozen=True)
class HomeEntry:
    path: str  # relative to $HOME
    mode: str  # "ro" | "rw"
    agents: tuple[str, ...] = ()  # empty: every command


@dataclass(frozen=True)
class Agent:
    name: str
    commands: tuple[str, ...]
    env: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    system_ro: tuple[str, ...]
    system_tmpfs: tuple[str, ...]
    etc_ro: tuple[str, ...]
    home: tuple[HomeEntry, ...]
    agents: tuple[Agent, ...]
    credentials: tuple[str, ...]
    skip_dirs: frozenset[str]
    max_masks: int
    max_entries: int
    env_keep: tuple[str, ...]
    env_scrub: tuple[str, ...]
    env_pass_values: tuple[str, ...] = ()

    def agent_for(self, command: str) -> Agent | None:
        """The agent whose executable is `command` (a name or a path)."""
        name = os.path.basename(command)
        return next((a for a in self.agents if name in a.commands), None)

    def home_entries(self, agent: Agent | None) -> list[HomeEntry]:
        return [e for e in self.home if not e.agents or (agent is not None and agent.name in e.agents)]


def _strings(doc: dict[str, Any], key: str) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"sandbox.toml: `{key}` must be a list of strings")
    return tuple(value)


def parse(doc: dict[str, Any]) -> Knowledge:
    home = []
    for row in doc.get("home", []):
        if row.get("mode") not in MODES or not isinstance(row.get("path"), str):
            raise ValueError(f"sandbox.toml: [[home]] {row!r} needs a path and mode ro|rw")
        home.append(HomeEntry(row["path"], row["mode"], _strings(row, "agents")))
    agents = tuple(Agent(str(r["name"]), _strings(r, "commands"), _strings(r, "env")) for r in doc.get("agent", []))
    scan = doc.get("scan", {})
    return Knowledge(
        system_ro=_strings(doc["system"], "ro"), system_tmpfs=_strings(doc["system"], "tmpfs"),
        etc_ro=_strings(doc["etc"], "ro"), home=tuple(home), agents=agents,
        credentials=_strings(doc["credentials"], "home"), skip_dirs=frozenset(_strings(scan, "skip_dirs")),
        max_masks=int(scan.get("max_masks", 2000)), max_entries=int(scan.get("max_entries", 200000)),
        env_keep=_strings(doc["env"], "keep"), env_scrub=_strings(doc["env"], "scrub"),
        env_pass_values=_strings(doc["env"], "pass_values"),
    )


@functools.cache
def knowledge() -> Knowledge:
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.toml"), "rb") as f:
        return parse(tomllib.load(f))
