package io.warden.core.descriptor.internal;

import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;
import java.util.regex.Pattern;

/**
 * Compiles schema patterns with java.util.regex, but with ECMA-262's meaning of a final {@code $}:
 * end of input. In Java {@code $} also matches before a trailing newline, so {@code "name\n"} (a
 * YAML block scalar) would pass {@code ^[a-z0-9]...$} here and fail in every other validator of the
 * published schema.
 *
 * <p>Internal: not a public API, it can change at any time.
 */
public final class EcmaAnchoredRegexFactory implements RegularExpressionFactory {

  public static final EcmaAnchoredRegexFactory INSTANCE = new EcmaAnchoredRegexFactory();

  private EcmaAnchoredRegexFactory() {}

  @Override
  public RegularExpression getRegularExpression(String regex) {
    Pattern pattern = Pattern.compile(toJava(regex));
    return value -> pattern.matcher(value).find();
  }

  /** Rewrites an unescaped final {@code $} to {@code \z}. */
  static String toJava(String regex) {
    if (!regex.endsWith("$")) {
      return regex;
    }
    int backslashes = 0;
    for (int i = regex.length() - 2; i >= 0 && regex.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 0 ? regex.substring(0, regex.length() - 1) + "\\z" : regex;
  }
}
