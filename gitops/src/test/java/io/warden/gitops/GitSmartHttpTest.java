package io.warden.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request-body rules of {@link GitSmartHttp}, driven with hand-made bodies. */
class GitSmartHttpTest {

  @TempDir Path dir;

  @Test
  void rpc_gzipBombToUploadPack_refusedAtTheLimitWithoutReadingMore() throws Exception {
    try (Fixture f = Fixture.open(dir)) {
      long limit = 1L << 20;
      GitSmartHttp git = GitSmartHttp.create(f.repo, f.changes, limit);
      // 140 gzip members of 8 MiB of want lines each: 1.1 GiB inflated, about 1 MiB on the wire.
      String want = "0032want " + f.repo.mainCommit() + "\n";
      byte[] member = gzip(want.repeat((8 << 20) / want.length()));
      CountingStream wire = new CountingStream(new SequenceInputStream(Collections.enumeration(
          Collections.nCopies(140, member).stream().map(m -> (InputStream) new java.io.ByteArrayInputStream(m)).toList())));
      long onTheWire = 140L * member.length;

      assertThatThrownBy(() -> git.rpc(GitSmartHttp.UPLOAD_PACK, Fixture.VIEWER, wire, "gzip", new ByteArrayOutputStream()))
          .isInstanceOfSatisfying(WardenException.class, e -> {
            assertThat(e.code()).isEqualTo("too_large");
            assertThat(e.getMessage()).contains("over the limit of 1048576 bytes (1 MiB)").contains("git.max_push_bytes");
          });
      // Reading stopped at the limit: of the bomb only what inflates to about 1 MiB was taken off the wire.
      assertThat(wire.count).isLessThan(onTheWire / 20);
      assertThat(f.auditActions()).contains("git.fetch.refused");
    }
  }

  @Test
  void rpc_bodyThatIsNotGit_invalidInputNotAnInternalError() throws Exception {
    try (Fixture f = Fixture.open(dir)) {
      GitSmartHttp git = GitSmartHttp.create(f.repo, f.changes);
      InputStream zeros = new java.io.ByteArrayInputStream(gzip("\0".repeat(1 << 16)));
      assertThatThrownBy(() -> git.rpc(GitSmartHttp.UPLOAD_PACK, Fixture.VIEWER, zeros, "gzip", new ByteArrayOutputStream()))
          .isInstanceOfSatisfying(WardenException.class, e -> {
            assertThat(e.code()).isEqualTo("invalid_input");
            assertThat(e.getMessage()).startsWith("not a valid git git-upload-pack request: ");
          });
      InputStream any = new java.io.ByteArrayInputStream(new byte[] {1});
      assertThatThrownBy(() -> git.rpc(GitSmartHttp.UPLOAD_PACK, Fixture.VIEWER, any, "br", new ByteArrayOutputStream()))
          .isInstanceOfSatisfying(WardenException.class, e -> {
            assertThat(e.code()).isEqualTo("invalid_input");
            assertThat(e.getMessage()).contains("unsupported content encoding 'br'");
          });
    }
  }

  @Test
  void create_limitBelowOneByte_refused() throws Exception {
    try (Fixture f = Fixture.open(dir)) {
      assertThatThrownBy(() -> GitSmartHttp.create(f.repo, f.changes, 0))
          .hasMessage("git.max_push_bytes must be at least 1 byte, was 0");
    }
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.US_ASCII));
    }
    return out.toByteArray();
  }

  /** Counts the bytes the server took off the "wire". */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
