package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * What a server's own health status ({@link HealthProbe}) asks of its registration, for {@code
 * polaris.grpc.server.health-aware}: the first registration waits until the server reports SERVING,
 * at most {@code polaris.grpc.server.health-wait} from the first check (then it registers anyway,
 * in rotation, with one WARN); from then on, a change to NOT_SERVING takes the server out of
 * rotation (weight 0: it stays registered and heartbeating; consumers see a weight change within
 * seconds, a deregistration only once the server's heartbeat checker expires it) and a change back
 * to SERVING puts it back. A change whose update fails is tried again at the next check. A server
 * whose health cannot be read at its first check (the check fails or does not answer) is treated as
 * having no health service, with one INFO line. Thread-safe.
 */
final class HealthGate {

  /** How often the status is read, while waiting and while registered. */
  static final long POLL_MILLIS = 1_000;

  /**
   * How long a deregistration waits after a change of rotation: Polaris registers asynchronously,
   * and a deregistration that follows a re-registration too closely can be lost (seen with the real
   * server: the instance stayed listed).
   */
  static final long SETTLE_MILLIS = 1_000;

  /** The gate of a server without a health service: always open, never changes. */
  static final HealthGate NONE = new HealthGate(null, 0, "", Clock.SYSTEM);

  private final HealthProbe probe;
  private final long waitNanos;
  private final String server;
  private final Clock clock;

  // Guarded by this.
  private Future<?> watch;
  private boolean stopped;
  private boolean ignored;
  private long firstCheckNanos = -1;
  private boolean following;

  /** The status last acted on. */
  private boolean serving = true;

  /** What Polaris has: full weight (true) or weight 0. */
  private boolean inRotation = true;

  private long outOfRotationNanos;
  private long rotatedNanos;
  private boolean rotated;

  private HealthGate(HealthProbe probe, long waitMillis, String server, Clock clock) {
    this.probe = probe;
    this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
    this.server = server;
    this.clock = clock;
  }

  /** The gate of a server with this probe (null: none). */
  static HealthGate of(HealthProbe probe, long waitMillis, String server, Clock clock) {
    return probe == null ? NONE : new HealthGate(probe, waitMillis, server, clock);
  }

  /** Whether the server's instances are to be registered in rotation (not NOT_SERVING). */
  synchronized boolean inRotation() {
    return inRotation;
  }

  /**
   * How long a stopping server serves after its deregistration: the drain delay, counted from when
   * its health took it out of rotation if it did (consumers stop sending from about then).
   */
  synchronized long drainMillis(long drainMillis) {
    if (inRotation) {
      return drainMillis;
    }
    long left = outOfRotationNanos + TimeUnit.MILLISECONDS.toNanos(drainMillis) - clock.nanoTime();
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(left));
  }

  /** How long a deregistration must wait for the last change of rotation to settle; 0: none. */
  synchronized long settleMillis() {
    if (!rotated) {
      return 0;
    }
    long left = rotatedNanos + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS) - clock.nanoTime();
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(left));
  }

  /** Whether the first registration still waits for SERVING. */
  synchronized boolean waiting() {
    return probe != null && !ignored && !following;
  }

  /**
   * Whether the server may register now: once it reports SERVING or the wait is over (then always;
   * {@link #inRotation()} says how).
   */
  boolean mayRegister() {
    synchronized (this) {
      if (probe == null || ignored || following) {
        return true;
      }
      if (firstCheckNanos < 0) {
        firstCheckNanos = clock.nanoTime();
      }
    }
    HealthProbe.Result result = probe.check(); // outside the lock: it may take a while
    synchronized (this) {
      if (result == HealthProbe.Result.UNREADABLE) {
        ignored = true;
        AgentLog.info(
            "cannot read the health of "
                + server
                + " (its grpc.health.v1.Health check fails or does not answer within "
                + HealthProbe.ANSWER_MILLIS
                + " ms); it registers without following it");
        return true;
      }
      if (result == HealthProbe.Result.SERVING) {
        following = true;
        return true;
      }
      if (clock.nanoTime() - firstCheckNanos < waitNanos) {
        return false;
      }
      following = true;
      serving = false; // registered anyway: only a change of status acts from now on
    }
    AgentLog.warn(
        server
            + " has not reported SERVING within "
            + TimeUnit.NANOSECONDS.toMillis(waitNanos)
            + " ms (polaris.grpc.server.health-wait); it registers in Polaris anyway");
    return true;
  }

  /** Puts a server's instances out of rotation or back; true if every update succeeded. */
  interface Rotation {
    boolean rotate(boolean inRotation);
  }

  /**
   * Once the server has registered: reads its status every {@link #POLL_MILLIS} on {@code
   * scheduler} until {@link #stop()}, and has {@code rotation} put the server out of rotation
   * (false) when it changes to NOT_SERVING, back (true) when it changes back to SERVING. Does
   * nothing if already following or the health is not followed.
   */
  synchronized void follow(Scheduler scheduler, Rotation rotation) {
    if (probe != null && !ignored && watch == null && !stopped) {
      watch = scheduler.schedule(() -> watchOnce(scheduler, rotation), POLL_MILLIS);
    }
  }

  /** Stops following: the server is departing. */
  synchronized void stop() {
    stopped = true;
    if (watch != null) {
      watch.cancel(false);
      watch = null;
    }
  }

  /**
   * Called by the rotation, before it lets a departure go on: the instances were updated to {@code
   * now} ({@code allDone}: every one of them); a deregistration waits {@link #SETTLE_MILLIS} from
   * here.
   */
  synchronized void rotated(boolean now, boolean allDone) {
    rotated = true;
    rotatedNanos = clock.nanoTime();
    if (allDone) {
      serving = now;
      inRotation = now;
      outOfRotationNanos = rotatedNanos;
    }
  }

  private void watchOnce(Scheduler scheduler, Rotation rotation) {
    try {
      Boolean change = change();
      if (change != null && rotation.rotate(change)) {
        AgentLog.info(
            change
                ? server + " reports SERVING again: back in rotation in Polaris"
                : server + " reports NOT_SERVING: out of rotation in Polaris (weight 0)");
      }
    } catch (Throwable t) {
      AgentLog.warn("following the health of " + server + " failed unexpectedly: " + t);
    }
    synchronized (this) {
      if (!stopped) {
        watch = scheduler.schedule(() -> watchOnce(scheduler, rotation), POLL_MILLIS);
      }
    }
  }

  /**
   * Reads the status once registered: null if nothing is to change, else whether the server is to
   * be in rotation (committed by {@link #rotated} once done).
   */
  Boolean change() {
    synchronized (this) {
      if (probe == null || ignored || !following) {
        return null;
      }
    }
    HealthProbe.Result result = probe.check(); // outside the lock: it may take a while
    if (result == HealthProbe.Result.UNREADABLE) {
      return null; // no news: keep what the last answer said
    }
    boolean now = result == HealthProbe.Result.SERVING;
    synchronized (this) {
      if (now == serving) {
        return null;
      }
      if (now != inRotation) {
        return now;
      }
      serving = now; // e.g. SERVING after registering anyway while NOT_SERVING: nothing to update
      return null;
    }
  }
}
