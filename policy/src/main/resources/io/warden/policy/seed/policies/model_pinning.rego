# A change of an agent's model (spec.model: provider, name or pinned_revision) merges only with shadow
# evidence that the new model answers as the current one does: the model gateway mirrors a sample of
# the agent's calls to spec.shadow.candidate and compares the answers (GET /api/v1/agents/{name}/shadow).
# The evidence for the proposed model comes in input.model_shadow_evidence[agent] =
# {"candidate", "samples", "agreements", "agreement_rate", "agreement_low"}. It must have at least
# min_samples compared samples (the larger of policy data and the agent's spec.shadow.min_samples on
# main) agreeing at least min_agreement of the time. The thresholds are policy data:
# data.warden.model_pinning overrides the defaults below (min_samples, min_agreement).
package warden.admission

default_model_pinning_thresholds := {"min_samples": 100, "min_agreement": 0.95}

default model_pinning_overrides := {}

model_pinning_overrides := data.warden.model_pinning if is_object(data.warden.model_pinning)

model_pinning_thresholds := object.union(default_model_pinning_thresholds, model_pinning_overrides)

model_fields := ["provider", "name", "pinned_revision"]

deny contains {"msg": msg, "file": input.agent_files[name], "field": sprintf("spec.model.%s", [field])} if {
	some name, new_agent in input.new
	old_model := input.old[name].spec.model
	is_object(old_model)
	new_model := object.get(new_agent, ["spec", "model"], {})
	changed := [f | some f in model_fields; object.get(old_model, f, null) != object.get(new_model, f, null)]
	count(changed) > 0
	field := changed[0]
	required := required_model_samples(input.old[name])
	evidence := object.get(input, ["model_shadow_evidence", name], {"samples": 0, "agreement_rate": 0})
	not model_evidence_enough(evidence, required)
	msg := sprintf(
		"agent %s: %s changes from %v to %v without enough shadow evidence: the new model needs at least %v compared shadow samples agreeing at least %v%% of the time; it has %v samples agreeing %v%% (run it as spec.shadow.candidate first; see GET /api/v1/agents/%s/shadow)",
		[
			name, field, object.get(old_model, field, null), object.get(new_model, field, null), required,
			model_pinning_thresholds.min_agreement * 100, evidence.samples,
			round(evidence.agreement_rate * 1000) / 10, name,
		],
	)
}

# The larger of the policy's floor and what the agent's own shadow plan on main asked for.
required_model_samples(old_agent) := max([
	model_pinning_thresholds.min_samples,
	object.get(old_agent, ["spec", "shadow", "min_samples"], 0),
])

model_evidence_enough(evidence, required) if {
	evidence.samples >= required
	evidence.agreement_rate >= model_pinning_thresholds.min_agreement
}
