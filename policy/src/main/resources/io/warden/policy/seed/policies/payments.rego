# An agent with a payment-like tool must set spec.approval.on_action_value_usd_gt, so a human
# approves every action worth more than that. A tool is payment-like when a word of the last
# segment of its name (split on anything but letters and digits) is one of payment_words.
package warden.admission

payment_words := {"pay", "payment", "payments", "payout", "transfer", "refund", "wire", "remit", "disburse", "charge"}

payment_like(tool) if {
	some word in regex.split("[^a-z0-9]+", lower(regex.replace(tool, "^.*/", "")))
	word in payment_words
}

deny contains {"msg": msg, "file": input.agent_files[name], "field": "spec.approval.on_action_value_usd_gt"} if {
	some name, agent in input.new
	some tool in object.get(agent, ["spec", "tools"], [])
	payment_like(tool)
	not is_number(object.get(agent, ["spec", "approval", "on_action_value_usd_gt"], null))
	msg := sprintf(
		"agent %s: tool %s moves money, so spec.approval.on_action_value_usd_gt must be set (the action value above which a human approves)",
		[name, tool],
	)
}
