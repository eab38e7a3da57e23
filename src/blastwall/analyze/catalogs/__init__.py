"""Provider catalogs generated from the providers' own specs (tools/gen_catalogs.py).

    cli_findings("aws", argv, scope, source)       -> findings for `aws SERVICE OPERATION ...`
    http_findings("github", req, path, scope)      -> findings for a request, or None (not in the catalog)

A catalog names every operation of a provider (AWS: botocore's models; Kubernetes: the API
client generated from its OpenAPI spec; GitHub: its OpenAPI description; Google: discovery
documents). `verbs.toml` judges an operation by its name; hand rules in `rules/` are tried
first and override both. Files load lazily, one provider (or one AWS service) at a time.
"""

from __future__ import annotations

from blastwall.analyze.catalogs.judge import cli_findings, http_findings

__all__ = ["cli_findings", "http_findings"]
