package org.polarisagent.core.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DaemonSchedulerTest {

  private final ScheduledThreadPoolExecutor scheduler =
      DaemonScheduler.serial("daemon-scheduler-test");

  @AfterEach
  void stop() throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aTaskRunsWhileHeldAndItsScheduleEndsOnceNobodyHoldsIt() throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(2);
    Runnable task = ran::countDown;
    Future<?> scheduled = DaemonScheduler.scheduleWhileHeld(scheduler, task, 10);
    assertTrue(ran.await(10, TimeUnit.SECONDS), "the task runs every period");
    assertFalse(scheduled.isCancelled());

    task = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!scheduled.isCancelled()) {
      if (System.nanoTime() > deadline) {
        fail("the schedule of a task nobody holds never ended");
      }
      System.gc();
      Thread.sleep(20);
    }
    scheduler.shutdown();
    assertTrue(
        scheduler.awaitTermination(10, TimeUnit.SECONDS), "something of the task is left pending");
  }

  @Test
  void serialTasksRunOnDaemonsOfTheAgentsLoaderNamedAfterTheirScheduler() throws Exception {
    Thread thread = scheduler.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
    assertTrue(thread.isDaemon());
    assertSame(DaemonScheduler.class.getClassLoader(), thread.getContextClassLoader());
    assertEquals(
        "daemon-scheduler-test",
        scheduler.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!thread.getName().startsWith("polaris-agent-worker-")) {
      if (System.nanoTime() > deadline) {
        fail("the pool thread kept the scheduler's name: " + thread.getName());
      }
      Thread.sleep(5);
    }
  }

  @Test
  void threadsAreDaemonsWithTheGivenContextLoader() throws Exception {
    ClassLoader loader = new ClassLoader(null) {};
    ScheduledThreadPoolExecutor own = DaemonScheduler.create("daemon-scheduler-loader", loader, 2);
    try {
      Thread thread = own.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
      assertTrue(thread.isDaemon());
      assertTrue(thread.getContextClassLoader() == loader);
    } finally {
      own.shutdownNow();
    }
  }

  @Test
  void threadsKeepNotTheGroupOfTheThreadThatStartsThem() throws Exception {
    ThreadGroup appGroup = new ThreadGroup("an-application's-group");
    ScheduledThreadPoolExecutor own =
        DaemonScheduler.create(
            "daemon-scheduler-group", DaemonSchedulerTest.class.getClassLoader(), 1);
    Thread[] agentThread = new Thread[1];
    Thread starter =
        new Thread(
            appGroup,
            () -> {
              try {
                agentThread[0] = own.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      starter.start();
      starter.join(TimeUnit.SECONDS.toMillis(20));
      assertNotNull(agentThread[0]);
      assertNotSame(appGroup, agentThread[0].getThreadGroup());
      assertNull(agentThread[0].getThreadGroup().getParent(), "not the JVM's top group");
    } finally {
      own.shutdownNow();
    }
  }

  @Test
  void threadsKeepNoInheritableThreadLocalOfTheThreadThatStartsThem() throws Exception {
    // An application's value, which an agent thread started on its thread must not hold on to.
    InheritableThreadLocal<Object> appValue = new InheritableThreadLocal<>();
    appValue.set(new Object());
    // Fresh threads, started by this thread (an idle thread of the shared pool may exist already).
    ScheduledThreadPoolExecutor own =
        DaemonScheduler.create(
            "daemon-scheduler-locals", DaemonSchedulerTest.class.getClassLoader(), 1);
    ThreadPoolExecutor pool =
        DaemonScheduler.pool("daemon-pool-locals", DaemonSchedulerTest.class.getClassLoader(), 1);
    try {
      assertNull(
          own.submit(appValue::get).get(10, TimeUnit.SECONDS),
          "the agent's thread inherited the application's thread-local value");
      assertNull(
          pool.submit(appValue::get).get(10, TimeUnit.SECONDS),
          "the agent's pool thread inherited the application's thread-local value");
    } finally {
      appValue.remove();
      own.shutdownNow();
      pool.shutdownNow();
    }
  }
}
