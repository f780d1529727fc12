package org.polarisagent.core.concurrent;

import java.util.concurrent.TimeUnit;

/**
 * The tasks an executor on the shared threads has running, for its {@code isTerminated} and {@code
 * awaitTermination}: the executor says when one starts and ends, and when anything else its
 * termination depends on changed. Thread-safe.
 */
final class RunningTasks {

  /** Whether the executor owning the count has terminated; asked under the count's lock. */
  interface Termination {
    boolean terminated();
  }

  private int running;

  synchronized void started() {
    running++;
  }

  synchronized void ended() {
    running--;
    notifyAll();
  }

  /** Wakes those waiting for the termination, which may have come. */
  synchronized void changed() {
    notifyAll();
  }

  synchronized boolean none() {
    return running == 0;
  }

  /** Waits until {@code termination} holds, at most the timeout; whether it holds. */
  synchronized boolean await(Termination termination, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!termination.terminated()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
