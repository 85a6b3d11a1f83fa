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

test_new_agent_is_not_a_raise if {
	got := admission.required_approvals with input as {
		"old": {},
		"new": {"a": agent({"usd_per_day": 1000})},
		"files": [],
	}
	count(got) == 0
}
