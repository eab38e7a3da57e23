"""Work done once per check: a value several stages of one check compute from the same input.

    with one_check():            # the engine, around the stages of one check
        ...
        once(("shell.parse", text), lambda: parse_text(text))   # the second caller gets the first's

Nothing is kept from one check to the next (files, the policy or a module's tables may change
between checks); outside a check `once` just computes. What it returns is shared by the callers of
one check: they read it and never change it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar, Token
from typing import Any, TypeVar

T = TypeVar("T")

_CHECK: ContextVar[dict[Hashable, Any] | None] = ContextVar("blastwall_check_memo", default=None)


class one_check:  # noqa: N801 - used as `with one_check():`, like a function
    """The values `once` computes inside the block are kept until it ends (a class, not a
    contextlib generator: the engine is on the hook's path and contextlib costs an import)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token: Token[dict[Hashable, Any] | None] = _CHECK.set({})

    def __exit__(self, *exc: object) -> None:
        _CHECK.reset(self._token)


def once(key: Hashable, compute: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
    """`compute()`, computed once per check for `key` (every call outside a check computes).
    `keep`: whether a result may be handed to the next caller (default: always)."""
    memo = _CHECK.get()
    if memo is None:
        return compute()
    if key in memo:
        return memo[key]  # type: ignore[no-any-return]
    value = compute()
    if keep is None or keep(value):
        memo[key] = value
    return value
