package io.warden.executors.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streams put back together as whole answers, compared with whole answers of the same API. */
class StreamedAnswerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode assemble(WireFormat format, String... events) throws Exception {
    StreamedAnswer a = new StreamedAnswer(format);
    for (String e : events) {
      a.accept(JSON.readTree(e));
    }
    return a.whole();
  }

  @Test
  void openAiChunks_withToolCallArgumentsInFragments_agreeWithTheWholeAnswer() throws Exception {
    JsonNode streamed = assemble(WireFormat.OPENAI,
        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Checking \"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"the ledger.\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"ledger_lookup\",\"arguments\":\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"invoice\\\":\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"INV-7\\\"}\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}");
    JsonNode whole = JSON.readTree("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Checking the ledger.\","
        + "\"tool_calls\":[{\"id\":\"x\",\"type\":\"function\",\"function\":{\"name\":\"ledger_lookup\","
        + "\"arguments\":\"{\\\"invoice\\\": \\\"INV-7\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}");

    assertThat(ShadowComparison.compare(WireFormat.OPENAI, streamed, whole)).isEmpty();
    JsonNode otherArgs = JSON.readTree(whole.toString().replace("INV-7", "INV-8"));
    assertThat(ShadowComparison.compare(WireFormat.OPENAI, streamed, otherArgs)).singleElement().asString()
        .startsWith("tool calls: primary [ledger_lookup({\"invoice\":\"INV-7\"})]");
  }

  @Test
  void openAiRefusalAndLength_areTheEnd() throws Exception {
    JsonNode cut = assemble(WireFormat.OPENAI,
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The total\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}");
    assertThat(ShadowComparison.outcome(WireFormat.OPENAI, cut).end()).isEqualTo("length");
    JsonNode refused = assemble(WireFormat.OPENAI,
        "{\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't help with that.\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    assertThat(ShadowComparison.outcome(WireFormat.OPENAI, refused).end()).isEqualTo("refusal");
  }

  @Test
  void anthropicEvents_withToolInputInPartialJson_agreeWithTheWholeMessage() throws Exception {
    JsonNode streamed = assemble(WireFormat.ANTHROPIC,
        "{\"type\":\"message_start\",\"message\":{\"content\":[]}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Reconciled \"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"it.\"}}",
        "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\","
            + "\"name\":\"post_entry\",\"input\":{}}}",
        "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"amount\\\": 4\"}}",
        "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"2}\"}}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}",
        "{\"type\":\"message_stop\"}");
    JsonNode whole = JSON.readTree("{\"content\":[{\"type\":\"text\",\"text\":\"Reconciled it.\"},"
        + "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"post_entry\",\"input\":{\"amount\":42}}],\"stop_reason\":\"tool_use\"}");

    assertThat(ShadowComparison.compare(WireFormat.ANTHROPIC, streamed, whole)).isEmpty();
    assertThat(ShadowComparison.outcome(WireFormat.ANTHROPIC, streamed).toolCalls()).isEqualTo(List.of("post_entry({\"amount\":42})"));
  }

  @Test
  void responsesStream_isItsCompletedResponse() throws Exception {
    JsonNode streamed = assemble(WireFormat.OPENAI_RESPONSES,
        "{\"type\":\"response.created\",\"response\":{\"status\":\"in_progress\",\"output\":[]}}",
        "{\"type\":\"response.output_text.delta\",\"delta\":\"Hello\"}",
        "{\"type\":\"response.completed\",\"response\":{\"status\":\"completed\",\"output\":[{\"type\":\"message\","
            + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hello\"}]}]}}");
    assertThat(ShadowComparison.outcome(WireFormat.OPENAI_RESPONSES, streamed).text()).isEqualTo("Hello");
  }
}
