"""The agent's environment inside the sandbox: the caller's, without credentials.

    env, removed = scrub(os.environ, knowledge(), agent, keep=["MY_VAR"])

In order: a name in `keep` (`--keep-env`) or in the agent's own list (its model key, its
settings) passes; a name in `[env].keep` or a value matching `[env].pass_values` (a gateway
token) passes; a name matching `[env].scrub` is removed; a value that holds a credential (a password in a URL, a token the redactor recognizes) is
removed whatever its name; the rest passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from blastwall.analyze import globs
from blastwall.doors.sandbox.knowledge import Agent, Knowledge
from blastwall.redact import redact


def _any(name: str, patterns: Iterable[str]) -> bool:
    return any(globs.match(name, p) for p in patterns)


def scrub(env: Mapping[str, str], kb: Knowledge, agent: Agent | None,
          keep: Iterable[str] = ()) -> tuple[dict[str, str], list[str]]:
    """(the environment to pass, the names removed, sorted)."""
    wanted = tuple(keep) + (agent.env if agent else ())
    passed: dict[str, str] = {}
    removed: list[str] = []
    for name, value in env.items():
        upper = name.upper()
        if _any(name, wanted) or _any(upper, kb.env_keep) or _any(value, kb.env_pass_values):
            passed[name] = value
        elif _any(upper, kb.env_scrub) or redact(value) != value:
            removed.append(name)
        else:
            passed[name] = value
    return passed, sorted(removed)
