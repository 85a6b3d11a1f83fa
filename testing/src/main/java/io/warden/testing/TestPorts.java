package io.warden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts later than it names them (a child process, a server restarted on
 * its old port). They are taken from below the kernel's ephemeral range: a port from {@code new
 * ServerSocket(0)} is an ephemeral one, which any outgoing connection may take as its local port
 * while the test's server is down — and a client that retries {@code 127.0.0.1:P} while nothing
 * listens can even connect to itself on P (TCP simultaneous open), so the server then fails with
 * "Address already in use".
 */
public final class TestPorts {
  private static final int LOWEST = 20_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private TestPorts() {}

  /** A loopback port nothing listens on now and no connection can take as its local port. */
  public static int free() {
    int below = ephemeralLow();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
      if (!HANDED_OUT.add(port)) {
        continue; // this JVM already gave it to another server
      }
      try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return probe.getLocalPort();
      } catch (IOException busy) {
        // taken by another process: try the next
      }
    }
    throw new UncheckedIOException(new IOException(
        "no free loopback port between " + LOWEST + " and " + below + " after 200 attempts"));
  }

  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      int low = Integer.parseInt(range.split("\\s+")[0]);
      return low > LOWEST + 1_000 ? low : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default; other systems start theirs higher
    }
  }
}
