package io.warden.tracestore.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClickHouseUrlTest {

  @Test
  void parse_databaseInPath_isTheDatabaseAndBootstrapUsesDefault() {
    ClickHouseUrl url = ClickHouseUrl.parse("jdbc:clickhouse://127.0.0.1:8123/warden?ssl=false");
    assertThat(url.database()).isEqualTo("warden");
    assertThat(url.bootstrapUrl()).isEqualTo("jdbc:clickhouse://127.0.0.1:8123/default?ssl=false");
  }

  @Test
  void parse_noDatabase_meansDefault() {
    assertThat(ClickHouseUrl.parse("jdbc:clickhouse:https://ch.internal:8443").database()).isEqualTo("default");
    assertThat(ClickHouseUrl.parse("jdbc:ch://ch.internal:8123/").database()).isEqualTo("default");
  }

  @Test
  void parse_notClickHouse_isRefusedNamingTheKeyAndAnExample() {
    assertThatThrownBy(() -> ClickHouseUrl.parse("jdbc:postgresql://db/warden"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trace_store.clickhouse.url must be a ClickHouse JDBC URL like "
            + "jdbc:clickhouse://127.0.0.1:8123/warden, got 'jdbc:postgresql://db/warden'");
  }

  @Test
  void parse_badDatabaseName_isRefused() {
    assertThatThrownBy(() -> ClickHouseUrl.parse("jdbc:clickhouse://h:8123/war-den"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names database 'war-den'");
  }

  @Test
  void redacted_passwordsInParametersAndUserInfo_areMasked() {
    assertThat(ClickHouseUrl.parse("jdbc:clickhouse://h:8123/w?user=u&password=s3cret&ssl=true").redacted())
        .isEqualTo("jdbc:clickhouse://h:8123/w?user=u&password=***&ssl=true");
    assertThat(ClickHouseUrl.parse("jdbc:clickhouse://u:s3cret@h:8123/w").redacted())
        .isEqualTo("jdbc:clickhouse://u:***@h:8123/w");
  }
}
