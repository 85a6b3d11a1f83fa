package io.warden.executors;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.AgentExecutorProvider;
import io.warden.core.executor.ExecutorContext;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The appliance finds the adapters as it does: through {@link ServiceLoader}. */
class ExecutorProvidersTest {

  @TempDir Path tmp;

  @Test
  void serviceLoader_findsHttpAndProcess_andEachCreatesAnExecutorOfItsType() {
    ExecutorContext context = new ExecutorContext(URI.create("http://127.0.0.1:1/v1"), URI.create("http://127.0.0.1:1/mcp"),
        URI.create("http://127.0.0.1:1"), (agent, session, ttl) -> "t", tmp, Clock.systemUTC());
    List<String> types = new ArrayList<>();
    for (AgentExecutorProvider provider : ServiceLoader.load(AgentExecutorProvider.class)) {
      try (AgentExecutor executor = provider.create(context)) {
        assertThat(executor.type()).isEqualTo(provider.type());
        types.add(provider.type());
      }
    }
    assertThat(types).containsExactlyInAnyOrder("http", "process");
  }
}
