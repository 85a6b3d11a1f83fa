package warden.admission_test

import data.warden.admission

test_policy_change_requires_platform_approver if {
	got := admission.required_approvals with input as {
		"old": {}, "new": {},
		"files": [{"path": "policies/x.rego", "kind": "modified"}, {"path": "tools/allowed.yaml", "kind": "modified"}],
	}
	got == {{
		"role": "approver", "team": "platform", "count": 1,
		"reason": "governance files changed: policies/x.rego, tools/allowed.yaml",
	}}
}

test_agent_only_change_needs_no_governance_approval if {
	got := admission.required_approvals with input as {
		"old": {}, "new": {},
		"files": [{"path": "agents/a.yaml", "kind": "added"}],
	}
	count(got) == 0
}
