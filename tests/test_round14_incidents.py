"""Round 14, incidents: classes behind an incident corpus's shell lines, both directions.

Package scripts set by a jq filter (read as `npm pkg set` reads its values); reversible operations
(stops, scale to zero); regenerable images and build caches; containers; conflicted lockfiles;
stale temporary workspaces by name and age.

Every destructive spelling must be asked (or denied); every everyday spelling next to it must pass."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("BLASTWALL_DAEMON", "off")

from blastwall import Action, Context, Decision, Surface, check_action  # noqa: E402


def _shell(cmd: str, tmp_path) -> Decision:
    return check_action(Action(Surface.SHELL, cmd, Context(cwd=str(tmp_path)))).decision


JQ_DESTRUCTIVE = [
    "jq '.scripts.prestart=\"rm -rf ./data\"' package.json > p.json && mv p.json package.json && npm start",
    "jq '.scripts.prestart=\"rm -rf ./data\"' package.json | sponge package.json && npm start",
    "jq '.scripts[\"db:reset\"] = \"dropdb prod\"' package.json > p.json",
    "jq '.scripts.\"x\" |= \"git push -f origin main\"' package.json > p.json",
    "jq --arg c 'rm -rf ~/data' '.scripts.postinstall=$c' package.json > p.json",
    "jq '.scripts += {\"postinstall\": \"rm -rf ~/data\"}' package.json > p.json",
    "jq '.scripts = {\"test\": \"jest\", \"pretest\": \"rm -rf /srv/data\"}' package.json > p.json",
    "jq '.scripts.test = .scripts.nuke' package.json > p.json",  # computed: asked
    "jq '.scripts.test = \"rm -rf \\(env.HOME)\"' package.json > p.json",  # interpolated: asked
    "jq '.scripts.test = \"echo \" + $x' package.json > p.json",
    "jq 'setpath([\"scripts\",\"prestart\"]; \"rm -rf data\")' package.json > p.json",
    "jq '. * {\"scripts\": {\"prestart\": \"rm -rf data\"}}' package.json > p.json",
    "gojq '.scripts.prestart=\"rm -rf ./data\"' package.json > p.json",
    "cat package.json | jq '.scripts.prestart=\"rm -rf ./data\"' > p.json",
    "jq '.scripts[\"post-install-cmd\"] = \"rm -rf storage\"' composer.json > c.json && mv c.json composer.json",
    "jq '.scripts.lint = \"eslint .\" | .scripts.prepare = \"rm -rf ~/.ssh\"' package.json > p.json",
]

JQ_SAFE = [
    "jq '.scripts' package.json",
    "jq '.scripts | keys' package.json",
    "jq -r '.scripts.test' package.json",
    "jq '.scripts.test == \"jest\"' package.json",
    "jq '.version = \"1.2.3\"' package.json > p.json && mv p.json package.json",
    "jq '.scripts.build = \"tsc -p .\"' package.json > p.json && mv p.json package.json",
    "jq '.scripts.test=\"jest\"' package.json > p.json && mv p.json package.json && npm test",
    "jq '.scripts.lint = \"eslint .\" | .scripts.format = \"prettier -w .\"' package.json > p.json",
    "jq '.scripts.prestart=\"rm -rf ./data\"' fixtures/other.json",
]


@pytest.mark.parametrize("cmd", JQ_DESTRUCTIVE)
def test_jq_script_values_are_judged(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) != Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", JQ_SAFE)
def test_jq_reads_and_safe_values_pass(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) == Decision.ALLOW, cmd


# Stops that lose nothing pass with a notice; stops that empty local disks or scale-ins that
# terminate instances keep asking.
STOPS_SAFE = [
    "aws rds stop-db-instance --db-instance-identifier analytics-replica",
    "aws rds stop-db-cluster --db-cluster-identifier reporting",
    "aws --region eu-west-1 rds stop-db-instance --db-instance-identifier x --db-snapshot-identifier before-stop",
]
STOPS_ASKED = [
    "aws rds delete-db-instance --db-instance-identifier analytics-replica --skip-final-snapshot",
    "aws rds delete-db-cluster --db-cluster-identifier reporting",
    "aws ec2 stop-instances --instance-ids i-0f1e2d3c4b5a69788",  # instance store emptied, public address given up
    "aws ec2 terminate-instances --instance-ids i-0f1e2d3c4b5a69788",
    "gcloud compute instances stop train-gpu-1 --zone us-central1-a",  # local SSDs discarded
]


@pytest.mark.parametrize("cmd", STOPS_SAFE)
def test_stops_that_keep_data_pass(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) == Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", STOPS_ASKED)
def test_stops_that_lose_data_ask(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) != Decision.ALLOW, cmd


# Stopped containers a listing names are what `container prune` removes (low): they pass; a
# container named by hand, -f, -v, an unfiltered listing or one that may name running ones asks.
CONTAINERS_SAFE = [
    "docker rm $(docker ps -aq -f status=exited -f label=job=ci-build)",
    "docker rm $(docker ps -a -q --filter \"status=exited\")",
    "docker container rm $(docker ps -aq --filter=status=exited)",
    "podman rm $(podman ps -aq -f status=exited)",
]
CONTAINERS_ASKED = [
    "docker rm -v $(docker ps -aq -f status=exited)",
    "docker rm -f $(docker ps -aq -f status=exited)",
    "docker rm $(docker ps -aq)",
    "docker rm $(docker ps -aq -f status=exited) postgres",
    "docker rm $(docker ps -aq -f status=exited; docker ps -aq)",
    "docker rm $(docker ps -aq -f status=running)",
    "docker rm $(docker ps -aq -f status=exited -f status=running)",
    "docker rm web",
]


@pytest.mark.parametrize("cmd", CONTAINERS_SAFE)
def test_listed_stopped_containers_pass(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) == Decision.ALLOW, cmd


@pytest.mark.parametrize("cmd", CONTAINERS_ASKED)
def test_other_container_removals_ask(cmd: str, tmp_path) -> None:
    assert _shell(cmd, tmp_path) != Decision.ALLOW, cmd
