package io.warden.tracestore.internal.ingest;

import io.warden.tracestore.IngestRejections;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Which agent a span or log record belongs to, and whether the caller may send it.
 *
 * <p>The claim, first found wins: the item's {@code warden.agent} attribute, else its
 * {@code gen_ai.agent.name} when that names an agent of the inventory (frameworks use it for their
 * own labels); for a span, else the nearest ancestor's claim in the same request; else the
 * resource's {@code warden.agent}, {@code gen_ai.agent.name} or {@code service.name}, each only
 * when it names an inventory agent (but {@code warden.agent}, which always claims).
 *
 * <p>The rules: an agent credential or scoped token sends only its own telemetry (a claim of another
 * agent is refused) and must be in the inventory; a collector's ingest token must name, for every
 * item, an agent of the inventory.
 *
 * <p>Internal: not public API. Thread-safe.
 */
final class AgentAttribution {
  static final String WARDEN_AGENT = "warden.agent";
  static final String GEN_AI_AGENT_NAME = "gen_ai.agent.name";

  /** What is attributed: spans and log records word two of the refusals differently. */
  enum Item { SPAN, LOG_RECORD }

  /** An agent named by the telemetry, and where ("span attribute", "parent span", ...). */
  record Claim(String agent, String source) {
    Claim {
      Objects.requireNonNull(agent, "agent");
      Objects.requireNonNull(source, "source");
    }
  }

  /** The agent to attribute to, or why the item is refused (exactly one is non-null). */
  record Decision(String agent, String refusal, IngestRejections.Reason reason) {
    static Decision attribute(String agent) {
      return new Decision(agent, null, null);
    }

    static Decision refuse(IngestRejections.Reason reason, String refusal) {
      return new Decision(null, refusal, reason);
    }

    boolean accepted() {
      return agent != null;
    }
  }

  private final Predicate<String> knownAgent;

  AgentAttribution(Predicate<String> knownAgent) {
    this.knownAgent = Objects.requireNonNull(knownAgent, "knownAgent");
  }

  /** The agent an item's own attributes claim, or null. */
  String itemClaim(List<KeyValue> attributes) {
    String explicit = null;
    String genAi = null;
    for (KeyValue kv : attributes) {
      if (WARDEN_AGENT.equals(kv.getKey())) {
        explicit = kv.getValue().getStringValue().strip();
      } else if (GEN_AI_AGENT_NAME.equals(kv.getKey())) {
        genAi = kv.getValue().getStringValue().strip();
      }
    }
    if (explicit != null && !explicit.isEmpty()) {
      return explicit;
    }
    // gen_ai.agent.name is often a framework's label; it claims an identity only when it names a
    // Warden agent.
    return genAi != null && !genAi.isEmpty() && knownAgent.test(genAi) ? genAi : null;
  }

  /** The agent a resource claims, or null. */
  String resourceClaim(Map<String, AnyValue> resource, String service) {
    String explicit = SpanMapper.str(resource, WARDEN_AGENT);
    if (!explicit.isEmpty()) {
      return explicit;
    }
    String genAi = SpanMapper.str(resource, GEN_AI_AGENT_NAME);
    if (!genAi.isEmpty() && knownAgent.test(genAi)) {
      return genAi;
    }
    return !service.isEmpty() && knownAgent.test(service) ? service : null;
  }

  /**
   * The decision for one item sent by {@code caller}; {@code claim} may be null (nothing named). A
   * refusal names the item by its span and trace ids.
   */
  Decision decide(Caller caller, Claim claim, Item item, String traceId, String spanId) {
    if (caller.isAgent()) {
      if (knownAgent.test(caller.agent()) && (claim == null || claim.agent().equals(caller.agent()))) {
        return Decision.attribute(caller.agent()); // the common case: no message to build
      }
    } else if (claim != null && knownAgent.test(claim.agent())) {
      return Decision.attribute(claim.agent());
    }
    String where = (item == Item.SPAN ? "span " : "log record for span ") + spanId + " in trace " + traceId;
    if (caller.isAgent()) {
      if (!knownAgent.test(caller.agent())) {
        return Decision.refuse(IngestRejections.Reason.AGENT_NOT_IN_INVENTORY, where + ": agent '" + caller.agent() + "' is not in the inventory");
      }
      if (claim != null && !claim.agent().equals(caller.agent())) {
        return Decision.refuse(IngestRejections.Reason.OTHER_AGENT_CLAIMED, item == Item.SPAN
            ? where + ": claims agent '" + claim.agent() + "' (" + claim.source() + ") but the credential belongs to '"
                + caller.agent() + "'; an agent may only send its own spans"
            : where + ": claims agent '" + claim.agent() + "' but the credential belongs to '" + caller.agent()
                + "'; an agent may only send its own telemetry");
      }
      return Decision.attribute(caller.agent());
    }
    if (claim == null) {
      return Decision.refuse(IngestRejections.Reason.NO_AGENT, item == Item.SPAN
          ? where + ": names no agent; set the warden.agent span or resource attribute "
              + "(an ingest token must say which agent each span belongs to)"
          : where + ": names no agent; set the warden.agent attribute");
    }
    if (!knownAgent.test(claim.agent())) {
      return Decision.refuse(IngestRejections.Reason.UNKNOWN_AGENT, item == Item.SPAN
          ? where + ": names unknown agent '" + claim.agent() + "' (" + claim.source() + "); it is not in the inventory"
          : where + ": names unknown agent '" + claim.agent() + "'");
    }
    return Decision.attribute(claim.agent());
  }
}
