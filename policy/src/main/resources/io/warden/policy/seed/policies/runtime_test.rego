package warden.runtime_test

import data.warden.runtime

main_data := {"agents": {"recon": {
	"metadata": {"name": "recon"},
	"spec": {
		"tools": ["mcp://gateway/ledger-read"],
		"budgets": {"usd_per_day": 40, "calls_per_hour": 200},
		"approval": {"on_action_value_usd_gt": 1000},
	},
}}}

call(overrides) := object.union(
	{
		"agent": "recon", "delegation_chain": [], "action": "tool.call",
		"resource": "mcp://gateway/ledger-read", "action_value_usd": null,
		"budget": {"usd_spent_today": 1.5, "calls_last_hour": 3}, "time": "2026-11-26T10:00:00Z",
	},
	overrides,
)

test_declared_tool_within_budget_is_allowed if {
	d := runtime.decision with input as call({}) with data.warden.main as main_data
	d == {"result": "allow", "reasons": []}
}

test_tool_not_in_descriptor_is_denied if {
	d := runtime.decision with input as call({"resource": "mcp://gateway/shell"}) with data.warden.main as main_data
	d.result == "deny"
	d.reasons == ["agent recon may not call mcp://gateway/shell: it is not in the agent's spec.tools"]
}

test_action_value_over_threshold_requires_approval if {
	d := runtime.decision with input as call({"action_value_usd": 1500}) with data.warden.main as main_data
	d.result == "require_approval"
	d.reasons == ["action value 1500 USD is over agent recon's approval threshold of 1000 USD"]
}

test_action_value_at_threshold_is_allowed if {
	d := runtime.decision with input as call({"action_value_usd": 1000}) with data.warden.main as main_data
	d.result == "allow"
}

test_exhausted_daily_budget_is_denied if {
	d := runtime.decision with input as call({"budget": {"usd_spent_today": 40}}) with data.warden.main as main_data
	d.result == "deny"
	d.reasons == ["agent recon has used its daily budget: 40 of 40 USD spent today"]
}

test_exhausted_call_budget_is_denied if {
	d := runtime.decision with input as call({"budget": {"calls_last_hour": 200}}) with data.warden.main as main_data
	d.result == "deny"
}

test_deny_wins_over_approval if {
	d := runtime.decision with input as call({"action_value_usd": 5000, "budget": {"usd_spent_today": 41}})
		with data.warden.main as main_data
	d.result == "deny"
}

test_unknown_agent_is_denied if {
	d := runtime.decision with input as call({"agent": "ghost"}) with data.warden.main as main_data
	d.reasons == ["agent ghost is not in the inventory on main"]
}

test_model_call_of_known_agent_is_allowed if {
	d := runtime.decision with input as call({"action": "model.call", "resource": "anthropic/claude-opus-4-7@2026-02-14"})
		with data.warden.main as main_data
	d.result == "allow"
}

test_unknown_action_is_denied if {
	d := runtime.decision with input as call({"action": "shell.exec"}) with data.warden.main as main_data
	d.reasons == ["unknown action shell.exec: expected model.call or tool.call"]
}

approvers := {
	"default_team": "ops",
	"agents": {"recon": "finance"},
	"tools": {"mcp://gateway/ledger-read": "controllers"},
}

test_no_approver_data_names_no_team if {
	d := runtime.decision with input as call({"action_value_usd": 1500}) with data.warden.main as main_data
	d == {"result": "require_approval", "reasons": ["action value 1500 USD is over agent recon's approval threshold of 1000 USD"]}
}

test_tool_team_wins_over_agent_and_default if {
	d := runtime.decision with input as call({"action_value_usd": 1500}) with data.warden.main as main_data
		with data.warden.approvers as approvers
	d.result == "require_approval"
	d.approver_team == "controllers"
}

test_agent_team_wins_over_default if {
	d := runtime.decision with input as call({"action_value_usd": 1500}) with data.warden.main as main_data
		with data.warden.approvers as {"default_team": "ops", "agents": {"recon": "finance"}}
	d.approver_team == "finance"
}

test_default_team_for_every_other_call if {
	d := runtime.decision with input as call({"action_value_usd": 1500}) with data.warden.main as main_data
		with data.warden.approvers as {"default_team": "ops", "agents": {"someone-else": "finance"}}
	d.approver_team == "ops"
}

test_allow_carries_the_team_for_a_call_the_gateway_holds if {
	d := runtime.decision with input as call({}) with data.warden.main as main_data
		with data.warden.approvers as approvers
	d == {"result": "allow", "reasons": [], "approver_team": "controllers"}
}

test_deny_carries_no_team if {
	d := runtime.decision with input as call({"resource": "mcp://gateway/shell"}) with data.warden.main as main_data
		with data.warden.approvers as approvers
	d.result == "deny"
	not d.approver_team
}

test_empty_or_malformed_team_names_no_team if {
	d := runtime.decision with input as call({"action_value_usd": 1500}) with data.warden.main as main_data
		with data.warden.approvers as {"default_team": "", "tools": {"mcp://gateway/ledger-read": 7}}
	d.result == "require_approval"
	not d.approver_team
}
