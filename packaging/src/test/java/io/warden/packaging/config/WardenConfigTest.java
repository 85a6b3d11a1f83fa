package io.warden.packaging.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WardenConfigTest {
  @TempDir Path dir;

  @Test
  void defaults_areValid() {
    WardenConfig c = WardenConfig.defaults(Map.of());
    assertThat(c.port("http.port")).isEqualTo(8080);
  }

  @Test
  void badPortFromEnvironment_isRefusedAtLoad_namingTheVariable() {
    assertThatThrownBy(() -> WardenConfig.defaults(Map.of("WARDEN_HTTP_PORT", "abc")))
        .isInstanceOf(WardenException.class)
        .hasMessage("invalid configuration: environment variable WARDEN_HTTP_PORT: http.port: "
            + "must be a port number 0-65535 (0: any free port), got 'abc'");
  }

  @Test
  void everyProblem_isReportedAtOnce_withItsSource() throws Exception {
    Path file = dir.resolve("warden.yaml");
    Files.writeString(file, """
        otlp:
          grpc_port: 70000
        policy:
          opa_url: "opa.internal:8181 oops"
        trace_store:
          retention:
            span_days: 7
            text_days: 30
        """);
    WardenException e = (WardenException) org.assertj.core.api.Assertions.catchThrowable(() ->
        WardenConfig.load(file, Map.of("WARDEN_OTLP_MAX_REQUEST_BYTES", "-1", "WARDEN_HTTP_PROT", "9090")));
    assertThat(e.getMessage()).isEqualTo("invalid configuration, 5 problems:");
    assertThat(e.problems()).extracting(Problem::toString).containsExactly(
        "environment variable WARDEN_HTTP_PROT: not a Warden setting; did you mean WARDEN_HTTP_PORT? Settings are "
            + "WARDEN_ + the key in upper case with dots as underscores (http.port -> WARDEN_HTTP_PORT); unset it "
            + "or see warden.yaml",
        file + ": otlp.grpc_port: must be a port number 0-65535 (0: any free port), got '70000'",
        "environment variable WARDEN_OTLP_MAX_REQUEST_BYTES: otlp.max_request_bytes: must be a positive whole "
            + "number, got '-1'",
        file + ": policy.opa_url: must be empty or an absolute URL such as http://host:8181, got "
            + "'opa.internal:8181 oops'",
        file + ": trace_store.retention.text_days: must not exceed trace_store.retention.span_days (7), got 30");
  }

  @Test
  void sessionRouterDefaults_areSettings_overriddenByEnvironment_andABadOneIsRefusedNamingIt() {
    WardenConfig defaults = WardenConfig.defaults(Map.of());
    assertThat(defaults.positiveLong("sessions.default_max_concurrency")).isEqualTo(16);
    assertThat(defaults.positiveLong("sessions.default_max_queue")).isEqualTo(64);
    assertThat(defaults.positiveLong("sessions.invoke_timeout_seconds")).isEqualTo(30);
    assertThat(defaults.positiveLong("sessions.idempotency_retention_hours")).isEqualTo(24);
    assertThat(WardenConfig.defaults(Map.of("WARDEN_SESSIONS_DEFAULT_MAX_QUEUE", "1"))
        .positiveLong("sessions.default_max_queue")).isEqualTo(1);
    assertThatThrownBy(() -> WardenConfig.defaults(Map.of("WARDEN_SESSIONS_DEFAULT_MAX_QUEUE", "0")))
        .hasMessage("invalid configuration: environment variable WARDEN_SESSIONS_DEFAULT_MAX_QUEUE: "
            + "sessions.default_max_queue: must be a whole number from 1 to 2147483647, got '0'");
    assertThatThrownBy(() -> WardenConfig.defaults(Map.of("WARDEN_SESSIONS_DEFAULT_MAX_CONCURRENCY", "99999999999")))
        .hasMessageContaining("sessions.default_max_concurrency: must be a whole number from 1 to 2147483647");
    assertThatThrownBy(() -> WardenConfig.defaults(Map.of("WARDEN_SESSIONS_IDEMPOTENCY_RETENTION_HOURS", "-2")))
        .hasMessageContaining("sessions.idempotency_retention_hours: must be a positive whole number, got '-2'");
    assertThatThrownBy(() -> WardenConfig.defaults(Map.of("WARDEN_SESSIONS_INVOKE_TIMEOUT_SECONDS", "soon")))
        .hasMessageContaining("sessions.invoke_timeout_seconds: must be a positive whole number, got 'soon'");
  }

  @Test
  void launcherVariables_areNotSettings_butAccepted() {
    WardenConfig c = WardenConfig.defaults(Map.of("WARDEN_TOKEN", "t", "WARDEN_URL", "http://x", "WARDEN_JAVA_OPTS",
        "-Xmx1g", "WARDEN_ROOT", "/r", "WARDEN_LOG_LEVEL", "DEBUG", "WARDEN_DATA", "/d", "PATH", "/bin"));
    assertThat(c.string("data_dir")).isEqualTo("/d");
  }

  @Test
  void reachableHost_wildcardsAreLoopback_andIpv6LiteralsBracketed() {
    java.util.function.Function<String, String> reach = host ->
        WardenConfig.defaults(Map.of("WARDEN_HTTP_HOST", host)).reachableHost("http.host");
    assertThat(reach.apply("0.0.0.0")).isEqualTo("127.0.0.1");
    assertThat(reach.apply("::")).isEqualTo("[::1]");
    assertThat(reach.apply("[::]")).isEqualTo("[::1]");
    assertThat(reach.apply("::1")).isEqualTo("[::1]");
    assertThat(reach.apply("10.0.0.5")).isEqualTo("10.0.0.5");
    assertThat(reach.apply("warden.internal")).isEqualTo("warden.internal");
  }

  @Test
  void variablesThatAreNotSettings_areDocumented() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(ConfigValidation.NOT_SETTINGS).allSatisfy(name -> assertThat(readme).contains("`" + name + "`"));
  }

  @Test
  void kinds_followFromNames_soNewKeysAreCheckedToo() {
    assertThat(ConfigValidation.check("git.max_push_bytes", "1e9", "104857600")).contains("positive whole number");
    assertThat(ConfigValidation.check("console.port", "-1", "8081")).contains("port number");
    assertThat(ConfigValidation.check("trace_store.clickhouse.url", "jdbc:clickhouse://h:8123/w", "")).isNull();
    assertThat(ConfigValidation.check("trace_store.clickhouse.url", "clickhouse", "")).contains("absolute URL");
    assertThat(ConfigValidation.check("x.enabled", "yes", "true")).contains("true or false");
    assertThat(ConfigValidation.check("http.host", " ", "127.0.0.1")).isEqualTo("must not be empty");
    assertThat(ConfigValidation.check("trace_store.clickhouse.password", "anything", "")).isNull();
  }

  @Test
  void unknownYamlKey_isStillRefused() throws Exception {
    Path file = dir.resolve("w.yaml");
    Files.writeString(file, "http:\n  prot: 1\n");
    assertThatThrownBy(() -> WardenConfig.load(file, Map.of()))
        .isInstanceOf(WardenException.class).hasMessageContaining("http.prot").hasMessageContaining("unknown setting");
  }

  @Test
  void aModelProviderBeyondTheSeededOnes_isDeclaredInTheFile_itsKeysOverriddenByEnvironment() throws Exception {
    Path f = file("gateway:\n  providers:\n    vllm:\n      base_url: http://127.0.0.1:8000/v1\n"
        + "      api_key_env: VLLM_KEY\n      prompt_cache_key: false\n");
    WardenConfig c = WardenConfig.load(f, Map.of("WARDEN_GATEWAY_PROVIDERS_VLLM_BASE_URL", "http://10.0.0.7:8000/v1"));

    assertThat(c.string("gateway.providers.vllm.base_url")).isEqualTo("http://10.0.0.7:8000/v1");
    assertThat(c.string("gateway.providers.vllm.api_key_env")).isEqualTo("VLLM_KEY");
    assertThat(c.string("gateway.providers.openai.base_url")).isEqualTo("https://api.openai.com/v1");
    // Only a provider's own keys: anything else under it is still an unknown setting, and its URL is checked.
    assertThatThrownBy(() -> WardenConfig.load(file("gateway:\n  providers:\n    vllm:\n      colour: red\n"), Map.of()))
        .isInstanceOf(WardenException.class).hasMessageContaining("gateway.providers.vllm.colour")
        .hasMessageContaining("unknown setting");
    assertThatThrownBy(() -> WardenConfig.load(file("gateway:\n  providers:\n    vllm:\n      base_url: not a url\n"),
        Map.of())).isInstanceOf(WardenException.class).hasMessageContaining("gateway.providers.vllm.base_url");
    assertThatThrownBy(() -> WardenConfig.load(file("gateway:\n  providers:\n    vllm:\n      prompt_cache_key: maybe\n"),
        Map.of())).isInstanceOf(WardenException.class).hasMessageContaining("gateway.providers.vllm.prompt_cache_key")
        .hasMessageContaining("true or false");
    // Not declared in the file: an environment variable alone does not make a provider.
    assertThatThrownBy(() -> WardenConfig.load(null, Map.of("WARDEN_GATEWAY_PROVIDERS_AZURE_BASE_URL", "https://x")))
        .isInstanceOf(WardenException.class).hasMessageContaining("WARDEN_GATEWAY_PROVIDERS_AZURE_BASE_URL");
  }

  private Path file(String yaml) throws Exception {
    return Files.writeString(dir.resolve("my.yaml"), yaml);
  }

  @Test
  void providerApi_defaultsByName_isOverriddenByFileAndEnvironment_andABadOneIsRefusedNamingKeyOriginAndValues()
      throws Exception {
    WardenConfig seeded = WardenConfig.defaults(Map.of());
    assertThat(seeded.string("gateway.providers.openai.api")).isEqualTo("openai");
    assertThat(seeded.string("gateway.providers.anthropic.api")).isEqualTo("anthropic");

    // Declared without api: openai, and overridable from the environment even though the file does not set it.
    Path vllm = file("gateway:\n  providers:\n    vllm:\n      base_url: http://127.0.0.1:8000/v1\n");
    assertThat(WardenConfig.load(vllm, Map.of()).string("gateway.providers.vllm.api")).isEqualTo("openai");
    assertThat(WardenConfig.load(vllm, Map.of("WARDEN_GATEWAY_PROVIDERS_VLLM_API", "anthropic"))
        .string("gateway.providers.vllm.api")).isEqualTo("anthropic");
    Path proxy = file("gateway:\n  providers:\n    claude-proxy:\n      base_url: https://proxy.internal\n"
        + "      api: anthropic\n");
    assertThat(WardenConfig.load(proxy, Map.of()).string("gateway.providers.claude-proxy.api")).isEqualTo("anthropic");

    Path bad = file("gateway:\n  providers:\n    claude-proxy:\n      base_url: https://proxy.internal\n"
        + "      api: messages\n");
    assertThatThrownBy(() -> WardenConfig.load(bad, Map.of())).isInstanceOf(WardenException.class)
        .hasMessage("invalid configuration: " + bad + ": gateway.providers.claude-proxy.api: must be openai (the "
            + "provider speaks Chat Completions and Responses) or anthropic (it speaks Messages), got 'messages'");
    assertThatThrownBy(() -> WardenConfig.defaults(Map.of("WARDEN_GATEWAY_PROVIDERS_ANTHROPIC_API", "Anthropic")))
        .isInstanceOf(WardenException.class)
        .hasMessageStartingWith("invalid configuration: environment variable WARDEN_GATEWAY_PROVIDERS_ANTHROPIC_API: "
            + "gateway.providers.anthropic.api: must be openai");
  }

  @Test
  void load_userFileAndEnvironment_overrideDefaultsAsWritten() throws Exception {
    WardenConfig c = WardenConfig.load(file("http:\n  port: 9090\npolicy:\n  opa_url: \"\"\n"),
        Map.of("WARDEN_OTLP_GRPC_PORT", "5317"));

    assertThat(c.port("http.port")).isEqualTo(9090);
    assertThat(c.string("policy.opa_url")).isEmpty();
    assertThat(c.port("otlp.grpc_port")).isEqualTo(5317);
    assertThat(c.port("policy.sidecar_port")).isEqualTo(8181); // a default from the bundled warden.yaml
  }

  @Test
  void load_unknownKeyAndList_areRefusedAtTheirKeys() throws Exception {
    Path f = file("http:\n  port: 9090\n  prot: 1\npolicy:\n  opa_binary: [a, b]\n");

    assertThatThrownBy(() -> WardenConfig.load(f, Map.of()))
        .isInstanceOfSatisfying(WardenException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_input");
          assertThat(e.problems()).extracting(Problem::line, Problem::column, Problem::field)
              .containsExactly(org.assertj.core.groups.Tuple.tuple(3, 3, "http.prot"),
                  org.assertj.core.groups.Tuple.tuple(5, 3, "policy.opa_binary"));
          assertThat(e.problems().get(0).message()).startsWith("unknown setting; known settings: ");
          assertThat(e.problems().get(1).message()).isEqualTo("lists are not settings here");
        });
  }

  @Test
  void load_malformedYaml_isRefusedWithItsLocation() throws Exception {
    Path f = file("http:\n  port: [\n");

    assertThatThrownBy(() -> WardenConfig.load(f, Map.of()))
        .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> {
              assertThat(p.file()).isEqualTo(f.toString());
              assertThat(p.line()).isPositive();
              assertThat(p.message()).containsIgnoringCase("malformed yaml");
            }));
  }

  @Test
  void load_emptyFile_keepsEveryDefault() throws Exception {
    assertThat(WardenConfig.load(file("# nothing\n"), Map.of()).asMap())
        .isEqualTo(WardenConfig.defaults(Map.of()).asMap());
  }
}
