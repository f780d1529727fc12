package org.polarisagent.core.concurrent;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * A scheduler that would own a thread, made to share threads instead: its tasks run one at a time,
 * in order, as on a thread of its own, but on the agent's shared pool ({@link
 * DaemonScheduler#sharedPool()}), and its delays are kept by the agent's timer ({@link
 * DaemonScheduler#timer()}). A task that blocks holds up this scheduler only: the pool grows. While
 * a task runs, its thread bears this scheduler's name. So the agent's and the SDK's schedulers,
 * each idle nearly always, cost a thread or two in all rather than a thread each. The SDK's are
 * made here once the dist build pointed their making at this class (see {@code SdkCallRedirect}).
 *
 * <p>As the JDK's: a periodic task never overlaps itself and stops at its first exception; a
 * rejected task goes to the rejection handler ({@code CallerRunsPolicy} drops it once shut down);
 * after {@link #shutdown} the tasks already due and the one running finish, periodic tasks end.
 * Unlike it: {@code shutdown} also cancels delayed tasks not yet due, {@link #shutdownNow} does not
 * interrupt the task that runs, and a task that fails is logged when it was handed over with {@code
 * execute} or is periodic (it runs no more): the first at WARN, the next at debug level. Made with
 * more than one thread, it is the JDK's scheduler, unchanged. Thread-safe.
 */
public final class SerialScheduler extends ScheduledThreadPoolExecutor {

  /** Runs this scheduler's tasks in turn on the shared threads; null when it is the JDK's. */
  private final SerialExecutor serial;

  /** Tasks scheduled and not done. */
  private final Set<Job<?>> pending = ConcurrentHashMap.newKeySet();

  private final RunningTasks running = new RunningTasks();

  private volatile boolean shutdown;

  /** Whether a task's failure was logged at WARN already. */
  private volatile boolean failureLogged;

  /** The name its tasks' thread bears while they run. */
  private final String name;

  /**
   * A scheduler of the SDK's ({@code new ScheduledThreadPoolExecutor(corePoolSize,
   * threadFactory)}): shared threads when {@code corePoolSize} is 0 or 1, named as the factory
   * names its threads.
   */
  public SerialScheduler(int corePoolSize, ThreadFactory threadFactory) {
    this(corePoolSize, threadFactory, new AbortPolicy());
  }

  /** As {@link #SerialScheduler(int, ThreadFactory)}, with a rejection handler. */
  public SerialScheduler(
      int corePoolSize, ThreadFactory threadFactory, RejectedExecutionHandler handler) {
    super(corePoolSize, threadFactory, handler);
    boolean shared = corePoolSize <= 1;
    serial =
        shared ? new SerialExecutor(DaemonScheduler.sharedPool(), DaemonScheduler.timer()) : null;
    name = shared ? threadFactory.newThread(NOTHING).getName() : null;
  }

  /** The agent's scheduler of the given name. */
  SerialScheduler(String name) {
    super(1, UNUSED);
    serial = new SerialExecutor(DaemonScheduler.sharedPool(), DaemonScheduler.timer());
    this.name = name;
  }

  private static final Runnable NOTHING =
      new Runnable() {
        @Override
        public void run() {}
      };

  /** The threads of a shared scheduler's own pool, which never starts one. */
  private static final ThreadFactory UNUSED =
      new ThreadFactory() {
        @Override
        public Thread newThread(Runnable runnable) {
          throw new UnsupportedOperationException("a serial scheduler runs on shared threads");
        }
      };

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (serial == null) {
      return super.schedule(command, delay, unit);
    }
    return start(new Job<Void>(command, null, unit.toNanos(delay), 0), command);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    if (serial == null) {
      return super.schedule(callable, delay, unit);
    }
    return start(new Job<V>(callable, unit.toNanos(delay)), null);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    if (serial == null) {
      return super.scheduleAtFixedRate(command, initialDelay, period, unit);
    }
    if (period <= 0) {
      throw new IllegalArgumentException("period " + period);
    }
    return start(
        new Job<Void>(command, null, unit.toNanos(initialDelay), unit.toNanos(period)), command);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    if (serial == null) {
      return super.scheduleWithFixedDelay(command, initialDelay, delay, unit);
    }
    if (delay <= 0) {
      throw new IllegalArgumentException("delay " + delay);
    }
    return start(
        new Job<Void>(command, null, unit.toNanos(initialDelay), -unit.toNanos(delay)), command);
  }

  @Override
  public void execute(Runnable command) {
    if (serial == null) {
      super.execute(command);
      return;
    }
    Job<Void> job = new Job<Void>(command, null, 0, 0);
    job.logFailure = true;
    start(job, command);
  }

  @Override
  public Future<?> submit(Runnable task) {
    return schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    return schedule(Executors.callable(task, result), 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public void shutdown() {
    if (serial == null) {
      super.shutdown();
      return;
    }
    shutdown = true;
    for (Job<?> job : pending) {
      if (!job.inRun && (job.isPeriodic() || !job.handedOver)) {
        job.cancel(false); // a periodic one that runs ends itself once its run is over
      }
    }
    super.shutdown(); // nothing of its own to stop; keeps its state in line
    running.changed();
  }

  @Override
  public List<Runnable> shutdownNow() {
    if (serial == null) {
      return super.shutdownNow();
    }
    shutdown = true;
    List<Runnable> neverRun = new ArrayList<>();
    for (Job<?> job : pending) {
      if (!job.started && job.cancel(false)) {
        neverRun.add(job);
      }
    }
    shutdown();
    return neverRun;
  }

  @Override
  public boolean isShutdown() {
    return serial == null ? super.isShutdown() : shutdown;
  }

  @Override
  public boolean isTerminating() {
    return serial == null ? super.isTerminating() : shutdown && !isTerminated();
  }

  @Override
  public boolean isTerminated() {
    if (serial == null) {
      return super.isTerminated();
    }
    return shutdown && running.none() && pending.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    if (serial == null) {
      return super.awaitTermination(timeout, unit);
    }
    return running.await(
        new RunningTasks.Termination() {
          @Override
          public boolean terminated() {
            return isTerminated();
          }
        },
        timeout,
        unit);
  }

  private <V> ScheduledFuture<V> start(Job<V> job, Runnable command) {
    if (shutdown) {
      getRejectedExecutionHandler().rejectedExecution(command != null ? command : job, this);
      job.cancel(false); // the handler did not throw: the task is dropped
      return job;
    }
    pending.add(job);
    if (shutdown) { // shut down meanwhile: it may not have seen this one
      job.cancel(false);
      return job;
    }
    arm(job);
    return job;
  }

  /** Hands the job to the serial executor when it is due. */
  private void arm(final Job<?> job) {
    final long due = job.time;
    long delay = due - System.nanoTime();
    if (delay <= 0) {
      job.handOver();
      return;
    }
    Future<?> handle =
        DaemonScheduler.timer()
            .schedule(
                new Runnable() {
                  @Override
                  public void run() {
                    job.handOver();
                  }
                },
                delay,
                TimeUnit.NANOSECONDS);
    synchronized (job) {
      if (job.isDone()) { // cancelled meanwhile
        handle.cancel(false);
      } else if (job.time == due) { // else it ran and was armed again meanwhile
        job.timerHandle = handle;
      }
    }
  }

  /** A delay as nanoseconds from now that cannot overflow {@link System#nanoTime()} arithmetic. */
  private static long boundedNanos(long nanos) {
    return Math.max(0, Math.min(nanos, Long.MAX_VALUE >> 2));
  }

  /** One scheduled task: once, at a fixed rate (period > 0) or with a fixed delay (period < 0). */
  private final class Job<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {
    private final long period;

    /** When it is due next, in {@link System#nanoTime()}. */
    private volatile long time;

    /** The timer's hand-over of its next run; guarded by the job. */
    private Future<?> timerHandle;

    /** Whether its current run is due and handed to the serial executor. */
    private volatile boolean handedOver;

    private volatile boolean started;
    private volatile boolean inRun;

    /** Whether a failure is logged (a task handed over with {@code execute}). */
    boolean logFailure;

    Job(Callable<V> callable, long delayNanos) {
      super(callable);
      this.period = 0;
      this.time = System.nanoTime() + boundedNanos(delayNanos);
    }

    Job(Runnable runnable, V result, long delayNanos, long periodNanos) {
      super(runnable, result);
      this.period = periodNanos >= 0 ? boundedNanos(periodNanos) : -boundedNanos(-periodNanos);
      this.time = System.nanoTime() + boundedNanos(delayNanos);
    }

    void handOver() {
      handedOver = true;
      serial.execute(this);
    }

    @Override
    public boolean isPeriodic() {
      return period != 0;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(time - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      if (other == this) {
        return 0;
      }
      long difference = getDelay(TimeUnit.NANOSECONDS) - other.getDelay(TimeUnit.NANOSECONDS);
      return difference < 0 ? -1 : difference > 0 ? 1 : 0;
    }

    @Override
    public void run() {
      if (isDone()) {
        return;
      }
      if (isPeriodic() && shutdown) { // armed again just before the shutdown: it ends here
        cancel(false);
        return;
      }
      started = true;
      inRun = true;
      running.started();
      try {
        DaemonScheduler.runNamed(name, this::runOnce);
      } finally {
        inRun = false;
        // A shutdown that came while this ran skipped this job: whichever of the two sees the
        // other's write (shutdown, inRun; both volatile) ends it.
        if (isPeriodic() && shutdown && !isDone()) {
          cancel(false);
        }
        running.ended();
      }
    }

    private void runOnce() {
      if (!isPeriodic()) {
        super.run();
      } else if (runAndReset()) {
        if (shutdown) {
          cancel(false);
        } else {
          handedOver = false;
          time = period > 0 ? time + period : System.nanoTime() - period;
          arm(this);
        }
      }
    }

    @Override
    protected void setException(Throwable failure) {
      super.setException(failure);
      if (logFailure || isPeriodic()) {
        String message =
            "a task of " + name + " failed" + (isPeriodic() ? " and runs no more" : "") + ": ";
        if (failureLogged) {
          AgentLog.debug(message + failure);
        } else {
          failureLogged = true; // a task failing again and again must not fill the app's stderr
          AgentLog.warn(
              message + failure + " (said once for " + name + "; the next at debug level)");
        }
      }
    }

    @Override
    protected void done() {
      pending.remove(this);
      Future<?> handle;
      synchronized (this) {
        handle = timerHandle;
        timerHandle = null;
      }
      if (handle != null) {
        handle.cancel(false);
      }
      running.changed();
    }
  }
}
