package org.polarisagent.core.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialSchedulerTest {

  private final List<ScheduledThreadPoolExecutor> made = new ArrayList<>();

  @AfterEach
  void stop() {
    made.forEach(ScheduledThreadPoolExecutor::shutdownNow);
  }

  private ScheduledThreadPoolExecutor serial(String name) {
    ScheduledThreadPoolExecutor scheduler = DaemonScheduler.serial(name);
    made.add(scheduler);
    return scheduler;
  }

  /** A factory as the SDK passes one: it names threads, and is never asked to start one. */
  private static ThreadFactory named(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> new Thread(runnable, name + "-" + count.incrementAndGet());
  }

  @Test
  void tasksRunOneAtATimeInTheOrderGiven() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-order");
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int task = i;
      futures.add(
          scheduler.submit(
              () -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                order.add(task);
                Thread.yield();
                running.decrementAndGet();
              }));
    }
    for (Future<?> future : futures) {
      future.get(10, TimeUnit.SECONDS);
    }
    assertEquals(1, mostAtOnce.get(), "two tasks of one scheduler ran at once");
    for (int i = 0; i < 50; i++) {
      assertEquals(i, order.get(i));
    }
  }

  @Test
  void aTaskThatBlocksHoldsUpOnlyItsOwnScheduler() throws Exception {
    ScheduledThreadPoolExecutor blocked = serial("serial-blocked");
    ScheduledThreadPoolExecutor other = serial("serial-other");
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blockingStarted = new CountDownLatch(1);
    Future<?> blocking =
        blocked.submit(
            () -> {
              blockingStarted.countDown();
              return release.await(30, TimeUnit.SECONDS);
            });
    assertTrue(blockingStarted.await(10, TimeUnit.SECONDS));
    Future<?> behind = blocked.submit(() -> "behind");
    try {
      assertEquals("free", other.submit(() -> "free").get(10, TimeUnit.SECONDS));
      assertEquals(
          "later",
          other.schedule(() -> "later", 20, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS));
      assertFalse(behind.isDone(), "a task ran while the one before it still ran");
    } finally {
      release.countDown();
    }
    blocking.get(10, TimeUnit.SECONDS);
    assertEquals("behind", behind.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aDelayedTaskWaitsForItsDelay() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-delay");
    ScheduledFuture<?> distant = scheduler.schedule(() -> null, 1, TimeUnit.HOURS);
    assertTrue(distant.getDelay(TimeUnit.MINUTES) > 50);
    long start = System.nanoTime();
    ScheduledFuture<Long> ran = scheduler.schedule(System::nanoTime, 50, TimeUnit.MILLISECONDS);
    assertTrue(ran.get(10, TimeUnit.SECONDS) - start >= TimeUnit.MILLISECONDS.toNanos(50));
    assertFalse(distant.isDone());
    ScheduledFuture<?> never = scheduler.schedule(() -> null, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    assertTrue(never.getDelay(TimeUnit.DAYS) > 365, "a delay beyond the clock's range ran at once");
  }

  @Test
  void aCancelledDelayedTaskIsLetGo() throws Exception {
    WeakReference<Object> reference = cancelledTask(serial("serial-let-go"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (reference.get() != null) {
      assertTrue(System.nanoTime() < deadline, "the cancelled task is still held");
      System.gc();
      Thread.sleep(20);
    }
  }

  /** A task scheduled an hour ahead and cancelled, as the scheduler handed it out. */
  private static WeakReference<Object> cancelledTask(ScheduledThreadPoolExecutor scheduler) {
    ScheduledFuture<?> task = scheduler.schedule(() -> {}, 1, TimeUnit.HOURS);
    task.cancel(false);
    return new WeakReference<>(task);
  }

  @Test
  void aPeriodicTaskThatRunsWhileTheSchedulerShutsDownRunsNoMore() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-periodic-shutdown");
    AtomicInteger runs = new AtomicInteger();
    ScheduledFuture<?> periodic =
        scheduler.scheduleAtFixedRate(
            () -> {
              runs.incrementAndGet();
              scheduler.shutdown(); // while this run is on
            },
            0,
            1,
            TimeUnit.HOURS);
    // Armed again for an hour later, it would keep the scheduler from terminating.
    assertTrue(scheduler.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(periodic.isCancelled());
    assertEquals(1, runs.get());
  }

  @Test
  void aPeriodicTaskNeverOverlapsItselfAndStopsAtItsFirstException() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-periodic");
    AtomicInteger runs = new AtomicInteger();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    ScheduledFuture<?> periodic =
        scheduler.scheduleAtFixedRate(
            () -> {
              if (running.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
              }
              try {
                Thread.sleep(3); // longer than the period
                if (runs.incrementAndGet() == 5) {
                  throw new IllegalStateException("fifth run");
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                running.decrementAndGet();
              }
            },
            0,
            1,
            TimeUnit.MILLISECONDS);
    ExecutionException failure =
        assertThrows(ExecutionException.class, () -> periodic.get(10, TimeUnit.SECONDS));
    assertEquals("fifth run", failure.getCause().getMessage());
    assertEquals(0, overlaps.get());
    assertEquals(5, runs.get());
    // No sixth run: the scheduler runs later tasks, and the periodic one is not among them.
    scheduler.submit(() -> null).get(10, TimeUnit.SECONDS);
    assertEquals(5, runs.get());
  }

  @Test
  void aCancelledFixedDelayTaskRunsNoMore() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-fixed-delay");
    CountDownLatch twice = new CountDownLatch(2);
    AtomicInteger runs = new AtomicInteger();
    ScheduledFuture<?> periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              runs.incrementAndGet();
              twice.countDown();
            },
            0,
            1,
            TimeUnit.MILLISECONDS);
    assertTrue(twice.await(10, TimeUnit.SECONDS));
    assertTrue(periodic.cancel(false));
    scheduler.submit(() -> null).get(10, TimeUnit.SECONDS);
    int after = runs.get();
    scheduler.schedule(() -> null, 20, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
    assertEquals(after, runs.get());
  }

  @Test
  void afterShutdownWhatIsDueFinishesWhileDelayedAndPeriodicTasksEnd() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-shutdown");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> running =
        scheduler.submit(
            () -> {
              started.countDown();
              release.await(30, TimeUnit.SECONDS);
              return "finished";
            });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    Future<String> due = scheduler.submit(() -> "ran after shutdown");
    ScheduledFuture<?> later = scheduler.schedule(() -> null, 1, TimeUnit.HOURS);
    ScheduledFuture<?> periodic = scheduler.scheduleWithFixedDelay(() -> {}, 1, 1, TimeUnit.HOURS);
    scheduler.shutdown();
    assertTrue(later.isCancelled());
    assertTrue(periodic.isCancelled());
    assertTrue(scheduler.isShutdown());
    assertFalse(scheduler.isTerminated());
    assertThrows(RejectedExecutionException.class, () -> scheduler.execute(() -> {}));
    release.countDown();
    assertEquals("finished", running.get(10, TimeUnit.SECONDS));
    assertEquals("ran after shutdown", due.get(10, TimeUnit.SECONDS));
    assertTrue(scheduler.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(scheduler.isTerminated());
  }

  @Test
  void afterShutdownTheCallerRunsPolicyDropsTasks() throws Exception {
    ScheduledThreadPoolExecutor scheduler =
        new SerialScheduler(1, named("sdk-like"), new ThreadPoolExecutor.CallerRunsPolicy());
    made.add(scheduler);
    scheduler.shutdown();
    AtomicInteger ran = new AtomicInteger();
    Future<?> dropped = scheduler.schedule(ran::incrementAndGet, 0, TimeUnit.MILLISECONDS);
    assertTrue(dropped.isCancelled());
    assertEquals(0, ran.get());
  }

  @Test
  void terminationWaitsForTheTaskThatRuns() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-termination");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    scheduler.submit(
        () -> {
          started.countDown();
          return release.await(30, TimeUnit.SECONDS);
        });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    Runnable queued = () -> {};
    scheduler.execute(queued);
    assertEquals(
        1, scheduler.shutdownNow().size(), "the queued task, not the running one, never ran");
    assertFalse(scheduler.awaitTermination(20, TimeUnit.MILLISECONDS));
    release.countDown();
    assertTrue(scheduler.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void aWaitForTerminationEndsWhenTheIdleSchedulerShutsDown() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-idle-shutdown");
    Thread[] waiting = new Thread[1];
    FutureTask<Boolean> waited =
        new FutureTask<>(() -> scheduler.awaitTermination(60, TimeUnit.SECONDS));
    waiting[0] = new Thread(waited, "termination-waiter");
    waiting[0].start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (waiting[0].getState() != Thread.State.TIMED_WAITING) {
      assertTrue(System.nanoTime() < deadline, "the waiter never waited");
      Thread.sleep(1);
    }
    scheduler.shutdown();
    assertTrue(waited.get(10, TimeUnit.SECONDS), "the waiter was not told of the termination");
  }

  @Test
  void aFailureOfATaskHandedOverWithExecuteIsLogged() throws Exception {
    ScheduledThreadPoolExecutor scheduler = serial("serial-failing");
    PrintStream originalErr = System.err;
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    System.setErr(new PrintStream(stderr, true));
    try {
      scheduler.execute(
          () -> {
            throw new IllegalStateException("expected by the test");
          });
      scheduler.submit(() -> null).get(10, TimeUnit.SECONDS);
    } finally {
      System.setErr(originalErr);
    }
    assertTrue(stderr.toString().contains("a task of serial-failing failed"), stderr.toString());
  }

  @Test
  void anSdkSchedulerBearsTheNameItsFactoryGivesWhileItsTasksRun() throws Exception {
    ScheduledThreadPoolExecutor scheduler = new SerialScheduler(1, named("polaris-sdk-like"));
    made.add(scheduler);
    assertEquals(
        "polaris-sdk-like-1",
        scheduler.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS));
  }

  @Test
  void withMoreThanOneThreadItIsTheJdksScheduler() throws Exception {
    ScheduledThreadPoolExecutor scheduler = new SerialScheduler(2, named("own"));
    made.add(scheduler);
    CountDownLatch both = new CountDownLatch(2);
    List<Future<Boolean>> tasks = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      tasks.add(
          scheduler.submit(
              () -> {
                both.countDown();
                return both.await(10, TimeUnit.SECONDS); // only if the other runs meanwhile
              }));
    }
    for (Future<Boolean> task : tasks) {
      assertTrue(task.get(20, TimeUnit.SECONDS), "the two tasks did not run at once");
    }
    assertTrue(
        scheduler
            .submit(() -> Thread.currentThread().getName())
            .get(10, TimeUnit.SECONDS)
            .startsWith("own-"));
  }
}
