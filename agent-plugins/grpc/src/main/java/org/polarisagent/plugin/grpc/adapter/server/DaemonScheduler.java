package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The one background thread that registers the servers of an application: a daemon, created on first use
 * and ended after a minute without work, so it never keeps the JVM alive. Thread-safe.
 */
final class DaemonScheduler implements Scheduler {

  private final ClassLoader contextLoader;
  private ScheduledThreadPoolExecutor executor;

  /** @param contextLoader the context class loader of the thread, so the SDK finds its own services */
  DaemonScheduler(ClassLoader contextLoader) {
    this.contextLoader = contextLoader;
  }

  @Override
  public Future<?> schedule(Runnable task, long delayMillis) {
    return executor().schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
  }

  private synchronized ScheduledThreadPoolExecutor executor() {
    if (executor == null) {
      ScheduledThreadPoolExecutor created =
          new ScheduledThreadPoolExecutor(
              1,
              new ThreadFactory() {
                @Override
                public Thread newThread(Runnable runnable) {
                  Thread thread = new Thread(runnable, "polaris-agent-server-registration");
                  thread.setDaemon(true);
                  thread.setContextClassLoader(contextLoader);
                  return thread;
                }
              });
      created.setKeepAliveTime(1, TimeUnit.MINUTES);
      created.allowCoreThreadTimeOut(true);
      created.setRemoveOnCancelPolicy(true);
      executor = created;
    }
    return executor;
  }
}
