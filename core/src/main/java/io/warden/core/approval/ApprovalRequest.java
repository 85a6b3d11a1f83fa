package io.warden.core.approval;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the execution plane asks a human to approve.
 *
 * @param agent the calling agent
 * @param tool the tool, as named in descriptors ({@code mcp://gateway/pay-invoice})
 * @param argumentsJson the call's arguments, a JSON object
 * @param actionValueUsd the action value read from the arguments, or null when it could not be read
 * @param logicalTraceId the logical trace the call belongs to
 * @param intent the original intent, or ""
 * @param reasons why policy holds the call
 * @param requiredTeam the team an approver must belong to, or "" for any approver
 * @param correlationKey the case the call is for (an invoice id), or ""
 */
public record ApprovalRequest(
    String agent, String tool, String argumentsJson, @Nullable BigDecimal actionValueUsd, String logicalTraceId,
    String intent, List<String> reasons, String requiredTeam, String correlationKey) {
  public ApprovalRequest {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(argumentsJson, "argumentsJson");
    Objects.requireNonNull(logicalTraceId, "logicalTraceId");
    Objects.requireNonNull(intent, "intent");
    reasons = List.copyOf(reasons);
    Objects.requireNonNull(requiredTeam, "requiredTeam");
    Objects.requireNonNull(correlationKey, "correlationKey");
  }

  /** A request without a correlation key. */
  public ApprovalRequest(String agent, String tool, String argumentsJson, @Nullable BigDecimal actionValueUsd,
      String logicalTraceId, String intent, List<String> reasons, String requiredTeam) {
    this(agent, tool, argumentsJson, actionValueUsd, logicalTraceId, intent, reasons, requiredTeam, "");
  }
}
