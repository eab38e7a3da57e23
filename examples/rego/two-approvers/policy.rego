# Production needs two approvers.
#
# Every action that would destroy or change something in production (or somewhere preflight
# could not place: unknown is treated as production) is asked about, and its approval needs two different people
# (`blastwall approve` by two approvers). Elsewhere this policy has no opinion: the policy
# files decide as usual.
package blastwall

import rego.v1

destructive := {
	"delete", "overwrite", "discard_work", "rewrite_history",
	"destroy_infra", "disrupt_service", "revoke_access",
}

# findings on production targets (the inventory's production environments and their aliases)
# or on targets preflight could not place (unknown, unverified)
risky contains f if {
	some f in input.findings
	f.effect in destructive
	f.severity_level >= 1
	f.production
}

risky contains f if {
	some f in input.findings
	f.effect in destructive
	f.severity_level >= 1
	f.environment in {"unknown", "unverified"}
}

reasons contains msg if {
	some f in risky
	msg := sprintf("%s on %s in %s needs two approvers", [f.effect, f.target, f.environment])
}

decision := {"ask": reasons, "approvers": 2, "rule": "production-two-approvers"} if count(reasons) > 0
