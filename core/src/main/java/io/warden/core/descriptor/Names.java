package io.warden.core.descriptor;

import io.warden.core.WardenException;

/**
 * The naming rules of descriptors, shared by everything that names agents (identity, gitops, the
 * gateways). The same rules appear as patterns in the published schema; a test keeps them equal.
 */
public final class Names {

  /** The DNS-label rule as a regular expression (RFC 1123 label, lowercase): {@value}. */
  public static final String DNS_LABEL_PATTERN = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

  /** Longest DNS label: {@value} characters. */
  public static final int DNS_LABEL_MAX_LENGTH = 63;

  /** The DNS-label rule in words, for error messages. */
  public static final String DNS_LABEL_RULE =
      "a dns label: 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit";

  /** Every tool reference starts with this: {@value}. */
  public static final String TOOL_REF_PREFIX = "mcp://gateway/";

  /** A tool reference as a regular expression: {@value}. */
  public static final String TOOL_REF_PATTERN = "^mcp://gateway/[a-z0-9][a-z0-9._-]*$";

  private Names() {}

  /** True when {@code name} is a DNS label: 1 to 63 of {@code [a-z0-9-]}, not starting or ending with '-'. */
  public static boolean isDnsLabel(String name) {
    if (name == null || name.isEmpty() || name.length() > DNS_LABEL_MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (c != '-' || i == 0 || i == name.length() - 1)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns {@code name} when it is a DNS label, else refuses it.
   *
   * @param what what the name names, for the message ({@code "agent name"})
   * @throws WardenException with code {@code invalid_input} naming the bad value and the rule
   */
  public static String requireDnsLabel(String what, String name) {
    if (!isDnsLabel(name)) {
      throw WardenException.invalid(
          what + " must be " + DNS_LABEL_RULE + ", got " + (name == null ? "nothing" : "'" + name + "'"));
    }
    return name;
  }

  /** True when {@code ref} is {@code mcp://gateway/<tool>} with a valid tool name. */
  public static boolean isToolRef(String ref) {
    if (ref == null || !ref.startsWith(TOOL_REF_PREFIX) || ref.length() == TOOL_REF_PREFIX.length()) {
      return false;
    }
    for (int i = TOOL_REF_PREFIX.length(); i < ref.length(); i++) {
      char c = ref.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      boolean first = i == TOOL_REF_PREFIX.length();
      if (!alnum && (first || (c != '.' && c != '_' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  /** The tool name of a tool reference ({@code sap-invoice-read} for {@code mcp://gateway/sap-invoice-read}). */
  public static String toolName(String ref) {
    if (!isToolRef(ref)) {
      throw new IllegalArgumentException("not a tool reference (" + TOOL_REF_PREFIX + "<tool>): '" + ref + "'");
    }
    return ref.substring(TOOL_REF_PREFIX.length());
  }
}
