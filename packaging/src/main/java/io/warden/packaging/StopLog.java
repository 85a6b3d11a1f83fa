package io.warden.packaging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.CoreConstants;

/**
 * The log's exception renderer ({@code %stopEx} in logback.xml): full stack traces while Warden
 * runs, one line per exception once it is stopping, so that components interrupted by a stop (a
 * closed executor, an interrupted call) cannot make a requested stop look like a crash.
 */
public final class StopLog extends ThrowableProxyConverter {
  private static volatile boolean stopping;

  /** From now on exceptions are logged as one line ({@code class: message}). */
  public static void stopping() {
    stopping = true;
  }

  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy t = event.getThrowableProxy();
    if (!stopping || t == null) {
      return super.convert(event);
    }
    return "  (while stopping: " + t.getClassName() + ": " + t.getMessage() + ")" + CoreConstants.LINE_SEPARATOR;
  }
}
