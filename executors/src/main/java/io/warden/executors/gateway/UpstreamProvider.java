package io.warden.executors.gateway;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * A model provider the gateway forwards to, as configured under {@code gateway.providers.<name>}.
 *
 * @param name the provider name, matched against the descriptor's {@code spec.model.provider}
 * @param baseUrl the API root as the provider's SDK takes it ({@code https://api.openai.com/v1},
 *     {@code https://api.anthropic.com})
 * @param apiKeyEnv the name of the environment variable holding the real key ("" to send none); the
 *     key itself is never configured
 * @param promptCacheKey whether OpenAI-format requests get {@code prompt_cache_key} (the agent's
 *     name) when the caller set none: OpenAI routes requests with one key to the same prompt cache;
 *     other OpenAI-compatible servers may refuse the field, so it is configured per provider
 * @param api the wire format the provider speaks ({@code gateway.providers.<name>.api})
 */
public record UpstreamProvider(String name, URI baseUrl, String apiKeyEnv, boolean promptCacheKey, Api api) {
  /** The wire format a provider speaks, as {@code gateway.providers.<name>.api} names it. */
  public enum Api {
    /** OpenAI's Chat Completions and Responses ({@code openai}): OpenAI and OpenAI-compatible servers. */
    OPENAI("openai"),
    /** Anthropic's Messages ({@code anthropic}): Anthropic and proxies or gateways in front of it. */
    ANTHROPIC("anthropic");

    private final String configName;

    Api(String configName) {
      this.configName = configName;
    }

    /** The value as {@code warden.yaml} writes it. */
    public String configName() {
      return configName;
    }

    /** The format of a provider whose {@code api} is not set: Messages for {@code anthropic}, else OpenAI. */
    public static Api defaultFor(String providerName) {
      return providerName.equals("anthropic") ? ANTHROPIC : OPENAI;
    }

    /**
     * The format {@code value} names.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Api parse(String value) {
      for (Api a : values()) {
        if (a.configName.equals(value.strip())) {
          return a;
        }
      }
      throw new IllegalArgumentException("must be openai (Chat Completions and Responses) or anthropic (Messages),"
          + " got '" + value + "'");
    }
  }

  public UpstreamProvider {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
    Objects.requireNonNull(api, "api");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("gateway.providers." + name + ".base_url must be an http(s) URL such as "
          + "https://api.openai.com/v1, got '" + baseUrl + "'");
    }
  }

  /** A provider speaking the format {@link Api#defaultFor its name} implies. */
  public UpstreamProvider(String name, URI baseUrl, String apiKeyEnv, boolean promptCacheKey) {
    this(name, baseUrl, apiKeyEnv, promptCacheKey, Api.defaultFor(name));
  }

  /** A provider that is sent no {@code prompt_cache_key}, speaking the format its name implies. */
  public UpstreamProvider(String name, URI baseUrl, String apiKeyEnv) {
    this(name, baseUrl, apiKeyEnv, false);
  }

  /** Whether the provider speaks Anthropic Messages ({@code api: anthropic}) rather than the OpenAI API. */
  public boolean speaksAnthropic() {
    return api == Api.ANTHROPIC;
  }
}
