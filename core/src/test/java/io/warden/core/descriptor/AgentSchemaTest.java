package io.warden.core.descriptor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The published schema is the contract: it must say exactly what the records hold, and document it. */
class AgentSchemaTest {

  private static final JsonNode SCHEMA = read();

  static Stream<Arguments> recordsAndTheirSchemas() {
    return Stream.of(
        Arguments.of(AgentDescriptor.class, ""),
        Arguments.of(AgentDescriptor.Metadata.class, "/properties/metadata"),
        Arguments.of(AgentDescriptor.Spec.class, "/properties/spec"),
        Arguments.of(AgentDescriptor.Model.class, "/$defs/model"),
        Arguments.of(AgentDescriptor.Memory.class, "/properties/spec/properties/memory"),
        Arguments.of(AgentDescriptor.Budgets.class, "/properties/spec/properties/budgets"),
        Arguments.of(AgentDescriptor.Approval.class, "/properties/spec/properties/approval"),
        Arguments.of(AgentDescriptor.Executor.class, "/properties/spec/properties/executor"),
        Arguments.of(AgentDescriptor.Scaling.class, "/properties/spec/properties/scaling"),
        Arguments.of(AgentDescriptor.Shadow.class, "/properties/spec/properties/shadow"),
        Arguments.of(AgentDescriptor.Routing.class, "/properties/spec/properties/routing"));
  }

  @ParameterizedTest
  @MethodSource("recordsAndTheirSchemas")
  void schema_hasExactlyTheRecordsFields(Class<? extends Record> record, String pointer) {
    JsonNode schema = SCHEMA.at(pointer);
    List<String> wireNames = Arrays.stream(record.getRecordComponents())
        .map(c -> c.getAccessor().getAnnotation(JsonProperty.class).value())
        .toList();
    List<String> schemaNames = new ArrayList<>();
    schema.path("properties").fieldNames().forEachRemaining(schemaNames::add);

    assertThat(schemaNames).as(pointer).containsExactlyElementsOf(wireNames);
    assertThat(schema.path("additionalProperties").isBoolean() && !schema.path("additionalProperties").asBoolean())
        .as("%s refuses unknown fields", pointer).isTrue();
  }

  @Test
  void schema_refusesUnknownFieldsAndDocumentsEveryField() {
    List<String> undocumented = new ArrayList<>();
    List<String> open = new ArrayList<>();
    walk(SCHEMA, "", undocumented, open);

    assertThat(undocumented).as("fields without title and description").isEmpty();
    assertThat(open).as("mappings with named fields that accept unknown ones").isEmpty();
  }

  @Test
  void schema_isDraft2020WithTheFixedHeader() {
    assertThat(SCHEMA.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(SCHEMA.at("/properties/apiVersion/const").asText()).isEqualTo(AgentDescriptor.API_VERSION);
    assertThat(SCHEMA.at("/properties/kind/const").asText()).isEqualTo(AgentDescriptor.KIND);
    assertThat(SCHEMA.at("/$defs/model/required")).extracting(JsonNode::asText)
        .containsExactly("provider", "name", "pinned_revision");
  }

  @Test
  void schema_namingRulesAreTheOnesInNames() {
    assertThat(SCHEMA.at("/$defs/dnsLabel/pattern").asText()).isEqualTo(Names.DNS_LABEL_PATTERN);
    assertThat(SCHEMA.at("/$defs/toolRef/pattern").asText()).isEqualTo(Names.TOOL_REF_PATTERN);
    assertThat(SCHEMA.at("/properties/metadata/properties/name/$ref").asText()).isEqualTo("#/$defs/dnsLabel");
    assertThat(SCHEMA.at("/properties/spec/properties/delegates/items/$ref").asText()).isEqualTo("#/$defs/dnsLabel");
    assertThat(SCHEMA.at("/properties/spec/properties/tools/items/$ref").asText()).isEqualTo("#/$defs/toolRef");
  }

  @Test
  void docs_everyYamlExampleIsAValidDescriptor() throws Exception {
    Path docs = Path.of("..", "docs", "agent-descriptor.md");
    Assumptions.assumeTrue(Files.exists(docs), "docs/agent-descriptor.md is next to the module");
    Matcher yaml = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(docs));
    int examples = 0;
    while (yaml.find()) {
      examples++;
      assertThat(DescriptorParser.create().parse("docs example " + examples, yaml.group(1).getBytes(StandardCharsets.UTF_8))
          .problems()).as("docs example %d", examples).isEmpty();
    }
    assertThat(examples).isEqualTo(2);
  }

  private static void walk(JsonNode schema, String at, List<String> undocumented, List<String> open) {
    JsonNode properties = schema.get("properties");
    if (properties != null) {
      if (!schema.path("additionalProperties").isBoolean()) {
        open.add(at);
      }
      properties.properties().forEach(e -> {
        String path = at + "/" + e.getKey();
        if (!e.getValue().hasNonNull("title") || !e.getValue().hasNonNull("description")) {
          undocumented.add(path);
        }
        walk(e.getValue(), path, undocumented, open);
      });
    }
    for (String nested : List.of("items", "additionalProperties")) {
      if (schema.path(nested).isObject()) {
        walk(schema.get(nested), at + "/" + nested, undocumented, open);
      }
    }
    if (schema.has("$defs")) {
      schema.get("$defs").properties().forEach(e -> {
        if (!e.getValue().hasNonNull("title") || !e.getValue().hasNonNull("description")) {
          undocumented.add("$defs/" + e.getKey());
        }
        walk(e.getValue(), "$defs/" + e.getKey(), undocumented, open);
      });
    }
  }

  private static JsonNode read() {
    try {
      return new ObjectMapper().readTree(DescriptorParser.schema());
    } catch (Exception e) {
      throw new AssertionError("the schema is not JSON", e);
    }
  }
}
