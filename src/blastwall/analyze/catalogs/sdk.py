"""Provider SDK calls in interpreter code, judged by the generated catalogs.

AWS:

    boto3.client("ec2").terminate_instances(InstanceIds=[...])        (Python, Ruby: snake_case)
    new EC2Client({}).send(new TerminateInstancesCommand({...}))       (JavaScript SDK v3)
    new AWS.EC2().terminateInstances({...})                           (JavaScript SDK v2)
    svc.TerminateInstances(&ec2.TerminateInstancesInput{...})          (Go)

Every SDK names an operation after botocore's model, in its own case; the words are the same
as the aws CLI name's. Code that uses an AWS SDK is read for calls whose words name an
operation of a service it creates a client for (`client("ec2")`, `@aws-sdk/client-ec2`); a
method call of a service the code names only at run time is judged by its verb alone.

Kubernetes clients (`kubernetes` for Python, `@kubernetes/client-node`) name their methods after
the API client's (`delete_namespaced_pod`, `deleteNamespacedPod`); Google's discovery-based
clients (`googleapiclient.discovery.build("compute", "v1")`) chain resources to a method
(`.instances().delete(...)`), which is the method id `compute.instances.delete`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from blastwall import rx
from blastwall.analyze.base import Scope

if TYPE_CHECKING:
    from blastwall.model import Finding

# Text that only code using one of the SDKs contains; nothing else is compiled or imported before.
_TRIGGERS = ("boto3", "botocore", "aws-sdk", "Aws::", "AWS.", "kubernetes", "googleapiclient", "discovery")
_AWS_MARKS = ("boto3", "botocore", "aws-sdk", "Aws::", "AWS.")


@functools.cache
def _rx(name: str) -> rx.Pattern:
    return rx.compile(_PATTERNS[name])


_PATTERNS = {
    "call": r"(\.\s*|\bnew\s+|\b)([A-Za-z_][A-Za-z0-9_]*)\s*\(",
    "service": r"""(?:client|resource)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9-]+)["']|@aws-sdk/client-([a-z0-9-]+)|aws-sdk-go(?:-v2)?/service/([a-z0-9]+)|Aws::([A-Za-z0-9]+)::Client|new\s+AWS\.([A-Za-z0-9]+)\s*\(""",
    "k8s": r"\bkubernetes\b|@kubernetes/client-node",
    "build": r"""\bbuild\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*["']([A-Za-z0-9_.]+)["']""",
    "chain": r"((?:\.\s*[A-Za-z_][A-Za-z0-9_]*\(\s*\))+)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(",
}




def sdk_findings(language: str, code: str, scope: Scope) -> list[Finding]:
    """Findings for provider operations the code calls (empty when it uses no known SDK; the
    catalogs are imported only then)."""
    out: list[Finding] = []
    if not any(mark in code for mark in _TRIGGERS):
        return out
    if "kubernetes" in code and _rx("k8s").search(code):
        out.extend(_kubernetes(language, code))
    if "googleapiclient" in code or "discovery" in code:
        out.extend(_google(language, code))
    if any(mark in code for mark in _AWS_MARKS):
        out.extend(_aws(language, code))
    return out


def _kubernetes(language: str, code: str) -> list[Finding]:
    from blastwall.analyze.catalogs import ops
    from blastwall.analyze.catalogs.data import CatalogMissing
    from blastwall.analyze.catalogs.judge import finding
    from blastwall.analyze.catalogs.verbs import classify, words
    from blastwall.model import Severity

    try:
        names = _k8s_names()
    except CatalogMissing:
        return []
    out: list[Finding] = []
    for _, name in _rx("call").findall(code)[:2000]:
        snake = "_".join(words(name))
        if snake in names:
            verb = classify(snake, "kubernetes")
            if verb is not None and verb.cls.severity >= Severity.MEDIUM:
                out.append(finding("code", ops.Op("kubernetes", "", snake, "Kubernetes"), verb.cls, snake,
                                    f"{language} code calling the Kubernetes API"))
    return out


@functools.cache
def _k8s_names() -> frozenset[str]:
    from blastwall.analyze.catalogs import data

    return frozenset(r[2] for r in data.load("kubernetes.json")["ops"])


def _google(language: str, code: str) -> list[Finding]:
    from blastwall.analyze.catalogs import data, ops
    from blastwall.analyze.catalogs.data import CatalogMissing
    from blastwall.analyze.catalogs.judge import finding
    from blastwall.analyze.catalogs.verbs import classify
    from blastwall.model import Severity

    out: list[Finding] = []
    for api, version in _rx("build").findall(code):
        key = f"{api}.{version}"
        try:
            if not data.exists(f"google/{key}.json"):
                continue
            ids = {r[2] for r in data.load(f"google/{key}.json")["ops"]}
        except CatalogMissing:
            continue
        prefix = min(ids).split(".", 1)[0] if ids else api  # sqladmin's methods are sql.*
        for chain, method in _rx("chain").findall(code):
            resources = [r.strip(" .()") for r in chain.split("(") if r.strip(" .()")]
            method_id = ".".join([prefix, *resources, method])
            if method_id not in ids:
                continue
            verb = classify(method_id, "google")
            if verb is not None and verb.cls.severity >= Severity.MEDIUM:
                out.append(finding("code", ops.Op("google", key, method_id, f"Google {api}"), verb.cls, method_id,
                                    f"{language} code calling a Google API"))
    return out


def _aws(language: str, code: str) -> list[Finding]:
    from blastwall.analyze.catalogs.verbs import words

    services = {next(g for g in m if g).lower() for m in _rx("service").findall(code)}
    out: list[Finding] = []
    seen: set[str] = set()
    for before, name in _rx("call").findall(code)[:2000]:
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
    from blastwall.analyze.catalogs import ops
    from blastwall.analyze.catalogs.data import CatalogMissing
    from blastwall.analyze.catalogs.judge import finding
    from blastwall.analyze.catalogs.verbs import classify
    from blastwall.model import Severity

    source = f"{language} code calling the AWS SDK"
    try:
        for svc in services:
            op = ops.aws_cli(svc, kebab) or ops.aws_cli(ops.aws_cli_name(svc), kebab)
            if op is not None:
                verb = classify(op.name, "aws")
                if verb is None or verb.cls.severity < Severity.MEDIUM:
                    return None
                return finding("code", op, verb.cls, kebab, source)
    except CatalogMissing:
        return None
    if not method:
        return None  # a function of the code's own (`delete_temp_files()`), not an SDK method
    verb = classify(kebab, "aws")
    if verb is None or verb.cls.severity < Severity.MEDIUM:
        return None
    return finding("code", ops.Op("aws", "", kebab, "AWS"), verb.cls, kebab, source)._replace(confidence=0.6)
