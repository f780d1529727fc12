package org.polarisagent.core.concurrent;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Makes the agent's background schedulers: daemon threads named {@code polaris-agent-*}, whose
 * context class loader is the agent's (the Polaris SDK finds its plugins through it), ending after a minute
 * without work so that an idle agent keeps few threads. Stateless.
 */
public final class DaemonScheduler {

  private DaemonScheduler() {}

  /**
   * A single-thread scheduler.
   *
   * @param name the thread's name
   * @param contextLoader the thread's context class loader
   */
  public static ScheduledThreadPoolExecutor create(String name, ClassLoader contextLoader) {
    return create(name, contextLoader, 1);
  }

  /**
   * A scheduler with up to the given number of threads, for work that may block and must not wait for
   * other such work.
   *
   * @param name the threads' name
   * @param contextLoader the threads' context class loader
   * @param threads the most threads it runs at once
   */
  public static ScheduledThreadPoolExecutor create(
      final String name, final ClassLoader contextLoader, int threads) {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(
            threads,
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
}
