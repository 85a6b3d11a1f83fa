package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.policy.DecisionInput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NormalisedInputTest {

  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Instant T = Instant.parse("2026-11-26T10:15:42.123Z");

  private static DecisionInput input(BigDecimal value, Map<String, Object> budget, Instant time) {
    return new DecisionInput("recon", List.of("planner"), "tool.call", "mcp://gateway/ledger-read", value, budget, time);
  }

  @Test
  void of_writesSortedSnakeCaseJsonWithBucketedTime() {
    Map<String, Object> budget = new LinkedHashMap<>();
    budget.put("usd_spent_today", new BigDecimal("12.50"));
    budget.put("calls_last_hour", 3);
    NormalisedInput n = NormalisedInput.of(input(new BigDecimal("1000.00"), budget, T), MINUTE);

    assertThat(new String(n.json(), StandardCharsets.UTF_8)).isEqualTo(
        "{\"action\":\"tool.call\",\"action_value_usd\":1000,\"agent\":\"recon\","
            + "\"budget\":{\"calls_last_hour\":3,\"usd_spent_today\":12.5},"
            + "\"delegation_chain\":[\"planner\"],\"resource\":\"mcp://gateway/ledger-read\","
            + "\"time\":\"2026-11-26T10:15:00Z\"}");
    assertThat(n.digest()).hasSize(64).isEqualTo(NormalisedInput.sha256(n.json()));
  }

  @Test
  void of_equalFactsInOneBucket_giveOneDigest() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("usd_spent_today", 12.5);
    a.put("calls_last_hour", 3L);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("calls_last_hour", new BigDecimal("3.000"));
    b.put("usd_spent_today", new BigDecimal("12.50"));

    String first = NormalisedInput.of(input(new BigDecimal("40"), a, T), MINUTE).digest();
    String second = NormalisedInput.of(input(new BigDecimal("40.0"), b, T.plusSeconds(17)), MINUTE).digest();

    assertThat(second).isEqualTo(first);
  }

  @Test
  void of_differentBucketOrFacts_giveDifferentDigests() {
    String base = NormalisedInput.of(input(null, Map.of(), T), MINUTE).digest();

    assertThat(NormalisedInput.of(input(null, Map.of(), T.plusSeconds(60)), MINUTE).digest()).isNotEqualTo(base);
    assertThat(NormalisedInput.of(input(BigDecimal.ONE, Map.of(), T), MINUTE).digest()).isNotEqualTo(base);
    assertThat(NormalisedInput.of(input(null, Map.of("calls_last_hour", 1), T), MINUTE).digest()).isNotEqualTo(base);
  }

  @Test
  void of_nestedBudgetMaps_areSortedToo() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("z", 1);
    inner.put("a", 2);
    String json = new String(NormalisedInput.of(input(null, Map.of("by_model", inner), T), MINUTE).json(),
        StandardCharsets.UTF_8);

    assertThat(json).contains("\"budget\":{\"by_model\":{\"a\":2,\"z\":1}}");
  }

  @Test
  void of_nonFiniteNumber_isRefusedWithTheValue() {
    assertThatThrownBy(() -> NormalisedInput.of(input(null, Map.of("usd_spent_today", Double.NaN), T), MINUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
  }

  @Test
  void bucketed_roundsDownToTheBucket() {
    assertThat(NormalisedInput.bucketed(T, MINUTE)).isEqualTo(Instant.parse("2026-11-26T10:15:00Z"));
    assertThat(NormalisedInput.bucketed(T, Duration.ofMinutes(5))).isEqualTo(Instant.parse("2026-11-26T10:15:00Z"));
    assertThat(NormalisedInput.bucketed(T, Duration.ofMillis(1))).isEqualTo(T);
  }
}
