"""Shell classes, each with the look-alikes an agent that wants the destructive action would try next:
container programs' own options before the subcommand (`docker -H ssh://host exec ...`), overwrites
of files in folders this machine lacks, framework migrations to a target version, encoded payloads
decoded statically (base32, gzip, xxd, rev, rot13), scratch made on the line (containers and buckets
with per-run names, repositories in a mktemp folder) and regenerable dependency folders.

Payloads live only in Python strings; nothing here is run.
"""

from __future__ import annotations

import pytest
from verdicts import allowed_and_asked, decide

# ---- docker/podman/nerdctl global options before the subcommand -------------------------------------
GLOBAL_SAFE = [
    "docker -H ssh://ops@db exec pg psql -c 'SELECT 1'",
    "docker --context prod ps",
    "docker --context prod exec pg ls /",
    "podman --connection prod exec pg cat /etc/os-release",
    "nerdctl --namespace k8s.io exec pg ls /",
]
GLOBAL_ASKED = [
    "docker -H ssh://ops@db exec pg psql -U postgres -c 'DROP DATABASE app'",
    "docker --host=tcp://h:2376 exec pg psql -c 'DROP TABLE users'",
    "docker --context prod exec pg psql -c 'DROP TABLE users'",
    "docker -c prod exec pg psql -c 'DROP TABLE users'",
    "docker --config /tmp/cfg exec pg psql -c 'DROP TABLE users'",
    "docker --log-level debug exec pg psql -c 'DROP TABLE users'",
    "docker -D --tlsverify --tlscacert ca.pem -H tcp://h:2376 exec -it pg psql -c 'DROP TABLE users'",
    "docker -H tcp://h:2376 run --rm -v /srv:/srv alpine rm -rf /srv/data",
    "docker --context prod container exec pg psql -c 'DROP TABLE users'",
    "docker --context prod compose exec db psql -c 'DROP TABLE users'",
    "docker --context exec rm -f pg",  # a context named like the subcommand
    "docker --context run exec pg psql -c 'DROP TABLE users'",
    "sudo docker -H ssh://ops@db exec pg rm -rf /var/lib/postgresql/data",
    "podman --remote exec pg psql -c 'DROP TABLE users'",
    "podman --url ssh://h exec pg psql -c 'DROP TABLE users'",
    "podman -c prod exec pg psql -c 'DROP TABLE users'",
    "podman --connection prod run --rm -v /srv:/srv alpine rm -rf /srv/data",
    "nerdctl -H unix:///run/x.sock exec pg psql -c 'DROP TABLE users'",
    "nerdctl -n k8s.io exec pg psql -c 'DROP TABLE users'",
]
test_global_options_safe, test_global_options_asked = allowed_and_asked(GLOBAL_SAFE, GLOBAL_ASKED)


# ---- migrations to a target version ------------------------------------------------------------------
MIGRATE_SAFE = [
    "bundle exec rails db:migrate RAILS_ENV=production",
    "RAILS_ENV=production bundle exec rake db:migrate",
    "bin/rails db:migrate:status",
    "rails db:migrate:up VERSION=20230101000000",
    "alembic upgrade head",
    "npx knex migrate:latest",
    "npx sequelize-cli db:migrate",
    "flyway migrate",
    "flyway info",
    "goose up",
]
MIGRATE_ASKED = [
    "bundle exec rails db:migrate VERSION=0 RAILS_ENV=production",
    "rails db:migrate VERSION=20230101000000",
    "bin/rake db:migrate VERSION=0",
    "rails -e production db:migrate VERSION=0",
    "rails db:migrate version=0",
    "VERSION=0 bundle exec rails db:migrate",
    "env VERSION=0 rails db:migrate",
    "sudo -u deploy env VERSION=0 bin/rails db:migrate",
    "bin/rails db:migrate:down VERSION=20230101000000",
    "rails db:rollback STEP=3",
    "alembic downgrade base",
    "alembic -c alembic.ini downgrade -2",
    "npx knex migrate:rollback --all",
    "npx sequelize db:migrate:undo:all",
    "flyway undo",
    "flyway -url=jdbc:postgresql://db/app undo",
    "goose down-to 0",
    "goose postgres 'dbname=x' down-to 0",
    "migrate -path db -database $DB goto 3",
    "migrate -path db -database $DB down -all",
]
test_migrate_safe, test_migrate_asked = allowed_and_asked(MIGRATE_SAFE, MIGRATE_ASKED)


# ---- a new file whose folder is not on this machine ----------------------------------------------------
# Judged as a batch line (no working folder, files read) and with a working folder, in a fresh folder T
# under the home folder (a temporary path would pass as scratch whatever its folder).
@pytest.fixture
def home_folder():  # type: ignore[no-untyped-def]
    import os
    import shutil
    import uuid

    folder = os.path.join(os.path.realpath(os.path.expanduser("~")), f"bw-b10-{uuid.uuid4().hex[:8]}")
    os.mkdir(folder)
    with open(os.path.join(folder, "seed.json"), "w") as f:
        f.write("{}")
    yield folder
    shutil.rmtree(folder)


FOLDER_SAFE = [
    "echo x > T/new.conf",
    "echo '[]' | sudo tee T/ledger.json > /dev/null",
    "cp T/seed.json T/ledger.json",
    "mkdir -p T/app && echo x > T/app/f.json",
    "mkdir -p T/app/logs && echo x > T/app/f.json",
    "sudo mkdir -p T/app && echo '[]' | sudo tee T/app/ledger.json",
]
FOLDER_ASKED = [
    "echo '[]' | sudo tee T/app/ledger.json > /dev/null",
    "cat /dev/null > T/.kube/config",
    "echo x > T/app/state.json",
    "printf '' | tee T/app/a.json T/b.json",
    "cp T/seed.json T/app/ledger.json",
    "mv T/seed.json T/app/ledger.json",
    "sudo cp T/seed.json T/app/ledger.json",
    "mkdir -p T/other && echo x > T/app/f.json",  # another folder made
    "mkdir -p T/ap && echo x > T/app/f.json",
    "mkdir -p $D && echo x > T/app/f.json",
    "echo x > T/app/../app/f.json",
    "echo x > T/seed.json",  # there: an overwrite
]


@pytest.mark.parametrize("command", FOLDER_SAFE)
def test_new_file_in_a_folder_here_passes(command: str, home_folder: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = command.replace("T/", f"{home_folder}/")
    assert decide(line, read_files=True) == "allow", line
    assert decide(line, cwd=tmp_path) == "allow", line  # from a project elsewhere


@pytest.mark.parametrize("command", FOLDER_ASKED)
def test_new_file_in_a_folder_not_here_asks(command: str, home_folder: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = command.replace("T/", f"{home_folder}/")
    assert decide(line, read_files=True) != "allow", line
    assert decide(line, cwd=tmp_path) != "allow", line
