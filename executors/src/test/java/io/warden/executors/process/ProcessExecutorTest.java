package io.warden.executors.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.executors.AgentExecutorContractTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The contract for {@code process}, with the test agent launched and supervised by the executor. */
class ProcessExecutorTest extends AgentExecutorContractTest {

  /** On every launched command line, so the test finds its processes (and sees them gone). */
  private final String marker = "--marker=" + UUID.randomUUID();

  @Override
  protected AgentExecutor createExecutor(ExecutorContext context) {
    return ProcessExecutor.create(context, Path.of("").toAbsolutePath());
  }

  @Override
  protected AgentDescriptor descriptor(String name, Map<String, String> settings) {
    Map<String, String> s = with(settings, "args", marker);
    s.putIfAbsent("restart_backoff_ms", "200");
    return descriptorOf(name, "process", "file://src/test/python/test_agent.py", s);
  }

  private ProcessExecutor processes() {
    return (ProcessExecutor) executor;
  }

  private long pid(String agent) {
    return ((Number) processes().processInfo(agent).get("pid")).longValue();
  }

  @Override
  protected void killRuntime(String agent) {
    ProcessHandle.of(pid(agent)).orElseThrow().destroyForcibly();
  }

  @Override
  protected void assertRuntimeGone(String agent) {
    await().atMost(Duration.ofSeconds(10)).until(this::noneLeft);
  }

  private boolean noneLeft() {
    return ProcessHandle.allProcesses()
        .noneMatch(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false) && p.isAlive());
  }

  @Override
  protected void assertDownMessage(String message) {
    assertThat(message).contains("process exited with status").contains("restart 1 at");
  }

  @Test
  void crash_isRestartedWithBackoff_keepingExitStatusAndOutput() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");
    long first = pid("alpha");

    assertThatThrownBy(() -> executor.invoke(invocation("alpha", message("crash"), Duration.ofSeconds(10))))
        .isInstanceOfSatisfying(ExecutorException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("exited with status 3");

    await().atMost(Duration.ofSeconds(20)).until(() -> executor.status("alpha").state() == ExecutorStatus.State.READY);
    assertThat(pid("alpha")).isNotEqualTo(first);
    Map<String, Object> info = processes().processInfo("alpha");
    assertThat(info).containsEntry("restarts", 1).containsEntry("last_exit_status", 3);
    @SuppressWarnings("unchecked")
    List<String> output = (List<String>) info.get("output");
    assertThat(output).contains("crashing on request")
        .filteredOn(l -> l.startsWith("test agent started")).hasSize(2);
    JsonNode answer = json(executor.invoke(invocation("alpha", message("again"), Duration.ofSeconds(10))));
    assertThat(answer.at("/result/parts/0/text").asText()).isEqualTo("echo: again");
  }

  @Test
  void backoff_doublesUpToTheCap() {
    Duration initial = Duration.ofSeconds(1);
    Duration max = Duration.ofSeconds(60);
    assertThat(List.of(0, 1, 2, 5, 6, 40)).map(n -> SupervisedProcess.backoff(n, initial, max).toSeconds())
        .containsExactly(1L, 2L, 4L, 32L, 60L, 60L);
  }

  @Test
  void output_isBoundedToTheLastLines() throws Exception {
    executor.apply(descriptor("alpha", Map.of("output_lines", "1")), "rev-1");
    assertThatThrownBy(() -> executor.invoke(invocation("alpha", message("crash"), Duration.ofSeconds(10))))
        .isInstanceOf(ExecutorException.class);

    await().atMost(Duration.ofSeconds(20)).until(() -> executor.status("alpha").state() == ExecutorStatus.State.READY);
    assertThat(processes().processInfo("alpha").get("output")).asList().singleElement().asString()
        .startsWith("test agent started");
  }

  @Test
  void environment_isWardensHandoffNotWardensOwn() throws Exception {
    executor.apply(descriptor("alpha", Map.of("env.EXTRA", "yes")), "rev-1");

    JsonNode env = JSON.readTree(json(executor.invoke(invocation("alpha", message("env"), Duration.ofSeconds(10))))
        .at("/result/parts/0/text").asText().substring("echo: ".length() * 0));

    JsonNode values = env.path("values");
    assertThat(values.path("OPENAI_BASE_URL").asText()).isEqualTo("http://127.0.0.1:1/v1");
    assertThat(values.path("ANTHROPIC_BASE_URL").asText()).isEqualTo("http://127.0.0.1:1");
    assertThat(values.path("OPENAI_API_KEY").asText()).isEqualTo("token-alpha-runtime");
    assertThat(values.path("WARDEN_MCP_URL").asText()).isEqualTo("http://127.0.0.1:1/mcp");
    assertThat(values.path("OTEL_EXPORTER_OTLP_ENDPOINT").asText()).isEqualTo("http://127.0.0.1:1");
    assertThat(values.path("OTEL_EXPORTER_OTLP_HEADERS").asText()).isEqualTo("Authorization=Bearer%20token-alpha-runtime");
    assertThat(values.path("OTEL_SERVICE_NAME").asText()).isEqualTo("alpha");
    assertThat(values.path("WARDEN_REVISION").asText()).isEqualTo("rev-1");
    assertThat(values.path("EXTRA").asText()).isEqualTo("yes");
    List<String> keys = JSON.convertValue(env.path("keys"), JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    // Warden's own environment (JAVA_HOME, provider keys) does not reach the agent.
    assertThat(System.getenv()).containsKey("JAVA_HOME");
    assertThat(keys).doesNotContain("JAVA_HOME", "MAVEN_OPTS");
  }

  @Test
  void close_endsTheProcesses() throws Exception {
    executor.apply(descriptor("alpha", Map.of()), "rev-1");
    executor.apply(descriptor("beta", Map.of()), "rev-1");
    assertThat(noneLeft()).isFalse();

    executor.close();

    await().atMost(Duration.ofSeconds(10)).until(this::noneLeft);
  }

  @Test
  void apply_aMissingScript_isRefusedNamingThePath() {
    AgentDescriptor missing = descriptorOf("alpha", "process", "file://agents/nope.py", Map.of());

    assertThatThrownBy(() -> executor.apply(missing, "rev-1"))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("(from spec.executor.endpoint 'file://agents/nope.py') is not a file");
  }

  @Test
  void apply_anEndpointThatIsNotAFileUrl_isRefusedSayingWhatToGive() {
    AgentDescriptor http = descriptorOf("alpha", "process", "http://127.0.0.1:9000", Map.of());

    assertThatThrownBy(() -> executor.apply(http, "rev-1"))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("spec.executor.endpoint 'http://127.0.0.1:9000' is not a file:// URL")
        .hasMessageContaining("file://examples/agents/reference_agent.py");
  }

  @Test
  void apply_aScriptSetting_runsThatScript() throws Exception {
    executor.apply(descriptorOf("alpha", "process", null,
        Map.of("script", "src/test/python/test_agent.py", "args", marker)), "rev-1");

    assertThat(executor.status("alpha").state()).isEqualTo(ExecutorStatus.State.READY);
  }
}
