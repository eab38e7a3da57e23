# `blastwall policy test examples/rego/two-approvers`
#
# rego-cpp replaces the input one field at a time (`with input.findings as [...]`); a whole
# `with input as {...}` over rules that use other rules is not supported by it yet.
package blastwall

import rego.v1

drop_users := {
	"rule_id": "sql.postgres:drop-table", "effect": "delete", "severity_level": 3,
	"target": "users", "environment": "production", "production": true,
}

test_a_production_delete_needs_two_approvers if {
	d := decision with input.findings as [drop_users]
	d.approvers == 2
	d.ask == {"delete on users in production needs two approvers"}
}

test_an_unverified_target_counts_as_production if {
	f := object.union(drop_users, {"environment": "unverified", "production": false})
	d := decision with input.findings as [f]
	d.approvers == 2
}

test_an_unknown_environment_counts_as_production if {
	f := object.union(drop_users, {"environment": "unknown", "production": false})
	d := decision with input.findings as [f]
	d.ask == {"delete on users in unknown needs two approvers"}
}

test_no_environment_at_all_is_left_to_the_policy_files if {
	f := object.union(drop_users, {"environment": null, "production": false})
	not decision with input.findings as [f]
}

test_staging_is_left_to_the_policy_files if {
	f := object.union(drop_users, {"environment": "staging", "production": false})
	not decision with input.findings as [f]
}

test_reading_production_is_not_destructive if {
	f := object.union(drop_users, {"effect": "read_secret"})
	not decision with input.findings as [f]
}

test_harmless_findings_do_not_count if {
	f := object.union(drop_users, {"severity_level": 0})
	not decision with input.findings as [f]
}
