package org.polarisagent.core.concurrent;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An executor over the shared pool ({@link DaemonScheduler#sharedPool()}) that can be shut down on
 * its own: it then takes no more tasks, and has terminated once those it took have run; the pool
 * goes on. {@link #shutdownNow} interrupts nothing. Thread-safe.
 */
final class SharedPoolView extends AbstractExecutorService implements RunningTasks.Termination {

  private final RunningTasks running = new RunningTasks();
  private volatile boolean shutdown;

  @Override
  public void execute(final Runnable command) {
    if (command == null) {
      throw new NullPointerException();
    }
    if (shutdown) {
      throw new RejectedExecutionException("shut down");
    }
    running.started();
    try {
      DaemonScheduler.sharedPool()
          .execute(
              new Runnable() {
                @Override
                public void run() {
                  try {
                    command.run();
                  } finally {
                    running.ended();
                  }
                }
              });
    } catch (RuntimeException | Error e) {
      running.ended();
      throw e;
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    running.changed();
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    return Collections.emptyList();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && running.none();
  }

  @Override
  public boolean terminated() {
    return isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return running.await(this, timeout, unit);
  }
}
