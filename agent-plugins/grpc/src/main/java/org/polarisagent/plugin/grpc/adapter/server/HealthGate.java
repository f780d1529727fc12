package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * What a server's own health status ({@link HealthProbe}) lets its registration do, for {@code
 * polaris.grpc.server.health-aware}: the first registration waits until the server reports SERVING,
 * at most {@code polaris.grpc.server.health-wait} (then it registers anyway, with one WARN); from
 * then on, a change to NOT_SERVING withdraws the server from Polaris and a change back to SERVING
 * registers it again. A server whose health cannot be read (the check fails rather than answering a
 * status) is treated as having no health service, with one INFO line. Thread-safe.
 */
final class HealthGate {

  /** How often the status is read, while waiting and while registered. */
  static final long POLL_MILLIS = 1_000;

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

  /**
   * What is left of the drain delay of a server its health withdrew from Polaris and that now
   * stops: consumers may still send to it until the delay has passed since the withdrawal. 0 if it
   * is not withdrawn.
   */
  synchronized long drainLeftMillis(long drainMillis) {
    if (!withdrawn) {
      return 0;
    }
    long left = withdrawnNanos + TimeUnit.MILLISECONDS.toNanos(drainMillis) - clock.nanoTime();
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
   * Whether the server may register now: before the first registration, once it reports SERVING or
   * the wait is over; after it, unless NOT_SERVING withdrew it.
   */
  boolean mayRegister() {
    synchronized (this) {
      if (probe == null || ignored) {
        return true;
      }
      if (following) {
        return !withdrawn;
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
   * scheduler} until {@link #stop()}, and runs {@code withdraw} when it changes to NOT_SERVING,
   * {@code restore} when it changes back to SERVING. Does nothing if already following or the
   * health is not followed.
   */
  synchronized void follow(Scheduler scheduler, Runnable withdraw, Runnable restore) {
    if (active() && watch == null && !stopped) {
      watch = scheduler.schedule(() -> watchOnce(scheduler, withdraw, restore), POLL_MILLIS);
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

  private void watchOnce(Scheduler scheduler, Runnable withdraw, Runnable restore) {
    try {
      Change change = poll();
      if (change == Change.WITHDRAW) {
        withdraw.run();
        AgentLog.info(
            server + " reports NOT_SERVING: deregistered from Polaris until it reports SERVING");
      } else if (change == Change.RESTORE) {
        AgentLog.info(server + " reports SERVING again: registering it in Polaris");
        restore.run();
      }
    } catch (Throwable t) {
      AgentLog.warn("following the health of " + server + " failed unexpectedly: " + t);
    }
    synchronized (this) {
      if (!stopped) {
        watch = scheduler.schedule(() -> watchOnce(scheduler, withdraw, restore), POLL_MILLIS);
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
