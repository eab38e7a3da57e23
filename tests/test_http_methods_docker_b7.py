"""Operations named by the path: RPC method names with the verb last (`/api/auth.revoke`,
`/api/admin.users.remove`), an everyday verb weighed by the resource named before it
(`/v1/backups/prune` asks, `/cache/prune` passes), and the Docker Engine API's prunes and deletes,
judged per resource as the docker CLI rules judge them (volumes hold data; dangling images, build
cache, stopped containers and unused networks are made again)."""

from __future__ import annotations

import pytest

import blastwall
from blastwall.engine import make_action


@pytest.fixture(autouse=True)
def _isolated(no_policy_no_database: None) -> None:
    """Every test runs with nothing configured (conftest.py)."""


def verdict(method: str, url: str, body: object = None) -> blastwall.Verdict:
    payload = {"method": method, "url": url, "headers": {"Authorization": "Bearer t"}, "body": body}
    return blastwall.check(make_action("http", payload, None))


RPC_ASKED = [
    ("POST", "https://slack.com/api/auth.revoke"),
    ("GET", "https://slack.com/api/auth.revoke?token=xoxb-1"),
    ("POST", "https://slack.com/api/apps.uninstall"),
    ("POST", "https://slack.com/api/admin.apps.uninstall"),
    ("POST", "https://slack.com/api/admin.users.remove"),
    ("POST", "https://slack.com/api/files.delete"),
    ("POST", "https://slack.com/api/chat.delete"),
    ("POST", "https://slack.com/api/admin.conversations.delete"),
    ("POST", "https://slack.com/api/oauth.v2.revoke"),
    ("POST", "https://chat.example.io/api/tokens.revoke"),
    ("POST", "https://chat.example.io/api/v1/users.deactivate"),
    ("POST", "https://chat.example.io/api/v1/channels.purge"),
    ("POST", "https://chat.example.io/api/v1/apps.deregister"),
    ("POST", "https://chat.example.io/api/v1/webhooks.disable"),
]
RPC_PASSED = [
    ("POST", "https://slack.com/api/chat.postMessage"),
    ("POST", "https://slack.com/api/admin.users.session.reset"),  # signs the user out; nothing is lost
    ("POST", "https://slack.com/api/reactions.remove"),
    ("POST", "https://slack.com/api/pins.remove"),
    ("POST", "https://slack.com/api/stars.remove"),
    ("POST", "https://slack.com/api/conversations.history"),
    ("GET", "https://slack.com/api/users.list"),
    ("GET", "https://slack.com/api/auth.test"),
    ("POST", "https://slack.com/api/chat.update"),
    ("POST", "https://slack.com/api/conversations.invite"),
    ("GET", "https://cdn.example.com/static/reset.css"),
    ("GET", "https://example.com/downloads/app.release.tar.gz"),
]


@pytest.mark.parametrize(("method", "url"), RPC_ASKED)
def test_rpc_method_named_in_the_path_is_read_by_its_verb(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url"), RPC_PASSED)
def test_harmless_rpc_methods_and_dotted_files_pass(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value == "allow", v.reasons


WEIGHED_ASKED = [
    ("POST", "https://api.example.io/v1/backups/prune"),
    ("POST", "https://api.example.io/v1/snapshots/prune"),
    ("POST", "https://api.example.io/v1/volumes/prune"),
    ("POST", "https://api.example.io/v1/projects/p1/volumes/prune"),
    ("POST", "https://api.example.io/v1/db/clean"),
    ("PUT", "https://api.example.io/api/queues/orders/flush"),
    ("POST", "https://api.example.io/api/database/restore"),
]
WEIGHED_PASSED = [
    ("POST", "https://api.example.io/v1/cache/prune"),
    ("POST", "https://api.example.io/v1/cache/clear"),
    ("POST", "https://api.example.io/v1/sessions/clear"),
    ("POST", "https://api.example.io/v1/builds/prune"),
    ("POST", "https://api.example.io/v1/prune"),
    ("POST", "https://api.example.io/v1/search/clear"),
    ("POST", "https://api.example.io/v1/users/42/reset-password"),
    ("POST", "https://api.example.io/v1/users/42/clear-notifications"),
]


@pytest.mark.parametrize(("method", "url"), WEIGHED_ASKED)
def test_everyday_verb_on_data_asks(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url"), WEIGHED_PASSED)
def test_everyday_verb_on_regenerable_things_passes(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value == "allow", v.reasons


DOCKER_ASKED = [
    ("POST", "http://localhost/v1.45/volumes/prune"),
    ("POST", "http://localhost/volumes/prune"),
    ("POST", "http://docker/v1.43/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D"),
    ("POST", "http://127.0.0.1:2375/volumes/prune"),
    ("POST", "https://docker.internal.example:2376/v1.41/volumes/prune"),
    ("POST", "http://localhost/v1.45/volumes/prune/"),
    ("POST", "http://localhost/v1.45//volumes/prune"),
    ("POST", "http://localhost/v1.45/volumes/./prune"),
    ("POST", "http://localhost/v1.45/volumes/%70rune"),
    ("DELETE", "http://localhost/v1.45/volumes/app_pgdata?force=true"),
    ("DELETE", "http://localhost/volumes/pgdata"),
    ("DELETE", "http://localhost:2375/v1.45/containers/abc123def4567?v=true"),
    ("DELETE", "http://localhost/containers/web?v=1&force=1"),
    ("POST", "http://localhost/v1.45/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D"),
    ("POST", "http://localhost/v1.45/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%7D"),
]
DOCKER_PASSED = [
    ("GET", "http://localhost/v1.45/volumes"),
    ("GET", "http://localhost/v1.45/containers/json?all=true"),
    ("POST", "http://localhost/v1.45/images/prune"),
    ("POST", "http://localhost/v1.45/images/prune?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D"),
    ("POST", "http://localhost:2375/v1.45/build/prune?keep-storage=10000000000"),
    ("POST", "http://localhost/v1.45/containers/prune"),
    ("POST", "http://localhost/v1.45/networks/prune"),
]


@pytest.mark.parametrize(("method", "url"), DOCKER_ASKED)
def test_docker_engine_volume_data_asks(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value != "allow", v.reasons


@pytest.mark.parametrize(("method", "url"), DOCKER_PASSED)
def test_docker_engine_regenerable_prunes_pass(method: str, url: str) -> None:
    v = verdict(method, url)
    assert v.decision.value == "allow", v.reasons
