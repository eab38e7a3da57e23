# `blastwall policy test --policy examples/rego/business-hours/blastwall.toml`
# (the tests read data.limits from data.json, which that policy file names)
#
# With rego-cpp, replace the input one field at a time (`with input.findings as [...]`), and
# bind a rule's value to a local variable before using it in `with` (`t := saturday_night`).
package blastwall

import rego.v1

saturday_night := {"weekday": 6, "hour": 23, "minute": 5}

tuesday_noon := {"weekday": 2, "hour": 12, "minute": 0}

big_delete := {
	"rule_id": "sql.postgres:delete-broad-where", "effect": "delete", "target": "orders",
	"radius": {"measured": true, "counts": {"rows": 48210}},
}

test_a_big_delete_at_night_is_denied if {
	night := saturday_night
	d := decision with input.findings as [big_delete] with input.time.local as night
	d.rule == "business-hours-rows"
	count(d.deny) == 1
}

test_a_big_delete_at_noon_is_left_to_the_policy_files if {
	noon := tuesday_noon
	not decision with input.findings as [big_delete] with input.time.local as noon
}

test_a_small_delete_at_night_is_left_to_the_policy_files if {
	small := object.union(big_delete, {"radius": {"measured": true, "counts": {"rows": 12}}})
	night := saturday_night
	not decision with input.findings as [small] with input.time.local as night
}

test_an_uncounted_delete_at_night_is_asked_about if {
	unknown := object.union(big_delete, {"radius": null})
	night := saturday_night
	d := decision with input.findings as [unknown] with input.time.local as night
	d.rule == "business-hours-uncounted"
}

test_deleting_files_is_not_this_policys_business if {
	files := object.union(big_delete, {"rule_id": "shell.fs:rm", "radius": null})
	night := saturday_night
	not decision with input.findings as [files] with input.time.local as night
}
