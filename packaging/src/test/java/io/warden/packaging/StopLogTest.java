package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class StopLogTest {

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
}
