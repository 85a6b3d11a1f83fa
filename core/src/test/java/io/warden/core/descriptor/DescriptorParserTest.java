package io.warden.core.descriptor;

import static io.warden.testing.WardenAssertions.assertThat;
import static io.warden.testing.WardenAssertions.assertThatCode;

import io.warden.core.Problem;
import io.warden.core.descriptor.DescriptorParser.Result;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DescriptorParserTest {

  private static final String FILE = "agents/reconciliation-finance.yaml";

  /** The example from DESIGN.md, line for line (line numbers below refer to it). */
  private static final String DESIGN_EXAMPLE = Examples.reconciliationFinanceYaml();

  /** Every field of the schema, Warden's extensions included. */
  private static final String EVERY_FIELD = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: invoice-triage
        owner: finance-platform
        labels:
          cost-center: fin-42
          tier: "1"
      spec:
        model:
          provider: anthropic
          name: claude-opus-4-7
          pinned_revision: "2026-02-14"
        memory:
          type: session
          retention_days: 0
        tools:
          - mcp://gateway/sap-invoice-read
        budgets:
          calls_per_hour: 500
          usd_per_day: 12.50
        approval:
          on_action_value_usd_gt: 250.75
        executor:
          type: http
          endpoint: http://127.0.0.1:9000/agents/invoice-triage
          settings:
            timeout_seconds: "30"
            runtime: langgraph
        scaling:
          max_concurrency: 16
          max_queue: 64
          partition_by: session
        shadow:
          candidate:
            provider: anthropic
            name: claude-opus-4-8
            pinned_revision: "2026-05-01"
          sample_rate: 0.1
          min_samples: 200
        routing:
          cache: true
          small_model:
            provider: anthropic
            name: claude-haiku-4-5
            pinned_revision: "2025-10-01"
          escalate_on:
            - low_confidence
            - tool_error
        delegates:
          - reconciliation-finance
          - ledger-lookup
        autonomy: shadow
      """;

  private final DescriptorParser parser = DescriptorParser.create();

  // ---- valid descriptors ----

  @Test
  void parse_designExample() {
    Result result = parse(DESIGN_EXAMPLE);

    assertThat(result.problems()).isEmpty();
    AgentDescriptor d = result.descriptor();
    assertThat(d.apiVersion()).isEqualTo(AgentDescriptor.API_VERSION);
    assertThat(d.kind()).isEqualTo(AgentDescriptor.KIND);
    assertThat(d.name()).isEqualTo("reconciliation-finance");
    assertThat(d.metadata().owner()).isEqualTo("finance-platform");
    assertThat(d.metadata().labels()).isEmpty();
    assertThat(d.spec().model()).isEqualTo(new AgentDescriptor.Model("anthropic", "claude-opus-4-7", "2026-02-14"));
    assertThat(d.spec().memory()).isEqualTo(new AgentDescriptor.Memory("persistent", 90));
    assertThat(d.spec().tools()).containsExactly(
        "mcp://gateway/sap-invoice-read", "mcp://gateway/ledger-read", "mcp://gateway/email-draft");
    assertThat(d.spec().budgets().callsPerHour()).isEqualTo(200);
    assertThat(d.spec().budgets().usdPerDay()).isEqualByComparingTo("40");
    assertThat(d.spec().approval().onActionValueUsdGt()).isEqualByComparingTo("1000");
    assertThat(d.spec().executor()).isNull();
    assertThat(d.spec().scaling()).isNull();
    assertThat(d.spec().shadow()).isNull();
    assertThat(d.spec().routing()).isNull();
    assertThat(d.spec().delegates()).isEmpty();
    assertThat(d.spec().autonomy()).isNull();
    assertThat(d.spec().effectiveAutonomy()).isEqualTo(AgentDescriptor.Autonomy.AUTONOMOUS);
  }

  @Test
  void parse_everyExtension() {
    Result result = parse(EVERY_FIELD);

    assertThat(result.problems()).isEmpty();
    AgentDescriptor d = result.descriptor();
    assertThat(d.metadata().labels()).isEqualTo(Map.of("cost-center", "fin-42", "tier", "1"));
    assertThat(d.spec().memory()).isEqualTo(new AgentDescriptor.Memory("session", 0));
    assertThat(d.spec().budgets().usdPerDay()).isEqualTo(new BigDecimal("12.50"));
    assertThat(d.spec().approval().onActionValueUsdGt()).isEqualTo(new BigDecimal("250.75"));
    assertThat(d.spec().executor()).isEqualTo(new AgentDescriptor.Executor("http",
        "http://127.0.0.1:9000/agents/invoice-triage", Map.of("timeout_seconds", "30", "runtime", "langgraph")));
    assertThat(d.spec().scaling()).isEqualTo(new AgentDescriptor.Scaling(16, 64, "session"));
    assertThat(d.spec().shadow().candidate())
        .isEqualTo(new AgentDescriptor.Model("anthropic", "claude-opus-4-8", "2026-05-01"));
    assertThat(d.spec().shadow().sampleRate()).isEqualTo(new BigDecimal("0.1"));
    assertThat(d.spec().shadow().minSamples()).isEqualTo(200);
    assertThat(d.spec().routing()).isEqualTo(new AgentDescriptor.Routing(true,
        new AgentDescriptor.Model("anthropic", "claude-haiku-4-5", "2025-10-01"),
        List.of("low_confidence", "tool_error")));
    assertThat(d.spec().delegates()).containsExactly("reconciliation-finance", "ledger-lookup");
    assertThat(d.spec().autonomy()).isEqualTo(AgentDescriptor.Autonomy.SHADOW);
  }

  @Test
  void parse_autonomy_eachValueAccepted_unknownRefusedAtItsPlace() {
    for (AgentDescriptor.Autonomy a : AgentDescriptor.Autonomy.values()) {
      Result result = parse(DESIGN_EXAMPLE + "  autonomy: " + a.wireName() + "\n");
      assertThat(result.problems()).as(a.wireName()).isEmpty();
      assertThat(result.descriptor().spec().effectiveAutonomy()).isEqualTo(a);
    }
    assertThat(problems(DESIGN_EXAMPLE + "  autonomy: yolo\n")).containsExactly(
        FILE + ":23:13: spec.autonomy: must be one of shadow, supervised, autonomous, got 'yolo'");
    assertThat(problems(DESIGN_EXAMPLE + "  autonomy: Shadow\n")).containsExactly(
        FILE + ":23:13: spec.autonomy: must be one of shadow, supervised, autonomous, got 'Shadow'");
  }

  @Test
  void parse_kubernetesStyleLabelKeys() {
    String yaml = with(DESIGN_EXAMPLE, "  owner: finance-platform\n",
        "  owner: finance-platform\n  labels:\n    app.kubernetes.io/part-of: finance\n    Tier_1: \"yes\"\n");

    assertThat(parse(yaml).descriptor().metadata().labels())
        .isEqualTo(Map.of("app.kubernetes.io/part-of", "finance", "Tier_1", "yes"));
    assertThat(problems(with(yaml, "Tier_1", "-tier"))).containsExactly(FILE + ":8:5: metadata.labels.-tier:"
        + " invalid key '-tier': must be a label key ([prefix/]name: a name of 1 to 63 letters, digits, '-', '_'"
        + " or '.', starting and ending with a letter or digit, after an optional dns-subdomain prefix)");
  }

  @Test
  void parse_leadingDocumentMarkerAndByteOrderMark() {
    Result result = parse("\uFEFF---\n" + DESIGN_EXAMPLE);

    assertThat(result.problems()).isEmpty();
    assertThat(result.descriptor().name()).isEqualTo("reconciliation-finance");
  }

  @Test
  void parse_integralDecimalForIntegerField() {
    Result result = parse(with(DESIGN_EXAMPLE, "calls_per_hour: 200", "calls_per_hour: 200.0"));

    assertThat(result.problems()).isEmpty();
    assertThat(result.descriptor().spec().budgets().callsPerHour()).isEqualTo(200);
  }

  // ---- the file as a whole ----

  @Test
  void parse_emptyFile() {
    assertThat(problems(new byte[0])).containsExactly(FILE
        + ": the file is empty: expected an agent descriptor (apiVersion: agent.os/v1, kind: Agent, metadata, spec)");
  }

  @Test
  void parse_onlyCommentsAndBlankLines() {
    assertThat(problems("# nothing yet\n\n   \n")).singleElement()
        .satisfies(p -> assertThat(p).contains(": the file is empty"));
    assertThat(problems("---\n")).singleElement().satisfies(p -> assertThat(p).contains(": the file is empty"));
  }

  @Test
  void parse_overMaxFileBytes_refusedUnread() {
    byte[] huge = new byte[DescriptorParser.MAX_FILE_BYTES + 1];
    Arrays.fill(huge, (byte) 0xFF); // not UTF-8, not YAML: only the size may be reported

    Result result = parser.parse(FILE, huge);

    assertThat(result.problems()).containsExactly(Problem.ofFile(FILE,
        "file is 1048577 bytes, over the 1048576-byte (1 mib) limit for a descriptor:"
            + " check that this is an agent descriptor"));
  }

  @Test
  void parse_exactlyMaxFileBytes_accepted() {
    byte[] valid = DESIGN_EXAMPLE.getBytes(StandardCharsets.UTF_8);
    byte[] padded = Arrays.copyOf(valid, DescriptorParser.MAX_FILE_BYTES);
    padded[valid.length] = '#';
    Arrays.fill(padded, valid.length + 1, padded.length, (byte) 'x');

    assertThat(parser.parse(FILE, padded).ok()).isTrue();
  }

  @Test
  void parse_invalidUtf8_pointsAtTheBadByte() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String before = DESIGN_EXAMPLE.substring(0, DESIGN_EXAMPLE.indexOf("finance-platform"));
    bytes.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    bytes.writeBytes("fïn".getBytes(StandardCharsets.UTF_8)); // a two-byte character counts as one column
    bytes.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28}); // a lead byte without its continuation
    bytes.writeBytes("\n".getBytes(StandardCharsets.UTF_8));

    assertThat(problems(bytes.toByteArray()))
        .containsExactly(FILE + ":5:13: not valid utf-8 (byte 0xc3): save the file as utf-8");
  }

  @Test
  void parse_malformedYaml_usesTheYamlParsersPosition() {
    String yaml = with(DESIGN_EXAMPLE, "name: claude-opus-4-7", "name: claude: opus");

    assertThat(problems(yaml)).containsExactly(FILE + ":9:17: malformed yaml: mapping values are not allowed"
        + " here (quote a value that contains ': ', or check the indentation)");
  }

  @Test
  void parse_unterminatedQuote_namesWhereTheQuoteStarted() {
    String yaml = with(DESIGN_EXAMPLE, "owner: finance-platform", "owner: 'finance-platform");

    assertThat(problems(yaml)).containsExactly(FILE + ":23:1: malformed yaml: found unexpected end of stream"
        + " (while scanning a quoted scalar started at 5:10)");
  }

  @Test
  void parse_tabIndentation() {
    String yaml = with(DESIGN_EXAMPLE, "  owner: finance-platform", "\towner: finance-platform");

    assertThat(problems(yaml))
        .containsExactly(FILE + ":5:1: malformed yaml: a tab character cannot indent yaml: indent with spaces");
  }

  @Test
  void parse_controlCharacter() {
    String yaml = with(DESIGN_EXAMPLE, "owner: finance-platform", "owner: finance\u0007platform");

    assertThat(problems(yaml))
        .containsExactly(FILE + ":5:17: malformed yaml: character U+0007 is not allowed in yaml: remove it");
  }

  @Test
  void parse_multipleDocuments_refusedAtTheSecondMarker() {
    assertThat(problems(DESIGN_EXAMPLE + "---\n" + DESIGN_EXAMPLE)).containsExactly(FILE + ":23:1: a second yaml"
        + " document starts here: a descriptor file holds exactly one agent, put each agent in its own file");
    assertThat(problems(DESIGN_EXAMPLE + "---\n")).singleElement()
        .satisfies(p -> assertThat(p).startsWith(FILE + ":23:1: a second yaml document starts here"));
  }

  @Test
  void parse_topLevelNotAMapping() {
    assertThat(problems("- apiVersion: agent.os/v1\n- kind: Agent\n")).containsExactly(FILE
        + ":1:1: the top level must be a mapping with apiVersion, kind, metadata and spec, got a list");
    assertThat(problems("\n  agent.os/v1\n")).containsExactly(FILE
        + ":2:3: the top level must be a mapping with apiVersion, kind, metadata and spec, got the text 'agent.os/v1'");
    assertThat(problems("42\n")).singleElement().satisfies(p -> assertThat(p).endsWith("got the value 42"));
  }

  @Test
  void parse_duplicateKeys_allReportedWithBothPlaces() {
    String yaml = with(DESIGN_EXAMPLE, "  owner: finance-platform\n",
        "  owner: finance-platform\n  owner: someone-else\n") + "kind: Agent\n";

    assertThat(problems(yaml)).containsExactly(
        FILE + ":6:3: metadata.owner: duplicate key 'owner' (first at 5:3): each key may appear once, remove one of them",
        FILE + ":24:1: kind: duplicate key 'kind' (first at 2:1): each key may appear once, remove one of them");
  }

  @Test
  void parse_tooDeeplyNested() {
    String yaml = "x: " + "[".repeat(40) + "]".repeat(40) + "\n";

    assertThat(parse(yaml).problems()).singleElement().satisfies(p -> assertThat(p)
        .hasLocation(FILE, 1, 4 + 31)
        .hasMessageContaining("nested deeper than 32 levels: a descriptor is at most 5 levels deep"));
  }

  @Test
  void parse_aliases_refused() {
    String yaml = with(with(DESIGN_EXAMPLE, "name: reconciliation-finance", "name: &n reconciliation-finance"),
        "owner: finance-platform", "owner: *n");

    assertThat(problems(yaml)).containsExactly(FILE
        + ":5:10: metadata.owner: yaml aliases (*n) are not supported in descriptors: write the value out in full");
  }

  @Test
  void parse_complexKeys_refused() {
    assertThat(problems("? [apiVersion, kind]\n: agent.os/v1\n")).containsExactly(FILE
        + ":1:4: malformed yaml: keys must be plain values (complex keys such as lists or mappings are not supported)");
  }

  @Test
  void parse_thousandsOfProblems_cappedWithANote() {
    String yaml = DESIGN_EXAMPLE + "  delegates:\n" + "    - ledger-lookup\n".repeat(DescriptorParser.MAX_PROBLEMS + 51);

    List<Problem> problems = parse(yaml).problems();

    assertThat(problems).hasSize(DescriptorParser.MAX_PROBLEMS + 1);
    assertThat(problems.get(0).toString()).isEqualTo(FILE
        + ":25:7: spec.delegates[1]: 'ledger-lookup' is listed twice (first at 24:7): list each item once");
    assertThat(problems.get(DescriptorParser.MAX_PROBLEMS))
        .isEqualTo(Problem.ofFile(FILE, "and 50 more problems not shown: fix the ones above first"));
  }

  // ---- apiVersion and kind ----

  @Test
  void parse_wrongApiVersion() {
    assertThat(problems(with(DESIGN_EXAMPLE, "agent.os/v1", "agent.os/v2")))
        .containsExactly(FILE + ":1:13: apiVersion: must be 'agent.os/v1', got 'agent.os/v2'");
  }

  @Test
  void parse_wrongKind() {
    assertThat(problems(with(DESIGN_EXAMPLE, "kind: Agent", "kind: agent")))
        .containsExactly(FILE + ":2:7: kind: must be 'Agent', got 'agent'");
  }

  // ---- unknown and missing fields ----

  @Test
  void parse_unknownField_atItsKey_withTheKnownFieldsAndASuggestion() {
    assertThat(problems(with(DESIGN_EXAMPLE, "  tools:", "  toolz:"))).containsExactly(FILE
        + ":14:3: spec.toolz: unknown field 'toolz': expected one of model, memory, tools, budgets, approval,"
        + " executor, scaling, shadow, routing, delegates, autonomy; did you mean 'tools'?");
  }

  @Test
  void parse_unknownFieldWithoutLikelyMeaning() {
    assertThat(problems(DESIGN_EXAMPLE + "status: running\n")).containsExactly(FILE
        + ":23:1: status: unknown field 'status': expected one of apiVersion, kind, metadata, spec");
  }

  @Test
  void parse_unknownFieldInsideTheModel() {
    assertThat(problems(with(DESIGN_EXAMPLE, "    pinned_revision:", "    revision:"))).containsExactly(
        FILE + ":7:3: spec.model.pinned_revision: missing required field 'pinned_revision'",
        FILE + ":10:5: spec.model.revision: unknown field 'revision': expected one of provider, name,"
            + " pinned_revision");
  }

  @Test
  void parse_missingRequiredField_atTheKeyOfItsMapping() {
    assertThat(problems(with(DESIGN_EXAMPLE, "  owner: finance-platform\n", "")))
        .containsExactly(FILE + ":3:1: metadata.owner: missing required field 'owner'");
  }

  @Test
  void parse_missingTopLevelFields_atTheStart() {
    String metadataOnly = DESIGN_EXAMPLE.substring(0, DESIGN_EXAMPLE.indexOf("spec:"));

    assertThat(problems(metadataOnly)).containsExactly(FILE + ":1:1: spec: missing required field 'spec'");
  }

  // ---- wrong types and values ----

  @Test
  void parse_wrongTypes() {
    String yaml = with(with(DESIGN_EXAMPLE, "calls_per_hour: 200", "calls_per_hour: many"),
        "  approval:\n    on_action_value_usd_gt: 1000\n", "  approval: yes\n");

    assertThat(problems(yaml)).containsExactly(
        FILE + ":19:21: spec.budgets.calls_per_hour: must be an integer >= 0, got 'many'",
        FILE + ":21:13: spec.approval: must be a mapping, got yes");
  }

  @Test
  void parse_emptyValueWhereAMappingBelongs() {
    String yaml = with(DESIGN_EXAMPLE, "  budgets:\n    calls_per_hour: 200\n    usd_per_day: 40\n", "  budgets:\n");

    assertThat(problems(yaml)).containsExactly(FILE + ":18:11: spec.budgets: must be a mapping, got an empty value");
  }

  @Test
  void parse_negativeBudgets() {
    String yaml = with(with(with(DESIGN_EXAMPLE, "usd_per_day: 40", "usd_per_day: -5"),
        "calls_per_hour: 200", "calls_per_hour: -1"), "usd_gt: 1000", "usd_gt: -0.01");

    assertThat(problems(yaml)).containsExactly(
        FILE + ":19:21: spec.budgets.calls_per_hour: must be an integer >= 0, got -1",
        FILE + ":20:18: spec.budgets.usd_per_day: must be a number >= 0, got -5",
        FILE + ":22:29: spec.approval.on_action_value_usd_gt: must be a number >= 0, got -0.01");
  }

  @Test
  void parse_integerBeyondItsRange() {
    assertThat(problems(with(DESIGN_EXAMPLE, "calls_per_hour: 200", "calls_per_hour: 99999999999")))
        .containsExactly(FILE
            + ":19:21: spec.budgets.calls_per_hour: must be an integer from 0 to 2147483647, got 99999999999");
  }

  @Test
  void parse_namesThatAreNotDnsLabels() {
    String rule = "must be a dns label (1 to 63 lowercase letters, digits or '-', starting and ending with a letter"
        + " or digit), got ";
    for (String bad : List.of("Reconciliation_Finance", "reconciliation-", "a".repeat(64), "recon.finance")) {
      assertThat(problems(with(DESIGN_EXAMPLE, "name: reconciliation-finance", "name: " + bad)))
          .as(bad).containsExactly(FILE + ":4:9: metadata.name: " + rule + "'" + bad + "'");
    }
    assertThat(problems(with(DESIGN_EXAMPLE, "name: reconciliation-finance", "name: |\n    recon\n")))
        .as("a trailing newline from a block scalar").containsExactly(FILE + ":4:9: metadata.name: " + rule + "'recon\\n'");
  }

  @Test
  void parse_unknownEnumValues() {
    String yaml = with(DESIGN_EXAMPLE, "type: persistent", "type: forever")
        + "  scaling:\n    partition_by: user\n";

    assertThat(problems(yaml)).containsExactly(
        FILE + ":12:11: spec.memory.type: must be one of none, session, persistent, got 'forever'",
        FILE + ":24:19: spec.scaling.partition_by: must be one of session, tenant, none, got 'user'");
  }

  @Test
  void parse_unquotedNumericRevision_suggestsQuoting() {
    assertThat(problems(with(DESIGN_EXAMPLE, "\"2026-02-14\"", "20260214"))).containsExactly(FILE
        + ":10:22: spec.model.pinned_revision: must be a string without spaces, got 20260214 (quote it: \"20260214\")");
  }

  @Test
  void parse_movingRevisionAlias_refused() {
    assertThat(problems(with(DESIGN_EXAMPLE, "\"2026-02-14\"", "latest"))).containsExactly(FILE
        + ":10:22: spec.model.pinned_revision: must be an exact revision: 'latest' is a moving alias,"
        + " and warden pins exact revisions");
  }

  @Test
  void parse_toolsMustBeGatewayReferences_listedOnce() {
    String yaml = with(DESIGN_EXAMPLE, "    - mcp://gateway/email-draft",
        "    - mcp://gateway/ledger-read\n    - https://tools.example.com/email");

    assertThat(problems(yaml)).containsExactly(
        FILE + ":17:7: spec.tools[2]: 'mcp://gateway/ledger-read' is listed twice (first at 16:7): list each item once",
        FILE + ":18:7: spec.tools[3]: must be a tool reference mcp://gateway/<tool> (<tool>: lowercase letters,"
            + " digits, '.', '_' or '-', starting with a letter or digit), got 'https://tools.example.com/email'");
  }

  @Test
  void parse_extensionsOutOfRange() {
    String yaml = with(with(with(with(EVERY_FIELD, "sample_rate: 0.1", "sample_rate: 1.5"),
        "max_concurrency: 16", "max_concurrency: 0"), "timeout_seconds: \"30\"", "timeout_seconds: 30"),
        "    - ledger-lookup", "    - Ledger");

    assertThat(problems(yaml)).containsExactly(
        FILE + ":28:24: spec.executor.settings.timeout_seconds: must be a string, got 30 (quote it: \"30\")",
        FILE + ":31:22: spec.scaling.max_concurrency: must be an integer >= 1, got 0",
        FILE + ":39:18: spec.shadow.sample_rate: must be a number from 0 to 1, got 1.5",
        FILE + ":52:7: spec.delegates[1]: must be a dns label (1 to 63 lowercase letters, digits or '-', starting"
            + " and ending with a letter or digit), got 'Ledger'");
  }

  @Test
  void parse_selfDelegation_refused() {
    String yaml = DESIGN_EXAMPLE + "  delegates:\n    - ledger-lookup\n    - reconciliation-finance\n";

    assertThat(problems(yaml)).containsExactly(FILE
        + ":25:7: spec.delegates[1]: an agent cannot delegate to itself: remove 'reconciliation-finance' from delegates");
  }

  @Test
  void parse_everyProblemAtOnce_sortedByPosition() {
    String yaml = with(with(with(DESIGN_EXAMPLE, "usd_per_day: 40", "usd_per_day: -5"),
        "kind: Agent", "kind: Robot"), "  tools:", "  toolz:");

    List<Problem> problems = parse(yaml).problems();

    assertThat(problems).extracting(p -> p.line() + ":" + p.column() + " " + p.field()).containsExactly(
        "2:7 kind", "14:3 spec.toolz", "20:18 spec.budgets.usd_per_day");
    assertThat(problems).allSatisfy(p -> {
      assertThat(p.file()).isEqualTo(FILE);
      assertThat(p.message()).isEqualTo(p.message().toLowerCase(java.util.Locale.ROOT).replace("'robot'", "'Robot'")
          .replace("'agent'", "'Agent'"));
    });
  }

  @Test
  void parse_neverThrows_onMutatedInput() {
    byte[] valid = EVERY_FIELD.getBytes(StandardCharsets.UTF_8);
    byte[] noise = ":-[]{}\"'&*!|>#%@`\t\n ,?~0x".getBytes(StandardCharsets.UTF_8);
    Random random = new Random(42);
    for (int round = 0; round < 400; round++) {
      byte[] mutated = valid.clone();
      for (int edits = 1 + random.nextInt(4); edits > 0; edits--) {
        mutated[random.nextInt(mutated.length)] = random.nextInt(10) == 0
            ? (byte) random.nextInt(256) : noise[random.nextInt(noise.length)];
      }
      byte[] input = random.nextBoolean() ? mutated : Arrays.copyOf(mutated, random.nextInt(mutated.length));

      assertThatCode(() -> {
        Result result = parser.parse(FILE, input);
        assertThat(result.ok() || !result.problems().isEmpty()).isTrue();
        assertThat(result.problems()).isSortedAccordingTo(
            java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
      }).as("round %d: %s", round, new String(input, StandardCharsets.UTF_8)).doesNotThrowAnyException();
    }
  }

  // ---- the schema ----

  @Test
  void schema_isLoadedOnce() {
    assertThat(DescriptorParser.schema()).isSameAs(DescriptorParser.schema());
    assertThat(DescriptorParser.schema()).contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"");
  }

  // ---- helpers ----

  private Result parse(String yaml) {
    return parser.parse(FILE, yaml.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> problems(String yaml) {
    return problems(yaml.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> problems(byte[] content) {
    Result result = parser.parse(FILE, content);
    assertThat(result.ok()).as("expected problems").isFalse();
    return result.problems().stream().map(Problem::toString).toList();
  }

  /** {@code text} with {@code from} (which must occur exactly once) replaced. */
  private static String with(String text, String from, String to) {
    int at = text.indexOf(from);
    assertThat(at).as("'%s' in the test input", from).isNotNegative();
    assertThat(text.indexOf(from, at + 1)).as("'%s' occurs once in the test input", from).isNegative();
    return text.substring(0, at) + to + text.substring(at + from.length());
  }
}
