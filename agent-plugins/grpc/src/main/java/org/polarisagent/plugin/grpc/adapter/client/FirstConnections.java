package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.LoadBalancer.Helper;
import io.grpc.SynchronizationContext;
import java.util.concurrent.TimeUnit;

/**
 * The grace at a Polaris channel's start: once its first instance is READY, calls wait until every
 * instance has made its first connection attempt, for at most {@value #GRACE_MILLIS} ms, so that
 * they spread evenly instead of all landing on the instance that connected first. No grace when
 * more than {@value #MAX_AWAITED} were still connecting then (a large service, or many unreachable
 * instances: waiting for all would cost the first calls more than an uneven start). One per
 * balancer; confined to its synchronization context.
 */
final class FirstConnections {

  static final long GRACE_MILLIS = 1000;
  static final int MAX_AWAITED = 64;

  private final Helper helper;
  private final Runnable whenOver;

  /** When the first instance became READY while others were connecting; 0 until then. */
  private long firstReadyNanos;

  private boolean skipped;

  /** The timer that ends the grace; cancelled at shutdown. */
  private SynchronizationContext.ScheduledHandle timer;

  /**
   * @param whenOver run in the synchronization context when the grace ends
   */
  FirstConnections(Helper helper, Runnable whenOver) {
    this.helper = helper;
    this.whenOver = whenOver;
  }

  /**
   * Whether calls wait, while some instance is READY and {@code connecting} instances have not
   * ended their first attempt.
   */
  boolean holdCalls(int connecting) {
    if (connecting == 0 || skipped) {
      return false;
    }
    long now = System.nanoTime();
    if (firstReadyNanos == 0) {
      firstReadyNanos = now;
      if (connecting > MAX_AWAITED) {
        skipped = true;
        return false;
      }
      timer =
          helper
              .getSynchronizationContext()
              .schedule(
                  whenOver,
                  GRACE_MILLIS,
                  TimeUnit.MILLISECONDS,
                  helper.getScheduledExecutorService());
    }
    return now - firstReadyNanos < TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
  }

  void cancel() {
    if (timer != null) {
      timer.cancel();
    }
  }
}
