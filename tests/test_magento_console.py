"""Magento's console (`bin/magento`) is judged by its command, like `artisan` and `bin/rails`:
rebuilding code and caches passes, removing the installation or changing its schema asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decision(command: str, cwd: Path) -> str:
    (cwd / "bin").mkdir(exist_ok=True)
    (cwd / "bin" / "magento").write_text("#!/usr/bin/env php\n<?php\n")
    return check(command, policy=POLICY, read_files=True, context={"cwd": str(cwd)}).decision.value


@pytest.mark.parametrize("command", [
    "bin/magento setup:upgrade --keep-generated",
    "bin/magento cache:flush",
    "./bin/magento cache:clean && bin/magento indexer:reindex",
    "bin/magento setup:di:compile",
    "bin/magento setup:db:status",
    "php bin/magento cache:flush",
    "php -d memory_limit=-1 bin/magento setup:upgrade --keep-generated",  # -d sets an INI value
    "php -dmemory_limit=-1 -d display_errors=1 bin/magento indexer:reindex",
])
def test_allowed(command: str, tmp_path: Path) -> None:
    assert _decision(command, tmp_path) == "allow", command


@pytest.mark.parametrize("command", [
    "bin/magento setup:uninstall",
    "bin/magento -n setup:uninstall",
    "./bin/magento setup:rollback -d db.sql",
    "bin/magento setup:db-schema:upgrade",
    "bin/magento setup:db-data:upgrade",
    "bin/magento module:uninstall --remove-data Foo_Bar",
    # through php, with the launcher's PHP file there to read: the command decides, not the file
    "php bin/magento setup:uninstall",
    "php -d memory_limit=-1 bin/magento setup:rollback -d db.sql",
    "php -dmemory_limit=-1 bin/magento setup:uninstall",
    # INI settings that run code before the launcher
    "php -d auto_prepend_file=/tmp/x.php bin/magento cache:flush",
    "php -c /tmp/php.ini bin/magento cache:flush",
])
def test_asked(command: str, tmp_path: Path) -> None:
    assert _decision(command, tmp_path) != "allow", command
