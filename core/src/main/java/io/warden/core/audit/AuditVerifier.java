package io.warden.core.audit;

import io.warden.core.audit.internal.AuditCodec;
import io.warden.core.audit.internal.LineReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/** Offline verification of an audit file's hash chain. */
public final class AuditVerifier {
  private AuditVerifier() {}

  /**
   * Reads the whole file and checks every link; stops at the first broken one. Checks, per line:
   * it parses as an entry ({@code unparsable line}), its seq is one more than the previous
   * ({@code seq gap}), its prevHash is the previous entry's hash ({@code prevHash mismatch}), and its
   * hash matches its content ({@code bad hash}). A last line without {@code \n} is a write cut short
   * by a crash, never acknowledged: it is not counted and not an error (the log cuts it at open).
   */
  public static Result verify(Path file) {
    Objects.requireNonNull(file, "file");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ChainCheck check = new ChainCheck();
      LineReader.forEachLine(channel, 0, channel.size(), check);
      return check.broken != null
          ? check.broken
          : new Result(true, check.entries, 0, "");
    } catch (NoSuchFileException e) {
      return new Result(false, 0, 0, "no audit log at " + file);
    } catch (IOException e) {
      return new Result(false, 0, 0, "cannot read " + file + ": " + e.getMessage());
    }
  }

  private static final class ChainCheck implements LineReader.Visitor {
    long entries;
    String previousHash = "";
    Result broken;

    @Override
    public boolean visit(long offset, byte[] line, boolean terminated) {
      if (!terminated) {
        return false;
      }
      entries++;
      long lineNumber = entries;
      AuditCodec.Decoded decoded;
      try {
        decoded = AuditCodec.decode(line);
      } catch (AuditCodec.MalformedEntryException e) {
        return broken(lineNumber, "unparsable line: " + e.getMessage());
      }
      AuditEvent event = decoded.event();
      if (event.seq() != lineNumber) {
        return broken(lineNumber, "seq gap: expected seq " + lineNumber + ", found " + event.seq());
      }
      if (!event.prevHash().equals(previousHash)) {
        return broken(lineNumber, "prevHash mismatch: the entry links to '" + event.prevHash()
            + "' but the previous entry's hash is '" + previousHash + "'");
      }
      if (!decoded.hashMatches()) {
        return broken(lineNumber, "bad hash: the content does not match the entry's hash (edited after it"
            + " was written)");
      }
      previousHash = event.hash();
      return true;
    }

    private boolean broken(long lineNumber, String reason) {
      broken = new Result(false, entries, lineNumber, reason);
      return false;
    }
  }

  /**
   * @param ok true when every entry links to the one before
   * @param entries entries read (up to and including the broken one)
   * @param brokenLine 1-based line of the first broken entry, 0 when ok
   * @param reason what is wrong there, "" when ok
   */
  public record Result(boolean ok, long entries, long brokenLine, String reason) {}
}
