package io.warden.executors.session;

/** Creates the session router: {@code SessionRouters.builder().setX(..).build()}. */
public final class SessionRouters {
  private SessionRouters() {}

  /** The tables the router keeps in its store ({@link SessionRouterBuilder#setStore}); a cluster shares them. */
  public static final java.util.List<String> TABLES = io.warden.executors.session.internal.RouterCore.TABLES;

  public static SessionRouterBuilder builder() {
    return new SessionRouterBuilder();
  }
}
