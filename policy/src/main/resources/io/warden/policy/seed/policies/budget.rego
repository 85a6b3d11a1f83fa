# A budget raise needs an approver from the platform team.
#
# A raise is spec.budgets.usd_per_day or spec.budgets.calls_per_hour going up on an agent that
# exists on main, or one of those limits being removed (no limit is the biggest raise of all).
# New agents are not raises: their budgets are reviewed like the rest of the new file.
package warden.admission

budget_fields := ["usd_per_day", "calls_per_hour"]

required_approvals contains {
	"role": "approver",
	"team": "platform",
	"count": 1,
	"reason": sprintf("budget raise: agent %s %s %v -> %v", [name, field, old_value, new_value]),
} if {
	some name, new_agent in input.new
	some field in budget_fields
	old_value := input.old[name].spec.budgets[field]
	new_value := raised_to(old_value, object.get(new_agent, ["spec", "budgets", field], null))
}

raised_to(_, new) := "unlimited" if new == null

raised_to(old, new) := new if {
	new != null
	new > old
}
