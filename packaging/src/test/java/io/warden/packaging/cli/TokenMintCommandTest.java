package io.warden.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.packaging.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code warden token mint --parent}: parsed to lowercase hex, bad forms refused before any request. */
class TokenMintCommandTest {

  @Test
  void parent_isTraceIdColonSpanId_lowercased() {
    RemoteCommands.ParentSpan parent =
        new RemoteCommands.ParentSpan.Converter().convert(" 4BF92F3577B34DA6A3CE929D0E0E4736:00f067aa0ba902b7 ");
    assertThat(parent).isEqualTo(new RemoteCommands.ParentSpan("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"));
  }

  @Test
  void badParent_namesTheOptionAndTheForm() {
    RemoteCommands.ParentSpan.Converter converter = new RemoteCommands.ParentSpan.Converter();
    for (String bad : new String[] {"4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e473:00f067aa0ba902b7",
        "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902bz",
        "00000000000000000000000000000000:00f067aa0ba902b7", "4bf92f3577b34da6a3ce929d0e0e4736:0000000000000000",
        "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:1"}) {
      assertThatThrownBy(() -> converter.convert(bad)).as(bad)
          .isInstanceOf(CommandLine.TypeConversionException.class)
          .hasMessageContaining("--parent must be TRACE_ID:SPAN_ID")
          .hasMessageContaining("32 hex digits").hasMessageContaining("16 hex digits")
          .hasMessageContaining("got '" + bad + "'");
    }
  }

  @Test
  void badParent_exitsTwo_withoutCallingTheServer() {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err, true));
    // Port 1 refuses connections: had the command run, the error would say the server is unreachable.
    int exit = cli.execute("token", "mint", "--server", "http://127.0.0.1:1", "--token", "t", "--session", "s1",
        "--parent", "abc:def");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--parent must be TRACE_ID:SPAN_ID", "got 'abc:def'")
        .doesNotContain("127.0.0.1:1");
  }
}
