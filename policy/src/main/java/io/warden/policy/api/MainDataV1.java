package io.warden.policy.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.SortedMap;

/**
 * The document pushed to {@code data.warden.main} when main moves: what policies may consult.
 * The path {@code warden.main} is reserved for it; a policy package there is refused.
 *
 * @param revision the main commit the document (and the policies pushed with it) come from
 * @param agents every valid descriptor on main, by agent name, as JSON (snake_case fields)
 * @param tools the tool allow-list from {@code tools/allowed.yaml}
 * @param pricing {@code pricing.yaml} as JSON, or null when main has none
 */
public record MainDataV1(
    @JsonProperty("revision") String revision,
    @JsonProperty("agents") SortedMap<String, JsonNode> agents,
    @JsonProperty("tools") ToolsV1 tools,
    @JsonProperty("pricing") JsonNode pricing) {

  /** @param allowed tool ids agents may declare */
  public record ToolsV1(@JsonProperty("allowed") List<String> allowed) {}
}
