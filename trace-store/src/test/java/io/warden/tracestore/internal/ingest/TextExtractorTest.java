package io.warden.tracestore.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextExtractorTest {
  private static String extract(String value) {
    StringBuilder out = new StringBuilder();
    TextExtractor.fromMaybeJson(value, out);
    return out.toString();
  }

  @Test
  void fromMaybeJson_messages_keepsTextLeavesAndDropsStructure() {
    String messages = "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"reconcile invoice 4711\"}]},"
        + "{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"done\",\"index\":3}],"
        + "\"finish_reason\":\"stop\"}]";

    assertThat(extract(messages)).isEqualTo("reconcile invoice 4711\ndone");
  }

  @Test
  void fromMaybeJson_toolCallArguments_keptAsCompactJson() {
    String call = "{\"type\":\"tool_call\",\"name\":\"ledger\",\"arguments\": {\"invoice\": 4711, \"customer\": \"ACME\"}}";

    assertThat(extract(call)).isEqualTo("ledger\n{\"invoice\":4711,\"customer\":\"ACME\"}");
  }

  @Test
  void fromAttribute_toolCallArgumentsAttribute_keepsTheKeysAsCompactJson() {
    StringBuilder out = new StringBuilder();
    TextExtractor.fromAttribute("gen_ai.tool.call.arguments",
        io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
            .setStringValue("{\"account\": \"ACME-991\", \"refund_amount\": 12.5}").build(), out);
    assertThat(out.toString()).isEqualTo("{\"account\":\"ACME-991\",\"refund_amount\":12.5}");
  }

  @Test
  void fromMaybeJson_brokenJsonAfterSomeLeaves_indexesOnlyTheRawText() {
    String broken = "[\"first leaf\", {\"content\": \"second\" oops]";

    assertThat(extract(broken)).isEqualTo(broken);
  }

  @Test
  void fromMaybeJson_appendsAfterExistingText() {
    StringBuilder out = new StringBuilder("before");

    TextExtractor.fromMaybeJson("{\"content\": \"after\", \"n\": 1, \"ok\": true, \"none\": null}", out);

    assertThat(out).hasToString("before\nafter");
  }

  @Test
  void fromMaybeJson_plainText_takenAsIs() {
    assertThat(extract("  just a prompt  ")).isEqualTo("  just a prompt  ");
  }
}
