"""Where a target lives: each finding's environment, with the evidence that proves it.

    place(action, finding) -> Placement("test", ("127.0.0.1 is a loopback address (-h)",
                                                 "database app_test is named for test")) | None

Environments: local, test, dev, preview, staging, production, unknown (evidence.toml `order`).
The evidence is about where the SERVER is, resolved the way the client or framework resolves it
(options, variables, the project's config for the selected environment, the kube context, the
docker context); a name is never enough on its own (docs/environments.md). Remote and unproved is
`unknown`, which the policy treats as production. Only files are read (no network, no process),
and only for findings of the families the evidence table knows; everything else keeps its
environment as it was.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from blastwall.model import Action, Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from blastwall.environment.site import Placement

__all__ = ["FAMILY_PREFIXES", "place", "placed", "with_placement"]

# Every `findings` glob of evidence.toml starts with one of these (tests/test_environment.py
# holds it), so a finding of any other rule is turned away before anything is read or imported.
FAMILY_PREFIXES = ("shell.postgres:", "shell.mysql:", "shell.rails:", "shell.django:", "shell.migrate:",
                   "shell.prisma:", "shell.supabase:", "shell.kubectl:", "shell.helm:", "shell.helmfile:",
                   "shell.flux:", "shell.skaffold:", "shell.tilt:", "shell.velero:", "shell.k8s:", "shell.docker:",
                   "shell.compose:", "shell.aws:", "shell.objectstore:", "sql.", "http.")


def place(action: Action, finding: Finding, memo: dict[str, Any] | None = None) -> Placement | None:
    """The finding's environment and evidence; None when the evidence table knows nothing of it.
    Never raises: a failure while reading the evidence is an unknown environment. Pass the same
    `memo` for every finding of one action (the command line is read once)."""
    if finding.severity <= Severity.NONE or not finding.rule_id.startswith(FAMILY_PREFIXES):
        return None
    try:
        sites_for, classify, combine = _placing()
        sites = sites_for(action, finding, memo)
        if sites is None:
            return None
        return combine([classify(s) for s in sites])
    except Exception as exc:  # noqa: BLE001 - evidence that cannot be read proves nothing
        from blastwall.environment.site import Placement

        return Placement("unknown", (f"blastwall could not read where it is ({type(exc).__name__})",))


def with_placement(finding: Finding, placement: Placement, hint: str | None = None) -> Finding:
    """The finding with its environment and evidence set, and the evidence in its reason. A hint
    from the action's context that names production, staging or an environment blastwall does
    not know wins; a laxer one (dev, test) counts for nothing."""
    from blastwall.environment.table import rank

    env = placement.environment
    if hint:  # a session's hint says where it works, not where this target is: only a strict one counts
        said = rank(_canonical(hint))
        if said >= rank("staging") and (said > rank(env) or env == "unknown"):
            # the context names production (or staging): that is what the target is taken for;
            # the evidence proved something else, so it is not this environment's evidence
            return finding._replace(environment=hint)
    note = placement.text()
    reason = f"{finding.reason}; {note}" if note not in finding.reason else finding.reason
    return finding._replace(environment=env, evidence=placement.evidence, reason=reason)


def placed(action: Action, findings: list[Finding]) -> list[Finding]:
    """Every finding the evidence table knows, placed (the rest unchanged)."""
    hint = action.context.environment
    memo: dict[str, Any] = {}
    out = []
    for f in findings:
        p = place(action, f, memo)
        out.append(with_placement(f, p, hint) if p is not None else f)
    return out


@functools.cache
def _placing() -> tuple[Any, Any, Any]:
    """(locate.sites_for, site.classify, site.combine), imported when a finding is first placed
    (not on this package's import: locate imports it) and kept."""
    from blastwall.environment.locate import sites_for
    from blastwall.environment.site import classify, combine

    return sites_for, classify, combine


def _canonical(name: str) -> str:
    from blastwall.preflight.inventory import PRODUCTION_NAMES

    key = name.strip().lower()
    if key in PRODUCTION_NAMES:
        return "production"
    return {"development": "dev", "testing": "test", "stage": "staging", "review": "preview"}.get(key, key)

