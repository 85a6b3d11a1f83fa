package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
  /** A code given to WardenException: {@code new WardenException("code", ...)} or a subclass's {@code super("code", ...)}. */
  private static final Pattern THROWN =
      Pattern.compile("(?:new WardenException|\\bsuper)\\(\\s*\"([a-z_]+)\"\\s*,");

  @Test
  void wireCodes_andStatuses_areTheDocumentedOnes() {
    Map<String, Integer> all = new TreeMap<>();
    for (ErrorCode c : ErrorCode.values()) {
      all.put(c.wire(), c.status());
    }
    assertThat(all).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("invalid_input", 400), Map.entry("unauthorized", 401), Map.entry("forbidden", 403),
        Map.entry("not_found", 404), Map.entry("conflict", 409), Map.entry("too_large", 413),
        Map.entry("too_many_requests", 429), Map.entry("budget_exceeded", 429), Map.entry("internal_error", 500),
        Map.entry("executor_failed", 502), Map.entry("unavailable", 503), Map.entry("executor_timeout", 504)));
  }

  @Test
  void fromWire_unknownCode_isEmpty() {
    assertThat(ErrorCode.fromWire("conflict")).contains(ErrorCode.CONFLICT);
    assertThat(ErrorCode.fromWire("Conflict")).isEmpty();
    assertThat(ErrorCode.fromWire("teapot")).isEmpty();
    assertThat(ErrorCode.fromWire(null)).isEmpty();
  }

  /** A WardenException code that is not an ErrorCode would be a silent 500: find them all in the sources. */
  @Test
  void everyCodeThrownInTheProject_isAnErrorCode() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    Map<String, String> unknown = new TreeMap<>();
    int found = 0;
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
          .toList()) {
        String text = Files.readString(f);
        if (!text.contains("WardenException")) {
          continue;
        }
        Matcher m = THROWN.matcher(text);
        while (m.find()) {
          found++;
          if (ErrorCode.fromWire(m.group(1)).isEmpty()) {
            unknown.put(m.group(1), root.relativize(f).toString());
          }
        }
      }
    }
    assertThat(found).as("codes found under " + root).isGreaterThan(10);
    assertThat(unknown).as("codes thrown that ErrorCode does not know (add them, with their status)").isEmpty();
  }

  @Test
  void scan_catchesAnUnknownCode() {
    Matcher m = THROWN.matcher("throw new WardenException(\"teapot\", \"short and stout\");");
    assertThat(m.find()).isTrue();
    assertThat(ErrorCode.fromWire(m.group(1))).isEmpty();
    Matcher sub = THROWN.matcher("  Teapot() {\n    super(\"teapot\", \"short and stout\");");
    assertThat(sub.find()).isTrue();
    assertThat(sub.group(1)).isEqualTo("teapot");
    assertThat(THROWN.matcher("new UncheckedIOException(\"closed\", e)").find()).isFalse();
  }
}
