package io.warden.tracestore.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PricingTest {
  private static final String YAML = """
      version: 1
      models:
        gpt-4o:
          input_per_mtok: 2.50
          output_per_mtok: 10.00
          cached_input_per_mtok: 1.25
        gpt-4o-mini:
          input_per_mtok: 0.15
          output_per_mtok: 0.60
        "claude-opus-4-7@2026-02-14":
          input_per_mtok: 12.00
          output_per_mtok: 60.00
        claude-opus-4-7:
          input_per_mtok: 15.00
          output_per_mtok: 75.00
      tools:
        default: 0.0005
        ledger-read: 0.002
      compute:
        usd_per_agent_second: 0.001
        agents:
          planner: 0.01
      """;

  private static Pricing pricing() {
    return Pricing.parse("pricing.yaml", YAML.getBytes(StandardCharsets.UTF_8));
  }

  private static Pricing.SpanFacts chat(String request, String response, String revision, long in, long out,
      long cached) {
    return new Pricing.SpanFacts("chat", "a", request, response, revision, in, out, cached, "", 0);
  }

  @Test
  void price_tokensWithCachedInput_chargesCachedAtItsRate() {
    // (1000 - 400) x 2.50 + 400 x 1.25 + 200 x 10.00 = 1500 + 500 + 2000 per 1M = 0.004
    Pricing.Cost c = pricing().price(chat("gpt-4o", "", "", 1000, 200, 400));
    assertThat(c.tokensUsd()).isEqualByComparingTo("0.004");
    assertThat(c.totalUsd()).isEqualByComparingTo("0.004");
    assertThat(c.unpricedModel()).isEmpty();
  }

  @Test
  void price_cacheWrites_costTheGatewaysPremiumOnTopOfInput() {
    // claude-opus-4-7: 3000 input of which 2000 written to the cache, 100 output:
    // 3000 x 15.00 + 100 x 75.00 = 52500, plus 2000 x 15.00 x 0.25 = 7500 per 1M = 0.06
    Pricing.Cost c = pricing().price(new Pricing.SpanFacts("chat", "a", "claude-opus-4-7", "", "", 3000, 100, 0, 2000,
        "", 0));
    assertThat(c.tokensUsd()).isEqualByComparingTo("0.06");
    // The same as the gateway's rule for the same call (TokenPrices, which the gateway settles with).
    io.warden.core.budget.TokenPrices rates = (model, revision, in, out, cached) ->
        pricing().price(chat(model, "", revision, in, out, cached)).tokensUsd();
    assertThat(rates.costUsd("claude-opus-4-7", "", 3000, 100, 0, 2000, 0)).isEqualByComparingTo(c.tokensUsd());
    // Writes are input: more writes than uncached input are not charged beyond it.
    assertThat(pricing().price(new Pricing.SpanFacts("chat", "a", "claude-opus-4-7", "", "", 1000, 0, 400, 5000,
        "", 0)).tokensUsd()).isEqualByComparingTo("0.01725"); // 600 x 15 + 400 x 15 (no cached price) + 600 x 15 x 0.25
  }

  @Test
  void price_cachedWithoutCachedPrice_usesTheInputPrice() {
    Pricing.Cost c = pricing().price(chat("gpt-4o-mini", "", "", 1_000_000, 0, 500_000));
    assertThat(c.tokensUsd()).isEqualByComparingTo("0.15");
  }

  @Test
  void price_pinnedRevision_winsOverTheModelPrice() {
    assertThat(pricing().price(chat("claude-opus-4-7", "", "2026-02-14", 1_000_000, 0, 0)).tokensUsd())
        .isEqualByComparingTo("12");
    assertThat(pricing().price(chat("claude-opus-4-7", "", "2025-01-01", 1_000_000, 0, 0)).tokensUsd())
        .isEqualByComparingTo("15");
  }

  @Test
  void price_responseModelWithDateStamp_matchesTheBaseModel() {
    assertThat(pricing().price(chat("gpt-4o", "gpt-4o-2024-08-06", "", 1_000_000, 0, 0)).tokensUsd())
        .isEqualByComparingTo("2.5");
    assertThat(pricing().price(chat("", "openai/gpt-4o-2024-08-06", "", 1_000_000, 0, 0)).tokensUsd())
        .isEqualByComparingTo("2.5");
  }

  @Test
  void price_otherModelSharingAPrefix_isNotTheBaseModel() {
    // gpt-4o-mini must never be charged as gpt-4o, nor an unknown variant as anything.
    assertThat(pricing().price(chat("gpt-4o-mini", "", "", 1_000_000, 0, 0)).tokensUsd())
        .isEqualByComparingTo("0.15");
    Pricing.Cost unknown = pricing().price(chat("gpt-4o-audio", "", "", 1000, 0, 0));
    assertThat(unknown.tokensUsd()).isZero();
    assertThat(unknown.unpricedModel()).isEqualTo("gpt-4o-audio");
  }

  @Test
  void price_toolCallAndAgentTime() {
    Pricing p = pricing();
    assertThat(p.price(new Pricing.SpanFacts("execute_tool", "a", "", "", "", 0, 0, 0, "mcp://gateway/ledger-read", 5))
        .actionsUsd()).isEqualByComparingTo("0.002");
    assertThat(p.price(new Pricing.SpanFacts("execute_tool", "a", "", "", "", 0, 0, 0, "web-search", 5))
        .actionsUsd()).isEqualByComparingTo("0.0005");
    assertThat(p.price(new Pricing.SpanFacts("invoke_agent", "planner", "", "", "", 0, 0, 0, "", 2_500_000_000L))
        .computeUsd()).isEqualByComparingTo("0.025");
    assertThat(p.price(new Pricing.SpanFacts("invoke_agent", "other", "", "", "", 0, 0, 0, "", 2_000_000_000L))
        .computeUsd()).isEqualByComparingTo("0.002");
    assertThat(p.price(new Pricing.SpanFacts("chat", "planner", "", "", "", 0, 0, 0, "", 2_000_000_000L))
        .totalUsd()).isZero();
  }

  @Test
  void seed_parsesAndPricesTheDescriptorModel() {
    Pricing seed = Pricing.parse("pricing.yaml", Pricing.seedYaml());
    assertThat(seed.modelPrice("claude-opus-4-7", "", "2026-02-14")).isNotNull();
    assertThat(seed.toolPrice("mcp://gateway/sap-invoice-read")).isEqualByComparingTo("0.002");
  }

  @Test
  void parse_badValues_areRefusedWholeWithLocations() {
    String bad = """
        models:
          gpt-4o:
            input_per_mtok: cheap
            output_per_mtok: -1
        tools:
          search: 0.1
        colour: blue
        """;
    assertThatThrownBy(() -> Pricing.parse("pricing.yaml", bad.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(WardenException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_input");
          assertThat(e.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
              "pricing.yaml:7:1: colour: unknown key 'colour': expected one of version, models, tools, compute",
              "pricing.yaml:3:5: models.gpt-4o.input_per_mtok: expected a USD amount such as 2.50, got 'cheap'",
              "pricing.yaml:4:5: models.gpt-4o.output_per_mtok: price must not be negative, got -1");
        });
  }

  @Test
  void parse_badValueOfTheSecondModel_isLocatedAtThatModel_evenWithDotsInItsName() {
    String bad = """
        models:
          gpt-4.1:
            input_per_mtok: 2
            output_per_mtok: 8
          gpt-4.1-mini:
            input_per_mtok: 0.4
            output_per_mtok: lots
        """;
    assertThatThrownBy(() -> Pricing.parse("pricing.yaml", bad.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.problems()).extracting(Problem::toString)
            .containsExactly("pricing.yaml:7:5: models.gpt-4.1-mini.output_per_mtok: expected a USD amount such as 2.50, got 'lots'"));
  }

  @Test
  void parse_missingPriceAndBrokenYaml_sayWhatIsExpected() {
    assertThatThrownBy(() -> Pricing.parse("pricing.yaml", "models:\n  x:\n    input_per_mtok: 1\n".getBytes()))
        .hasMessageContaining("models.x: missing output_per_mtok");
    assertThatThrownBy(() -> Pricing.parse("pricing.yaml", "models: [\n".getBytes()))
        .isInstanceOf(WardenException.class).hasMessageContaining("pricing.yaml:").hasMessageContaining("not valid YAML");
  }
}
