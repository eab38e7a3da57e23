"""Shell classes: a database the line made with createdb is scratch for pg_restore --clean and
dropdb later in the same `&&` chain; a name a maker gives is no restore verb; git lfs prune that
checks the remote first only removes local copies the remote holds; find (or PowerShell's
Get-ChildItem | Remove-Item) from .NET's bin and obj together removes build output."""

from __future__ import annotations

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decide(command: str) -> str:
    return check(command, policy=POLICY).decision.value


@pytest.mark.parametrize("command", [
    "createdb verify_copy && pg_restore --clean --if-exists -d verify_copy dumps/app.dump && dropdb verify_copy",
    "createdb x1 && pg_restore -c -d x1 b.dump",
    "createdb -U app -T template0 x1 && pg_restore -c --no-owner --dbname=x1 -j 4 b.dump && dropdb --if-exists x1",
    "createdb x1 && psql -d x1 -c 'select 1' && dropdb x1",
    "createdb restore_test",
    "mkdir restore-tmp",
    "git lfs prune --verify-remote",
    "git lfs prune --verify-remote --force",
    "git -C media lfs prune --verify-remote",
    "git lfs prune --dry-run",
    "find bin obj -delete",
    "find ./src/App/bin ./src/App/obj -mindepth 1 -delete",
    'pwsh -c "Get-ChildItem -Path .\\bin,.\\obj -Recurse -ErrorAction SilentlyContinue | Remove-Item -Recurse -Force"',
])
def test_scratch_and_verified_cleanups_pass(command: str) -> None:
    assert _decide(command) == "allow", command


@pytest.mark.parametrize("command", [
    "pg_restore -c -d x1 b.dump",
    "createdb x1 ; pg_restore -c -d x1 b.dump",
    "createdb x1 || true && pg_restore -c -d x1 b.dump",
    "createdb x1 && pg_restore -c -d orders b.dump",
    "createdb x1 && pg_restore -c -d x1 -d orders b.dump",
    "createdb x1 && pg_restore -c -C -d x1 b.dump",
    "createdb x1 && pg_restore -c --create -d x1 b.dump",
    "createdb x1 && pg_restore -c -h prod -d x1 b.dump",
    "createdb -h prod x1 && pg_restore -c -d x1 b.dump",
    "createdb -p 5433 x1 && dropdb x1",
    "PGHOST=prod createdb x1 && pg_restore -c -d x1 b.dump",
    "createdb x1 && export PGPORT=5433 && dropdb x1",
    "createdb x1 && pg_restore -c -d postgresql://prod/x1 b.dump",
    "createdb x1 && pg_restore -c -d $DB b.dump",
    "createdb x1 && dropdb orders",
    "createdb $NAME && dropdb $NAME",
    "dropdb x1",
    "git lfs prune",
    "git lfs prune --force",
    "git lfs prune --verify-remote --no-verify-remote",
    "git lfs prune --verify-remote=false",
    "git lfs prune --no-verify-remote --force",
    "find bin -delete",
    "find bin ../obj -delete",
    "find bin obj src -delete",
    "find tools/bin obj -delete",
    "find /srv/app/bin /srv/app/obj -delete",
    'pwsh -c "Get-ChildItem -Path .\\bin -Recurse | Remove-Item -Recurse -Force"',
    'pwsh -c "Get-ChildItem -Path .\\bin,.\\src -Recurse | Remove-Item -Recurse -Force"',
])
def test_look_alikes_are_still_asked(command: str) -> None:
    assert _decide(command) != "allow", command
