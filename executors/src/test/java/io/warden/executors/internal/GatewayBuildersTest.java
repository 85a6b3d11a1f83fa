package io.warden.executors.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.policy.PolicyDecider;
import io.warden.core.trace.SpanSink;
import io.warden.executors.gateway.ModelGateway;
import io.warden.executors.gateway.ModelGatewayBuilder;
import io.warden.executors.mcp.McpGateway;
import io.warden.executors.mcp.McpGatewayBuilder;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The setters both gateway builders share through {@link AbstractGatewayBuilder}. */
class GatewayBuildersTest {

  @Test
  void sharedSettersChainAsTheConcreteBuilder() {
    // Assigning to the concrete type is the check: the shared setters keep each builder's own API.
    ModelGatewayBuilder model = ModelGateway.builder().setClock(Clock.systemUTC()).setSpanSink(SpanSink.NOOP)
        .setPolicyDecider(PolicyDecider.DENY_ALL).setMaxRequestBytes(1024).setCacheMaxEntries(10);
    McpGatewayBuilder mcp = McpGateway.builder().setClock(Clock.systemUTC()).setMaxRequestBytes(1024)
        .setMaxSessions(5);
    assertThat(model).isNotNull();
    assertThat(mcp).isNotNull();
  }

  @Test
  void nonPositiveLimitsAreRefusedByName() {
    assertThatThrownBy(() -> ModelGateway.builder().setMaxRequestBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxRequestBytes must be positive, got 0");
    assertThatThrownBy(() -> McpGateway.builder().setMaxRequestBytes(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxRequestBytes must be positive, got -1");
    assertThatThrownBy(() -> ModelGateway.builder().setCacheTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cacheTtl must be positive, got PT0S");
    assertThatThrownBy(() -> ModelGateway.builder().setUpstreamIdleTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("upstreamIdleTimeout must be positive, got PT-1S");
    assertThatThrownBy(() -> McpGateway.builder().setSessionIdleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("sessionIdleTimeout must be positive, got PT0S");
  }

  @Test
  void buildNamesTheFirstMissingPart() {
    assertThatThrownBy(() -> ModelGateway.builder().build())
        .isInstanceOf(NullPointerException.class).hasMessage("vertx must be set");
    assertThatThrownBy(() -> McpGateway.builder().build())
        .isInstanceOf(NullPointerException.class).hasMessage("vertx must be set");
  }
}
