package io.warden.core.shadow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.WardenException;
import io.warden.core.shadow.ShadowAction.Source;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Shadow-mode actions kept in the {@link StateStore} (table {@value #TABLE}) and their pairing.
 *
 * <p>Pairing rule: an agent action and a human action pair when they are for the same agent and
 * carry the same correlation key (the agent passes it as {@code correlation_key} in the MCP
 * request's {@code _meta}; the human in the API body). When a key has several actions on a side,
 * the latest one counts (a human who corrected themselves). A pair agrees when the tool is the same
 * and the arguments are the same JSON, numbers within the tolerance (absolute; {@value
 * #DEFAULT_TOLERANCE} by default, a cent in USD amounts). Agent actions without a key are counted
 * but never paired. Thread-safe.
 */
public final class ShadowLedger implements ShadowEvidence {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Numbers agree when they differ by at most this much: {@value}. */
  public static final String DEFAULT_TOLERANCE = "0.01";
  /** State store table: action id → action JSON. */
  public static final String TABLE = "shadow_actions";
  /** The prefix descriptors name gateway tools with; a human action may use either form. */
  private static final String GATEWAY_PREFIX = "mcp://gateway/";

  private final StateStore store;
  private final Clock clock;
  private final BigDecimal tolerance;

  private ShadowLedger(StateStore store, Clock clock, BigDecimal tolerance) {
    this.store = store;
    this.clock = clock;
    this.tolerance = tolerance;
  }

  /** A ledger with the {@link #DEFAULT_TOLERANCE}. */
  public static ShadowLedger create(StateStore store, Clock clock) {
    return create(store, clock, new BigDecimal(DEFAULT_TOLERANCE));
  }

  public static ShadowLedger create(StateStore store, Clock clock, BigDecimal tolerance) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(clock, "clock");
    if (tolerance.signum() < 0) {
      throw new IllegalArgumentException("tolerance must not be negative, got " + tolerance);
    }
    return new ShadowLedger(store, clock, tolerance);
  }

  /** Records a side-effecting call the agent made in shadow mode (not executed). */
  public ShadowAction capture(String agent, String tool, String argumentsJson, String correlationKey) {
    return record(agent, Source.AGENT, tool, argumentsJson, correlationKey);
  }

  /**
   * Records what a human did. {@code tool} may be the declared name or {@code mcp://gateway/<name>};
   * the arguments must be a JSON object and the correlation key non-blank (refused otherwise, naming
   * the field).
   */
  public ShadowAction recordHuman(String agent, String tool, String argumentsJson, String correlationKey) {
    if (tool == null || tool.isBlank()) {
      throw WardenException.invalid("tool: required, the tool the human used (pay-invoice or mcp://gateway/pay-invoice)");
    }
    if (correlationKey == null || correlationKey.isBlank()) {
      throw WardenException.invalid("correlation_key: required, the case both acted on (an invoice id); it pairs"
          + " the human's action with the agent's");
    }
    return record(agent, Source.HUMAN, tool, argumentsJson, correlationKey.strip());
  }

  private ShadowAction record(String agent, Source source, String tool, String argumentsJson, String key) {
    JsonNode args = parse(argumentsJson);
    if (!args.isObject()) {
      throw WardenException.invalid("arguments: must be a JSON object");
    }
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    String bare = tool.startsWith(GATEWAY_PREFIX) ? tool.substring(GATEWAY_PREFIX.length()) : tool;
    ShadowAction a = new ShadowAction("shd_" + HexFormat.of().formatHex(id), agent, source, bare, args.toString(),
        key == null ? "" : key, clock.instant());
    store.put(TABLE, a.id(), toJson(a));
    return a;
  }

  /** Every action for {@code agent}, oldest first. */
  public List<ShadowAction> actions(String agent) {
    List<ShadowAction> out = new ArrayList<>();
    for (String json : store.table(TABLE).values()) {
      ShadowAction a = fromJson(json);
      if (a.agent().equals(agent)) {
        out.add(a);
      }
    }
    out.sort(Comparator.comparing(ShadowAction::at).thenComparing(ShadowAction::id));
    return out;
  }

  @Override
  public ShadowReport report(String agent) {
    List<ShadowAction> all = actions(agent);
    Map<String, ShadowAction> agentByKey = new LinkedHashMap<>();
    Map<String, ShadowAction> humanByKey = new LinkedHashMap<>();
    int captured = 0;
    int human = 0;
    for (ShadowAction a : all) { // oldest first: the latest per key wins
      if (a.source() == Source.AGENT) {
        captured++;
        if (!a.correlationKey().isEmpty()) {
          agentByKey.put(a.correlationKey(), a);
        }
      } else {
        human++;
        humanByKey.put(a.correlationKey(), a);
      }
    }
    int pairs = 0;
    int agreements = 0;
    List<ShadowReport.Disagreement> disagreements = new ArrayList<>();
    for (String key : new TreeSet<>(agentByKey.keySet())) {
      ShadowAction h = humanByKey.get(key);
      if (h == null) {
        continue;
      }
      pairs++;
      ShadowAction a = agentByKey.get(key);
      List<String> differences = new ArrayList<>();
      if (!a.tool().equals(h.tool())) {
        differences.add("tool: agent " + a.tool() + ", human " + h.tool());
      }
      compare("", parse(a.argumentsJson()), parse(h.argumentsJson()), differences);
      if (differences.isEmpty()) {
        agreements++;
      } else {
        disagreements.add(new ShadowReport.Disagreement(key, a, h, differences));
      }
    }
    return new ShadowReport(agent, captured, human, pairs, agreements, disagreements);
  }

  private void compare(String at, JsonNode agent, JsonNode human, List<String> out) {
    if (agent.isNumber() && human.isNumber()) {
      if (agent.decimalValue().subtract(human.decimalValue()).abs().compareTo(tolerance) > 0) {
        out.add(where(at) + ": agent " + agent + ", human " + human);
      }
    } else if (agent.isObject() && human.isObject()) {
      TreeSet<String> names = new TreeSet<>();
      agent.fieldNames().forEachRemaining(names::add);
      human.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        String child = at + "/" + n.replace("~", "~0").replace("/", "~1");
        if (!agent.has(n)) {
          out.add(child + ": only the human set it (" + human.get(n) + ")");
        } else if (!human.has(n)) {
          out.add(child + ": only the agent set it (" + agent.get(n) + ")");
        } else {
          compare(child, agent.get(n), human.get(n), out);
        }
      }
    } else if (agent.isArray() && human.isArray() && agent.size() == human.size()) {
      Iterator<JsonNode> ai = agent.elements();
      Iterator<JsonNode> hi = human.elements();
      for (int i = 0; ai.hasNext(); i++) {
        compare(at + "/" + i, ai.next(), hi.next(), out);
      }
    } else if (!agent.equals(human)) {
      out.add(where(at) + ": agent " + agent + ", human " + human);
    }
  }

  private static String where(String pointer) {
    return pointer.isEmpty() ? "arguments" : pointer;
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw WardenException.invalid("arguments: not JSON: " + e.getOriginalMessage());
    }
  }

  private static String toJson(ShadowAction a) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", a.id());
    n.put("agent", a.agent());
    n.put("source", a.source().name());
    n.put("tool", a.tool());
    n.put("arguments", a.argumentsJson());
    n.put("correlationKey", a.correlationKey());
    n.put("at", a.at().toString());
    return n.toString();
  }

  private static ShadowAction fromJson(String json) {
    JsonNode n = parse(json);
    return new ShadowAction(n.path("id").asText(), n.path("agent").asText(), Source.valueOf(n.path("source").asText()),
        n.path("tool").asText(), n.path("arguments").asText(), n.path("correlationKey").asText(),
        Instant.parse(n.path("at").asText()));
  }
}
