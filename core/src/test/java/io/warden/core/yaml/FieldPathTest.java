package io.warden.core.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FieldPathTest {

  @Test
  void dotted_keysIndexesAndOddKeys() {
    assertThat(FieldPath.ROOT.dotted()).isEmpty();
    assertThat(FieldPath.of("spec", "budgets", "usd_per_day").dotted()).isEqualTo("spec.budgets.usd_per_day");
    assertThat(FieldPath.of("spec", "tools", 2).dotted()).isEqualTo("spec.tools[2]");
    assertThat(FieldPath.of("metadata", "labels", "app.kubernetes.io/name").dotted())
        .isEqualTo("metadata.labels[\"app.kubernetes.io/name\"]");
    assertThat(FieldPath.of("a\"b").dotted()).isEqualTo("[\"a\\\"b\"]");
  }

  @Test
  void parentAndStartsWith() {
    FieldPath item = FieldPath.ROOT.child("spec").child("tools").child(0);

    assertThat(item.parent()).isEqualTo(FieldPath.of("spec", "tools"));
    assertThat(FieldPath.ROOT.parent()).isEqualTo(FieldPath.ROOT);
    assertThat(item.startsWith(FieldPath.of("spec"))).isTrue();
    assertThat(item.startsWith(FieldPath.of("spec", "model"))).isFalse();
    assertThat(FieldPath.of("spec").startsWith(item)).isFalse();
  }

  @Test
  void of_refusesOtherSegmentTypes() {
    assertThatThrownBy(() -> FieldPath.of("spec", 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("segment must be a String key or an Integer index: 1");
  }

  @Test
  void joined_keysAsWritten() {
    assertThat(FieldPath.of("models", "gpt-4.1", "input_per_mtok").joined()).isEqualTo("models.gpt-4.1.input_per_mtok");
    assertThat(FieldPath.of("spec", "tools", 2).joined()).isEqualTo("spec.tools[2]");
    assertThat(FieldPath.of(0, "a").joined()).isEqualTo("[0].a");
    assertThat(FieldPath.ROOT.joined()).isEmpty();
  }
}
