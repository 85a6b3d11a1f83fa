package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The two client-facing wire formats and their error shapes: OpenAI's
 * {@code {"error":{"message","type","param","code"}}} and Anthropic's
 * {@code {"type":"error","error":{"type","message"}}}.
 *
 * <p>Internal: not public API.
 */
public enum WireFormat {
  /** OpenAI Chat Completions. */
  OPENAI,
  /** OpenAI Responses: OpenAI's error shape, its own stream events. */
  OPENAI_RESPONSES,
  /** Anthropic Messages. */
  ANTHROPIC;

  /** The error body for {@code status} in this format. */
  public String errorBody(int status, String code, String message) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (this == ANTHROPIC) {
      root.put("type", "error");
      ObjectNode e = root.putObject("error");
      e.put("type", anthropicType(status));
      e.put("message", message);
    } else {
      ObjectNode e = root.putObject("error");
      e.put("message", message);
      e.put("type", openAiType(status));
      e.putNull("param");
      e.put("code", code);
    }
    return root.toString();
  }

  /** A stream event that tells the client the answer broke off. */
  public String streamErrorEvent(String message) {
    if (this == OPENAI_RESPONSES) {
      ObjectNode e = JsonNodeFactory.instance.objectNode();
      e.put("type", "error").put("code", "upstream_error").put("message", message).putNull("param");
      e.put("sequence_number", 0);
      return "event: error\ndata: " + e + "\n\n";
    }
    String body = errorBody(502, "upstream_error", message);
    return this == ANTHROPIC ? "event: error\ndata: " + body + "\n\n" : "data: " + body + "\n\n";
  }

  private static String anthropicType(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 529, 503 -> "overloaded_error";
      default -> "api_error";
    };
  }

  private static String openAiType(int status) {
    return switch (status) {
      case 400, 404, 413 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> "server_error";
    };
  }
}
