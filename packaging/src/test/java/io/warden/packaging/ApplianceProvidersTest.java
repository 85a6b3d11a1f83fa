package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.executors.gateway.UpstreamProvider;
import io.warden.packaging.config.WardenConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the model gateway is given from {@code gateway.providers.*}. */
class ApplianceProvidersTest {
  @TempDir Path dir;

  @Test
  void upstreamProviders_carryTheirApi_seededDeclaredAndOverridden() throws Exception {
    Path file = Files.writeString(dir.resolve("warden.yaml"), """
        gateway:
          providers:
            claude-proxy:
              base_url: https://llm-proxy.internal
              api_key_env: PROXY_KEY
              api: anthropic
            vllm:
              base_url: http://127.0.0.1:8000/v1
        """);
    WardenConfig config = WardenConfig.load(file, Map.of("WARDEN_GATEWAY_PROVIDERS_VLLM_API", "anthropic"));

    assertThat(Appliance.upstreamProviders(config)).containsExactlyInAnyOrder(
        new UpstreamProvider("anthropic", URI.create("https://api.anthropic.com"), "ANTHROPIC_API_KEY", false,
            UpstreamProvider.Api.ANTHROPIC),
        new UpstreamProvider("openai", URI.create("https://api.openai.com/v1"), "OPENAI_API_KEY", true,
            UpstreamProvider.Api.OPENAI),
        new UpstreamProvider("claude-proxy", URI.create("https://llm-proxy.internal"), "PROXY_KEY", false,
            UpstreamProvider.Api.ANTHROPIC),
        new UpstreamProvider("vllm", URI.create("http://127.0.0.1:8000/v1"), "", false, UpstreamProvider.Api.ANTHROPIC));
    assertThat(Appliance.upstreamProviders(WardenConfig.load(file, Map.of())))
        .filteredOn(p -> p.name().equals("vllm")).singleElement()
        .satisfies(p -> assertThat(p.speaksAnthropic()).isFalse());
  }
}
