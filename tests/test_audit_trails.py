"""Audit trails are records, not logs a program writes again.

Log files and log folders count as regenerable output (a program writes them again as it runs), but
an audit trail (`audit.log`, `logs/audit.jsonl`, `payments-audit.log`) is kept for its own sake:
emptying or deleting one loses the record. Reading and appending to it pass.
"""

from __future__ import annotations

import pytest

from blastwall.engine import check


def _decision(line: str) -> str:
    return check(line, "shell", read_files=False).decision.value


@pytest.mark.parametrize("line", [
    ": > logs/audit.jsonl && npm start",
    "truncate -s 0 logs/audit.log",
    "rm logs/audit-2024-01.log",
    "echo -n > var/payments-audit.log",
    "rm -f storage/logs/audit_trail.csv",
])
def test_emptying_or_deleting_an_audit_trail_asks(line: str) -> None:
    assert _decision(line) != "allow"


@pytest.mark.parametrize("line", [
    ": > logs/app.log",
    "truncate -s 0 logs/worker.log",
    "grep -c denied /var/log/audit/audit.log",
    "tail -n 50 logs/audit.jsonl",
    "echo '{\"event\": \"login\"}' >> logs/audit.jsonl",
])
def test_ordinary_logs_and_reads_pass(line: str) -> None:
    assert _decision(line) == "allow"
