package io.warden.ui.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PagesTest {
  @Test
  void escape_neutralisesMarkup() {
    assertThat(Pages.escape("<script>alert('x')</script> & \"q\""))
        .isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  }

  @Test
  void usd_showsCentsAndKeepsSmallAmounts() {
    assertThat(Pages.usd(new BigDecimal("5000"))).isEqualTo("$5000.00");
    assertThat(Pages.usd(new BigDecimal("0.0123456"))).isEqualTo("$0.0123");
    assertThat(Pages.usd(null)).isEmpty();
  }

  @Test
  void waterfallBar_placesTheSpanInTheTracesTime() {
    SpanRecord s = new SpanRecord("0".repeat(32), "1".repeat(16), "", "0".repeat(32), "s", "svc", "a", "chat",
        250, 750, "ERROR", "boom", "", "", 0, 0, 0, "", "", "", List.of(), BigDecimal.ZERO, "", Map.of(), List.of());
    String bar = TraceView.bar(s, 0, 1000);
    assertThat(bar).contains("left:25.0%").contains("width:50.0%").contains("--lumo-error-color");
  }
}
