package io.warden.executors.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chat Completions stream chunks read without a tree ({@link ChatChunk}) meter as their trees do
 * ({@link Metering#openAi(JsonNode)}), and say the same about errors and the usage-only chunk.
 */
class ChatChunkTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Chunks of every shape the tree reads, read one after the other into one metering. */
  private static final List<String> STREAM = List.of(
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_1\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé \\\"llo\\\" ✓ 😀\",\"reasoning_content\":\"think\","
          + "\"reasoning\":\" more\"}}],\"model\":\"\"}",
      "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}],"
          + "\"content\":null}},{\"message\":{\"content\":\"second\"},\"delta\":{\"content\":\"third\"}}],\"extra\":{\"a\":[1,2]}}",
      "{\"choices\":[{\"message\":{\"content\":\"whole\",\"reasoning\":\"why\"},\"finish_reason\":\"stop\"}, 7, null]}",
      "{\"model\":\"gpt-4o-2024-11-20\",\"model\":7,\"id\":\"c2\",\"system_fingerprint\":\"fp_2\","
          + "\"choices\":[{\"delta\":{\"content\":\"a\"},\"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"}]}",
      "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":\"5\",\"prompt_tokens_details\":"
          + "{\"cached_tokens\":4},\"completion_tokens_details\":{\"reasoning_tokens\":2}}}",
      "[1,2,3]", "\"text\"", "  ", "{\"choices\":null,\"usage\":null}");

  @Test
  void aStreamOfChunks_metersAsItsTrees() throws IOException {
    Metering byTree = new Metering();
    Metering byChunk = new Metering();
    ChatChunk chunk = new ChatChunk();
    for (String c : STREAM) {
      byTree.openAi(JSON.readTree(c));
      byte[] b = ("xx" + c + "yy").getBytes(StandardCharsets.UTF_8);
      assertThat(chunk.read(JSON, b, 2, b.length - 2)).as(c).isTrue();
      byChunk.openAi(chunk);
    }
    assertThat(byChunk.answer.toString()).isEqualTo(byTree.answer.toString()).isEqualTo("Hé \"llo\" ✓ 😀thirdwholeb");
    assertThat(byChunk.reasoning.toString()).isEqualTo(byTree.reasoning.toString()).isEqualTo("think morewhy");
    assertThat(List.of(byChunk.responseModel, byChunk.responseId, byChunk.fingerprint, byChunk.finishReason))
        .isEqualTo(List.of(byTree.responseModel, byTree.responseId, byTree.fingerprint, byTree.finishReason))
        .isEqualTo(List.of("gpt-4o-2024-08-06", "c2", "fp_2", "length"));
    assertThat(List.of(byChunk.usageSeen, byChunk.inputTokens, byChunk.outputTokens, byChunk.cachedTokens,
        byChunk.reasoningTokens)).isEqualTo(List.of(byTree.usageSeen, byTree.inputTokens, byTree.outputTokens,
        byTree.cachedTokens, byTree.reasoningTokens)).isEqualTo(List.of(true, 12L, 5L, 4L, 2L));
  }

  @Test
  void aWholeAnswer_metersAsItsTree() throws IOException {
    String whole = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
        + "\"system_fingerprint\":\"fp_9\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Hello.\",\"reasoning_content\":\"Greet.\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}";
    Metering byTree = new Metering();
    byTree.openAi(JSON.readTree(whole));
    Metering byChunk = new Metering();
    byChunk.openAi(read(whole));
    assertThat(List.of(byChunk.answer.toString(), byChunk.reasoning.toString(), byChunk.responseModel,
        byChunk.responseId, byChunk.fingerprint, byChunk.finishReason, byChunk.inputTokens, byChunk.outputTokens))
        .isEqualTo(List.of(byTree.answer.toString(), byTree.reasoning.toString(), byTree.responseModel,
            byTree.responseId, byTree.fingerprint, byTree.finishReason, byTree.inputTokens, byTree.outputTokens))
        .isEqualTo(List.of("Hello.", "Greet.", "gpt-4o-2024-08-06", "chatcmpl-1", "fp_9", "stop", 9L, 3L));
  }

  @Test
  void usageOnlyChunks_andErrors_areSeenAsInTheTree() throws IOException {
    ChatChunk c = read("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}");
    assertThat(c.noChoices).isTrue();
    assertThat(c.usage.isObject()).isTrue();
    assertThat(read("{\"usage\":{\"prompt_tokens\":1}}").noChoices).isTrue();
    assertThat(read("{\"choices\":[null],\"usage\":{}}").noChoices).isFalse();
    assertThat(read("{\"choices\":[{}]}").usage).isNull();
    assertThat(read("{\"error\":{\"message\":\"overloaded\"}}").error.path("message").asText()).isEqualTo("overloaded");
    assertThat(read("{\"error\":null}").error).isNotNull(); // present, as has("error") says
  }

  @Test
  void choicesOfAnotherShape_areLeftToTheTree() throws IOException {
    byte[] b = "{\"choices\":{\"0\":{\"delta\":{\"content\":\"x\"}}}}".getBytes(StandardCharsets.UTF_8);
    assertThat(new ChatChunk().read(JSON, b, 0, b.length)).isFalse();
  }

  @Test
  void malformedOrCutChunks_failAsTheTreeFails_andAreNotMetered() {
    for (String bad : List.of("{\"model\":\"x\"", "{\"choices\":[{\"delta\":{\"content\":\"x\"}", "{\"choices\":[",
        "{\"model\":}", "{\"usage\":{\"prompt_tokens\":")) {
      assertThatThrownBy(() -> JSON.readTree(bad)).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(IOException.class);
    }
  }

  private static ChatChunk read(String json) throws IOException {
    ChatChunk c = new ChatChunk();
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    assertThat(c.read(JSON, b, 0, b.length)).isTrue();
    return c;
  }
}
