package io.warden.core.executor;

import java.util.Objects;

/**
 * What the runtime answered: an HTTP-like status (200 for success; the runtime's own status when it
 * refused the request), the content type and the body, passed back to the caller unchanged.
 */
public record InvocationResult(int status, String contentType, byte[] body) {

  public InvocationResult {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
  }
}
