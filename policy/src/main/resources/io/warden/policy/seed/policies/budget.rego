# Budgets and approval thresholds a single approver must not grant alone: they need an approver
# from the platform team.
#
# A raise is spec.budgets.usd_per_day or spec.budgets.calls_per_hour going up on an agent that
# exists on main, or one of those limits being removed (no limit is the biggest raise of all).
# Weakening the approval rule counts the same: spec.approval.on_action_value_usd_gt going up, or
# removed (with or without the whole spec.approval), switches human approval off for those actions.
# A new agent starts within new_agent_limits, or needs the same approver: otherwise adding an agent
# (or deleting one and adding it again) would be a way around both rules.
package warden.admission

budget_fields := ["usd_per_day", "calls_per_hour"]

# What a new agent may start with without a platform approver. Policy data: change it here, in a
# change that the platform team approves (governance.rego).
new_agent_limits := {"usd_per_day": 100, "calls_per_hour": 1000}

# The highest spec.approval.on_action_value_usd_gt a new agent may start with without a platform
# approver. Policy data, like new_agent_limits.
new_agent_max_approval_usd := 1000

approval_field := "spec.approval.on_action_value_usd_gt"

required_approvals contains {
	"role": "approver",
	"team": "platform",
	"count": 1,
	"reason": sprintf("budget raise: agent %s %s %s -> %s", [name, field, shown(old_value), shown(new_value)]),
} if {
	some name, new_agent in input.new
	some field in budget_fields
	old_value := input.old[name].spec.budgets[field]
	new_value := raised_to(old_value, object.get(new_agent, ["spec", "budgets", field], null))
}

required_approvals contains {
	"role": "approver",
	"team": "platform",
	"count": 1,
	"reason": sprintf("new agent %s starts above the new-agent limit: %s %s > %s", [name, field, shown(value), shown(limit)]),
} if {
	some name, new_agent in input.new
	not input.old[name]
	some field, limit in new_agent_limits
	value := raised_to(limit, object.get(new_agent, ["spec", "budgets", field], null))
}

required_approvals contains {
	"role": "approver",
	"team": "platform",
	"count": 1,
	"reason": sprintf("approval weakened: agent %s %s %s -> %s", [name, approval_field, shown(old_value), shown(new_value)]),
} if {
	some name, new_agent in input.new
	old_value := approval_threshold(input.old[name])
	old_value != null
	new_value := weakened_to(old_value, approval_threshold(new_agent))
}

required_approvals contains {
	"role": "approver",
	"team": "platform",
	"count": 1,
	"reason": sprintf("new agent %s starts above the new-agent limit: %s %s > %s", [name, approval_field, shown(value), shown(new_agent_max_approval_usd)]),
} if {
	some name, new_agent in input.new
	not input.old[name]
	value := approval_threshold(new_agent)
	is_number(value)
	value > new_agent_max_approval_usd
}

raised_to(_, new) := "unlimited" if new == null

raised_to(old, new) := new if {
	new != null
	new > old
}

approval_threshold(agent) := object.get(agent, ["spec", "approval", "on_action_value_usd_gt"], null)

weakened_to(_, new) := "removed" if new == null

weakened_to(old, new) := raised_to(old, new) if new != null

# A value for a reason: whole numbers in full (OPA would print 100000000 from JSON as 1e+08).
shown(x) := format_int(x, 10) if {
	is_number(x)
	x == floor(x)
}

shown(x) := sprintf("%v", [x]) if {
	not is_number(x)
}

shown(x) := sprintf("%v", [x]) if {
	is_number(x)
	x != floor(x)
}
