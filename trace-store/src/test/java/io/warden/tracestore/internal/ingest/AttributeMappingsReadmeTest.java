package io.warden.tracestore.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.warden.tracestore.internal.ingest.AttributeMappings.Field;
import io.warden.tracestore.internal.ingest.AttributeMappings.Mapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's mapping table is the code's table, row for row, and the code does what it says. */
class AttributeMappingsReadmeTest {
  private static final Path README = Path.of("README.md");
  static final String START = "<!-- mapping-table:start -->";
  static final String END = "<!-- mapping-table:end -->";

  /** The table as the README shows it. */
  static String markdown() {
    StringBuilder sb = new StringBuilder("| convention | attribute | Warden field | how |\n| --- | --- | --- | --- |\n");
    for (Mapping m : AttributeMappings.TABLE) {
      sb.append("| ").append(m.convention()).append(" | `").append(m.attribute()).append("` | `")
          .append(m.field().wardenName()).append("` | ").append(m.note()).append(" |\n");
    }
    return sb.toString();
  }

  @Test
  void readme_mappingTable_isTheCodesTable() throws IOException {
    String readme = Files.readString(README);
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    assertThat(start).as("README.md has the %s marker", START).isNotNegative();
    assertThat(end).as("README.md has the %s marker", END).isGreaterThan(start);
    String table = readme.substring(start + START.length(), end).strip() + "\n";
    assertThat(table).as("the table between the markers in trace-store/README.md; the code's table is:\n%s",
        markdown()).isEqualTo(markdown());
  }

  @Test
  void table_textRows_areTextAttributesOfTheExtractor() {
    List<String> missing = new ArrayList<>();
    for (Mapping m : AttributeMappings.TABLE) {
      String example = m.attribute().replace(".N.", ".0.");
      if (m.field() == Field.TEXT && !TextExtractor.isTextAttribute(example)
          && !TextExtractor.INPUT_VALUE.equals(example) && !TextExtractor.OUTPUT_VALUE.equals(example)) {
        missing.add(m.attribute());
      }
      if (m.field() != Field.TEXT) {
        assertThat(TextExtractor.isTextAttribute(example)).as("%s is a field, not text", m.attribute()).isFalse();
      }
    }
    assertThat(missing).as("text rows the extractor does not read").isEmpty();
  }

  @Test
  void table_rowsOfAField_areReadInTheirOrder() {
    for (Field f : Field.values()) {
      List<String> keys = AttributeMappings.keys(f);
      for (int i = 0; i < keys.size(); i++) {
        // Offered in reverse, so that the table's order decides, not the span's.
        SpanAttributes attrs = new SpanAttributes();
        List<String> carried = keys.subList(i, keys.size());
        for (String k : carried.reversed()) {
          attrs.offer(k, AnyValue.newBuilder().setStringValue("v").build());
        }
        assertThat(attrs.firstKey(f)).as("%s with %s", f, carried).isEqualTo(keys.get(i));
      }
    }
  }
}
