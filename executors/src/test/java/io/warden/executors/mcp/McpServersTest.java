package io.warden.executors.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.change.CheckResult;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class McpServersTest {
  private static final String ERP = """
      name: erp
      url: https://erp.internal/mcp
      tools:
        - name: pay-invoice
          side_effects: true
          cost_usd: 0.05
          value_pointer: /amount_usd
        - name: ledger-read
          side_effects: false
      """;
  private static final String AGENT = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: payments-bot
        owner: finance
      spec:
        tools:
          - mcp://gateway/pay-invoice
          - mcp://gateway/wire-transfer
      """;

  private static RepoSnapshot repo(String... pathsAndTexts) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndTexts.length; i += 2) {
      files.put(pathsAndTexts[i], pathsAndTexts[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return RepoSnapshot.of("abc123", files);
  }

  private static CheckResult check(RepoSnapshot head) {
    try {
      return McpServers.changeCheck().run(new ProposedChange("1", "t", "alice", RepoSnapshot.empty(), head, List.of(),
        List.of()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void of_validDeclaration_readsToolsWithDefaults() {
    McpServers s = McpServers.of(repo("mcp/erp.yaml", ERP));
    assertThat(s.revision()).isEqualTo("abc123");
    McpTool pay = s.tool("pay-invoice").orElseThrow();
    assertThat(pay.valuePointer()).isEqualTo("/amount_usd");
    assertThat(pay.costUsd()).isEqualByComparingTo("0.05");
    assertThat(pay.reference()).isEqualTo("mcp://gateway/pay-invoice");
    McpTool read = s.tool("ledger-read").orElseThrow();
    assertThat(read.sideEffects()).isFalse();
    assertThat(read.costUsd()).isEqualByComparingTo("0");
    assertThat(s.server("erp").orElseThrow().transport()).isEqualTo(McpTransport.http(java.net.URI.create(
        "https://erp.internal/mcp")));
  }

  @Test
  void check_badFields_nameFileLineAndColumn() {
    CheckResult r = check(repo("mcp/erp.yaml", """
        name: erp
        url: ftp://erp
        tools:
          - name: pay-invoice
            cost_usd: -1
            value_pointer: amount
            colour: red
        """));
    assertThat(r.passed()).isFalse();
    assertThat(r.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
        "mcp/erp.yaml:2:1: url: url must be the server's Streamable HTTP endpoint, an absolute http(s) URL such as"
            + " https://erp.internal/mcp, got 'ftp://erp' (or give command: for a stdio server)",
        "mcp/erp.yaml:7:5: tools[0].colour: unknown key 'colour': expected one of [cost_usd, name, side_effects,"
            + " value_pointer]",
        "mcp/erp.yaml:5:5: tools[0].cost_usd: cost_usd must be a number of USD per call, 0 or more, got '-1'",
        "mcp/erp.yaml:6:5: tools[0].value_pointer: value_pointer must be a JSON pointer into the arguments, such as"
            + " /amount_usd, got 'amount'");
  }

  @Test
  void of_stdioServer_readsCommandAndEnv() {
    McpServers s = McpServers.of(repo("mcp/files.yaml", """
        name: files
        command: [python3, -m, files_mcp, --root, /srv/files]
        env:
          FILES_MODE: read-only
        tools:
          - name: file-read
            side_effects: false
        """));
    McpTransport t = s.server("files").orElseThrow().transport();
    assertThat(t).isEqualTo(McpTransport.stdio(List.of("python3", "-m", "files_mcp", "--root", "/srv/files"),
        Map.of("FILES_MODE", "read-only")));
    assertThat(t.toString()).isEqualTo("stdio: python3 -m files_mcp --root /srv/files");
  }

  @Test
  void check_badStdioDeclarations_nameFileLineAndColumn() {
    CheckResult r = check(repo(
        "mcp/both.yaml", "name: both\nurl: http://x/mcp\ncommand: [prog]\ntools:\n  - name: a\n",
        "mcp/empty.yaml", "name: empty\ncommand: []\ntools:\n  - name: b\n",
        "mcp/shell.yaml", "name: shell\ncommand: \"prog --flag\"\ntools:\n  - name: c\n",
        "mcp/env.yaml", "name: env\ncommand: [prog]\nenv:\n  BAD-NAME: x\ntools:\n  - name: d\n",
        "mcp/envurl.yaml", "name: envurl\nurl: http://x/mcp\nenv:\n  A: b\ntools:\n  - name: e\n"));
    assertThat(r.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
        "mcp/both.yaml:3:1: command: give either url (a Streamable HTTP endpoint) or command (a stdio server Warden"
            + " starts), not both",
        "mcp/empty.yaml:2:1: command: command must be a non-empty list of strings, the program and its arguments (no"
            + " shell), such as [python3, -m, erp_mcp]",
        "mcp/shell.yaml:2:1: command: command must be a non-empty list of strings, the program and its arguments (no"
            + " shell), such as [python3, -m, erp_mcp]",
        "mcp/env.yaml:4:3: env.BAD-NAME: env.BAD-NAME must be a variable name (letters, digits, '_') with a string"
            + " value",
        "mcp/envurl.yaml:3:1: env: env applies to a stdio server only: add command, or remove env");
  }

  @Test
  void check_toolCollisionAcrossServers_fails() {
    CheckResult r = check(repo("mcp/erp.yaml", ERP, "mcp/bank.yaml", """
        name: bank
        url: http://bank:9000/mcp
        tools:
          - name: pay-invoice
        """));
    assertThat(r.passed()).isFalse();
    assertThat(r.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo("mcp/erp.yaml");
      assertThat(p.line()).isEqualTo(4);
      assertThat(p.message()).contains("tool 'pay-invoice' is already declared in mcp/bank.yaml");
    });
  }

  @Test
  void check_agentNamingUndeclaredTool_fails_onlyOnceServersAreDeclared() {
    assertThat(check(repo("agents/payments-bot.yaml", AGENT)).passed()).isTrue();

    CheckResult r = check(repo("mcp/erp.yaml", ERP, "agents/payments-bot.yaml", AGENT));
    assertThat(r.passed()).isFalse();
    assertThat(r.problems()).extracting(Problem::toString).containsExactly(
        "agents/payments-bot.yaml:9:7: spec.tools[1]: 'mcp://gateway/wire-transfer' names no tool declared in"
            + " mcp/*.yaml; declared: [ledger-read, pay-invoice]");
  }

  @Test
  void of_badFile_isRefusedWhole() {
    assertThatThrownBy(() -> McpServers.of(repo("mcp/erp.yaml", "name: other\nurl: http://x/mcp\ntools: []\n")))
        .isInstanceOf(WardenException.class)
        .satisfies(e -> assertThat(((WardenException) e).problems()).hasSize(2));
  }
}
