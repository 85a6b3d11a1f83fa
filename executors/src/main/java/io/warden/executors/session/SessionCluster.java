package io.warden.executors.session;

import io.vertx.core.Vertx;
import io.warden.core.store.StateStore;

/**
 * This node as a member of a Warden cluster, as the appliance uses it: the clustered Vert.x, who serves
 * each session, and the session store the members share. Implemented in {@code io.warden.executors.cluster}
 * on Hazelcast, which the appliance loads apart (only when {@code cluster.enabled}); this interface is
 * what both sides share.
 */
public interface SessionCluster {

  /** The clustered Vert.x; closing it leaves the cluster. */
  Vertx vertx();

  /** Claims sessions for one member and forwards calls for them there. */
  SessionOwnership ownership();

  /** The router's store ({@link SessionRouters#TABLES}) shared by the members, each write also made to {@code local}. */
  StateStore sharedStore(StateStore local);
}
