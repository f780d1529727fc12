package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;

/**
 * Daemon threads of their own that do the Polaris work of an application's servers which may run
 * the application's code (registering them after health checks, deregistering them and ending their
 * drain): created on first use and ended after a minute without work, so they never keep the JVM
 * alive nor, once the servers are gone, the application's class loader (through thread-locals its
 * code left). Work that runs no application code goes to the agent's shared threads ({@link
 * #shared}). Thread-safe.
 */
final class BackgroundScheduler implements Scheduler {

  private final String name;
  private final int threads;
  private final ClassLoader contextLoader;
  private ScheduledThreadPoolExecutor executor;

  /**
   * @param name the threads' name
   * @param threads how many tasks may run at once
   * @param contextLoader the context class loader of the threads, so the SDK finds its own services
   */
  BackgroundScheduler(String name, int threads, ClassLoader contextLoader) {
    this.name = name;
    this.threads = threads;
    this.contextLoader = contextLoader;
  }

  @Override
  public Future<?> schedule(Runnable task, long delayMillis) {
    return executor().schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
  }

  /**
   * A scheduler for work that runs no application code (heartbeats): one task at a time on the
   * agent's shared threads ({@link DaemonScheduler#serial}), under the given name.
   */
  static Scheduler shared(String name) {
    final ScheduledExecutorService serial = DaemonScheduler.serial(name);
    return new Scheduler() {
      @Override
      public Future<?> schedule(Runnable task, long delayMillis) {
        return serial.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
      }
    };
  }

  private synchronized ScheduledThreadPoolExecutor executor() {
    if (executor == null) {
      executor = DaemonScheduler.create(name, contextLoader, threads);
    }
    return executor;
  }
}
