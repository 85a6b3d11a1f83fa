package io.warden.core.descriptor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.warden.core.Problem;
import io.warden.core.descriptor.internal.EcmaAnchoredRegexFactory;
import io.warden.core.descriptor.internal.SchemaProblems;
import io.warden.core.yaml.FieldPath;
import io.warden.core.yaml.LocatedYaml;
import io.warden.core.yaml.LocatedYaml.Position;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Parses and validates agent descriptors. Never throws on bad input: every problem (malformed YAML,
 * wrong apiVersion/kind, unknown or mistyped fields, negative budgets, a name that is not a DNS label,
 * a file over {@link #MAX_FILE_BYTES}) comes back as a located {@link Problem}.
 *
 * <p>All problems of a file are reported at once, sorted by position (at most {@link #MAX_PROBLEMS},
 * then a note of how many more). Refused before any schema
 * check: a file over the size limit (unread), bytes that are not UTF-8, malformed YAML, more than
 * one YAML document, a top level that is not a mapping. Duplicate keys and YAML aliases are refused
 * too, alongside the schema's findings. Locations: a wrong value points at the value, an unknown
 * field at its key, a missing required field at the key of the mapping that lacks it.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class DescriptorParser {

  /** Descriptors larger than this are refused unread: {@value} bytes (1 MiB). */
  public static final int MAX_FILE_BYTES = 1 << 20;

  /** Classpath location of the published JSON Schema (also served at /api/v1/schemas/agent.json). */
  public static final String SCHEMA_RESOURCE = "/io/warden/core/descriptor/agent.schema.json";

  /**
   * Most problems reported for one file: {@value}. Beyond it the list ends with a note saying how many
   * more there were (a file with thousands of bad lines is usually the wrong file).
   */
  public static final int MAX_PROBLEMS = 100;

  private static final Comparator<Problem> BY_POSITION = Comparator.comparingInt(Problem::line)
      .thenComparingInt(Problem::column)
      .thenComparing(Problem::field)
      .thenComparing(Problem::message);

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private DescriptorParser() {}

  public static DescriptorParser create() {
    return new DescriptorParser();
  }

  /**
   * Parses one descriptor file.
   *
   * @param file the path to report in problems (repository-relative, e.g. {@code agents/x.yaml})
   * @param content the raw bytes of the file
   */
  public Result parse(String file, byte[] content) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(content, "content");
    if (content.length > MAX_FILE_BYTES) {
      return Result.failed(List.of(Problem.ofFile(file, "file is " + content.length + " bytes, over the "
          + MAX_FILE_BYTES + "-byte (1 mib) limit for a descriptor: check that this is an agent descriptor")));
    }
    Decoded decoded = decodeUtf8(file, content);
    if (decoded.problem != null) {
      return Result.failed(List.of(decoded.problem));
    }
    LocatedYaml doc = LocatedYaml.read(file, decoded.text);
    List<Problem> problems = new ArrayList<>(doc.problems());
    if (doc.complete() && doc.empty()) {
      problems.add(Problem.ofFile(file, "the file is empty: expected an agent descriptor"
          + " (apiVersion: " + AgentDescriptor.API_VERSION + ", kind: " + AgentDescriptor.KIND + ", metadata, spec)"));
    } else if (doc.complete() && !doc.root().isObject()) {
      Position at = doc.locate(FieldPath.ROOT);
      problems.add(new Problem(file, at.line(), at.column(), "",
          "the top level must be a mapping with apiVersion, kind, metadata and spec, got "
              + kindOf(doc.root())));
    } else if (doc.complete()) {
      JsonNode root = doc.root();
      problems.addAll(Schema.PROBLEMS.toProblems(file, doc, Schema.VALIDATOR.validate(root)));
      problems.addAll(crossFieldProblems(file, doc, root));
      if (problems.isEmpty()) {
        return toDescriptor(file, root);
      }
    }
    problems.sort(BY_POSITION);
    if (problems.size() > MAX_PROBLEMS) {
      int more = problems.size() - MAX_PROBLEMS;
      problems = new ArrayList<>(problems.subList(0, MAX_PROBLEMS));
      problems.add(Problem.ofFile(file, "and " + more + " more problems not shown: fix the ones above first"));
    }
    return Result.failed(problems);
  }

  /** The published JSON Schema, as text. */
  public static String schema() {
    return Schema.TEXT;
  }

  /** What the schema cannot say: an agent delegating to itself. */
  private static List<Problem> crossFieldProblems(String file, LocatedYaml doc, JsonNode root) {
    List<Problem> problems = new ArrayList<>();
    JsonNode name = root.path("metadata").path("name");
    JsonNode delegates = root.path("spec").path("delegates");
    if (name.isTextual() && delegates.isArray()) {
      for (int i = 0; i < delegates.size(); i++) {
        if (delegates.get(i).equals(name)) {
          FieldPath item = FieldPath.of("spec", "delegates", i);
          Position at = doc.locate(item);
          problems.add(new Problem(file, at.line(), at.column(), item.dotted(),
              "an agent cannot delegate to itself: remove '" + name.asText() + "' from delegates"));
        }
      }
    }
    return problems;
  }

  private static Result toDescriptor(String file, JsonNode root) {
    try {
      return Result.ok(MAPPER.treeToValue(root, AgentDescriptor.class));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      // The schema should have caught it: report rather than throw, and say so.
      return Result.failed(List.of(new Problem(file, 1, 1, "",
          "the descriptor passed the schema but could not be read (a warden bug, please report it): "
              + e.getMessage().lines().findFirst().orElse("").toLowerCase(Locale.ROOT))));
    }
  }

  private static String kindOf(JsonNode node) {
    if (node.isArray()) {
      return "a list";
    }
    if (node.isNull()) {
      return "null";
    }
    return node.isTextual() ? "the text '" + node.asText() + "'" : "the value " + node.asText();
  }

  private record Decoded(String text, Problem problem) {}

  /** Strict UTF-8; the first bad byte is reported at its line and column. */
  private static Decoded decodeUtf8(String file, byte[] content) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(content);
    CharBuffer out = CharBuffer.allocate(content.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (!result.isError()) {
      return new Decoded(out.flip().toString(), null);
    }
    String before = out.flip().toString();
    int lineStart = before.lastIndexOf('\n') + 1;
    int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
    int column = before.codePointCount(lineStart, before.length()) + 1;
    return new Decoded(null, new Problem(file, line, column, "", String.format(Locale.ROOT,
        "not valid utf-8 (byte 0x%02x): save the file as utf-8", content[in.position()] & 0xff)));
  }

  /** The schema, loaded once: its text, its tree and the compiled validator. */
  private static final class Schema {
    static final String TEXT;
    static final JsonSchema VALIDATOR;
    static final SchemaProblems PROBLEMS;

    static {
      try (InputStream in = DescriptorParser.class.getResourceAsStream(SCHEMA_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("schema resource " + SCHEMA_RESOURCE + " is missing from the classpath");
        }
        TEXT = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        JsonNode tree = MAPPER.readTree(TEXT);
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_POINTER)
            .regularExpressionFactory(EcmaAnchoredRegexFactory.INSTANCE)
            .locale(Locale.ENGLISH)
            .build();
        VALIDATOR = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(tree, config);
        VALIDATOR.initializeValidators();
        PROBLEMS = new SchemaProblems(tree);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read schema resource " + SCHEMA_RESOURCE, e);
      }
    }
  }

  /** Either a descriptor (and no problems) or problems (and no descriptor). */
  public record Result(AgentDescriptor descriptor, List<Problem> problems) {
    public Result {
      problems = List.copyOf(problems);
      if ((descriptor == null) == problems.isEmpty()) {
        throw new IllegalArgumentException("exactly one of descriptor and problems must be present");
      }
    }

    public boolean ok() {
      return descriptor != null;
    }

    public static Result ok(AgentDescriptor descriptor) {
      return new Result(Objects.requireNonNull(descriptor, "descriptor"), List.of());
    }

    public static Result failed(List<Problem> problems) {
      return new Result(null, problems);
    }
  }
}
