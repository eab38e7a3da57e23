"""The daemon's thorough warm-up (batch.warm_up(thorough=True)) builds indexes before it forks
checkers; an index built up front answers exactly as one built lazily, line by line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze.catalogs import data
from blastwall.analyze.catalogs.routes import Router


def _routes(rel: str) -> list[tuple[str, str, str]]:
    return [(r[0], r[1], r[2]) for r in data.load(rel)["ops"]]


GITHUB = _routes("github.json")
KUBE = _routes("kubernetes.json")
SEGMENTS = st.sampled_from(["repos", "acme", "api", "branches", "main", "user", "keys", "1", "v1", "apis", "apps",
                            "namespaces", "prod", "pods", "deployments", "x", "orgs", "hooks", "{id}", ""])


@settings(max_examples=300, deadline=None)
@given(table=st.sampled_from(["github", "kube"]), method=st.sampled_from(["GET", "DELETE", "POST", "PUT", "PATCH"]),
       segs=st.lists(SEGMENTS, max_size=9), template=st.integers(0, 10_000))
def test_a_router_built_up_front_matches_as_a_lazy_one(table, method, segs, template):
    routes = GITHUB if table == "github" else KUBE
    # a path from a real template (its parameters filled in), or one made of common segments
    path = "/" + "/".join(segs) if template % 2 else \
        routes[template % len(routes)][1].replace("{", "").replace("}", "").partition("?")[0]
    lazy, built = Router(routes), Router(routes)
    built.build()
    assert built.match(method, path) == lazy.match(method, path)


def test_thorough_warm_up_primes_the_catalogs_it_names():
    from blastwall.analyze import catalogs
    from blastwall.analyze.catalogs import ops

    catalogs.prime()
    for rel in catalogs.PRIMED_ROUTES:
        assert not ops._router(rel)._pending  # every group built
    for key in catalogs.PRIMED_GCLOUD:
        assert ops._google_suffixes(key)
