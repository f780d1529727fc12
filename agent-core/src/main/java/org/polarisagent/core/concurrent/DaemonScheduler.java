package org.polarisagent.core.concurrent;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the agent's background schedulers and pools: daemon threads named {@code polaris-agent-*}, whose
 * context class loader is the agent's (the Polaris SDK finds its plugins through it), ending when idle so
 * that an idle agent keeps few threads. Stateless.
 */
public final class DaemonScheduler {

  private DaemonScheduler() {}

  /**
   * A single-thread scheduler.
   *
   * @param name the thread's name
   * @param contextLoader the thread's context class loader
   */
  public static ScheduledThreadPoolExecutor create(final String name, final ClassLoader contextLoader) {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, name);
              thread.setDaemon(true);
              thread.setContextClassLoader(contextLoader);
              return thread;
            });
    scheduler.setKeepAliveTime(1, TimeUnit.MINUTES);
    scheduler.allowCoreThreadTimeOut(true);
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  /**
   * A pool of at most {@code maxThreads} daemon threads for blocking work, created on demand and ending
   * after 30 s idle; it rejects work when every thread is busy (pair it with {@link SerialExecutor}).
   *
   * @param name the threads' name prefix
   * @param contextLoader the threads' context class loader
   */
  public static ThreadPoolExecutor pool(
      final String name, final ClassLoader contextLoader, int maxThreads) {
    final AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        0, maxThreads, 30, TimeUnit.SECONDS, new SynchronousQueue<Runnable>(),
        runnable -> {
          Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
          thread.setDaemon(true);
          thread.setContextClassLoader(contextLoader);
          return thread;
        });
  }
}
