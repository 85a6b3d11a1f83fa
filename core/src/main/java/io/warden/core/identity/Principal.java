package io.warden.core.identity;

/** Who is making a call: a person or an agent. An agent can never act as a user or another agent. */
public sealed interface Principal permits UserPrincipal, AgentPrincipal {
  /** User name or agent name; unique within its kind. */
  String name();

  /** {@code user:alice} or {@code agent:reconciliation-finance}, as written in the audit log. */
  String subject();
}
