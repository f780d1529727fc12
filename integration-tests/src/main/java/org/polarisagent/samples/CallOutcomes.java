package org.polarisagent.samples;

import io.grpc.Status;
import java.io.PrintStream;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link EchoConsumer}'s calls did: counts, answering instances, distinct errors, latencies;
 * prints the FIRST line and writes the summary (RESULT, INSTANCE, ERROR, LATENCY lines).
 * Thread-safe.
 */
final class CallOutcomes {

  private static final int MAX_ERROR_LINES = 20;
  private static final int MAX_MESSAGE_LENGTH = 160;

  private final PrintStream out;

  final AtomicLong sent = new AtomicLong();
  final AtomicLong ok = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong replies = new AtomicLong();
  private final Map<String, AtomicLong> byInstance = new ConcurrentHashMap<>();

  /** One distinct failure: status code and (shortened) description. */
  private final Map<Map.Entry<Status.Code, String>, AtomicLong> byError = new ConcurrentHashMap<>();

  private final List<Long> latenciesNanos = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean firstPrinted = new AtomicBoolean();

  CallOutcomes(PrintStream out) {
    this.out = out;
  }

  long unfinished() {
    return sent.get() - ok.get() - failed.get();
  }

  /** Calls answered so far per instance, e.g. {@code p1:50,p2:48}, sorted by name. */
  String instanceCounts() {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(byInstance)
        .forEach(
            (name, count) ->
                text.append(text.length() == 0 ? "" : ",")
                    .append(name)
                    .append(':')
                    .append(count.get()));
    return text.toString();
  }

  /** Prints the FIRST line once, for the first call that completes. */
  void first(String outcome, long nanos) {
    if (firstPrinted.compareAndSet(false, true)) {
      out.println("FIRST " + outcome + " latencyus=" + nanos / 1000);
    }
  }

  void succeeded(String instance, long nanos) {
    first("code=OK instance=" + instance, nanos);
    latenciesNanos.add(nanos);
    byInstance.computeIfAbsent(instance, k -> new AtomicLong()).incrementAndGet();
    ok.incrementAndGet();
  }

  void failed(Status status, long nanos) {
    latenciesNanos.add(nanos);
    String message = String.valueOf(status.getDescription()).replaceAll("\\s+", " ");
    if (status.getCause() != null && status.getDescription() == null) {
      message = status.getCause().toString().replaceAll("\\s+", " ");
    }
    if (message.length() > MAX_MESSAGE_LENGTH) {
      message = message.substring(0, MAX_MESSAGE_LENGTH) + "...";
    }
    first("code=" + status.getCode() + " message=" + message, nanos);
    byError
        .computeIfAbsent(
            new AbstractMap.SimpleImmutableEntry<>(status.getCode(), message),
            k -> new AtomicLong())
        .incrementAndGet();
    failed.incrementAndGet();
  }

  private String latencyLine() {
    List<Long> sorted;
    synchronized (latenciesNanos) {
      sorted = new ArrayList<>(latenciesNanos);
    }
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return "LATENCY count=0";
    }
    return "LATENCY count="
        + sorted.size()
        + " p50us="
        + micros(sorted, 0.50)
        + " p90us="
        + micros(sorted, 0.90)
        + " p99us="
        + micros(sorted, 0.99)
        + " maxus="
        + sorted.get(sorted.size() - 1) / 1000;
  }

  private static long micros(List<Long> sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1000;
  }

  /** The summary lines, without a final line break. */
  String summary() {
    StringBuilder text = new StringBuilder();
    text.append("RESULT ok=")
        .append(ok.get())
        .append(" failed=")
        .append(failed.get())
        .append(" sent=")
        .append(sent.get())
        .append(" unfinished=")
        .append(unfinished())
        .append(" replies=")
        .append(replies.get())
        .append('\n');
    new TreeMap<>(byInstance)
        .forEach(
            (name, count) ->
                text.append("INSTANCE name=")
                    .append(name)
                    .append(" count=")
                    .append(count.get())
                    .append('\n'));
    List<Map.Entry<Map.Entry<Status.Code, String>, AtomicLong>> errors =
        new ArrayList<>(byError.entrySet());
    errors.sort((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()));
    for (int i = 0; i < errors.size(); i++) {
      if (i == MAX_ERROR_LINES) {
        text.append("ERROR more=").append(errors.size() - MAX_ERROR_LINES).append('\n');
        break;
      }
      Map.Entry<Status.Code, String> error = errors.get(i).getKey();
      text.append("ERROR code=")
          .append(error.getKey())
          .append(" count=")
          .append(errors.get(i).getValue().get())
          .append(" message=")
          .append(error.getValue())
          .append('\n');
    }
    text.append(latencyLine());
    return text.toString();
  }
}
