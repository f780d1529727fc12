package org.polarisagent.plugin.grpc;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits in tests for what happens on other threads, by polling with a deadline. */
public final class Await {

  private static final long DEADLINE_SECONDS = 10;

  private Await() {}

  /**
   * Returns once {@code condition} holds, polling every 5 ms; fails the test after 10 s.
   *
   * @param what what is awaited, for the failure message
   */
  public static void until(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
