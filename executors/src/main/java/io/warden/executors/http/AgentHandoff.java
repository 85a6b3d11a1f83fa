package io.warden.executors.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What Warden hands an agent it runs: a scoped token, where the model gateway, the MCP gateway and
 * the OTLP receiver are, and the descriptor revision. The same facts go out as a configure call
 * ({@link #configuration}) and, for a process Warden launches, as its environment
 * ({@link #environment}).
 *
 * <p>Tokens are minted through {@link io.warden.core.executor.AgentCredentials} (each mint is audited)
 * and cached per agent and session for {@link #TOKEN_REUSE}, so a busy session does not mint one per
 * request. Thread-safe.
 */
public final class AgentHandoff {

  /** How long a minted token lives. */
  public static final Duration TOKEN_TTL = Duration.ofMinutes(15);
  /** How long a minted token is handed out again: well before it expires. */
  public static final Duration TOKEN_REUSE = Duration.ofMinutes(10);
  /** The session a token is bound to when the request has none, and for the runtime's own token. */
  public static final String RUNTIME_SESSION = "runtime";
  private static final long MAX_CACHED_TOKENS = 100_000;

  private final ExecutorContext context;
  private final Cache<String, String> tokens = Caffeine.newBuilder()
      .expireAfterWrite(TOKEN_REUSE)
      .maximumSize(MAX_CACHED_TOKENS)
      .build();

  public AgentHandoff(ExecutorContext context) {
    this.context = Objects.requireNonNull(context, "context");
  }

  public ExecutorContext context() {
    return context;
  }

  /** A scoped token for {@code agent} bound to {@code session} (or {@link #RUNTIME_SESSION}). */
  public String token(String agent, String session) throws ExecutorException {
    String key = agent + "\n" + session;
    String cached = tokens.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    String token = context.credentials().tokenFor(agent, session, TOKEN_TTL);
    tokens.put(key, token);
    return token;
  }

  /** Forgets the agent's cached tokens (when it is removed). */
  public void forget(String agent) {
    tokens.asMap().keySet().removeIf(k -> k.startsWith(agent + "\n"));
  }

  /** The base URL for Anthropic SDKs: the model gateway's without its {@code /v1}. */
  public URI anthropicBaseUrl() {
    String url = context.modelGatewayUrl().toString();
    if (url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    return URI.create(url.endsWith("/v1") ? url.substring(0, url.length() - 3) : url);
  }

  /** The body of the configure call (JSON): the token is a secret, never log it. */
  public Map<String, Object> configuration(AgentDescriptor descriptor, String revision, String token) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agent", descriptor.name());
    m.put("revision", revision);
    m.put("model_gateway_url", context.modelGatewayUrl().toString());
    m.put("anthropic_base_url", anthropicBaseUrl().toString());
    m.put("mcp_url", context.mcpGatewayUrl().toString());
    m.put("otlp_endpoint", context.otlpEndpoint().toString());
    m.put("otel_service_name", descriptor.name());
    m.put("token", token);
    m.put("token_ttl_seconds", TOKEN_TTL.toSeconds());
    if (descriptor.spec().model() != null) {
      Map<String, Object> model = new LinkedHashMap<>();
      model.put("provider", descriptor.spec().model().provider());
      model.put("name", descriptor.spec().model().name());
      m.put("model", model);
    }
    return m;
  }

  /**
   * The environment of a launched agent: the conventional variables of the OpenAI and Anthropic SDKs
   * and of the OpenTelemetry SDK, plus Warden's own. The token is a secret, never log it.
   */
  public Map<String, String> environment(AgentDescriptor descriptor, String revision, String token) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WARDEN_AGENT", descriptor.name());
    env.put("WARDEN_REVISION", revision);
    env.put("WARDEN_TOKEN", token);
    env.put("WARDEN_MODEL_GATEWAY_URL", context.modelGatewayUrl().toString());
    env.put("WARDEN_MCP_URL", context.mcpGatewayUrl().toString());
    env.put("OPENAI_BASE_URL", context.modelGatewayUrl().toString());
    env.put("OPENAI_API_KEY", token);
    env.put("ANTHROPIC_BASE_URL", anthropicBaseUrl().toString());
    env.put("ANTHROPIC_API_KEY", token);
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", context.otlpEndpoint().toString());
    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
    // The OTel SDKs read this as comma-separated key=value with URL-encoded values.
    env.put("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20" + token);
    env.put("OTEL_SERVICE_NAME", descriptor.name());
    env.put("OTEL_RESOURCE_ATTRIBUTES", "warden.agent=" + descriptor.name() + ",warden.revision=" + revision);
    if (descriptor.spec().model() != null && descriptor.spec().model().name() != null) {
      env.put("WARDEN_MODEL", descriptor.spec().model().name());
    }
    return env;
  }
}
