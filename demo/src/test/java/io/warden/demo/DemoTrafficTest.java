package io.warden.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.warden.demo.ScriptedAgent.Baggage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invoices the demo drives and the baggage its agents send, as the trace store reads them. */
class DemoTrafficTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  @Test
  void referenceAgent_withoutTheVenv_isLeftOut_andTheDemoSaysWhy(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("examples/agents"));
    Files.writeString(root.resolve("examples/agents/reference_agent.py"), "print('agent')\n");
    ByteArrayOutputStream lines = new ByteArrayOutputStream();

    assertThat(DemoTraffic.referenceAgent(root, new PrintStream(lines, true, StandardCharsets.UTF_8))).isNull();

    assertThat(lines.toString(StandardCharsets.UTF_8))
        .contains(".tools/agents-venv is not installed").contains("agents.sh --demo")
        .contains("invoice-agent (the reference agent) is left out");
  }

  @Test
  void referenceAgent_withAVenvThatCannotImportTheSdks_isLeftOut(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("examples/agents"));
    Files.writeString(root.resolve("examples/agents/reference_agent.py"), "print('agent')\n");
    Path python = root.resolve(".tools/agents-venv/bin/python");
    Files.createDirectories(python.getParent());
    // An interpreter that fails like a half-installed venv does.
    Files.writeString(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'openai'\" >&2\nexit 1\n");
    python.toFile().setExecutable(true);
    ByteArrayOutputStream lines = new ByteArrayOutputStream();

    assertThat(DemoTraffic.referenceAgent(root, new PrintStream(lines, true, StandardCharsets.UTF_8))).isNull();

    assertThat(lines.toString(StandardCharsets.UTF_8)).contains("cannot import the reference agent's packages")
        .contains("No module named 'openai'").contains("is left out");
  }

  @Test
  void invoice_everyFourthIsOverTheApprovalThreshold_theOthersUnder() {
    for (int n = 0; n < 40; n++) {
      DemoTraffic.Invoice inv = DemoTraffic.invoice(n);
      assertThat(inv.id()).isEqualTo("INV-" + (1040 + n));
      if (n % 4 == 1) {
        assertThat(inv.amount()).as(inv.text()).isGreaterThan(new BigDecimal("1000"));
      } else {
        assertThat(inv.amount()).as(inv.text()).isPositive().isLessThan(new BigDecimal("1000"));
      }
    }
    assertThat(DemoTraffic.invoice(7)).isEqualTo(DemoTraffic.invoice(7));
  }

  @Test
  void baggage_carriesTheIntentAndAppendsOneHopPerDelegation() {
    Span delegating = Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault()));
    Baggage root = Baggage.of("Pay invoice INV-1041 from Globex Logistics, 4850.00 USD");
    Baggage once = root.delegatedFrom("billing-agent", delegating);
    Baggage twice = once.delegatedFrom("ledger-agent", delegating);

    assertThat(root.header()).doesNotContain("warden.delegation");
    assertThat(decode(once.header())).containsEntry("warden.intent", root.intent())
        .containsEntry("warden.delegation", "billing-agent@" + TRACE + ":" + SPAN);
    assertThat(decode(twice.header()).get("warden.delegation"))
        .isEqualTo("billing-agent@" + TRACE + ":" + SPAN + ",ledger-agent@" + TRACE + ":" + SPAN);
    // W3C baggage members are comma-separated: values must not carry a raw comma or space.
    assertThat(twice.header().split(",")).hasSize(2);
    assertThat(twice.header()).doesNotContain(" ");
  }

  private static Map<String, String> decode(String header) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String member : header.split(",")) {
      int eq = member.indexOf('=');
      out.put(member.substring(0, eq), URLDecoder.decode(member.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }
}
