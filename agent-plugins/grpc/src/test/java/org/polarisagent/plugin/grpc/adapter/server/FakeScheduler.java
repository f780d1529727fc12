package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * A scheduler whose tasks run only when the test says so; it records every requested delay. Made
 * with a clock, it runs the task due first and moves the clock to the moment it is due; made to run
 * undelayed tasks at once, it runs those on the scheduling thread.
 */
final class FakeScheduler implements Scheduler {

  final List<Long> delays = new ArrayList<>();
  private final List<Scheduled> tasks = new ArrayList<>();
  private final FakeClock clock;
  private final boolean undelayedAtOnce;

  FakeScheduler() {
    this(null, false);
  }

  FakeScheduler(FakeClock clock, boolean undelayedAtOnce) {
    this.clock = clock;
    this.undelayedAtOnce = undelayedAtOnce;
  }

  private static final class Scheduled {
    final FutureTask<Void> future;
    final long dueNanos;

    Scheduled(FutureTask<Void> future, long dueNanos) {
      this.future = future;
      this.dueNanos = dueNanos;
    }
  }

  @Override
  public Future<?> schedule(Runnable task, long delayMillis) {
    FutureTask<Void> future = new FutureTask<>(task, null);
    synchronized (this) {
      delays.add(delayMillis);
      if (!(undelayedAtOnce && delayMillis <= 0)) {
        long now = clock == null ? 0 : clock.nanoTime();
        tasks.add(new Scheduled(future, now + delayMillis * 1_000_000L));
        return future;
      }
    }
    future.run();
    return future;
  }

  /** Number of scheduled tasks neither run nor cancelled. */
  synchronized int pending() {
    int count = 0;
    for (Scheduled task : tasks) {
      if (!task.future.isDone()) {
        count++;
      }
    }
    return count;
  }

  /**
   * Runs the oldest pending task (with a clock: the one due first) on the calling thread; false if
   * none.
   */
  boolean runNext() {
    Scheduled next = null;
    synchronized (this) {
      for (Scheduled task : tasks) {
        if (!task.future.isDone()
            && (next == null || (clock != null && task.dueNanos < next.dueNanos))) {
          next = task;
        }
      }
    }
    if (next == null) {
      return false;
    }
    if (clock != null) {
      clock.advanceTo(next.dueNanos);
    }
    next.future.run();
    return true;
  }

  /** Runs pending tasks, and those they schedule, until none is left. */
  void runAll() {
    while (runNext()) {
      // Each run may schedule more.
    }
  }
}
