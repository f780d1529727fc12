package org.polarisagent.core.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;

/**
 * The agent's own log: one line per event on stderr, prefixed {@code [polaris-agent] LEVEL},
 * filtered by {@code polaris.log.level}, with {@link Secrets} masked. It never touches the
 * application's logging. Thread-safe.
 */
public final class AgentLog {

  /** Severity, most severe first. */
  public enum Level {
    ERROR,
    WARN,
    INFO,
    DEBUG;

    /** Parses a configured level name; unknown names mean INFO. */
    public static Level named(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        return INFO;
      }
    }
  }

  private static final long START_NANOS = System.nanoTime();
  private static volatile Level threshold = Level.INFO;

  private AgentLog() {}

  public static void setLevel(Level level) {
    threshold = level;
  }

  public static boolean enabled(Level level) {
    return level.ordinal() <= threshold.ordinal();
  }

  public static void error(String message) {
    log(Level.ERROR, message, null);
  }

  public static void error(String message, Throwable failure) {
    log(Level.ERROR, message, failure);
  }

  public static void warn(String message) {
    log(Level.WARN, message, null);
  }

  public static void info(String message) {
    log(Level.INFO, message, null);
  }

  public static void debug(String message) {
    log(Level.DEBUG, message, null);
  }

  private static void log(Level level, String message, Throwable failure) {
    if (!enabled(level)) {
      return;
    }
    String line =
        level == Level.DEBUG
            ? "[polaris-agent] DEBUG +"
                + (System.nanoTime() - START_NANOS) / 1_000_000
                + "ms "
                + message
            : "[polaris-agent] " + level + " " + message;
    if (failure != null) {
      line += ": " + failure;
    }
    System.err.println(Secrets.mask(line));
    if (failure != null && enabled(Level.DEBUG)) {
      StringWriter trace = new StringWriter();
      failure.printStackTrace(new PrintWriter(trace));
      System.err.print(Secrets.mask(trace.toString()));
    }
  }
}
