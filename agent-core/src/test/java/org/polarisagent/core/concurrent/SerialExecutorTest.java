package org.polarisagent.core.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  private final ThreadPoolExecutor pool =
      DaemonScheduler.pool("test-pool", getClass().getClassLoader(), 2);
  private final ScheduledThreadPoolExecutor timer =
      DaemonScheduler.create("test-timer", getClass().getClassLoader(), 1);

  @AfterEach
  void stop() {
    pool.shutdownNow();
    timer.shutdownNow();
  }

  @Test
  void aBlockedOwnerDoesNotHoldUpAnother() throws InterruptedException {
    SerialExecutor slow = new SerialExecutor(pool, timer);
    SerialExecutor fast = new SerialExecutor(pool, timer);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch fastRan = new CountDownLatch(1);
    slow.execute(() -> await(release));
    fast.execute(fastRan::countDown);
    assertTrue(
        fastRan.await(10, TimeUnit.SECONDS),
        "the other owner's task ran while the first is blocked");
    release.countDown();
  }

  @Test
  void tasksOfOneOwnerRunInOrderAndNeverOverlap() throws InterruptedException {
    SerialExecutor serial = new SerialExecutor(pool, timer);
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    int[] running = {0};
    boolean[] overlapped = {false};
    CountDownLatch done = new CountDownLatch(100);
    for (int i = 0; i < 100; i++) {
      int n = i;
      serial.execute(
          () -> {
            synchronized (running) {
              overlapped[0] |= ++running[0] > 1;
            }
            order.add(n);
            synchronized (running) {
              running[0]--;
            }
            done.countDown();
          });
    }
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(!overlapped[0], "two tasks of one owner ran at once");
    for (int i = 0; i < 100; i++) {
      assertEquals(i, order.get(i));
    }
  }

  @Test
  void aFullPoolDelaysTasksInsteadOfDroppingThem() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    new SerialExecutor(pool, timer).execute(() -> await(release));
    new SerialExecutor(pool, timer).execute(() -> await(release));
    CountDownLatch ran = new CountDownLatch(1);
    new SerialExecutor(pool, timer).execute(ran::countDown);
    assertEquals(1, ran.getCount(), "no thread free yet");
    release.countDown();
    assertTrue(ran.await(10, TimeUnit.SECONDS), "ran once a thread was free");
  }

  @Test
  void aThrowingTaskDoesNotStopTheNext() throws InterruptedException {
    SerialExecutor serial = new SerialExecutor(pool, timer);
    CountDownLatch ran = new CountDownLatch(1);
    serial.execute(
        () -> {
          throw new IllegalStateException("expected by the test");
        });
    serial.execute(ran::countDown);
    assertTrue(ran.await(10, TimeUnit.SECONDS));
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
