package io.warden.packaging;

import io.vertx.core.Vertx;
import io.warden.core.WardenException;
import io.warden.core.store.StateStore;
import io.warden.executors.cluster.ClusterSettings;
import io.warden.executors.cluster.WardenCluster;
import io.warden.executors.session.SessionOwnership;
import io.warden.executors.session.SessionRouters;
import io.warden.packaging.config.WardenConfig;
import java.util.List;

/**
 * The appliance's view of the cluster ({@code cluster.*} in warden.yaml). A class of its own so the
 * appliance refers to Hazelcast only through it, and loads it only when {@code cluster.enabled} is true.
 */
final class ClusterNode {
  private final WardenCluster cluster;

  private ClusterNode(WardenCluster cluster) {
    this.cluster = cluster;
  }

  static ClusterNode join(WardenConfig config) {
    List<String> members = ClusterSettings.parseMembers(config.string("cluster.members"));
    if (members.isEmpty()) {
      throw WardenException.invalid("cluster.members (" + WardenConfig.envName("cluster.members") + ") is empty:"
          + " list every member as host:port, comma-separated, or set cluster.enabled to false");
    }
    ClusterSettings settings;
    try {
      settings = new ClusterSettings(config.string("cluster.host"), config.port("cluster.port"), members);
    } catch (IllegalArgumentException e) {
      throw WardenException.invalid("warden.yaml: " + e.getMessage());
    }
    return new ClusterNode(WardenCluster.join(settings));
  }

  Vertx vertx() {
    return cluster.vertx();
  }

  SessionOwnership ownership() {
    return cluster.ownership();
  }

  StateStore sharedStore(StateStore local) {
    return cluster.sharedStore(local, SessionRouters.TABLES);
  }
}
