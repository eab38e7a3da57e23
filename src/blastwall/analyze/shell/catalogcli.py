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
    later = _later_calls(name, argv, scope, cmd.source)
    if later:  # a call a scheduler or state machine makes later, judged as that call
        from blastwall.analyze.catalogs import cli_findings

        return later + cli_findings(name, argv, scope, cmd.source)
    if match(name, argv, source=cmd.source):
        return None  # a hand rule decides
    from blastwall.analyze.catalogs import cli_findings

    return cli_findings(name, argv, scope, cmd.source)


def _later_calls(name: str, argv: list[Word], scope: Scope, source: str) -> list[Finding]:
    """Scheduled HTTP jobs (gcloud) and AWS SDK targets (aws) the command sets up (scheduled_calls.py)."""
    if name == "gcloud":
        if not any(w.text in ("scheduler", "tasks") for w in argv):
            return []
        from blastwall.analyze.shell.scheduled_calls import scheduled_http

        return scheduled_http(name, argv, scope, source)
    files = any("file://" in w.text for w in argv)
    if not files and not any("aws-sdk:" in w.text for w in argv):
        return []
    from blastwall.analyze.shell.scheduled_calls import sdk_targets, target_files

    texts, asks = target_files(argv, scope, source) if files else ([], [])
    return asks + sdk_targets(argv, source, texts)


register(["aws", "gcloud"], handle_catalog_cli)
