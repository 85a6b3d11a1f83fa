package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.packaging.config.WardenConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad cluster settings are refused before anything joins, naming the setting. */
class ClusterNodeTest {

  @Test
  void noMembers_isRefusedNamingTheSetting() {
    WardenConfig config = WardenConfig.defaults(Map.of("WARDEN_CLUSTER_ENABLED", "true",
        "WARDEN_CLUSTER_MEMBERS", " , "));
    assertThatThrownBy(() -> ClusterNode.join(config)).isInstanceOf(WardenException.class)
        .hasMessageContaining("cluster.members (WARDEN_CLUSTER_MEMBERS) is empty");
  }

  @Test
  void aMemberThatIsNotHostAndPort_isRefused() {
    WardenConfig config = WardenConfig.defaults(Map.of("WARDEN_CLUSTER_ENABLED", "true",
        "WARDEN_CLUSTER_MEMBERS", "127.0.0.1:5701,warden-2"));
    assertThatThrownBy(() -> ClusterNode.join(config)).isInstanceOf(WardenException.class)
        .hasMessage("warden.yaml: cluster.members: 'warden-2' is not host:port")
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((WardenException) e).code())
            .isEqualTo("invalid_input"));
  }

  @Test
  void portZero_isRefused() {
    WardenConfig config = WardenConfig.defaults(Map.of("WARDEN_CLUSTER_ENABLED", "true",
        "WARDEN_CLUSTER_PORT", "0"));
    assertThatThrownBy(() -> ClusterNode.join(config)).isInstanceOf(WardenException.class)
        .hasMessageContaining("cluster.port must be a port number 1-65535, got 0");
  }
}
