package org.polarisagent.core.concurrent;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.logging.AgentLog;

/**
 * Runs its tasks one at a time, in order, on threads of a shared pool: work of one owner (one
 * service's resolver, say) never overlaps, and a task that blocks holds up its own owner and one
 * thread of the pool; other owners go on as long as the pool has threads left. When it has none,
 * tasks are retried shortly after on {@code timer}, as when no thread can be started. A task that
 * throws is logged and the next one runs, without an interrupt the task left. Thread-safe.
 */
public final class SerialExecutor implements Executor {

  private static final long RETRY_MILLIS = 50;

  private final Executor pool;
  private final ScheduledExecutorService timer;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  public SerialExecutor(Executor pool, ScheduledExecutorService timer) {
    this.pool = pool;
    this.timer = timer;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    drainSoon();
  }

  private void drainSoon() {
    if (tasks.isEmpty() || !draining.compareAndSet(false, true)) {
      return;
    }
    try {
      pool.execute(this::drain);
    } catch (RejectedExecutionException | OutOfMemoryError noThread) {
      // Every thread busy, or none to be had (the JVM's limit): try again shortly.
      draining.set(false);
      try {
        timer.schedule(this::drainSoon, RETRY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopped) {
        // the agent is shutting down: nothing more runs
      }
    }
  }

  private void drain() {
    try {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        try {
          task.run();
        } catch (Throwable t) {
          AgentLog.error("an agent background task failed", t);
        }
        Thread.interrupted(); // an interrupt meant for this task must not reach the next one
      }
    } finally {
      draining.set(false);
      drainSoon();
    }
  }
}
