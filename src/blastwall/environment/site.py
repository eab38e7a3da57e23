"""A target's site (is its server on this machine? what is it called?) and the environment that
follows from it, with the evidence.

    classify(Site(True, "127.0.0.1 is a loopback address", names=(("database", "app_test"),)))
      -> Placement("test", ("127.0.0.1 is a loopback address", "database app_test is named for test"))

The rule (evidence.toml): not on this machine -> `unknown`. On it, a disposable service by
nature (a mail catcher, an emulator, the Supabase local stack, a local cluster) -> its
environment; else the names decide (a production or staging name always wins, then the most
specific name: the table before its database); a local target no name places is `dev`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from blastwall.environment.commands import UNREADABLE
from blastwall.environment.files import UNREAD
from blastwall.environment.table import environment_of_name, rank, strictest

UNKNOWN = "unknown"


class Site(NamedTuple):
    local: bool
    where: str  # why it is (or is not) on this machine: "127.0.0.1 is a loopback address"
    names: tuple[tuple[str, str], ...] = ()  # ("database", "app_test"), ("table", "tmp_load"), ("RAILS_ENV", "test")
    nature: str = ""  # the environment it has by nature ("local" for a mail catcher), "" when names decide
    nature_why: str = ""


class Placement(NamedTuple):
    environment: str  # local | test | dev | preview | staging | production | unknown
    evidence: tuple[str, ...]

    @property
    def verified(self) -> bool:
        return self.environment != UNKNOWN and bool(self.evidence)

    def text(self) -> str:
        facts = "; ".join(self.evidence) if self.evidence else "nothing says where it is"
        tail = "; treat it as production" if self.environment == UNKNOWN else ""
        return f"environment {self.environment}: {facts}{tail}"


def unknown(why: str) -> Site:
    return Site(False, why)


def classify(site: Site) -> Placement:
    if not site.local and not site.nature:  # a remote site has a nature only as a provider's sandbox
        return Placement(UNKNOWN, (site.where,))
    facts = [site.where]
    if site.nature:
        return Placement(site.nature, (*facts, site.nature_why) if site.nature_why else tuple(facts))
    named = [(what, name, env) for what, name in site.names if (env := environment_of_name(name))]
    strict = [n for n in named if rank(n[2]) >= rank("staging")]
    chosen = strict[0] if strict else (named[-1] if named else None)
    if chosen is None:
        said = ", ".join(f"{what} {name}" for what, name in site.names)
        facts.append(f"{said} is not named for test or scratch, so it may hold data someone wants" if said
                     else "nothing names it for test or scratch, so it may hold data someone wants")
        return Placement("dev", tuple(facts))
    what, name, env = chosen
    facts.append(f"{what} {name} is named for {env}" if what else f"{name} is named for {env}")
    return Placement(env, tuple(facts))


def combine(placements: list[Placement]) -> Placement:
    """Several targets of one finding: the strictest environment, every fact."""
    if not placements:
        return Placement(UNKNOWN, ("blastwall could not tell which server it acts on",))
    env = strictest([p.environment for p in placements])
    facts: list[str] = []
    for p in placements:
        for fact in p.evidence:
            if fact not in facts:
                facts.append(fact)
    return Placement(env, tuple(facts))


class Vars:
    """Variables as the program will see them: set on the command line, else in the environment
    blastwall runs in (the agent's, when the hook runs in its process)."""

    def __init__(self, line: tuple[tuple[str, str | None], ...], process: Mapping[str, str] | None = None) -> None:
        self.line = line
        self.process = os.environ if process is None else process

    def get(self, name: str) -> tuple[str | None, str]:
        """(value, where it comes from); (None, "") when unset."""
        for key, value in reversed(self.line):
            if key == name:
                return value, ("set on the command line" if value is not None else "")
            if key == "*":
                return None, ""
            if key == UNREADABLE:  # `source FILE` blastwall could not read may set anything
                return UNREAD, f"possibly set by {value}, which blastwall cannot read"
        value = self.process.get(name)
        return (value, "in the environment") if value else (None, "")

    def first(self, names: list[str] | tuple[str, ...]) -> tuple[str, str, str] | None:
        """(name, value, origin) of the first of `names` that is set."""
        for name in names:
            value, origin = self.get(name)
            if value:
                return name, value, origin
        return None
