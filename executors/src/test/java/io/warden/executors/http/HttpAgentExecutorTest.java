package io.warden.executors.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.executors.AgentExecutorContractTest;
import io.warden.testing.TestPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The contract for {@code http}, against the test agent started by the test as its own HTTP service. */
class HttpAgentExecutorTest extends AgentExecutorContractTest {

  private final Map<String, Process> runtimes = new ConcurrentHashMap<>();

  @Override
  protected AgentExecutor createExecutor(ExecutorContext context) {
    return new HttpAgentExecutorProvider().create(context);
  }

  @Override
  protected AgentDescriptor descriptor(String name, Map<String, String> settings) throws Exception {
    Process running = runtimes.get(name);
    int port;
    if (running != null && running.isAlive()) {
      port = Integer.parseInt(running.info().arguments().orElseThrow()[1]);
    } else {
      port = TestPorts.free();
      Process started = new ProcessBuilder("python3", TEST_AGENT.toString(), Integer.toString(port))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      runtimes.put(name, started);
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          return true;
        }
      });
    }
    return descriptorOf(name, "http", "http://127.0.0.1:" + port, settings);
  }

  @Override
  protected void killRuntime(String agent) throws Exception {
    Process p = runtimes.remove(agent);
    p.destroyForcibly();
    p.waitFor();
  }

  @AfterEach
  void stopRuntimes() throws Exception {
    for (Process p : runtimes.values()) {
      p.destroyForcibly();
      p.waitFor();
    }
  }


  @Test
  void apply_aRuntimeWithoutTheConfigureEndpoint_saysHowToSkipIt() throws Exception {
    AgentDescriptor descriptor = descriptor("alpha", Map.of("configure_path", "/no-such-path"));

    assertThatThrownBy(() -> executor.apply(descriptor, "rev-1"))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("refused its configuration")
        .hasMessageContaining("404")
        .hasMessageContaining("configure_path: none");
  }

  @Test
  void apply_withoutConfigureCallOrRevisionConfirmation_acceptsAHealthyRuntime() throws Exception {
    executor.apply(descriptor("alpha", Map.of("configure_path", "none", "confirm_revision", "false")), "rev-1");

    assertThat(executor.status("alpha").state()).isEqualTo(ExecutorStatus.State.READY);
    assertThat(minted).isEmpty();
  }
}
