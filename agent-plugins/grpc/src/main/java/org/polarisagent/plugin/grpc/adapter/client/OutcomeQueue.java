package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.plugin.circuitbreaker.ResourceStat;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.sdk.SdkApis;

/**
 * Hands call outcomes to the SDK's circuit breaker off the calls' threads: a report costs the SDK
 * microseconds, so calls only queue theirs. One daemon thread per gRPC, started on the first
 * outcome and ending 10 s after the queue last emptied, serves every Polaris channel. When the
 * queue is full, outcomes are dropped rather than slowing calls: counted, and said once (WARN).
 * Whatever the SDK throws, the thread goes on.
 *
 * <p>A call's share is one lock-free enqueue: no lock, and no wake-up of the thread while outcomes
 * keep coming (after the queue empties it looks again every millisecond for {@value
 * #POLL_PHASE_MILLIS} ms, and only then sleeps until a call wakes it), so a busy client does not
 * pay a thread switch per call. Thread-safe.
 */
final class OutcomeQueue {

  private static final int CAPACITY = 8192;

  /** How long the thread stays after the queue emptied, before it ends. */
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** How often the thread looks at an empty queue while outcomes came recently. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** How long after the queue empties the thread keeps looking, before it sleeps. */
  private static final long POLL_PHASE_MILLIS = 20;

  private static final long POLL_PHASE_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_PHASE_MILLIS);

  /** Where the thread hands each outcome: the SDK's circuit breaker. */
  interface Sink {
    void report(ResourceStat stat, OutcomeReporter reporter);
  }

  private final Sink sink;
  private final ClassLoader agentLoader;
  private final ConcurrentLinkedQueue<Outcome> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();

  /**
   * The thread that drains the queue, started or about to be; null when none runs (it ended, idle
   * or failed).
   */
  private final AtomicReference<Thread> drainer = new AtomicReference<>();

  /** Set while the thread sleeps until a call wakes it; the call that clears it wakes it. */
  private final AtomicBoolean sleeping = new AtomicBoolean();

  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean failureLogged;

  /** Dropped outcomes as a metric; null when metrics are off. */
  private final LongAdder droppedMetric;

  OutcomeQueue(ClientSide client, ClassLoader agentLoader, LongAdder droppedMetric) {
    this(
        (stat, reporter) -> {
          SdkApis sdk = client.sdkIfReady();
          if (sdk != null) {
            sdk.circuitBreak().report(stat);
            reporter.reported(sdk, stat);
          }
        },
        agentLoader,
        droppedMetric);
  }

  /** With another sink than the SDK; for tests. */
  OutcomeQueue(Sink sink, ClassLoader agentLoader, LongAdder droppedMetric) {
    this.sink = sink;
    this.agentLoader = agentLoader;
    this.droppedMetric = droppedMetric;
  }

  /** Queues one outcome; {@code reporter} is told once the SDK has it. */
  void offer(ResourceStat stat, OutcomeReporter reporter) {
    if (size.incrementAndGet() <= CAPACITY) { // a soft bound, by the number of calls at once
      queue.offer(new Outcome(stat, reporter));
    } else {
      size.decrementAndGet();
      if (droppedMetric != null) {
        droppedMetric.increment();
      }
      long count = dropped.incrementAndGet();
      if (count == 1) {
        AgentLog.warn(
            "call outcomes arrive faster than the Polaris SDK takes them; the excess is dropped, so"
                + " circuit breaking sees fewer calls (said once; the count follows at debug level)");
      } else if (count % 10_000 == 0) {
        AgentLog.debug(count + " call outcomes dropped so far");
      }
    }
    Thread running = drainer.get();
    if (running == null) {
      Thread thread = DaemonScheduler.newThread(this::drain, "polaris-agent-outcomes", agentLoader);
      if (drainer.compareAndSet(null, thread)) {
        try {
          thread.start();
        } catch (Throwable t) { // no thread to be had: the next outcome tries again
          drainer.compareAndSet(thread, null);
        }
      }
    } else if (sleeping.get() && sleeping.compareAndSet(true, false)) {
      LockSupport.unpark(running);
    }
  }

  private void drain() {
    Thread self = Thread.currentThread();
    try {
      drainUntilIdle(self);
    } finally {
      drainer.compareAndSet(self, null); // after a failure too: the next outcome starts a thread
    }
  }

  private void drainUntilIdle(Thread self) {
    boolean empty = false;
    long emptySince = 0;
    while (true) {
      Outcome outcome = queue.poll();
      if (outcome != null) {
        size.decrementAndGet();
        empty = false;
        report(outcome);
        continue;
      }
      long now = System.nanoTime();
      if (!empty) {
        empty = true;
        emptySince = now;
      }
      long emptyFor = now - emptySince;
      if (emptyFor < POLL_PHASE_NANOS) {
        LockSupport.parkNanos(POLL_NANOS);
      } else if (emptyFor < IDLE_NANOS) {
        sleeping.set(true);
        if (queue.isEmpty()) { // after saying so: a call that enqueues now sees it and wakes us
          LockSupport.parkNanos(IDLE_NANOS - emptyFor);
        }
        sleeping.set(false);
      } else {
        // Idle: the thread ends, so that it keeps nothing alive (this gRPC's class loader,
        // through the channels' reporters); the next outcome starts a new one. An outcome
        // queued meanwhile either sees no thread and starts one, or is seen here.
        drainer.set(null);
        if (queue.isEmpty() || !drainer.compareAndSet(null, self)) {
          return;
        }
        empty = false;
      }
      // An interrupt (code run by a report may restore one) would end every park at once.
      Thread.interrupted();
    }
  }

  private void report(Outcome outcome) {
    try {
      sink.report(outcome.stat, outcome.reporter);
    } catch (Throwable t) {
      if (!failureLogged) {
        failureLogged = true;
        AgentLog.warn("cannot report call outcomes to Polaris (said once): " + t);
      }
    }
  }

  private static final class Outcome {
    final ResourceStat stat;
    final OutcomeReporter reporter;

    Outcome(ResourceStat stat, OutcomeReporter reporter) {
      this.stat = stat;
      this.reporter = reporter;
    }
  }
}
