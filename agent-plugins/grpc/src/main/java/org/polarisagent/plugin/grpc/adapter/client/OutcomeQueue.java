package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.plugin.circuitbreaker.ResourceStat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.sdk.SdkApis;

/**
 * Hands call outcomes to the SDK's circuit breaker off the calls' threads: a report costs the SDK
 * tens of microseconds, so calls only queue theirs. One daemon thread per gRPC, started on the
 * first outcome and ending after {@value #IDLE_SECONDS} s without one, serves every Polaris
 * channel. When the queue is full, outcomes are dropped rather than slowing calls: counted, and
 * said once (WARN). Whatever the SDK throws, the thread goes on. Thread-safe.
 */
final class OutcomeQueue {

  private static final int CAPACITY = 8192;

  /** How long the thread waits for an outcome before it ends. */
  private static final long IDLE_SECONDS = 10;

  private final ClientSide client;
  private final ClassLoader agentLoader;
  private final BlockingQueue<Outcome> queue = new ArrayBlockingQueue<>(CAPACITY);
  private volatile boolean started;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean failureLogged;

  /** Dropped outcomes as a metric; null when metrics are off. */
  private final LongAdder droppedMetric;

  OutcomeQueue(ClientSide client, ClassLoader agentLoader, LongAdder droppedMetric) {
    this.client = client;
    this.agentLoader = agentLoader;
    this.droppedMetric = droppedMetric;
  }

  /** Queues one outcome; {@code reporter} is told once the SDK has it. */
  void offer(ResourceStat stat, OutcomeReporter reporter) {
    if (!queue.offer(new Outcome(stat, reporter))) {
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
    if (!started) {
      start();
    }
  }

  private synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    DaemonScheduler.newThread(this::drain, "polaris-agent-outcomes", agentLoader).start();
  }

  private void drain() {
    while (true) {
      Outcome outcome;
      try {
        outcome = queue.poll(IDLE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        outcome = null;
      }
      if (outcome == null) {
        // Idle: the thread ends, so that it keeps nothing alive (this gRPC's class loader, through
        // the channels' reporters); the next outcome starts a new one.
        synchronized (this) {
          if (queue.isEmpty()) {
            started = false;
            return;
          }
        }
        continue;
      }
      SdkApis sdk = client.sdkIfReady();
      if (sdk == null) {
        continue;
      }
      try {
        sdk.circuitBreak().report(outcome.stat);
        outcome.reporter.reported(sdk, outcome.stat);
      } catch (Throwable t) {
        if (!failureLogged) {
          failureLogged = true;
          AgentLog.warn("cannot report call outcomes to Polaris (said once): " + t);
        }
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
