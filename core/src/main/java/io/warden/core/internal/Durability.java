package io.warden.core.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** File-system durability helpers. Internal: not public API. */
public final class Durability {
  private static final Logger LOG = LoggerFactory.getLogger(Durability.class);

  private Durability() {}

  /**
   * Makes a newly created or renamed file's directory entry durable. Matters on power loss, not on
   * kill -9; best effort, because some platforms cannot open a directory for sync (the file data
   * itself is synced separately).
   */
  public static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("could not sync directory {}: {}", dir, e.toString());
    }
  }
}
