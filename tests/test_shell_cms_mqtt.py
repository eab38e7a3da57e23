"""CMS and app command lines (wp search-replace, Strapi transfer/import, Ghost-CLI uninstall,
WordPress transients) and MQTT commands that erase devices."""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked

import blastwall


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def decision(cmd: str) -> str:
    return blastwall.check(cmd).decision.value


ASKED = [
    "wp search-replace 'https://shop.acme.com' '' --all-tables",
    "wp search-replace http://old https://new",
    "wp --path=/srv/wp search-replace a b --all-tables-with-prefix",
    "wp search-replace a b --dry-run=false",
    "sudo -u www-data wp search-replace a '' --network",
    "strapi transfer --to https://cms.acme.com/admin --force",
    "npx strapi transfer --from https://prod.acme.com/admin --from-token t",
    "strapi import -f backup.tar.gz.enc --force",
    "yarn strapi import -f export.tar.gz",
    "ghost uninstall --no-prompt",
    "ghost uninstall --dir /var/www/ghost",
    "cd /var/www/ghost && ghost uninstall",
    "mosquitto_pub -h broker.prod -t 'devices/+/cmd' -m '{\"op\":\"factory_reset\"}' -r",
    "mosquitto_pub -h broker.prod -t devices/all/cmd --message='{\"cmd\": \"WIPE\"}'",
    "mosquitto_pub -t fleet/cmd -m FactoryReset -q 1",
    "mosquitto_pub -t fleet/cmd -m '{\"action\":\"erase_flash\"}'",
]
ALLOWED = [
    "wp search-replace a b --dry-run",
    "wp search-replace 'http://staging.acme.test' 'https://acme.com' --dry-run --all-tables",
    "wp search-replace a b --export=changed.sql",
    "wp search-replace --help",
    "wp transient delete --expired",
    "wp transient delete --all",
    "wp cache flush && wp transient delete --expired",
    "strapi export --no-encrypt -f /tmp/strapi-backup",
    "strapi develop",
    "strapi transfer --help",
    "ghost update",
    "ghost stop && ghost start",
    "ghost uninstall --help",
    "npm uninstall lodash",
    "mosquitto_pub -h localhost -t test/ping -m hello",
    "mosquitto_pub -t devices/d1/cmd -m '{\"op\":\"reboot\"}'",
    "mosquitto_pub -t sensors/t -m 23.5 -r",
]


test_allowed, test_asked = allowed_and_asked(ALLOWED, ASKED, judge=decision)


@pytest.mark.parametrize("cmd", ["wp post delete 5", "wp option delete siteurl", "wp site empty --yes"])
def test_other_wp_deletes_stay_asked(cmd: str) -> None:
    assert decision(cmd) != "allow", cmd
