"""`run.toml` (what `blastwall run` lets an agent reach by default) and the profiles of
`blastwall.toml`, as frozen values.

    kb = knowledge()
    kb.agent_for("/usr/bin/claude").hosts          # ("api.anthropic.com", ...)
    profile = load_profile("ci", project="/src/app")  # ProfileError with a message for a human

A profile (`[run.profiles.NAME]`) adds to the defaults:

    [run.profiles.web]
    hosts = ["registry.example.com", "static.example.com:8443"]   # reachable through the proxy
    folders = ["~/.cache/pip:rw", "~/.npm:rw"]                       # home folders shown (ro or :rw)
    databases = ["DATABASE_URL", "postgresql://app@db.internal/app"] # proxied through the pg-proxy
    keep_env = ["MY_SETTING"]                                        # passed even if it looks secret
    registries = true                                               # the default package registries

Profiles are read from the trusted policy files only: `$BLASTWALL_POLICY`, the user's
`blastwall.toml`, and a project's file once a human trusted it (`blastwall policy trust`); a
profile in an untrusted project file is ignored with a note, since it could open hosts and
folders to the agent that works in that project.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from typing import Any

PROFILE_KEYS = frozenset({"hosts", "folders", "databases", "keep_env", "registries", "agent"})


class ProfileError(ValueError):
    """A profile that cannot be used as written; the message names the file and key."""


@dataclass(frozen=True)
class RunAgent:
    name: str
    commands: tuple[str, ...]
    hooks: str  # the hook protocol ("" when the agent has no hooks)
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class JournalRules:
    skip_dirs: frozenset[str]
    max_file: int
    max_files: int


@dataclass(frozen=True)
class Knowledge:
    journal: JournalRules
    ports: tuple[int, ...]
    registries: tuple[str, ...]
    agents: tuple[RunAgent, ...]
    db_schemes: tuple[str, ...]

    def agent_for(self, command: str) -> RunAgent | None:
        name = os.path.basename(command)
        return next((a for a in self.agents if name in a.commands), None)

    def agent_named(self, name: str) -> RunAgent | None:
        return next((a for a in self.agents if name in (a.name, a.hooks)), None)


@dataclass(frozen=True)
class Profile:
    name: str
    source: str  # the file it came from ("" for the built-in defaults)
    hosts: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    databases: tuple[str, ...] = ()
    keep_env: tuple[str, ...] = ()
    registries: bool = True
    agent: str = ""  # the hook protocol, when the command's name does not say it
    notes: tuple[str, ...] = field(default=())


def parse_size(text: str) -> int:
    units = {"KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3, "B": 1}
    value = text.strip().upper()
    for unit, factor in units.items():
        if value.endswith(unit):
            return int(float(value[: -len(unit)]) * factor)
    return int(value)


def _strings(doc: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse(doc: dict[str, Any]) -> Knowledge:
    j = doc["journal"]
    agents = tuple(RunAgent(str(r["name"]), _strings(r, "commands", "run.toml"), str(r.get("hooks", "")),
                            _strings(r, "hosts", "run.toml")) for r in doc.get("agent", []))
    return Knowledge(
        journal=JournalRules(frozenset(_strings(j, "skip_dirs", "run.toml")), parse_size(str(j["max_file"])),
                             int(j["max_files"])),
        ports=tuple(int(p) for p in doc["network"]["ports"]),
        registries=_strings(doc["network"], "registries", "run.toml"),
        agents=agents,
        db_schemes=_strings(doc["databases"], "schemes", "run.toml"),
    )


@functools.cache
def knowledge() -> Knowledge:
    with open(os.path.join(os.path.dirname(__file__), "run.toml"), "rb") as f:
        return parse(tomllib.load(f))


def _profile(name: str, table: Any, where: str) -> Profile:
    at = f"{where} [run.profiles.{name}]"
    if not isinstance(table, dict):
        raise ProfileError(f"{at} must be a table")
    unknown = sorted(set(table) - PROFILE_KEYS)
    if unknown:
        raise ProfileError(f"{at}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(PROFILE_KEYS))}")
    registries = table.get("registries", True)
    if not isinstance(registries, bool):
        raise ProfileError(f"{at}: `registries` must be true or false")
    agent = table.get("agent", "")
    if not isinstance(agent, str):
        raise ProfileError(f"{at}: `agent` must be a string (claude-code, codex, gemini, cursor, opencode)")
    return Profile(name, where, _strings(table, "hosts", at), _strings(table, "folders", at),
                   _strings(table, "databases", at), _strings(table, "keep_env", at), registries, agent)


def _trusted_documents(project: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """(path, document) of each trusted policy file, most specific first, and notes on files left out."""
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import policy_files, project_file, read_document, user_config_dir
    from blastwall.policy.trust import is_trusted

    docs: list[tuple[str, dict[str, Any]]] = []
    notes: list[str] = []
    own = project_file(project) if not os.environ.get("BLASTWALL_POLICY") else None
    for path in policy_files(project):
        try:
            doc = read_document(path)
        except PolicyError as exc:
            raise ProfileError(str(exc)) from exc
        if path == own and not is_trusted(path, user_config_dir()):
            if isinstance(doc.get("run"), dict):
                notes.append(f"{path}: its [run] profiles are ignored until a human trusts the file "
                             "(`blastwall policy trust`)")
            continue
        docs.append((path, doc))
    return docs, notes


def load_profile(name: str | None, project: str) -> Profile:
    """The profile `name` (None: `default` when a trusted file has one, else the built-in defaults)."""
    docs, notes = _trusted_documents(project)
    for path, doc in docs:
        run = doc.get("run")
        if run is None:
            continue
        if not isinstance(run, dict) or not isinstance(run.get("profiles", {}), dict):
            raise ProfileError(f"{path}: [run] must be a table with [run.profiles.NAME] tables")
        profiles = run.get("profiles", {})
        wanted = name or "default"
        if wanted in profiles:
            found = _profile(wanted, profiles[wanted], path)
            return Profile(**{**found.__dict__, "notes": tuple(notes)})
    if name:
        where = ", ".join(p for p, _ in docs) or "no trusted policy file"
        raise ProfileError(f"no profile [run.profiles.{name}] in {where}")
    return Profile("default", "", notes=tuple(notes))
