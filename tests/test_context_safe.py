"""Context that makes scary-looking actions safe, and the look-alikes where it does not:
scratch made on the same line, new date-stamped files, disk images in a temp folder, commands
that only read or check, regenerable lockfiles, harmless DELETE endpoints, merges, new files."""

from __future__ import annotations

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def decision(kind: str, payload: object, **context: str) -> str:
    return check(payload, kind, context=context or None, policy=POLICY).decision.value


SCRATCH_SAFE = [
    'rm -rf $(mktemp -d)',
    'rm -rf "$(mktemp -d)"',
    'rm -rf `mktemp -d`',
    'd=$(mktemp -d); cd "$d"; git clone https://github.com/acme/x .; rm -rf "$d"',
    'd=$(mktemp -d) && cp -r src "$d" && rm -rf "$d"',
    'd=$(mktemp -d); rm -rf $d',
    'export d=$(mktemp -d); rm -rf "$d"',
    'tmp=$(mktemp) && curl -s https://example.com/x.json > "$tmp" && jq . "$tmp" && rm -f "$tmp"',
    "tmp=$(mktemp); trap 'rm -f \"$tmp\"' EXIT; curl -s https://example.com/x > \"$tmp\"",
    "tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT INT TERM; tar -xzf a.tgz -C \"$tmp\"",
    'work=$(mktemp -d -t build.XXXXXX) || exit 1; rm -rf "$work"',
]

# The same shapes where the path is not (only) the scratch: asked or denied.
SCRATCH_LOOKALIKES = [
    'd=$(mktemp -d); rm -rf "$d"/*',  # "$d" empty when mktemp fails: /*
    'd=$(mktemp -d); rm -rf "$d/x"',
    'd=$(mktemp -d); rm -rf "$d/.."',
    'rm -rf $(mktemp -d)/..',
    'rm -rf "$(mktemp -d)"/*',
    'd=$(mktemp -d); d=/etc; rm -rf "$d"',
    'false && d=$(mktemp -d); rm -rf "$d"',  # never set: whatever d held before
    'true || d=$(mktemp -d); rm -rf "$d"',
    'if [ -z "$d" ]; then d=$(mktemp -d); fi; rm -rf "$d"',
    'd=$(mktemp -d) | cat; rm -rf "$d"',  # set in a pipeline's subshell
    '(d=$(mktemp -d)); rm -rf "$d"',
    'd=$(mktemp -d); read d; rm -rf "$d"',
    'd=$(mktemp -d); printf -v d %s /srv; rm -rf "$d"',
    'd=$(mktemp -d); eval "d=/srv"; rm -rf "$d"',
    'd=$(mktemp -d); source ./vars.sh; rm -rf "$d"',
    'd=$(mktemp -d); (( d = 0 )); rm -rf "$d"',
    'd=$(mktemp -d); unset d; rm -rf "$d"',
    'for d in /srv; do :; done; d=$(mktemp -d); rm -rf "$d"',
    "trap 'rm -rf \"$d\"' EXIT; d=$(mktemp -d)",  # the trap reads d before it is set
    "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; d=/srv",
    "trap 'rm -rf /srv/data' EXIT",
    'd=$(mkdir -p /srv/x && echo /srv/x); rm -rf "$d"',
    'd=$(echo $(mktemp -d) /srv); rm -rf $d',
]


@pytest.mark.parametrize("command", SCRATCH_SAFE)
def test_scratch_made_on_the_line_is_safe(command: str) -> None:
    assert decision("shell", command) == "allow"


@pytest.mark.parametrize("command", SCRATCH_LOOKALIKES)
def test_scratch_lookalikes_are_asked(command: str) -> None:
    assert decision("shell", command) != "allow"


STAMP_SAFE = [
    'pg_dump -Fc app_production > backup_$(date +%F).dump',
    'pg_dump app > "backups/app-$(date +%Y%m%d-%H%M%S).sql"',
    'mysqldump app > dumps/app_$(date +%s).sql',
    'cp db.sqlite3 "db-$(date -u +%Y%m%dT%H%M%SZ).sqlite3"',
    'f=backup-$(date +%F).tar.gz; tar czf "$f" data/',
    'mv app.log app.log.$(date +%F)',
]
STAMP_LOOKALIKES = [
    'rm -rf backup_$(date +%F)',  # deleting a name made earlier today
    'echo x > /etc/$(date +%F)/../passwd',
    'echo x > out_$(date -d yesterday +%F).log > /dev/null; echo x > db_$(date -r app.db +%F).db',
    'pg_dump app > "$DIR/backup_$(date +%F).sql"',
    'cp x "/etc/$(date +%F)$(cat name)"',
]


@pytest.mark.parametrize("command", STAMP_SAFE)
def test_new_date_stamped_files_are_safe(command: str) -> None:
    assert decision("shell", command) == "allow"


@pytest.mark.parametrize("command", STAMP_LOOKALIKES)
def test_stamp_lookalikes_are_asked(command: str) -> None:
    assert decision("shell", command) != "allow"
