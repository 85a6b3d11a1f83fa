package io.warden.packaging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

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

  // Visible for testing: the flag is process-wide.
  static void running() {
    stopping = false;
  }

  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy t = event.getThrowableProxy();
    if (!stopping || t == null) {
      return super.convert(event);
    }
    return "  (while stopping: " + t.getClassName() + ": " + t.getMessage() + ")" + CoreConstants.LINE_SEPARATOR;
  }

  /**
   * Drops Netty's warnings once Warden is stopping ({@code <turboFilter>} in logback.xml). A client
   * that connects while a server is being undeployed makes Netty warn that it could not register
   * the accepted channel: the client sees a reset and retries elsewhere or later, so at a stop this
   * is expected, not a fault worth a line. Errors still pass.
   */
  public static final class NettyQuietAtStop extends TurboFilter {
    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
      if (stopping && level.levelInt < Level.ERROR_INT && logger.getName().startsWith("io.netty")) {
        return FilterReply.DENY;
      }
      return FilterReply.NEUTRAL;
    }
  }
}
