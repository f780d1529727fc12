package org.polarisagent.plugin.grpc.adapter.server;

import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;

/**
 * The failed registration attempts of one server: how long to wait before the next (1 s, 2 s, 4 s,
 * 8 s, then 10 s) and what to say (the first failure one WARN, the first refusal of the token one
 * ERROR, the rest at debug). Not thread-safe: the server's {@link ServerLifecycle} guards it.
 */
final class RegistrationRetries {

  static final long FIRST_RETRY_MILLIS = 1_000;
  static final long MAX_RETRY_MILLIS = 10_000;

  private int failures;
  private boolean refusalLogged;

  /** The delay before the attempt after {@code failures} failed ones. */
  static long delayMillis(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), 10);
    return Math.min(FIRST_RETRY_MILLIS << doublings, MAX_RETRY_MILLIS);
  }

  /** How many attempts failed so far. */
  int failures() {
    return failures;
  }

  /**
   * Counts a failed attempt.
   *
   * @param refused Polaris's reason if it refused the token, else null
   * @return the log line to write (outside the caller's lock) with {@link Failure#log}
   */
  Failure failed(String server, Throwable failure, String refused) {
    failures++;
    long delay = delayMillis(failures);
    if (refused != null && !refusalLogged) {
      refusalLogged = true;
      return new Failure(
          delay,
          () ->
              AgentLog.error(
                  String.format(
                      "Polaris refused to register %s: %s; check %s. It serves anyway,"
                          + " unregistered; registration is retried in the background",
                      server, refused, AgentConfig.TOKEN.name())));
    }
    if (failures == 1) {
      return new Failure(
          delay,
          () ->
              AgentLog.warn(
                  String.format(
                      "cannot register %s in Polaris yet (%s); it serves anyway and registration"
                          + " is retried in the background",
                      server, failure)));
    }
    return new Failure(
        delay,
        () ->
            AgentLog.debug(
                String.format(
                    "registration of %s failed again, next attempt in %d ms: %s",
                    server, delay, failure)));
  }

  /** One failed attempt: the delay before the next, and its log line. */
  static final class Failure {
    final long delayMillis;
    private final Runnable logLine;

    private Failure(long delayMillis, Runnable logLine) {
      this.delayMillis = delayMillis;
      this.logLine = logLine;
    }

    void log() {
      logLine.run();
    }
  }
}
