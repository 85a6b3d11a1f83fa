package io.warden.ui;

import io.warden.core.WardenException;
import io.warden.ui.internal.Services;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.ee11.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee11.plus.webapp.EnvConfiguration;
import org.eclipse.jetty.ee11.plus.webapp.PlusConfiguration;
import org.eclipse.jetty.ee11.webapp.Configuration;
import org.eclipse.jetty.ee11.webapp.FragmentConfiguration;
import org.eclipse.jetty.ee11.webapp.JettyWebXmlConfiguration;
import org.eclipse.jetty.ee11.webapp.MetaInfConfiguration;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.ee11.webapp.WebInfConfiguration;
import org.eclipse.jetty.ee11.webapp.WebXmlConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The governance console: Vaadin on an embedded Jetty, in Warden's process. Start it with {@link
 * #builder()}; it serves the prebuilt production bundle of Vaadin's stock components (no Node, no
 * frontend build at run time).
 */
public final class Console implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Console.class);

  /**
   * The class-path entries Jetty scans for Vaadin's initializers and the console's {@code @Route}
   * pages: Vaadin's and Jetty's own jars and this module (its jar, or its classes directory in a
   * build). Scanning the whole class path would cost seconds at every start.
   */
  static final String SCANNED_JARS =
      ".*/(flow-|vaadin-|warden-ui)[^/]*\\.jar$|.*/ui/target/(test-)?classes/?$";

  private final Server server;

  private Console(Server server) {
    this.server = server;
  }

  public static ConsoleBuilder builder() {
    return new ConsoleBuilder();
  }

  static Console start(String host, int port, Path workDir, Services services) {
    QueuedThreadPool threads = new QueuedThreadPool(64, 2, 60_000);
    threads.setName("console");
    threads.setDaemon(true);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);

    WebAppContext context = new WebAppContext();
    context.setContextPath("/");
    Path base = emptyDir(workDir.resolve("webapp"));
    context.setBaseResource(context.getResourceFactory().newResource(base));
    context.setTempDirectory(emptyDir(workDir.resolve("tmp")).toFile());
    context.setParentLoaderPriority(true);
    // No webdefault.xml: its listeners are Jetty classes the webapp class loader hides, and Vaadin
    // serves its own static files.
    context.setDefaultsDescriptor(null);
    // Nothing hidden from the console's own code: it is not a foreign webapp, and Vaadin looks up
    // Jetty's servlet classes when it deploys its servlet.
    context.setHiddenClassMatcher(new ClassMatcher());
    context.setConfigurations(new Configuration[] {
        new WebInfConfiguration(), new WebXmlConfiguration(), new MetaInfConfiguration(),
        new FragmentConfiguration(), new EnvConfiguration(), new PlusConfiguration(),
        new AnnotationConfiguration(), new JettyWebXmlConfiguration()});
    context.setAttribute(MetaInfConfiguration.CONTAINER_JAR_PATTERN, SCANNED_JARS);
    context.setAttribute(Services.ATTRIBUTE, services);
    context.setInitParameter("productionMode", "true");
    // logback-classic brings a servlet initializer that stops logging when this context stops, which
    // would silence everything Warden logs while it shuts down after the console.
    context.setInitParameter("logbackDisableServletContainerInitializer", "true");
    // The session carries who signed in; the token is checked again on every page.
    context.getSessionHandler().setMaxInactiveInterval(30 * 60);
    context.getSessionHandler().setHttpOnly(true);
    server.setHandler(context);
    server.setStopTimeout(1000);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // already failing
      }
      throw new WardenException("unavailable", "cannot start the console on " + host + ":" + port + ": " + e.getMessage());
    }
    if (context.getUnavailableException() != null) {
      Throwable cause = context.getUnavailableException();
      try {
        server.stop();
      } catch (Exception ignored) {
        // already failing
      }
      throw new WardenException("unavailable", "the console did not start: " + cause);
    }
    Console console = new Console(server);
    log.info("console listening on http://{}:{}/", host, console.port());
    return console;
  }

  /** The port actually bound. */
  public int port() {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("the console did not stop cleanly: {}", e.toString());
    }
  }

  private static Path emptyDir(Path dir) {
    try {
      if (Files.isDirectory(dir)) {
        try (var walk = Files.walk(dir)) {
          walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        }
      }
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the console's directory " + dir, e);
    }
  }
}
