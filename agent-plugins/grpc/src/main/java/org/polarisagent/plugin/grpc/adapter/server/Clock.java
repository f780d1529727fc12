package org.polarisagent.plugin.grpc.adapter.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Time as the server lifecycle sees it: a monotonic clock and a way to wait for a moment.
 * Thread-safe.
 */
interface Clock {

  long nanoTime();

  /** Returns once {@link #nanoTime()} has reached the deadline; at once if it already has. */
  void sleepUntil(long deadlineNanos) throws InterruptedException;

  /**
   * Waits until the latch opens or {@link #nanoTime()} reaches the deadline; true if the latch
   * opened.
   */
  boolean await(CountDownLatch latch, long deadlineNanos) throws InterruptedException;

  /** The system's monotonic clock. */
  Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleepUntil(long deadlineNanos) throws InterruptedException {
          long remaining;
          while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(remaining);
          }
        }

        @Override
        public boolean await(CountDownLatch latch, long deadlineNanos) throws InterruptedException {
          return latch.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
      };
}
