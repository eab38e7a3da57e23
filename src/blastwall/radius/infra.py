"""Infrastructure blast radius: the resources inside what a Kubernetes, Docker or Railway
finding deletes, measured read-only through the CLIs (`kubectl get`, `docker volume inspect`)
and the preflight provider adapter (Railway), each call bounded by the measuring deadline.

A CLI that is missing, fails or runs out of time leaves the finding unmeasured with the
reason ("kubectl is not installed here"), never a count of zero. Findings whose form
blastwall does not measure (`kubectl delete -f`, all namespaces) get no radius.
"""

from __future__ import annotations

from blastwall.model import Action, Finding
from blastwall.radius.base import MeasureContext, Radius, measurer


@measurer("shell.kubectl:delete", "shell.kubectl:delete-namespace", "shell.kubectl:delete-volume",
          "shell.kubectl:delete-stateful", "shell.kubectl:delete-bulk", "shell.helm:uninstall",
          "http.kubernetes:namespace-delete", "http.kubernetes:resource-delete", "http.kubernetes:collection-delete")
def kubernetes(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    from blastwall.radius import infra_k8s

    target = (infra_k8s.from_http(action, finding, ctx) if finding.rule_id.startswith("http.")
              else infra_k8s.target_of(action, finding))
    if target is None or isinstance(target, Radius):
        return target
    return infra_k8s.measure(target, ctx)


@measurer("shell.docker:volume-rm", "shell.docker:system-prune-volumes", "shell.docker:rm-volumes",
          "shell.docker:compose-down-volumes", "shell.compose:down-volumes")
def docker(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    from blastwall.radius import infra_docker

    target = infra_docker.target_of(action, finding, ctx)
    return None if target is None else infra_docker.measure(target, ctx)


@measurer("http.railway:volume-delete", "shell.railway:volume-delete", "mcp.railway:volume-delete")
def railway(action: Action, finding: Finding, ctx: MeasureContext) -> Radius | None:
    from blastwall.radius import infra_railway

    return infra_railway.measure(action, finding, ctx)
