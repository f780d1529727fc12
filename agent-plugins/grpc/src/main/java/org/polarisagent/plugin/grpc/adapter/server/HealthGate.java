package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * What a server's own health status ({@link HealthProbe}) asks of its registration, for {@code
 * polaris.grpc.server.health-aware}: the first registration waits until the server reports SERVING,
 * at most {@code polaris.grpc.server.health-wait} (then it registers anyway, with one WARN); from
 * then on, a change to NOT_SERVING takes the server out of rotation (weight 0: it stays registered
 * and heartbeating; consumers see a weight change within seconds, a deregistration only once the
 * server's heartbeat checker expires it) and a change back to SERVING puts it back. A server whose
 * health cannot be read (the check fails rather than answering a status) is treated as having no
 * health service, with one INFO line. Thread-safe.
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

  /** What the status asks of the registration. */
  enum Change {
    NONE,
    WITHDRAW,
    RESTORE
  }

  /** The gate of a server without a health service: always open, never changes. */
  static final HealthGate NONE = new HealthGate(null, 0, "", Clock.SYSTEM);

  private final HealthProbe probe;
  private final long waitNanos;
  private final String server;
  private final Clock clock;
  private final long startedNanos;

  // Guarded by this.
  private java.util.concurrent.Future<?> watch;
  private boolean stopped;
  private boolean following;
  private boolean ignored;
  private boolean serving;
  private boolean withdrawn;
  private long withdrawnNanos;
  private long rotatedNanos;
  private boolean rotated;

  private HealthGate(HealthProbe probe, long waitMillis, String server, Clock clock) {
    this.probe = probe;
    this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
    this.server = server;
    this.clock = clock;
    this.startedNanos = clock.nanoTime();
  }

  /** The gate of a server with this probe (null: none), started now. */
  static HealthGate of(HealthProbe probe, long waitMillis, String server, Clock clock) {
    return probe == null ? NONE : new HealthGate(probe, waitMillis, server, clock);
  }

  /** Whether the server's instances are registered in rotation (not NOT_SERVING). */
  synchronized boolean inRotation() {
    return !withdrawn;
  }

  /**
   * How long a stopping server serves after its deregistration: the drain delay, or what is left of
   * it since its health took it out of rotation (consumers stopped sending then).
   */
  synchronized long drainMillis(long drainMillis) {
    if (!withdrawn) {
      return drainMillis;
    }
    long left = withdrawnNanos + TimeUnit.MILLISECONDS.toNanos(drainMillis) - clock.nanoTime();
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(left));
  }

  private synchronized void markRotated() {
    rotated = true;
    rotatedNanos = clock.nanoTime();
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

  /** Whether the status is followed at all (a health service that answers). */
  synchronized boolean active() {
    return probe != null && !ignored;
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
    }
    HealthProbe.Result result = probe.check(); // outside the lock: it may take a while
    synchronized (this) {
      if (result == HealthProbe.Result.UNREADABLE) {
        ignored = true;
        AgentLog.info(
            "cannot read the health of "
                + server
                + " (its grpc.health.v1.Health check fails); it registers without following it");
        return true;
      }
      if (result == HealthProbe.Result.SERVING) {
        following = true;
        serving = true;
        return true;
      }
      if (clock.nanoTime() - startedNanos < waitNanos) {
        return false;
      }
      following = true;
    }
    AgentLog.warn(
        server
            + " has not reported SERVING within "
            + TimeUnit.NANOSECONDS.toMillis(waitNanos)
            + " ms (polaris.grpc.server.health-wait); it registers in Polaris anyway");
    return true;
  }

  /**
   * Once the server has registered: reads its status every {@link #POLL_MILLIS} on {@code
   * scheduler} until {@link #stop()}, and has {@code rotation} put the server out of rotation
   * (false) when it changes to NOT_SERVING, back (true) when it changes back to SERVING. Does
   * nothing if already following or the health is not followed.
   */
  synchronized void follow(Scheduler scheduler, Rotation rotation) {
    if (active() && watch == null && !stopped) {
      watch = scheduler.schedule(() -> watchOnce(scheduler, rotation), POLL_MILLIS);
    }
  }

  /** Puts a server's instances out of rotation or back. */
  interface Rotation {
    void rotate(boolean inRotation);
  }

  /** Stops following: the server is departing. */
  synchronized void stop() {
    stopped = true;
    if (watch != null) {
      watch.cancel(false);
      watch = null;
    }
  }

  private void watchOnce(Scheduler scheduler, Rotation rotation) {
    try {
      Change change = poll();
      if (change != Change.NONE) {
        markRotated(); // a departure from now on waits: before, during and after the update
        rotation.rotate(change == Change.RESTORE);
        markRotated();
      }
      if (change == Change.WITHDRAW) {
        AgentLog.info(
            server + " reports NOT_SERVING: out of rotation in Polaris (weight 0) until SERVING");
      } else if (change == Change.RESTORE) {
        AgentLog.info(server + " reports SERVING again: back in rotation in Polaris");
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

  /** Reads the status once registered: what its change, if any, asks of the registration. */
  Change poll() {
    synchronized (this) {
      if (probe == null || ignored || !following) {
        return Change.NONE;
      }
    }
    HealthProbe.Result result = probe.check(); // outside the lock: it may take a while
    if (result == HealthProbe.Result.UNREADABLE) {
      return Change.NONE; // no news: keep what the last answer said
    }
    boolean now = result == HealthProbe.Result.SERVING;
    synchronized (this) {
      if (now == serving) {
        return Change.NONE;
      }
      serving = now;
      if (now && withdrawn) {
        withdrawn = false;
        return Change.RESTORE;
      }
      if (!now && !withdrawn) {
        withdrawn = true;
        withdrawnNanos = clock.nanoTime();
        return Change.WITHDRAW;
      }
      return Change.NONE;
    }
  }
}
