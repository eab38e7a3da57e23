"""How long one hook call may take: the agent's hook timeout as `blastwall install` wrote it.

An agent kills a hook that outlives its timeout, and Claude Code, Gemini CLI and Codex then let
the tool call proceed (docs/hooks.md). So blastwall answers first. The command it installs
carries the timeout (`blastwall hook <agent> --timeout N`); the watchdog (`cli._isolated`) answers
by `N - margin` whatever happens; an approvals wait (`[approvals] mode = "wait"`) is cut so that it
ends `reserve` before that, leaving time to use a grant that lands at the last moment.

    timeout   margin   answers by   a wait ends by
        3 s      1 s          2 s              1 s
       30 s      5 s         25 s             22 s
      600 s      5 s        595 s            580 s

A hook command without `--timeout` (installed by an older blastwall) keeps the old rule: 25 s
for the check, and a waiting hook holds as long as `[approvals] wait` says.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False  # the hook client imports this module: typing would cost it milliseconds
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

DEFAULT_TIMEOUT_S = 30  # `blastwall install`'s default; agents' own (600 s) would stall a session on a hung hook
MIN_TIMEOUT_S = 3  # the check itself needs a second or two on a busy machine
MAX_TIMEOUT_S = 600  # Claude Code's and Codex's own default; `[approvals] wait` stops at 540 s anyway


def margin_s(timeout_s: float) -> float:
    """How long before the agent's timeout blastwall has answered: the agent's clock starts
    before this process does (shell, interpreter start-up), and the answer must reach it."""
    return min(5.0, max(1.0, timeout_s / 6))


def reserve_s(timeout_s: float) -> float:
    """How long before that answer an approvals wait stops: a grant found at the end is still
    verified, used, and what it destroys saved (snapshots) in this time."""
    return min(15.0, max(1.0, timeout_s / 10))


def check_timeout(value: object) -> int:
    """`value` as a hook timeout in whole seconds, or ValueError saying what is allowed."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"the hook timeout must be a whole number of seconds, not {value!r}")
    try:
        seconds = int(value)
    except ValueError:
        raise ValueError(f"the hook timeout must be a whole number of seconds, not {value!r}") from None
    if not MIN_TIMEOUT_S <= seconds <= MAX_TIMEOUT_S:
        raise ValueError(f"the hook timeout must be from {MIN_TIMEOUT_S} to {MAX_TIMEOUT_S} seconds, not {seconds} "
                         f"(`[approvals] wait` holds a call for at most 540 s)")
    return seconds


class Budget(tuple):
    """One hook call's time, from the agent's timeout and the moment this process started:
    `Budget(timeout_s, started)` with `started` a time.monotonic() (a plain tuple class, not a
    NamedTuple, for the same reason as above)."""

    __slots__ = ()

    def __new__(cls, timeout_s: int, started: float) -> Budget:
        return tuple.__new__(cls, (timeout_s, started))

    @property
    def timeout_s(self) -> int:
        return self[0]  # type: ignore[no-any-return]

    @property
    def started(self) -> float:
        return self[1]  # type: ignore[no-any-return]

    @property
    def answer_by(self) -> float:
        """When the watchdog answers at the latest (time.monotonic())."""
        return self.started + self.timeout_s - margin_s(self.timeout_s)

    @property
    def wait_until(self) -> float:
        """When an approvals wait must have stopped (time.monotonic())."""
        return self.answer_by - reserve_s(self.timeout_s)


def fit_wait(policy: Any, budget: Budget | None) -> tuple[Any, float | None]:
    """`policy` with `[approvals] wait` cut to what `budget` leaves (from now), and the wait it
    now has; (policy, None) when the wait already fits, nothing is known, or it cannot be read."""
    if budget is None or policy is None or not hasattr(policy, "sections"):
        return policy, None
    from blastwall.approvals.settings import SettingsError, settings_of

    try:
        settings = settings_of(policy)
    except SettingsError:
        return policy, None  # the gate says why approvals are off
    if settings.mode != "wait" or settings.wait_s <= 0:
        return policy, None
    left = budget.wait_until - time.monotonic()
    if settings.notify:  # a request's notifications are sent before the wait begins
        from blastwall.approvals.notify import TOTAL_S

        left -= TOTAL_S
    left = max(0.0, int(left * 10) / 10)
    if settings.wait_s <= left:
        return policy, None
    sections = dict(policy.sections)
    sections["approvals"] = {**(sections.get("approvals") or {}), "wait": left}
    return policy._replace(sections=tuple(sorted(sections.items()))), left


ANALYSIS_S = 1.0  # what the check before the wait may take, for the two estimates below


def longest_wait_s(timeout_s: int) -> float:
    """About how long a hook with this timeout can wait for an approval."""
    return max(0.0, timeout_s - margin_s(timeout_s) - reserve_s(timeout_s) - ANALYSIS_S)


def timeout_for_wait(wait_s: float) -> int | None:
    """The shortest hook timeout that lets a hook wait `wait_s` seconds (None: none allowed does)."""
    return next((t for t in range(MIN_TIMEOUT_S, MAX_TIMEOUT_S + 1) if longest_wait_s(t) >= wait_s), None)
