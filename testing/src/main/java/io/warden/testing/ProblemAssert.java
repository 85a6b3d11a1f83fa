package io.warden.testing;

import io.warden.core.Problem;
import org.assertj.core.api.AbstractObjectAssert;

/** Fluent checks of a located {@link Problem}: {@code assertThat(problem).hasLocation("agents/x.yaml", 8, 3)}. */
public final class ProblemAssert extends AbstractObjectAssert<ProblemAssert, Problem> {

  ProblemAssert(Problem actual) {
    super(actual, ProblemAssert.class);
  }

  /** The problem points at this file, line and column. */
  public ProblemAssert hasLocation(String file, int line, int column) {
    isNotNull();
    if (!actual.file().equals(file) || actual.line() != line || actual.column() != column) {
      failWithMessage("expected the problem at <%s:%d:%d> but it was at <%s:%d:%d>: %s",
          file, line, column, actual.file(), actual.line(), actual.column(), actual);
    }
    return this;
  }

  /** The problem names this dotted field path. */
  public ProblemAssert hasField(String field) {
    isNotNull();
    if (!actual.field().equals(field)) {
      failWithMessage("expected the problem on field <%s> but it was on <%s>: %s", field, actual.field(), actual);
    }
    return this;
  }

  /** The problem's message contains this text. */
  public ProblemAssert hasMessageContaining(String text) {
    isNotNull();
    if (!actual.message().contains(text)) {
      failWithMessage("expected the problem's message to contain <%s> but it was <%s>", text, actual.message());
    }
    return this;
  }
}
