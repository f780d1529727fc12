package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;

/**
 * The one background thread that registers the servers of an application: a daemon, created on first use
 * and ended after a minute without work, so it never keeps the JVM alive. Thread-safe.
 */
final class RegistrationScheduler implements Scheduler {

  private final ClassLoader contextLoader;
  private ScheduledThreadPoolExecutor executor;

  /** @param contextLoader the context class loader of the thread, so the SDK finds its own services */
  RegistrationScheduler(ClassLoader contextLoader) {
    this.contextLoader = contextLoader;
  }

  @Override
  public Future<?> schedule(Runnable task, long delayMillis) {
    return executor().schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
  }

  private synchronized ScheduledThreadPoolExecutor executor() {
    if (executor == null) {
      executor = DaemonScheduler.create(
          "polaris-agent-server-registration", contextLoader);
    }
    return executor;
  }

}
