# `blastwall policy test --policy examples/rego/own-project/blastwall.toml`
package blastwall

import rego.v1

test_work_inside_the_project_is_left_to_the_policy_files if {
	a := {"agent": "codex", "cwd": "/srv/work/billing/api", "surface": "shell"}
	f := [{"rule_id": "shell.fs:rm", "path": "/srv/work/billing/api/build"}]
	not decision with input.action as a with input.findings as f
}

test_a_target_in_another_project_is_denied if {
	a := {"agent": "codex", "cwd": "/srv/work/billing", "surface": "shell"}
	f := [{"rule_id": "shell.fs:rm", "path": "/srv/work/shop/data"}]
	d := decision with input.action as a with input.findings as f
	d.deny == {"codex may only touch /srv/work/billing; /srv/work/shop/data is outside it (shell.fs:rm)"}
}

test_a_look_alike_folder_name_is_outside if {
	a := {"agent": "codex", "cwd": "/srv/work/billing-old", "surface": "shell"}
	d := decision with input.action as a with input.findings as []
	d.rule == "own-project"
}

test_a_file_write_elsewhere_is_denied if {
	a := {"agent": "claude-code", "cwd": "/srv/work/shop", "surface": "file_write", "path": "/etc/hosts"}
	d := decision with input.action as a with input.findings as []
	count(d.deny) == 1
}

test_an_unlisted_agent_is_asked_about if {
	a := {"agent": "gemini", "cwd": "/srv/work/shop", "surface": "shell"}
	d := decision with input.action as a with input.findings as []
	d.rule == "own-project-unknown-agent"
}

test_no_agent_is_left_to_the_policy_files if {
	a := {"agent": null, "cwd": "/tmp", "surface": "shell"}
	not decision with input.action as a with input.findings as []
}
