package org.polarisagent.plugin.grpc.adapter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The hand-over of call outcomes: every outcome offered reaches the sink once, from threads that
 * offer at once, also after the draining thread went to sleep between bursts, and a sink that
 * throws does not stop it. Nothing is dropped below the queue's bound.
 */
class OutcomeQueueTest {

  /**
   * A woken thread drains a burst in milliseconds; one left asleep would wait out its 10 s idle
   * time.
   */
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

  @Test
  void everyOutcomeReachesTheSinkOnceAcrossBurstsAndSleeps() throws Exception {
    AtomicInteger reported = new AtomicInteger();
    LongAdder dropped = new LongAdder();
    OutcomeQueue queue =
        new OutcomeQueue(
            (stat, reporter) -> reported.incrementAndGet(), getClass().getClassLoader(), dropped);
    int threads = 4;
    int bursts = 5;
    int perBurst = 1000;
    for (int burst = 0; burst < bursts; burst++) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> offering = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread thread =
            new Thread(
                () -> {
                  try {
                    start.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int i = 0; i < perBurst; i++) {
                    queue.offer(null, null);
                  }
                });
        thread.start();
        offering.add(thread);
      }
      start.countDown();
      for (Thread thread : offering) {
        thread.join();
      }
      int expected = (burst + 1) * threads * perBurst;
      awaitCount(reported, expected);
      // Long enough for the draining thread to stop polling and sleep until the next offer.
      Thread.sleep(50);
    }
    assertEquals(bursts * threads * perBurst, reported.get());
    assertEquals(0, dropped.sum());
  }

  @Test
  void aSinkThatThrowsDoesNotStopTheHandOver() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    OutcomeQueue queue =
        new OutcomeQueue(
            (stat, reporter) -> {
              if (calls.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("the SDK failed");
              }
            },
            getClass().getClassLoader(),
            null);
    for (int i = 0; i < 100; i++) {
      queue.offer(null, null);
    }
    awaitCount(calls, 100);
  }

  private static void awaitCount(AtomicInteger count, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (count.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertTrue(count.get() >= expected, count.get() + " of " + expected + " outcomes reported");
    assertEquals(expected, count.get(), "no outcome reported twice");
  }
}
