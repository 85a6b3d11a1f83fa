package warden.admission_test

import data.warden.admission

agent_with(tools, approval) := {"spec": {"tools": tools, "approval": approval}}

payment_input(agent) := {
	"old": {},
	"new": {"a": agent},
	"agent_files": {"a": "agents/a.yaml"},
	"tools_allowed": ["mcp://gateway/payment-execute", "mcp://gateway/bank-transfer", "mcp://gateway/sap-invoice-read"],
	"files": [],
}

test_payment_tool_without_threshold_is_denied if {
	got := admission.deny with input as payment_input(agent_with(["mcp://gateway/payment-execute"], {}))
	count(got) == 1
	some d in got
	d.field == "spec.approval.on_action_value_usd_gt"
	contains(d.msg, "tool mcp://gateway/payment-execute moves money")
}

test_payment_tool_with_threshold_is_admitted if {
	got := admission.deny with input as payment_input(agent_with(["mcp://gateway/bank-transfer"], {"on_action_value_usd_gt": 1000}))
	count(got) == 0
}

test_read_only_tool_needs_no_threshold if {
	got := admission.deny with input as payment_input(agent_with(["mcp://gateway/sap-invoice-read"], {}))
	count(got) == 0
}

test_payment_words_match_whole_words_only if {
	admission.payment_like("mcp://gateway/bank-transfer")
	admission.payment_like("mcp://gateway/Refund_Order")
	not admission.payment_like("mcp://gateway/paypal-typo-reader")
	not admission.payment_like("mcp://payment/ledger-read")
}
