# A changed pinned_revision needs shadow evidence: the new revision must have run beside the
# current one before it takes over. Until the model gateway reports shadow results, the evidence
# asked for is a spec.shadow block in the changed descriptor (the shadow plan that will collect it).
package warden.admission

deny contains {"msg": msg, "file": input.agent_files[name], "field": "spec.model.pinned_revision"} if {
	some name, new_agent in input.new
	old_revision := input.old[name].spec.model.pinned_revision
	new_revision := object.get(new_agent, ["spec", "model", "pinned_revision"], null)
	new_revision != old_revision
	not has_shadow_plan(new_agent)
	msg := sprintf(
		"agent %s: pinned_revision changes from %v to %v without shadow evidence; add a spec.shadow block that runs the new revision beside the current one",
		[name, old_revision, new_revision],
	)
}

has_shadow_plan(agent) if is_object(agent.spec.shadow)
