package org.polarisagent.plugin.grpc.adapter.server;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * The heartbeats of the registered instances, in place of the SDK's own loop: one every TTL while
 * Polaris accepts them. After a failure that may pass (Polaris unreachable, or a server error, as
 * from a cluster whose heartbeat leader died, until another node wins the election) one a second
 * for up to three TTLs, so that an instance's health never waits a whole TTL after Polaris can take
 * beats again; after that, or after a refusal of the request itself (a 4xx code such as a bad
 * token), one a TTL. Two "not found" answers in a row (Polaris lost the instance, e.g. restarted
 * with an empty store) register the instance again. Thread-safe.
 */
final class Heartbeats {

  /** What a heartbeat does; called on the scheduler's thread, one instance at a time. */
  interface Beat {

    void beat(InstanceSpec instance) throws Exception;

    /** Registers the instance again as it was last registered. */
    void reRegister(InstanceSpec instance) throws Exception;

    /** Whether the failure of {@link #beat} means that Polaris does not know the instance. */
    boolean notFound(Throwable failure);

    /**
     * Whether Polaris refused the request itself, other than by not knowing the instance (retrying
     * it soon would change nothing).
     */
    boolean refused(Throwable failure);

    /** Why a failure happened, for a log line. */
    String describe(Throwable failure);
  }

  /** How long after a failed heartbeat the next one goes, while failures may pass. */
  static final long RETRY_MILLIS = 1_000;

  /** For how many TTLs of failures heartbeats are retried every {@link #RETRY_MILLIS}. */
  static final int FAST_RETRY_TTLS = 3;

  private static final int NOT_FOUND_BEFORE_REREGISTER = 2;

  private final Scheduler scheduler;
  private final Clock clock;
  private final long ttlMillis;
  private final Beat beat;
  private final Map<InstanceSpec, Loop> loops = new HashMap<>();

  Heartbeats(Scheduler scheduler, Clock clock, long ttlMillis, Beat beat) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.ttlMillis = ttlMillis;
    this.beat = beat;
  }

  /** Starts beating for a newly registered instance, one TTL from now; nothing if it beats. */
  void start(InstanceSpec instance) {
    synchronized (loops) {
      if (!loops.containsKey(instance)) {
        Loop loop = new Loop(instance);
        loops.put(instance, loop);
        loop.next(ttlMillis);
      }
    }
  }

  /**
   * Stops beating for the instance. Returns at once, or once a re-registration of it that is under
   * way has ended, so that none can follow its deregistration; a heartbeat under way may still end,
   * which registers nothing.
   */
  void stop(InstanceSpec instance) {
    Loop loop;
    synchronized (loops) {
      loop = loops.remove(instance);
    }
    if (loop != null) {
      loop.stop();
    }
  }

  /**
   * The beats of one instance. Its runs follow each other (each schedules the next), so the failure
   * state is confined to the running one; the lock guards the next run and re-registration.
   */
  private final class Loop implements Runnable {

    private final InstanceSpec instance;
    private volatile boolean stopped;
    private long failingSinceNanos = -1;
    private int notFound;
    private boolean reRegisterFailing;
    private Future<?> pending;

    Loop(InstanceSpec instance) {
      this.instance = instance;
    }

    synchronized void next(long delayMillis) {
      if (!stopped) {
        pending = scheduler.schedule(this, delayMillis);
      }
    }

    void stop() {
      stopped = true;
      synchronized (this) {
        if (pending != null) {
          pending.cancel(false);
        }
      }
    }

    @Override
    public void run() {
      if (stopped) {
        return;
      }
      long started = clock.nanoTime();
      try {
        beat.beat(instance);
      } catch (Throwable t) {
        next(failed(t, started));
        return;
      }
      if (failingSinceNanos >= 0) {
        AgentLog.info("Polaris accepts the heartbeats of " + instance + " again");
      } else {
        AgentLog.debug("heartbeat accepted for " + instance);
      }
      failingSinceNanos = -1;
      notFound = 0;
      long spent = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - started);
      next(Math.max(0, ttlMillis - spent));
    }

    /** Handles a failed beat; returns the delay of the next one. */
    private long failed(Throwable failure, long started) {
      if (failingSinceNanos < 0) {
        failingSinceNanos = started;
        AgentLog.warn(
            "a heartbeat of "
                + instance
                + " failed ("
                + beat.describe(failure)
                + "); trying again, every "
                + RETRY_MILLIS
                + " ms at first");
      }
      notFound = beat.notFound(failure) ? notFound + 1 : 0;
      if (notFound >= NOT_FOUND_BEFORE_REREGISTER) {
        notFound = 0;
        reRegister();
      }
      long failingMillis = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - failingSinceNanos);
      boolean fast = !beat.refused(failure) && failingMillis < FAST_RETRY_TTLS * ttlMillis;
      return fast ? RETRY_MILLIS : ttlMillis;
    }

    private synchronized void reRegister() {
      if (stopped) {
        return;
      }
      try {
        beat.reRegister(instance);
        reRegisterFailing = false;
        AgentLog.info("registered " + instance + " again: Polaris did not know it any more");
      } catch (Throwable t) {
        if (!reRegisterFailing) {
          AgentLog.warn(
              "cannot register "
                  + instance
                  + " again, which Polaris does not know any more ("
                  + beat.describe(t)
                  + "); trying again while its heartbeats are not found");
        }
        reRegisterFailing = true;
      }
    }
  }
}
