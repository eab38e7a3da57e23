"""Magento's console (`bin/magento`) is judged by its command, like `artisan` and `bin/rails`:
rebuilding code and caches passes, removing the installation or changing its schema asks."""

from __future__ import annotations

from pathlib import Path

from verdicts import allowed_and_asked_in


def _magento(folder: Path) -> None:
    (folder / "bin").mkdir(exist_ok=True)
    (folder / "bin" / "magento").write_text("#!/usr/bin/env php\n<?php\n")


REBUILDS = [
    "bin/magento setup:upgrade --keep-generated",
    "bin/magento cache:flush",
    "./bin/magento cache:clean && bin/magento indexer:reindex",
    "bin/magento setup:di:compile",
    "bin/magento setup:db:status",
    "php bin/magento cache:flush",
    "php -d memory_limit=-1 bin/magento setup:upgrade --keep-generated",  # -d sets an INI value
    "php -dmemory_limit=-1 -d display_errors=1 bin/magento indexer:reindex",
]
REMOVALS_AND_SCHEMA_CHANGES = [
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
]


test_allowed, test_asked = allowed_and_asked_in(_magento, REBUILDS, REMOVALS_AND_SCHEMA_CHANGES, probe=True)
