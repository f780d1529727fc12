package org.polarisagent.core.metrics;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counting of calls to one instance and method: a count per gRPC status code and the latency
 * histogram of the method. Made when a channel first picks that instance for that method, so a call
 * only adds to adders. Thread-safe.
 */
public final class CallSeries {

  /** gRPC's status codes are 0 to 16. */
  private static final int CODES = 17;

  private final Counter calls;
  private final Histogram.Series latency;
  private final AgentMetrics.InstanceHold hold;
  private final String namespace;
  private final String service;
  private final String instance;
  private final String method;
  private final AtomicReferenceArray<LongAdder> byCode = new AtomicReferenceArray<>(CODES);

  CallSeries(
      Counter calls,
      Histogram.Series latency,
      AgentMetrics.InstanceHold hold,
      String namespace,
      String service,
      String instance,
      String method) {
    this.calls = calls;
    this.latency = latency;
    this.hold = hold;
    this.namespace = namespace;
    this.service = service;
    this.instance = instance;
    this.method = method;
  }

  /** Counts calls nobody sees: those ending on an instance whose series are gone. */
  private static final LongAdder RELEASED = new LongAdder();

  /**
   * Counts one call that ended with a status code (its number and name) after {@code nanos}; a
   * negative duration counts no latency (calls that failed before reaching an instance).
   */
  public void ended(int code, String codeName, long nanos) {
    LongAdder count = code >= 0 && code < CODES ? byCode.get(code) : null;
    if (count == null && hold != null && hold.released) {
      count = RELEASED; // the instance's series are gone: do not make them again
    } else if (count == null) {
      count = calls.series(namespace, service, instance, method, codeName);
      if (code >= 0 && code < CODES) {
        byCode.set(code, count);
      }
    }
    count.increment();
    if (nanos >= 0) {
      latency.observeNanos(nanos);
    }
  }
}
