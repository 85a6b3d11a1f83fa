# Runtime decisions for model calls and tool calls, asked by the gateways for every call.
# Input: see policy/README.md (agent, delegation_chain, action, resource, action_value_usd,
# budget, time). Data: data.warden.main, the descriptors and allow-list on main.
# Output: decision = {"result": "allow" | "deny" | "require_approval", "reasons": [...]};
# any deny wins over an approval, and an undefined decision is a deny.
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

decision := {"result": "deny", "reasons": sort(deny)} if {
	count(deny) > 0
} else := {"result": "require_approval", "reasons": sort(require_approval)} if {
	count(require_approval) > 0
} else := {"result": "allow", "reasons": []}
