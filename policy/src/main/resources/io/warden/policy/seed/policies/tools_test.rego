package warden.admission_test

import data.warden.admission

with_tools(tools) := {"spec": {"tools": tools}}

test_allowed_tools_are_admitted if {
	got := admission.deny with input as {
		"old": {},
		"new": {"a": with_tools(["mcp://gateway/ledger-read"])},
		"agent_files": {"a": "agents/a.yaml"},
		"tools_allowed": ["mcp://gateway/ledger-read", "mcp://gateway/email-draft"],
		"files": [],
	}
	count(got) == 0
}

test_tool_off_the_allow_list_is_denied_at_its_index if {
	got := admission.deny with input as {
		"old": {},
		"new": {"a": with_tools(["mcp://gateway/ledger-read", "mcp://gateway/shell"])},
		"agent_files": {"a": "agents/a.yaml"},
		"tools_allowed": ["mcp://gateway/ledger-read"],
		"files": [],
	}
	got == {{
		"msg": "agent a: tool mcp://gateway/shell is not on the allow-list; add it to tools/allowed.yaml on main in its own change first",
		"file": "agents/a.yaml",
		"field": "spec.tools[1]",
	}}
}

test_empty_allow_list_denies_every_tool if {
	got := admission.deny with input as {
		"old": {},
		"new": {"a": with_tools(["mcp://gateway/ledger-read"])},
		"agent_files": {"a": "agents/a.yaml"},
		"tools_allowed": [],
		"files": [],
	}
	count(got) == 1
}
