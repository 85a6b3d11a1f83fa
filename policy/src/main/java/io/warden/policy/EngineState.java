package io.warden.policy;

/**
 * The policy engine's health, in OPA's plugin-status vocabulary so the status page reads the same
 * for both.
 */
public enum EngineState {
  /** Starting, or OPA is up but main's policies have not been pushed yet. */
  NOT_READY,
  /** OPA answers and enforces main's policies. */
  OK,
  /** OPA answers, but the latest main could not be applied; an older revision is enforced. */
  WARN,
  /** OPA is unreachable (or the breaker is open): every runtime decision is a deny. */
  ERROR
}
