package org.polarisagent.core.sdk;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.concurrent.SerialScheduler;

/**
 * The thread pools of the SDK's libraries, once the dist build pointed their making here ({@link
 * SdkCallRedirect}): they run on the agent's shared pool ({@link DaemonScheduler#sharedPool()}), so
 * the SDK's single-thread schedulers (a dozen or so, each idle nearly always) and its gRPC's
 * executor cost a thread or two in all. Stateless.
 */
public final class SdkThreadPools {

  private SdkThreadPools() {}

  /**
   * In place of {@code Executors.newCachedThreadPool} (the executor of the SDK's gRPC, {@code
   * grpc-default-executor}): its tasks run on the shared pool, unbounded (the SDK's gRPC calls back
   * on it and some callbacks wait for others). Shutting it down stops it taking tasks.
   */
  public static ExecutorService cached(ThreadFactory ignored) {
    return new PoolView();
  }

  /**
   * In place of {@code Executors.newSingleThreadScheduledExecutor}: a {@link SerialScheduler},
   * named as the factory names its threads.
   */
  public static ScheduledExecutorService singleThreadScheduler(ThreadFactory threads) {
    return new SerialScheduler(1, threads);
  }

  /**
   * In place of {@code Executors.newFixedThreadPool}: one thread's worth is a {@link
   * SerialScheduler}; more, the JDK's pool.
   */
  public static ExecutorService fixed(int threads, ThreadFactory factory) {
    return threads == 1
        ? new SerialScheduler(1, factory)
        : Executors.newFixedThreadPool(threads, factory);
  }

  /** An executor over the shared pool that can be shut down on its own. */
  private static final class PoolView extends AbstractExecutorService {
    private volatile boolean shutdown;

    /** Tasks running; guarded by {@code this}. */
    private int running;

    @Override
    public void execute(final Runnable command) {
      if (command == null) {
        throw new NullPointerException();
      }
      if (shutdown) {
        throw new RejectedExecutionException("shut down");
      }
      changeRunning(1);
      try {
        DaemonScheduler.sharedPool()
            .execute(
                new Runnable() {
                  @Override
                  public void run() {
                    try {
                      command.run();
                    } finally {
                      changeRunning(-1);
                    }
                  }
                });
      } catch (RuntimeException | Error e) {
        changeRunning(-1);
        throw e;
      }
    }

    private synchronized void changeRunning(int change) {
      running += change;
      if (running == 0) {
        notifyAll();
      }
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return Collections.emptyList();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
      return shutdown && running == 0;
    }

    @Override
    public synchronized boolean awaitTermination(long timeout, TimeUnit unit)
        throws InterruptedException {
      long deadline = System.nanoTime() + unit.toNanos(timeout);
      while (!isTerminated()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }
}
