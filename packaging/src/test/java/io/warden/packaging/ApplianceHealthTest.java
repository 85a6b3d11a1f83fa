package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.health.Health;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The adapters from the components' own health reports to the one health model. */
class ApplianceHealthTest {

  @Test
  void health_policyEngineMap_mapsItsStates() {
    assertThat(Appliance.health(Map.of("state", "OK", "message", "opa enforces main", "policy_revision", "abc")))
        .satisfies(h -> {
          assertThat(h.state()).isEqualTo(Health.State.UP);
          assertThat(h.details()).containsEntry("policy_revision", "abc").containsEntry("state", "OK");
        });
    assertThat(Appliance.health(Map.of("state", "WARN", "message", "pushing")).state()).isEqualTo(Health.State.DEGRADED);
    assertThat(Appliance.health(Map.of("state", "NOT_READY", "message", "starting")).state())
        .isEqualTo(Health.State.DOWN);
    Health error = Appliance.health(Map.of("state", "ERROR", "message", "opa down; decisions fail closed"));
    assertThat(error.state()).isEqualTo(Health.State.DOWN);
    assertThat(error.message()).isEqualTo("opa down; decisions fail closed");
  }

  @Test
  void health_traceStoreMap_mapsItsStatuses() {
    Health ok = Appliance.health(Map.of("status", "ok", "message", "", "details", Map.of("wal_bytes", 7)));
    assertThat(ok.state()).isEqualTo(Health.State.UP);
    assertThat(ok.details()).containsEntry("wal_bytes", 7);
    assertThat(Appliance.health(Map.of("status", "degraded", "message", "clickhouse behind")).state())
        .isEqualTo(Health.State.DEGRADED);
    assertThat(Appliance.health(Map.of("status", "down", "message", "trace store closed")).message())
        .isEqualTo("trace store closed");
  }

  @Test
  void health_healthValue_isKept_andGarbageIsDown() {
    Health h = Health.degraded("x");
    assertThat(Appliance.health(h)).isSameAs(h);
    assertThat(Appliance.health(Health.up().toMap()).state()).isEqualTo(Health.State.UP);
    assertThat(Appliance.health("nonsense").state()).isEqualTo(Health.State.DOWN);
    assertThat(Appliance.health(Map.of("state", "ERROR")).message()).isEqualTo("state ERROR");
  }
}
