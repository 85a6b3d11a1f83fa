# Every tool an agent declares must be on the allow-list in tools/allowed.yaml on main.
# The list is read from main, not from the change, so a change cannot allow the tool it uses:
# add a tool to the allow-list in its own change (which the platform team approves) first.
package warden.admission

deny contains {"msg": msg, "file": input.agent_files[name], "field": sprintf("spec.tools[%d]", [i])} if {
	some name, agent in input.new
	some i, tool in object.get(agent, ["spec", "tools"], [])
	not tool in {t | some t in input.tools_allowed}
	msg := sprintf(
		"agent %s: tool %s is not on the allow-list; add it to tools/allowed.yaml on main in its own change first",
		[name, tool],
	)
}
