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
 */
public record UpstreamProvider(String name, URI baseUrl, String apiKeyEnv, boolean promptCacheKey) {
  public UpstreamProvider {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("gateway.providers." + name + ".base_url must be an http(s) URL such as "
          + "https://api.openai.com/v1, got '" + baseUrl + "'");
    }
  }

  /** A provider that is sent no {@code prompt_cache_key}. */
  public UpstreamProvider(String name, URI baseUrl, String apiKeyEnv) {
    this(name, baseUrl, apiKeyEnv, false);
  }

  /** Which wire format the provider speaks: Anthropic Messages for {@code anthropic}, else OpenAI. */
  public boolean speaksAnthropic() {
    return name.equals("anthropic");
  }
}
