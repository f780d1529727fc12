package org.polarisagent.core.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.polarisagent.core.logging.AgentLog;

/**
 * One metric and its series, one per distinct set of label values, up to a cap: past it, further
 * label sets keep their first labels (namespace and service; all but the last if the metric has two
 * or fewer) and count under {@value #OVERFLOW} for the others, so per-service totals stay right
 * (one WARN line per metric says so). Series are looked up when the agent wires a channel, server
 * or resource, never per call; series removed make room for others. Thread-safe.
 *
 * @param <S> the type of one series
 */
abstract class MetricFamily<S> {

  /** The label value of the series that collects label sets past the cap. */
  static final String OVERFLOW = "_overflow_";

  final String name;
  final String help;
  final String type;
  final String[] labelNames;
  private final int maxSeries;
  private final int keptLabels;
  private final Map<List<String>, S> series = new ConcurrentHashMap<>();
  private final Map<List<String>, S> overflow = new ConcurrentHashMap<>();
  private volatile boolean overflowLogged;

  MetricFamily(String name, String help, String type, int maxSeries, String... labelNames) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.maxSeries = maxSeries;
    this.labelNames = labelNames;
    this.keptLabels = Math.max(0, Math.min(KEPT_LABELS, labelNames.length - 1));
  }

  /** Labels an overflow series keeps: namespace and service. */
  private static final int KEPT_LABELS = 2;

  /** The series of these label values (as many as the metric has labels), made on first use. */
  final S labels(String... values) {
    if (values.length != labelNames.length) {
      throw new IllegalArgumentException(name + " takes " + labelNames.length + " labels");
    }
    List<String> key = Arrays.asList(values.clone());
    S existing = series.get(key);
    if (existing != null) {
      return existing;
    }
    if (series.size() >= maxSeries) {
      if (!overflowLogged) {
        overflowLogged = true;
        AgentLog.warn(
            "metric "
                + name
                + " has reached "
                + maxSeries
                + " series (polaris.metrics.max-series); further label sets are counted under "
                + OVERFLOW);
      }
      return overflowSeries(values);
    }
    return series.computeIfAbsent(key, k -> newSeries());
  }

  /** The overflow series of these label values: made once, then found without a lock. */
  private S overflowSeries(String[] values) {
    String[] labels = new String[values.length];
    Arrays.fill(labels, OVERFLOW);
    System.arraycopy(values, 0, labels, 0, keptLabels);
    List<String> key = Arrays.asList(labels);
    S existing = overflow.get(key);
    return existing != null ? existing : overflow.computeIfAbsent(key, k -> newSeries());
  }

  /** Removes the series whose label values match (overflow series stay). */
  final void remove(Predicate<List<String>> matching) {
    series.keySet().removeIf(matching);
  }

  abstract S newSeries();

  /** Appends the metric's samples in the text exposition format. */
  final void write(ExpositionWriter out) {
    out.header(name, help, type);
    for (Map.Entry<List<String>, S> entry : series.entrySet()) {
      writeSeries(out, entry.getKey(), entry.getValue());
    }
    for (Map.Entry<List<String>, S> entry : overflow.entrySet()) {
      writeSeries(out, entry.getKey(), entry.getValue());
    }
  }

  abstract void writeSeries(ExpositionWriter out, List<String> labelValues, S series);
}
