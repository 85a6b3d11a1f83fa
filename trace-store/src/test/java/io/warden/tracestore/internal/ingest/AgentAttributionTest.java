package io.warden.tracestore.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.warden.tracestore.internal.ingest.AgentAttribution.Claim;
import io.warden.tracestore.internal.ingest.AgentAttribution.Decision;
import io.warden.tracestore.internal.ingest.AgentAttribution.Item;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The attribution rules, one row per case: who sends, what the telemetry claims, what follows. */
class AgentAttributionTest {
  private static final String T = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String S = "00f067aa0ba902b7";
  private final AgentAttribution rules = new AgentAttribution(Set.of("planner", "researcher")::contains);

  static Stream<Arguments> decisions() {
    Caller planner = Caller.agent("planner", List.of());
    Caller ghost = Caller.agent("ghost", List.of());
    Caller collector = Caller.collector("otel-collector");
    Claim researcher = new Claim("researcher", "span attribute");
    return Stream.of(
        // caller, claim, item, agent, or the refusal's text
        Arguments.of(planner, null, Item.SPAN, "planner", null),
        Arguments.of(planner, new Claim("planner", "parent span"), Item.SPAN, "planner", null),
        Arguments.of(planner, researcher, Item.SPAN, null, "span " + S + " in trace " + T
            + ": claims agent 'researcher' (span attribute) but the credential belongs to 'planner'; "
            + "an agent may only send its own spans"),
        Arguments.of(planner, researcher, Item.LOG_RECORD, null, "log record for span " + S + " in trace " + T
            + ": claims agent 'researcher' but the credential belongs to 'planner'; "
            + "an agent may only send its own telemetry"),
        Arguments.of(ghost, null, Item.SPAN, null, "span " + S + " in trace " + T
            + ": agent 'ghost' is not in the inventory"),
        Arguments.of(collector, researcher, Item.SPAN, "researcher", null),
        Arguments.of(collector, new Claim("researcher", "attribute"), Item.LOG_RECORD, "researcher", null),
        Arguments.of(collector, null, Item.SPAN, null, "span " + S + " in trace " + T
            + ": names no agent; set the warden.agent span or resource attribute "
            + "(an ingest token must say which agent each span belongs to)"),
        Arguments.of(collector, null, Item.LOG_RECORD, null, "log record for span " + S + " in trace " + T
            + ": names no agent; set the warden.agent attribute"),
        Arguments.of(collector, new Claim("ghost", "resource attribute"), Item.SPAN, null, "span " + S
            + " in trace " + T + ": names unknown agent 'ghost' (resource attribute); it is not in the inventory"),
        Arguments.of(collector, new Claim("ghost", "attribute"), Item.LOG_RECORD, null, "log record for span " + S
            + " in trace " + T + ": names unknown agent 'ghost'"));
  }

  @ParameterizedTest
  @MethodSource("decisions")
  void decide(Caller caller, Claim claim, Item item, String agent, String refusal) {
    Decision d = rules.decide(caller, claim, item, T, S);
    assertThat(d.agent()).isEqualTo(agent);
    assertThat(d.refusal()).isEqualTo(refusal);
    assertThat(d.reason() == null).isEqualTo(refusal == null);
    assertThat(d.accepted()).isEqualTo(agent != null);
  }

  static Stream<Arguments> itemClaims() {
    return Stream.of(
        // attributes (key, value, ...), claim
        Arguments.of(List.of(), null),
        Arguments.of(List.of("warden.agent", " researcher "), "researcher"),
        Arguments.of(List.of("warden.agent", "ghost"), "ghost"), // explicit: claims even when unknown
        Arguments.of(List.of("gen_ai.agent.name", "researcher"), "researcher"),
        Arguments.of(List.of("gen_ai.agent.name", "LangGraph Supervisor"), null), // a framework's label
        Arguments.of(List.of("gen_ai.agent.name", "researcher", "warden.agent", "planner"), "planner"),
        Arguments.of(List.of("warden.agent", "", "gen_ai.agent.name", "planner"), "planner"));
  }

  @ParameterizedTest
  @MethodSource("itemClaims")
  void itemClaim(List<String> attributes, String claim) {
    List<KeyValue> kvs = new java.util.ArrayList<>();
    for (int i = 0; i < attributes.size(); i += 2) {
      kvs.add(SpanMapperTest.kv(attributes.get(i), attributes.get(i + 1)));
    }
    assertThat(rules.itemClaim(kvs)).isEqualTo(claim);
  }

  static Stream<Arguments> resourceClaims() {
    return Stream.of(
        // resource attributes, service.name, claim
        Arguments.of(Map.of(), "", null),
        Arguments.of(Map.of(), "planner", "planner"),
        Arguments.of(Map.of(), "checkout-service", null),
        Arguments.of(Map.of("warden.agent", "ghost"), "planner", "ghost"),
        Arguments.of(Map.of("gen_ai.agent.name", "researcher"), "planner", "researcher"),
        Arguments.of(Map.of("gen_ai.agent.name", "crew"), "planner", "planner"));
  }

  @ParameterizedTest
  @MethodSource("resourceClaims")
  void resourceClaim(Map<String, String> resource, String service, String claim) {
    Map<String, AnyValue> attrs = new HashMap<>();
    resource.forEach((k, v) -> attrs.put(k, AnyValue.newBuilder().setStringValue(v).build()));
    assertThat(rules.resourceClaim(attrs, service)).isEqualTo(claim);
  }
}
