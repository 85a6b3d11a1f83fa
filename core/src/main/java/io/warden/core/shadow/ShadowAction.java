package io.warden.core.shadow;

import java.time.Instant;
import java.util.Objects;

/**
 * One action in shadow mode: a side-effecting tool call an agent made (captured, not executed) or
 * the action a human took for the same case.
 *
 * @param id unique id ({@code shd_...})
 * @param agent the agent in shadow mode
 * @param source who acted
 * @param tool the tool's name as declared in {@code mcp/<server>.yaml} ({@code pay-invoice})
 * @param argumentsJson the arguments, a JSON object
 * @param correlationKey what pairs an agent action with a human one (an invoice id), or "" when the
 *     agent gave none (such a capture is kept but never paired)
 * @param at when it was recorded
 */
public record ShadowAction(
    String id, String agent, Source source, String tool, String argumentsJson, String correlationKey, Instant at) {
  public ShadowAction {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(argumentsJson, "argumentsJson");
    Objects.requireNonNull(correlationKey, "correlationKey");
    Objects.requireNonNull(at, "at");
  }

  /** Who acted. */
  public enum Source {
    AGENT,
    HUMAN;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
