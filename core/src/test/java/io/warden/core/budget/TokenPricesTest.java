package io.warden.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

class TokenPricesTest {
  /** 10 USD per 1M input tokens, 1 per 1M cached, 40 per 1M output; "free-model" unpriced. */
  private static final TokenPrices PRICES = (model, revision, in, out, cached) -> model.equals("free-model") ? null
      : BigDecimal.valueOf(10 * (in - cached) + cached + 40 * out).divide(BigDecimal.valueOf(1_000_000), 9,
          RoundingMode.HALF_UP);

  @Test
  void costUsd_cacheWrites_addAnthropicsPremium_quarterFor5Minutes_wholeFor1Hour() {
    // 10,000 input (4,000 written for 5 minutes, 2,000 for an hour), 1,000 output:
    // 10,000 x 10 + 1,000 x 40 = 140,000; + 4,000 x 10 x 0.25 = 10,000; + 2,000 x 10 x 1 = 20,000 per 1M
    assertThat(PRICES.costUsd("m", "", 10_000, 1_000, 0, 4_000, 2_000)).isEqualByComparingTo("0.17");
    assertThat(PRICES.costUsd("m", "", 10_000, 1_000, 0, 0, 0)).isEqualByComparingTo("0.14");
  }

  @Test
  void costUsd_writesBeyondTheUncachedInput_areNotCharged() {
    // 1,000 input of which 600 cached: at most 400 were written (1-hour writes count first).
    assertThat(PRICES.costUsd("m", "", 1_000, 0, 600, 5_000, 0)).isEqualByComparingTo("0.0056"); // 4000 + 600 + 1000
    assertThat(PRICES.costUsd("m", "", 1_000, 0, 600, 5_000, 300)).isEqualByComparingTo("0.00785"); // 4600 + 100 x 2.5 + 300 x 10
  }

  @Test
  void costUsd_unpricedModel_isNull() {
    assertThat(PRICES.costUsd("free-model", "", 1_000, 10, 0, 500, 0)).isNull();
    assertThat(TokenPrices.NONE.costUsd("m", "", 1_000, 10, 0, 500, 0)).isNull();
  }
}
