package warden.admission_test

import data.warden.admission

autonomy_input(before, after, evidence) := {
	"old": {"a": {"spec": before}},
	"new": {"a": {"spec": after}},
	"agent_files": {"a": "agents/a.yaml"},
	"tools_allowed": [],
	"files": [],
	"shadow_evidence": evidence,
}

autonomy_denials(inp) := {d | some d in admission.deny with input as inp; d.field == "spec.autonomy"}

test_leaving_shadow_without_evidence_is_denied if {
	got := autonomy_denials(autonomy_input({"autonomy": "shadow"}, {"autonomy": "autonomous"}, {}))
	count(got) == 1
	some d in got
	d.file == "agents/a.yaml"
	contains(d.msg, "agent a: spec.autonomy may move from shadow to autonomous only with shadow evidence of at least 50")
	contains(d.msg, "it has 0 pairs")
}

test_leaving_shadow_by_dropping_the_field_is_denied if {
	count(autonomy_denials(autonomy_input({"autonomy": "shadow"}, {}, {}))) == 1
}

test_too_few_pairs_is_denied if {
	ev := {"a": {"pairs": 49, "agreements": 49, "agreement_rate": 1}}
	count(autonomy_denials(autonomy_input({"autonomy": "shadow"}, {"autonomy": "supervised"}, ev))) == 1
}

test_low_agreement_is_denied if {
	ev := {"a": {"pairs": 100, "agreements": 94, "agreement_rate": 0.94}}
	got := autonomy_denials(autonomy_input({"autonomy": "shadow"}, {"autonomy": "supervised"}, ev))
	count(got) == 1
	some d in got
	contains(d.msg, "it has 100 pairs agreeing 94%")
}

test_enough_evidence_is_admitted if {
	ev := {"a": {"pairs": 50, "agreements": 48, "agreement_rate": 0.96}}
	count(autonomy_denials(autonomy_input({"autonomy": "shadow"}, {"autonomy": "autonomous"}, ev))) == 0
}

test_thresholds_come_from_policy_data if {
	ev := {"a": {"pairs": 10, "agreements": 9, "agreement_rate": 0.9}}
	inp := autonomy_input({"autonomy": "shadow"}, {"autonomy": "supervised"}, ev)
	count(autonomy_denials(inp)) == 1
	count({d |
		some d in admission.deny with input as inp with data.warden.autonomy as {"min_pairs": 10, "min_agreement": 0.9}
		d.field == "spec.autonomy"
	}) == 0
}

test_other_autonomy_changes_need_no_evidence if {
	count(autonomy_denials(autonomy_input({}, {"autonomy": "shadow"}, {}))) == 0
	count(autonomy_denials(autonomy_input({"autonomy": "supervised"}, {"autonomy": "autonomous"}, {}))) == 0
	count(autonomy_denials(autonomy_input({"autonomy": "shadow"}, {"autonomy": "shadow"}, {}))) == 0
}

test_a_new_agent_may_start_autonomous if {
	inp := {"old": {}, "new": {"a": {"spec": {"autonomy": "autonomous"}}}, "agent_files": {"a": "agents/a.yaml"}, "files": []}
	count({d | some d in admission.deny with input as inp; d.field == "spec.autonomy"}) == 0
}
