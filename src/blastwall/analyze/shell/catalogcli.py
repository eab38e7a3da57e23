"""CLIs judged by a generated catalog (analyze/catalogs): `aws SERVICE OPERATION ...` (botocore's
models) and `gcloud GROUP ... RESOURCE VERB` (Google's discovery documents).

The hand rules of `rules/shell_cloud.toml` come first (`aws s3 rm`, `aws rds delete-db-*
--skip-final-snapshot`, tags, queue messages): when one matches, the rule tables judge the
command as usual. Otherwise the operation is looked up in botocore's models and judged by its
verb, so every operation of every service has an answer, including SQL sent with
`rds-data` / `redshift-data` / `dynamodb execute-statement`.
"""

from __future__ import annotations

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.programs import match
from blastwall.model import Finding


def handle_catalog_cli(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if match(name, argv, source=cmd.source):
        return None  # a hand rule decides
    from blastwall.analyze.catalogs import cli_findings

    return cli_findings(name, argv, scope, cmd.source)


register(["aws", "gcloud"], handle_catalog_cli)
