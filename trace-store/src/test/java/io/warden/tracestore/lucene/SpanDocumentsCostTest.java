package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.tracestore.pricing.Pricing;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cost split's plain-decimal path gives what the general one (BigDecimal) gives, or steps aside. */
class SpanDocumentsCostTest {

  /** What {@code SpanCost.of} and {@code nanoUsd} make of one attribute value: nano-USD, or -1 when not a number. */
  private static long general(String value) {
    try {
      return SpanDocuments.nanoUsd(new BigDecimal(value.strip()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Test
  void plainNanoUsd_ofWhatIngestWrites_isTheGeneralAnswer() {
    Random random = new Random(7);
    List<String> values = new ArrayList<>(List.of("0", "0.000000000", "5", "5.", "123456789.999999999",
        "0.000000001", "1.5", "999999999"));
    for (int i = 0; i < 10_000; i++) {
      // As Pricing writes them: non-negative, scale 9, toPlainString.
      values.add(BigDecimal.valueOf(random.nextLong(0, 1_000_000_000_000_000L), Pricing.SCALE)
          .setScale(Pricing.SCALE, RoundingMode.HALF_UP).toPlainString());
      values.add(BigDecimal.valueOf(random.nextLong(0, 1_000_000), random.nextInt(0, 10)).toPlainString());
    }
    for (String v : values) {
      assertThat(SpanDocuments.plainNanoUsd(v)).as(v).isEqualTo(general(v)).isNotNegative();
    }
  }

  @Test
  void plainNanoUsd_ofAnythingElse_stepsAsideForTheGeneralRules() {
    // Negative, exponents, signs, spaces, more than 9 decimals (rounding), too large, not numbers:
    // the general path decides (and may still accept some of them).
    for (String v : List.of("", "-1", "+1", "1e3", " 1", "1 ", ".5", "0.0000000005", "1234567890", "1.2.3",
        "abc", "1,5", "٣")) {
      assertThat(SpanDocuments.plainNanoUsd(v)).as("'%s'", v).isEqualTo(-1);
    }
    assertThat(SpanDocuments.plainNanoUsd(null)).isEqualTo(-1);
  }
}
