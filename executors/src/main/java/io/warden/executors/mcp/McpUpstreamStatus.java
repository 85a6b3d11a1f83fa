package io.warden.executors.mcp;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the gateway knows of one upstream server's connection right now.
 *
 * @param server the server's name
 * @param transport its URL, or {@code stdio: <command>}
 * @param state {@code connected}, {@code idle} (not connected yet or dropped after a failure; the
 *     next call connects), {@code restarting} (a stdio server that exited, waiting out its back-off)
 *     or {@code stopped}
 * @param pid the stdio server's process id, or 0
 * @param restarts how often a stdio server was started again after it exited or failed to start
 * @param lastExit how the stdio server's last process ended (e.g. {@code exit code 3}), or ""
 * @param nextStart when a restarting stdio server is started again, or null
 * @param stderrTail the stdio server's last stderr lines (bounded), oldest first
 */
public record McpUpstreamStatus(String server, String transport, String state, long pid, int restarts,
    String lastExit, @Nullable Instant nextStart, List<String> stderrTail) {
  public McpUpstreamStatus {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(lastExit, "lastExit");
    stderrTail = List.copyOf(stderrTail);
  }
}
