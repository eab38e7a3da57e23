"""Redact credentials from text blastwall shows or stores (reasons, finding sources).

Applied by the engine to every verdict before it leaves: a command that carries a password
in a URL or a token in a header must not have it echoed back to the agent, printed, or
written to a log. Cheap when there is nothing to redact (no regex is compiled)."""

from __future__ import annotations

import functools
import re

MASK = "***"
_HINTS = ("://", "bearer", "pass", "pwd", "token", "secret", "key", "ghp_", "github_pat_", "sk_", "rk_", "xox",
          "akia", "asia", "private", "glpat-", "npm_", "authorization")


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), rf"\1{MASK}@"),
        (re.compile(r"(?i)(bearer\s+|token\s+|basic\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{MASK}"),
        (re.compile(r"(?i)((?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth)[\"']?\s*[=:]\s*[\"']?)"
                    r"[^\s'\"&,;]{3,}"), rf"\1{MASK}"),
        (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_\w{20,}|\bglpat-[\w-]{20,}"), MASK),
        (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}|\bxox[abprs]-[\w-]{10,}|\bnpm_[A-Za-z0-9]{30,}"), MASK),
        (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),
        (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S), MASK),
    ]


def redact(text: str) -> str:
    """`text` with credentials replaced by ***."""
    if not text:
        return text
    low = text.lower()
    if not any(h in low for h in _HINTS):
        return text
    for rx, repl in _patterns():
        text = rx.sub(repl, text)
    return text
