package io.warden.core.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void isDnsLabel_examples() {
    assertThat(List.of("a", "0", "reconciliation-finance", "a-b-c", "x1", "a".repeat(63)))
        .allMatch(Names::isDnsLabel);
    assertThat(List.of("", "-a", "a-", "A", "a_b", "a.b", "a b", "é", "a".repeat(64), "abc\n"))
        .noneMatch(Names::isDnsLabel);
    assertThat(Names.isDnsLabel(null)).isFalse();
  }

  @Test
  void isDnsLabel_agreesWithThePublishedPattern() {
    Pattern pattern = Pattern.compile(Names.DNS_LABEL_PATTERN.replaceAll("\\$$", "\\\\z"));
    String alphabet = "abz09-_.A";
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(5) == 0 ? 60 + random.nextInt(6) : random.nextInt(6);
      for (int j = 0; j < length; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String s = sb.toString();
      assertThat(Names.isDnsLabel(s)).as("'%s'", s).isEqualTo(pattern.matcher(s).find());
    }
  }

  @Test
  void requireDnsLabel_refusesWithTheRule() {
    assertThat(Names.requireDnsLabel("agent name", "ledger-lookup")).isEqualTo("ledger-lookup");
    assertThatThrownBy(() -> Names.requireDnsLabel("agent name", "Ledger_Lookup"))
        .isInstanceOf(WardenException.class)
        .hasMessage("agent name must be a dns label: 1 to 63 lowercase letters, digits or '-', starting and ending"
            + " with a letter or digit, got 'Ledger_Lookup'")
        .extracting(e -> ((WardenException) e).code()).isEqualTo("invalid_input");
    assertThatThrownBy(() -> Names.requireDnsLabel("agent name", null)).hasMessageEndingWith("got nothing");
  }

  @Test
  void isToolRef_agreesWithThePublishedPattern() {
    Pattern pattern = Pattern.compile(Names.TOOL_REF_PATTERN);
    for (String ref : List.of("mcp://gateway/sap-invoice-read", "mcp://gateway/a", "mcp://gateway/a.b_c-9",
        "mcp://gateway/", "mcp://gateway/-a", "mcp://gateway/A", "mcp://other/a", "https://gateway/a",
        "mcp://gateway/a/b", "mcp://gateway/a b")) {
      assertThat(Names.isToolRef(ref)).as(ref).isEqualTo(pattern.matcher(ref).matches());
    }
    assertThat(Names.isToolRef(null)).isFalse();
  }

  @Test
  void toolName_ofAReference() {
    assertThat(Names.toolName("mcp://gateway/ledger-read")).isEqualTo("ledger-read");
    assertThatThrownBy(() -> Names.toolName("ledger-read"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a tool reference (mcp://gateway/<tool>): 'ledger-read'");
  }
}
