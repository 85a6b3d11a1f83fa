package io.warden.tracestore.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import org.junit.jupiter.api.Test;

class PageCursorTest {

  @Test
  void decode_encoded_roundTrips() {
    PageCursor c = new PageCursor(1_795_701_197_121_000_123L, "0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7");
    assertThat(PageCursor.decode(c.encode())).isEqualTo(c);
  }

  @Test
  void decode_nullOrEmpty_isTheFirstPage() {
    assertThat(PageCursor.decode(null)).isNull();
    assertThat(PageCursor.decode("")).isNull();
  }

  @Test
  void decode_garbage_isRefusedAsInvalidInput() {
    for (String bad : new String[] {"%%%", "Y2gxfHh8eXx6", "Y2gyfDF8YWJ8Y2Q"}) { // not base64, ch1|x|y|z, ch2|1|ab|cd
      assertThatThrownBy(() -> PageCursor.decode(bad))
          .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo("invalid_input"))
          .hasMessageContaining("cursor '" + bad + "'");
    }
  }
}
