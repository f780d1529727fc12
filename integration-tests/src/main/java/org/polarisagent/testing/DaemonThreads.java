package org.polarisagent.testing;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/** Threads of the apps that must not keep their JVM alive. */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** A scheduler that runs its tasks on one daemon thread of this name. */
  public static ScheduledExecutorService scheduler(String threadName) {
    return Executors.newSingleThreadScheduledExecutor(named(threadName));
  }

  /** A pool of {@code threads} daemon threads of this name. */
  public static ExecutorService pool(String threadName, int threads) {
    return Executors.newFixedThreadPool(threads, named(threadName));
  }

  private static ThreadFactory named(String threadName) {
    return runnable -> {
      Thread thread = new Thread(runnable, threadName);
      thread.setDaemon(true);
      return thread;
    };
  }
}
