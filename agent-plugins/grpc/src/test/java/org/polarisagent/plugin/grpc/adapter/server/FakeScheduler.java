package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/** A scheduler whose tasks run only when the test says so; it records every requested delay. */
final class FakeScheduler implements Scheduler {

  final List<Long> delays = new ArrayList<>();
  private final List<FutureTask<Void>> tasks = new ArrayList<>();

  @Override
  public synchronized Future<?> schedule(Runnable task, long delayMillis) {
    delays.add(delayMillis);
    FutureTask<Void> future = new FutureTask<>(task, null);
    tasks.add(future);
    return future;
  }

  /** Number of scheduled tasks neither run nor cancelled. */
  synchronized int pending() {
    int count = 0;
    for (FutureTask<Void> task : tasks) {
      if (!task.isDone()) {
        count++;
      }
    }
    return count;
  }

  /** Runs the oldest pending task on the calling thread; false if there is none. */
  boolean runNext() {
    FutureTask<Void> next = null;
    synchronized (this) {
      for (FutureTask<Void> task : tasks) {
        if (!task.isDone()) {
          next = task;
          break;
        }
      }
    }
    if (next == null) {
      return false;
    }
    next.run();
    return true;
  }
}
