package io.warden.executors.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The comparison of shadow pairs on the wire shapes the gateway tests do not cover with an SDK. */
class ShadowComparisonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  private static JsonNode anthropic(String text, String toolInput) throws Exception {
    return json("{'content':[{'type':'text','text':'" + text + "'},{'type':'tool_use','id':'t1','name':'pay',"
        + "'input':" + toolInput + "}],'stop_reason':'tool_use'}");
  }

  private static JsonNode responses(String arguments, String status) throws Exception {
    return json("{'status':'" + status + "','output':[{'type':'function_call','name':'pay','arguments':"
        + JSON.writeValueAsString(arguments).replace('"', '\'') + "}]}");
  }

  @Test
  void anthropicToolUse_sameArgumentsInAnyKeyOrder_agree_otherArguments_disagree() throws Exception {
    assertThat(ShadowComparison.compare(WireFormat.ANTHROPIC, anthropic("Paying.", "{'id':'INV-1','usd':10}"),
        anthropic("paying", "{'usd':10,'id':'INV-1'}"))).isEmpty();
    assertThat(ShadowComparison.compare(WireFormat.ANTHROPIC, anthropic("Paying.", "{'id':'INV-1','usd':10}"),
        anthropic("Paying.", "{'id':'INV-1','usd':11}")))
        .containsExactly("tool calls: primary [pay({\"id\":\"INV-1\",\"usd\":10})], candidate [pay({\"id\":\"INV-1\",\"usd\":11})]");
  }

  @Test
  void responsesFunctionCalls_areComparedAsJson_andAnIncompleteAnswerDiffersInItsEnd() throws Exception {
    assertThat(ShadowComparison.compare(WireFormat.OPENAI_RESPONSES, responses("{\"a\": 1}", "completed"),
        responses("{\"a\":1}", "completed"))).isEmpty();
    assertThat(ShadowComparison.compare(WireFormat.OPENAI_RESPONSES, responses("{\"a\": 1}", "completed"),
        responses("{\"a\":1}", "incomplete"))).containsExactly("end: primary answer, candidate length");
  }

  @Test
  void structuredOutput_namesEachDifferingField_andNonJsonCandidate() throws Exception {
    JsonNode primary = json("{'choices':[{'message':{'content':'{\\'a\\':1,\\'b\\':[1,2],\\'c\\':\\'x\\'}'},"
        + "'finish_reason':'stop'}]}");
    JsonNode other = json("{'choices':[{'message':{'content':'{\\'a\\':1.0,\\'b\\':[1,3],\\'d\\':true}'},"
        + "'finish_reason':'stop'}]}");
    JsonNode prose = json("{'choices':[{'message':{'content':'a is 1'},'finish_reason':'stop'}]}");
    assertThat(ShadowComparison.compare(WireFormat.OPENAI, primary, other)).containsExactly(
        "field /b/1: primary 2, candidate 3", "field /c: only the primary set it", "field /d: only the candidate set it");
    assertThat(ShadowComparison.compare(WireFormat.OPENAI, primary, prose)).singleElement().asString()
        .startsWith("structured output: the primary answered JSON, the candidate did not");
  }

  @Test
  void normalise_foldsCaseAndWhitespace_dropsFinalPunctuation() {
    assertThat(ShadowComparison.normalise("  The Total\n is   42 USD!? ")).isEqualTo("the total is 42 usd");
  }
}
