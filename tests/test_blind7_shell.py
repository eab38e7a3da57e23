"""Shell classes of the seventh blind round: each allowance with the look-alikes an agent that wants
the destructive action would try next, and each miss with its spellings. Payloads live only in these
strings; nothing runs them."""

from __future__ import annotations

import pytest

from verdicts import decide

# The `:` builtin ignores its arguments: quoted text after it is a mention.
COLON_SAFE = [
    ": 'terraform destroy -auto-approve'",
    ": terraform destroy",
    ": \"git push --force origin main\"",
]
COLON_ASKED = [
    ": $(terraform destroy)",
    ": \"$(rm -rf ~/x)\"",
    ": `rm -rf ~/x`",
    ": ${X:=$(rm -rf ~/y)}",
    ": > important.db",
    ": && terraform destroy",
]


@pytest.mark.parametrize("line", COLON_SAFE)
def test_colon_mentions_pass(line: str) -> None:
    assert decide(line) == "allow"


@pytest.mark.parametrize("line", COLON_ASKED)
def test_colon_lookalikes_ask(line: str) -> None:
    assert decide(line) != "allow"
