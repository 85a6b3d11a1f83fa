package io.warden.core.trace;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A span's cost split into tokens, actions (tool calls) and compute, as every store rolls it up.
 * Ingest records the split in the span's attributes; a span without it (a cost reported by the
 * agent, a span written by other code) counts whole as the kind its operation is.
 */
public record SpanCost(BigDecimal tokensUsd, BigDecimal actionsUsd, BigDecimal computeUsd) {
  public static final String TOKENS_USD_ATTRIBUTE = "warden.cost.tokens_usd";
  public static final String ACTIONS_USD_ATTRIBUTE = "warden.cost.actions_usd";
  public static final String COMPUTE_USD_ATTRIBUTE = "warden.cost.compute_usd";

  public SpanCost {
    Objects.requireNonNull(tokensUsd, "tokensUsd");
    Objects.requireNonNull(actionsUsd, "actionsUsd");
    Objects.requireNonNull(computeUsd, "computeUsd");
  }

  /** The split of {@code span}: its three attributes when all are numbers, else by operation. */
  public static SpanCost of(SpanRecord span) {
    BigDecimal tokens = decimal(span.attributes().get(TOKENS_USD_ATTRIBUTE));
    BigDecimal actions = decimal(span.attributes().get(ACTIONS_USD_ATTRIBUTE));
    BigDecimal compute = decimal(span.attributes().get(COMPUTE_USD_ATTRIBUTE));
    if (tokens != null && actions != null && compute != null) {
      return new SpanCost(tokens, actions, compute);
    }
    BigDecimal zero = BigDecimal.ZERO;
    return switch (span.operation()) {
      case "execute_tool" -> new SpanCost(zero, span.costUsd(), zero);
      case "invoke_agent", "create_agent" -> new SpanCost(zero, zero, span.costUsd());
      default -> new SpanCost(span.costUsd(), zero, zero);
    };
  }

  private static BigDecimal decimal(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return new BigDecimal(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
