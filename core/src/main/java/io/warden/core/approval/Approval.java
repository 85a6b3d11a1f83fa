package io.warden.core.approval;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One held action and what became of it. Immutable; {@link ApprovalService} replaces it as it moves
 * on. Stored as JSON in the state store's {@value ApprovalService#TABLE} table.
 *
 * @param id random id, also the idempotency key of the action's execution
 * @param agent the calling agent
 * @param tool the tool ({@code mcp://gateway/<tool>})
 * @param argumentsJson the arguments, a JSON object
 * @param actionValueUsd the action value, or null when it could not be read
 * @param logicalTraceId the logical trace of the call
 * @param intent the original intent, or ""
 * @param reasons why policy held the call
 * @param requiredTeam the team an approver must be in, or ""
 * @param createdAt when the call was held
 * @param expiresAt when it expires unless decided
 * @param status pending, approved, denied or expired
 * @param decidedBy the deciding user's subject ({@code user:alice}), "system" for an expiry, or ""
 * @param reason the decider's reason, or ""
 * @param decidedAt when it was decided, or null
 * @param execution whether the approved action was started and finished
 * @param resultJson the action's result (JSON), kept for a client that comes back, or ""
 * @param error why the execution failed, or ""
 * @param correlationKey the case the call is for (an invoice id) as the agent named it, or "": a
 *     human's decision on it is paired with the agent's proposal under this key (the approval id when "")
 */
public record Approval(
    String id,
    String agent,
    String tool,
    String argumentsJson,
    @Nullable BigDecimal actionValueUsd,
    String logicalTraceId,
    String intent,
    List<String> reasons,
    String requiredTeam,
    Instant createdAt,
    Instant expiresAt,
    Status status,
    String decidedBy,
    String reason,
    @Nullable Instant decidedAt,
    Execution execution,
    String resultJson,
    String error,
    String correlationKey) {

  public Approval {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(argumentsJson, "argumentsJson");
    Objects.requireNonNull(logicalTraceId, "logicalTraceId");
    intent = intent == null ? "" : intent;
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
    requiredTeam = requiredTeam == null ? "" : requiredTeam;
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(status, "status");
    decidedBy = decidedBy == null ? "" : decidedBy;
    reason = reason == null ? "" : reason;
    execution = execution == null ? Execution.NOT_STARTED : execution;
    resultJson = resultJson == null ? "" : resultJson;
    error = error == null ? "" : error;
    correlationKey = correlationKey == null ? "" : correlationKey;
  }

  /** Where an approval stands. Every state but {@link #PENDING} is final. */
  public enum Status {
    PENDING, APPROVED, DENIED, EXPIRED;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; the error lists the valid ones. */
    public static Status parse(String value) {
      for (Status s : values()) {
        if (s.wireName().equals(value)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown approval status '" + value
          + "': expected one of pending, approved, denied, expired");
    }
  }

  /**
   * The approved action's execution, recorded before and after it runs so that a restart never
   * runs it twice: {@link #STARTED} without {@link #DONE} after a crash means the outcome is
   * unknown, and the action is not retried.
   */
  public enum Execution {
    NOT_STARTED, STARTED, DONE, FAILED;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public boolean isPending() {
    return status == Status.PENDING;
  }

  Approval decide(Status to, String by, String why, Instant at) {
    return new Approval(id, agent, tool, argumentsJson, actionValueUsd, logicalTraceId, intent, reasons, requiredTeam,
        createdAt, expiresAt, to, by, why, at, execution, resultJson, error, correlationKey);
  }

  Approval withExecution(Execution to, String result, String failure) {
    return new Approval(id, agent, tool, argumentsJson, actionValueUsd, logicalTraceId, intent, reasons, requiredTeam,
        createdAt, expiresAt, status, decidedBy, reason, decidedAt, to, result, failure, correlationKey);
  }
}
