"""AWS SDK calls in interpreter code, judged by the AWS catalog.

    boto3.client("ec2").terminate_instances(InstanceIds=[...])        (Python, Ruby: snake_case)
    new EC2Client({}).send(new TerminateInstancesCommand({...}))       (JavaScript SDK v3)
    new AWS.EC2().terminateInstances({...})                           (JavaScript SDK v2)
    svc.TerminateInstances(&ec2.TerminateInstancesInput{...})          (Go)

Every SDK names an operation after botocore's model, in its own case; the words are the same
as the aws CLI name's. Code that uses an AWS SDK is read for calls whose words name an
operation of a service it creates a client for (`client("ec2")`, `@aws-sdk/client-ec2`); a
call of a service the code names only at run time is judged by its verb alone.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.catalogs import ops
from blastwall.analyze.catalogs.data import CatalogMissing
from blastwall.analyze.catalogs.judge import _finding
from blastwall.analyze.catalogs.verbs import classify, words
from blastwall.model import Finding, Severity

_SDK = rx.compile(r"boto3|botocore|aiobotocore|aioboto3|@aws-sdk/|aws-sdk|aws-sdk-go|Aws::|AWS\.")
_CALL = rx.compile(r"(\.\s*|\bnew\s+|\b)([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_SERVICE = rx.compile(r"""(?:client|resource)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9-]+)["']|@aws-sdk/client-([a-z0-9-]+)|aws-sdk-go(?:-v2)?/service/([a-z0-9]+)|Aws::([A-Za-z0-9]+)::Client|new\s+AWS\.([A-Za-z0-9]+)\s*\(""")


def sdk_findings(language: str, code: str, scope: Scope) -> list[Finding]:
    """Findings for AWS operations the code calls (empty when it uses no AWS SDK)."""
    if not _SDK.search(code):
        return []
    services = {next(g for g in m if g).lower() for m in _SERVICE.findall(code)}
    out: list[Finding] = []
    seen: set[str] = set()
    for before, name in _CALL.findall(code)[:2000]:
        ws = words(name)
        method = before.startswith(".")
        if ws and ws[-1] == "command" and name[:1].isupper() and before.startswith("new"):
            ws, method = ws[:-1], True  # JavaScript v3: new TerminateInstancesCommand(...)
        kebab = "-".join(ws)
        if len(ws) < 2 or kebab in seen:
            continue
        seen.add(kebab)
        found = _judge(kebab, services, language, method)
        if found is not None:
            out.append(found)
    return out


def _judge(kebab: str, services: set[str], language: str, method: bool) -> Finding | None:
    """The finding for one call: the operation of a named service, or (for a method call the
    named services do not have, or when no service is named) the verb of its name."""
    source = f"{language} code calling the AWS SDK"
    try:
        for svc in services:
            op = ops.aws_cli(svc, kebab) or ops.aws_cli(ops.aws_cli_name(svc), kebab)
            if op is not None:
                verb = classify(op.name, "aws")
                if verb is None or verb.cls.severity < Severity.MEDIUM:
                    return None
                return _finding("code", op, verb.cls, kebab, source)
    except CatalogMissing:
        return None
    if not method:
        return None  # a function of the code's own (`delete_temp_files()`), not an SDK method
    verb = classify(kebab, "aws")
    if verb is None or verb.cls.severity < Severity.MEDIUM:
        return None
    return _finding("code", ops.Op("aws", "", kebab, "AWS"), verb.cls, kebab, source)._replace(confidence=0.6)
