package org.polarisagent.testing;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Threads of the apps that must not keep their JVM alive. */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** A scheduler that runs its tasks on one daemon thread of this name. */
  public static ScheduledExecutorService scheduler(String threadName) {
    return Executors.newSingleThreadScheduledExecutor(
        runnable -> {
          Thread thread = new Thread(runnable, threadName);
          thread.setDaemon(true);
          return thread;
        });
  }
}
