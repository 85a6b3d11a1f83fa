package warden.admission_test

import data.warden.admission

pinned(revision) := {"spec": {"model": {"provider": "anthropic", "name": "claude-opus-4-7", "pinned_revision": revision}}}

with_shadow(agent, min_samples) := json.patch(agent, [{"op": "add", "path": "/spec/shadow", "value": {
	"candidate": {"provider": "anthropic", "name": "claude-opus-4-7", "pinned_revision": "2026-05-01"},
	"sample_rate": 0.1, "min_samples": min_samples,
}}])

model_input(old, new, evidence) := {
	"old": {"a": old},
	"new": {"a": new},
	"agent_files": {"a": "agents/a.yaml"},
	"files": [],
	"model_shadow_evidence": evidence,
}

model_denials(inp) := {d | some d in admission.deny with input as inp; startswith(d.field, "spec.model")}

evidence(samples, agreements) := {"a": {
	"candidate": "anthropic/claude-opus-4-7@2026-05-01", "samples": samples, "agreements": agreements,
	"agreement_rate": agreements / max([samples, 1]), "agreement_low": 0,
}}

test_revision_change_without_evidence_is_denied if {
	got := model_denials(model_input(pinned("2026-02-14"), pinned("2026-05-01"), {}))
	count(got) == 1
	some d in got
	d.file == "agents/a.yaml"
	d.field == "spec.model.pinned_revision"
	contains(d.msg, "agent a: pinned_revision changes from 2026-02-14 to 2026-05-01 without enough shadow evidence")
	contains(d.msg, "at least 100 compared shadow samples agreeing at least 95% of the time; it has 0 samples")
}

test_a_shadow_plan_alone_is_not_evidence if {
	count(model_denials(model_input(with_shadow(pinned("2026-02-14"), 10), pinned("2026-05-01"), {}))) == 1
}

test_too_few_samples_is_denied if {
	count(model_denials(model_input(pinned("2026-02-14"), pinned("2026-05-01"), evidence(99, 99)))) == 1
}

test_low_agreement_is_denied if {
	got := model_denials(model_input(pinned("2026-02-14"), pinned("2026-05-01"), evidence(200, 188)))
	count(got) == 1
	some d in got
	contains(d.msg, "it has 200 samples agreeing 94%")
}

test_enough_evidence_is_admitted if {
	count(model_denials(model_input(pinned("2026-02-14"), pinned("2026-05-01"), evidence(100, 96)))) == 0
}

test_the_agents_min_samples_raises_the_floor if {
	old := with_shadow(pinned("2026-02-14"), 500)
	got := model_denials(model_input(old, pinned("2026-05-01"), evidence(300, 300)))
	count(got) == 1
	some d in got
	contains(d.msg, "at least 500 compared shadow samples")
	count(model_denials(model_input(old, pinned("2026-05-01"), evidence(500, 490)))) == 0
}

test_thresholds_come_from_policy_data if {
	inp := model_input(pinned("2026-02-14"), pinned("2026-05-01"), evidence(20, 18))
	count(model_denials(inp)) == 1
	count({d |
		some d in admission.deny with input as inp with data.warden.model_pinning as {"min_samples": 20, "min_agreement": 0.9}
		startswith(d.field, "spec.model")
	}) == 0
}

test_a_changed_model_name_needs_evidence_too if {
	new := json.patch(pinned("2026-02-14"), [{"op": "replace", "path": "/spec/model/name", "value": "claude-sonnet-4-6"}])
	got := model_denials(model_input(pinned("2026-02-14"), new, {}))
	count(got) == 1
	some d in got
	d.field == "spec.model.name"
}

test_unchanged_model_is_admitted if {
	count(model_denials(model_input(pinned("2026-02-14"), pinned("2026-02-14"), {}))) == 0
}

test_a_new_agent_needs_no_evidence if {
	inp := {"old": {}, "new": {"a": pinned("2026-05-01")}, "agent_files": {"a": "agents/a.yaml"}, "files": []}
	count(model_denials(inp)) == 0
}
