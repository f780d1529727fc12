package org.polarisagent.core.concurrent;

import java.lang.ref.WeakReference;
import java.lang.reflect.Constructor;
import java.security.AccessController;
import java.security.PrivilegedAction;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the agent's background schedulers and pools: daemon threads named {@code polaris-agent-*},
 * whose context class loader is the agent's (the Polaris SDK finds its plugins through it), ending
 * when idle so that an idle agent keeps few threads. Most work runs on two shared parts, each
 * started on first use: the timer ({@link #timer()}) and the pool under every {@link
 * SerialScheduler} ({@link #sharedPool()}). Stateless but for them.
 */
public final class DaemonScheduler {

  /**
   * How long an idle thread of the shared pool lives: long enough to carry the SDK's and the
   * agent's periodic work from one task to the next, short enough that a burst of work (the SDK's
   * start) leaves no threads behind for long.
   */
  static final long SHARED_IDLE_SECONDS = 5;

  private DaemonScheduler() {}

  /**
   * The agent's timer ({@code polaris-agent-timer}), for short timed tasks that never block
   * (checks, hand-offs to other threads); never shut down (its thread ends when idle and comes back
   * when needed).
   */
  public static ScheduledExecutorService timer() {
    return Timer.SHARED;
  }

  /**
   * The pool ({@code polaris-agent-worker-N}, unbounded, idle threads ending after {@value
   * #SHARED_IDLE_SECONDS} s) on which {@link SerialScheduler}s and the SDK's gRPC callbacks run;
   * never shut down.
   */
  public static ExecutorService sharedPool() {
    return SharedPool.THREADS;
  }

  /**
   * An executor over the shared pool that can be shut down on its own ({@link SharedPoolView}),
   * unbounded: for work whose tasks may wait for each other.
   */
  public static ExecutorService sharedView() {
    return new SharedPoolView();
  }

  /**
   * A scheduler of its own for work that may block, running on the shared pool ({@link
   * SerialScheduler}): one task at a time, the thread named {@code name} while it runs.
   */
  public static ScheduledThreadPoolExecutor serial(String name) {
    return new SerialScheduler(name);
  }

  /** Runs the task on this thread, which bears the given name meanwhile. */
  static void runNamed(String name, Runnable task) {
    Thread thread = Thread.currentThread();
    String own = thread.getName();
    thread.setName(name);
    try {
      task.run();
    } finally {
      thread.setName(own);
    }
  }

  /**
   * A scheduler with up to the given number of threads of its own, for work that may block and must
   * not wait for other such work.
   *
   * @param name the threads' name
   * @param contextLoader the threads' context class loader
   * @param threads the most threads it runs at once
   */
  public static ScheduledThreadPoolExecutor create(
      final String name, final ClassLoader contextLoader, int threads) {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(threads, new Named(name, null, contextLoader));
    scheduler.setKeepAliveTime(1, TimeUnit.MINUTES);
    scheduler.allowCoreThreadTimeOut(true);
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  private static final class Timer {
    static final ScheduledExecutorService SHARED =
        Executors.unconfigurableScheduledExecutorService(
            create("polaris-agent-timer", DaemonScheduler.class.getClassLoader(), 1));
  }

  private static final class SharedPool {
    static final ThreadPoolExecutor THREADS = make();

    private static ThreadPoolExecutor make() {
      ThreadPoolExecutor pool =
          pool("polaris-agent-worker", DaemonScheduler.class.getClassLoader(), Integer.MAX_VALUE);
      pool.setKeepAliveTime(SHARED_IDLE_SECONDS, TimeUnit.SECONDS);
      return pool;
    }
  }

  /**
   * A pool of at most {@code maxThreads} daemon threads for blocking work, created on demand and
   * ending after 10 s idle (so that whatever the work left in their thread-locals goes with them);
   * it rejects work when every thread is busy (pair it with {@link SerialExecutor}).
   *
   * @param name the threads' name prefix
   * @param contextLoader the threads' context class loader
   */
  public static ThreadPoolExecutor pool(
      final String name, final ClassLoader contextLoader, int maxThreads) {
    return new ThreadPoolExecutor(
        0,
        maxThreads,
        10,
        TimeUnit.SECONDS,
        new SynchronousQueue<Runnable>(),
        new Named(name, new AtomicInteger(), contextLoader));
  }

  /**
   * Runs a task every period for as long as something else holds it: the scheduler holds it only
   * weakly, and stops once it is gone. For tasks of an application's adapters, which the agent's
   * threads must not keep alive (that would keep the application's class loader).
   *
   * @return the schedule, which also cancels it
   */
  public static Future<?> scheduleWhileHeld(
      ScheduledExecutorService scheduler, Runnable task, long periodMillis) {
    WeakTask weak = new WeakTask(task);
    weak.scheduled =
        scheduler.scheduleWithFixedDelay(weak, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    return weak.scheduled;
  }

  /**
   * Makes the threads of one scheduler or pool: {@code name}, or {@code name-N} when numbered. A
   * class rather than a lambda: schedulers are made in premain, where the JVM's first lambda would
   * cost more than the rest of it.
   */
  private static final class Named implements ThreadFactory {
    private final String name;
    private final AtomicInteger numbers;
    private final ClassLoader contextLoader;

    Named(String name, AtomicInteger numbers, ClassLoader contextLoader) {
      this.name = name;
      this.numbers = numbers;
      this.contextLoader = contextLoader;
    }

    @Override
    public Thread newThread(Runnable runnable) {
      String threadName = numbers == null ? name : name + "-" + numbers.incrementAndGet();
      return DaemonScheduler.newThread(runnable, threadName, contextLoader);
    }
  }

  /** Runs the task it holds weakly; cancels its own schedule once the task is gone. */
  private static final class WeakTask implements Runnable {
    private final WeakReference<Runnable> task;
    volatile Future<?> scheduled;

    WeakTask(Runnable task) {
      this.task = new WeakReference<>(task);
    }

    @Override
    public void run() {
      Runnable current = task.get();
      if (current != null) {
        current.run();
      } else if (scheduled != null) {
        scheduled.cancel(false);
      }
    }
  }

  /**
   * Java 9's thread constructor that can leave out the starting thread's inheritable thread-local
   * values; null on Java 8.
   */
  private static final Constructor<Thread> WITHOUT_INHERITED_LOCALS = withoutInheritedLocals();

  private static Constructor<Thread> withoutInheritedLocals() {
    try {
      return Thread.class.getConstructor(
          ThreadGroup.class, Runnable.class, String.class, long.class, boolean.class);
    } catch (NoSuchMethodException | RuntimeException java8) {
      return null;
    }
  }

  /**
   * A daemon thread, not started, that keeps nothing of the thread that happens to start it:
   * threads start lazily, often on an application thread, and would otherwise inherit its access
   * control context (the protection domains, so the class loaders, of the application code on its
   * stack), its thread group (maybe of an application's class) and priority and, from Java 9 on,
   * its inheritable thread-local values, and pin them as long as they run.
   */
  @SuppressWarnings("removal") // AccessController: still what a thread inherits its context from.
  public static Thread newThread(
      final Runnable runnable, final String name, final ClassLoader contextLoader) {
    return AccessController.doPrivileged(
        new PrivilegedAction<Thread>() {
          @Override
          public Thread run() {
            Thread thread = unstarted(runnable, name);
            thread.setDaemon(true);
            thread.setPriority(Thread.NORM_PRIORITY);
            thread.setContextClassLoader(contextLoader);
            return thread;
          }
        });
  }

  private static Thread unstarted(Runnable runnable, String name) {
    if (WITHOUT_INHERITED_LOCALS != null) {
      try {
        return WITHOUT_INHERITED_LOCALS.newInstance(GROUP, runnable, name, 0L, false);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // as on Java 8
      }
    }
    return new Thread(GROUP, runnable, name);
  }

  /**
   * The group of the agent's threads: the JVM's top group, not the group of the thread that happens
   * to start one (an application's group, which may be of the application's own class).
   */
  private static final ThreadGroup GROUP = topGroup();

  private static ThreadGroup topGroup() {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    return group;
  }
}
