"""Provider catalogs generated from the providers' own specs (tools/gen_catalogs.py).

    cli_findings("aws", argv, scope, source)       -> findings for `aws SERVICE OPERATION ...`
    http_findings("github", req, path, scope)      -> findings for a request, or None (not in the catalog)

A catalog names every operation of a provider (AWS: botocore's models; Kubernetes: the API
client generated from its OpenAPI spec; GitHub: its OpenAPI description; Google: discovery
documents). `verbs.toml` judges an operation by its name; hand rules in `rules/` are tried
first and override both. Files load lazily, one provider (or one AWS service) at a time, and
the modules are imported only when a check needs them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["cli_findings", "http_findings", "prime"]

# What `prime` indexes: the route tables of the one-file providers, and the Google APIs most
# commands and URLs name (their routes and gcloud's resource/verb table; compute alone takes
# ~40 ms to index).
PRIMED_ROUTES = ("github.json", "kubernetes.json", "google/compute.v1.json", "google/sqladmin.v1.json")
PRIMED_GCLOUD = ("compute.v1", "sqladmin.v1", "container.v1", "storage.v1")


def cli_findings(program: str, argv: list[Any], scope: Any, source: str) -> Any:
    from blastwall.analyze.catalogs.judge import cli_findings as run

    return run(program, argv, scope, source)


def http_findings(catalog: str, req: Any, path: str, scope: Any) -> Any:
    from blastwall.analyze.catalogs.judge import http_findings as run

    return run(catalog, req, path, scope)


def prime() -> None:
    """Build the indexes a check would otherwise build the first time it names one of these
    catalogs: for a process that forks checkers, which then share them instead of each building
    its own (the daemon before it serves batches)."""
    from blastwall.analyze.catalogs import data, ops

    for rel in PRIMED_ROUTES:
        if data.exists(rel):
            ops._router(rel).build()  # noqa: SLF001 - the cached router is the index
    for key in PRIMED_GCLOUD:
        if data.exists(f"google/{key}.json"):
            ops._google_suffixes(key)  # noqa: SLF001
