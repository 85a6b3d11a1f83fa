package io.warden.executors.mcp;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One tool of an upstream MCP server, as declared in {@code mcp/<server>.yaml}. Agents name it as
 * {@code mcp://gateway/<name>}.
 *
 * @param name the tool's name, unique across servers (also its name upstream)
 * @param server the declaring server's name
 * @param sideEffects whether calling it changes something outside (payments, email); true unless
 *     declared otherwise
 * @param costUsd what one call costs, charged to the caller's budget
 * @param valuePointer a JSON pointer into the arguments giving the action value in USD, or ""
 */
public record McpTool(String name, String server, boolean sideEffects, BigDecimal costUsd, String valuePointer) {
  /** The prefix of tool references in descriptors and scoped tokens. */
  public static final String REFERENCE_PREFIX = "mcp://gateway/";

  public McpTool {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(costUsd, "costUsd");
    Objects.requireNonNull(valuePointer, "valuePointer");
  }

  /** {@code mcp://gateway/<name>}, as descriptors, tokens and policy name the tool. */
  public String reference() {
    return REFERENCE_PREFIX + name;
  }
}
