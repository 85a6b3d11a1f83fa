package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Marks the stable prefix of an Anthropic Messages request for the provider's prompt cache: a
 * {@code cache_control: {"type": "ephemeral"}} breakpoint on the last tool definition and on the
 * last system block (a string system prompt becomes one text block), so later calls with the same
 * tools and system prompt read them from the cache (billed at the cache-read price) instead of
 * paying full input price. Requests that already carry a {@code cache_control} anywhere are left
 * as they are (the caller manages its own breakpoints), as are prefixes under
 * {@value #MIN_PREFIX_CHARS} characters (about 1,024 tokens, the smallest prefix Anthropic caches:
 * a breakpoint there would only add cache-write cost).
 *
 * <p>OpenAI caches prefixes by itself; the gateway keeps them byte-stable by forwarding the
 * caller's JSON in its own key order with only {@code model} (and {@code stream_options} at the end)
 * changed.
 *
 * <p>Internal: not public API.
 */
public final class PromptCacheMarks {
  /** Smallest system + tools prefix marked, in characters: {@value}. */
  public static final int MIN_PREFIX_CHARS = 4096;

  private PromptCacheMarks() {}

  /** Adds the breakpoints to {@code body} in place; returns how many were added (0, 1 or 2). */
  static int mark(ObjectNode body) {
    if (body.toString().contains("\"cache_control\"")) {
      return 0;
    }
    JsonNode tools = body.path("tools");
    JsonNode system = body.path("system");
    long prefix = (tools.isArray() ? tools.toString().length() : 0) + (system.isMissingNode() ? 0
        : system.isTextual() ? system.asText().length() : system.toString().length());
    if (prefix < MIN_PREFIX_CHARS) {
      return 0;
    }
    int added = 0;
    if (tools.isArray() && !tools.isEmpty() && tools.get(tools.size() - 1) instanceof ObjectNode last) {
      last.putObject("cache_control").put("type", "ephemeral");
      added++;
    }
    if (system.isTextual() && !system.asText().isEmpty()) {
      ArrayNode blocks = body.arrayNode();
      blocks.addObject().put("type", "text").put("text", system.asText())
          .putObject("cache_control").put("type", "ephemeral");
      body.set("system", blocks);
      added++;
    } else if (system.isArray() && !system.isEmpty() && system.get(system.size() - 1) instanceof ObjectNode last) {
      last.putObject("cache_control").put("type", "ephemeral");
      added++;
    }
    return added;
  }
}
