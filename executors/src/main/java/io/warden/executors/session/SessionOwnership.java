package io.warden.executors.session;

import io.warden.core.WardenException;
import io.warden.core.executor.InvocationResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Which node serves a session. The router asks before it runs a request or parks, resumes or ends a
 * session: a session is served by one node at a time, so its requests stay in order in that node's
 * lane. On a single node every session is local ({@link #SINGLE_NODE}); a cluster
 * ({@code io.warden.executors.cluster}) claims sessions for one member and carries calls for a
 * session another member serves to it ({@link #forward}).
 */
public interface SessionOwnership {

  /** What {@link #ownerOf} answers when this node serves the session. */
  String LOCAL = "";

  /**
   * {@link #LOCAL} when this node serves {@code session} (claiming it when nobody, or a member that
   * left, did), otherwise the id of the node that does.
   */
  String ownerOf(String agent, String session);

  /** This node no longer needs {@code session} (parked or ended): the next call claims it anew. */
  default void release(String agent, String session) {}

  /** This node's id ({@link #LOCAL} on a single node); written in {@code running} idempotency records. */
  default String node() {
    return LOCAL;
  }

  /** True while {@code node} is a member of the cluster (so what it runs is still running). */
  default boolean isMember(String node) {
    return node.equals(node());
  }

  /** Sends a call to {@code node}, the owner of its session, and completes with its answer. */
  default CompletionStage<InvocationResult> forward(String node, ForwardedCall call) {
    return CompletableFuture.failedFuture(new WardenException("unavailable", "session " + call.session()
        + " is served by node " + node + ", and this node cannot forward to it"));
  }

  /** Where calls forwarded to this node go: the router's own handler, set once when it is built. */
  default void serve(Function<ForwardedCall, CompletionStage<InvocationResult>> handler) {}

  /** Every session is served here. */
  SessionOwnership SINGLE_NODE = (agent, session) -> LOCAL;
}
