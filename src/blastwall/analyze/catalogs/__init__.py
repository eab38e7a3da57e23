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

__all__ = ["cli_findings", "http_findings"]


def cli_findings(program: str, argv: list[Any], scope: Any, source: str) -> Any:
    from blastwall.analyze.catalogs.judge import cli_findings as run

    return run(program, argv, scope, source)


def http_findings(catalog: str, req: Any, path: str, scope: Any) -> Any:
    from blastwall.analyze.catalogs.judge import http_findings as run

    return run(catalog, req, path, scope)
