# Runtime decisions for model calls and tool calls, asked by the gateways for every call.
# Input: see policy/README.md (agent, delegation_chain, action, resource, action_value_usd,
# budget, time). Data: data.warden.main, the descriptors and allow-list on main.
# Output: decision = {"result": "allow" | "deny" | "require_approval", "reasons": [...]};
# any deny wins over an approval, and an undefined decision is a deny. An allow or
# require_approval also carries "approver_team" when policy data names the team whose approver
# must decide a held call of this agent and tool (see approver_team below); without it any user
# with the approver role may decide.
package warden.runtime

agent := data.warden.main.agents[input.agent]

actions := {"model.call", "tool.call"}

deny contains msg if {
	not data.warden.main.agents[input.agent]
	msg := sprintf("agent %s is not in the inventory on main", [input.agent])
}

deny contains msg if {
	not input.action in actions
	msg := sprintf("unknown action %v: expected model.call or tool.call", [input.action])
}

deny contains msg if {
	input.action == "tool.call"
	tools := object.get(agent, ["spec", "tools"], []) # undefined for an unknown agent: one reason is enough
	not input.resource in {t | some t in tools}
	msg := sprintf("agent %s may not call %s: it is not in the agent's spec.tools", [input.agent, input.resource])
}

deny contains msg if {
	limit := agent.spec.budgets.usd_per_day
	spent := object.get(input.budget, "usd_spent_today", 0)
	spent >= limit
	msg := sprintf("agent %s has used its daily budget: %v of %v USD spent today", [input.agent, spent, limit])
}

deny contains msg if {
	limit := agent.spec.budgets.calls_per_hour
	calls := object.get(input.budget, "calls_last_hour", 0)
	calls >= limit
	msg := sprintf("agent %s has used its hourly call budget: %v of %v calls in the last hour", [input.agent, calls, limit])
}

require_approval contains msg if {
	threshold := agent.spec.approval.on_action_value_usd_gt
	is_number(input.action_value_usd)
	input.action_value_usd > threshold
	msg := sprintf(
		"action value %v USD is over agent %s's approval threshold of %v USD",
		[input.action_value_usd, input.agent, threshold],
	)
}

# The team that approves a held call: policy data data.warden.approvers (a module
# "package warden.approvers" in policies/, or pushed data) names it, most specific first:
#   tools:  {"mcp://gateway/pay-invoice": "finance"}   by tool
#   agents: {"reconciliation-finance": "finance"}       by agent
#   default_team: "ops"                                  every other held call
# With none of them (the seed), approver_team is "" and any approver may decide.
default approvers := {}

approvers := data.warden.approvers if is_object(data.warden.approvers)

approver_team := team if {
	team := approvers.tools[input.resource]
	is_string(team)
} else := team if {
	team := approvers.agents[input.agent]
	is_string(team)
} else := team if {
	team := approvers.default_team
	is_string(team)
} else := ""

with_team(d) := object.union(d, {"approver_team": approver_team}) if {
	approver_team != ""
} else := d

decision := {"result": "deny", "reasons": sort(deny)} if {
	count(deny) > 0
} else := with_team({"result": "require_approval", "reasons": sort(require_approval)}) if {
	count(require_approval) > 0
} else := with_team({"result": "allow", "reasons": []})
