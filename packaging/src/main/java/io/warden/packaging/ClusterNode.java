package io.warden.packaging;

import io.warden.core.WardenException;
import io.warden.executors.session.SessionCluster;
import io.warden.packaging.config.WardenConfig;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Joins the cluster ({@code cluster.*} in warden.yaml) when {@code cluster.enabled} is true.
 *
 * <p>Hazelcast and {@code vertx-hazelcast} are not on the appliance's class path: the build puts them
 * in {@code lib/cluster/}. Vert.x registers {@code vertx-hazelcast} as a service that every
 * {@code Vertx.vertx()} would load, so on the class path even a single node would load Hazelcast
 * classes; apart, a single node never sees them. A cluster member loads them here in a class loader
 * of its own, together with {@code io.warden.executors.cluster} (the code that uses them), and talks
 * to it through {@link SessionCluster}, which both sides share.
 */
final class ClusterNode {
  private static final String IMPLEMENTATION = "io.warden.executors.cluster.WardenCluster";

  private ClusterNode() {}

  static SessionCluster join(WardenConfig config) {
    List<String> members = Arrays.stream(config.string("cluster.members").split(",")).map(String::strip)
        .filter(s -> !s.isEmpty()).toList();
    if (members.isEmpty()) {
      throw WardenException.invalid("cluster.members (" + WardenConfig.envName("cluster.members") + ") is empty:"
          + " list every member as host:port, comma-separated, or set cluster.enabled to false");
    }
    ClassLoader loader = loader();
    Thread self = Thread.currentThread();
    ClassLoader before = self.getContextClassLoader();
    self.setContextClassLoader(loader);
    try {
      return (SessionCluster) loader.loadClass(IMPLEMENTATION)
          .getMethod("join", String.class, int.class, List.class)
          .invoke(null, config.string("cluster.host"), config.port("cluster.port"), members);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot load the cluster implementation " + IMPLEMENTATION + ": " + e, e);
    } finally {
      self.setContextClassLoader(before);
    }
  }

  /**
   * The class path's own loader when Hazelcast is on it (tests, IDE runs); otherwise a loader of
   * {@code lib/cluster/*.jar} next to the executors' jar that loads {@code io.warden.executors.cluster}
   * itself and everything else from the appliance's class path.
   */
  private static ClassLoader loader() {
    ClassLoader app = ClusterNode.class.getClassLoader();
    if (app.getResource("com/hazelcast/core/HazelcastInstance.class") != null) {
      return app;
    }
    Path executorsJar;
    try {
      executorsJar = Path.of(SessionCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Path dir = executorsJar.getParent().resolve("cluster");
    List<URL> urls = new ArrayList<>();
    try (Stream<Path> jars = Files.list(dir)) {
      urls.add(executorsJar.toUri().toURL());
      for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        urls.add(jar.toUri().toURL());
      }
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new WardenException("unavailable", "cluster.enabled is true but the cluster's libraries are missing from "
          + dir + " (" + e.getMessage() + "): rebuild Warden (./warden run builds it)");
    }
    return new ClusterClassLoader(urls.toArray(URL[]::new), app);
  }

  /** Loads {@code io.warden.executors.cluster.*} itself (so they see Hazelcast), the rest parent-first. */
  private static final class ClusterClassLoader extends URLClassLoader {
    static {
      registerAsParallelCapable();
    }

    ClusterClassLoader(URL[] urls, ClassLoader parent) {
      super("warden-cluster", urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("io.warden.executors.cluster.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          c = findClass(name);
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }
  }
}
