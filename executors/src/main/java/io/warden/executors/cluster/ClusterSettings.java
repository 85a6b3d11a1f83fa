package io.warden.executors.cluster;

import java.util.List;
import java.util.Objects;

/**
 * Where this member listens and whom it joins.
 *
 * @param host the address Hazelcast and the event bus bind to ({@code cluster.host})
 * @param port the Hazelcast member port ({@code cluster.port}); the event bus takes a free port
 * @param members every member as {@code host:port}, this one included or not ({@code cluster.members})
 */
public record ClusterSettings(String host, int port, List<String> members) {
  public ClusterSettings {
    Objects.requireNonNull(host, "host");
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("cluster.port must be a port number 1-65535, got " + port);
    }
    members = List.copyOf(members);
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      if (colon <= 0 || colon == m.length() - 1 || !m.substring(colon + 1).chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("cluster.members: '" + m + "' is not host:port");
      }
    }
  }
}
