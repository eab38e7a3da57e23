# Deletes of more than N rows are denied outside business hours.
#
# blastwall measures how many rows a DELETE, UPDATE or TRUNCATE would reach before the policy
# decides (the blast radius, docs/radius-sql.md: a read-only count when a connection is
# configured). Outside business hours, a delete that reaches more than `max_rows` rows is
# denied; one whose rows could not be counted is asked about, because nobody can tell how big
# it is. Within business hours this policy has no opinion. The limit and the hours are data
# (data.json): data.limits.max_rows, data.limits.business_hours {days, start_hour, end_hour},
# in the checker's local time zone.
package blastwall

import rego.v1

limits := data.limits

business_hours if {
	input.time.local.weekday in limits.business_hours.days
	input.time.local.hour >= limits.business_hours.start_hour
	input.time.local.hour < limits.business_hours.end_hour
}

# SQL deletes and table-emptying statements, wherever they come from (psql -c, an ORM, a migration)
row_deletes contains f if {
	some f in input.findings
	f.effect == "delete"
	contains(f.rule_id, "sql.")
}

deny contains msg if {
	not business_hours
	some f in row_deletes
	f.radius.measured
	f.radius.counts.rows > limits.max_rows
	msg := sprintf("deleting %d rows of %s outside business hours is not allowed (limit %d); run it during business hours or in smaller batches", [f.radius.counts.rows, f.target, limits.max_rows])
}

ask contains msg if {
	not business_hours
	some f in row_deletes
	not counted(f)
	msg := sprintf("a delete on %s outside business hours, and its rows could not be counted", [f.target])
}

counted(f) if {
	f.radius.measured
	is_number(f.radius.counts.rows)
}

decision := {"deny": deny, "rule": "business-hours-rows"} if count(deny) > 0

decision := {"ask": ask, "rule": "business-hours-uncounted"} if {
	count(deny) == 0
	count(ask) > 0
}
