package io.warden.api;

import io.vertx.ext.web.Router;

/** One area of the HTTP API. Routes are mounted behind authentication. */
@FunctionalInterface
public interface ApiRoutes {
  void mount(Router router, Http http);
}
