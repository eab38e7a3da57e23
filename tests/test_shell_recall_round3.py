"""Shell recall, third round: classes of destructive commands that passed, each beside the
everyday command it looks like.

Payloads live only in Python strings; nothing here runs them.
"""

from __future__ import annotations

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decision(command: str) -> str:
    return check(command, policy=POLICY).decision.value


def _blocked(command: str) -> bool:
    return _decision(command) != "allow"


# ---- a rule table claims only the subcommand paths it spells out -------------------------------
# (a rule for `doppler secrets` that leaves `delete` alone does not hide it from the verb model)
ASKED_SUBCOMMANDS = [
    "doppler secrets delete STRIPE_KEY --project api --config prd --yes",
    "infisical secrets delete DB_PASSWORD --env=prod",
    "doppler secrets delete API_TOKEN",
    "gh run delete 9123456789",
    "glab run delete 42",
    "circleci context delete github acme prod-secrets",
    "circleci context remove-secret github acme ctx DB_PASSWORD",
    "someci contexts delete team-prod",
]
ALLOWED_SUBCOMMANDS = [
    "doppler secrets --project api --config dev --only-names",
    "doppler run --project api --config dev -- npm run dev",
    "gh run list --workflow ci.yml",
    "gh run view 9123456789 --log",
    "gh cache delete --all",
    "circleci config validate",
    "circleci context list github acme",
    "git reset --soft HEAD~1",
]


@pytest.mark.parametrize("command", ASKED_SUBCOMMANDS)
def test_deeper_destructive_subcommands_are_asked(command: str) -> None:
    assert _blocked(command), command


@pytest.mark.parametrize("command", ALLOWED_SUBCOMMANDS)
def test_their_everyday_neighbours_pass(command: str) -> None:
    assert _decision(command) == "allow", command
