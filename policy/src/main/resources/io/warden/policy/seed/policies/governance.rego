# Changes to the rules themselves (policies/ and the tool allow-list in tools/) need an approver
# from the platform team. With admission judged by main's policies, this is the review that keeps
# the rules from being weakened quietly.
package warden.admission

governed_prefixes := ["policies/", "tools/"]

required_approvals contains {
	"role": "approver",
	"team": "platform",
	"count": 1,
	"reason": sprintf("governance files changed: %s", [concat(", ", sort(paths))]),
} if {
	paths := {f.path | some f in input.files; some prefix in governed_prefixes; startswith(f.path, prefix)}
	count(paths) > 0
}
