# An agent leaves shadow mode (spec.autonomy from shadow to supervised or autonomous) only with
# evidence that it does the job as the humans do: at least min_pairs of its captured actions paired
# with human actions, agreeing at least min_agreement of the time. The evidence comes in
# input.shadow_evidence[agent] = {"pairs", "agreements", "agreement_rate"} (Warden's shadow ledger,
# GET /api/v1/agents/{name}/shadow). The thresholds are policy data: data.warden.autonomy overrides
# the defaults below (min_pairs, min_agreement).
package warden.admission

default_autonomy_thresholds := {"min_pairs": 50, "min_agreement": 0.95}

default autonomy_overrides := {}

autonomy_overrides := data.warden.autonomy if is_object(data.warden.autonomy)

autonomy_thresholds := object.union(default_autonomy_thresholds, autonomy_overrides)

autonomy_of(agent) := object.get(agent, ["spec", "autonomy"], "autonomous")

deny contains {"msg": msg, "file": input.agent_files[name], "field": "spec.autonomy"} if {
	some name, before in input.old
	autonomy_of(before) == "shadow"
	after := input.new[name]
	autonomy_of(after) != "shadow"
	evidence := object.get(input, ["shadow_evidence", name], {"pairs": 0, "agreement_rate": 0})
	not shadow_evidence_enough(evidence)
	msg := sprintf(
		"agent %s: spec.autonomy may move from shadow to %s only with shadow evidence of at least %v paired actions agreeing at least %v%% of the time; it has %v pairs agreeing %v%% (see GET /api/v1/agents/%s/shadow)",
		[
			name, autonomy_of(after), autonomy_thresholds.min_pairs, autonomy_thresholds.min_agreement * 100,
			evidence.pairs, round(evidence.agreement_rate * 1000) / 10, name,
		],
	)
}

shadow_evidence_enough(evidence) if {
	evidence.pairs >= autonomy_thresholds.min_pairs
	evidence.agreement_rate >= autonomy_thresholds.min_agreement
}
