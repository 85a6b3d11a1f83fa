package warden.admission_test

import data.warden.admission

agent(budgets) := {"metadata": {"name": "a"}, "spec": {"budgets": budgets}}

platform_approval(reason) := {"role": "approver", "team": "platform", "count": 1, "reason": reason}

test_usd_raise_requires_platform_approver if {
	got := admission.required_approvals with input as {
		"old": {"a": agent({"usd_per_day": 40, "calls_per_hour": 200})},
		"new": {"a": agent({"usd_per_day": 80, "calls_per_hour": 200})},
		"files": [],
	}
	got == {platform_approval("budget raise: agent a usd_per_day 40 -> 80")}
}

test_calls_raise_requires_platform_approver if {
	got := admission.required_approvals with input as {
		"old": {"a": agent({"usd_per_day": 40, "calls_per_hour": 200})},
		"new": {"a": agent({"usd_per_day": 40, "calls_per_hour": 201})},
		"files": [],
	}
	got == {platform_approval("budget raise: agent a calls_per_hour 200 -> 201")}
}

test_removed_limit_is_a_raise if {
	got := admission.required_approvals with input as {
		"old": {"a": agent({"usd_per_day": 40})},
		"new": {"a": agent({})},
		"files": [],
	}
	got == {platform_approval("budget raise: agent a usd_per_day 40 -> unlimited")}
}

test_lower_or_equal_budget_needs_no_approval if {
	got := admission.required_approvals with input as {
		"old": {"a": agent({"usd_per_day": 40, "calls_per_hour": 200})},
		"new": {"a": agent({"usd_per_day": 20, "calls_per_hour": 200})},
		"files": [],
	}
	count(got) == 0
}

test_new_agent_within_the_limits_needs_no_approval if {
	got := admission.required_approvals with input as {
		"old": {},
		"new": {"a": agent({"usd_per_day": 100, "calls_per_hour": 1000})},
		"files": [],
	}
	count(got) == 0
}

test_new_agent_above_the_usd_limit_requires_platform_approver if {
	got := admission.required_approvals with input as {
		"old": {},
		"new": {"a": agent({"usd_per_day": 99999, "calls_per_hour": 200})},
		"files": [],
	}
	got == {platform_approval("new agent a starts above the new-agent limit: usd_per_day 99999 > 100")}
}

test_new_agent_above_the_calls_limit_requires_platform_approver if {
	got := admission.required_approvals with input as {
		"old": {},
		"new": {"a": agent({"usd_per_day": 40, "calls_per_hour": 1001})},
		"files": [],
	}
	got == {platform_approval("new agent a starts above the new-agent limit: calls_per_hour 1001 > 1000")}
}

test_new_agent_without_budgets_is_unlimited_and_requires_platform_approver if {
	got := admission.required_approvals with input as {
		"old": {},
		"new": {"a": {"metadata": {"name": "a"}, "spec": {}}},
		"files": [],
	}
	got == {
		platform_approval("new agent a starts above the new-agent limit: calls_per_hour unlimited > 1000"),
		platform_approval("new agent a starts above the new-agent limit: usd_per_day unlimited > 100"),
	}
}

test_new_agent_limit_is_policy_data if {
	got := admission.required_approvals with input as {
		"old": {},
		"new": {"a": agent({"usd_per_day": 500, "calls_per_hour": 200})},
		"files": [],
	}
		with admission.new_agent_limits as {"usd_per_day": 1000, "calls_per_hour": 1000}
	count(got) == 0
}

test_existing_agent_is_not_judged_by_the_new_agent_limit if {
	got := admission.required_approvals with input as {
		"old": {"a": agent({"usd_per_day": 500, "calls_per_hour": 200})},
		"new": {"a": agent({"usd_per_day": 500, "calls_per_hour": 200})},
		"files": [],
	}
	count(got) == 0
}

test_reasons_show_whole_numbers_in_full if {
	admission.shown(100000000) == "100000000"
	admission.shown(1e8) == "100000000"
	admission.shown(40.5) == "40.5"
	admission.shown("unlimited") == "unlimited"
}

approval_input(old, new) := {"old": old, "new": new, "agent_files": {"a": "agents/a.yaml"}, "files": []}

budgets := {"usd_per_day": 40, "calls_per_hour": 200}

with_threshold(usd) := {"spec": {"budgets": budgets, "approval": {"on_action_value_usd_gt": usd}}}

test_raised_threshold_requires_platform_approver if {
	got := admission.required_approvals with input as approval_input({"a": with_threshold(1000)}, {"a": with_threshold(100000000)})
	got == {platform_approval("approval weakened: agent a spec.approval.on_action_value_usd_gt 1000 -> 100000000")}
}

test_removed_threshold_requires_platform_approver if {
	got := admission.required_approvals with input as approval_input(
		{"a": with_threshold(1000)},
		{"a": {"spec": {"budgets": budgets, "approval": {}}}},
	)
	got == {platform_approval("approval weakened: agent a spec.approval.on_action_value_usd_gt 1000 -> removed")}
}

test_removed_approval_block_requires_platform_approver if {
	got := admission.required_approvals with input as approval_input({"a": with_threshold(1000)}, {"a": {"spec": {"budgets": budgets}}})
	got == {platform_approval("approval weakened: agent a spec.approval.on_action_value_usd_gt 1000 -> removed")}
}

test_lowered_or_equal_threshold_needs_no_approval if {
	count(admission.required_approvals) == 0 with input as approval_input({"a": with_threshold(1000)}, {"a": with_threshold(500)})
	count(admission.required_approvals) == 0 with input as approval_input({"a": with_threshold(1000)}, {"a": with_threshold(1000)})
}

test_new_agent_threshold_above_the_limit_requires_platform_approver if {
	got := admission.required_approvals with input as approval_input({}, {"a": with_threshold(5000)})
	got == {platform_approval("new agent a starts above the new-agent limit: spec.approval.on_action_value_usd_gt 5000 > 1000")}
}

test_new_agent_threshold_within_the_limit_needs_no_approval if {
	count(admission.required_approvals) == 0 with input as approval_input({}, {"a": with_threshold(1000)})
}
