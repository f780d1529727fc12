package org.polarisagent.core.logging;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The gRPC shaded inside the Polaris SDK logs through {@code java.util.logging} under {@code
 * shade.polaris}. Those records go to {@link SdkLogFile} instead of the application's console; no
 * other logger is touched. Called from the SDK's start thread, not premain, so that the JDK log
 * manager is not set up before the application can choose its own. Thread-safe.
 */
public final class ShadedJulLogging {

  private static final String SHADED_ROOT = "shade.polaris";

  /** Held strongly: the log manager only keeps weak references to configured loggers. */
  private static Logger shadedRoot;

  private ShadedJulLogging() {}

  /** Redirects the shaded loggers; idempotent. */
  public static synchronized void redirect(AgentLog.Level level) {
    if (shadedRoot != null) {
      return;
    }
    Logger logger = Logger.getLogger(SHADED_ROOT);
    logger.setUseParentHandlers(false);
    logger.setLevel(julLevel(level));
    logger.addHandler(new SdkFileHandler());
    shadedRoot = logger;
  }

  private static Level julLevel(AgentLog.Level level) {
    switch (level) {
      case ERROR:
        return Level.SEVERE;
      case WARN:
        return Level.WARNING;
      case DEBUG:
        return Level.FINE;
      default:
        return Level.INFO;
    }
  }

  private static AgentLog.Level agentLevel(Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return AgentLog.Level.ERROR;
    }
    if (value >= Level.WARNING.intValue()) {
      return AgentLog.Level.WARN;
    }
    return value >= Level.INFO.intValue() ? AgentLog.Level.INFO : AgentLog.Level.DEBUG;
  }

  private static final class SdkFileHandler extends Handler {
    @Override
    public void publish(LogRecord record) {
      String message = record.getMessage();
      Object[] parameters = record.getParameters();
      if (message != null && parameters != null && parameters.length > 0) {
        try {
          message = java.text.MessageFormat.format(message, parameters);
        } catch (IllegalArgumentException keepRaw) {
          // leave the raw message
        }
      }
      SdkLogFile.write(
          agentLevel(record.getLevel()),
          record.getLoggerName(),
          String.valueOf(message),
          record.getThrown());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
