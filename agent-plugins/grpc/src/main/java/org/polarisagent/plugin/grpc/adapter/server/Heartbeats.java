package org.polarisagent.plugin.grpc.adapter.server;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * The heartbeats of the registered instances, in place of the SDK's own loop: one every TTL while
 * Polaris accepts them, and one a second while it refuses them, so that an instance's health never
 * waits a whole TTL after Polaris can take beats again (a cluster whose heartbeat leader died
 * refuses them until another node wins the election). Two "not found" answers in a row (Polaris
 * lost the instance, e.g. restarted with an empty store) register the instance again. Thread-safe.
 */
final class Heartbeats {

  /** What a heartbeat does; called on the scheduler's thread, one instance at a time. */
  interface Beat {

    void beat(InstanceSpec instance) throws Exception;

    /** Registers the instance again as it was last registered. */
    void reRegister(InstanceSpec instance) throws Exception;

    /** Whether the failure of {@link #beat} means that Polaris does not know the instance. */
    boolean notFound(Throwable failure);
  }

  /** How long after a refused heartbeat the next one goes. */
  static final long RETRY_MILLIS = 1_000;

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
   * Stops beating for the instance; returns once no beat or re-registration of it runs, so that
   * none can follow its deregistration.
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

  /** The beats of one instance. */
  private final class Loop implements Runnable {

    private final InstanceSpec instance;
    private boolean stopped;
    private boolean failing;
    private int notFound;
    private Future<?> pending;

    Loop(InstanceSpec instance) {
      this.instance = instance;
    }

    /** Schedules the next beat; the caller holds this loop's lock or owns it alone. */
    void next(long delayMillis) {
      pending = scheduler.schedule(this, delayMillis);
    }

    synchronized void stop() {
      stopped = true;
      if (pending != null) {
        pending.cancel(false);
      }
    }

    @Override
    public synchronized void run() {
      if (stopped) {
        return;
      }
      long started = clock.nanoTime();
      long delay;
      try {
        beat.beat(instance);
        if (failing) {
          AgentLog.info("Polaris accepts the heartbeats of " + instance + " again");
        } else {
          AgentLog.debug("heartbeat accepted for " + instance);
        }
        failing = false;
        notFound = 0;
        long spent = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - started);
        delay = Math.max(0, ttlMillis - spent);
      } catch (Throwable t) {
        if (!failing) {
          AgentLog.warn(
              "Polaris refused a heartbeat of "
                  + instance
                  + " ("
                  + t
                  + "); trying again every "
                  + RETRY_MILLIS
                  + " ms");
        }
        failing = true;
        notFound = beat.notFound(t) ? notFound + 1 : 0;
        if (notFound >= NOT_FOUND_BEFORE_REREGISTER) {
          notFound = 0;
          reRegister();
        }
        delay = RETRY_MILLIS;
      }
      next(delay);
    }

    private void reRegister() {
      try {
        beat.reRegister(instance);
        AgentLog.info("registered " + instance + " again: Polaris did not know it any more");
      } catch (Throwable t) {
        AgentLog.debug("registering " + instance + " again failed: " + t);
      }
    }
  }
}
