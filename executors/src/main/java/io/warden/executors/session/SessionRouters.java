package io.warden.executors.session;

/** Creates the session router: {@code SessionRouters.builder().setX(..).build()}. */
public final class SessionRouters {
  private SessionRouters() {}

  public static SessionRouterBuilder builder() {
    return new SessionRouterBuilder();
  }
}
