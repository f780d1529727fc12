package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;

/**
 * Daemon threads that do the Polaris work of an application's servers (registering them, or
 * deregistering them and ending their drain): one at a time on the agent's shared threads ({@link
 * DaemonScheduler#serial}), or, for more at once, threads of its own, created on first use and
 * ended after a minute without work; either way they never keep the JVM alive. Thread-safe.
 */
final class BackgroundScheduler implements Scheduler {

  private final String name;
  private final int threads;
  private final ClassLoader contextLoader;
  private ScheduledThreadPoolExecutor executor;

  /**
   * @param name the threads' name
   * @param threads how many tasks may run at once
   * @param contextLoader the context class loader of its own threads (more than one), so the SDK
   *     finds its own services
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

  private synchronized ScheduledThreadPoolExecutor executor() {
    if (executor == null) {
      executor =
          threads == 1
              ? DaemonScheduler.serial(name)
              : DaemonScheduler.create(name, contextLoader, threads);
    }
    return executor;
  }
}
