package io.warden.executors.session;

/**
 * Which node serves a session. The router asks before it runs a request or parks or resumes a
 * session; on a single node every session is local. A clustered implementation (Vert.x clustering
 * on Hazelcast) is described in {@code executors/README.md} and not built yet.
 */
public interface SessionOwnership {

  /** True when this node runs {@code session}'s requests (and claims it when nobody owns it). */
  boolean ownsLocally(String agent, String session);

  /** Every session is served here. */
  SessionOwnership SINGLE_NODE = (agent, session) -> true;
}
