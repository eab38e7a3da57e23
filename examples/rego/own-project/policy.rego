# An agent may only touch its own project.
#
# data.projects maps each agent to the folder it works in (data.json). A listed agent is denied
# when it works from another folder, when a finding's target is a path outside its project (a
# `rm -rf ../other`, a write to /etc, a migration in another repository), and when it reads or
# writes a file outside it. An agent that is not listed is asked about; an action that names no
# agent (`blastwall check` at a terminal) is left to the policy files.
#
# Paths are the ones blastwall resolved: input.action.cwd, input.action.path (file reads and
# writes) and input.findings[].path (absolute, `..` resolved). A path hidden inside a command
# that blastwall reports no finding for is not seen here.
package blastwall

import rego.v1

agent := input.action.agent

project := data.projects[agent]

inside(path) if path == project

inside(path) if startswith(path, concat("", [trim_suffix(project, "/"), "/"]))

deny contains msg if {
	project
	is_string(input.action.cwd)
	not inside(input.action.cwd)
	msg := sprintf("%s works in %s, not in %s", [agent, project, input.action.cwd])
}

deny contains msg if {
	project
	is_string(input.action.path)
	not inside(input.action.path)
	msg := sprintf("%s may only touch files in %s, not %s", [agent, project, input.action.path])
}

deny contains msg if {
	project
	some f in input.findings
	is_string(f.path)
	not inside(f.path)
	msg := sprintf("%s may only touch %s; %s is outside it (%s)", [agent, project, f.path, f.rule_id])
}

ask contains msg if {
	is_string(agent)
	not data.projects[agent]
	msg := sprintf("agent %s has no project in data.projects", [agent])
}

decision := {"deny": deny, "rule": "own-project"} if count(deny) > 0

decision := {"ask": ask, "rule": "own-project-unknown-agent"} if {
	count(deny) == 0
	count(ask) > 0
}
