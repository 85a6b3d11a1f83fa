package io.warden.tracestore.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClickHouseSpanStoreBuilderTest {

  @Test
  void setRetentionDays_outOfRange_isRefusedNamingTheConfigKey() {
    assertThatThrownBy(() -> ClickHouseSpanStore.builder("jdbc:clickhouse://h:8123/w").setRetentionDays(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trace_store.clickhouse.retention_days must be 1..36500, got 0");
  }

  @Test
  void setSocketTimeout_zero_isRefused() {
    assertThatThrownBy(() -> ClickHouseSpanStore.builder("jdbc:clickhouse://h:8123/w").setSocketTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("socketTimeout must be positive, got PT0S");
  }

  @Test
  void build_validUrl_makesANamedStoreWithoutContactingTheServer() {
    // Port 9 (discard) has nothing listening here; build() must not notice.
    try (ClickHouseSpanStore store = ClickHouseSpanStore.builder("jdbc:clickhouse://127.0.0.1:9/w?password=s3cret")
        .setRetentionDays(14).build()) {
      assertThat(store.name()).isEqualTo("clickhouse-v1");
      assertThat(store.toString()).isEqualTo(
          "ClickHouseSpanStore[jdbc:clickhouse://127.0.0.1:9/w?password=***, retentionDays=14]");
    }
  }

  @Test
  void build_badUrl_isRefused() {
    assertThatThrownBy(() -> ClickHouseSpanStore.create("http://h:8123"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("trace_store.clickhouse.url must be a ClickHouse JDBC URL");
  }
}
