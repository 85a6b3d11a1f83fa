package io.warden.core.descriptor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.descriptor.DescriptorParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaProblemsTest {

  @Test
  void patternWords_coverEveryPatternOfTheSchema() throws Exception {
    JsonNode schema = new ObjectMapper().readTree(DescriptorParser.schema());
    List<String> patterns = new ArrayList<>();
    collectPatterns(schema, patterns);

    assertThat(patterns).isNotEmpty();
    assertThat(SchemaProblems.PATTERN_WORDS.keySet()).containsAll(patterns);
  }

  @Test
  void closest_suggestsOnlyNearNames() {
    List<String> known = List.of("model", "memory", "tools", "budgets", "approval", "delegates");

    assertThat(SchemaProblems.closest("toolz", known)).isEqualTo("tools");
    assertThat(SchemaProblems.closest("Budget", known)).isEqualTo("budgets");
    assertThat(SchemaProblems.closest("delgates", known)).isEqualTo("delegates");
    assertThat(SchemaProblems.closest("status", known)).isNull();
    assertThat(SchemaProblems.closest("x", known)).isNull();
  }

  private static void collectPatterns(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        if (e.getKey().equals("pattern") && e.getValue().isTextual()) {
          out.add(e.getValue().asText());
        } else {
          collectPatterns(e.getValue(), out);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectPatterns(n, out));
    }
  }
}
