package io.warden.core.identity.internal;

import io.warden.core.internal.Durability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 256-bit HS256 key for agent tokens, kept as one line of base64url in a file readable only by
 * its owner (0600). Created on first use: written to a temporary file, synced, then renamed into
 * place, so a crash never leaves a half-written key behind. Internal: not public API.
 */
public final class SigningKeyFile {
  public static final int KEY_BYTES = 32;
  private static final Logger LOG = LoggerFactory.getLogger(SigningKeyFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private SigningKeyFile() {}

  /** Reads the key, creating the file with a fresh random key when it does not exist. */
  public static byte[] loadOrCreate(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    try {
      if (!Files.exists(absolute)) {
        create(absolute);
      }
      return read(absolute);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the token signing key " + absolute + ": " + e.getMessage(), e);
    }
  }

  private static void create(Path file) throws IOException {
    Path dir = file.getParent();
    Files.createDirectories(dir);
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attrs = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp", attrs);
    try {
      byte[] text = (Base64.getUrlEncoder().withoutPadding().encodeToString(Secrets.randomBytes(KEY_BYTES)) + "\n")
          .getBytes(StandardCharsets.US_ASCII);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(text));
        channel.force(true);
      }
      try {
        // createLink fails if another process created the key meanwhile: keep theirs.
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException raced) {
        LOG.debug("signing key {} was created concurrently; using it", file);
      } catch (UnsupportedOperationException noLinks) {
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      Durability.syncDirectory(dir);
      LOG.info("created token signing key {} (mode 0600)", file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static byte[] read(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
        LOG.warn("token signing key {} was readable by others ({}); set it to 0600",
            file, PosixFilePermissions.toString(perms));
      }
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    byte[] key;
    try {
      key = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("token signing key " + file
          + " is not base64url text; delete it to generate a new key (all agent tokens then stop working)");
    }
    if (key.length < KEY_BYTES) {
      throw new IllegalStateException("token signing key " + file + " has " + key.length * 8
          + " bits, at least 256 are needed; delete it to generate a new key (all agent tokens then stop working)");
    }
    return key;
  }

}
