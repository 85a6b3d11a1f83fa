package warden.admission_test

import data.warden.admission

pinned(revision) := {"spec": {"model": {"provider": "anthropic", "name": "claude-opus-4-7", "pinned_revision": revision}}}

test_revision_change_without_shadow_is_denied if {
	got := admission.deny with input as {
		"old": {"a": pinned("2026-02-14")},
		"new": {"a": pinned("2026-05-01")},
		"agent_files": {"a": "agents/a.yaml"},
		"files": [],
	}
	count(got) == 1
	some d in got
	d.file == "agents/a.yaml"
	d.field == "spec.model.pinned_revision"
	contains(d.msg, "from 2026-02-14 to 2026-05-01 without shadow evidence")
}

test_revision_change_with_shadow_plan_is_admitted if {
	new := json.patch(pinned("2026-05-01"), [{"op": "add", "path": "/spec/shadow", "value": {"sample_rate": 0.1}}])
	got := admission.deny with input as {
		"old": {"a": pinned("2026-02-14")},
		"new": {"a": new},
		"agent_files": {"a": "agents/a.yaml"},
		"files": [],
	}
	count(got) == 0
}

test_unchanged_revision_is_admitted if {
	got := admission.deny with input as {
		"old": {"a": pinned("2026-02-14")},
		"new": {"a": pinned("2026-02-14")},
		"agent_files": {"a": "agents/a.yaml"},
		"files": [],
	}
	count(got) == 0
}
