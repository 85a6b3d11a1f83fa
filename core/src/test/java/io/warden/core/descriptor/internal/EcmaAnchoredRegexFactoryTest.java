package io.warden.core.descriptor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.regex.RegularExpression;
import org.junit.jupiter.api.Test;

class EcmaAnchoredRegexFactoryTest {

  @Test
  void finalDollar_meansEndOfInput() {
    RegularExpression label = EcmaAnchoredRegexFactory.INSTANCE.getRegularExpression("^[a-z]+$");

    assertThat(label.matches("abc")).isTrue();
    assertThat(label.matches("abc\n")).isFalse();
    assertThat(label.matches("ab1")).isFalse();
  }

  @Test
  void toJava_rewritesOnlyAnUnescapedFinalDollar() {
    assertThat(EcmaAnchoredRegexFactory.toJava("^a$")).isEqualTo("^a\\z");
    assertThat(EcmaAnchoredRegexFactory.toJava("^a\\$")).isEqualTo("^a\\$");
    assertThat(EcmaAnchoredRegexFactory.toJava("^a\\\\$")).isEqualTo("^a\\\\\\z");
    assertThat(EcmaAnchoredRegexFactory.toJava("^a")).isEqualTo("^a");
  }

  @Test
  void unanchored_findsAnywhere() {
    assertThat(EcmaAnchoredRegexFactory.INSTANCE.getRegularExpression("b").matches("abc")).isTrue();
  }
}
