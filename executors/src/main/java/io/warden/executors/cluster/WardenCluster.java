package io.warden.executors.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.warden.core.WardenException;
import io.warden.core.store.StateStore;
import io.warden.executors.session.SessionCluster;
import io.warden.executors.session.SessionOwnership;
import io.warden.executors.session.SessionRouters;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a member of a Warden cluster: a clustered Vert.x on Hazelcast, joined over TCP-IP to
 * the configured members (no multicast). Closing the Vert.x it made ({@link #vertx()}) leaves the
 * cluster and stops Hazelcast.
 *
 * <p>Failure detection: a member that stops answering heartbeats for {@value #NO_HEARTBEAT_SECONDS}
 * s is removed (Hazelcast's default is 60 s), and its sessions go to the survivors.
 */
public final class WardenCluster implements SessionCluster {
  private static final Logger LOG = LoggerFactory.getLogger(WardenCluster.class);
  static final int NO_HEARTBEAT_SECONDS = 5;
  /** Hazelcast maps Warden keeps: the session owners and the router's tables. */
  static final String MAP_PREFIX = "warden.";

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final HazelcastOwnership ownership;

  private WardenCluster(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.ownership = new HazelcastOwnership(vertx, hazelcast);
  }

  /**
   * {@link #join(ClusterSettings)} with plain arguments: the appliance loads this class in a class
   * loader of its own (with Hazelcast) and calls this by reflection.
   */
  public static SessionCluster join(String host, int port, List<String> members) {
    try {
      return join(new ClusterSettings(host, port, members));
    } catch (IllegalArgumentException e) {
      throw WardenException.invalid("warden.yaml: " + e.getMessage());
    }
  }

  /** Starts Hazelcast and a clustered Vert.x and joins the members; blocks until joined (at most 60 s). */
  public static WardenCluster join(ClusterSettings settings) {
    Config hz = hazelcastConfig(settings);
    hz.setClassLoader(WardenCluster.class.getClassLoader()); // Hazelcast's own classes may be in a loader apart
    HazelcastClusterManager manager = new HazelcastClusterManager(hz);
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setEventBusOptions(new EventBusOptions().setHost(settings.host())
        .setPort(0));
    Vertx vertx;
    try {
      vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered()
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new WardenException("unavailable", "cannot join the cluster on " + settings.host() + ":" + settings.port()
          + " (cluster.host, cluster.port; members " + settings.members() + "): " + cause.getMessage());
    }
    HazelcastInstance instance = manager.getHazelcastInstance();
    LOG.info("joined the Warden cluster as node {} on {}:{}; members now: {}",
        instance.getCluster().getLocalMember().getUuid(), settings.host(), settings.port(),
        instance.getCluster().getMembers());
    return new WardenCluster(vertx, instance);
  }

  static Config hazelcastConfig(ClusterSettings settings) {
    // Vert.x's own maps (subscriptions, node info) come from its default configuration.
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName("warden");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(NO_HEARTBEAT_SECONDS));
    hz.setProperty("hazelcast.graceful.shutdown.max.wait", "5");
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(settings.host());
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getAutoDetectionConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(settings.members()));
    // Every Warden map keeps one synchronous backup on another member: a kill -9 of one node loses
    // nothing that was acknowledged.
    hz.addMapConfig(new MapConfig(MAP_PREFIX + "*").setBackupCount(1).setAsyncBackupCount(0)
        .setReadBackupData(false));
    hz.addMapConfig(new MapConfig(HazelcastOwnership.OWNERS).setBackupCount(1).setAsyncBackupCount(0)
        .setMaxIdleSeconds(HazelcastOwnership.IDLE_OWNER_SECONDS));
    return hz;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public SessionOwnership ownership() {
    return ownership;
  }

  /**
   * The session router's store as the cluster shares it: its tables in Hazelcast maps (one
   * synchronous backup), every write also applied to {@code local} first. When this node is the
   * first member, the maps are seeded from {@code local} (a whole-cluster restart).
   */
  @Override
  public StateStore sharedStore(StateStore local) {
    return SharedStateStore.open(local, hazelcast, SessionRouters.TABLES);
  }

  /** This member's node id (its Hazelcast member UUID). */
  public String nodeId() {
    return ownership.node();
  }
}
