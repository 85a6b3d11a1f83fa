package io.warden.core.executor;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What Warden gives every executor: where an agent reaches the model gateway, the MCP gateway and the
 * OTLP receiver, how to get a credential for an agent, and a directory of its own for state.
 */
public record ExecutorContext(
    URI modelGatewayUrl,
    URI mcpGatewayUrl,
    URI otlpEndpoint,
    AgentCredentials credentials,
    Path dataDir,
    Clock clock) {

  public ExecutorContext {
    Objects.requireNonNull(modelGatewayUrl, "modelGatewayUrl");
    Objects.requireNonNull(mcpGatewayUrl, "mcpGatewayUrl");
    Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(clock, "clock");
  }
}
