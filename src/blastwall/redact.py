"""Redact credentials from text blastwall shows or stores (reasons, finding sources).

Applied by the engine to every verdict before it leaves: a command that carries a password
in a URL or a token in a header must not have it echoed back to the agent, printed, or
written to a log. Cheap when there is nothing to redact: unless the text holds one of the
`_HINTS`, no regex is compiled and no table is loaded.

Besides the generic shapes below (passwords in URLs, bearer tokens, `key=value`), every
credential format of `analyze/rules/secret_formats.toml` (the secret scanner's table) is
masked; a test checks that each format's hints reach the slow path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from blastwall import rx

MASK = "***"
_HINTS = ("://", "bearer", "pass", "pwd", "token", "secret", "key", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
          "github_pat_", "sk_", "rk_", "sk-", "xox", "akia", "asia", "abia", "acca", "a3t", "aws", "private", "glpat-",
          "npm_", "authorization", "railway_", "hooks.slack.com")

Replacement = str | Callable[[rx.Match], str]


def _mask_group(m: rx.Match) -> str:
    """The match with only its `secret` group masked (`RAILWAY_TOKEN=***`)."""
    start, end = m.span("secret")
    whole_start = m.start()
    text = m.group(0)
    return text[:start - whole_start] + MASK + text[end - whole_start:]


@functools.cache
def _patterns() -> list[tuple[rx.Pattern, Replacement, tuple[str, ...]]]:
    """(pattern, replacement, hints): every match of the pattern holds one of its hints once
    casefolded (the secret formats' `hints`; a test draws matches of each pattern to hold it)."""
    generic: list[tuple[rx.Pattern, Replacement, tuple[str, ...]]] = [
        (rx.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), rf"\1{MASK}@", ("://",)),
        (rx.compile(r"(?i)(bearer\s+|token\s+|basic\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{MASK}",
         ("bearer", "token", "basic")),
        (rx.compile(r"(?i)((?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth)[\"']?\s*[=:]\s*[\"']?)"
                    r"[^\s'\"&,;]{3,}"), rf"\1{MASK}", ("pass", "pwd", "token", "secret", "api", "access", "auth")),
        (rx.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_\w{20,}|\bglpat-[\w-]{20,}"), MASK,
         ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-")),
        (rx.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}|\bxox[abprs]-[\w-]{10,}|\bnpm_[A-Za-z0-9]{30,}"), MASK,
         ("_live_", "_test_", "xox", "npm_")),
        (rx.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK, ("akia", "asia")),
        (rx.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)",
                    rx.S), MASK, ("-----begin",)),
    ]
    from blastwall.analyze.ruleset import load_table

    for row in load_table("secret_formats")["format"]:
        if row.get("redact", True):
            pattern = rx.compile(row["regex"])
            generic.append((pattern, _mask_group if "secret" in pattern.groupindex else MASK, tuple(row["hints"])))
    return generic


@functools.cache
def _hint_pattern() -> rx.Pattern:
    """Any of `_HINTS`, in one pass over the text."""
    return rx.compile("|".join(rx.escape(h) for h in _HINTS))


def redact(text: str) -> str:
    """`text` with credentials replaced by ***."""
    if not text:
        return text
    if _hint_pattern().search(text.lower()) is None:
        return text
    # A pattern runs only when one of its hints is in the text. A substitution puts *** where it
    # takes text away, so it never makes a hint appear for the patterns after it.
    folded = text.casefold()  # what (?i) matches case-folds to (the Kelvin sign is a k)
    hinted = {i for hint, which in _hint_index() if hint in folded for i in which}
    patterns = _patterns()
    for i in sorted(hinted):
        pattern, repl, _ = patterns[i]
        text = pattern.sub(repl, text)
    return text


@functools.cache
def _hint_index() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Each hint of `_patterns()` with the patterns (by position) it lets run."""
    by_hint: dict[str, list[int]] = {}
    for i, (_, _, hints) in enumerate(_patterns()):
        for hint in hints:
            by_hint.setdefault(hint, []).append(i)
    return tuple((hint, tuple(which)) for hint, which in by_hint.items())
