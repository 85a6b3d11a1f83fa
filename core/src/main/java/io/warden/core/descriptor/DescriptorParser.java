package io.warden.core.descriptor;

import io.warden.core.Problem;
import java.util.List;
import java.util.Objects;

/**
 * Parses and validates agent descriptors. Never throws on bad input: every problem (malformed YAML,
 * wrong apiVersion/kind, unknown or mistyped fields, negative budgets, a name that is not a DNS label,
 * a file over {@link #MAX_FILE_BYTES}) comes back as a located {@link Problem}.
 */
public final class DescriptorParser {

  /** Descriptors larger than this are refused unread: {@value} bytes (1 MiB). */
  public static final int MAX_FILE_BYTES = 1 << 20;

  /** Classpath location of the published JSON Schema (also served at /api/v1/schemas/agent.json). */
  public static final String SCHEMA_RESOURCE = "/io/warden/core/descriptor/agent.schema.json";

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
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** The published JSON Schema, as text. */
  public static String schema() {
    throw new UnsupportedOperationException("not implemented yet");
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
