package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StopLogTest {

  @BeforeEach
  void running() {
    StopLog.running();
  }

  @Test
  void stackTraces_whileRunning_oneLine_onceStopping() {
    LoggerContext context = new LoggerContext();
    Logger logger = context.getLogger("test");
    StopLog converter = new StopLog();
    converter.setContext(context);
    converter.start();
    LoggingEvent event = new LoggingEvent("test", logger, Level.WARN, "closing",
        new RejectedExecutionException("event executor terminated"), null);

    assertThat(converter.convert(event)).contains("RejectedExecutionException").contains("\tat ");
    StopLog.stopping();
    assertThat(converter.convert(event)).isEqualTo("  (while stopping: java.util.concurrent.RejectedExecutionException: "
        + "event executor terminated)" + System.lineSeparator());
  }

  @Test
  void nettyWarnings_pass_whileRunning_dropped_onceStopping_errorsAlwaysPass() {
    LoggerContext context = new LoggerContext();
    Logger netty = context.getLogger("io.netty.bootstrap.ServerBootstrap");
    Logger other = context.getLogger("io.warden.packaging.Appliance");
    StopLog.NettyQuietAtStop filter = new StopLog.NettyQuietAtStop();
    filter.start();
    assertThat(filter.decide(null, netty, Level.WARN, "Failed to register an accepted channel", null, null))
        .isEqualTo(FilterReply.NEUTRAL);

    StopLog.stopping();
    assertThat(filter.decide(null, netty, Level.WARN, "Failed to register an accepted channel", null, null))
        .isEqualTo(FilterReply.DENY);
    assertThat(filter.decide(null, netty, Level.ERROR, "boom", null, null)).isEqualTo(FilterReply.NEUTRAL);
    assertThat(filter.decide(null, other, Level.WARN, "x", null, null)).isEqualTo(FilterReply.NEUTRAL);
  }
}
