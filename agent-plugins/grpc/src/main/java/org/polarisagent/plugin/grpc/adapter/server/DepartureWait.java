package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * What the JVM exit waits for, for one departing server: its deregistration, at most {@link
 * #DEREGISTRATION_BOUND_MILLIS} from the beginning of the departure, then the drain delay that
 * follows it, if it deregistered anything. Thread-safe.
 */
final class DepartureWait {

  /** How long the JVM exit waits for a deregistration before it stops waiting for that server. */
  static final long DEREGISTRATION_BOUND_MILLIS = 2_000;

  private final Clock clock;

  /** Opens once the departure has deregistered what there was. */
  private final CountDownLatch deregistered = new CountDownLatch(1);

  // Written before the deregistered latch opens, read after.
  private volatile boolean drain;
  private volatile long drainDeadlineNanos;

  DepartureWait(Clock clock) {
    this.clock = clock;
  }

  /** The deregistration is over; the server serves {@code drainMillis} more (0: none). */
  void deregistered(long drainMillis) {
    if (drainMillis > 0) {
      drainDeadlineNanos = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
      drain = true;
    }
    deregistered.countDown();
  }

  /**
   * Waits for the deregistration of {@code server}, whose departure began at {@code beganNanos},
   * then for the drain delay; stops waiting when interrupted, keeping the interrupt.
   */
  void await(long beganNanos, String server) {
    try {
      long bound = beganNanos + TimeUnit.MILLISECONDS.toNanos(DEREGISTRATION_BOUND_MILLIS);
      if (!clock.await(deregistered, bound)) {
        AgentLog.warn(
            "deregistration of "
                + server
                + " from Polaris did not end within "
                + DEREGISTRATION_BOUND_MILLIS
                + " ms; not waiting for it");
        return;
      }
      if (drain) {
        clock.sleepUntil(drainDeadlineNanos);
      }
    } catch (InterruptedException e) {
      // The caller wants to go on now: keep its interrupt and stop waiting.
      Thread.currentThread().interrupt();
    }
  }
}
