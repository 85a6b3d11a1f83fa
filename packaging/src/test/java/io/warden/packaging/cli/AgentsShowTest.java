package io.warden.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class AgentsShowTest {
  private final ObjectMapper json = new ObjectMapper();

  private String print(String body) throws Exception {
    StringWriter s = new StringWriter();
    try (PrintWriter out = new PrintWriter(s)) {
      RemoteCommands.AgentsShow.printIngest(json.readTree(body), out);
    }
    return s.toString();
  }

  @Test
  void ingestSection_listsCountsPerReasonAndTheLastRejections() throws Exception {
    String out = print("""
        {"rejected_spans": 3, "rejected_by_reason": {"invalid_span": 0, "other_agent_claimed": 3},
         "recent_rejections": [{"at": "2026-11-30T10:00:00Z", "reason": "other_agent_claimed",
           "span_id": "00f067aa0ba902b7", "message": "claims agent 'x'"}]}""");
    assertThat(out).startsWith("ingest rejections: 3 spans (other_agent_claimed 3)")
        .contains("other_agent_claimed  span 00f067aa0ba902b7: claims agent 'x'")
        .doesNotContain("invalid_span");
  }

  @Test
  void ingestSection_saysNone_whenNothingWasRejected() throws Exception {
    assertThat(print("{\"rejected_spans\": 0}")).isEqualTo("ingest rejections: none" + System.lineSeparator());
  }
}
