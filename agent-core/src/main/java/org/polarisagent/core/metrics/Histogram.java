package org.polarisagent.core.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of durations in seconds over fixed buckets, from 1 ms to 10 s. Observing takes no
 * lock: one adder per bucket, one for the sum. Thread-safe.
 */
public final class Histogram extends MetricFamily<Histogram.Series> {

  /** Upper bounds of the buckets in seconds; +Inf follows. */
  static final double[] BOUNDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private static final long[] BOUND_NANOS = new long[BOUNDS.length];

  /**
   * The bounds as {@code le} values: always with a fraction ({@code 1.0}, not {@code 1}), the form
   * Prometheus normalises them to, so series keep one name across versions.
   */
  private static final String[] LE = new String[BOUNDS.length];

  static {
    for (int i = 0; i < BOUNDS.length; i++) {
      BOUND_NANOS[i] = (long) (BOUNDS[i] * 1e9);
      LE[i] = Double.toString(BOUNDS[i]);
    }
  }

  Histogram(String name, String help, int maxSeries, String... labelNames) {
    super(name, help, "histogram", maxSeries, labelNames);
  }

  /** The series of these label values; keep it rather than look it up per observation. */
  public Series series(String... labelValues) {
    return labels(labelValues);
  }

  @Override
  Series newSeries() {
    return new Series();
  }

  @Override
  void writeSeries(ExpositionWriter out, List<String> labelValues, Series series) {
    long cumulative = 0;
    for (int i = 0; i <= BOUNDS.length; i++) {
      cumulative += series.buckets[i].sum();
      String le = i < BOUNDS.length ? LE[i] : "+Inf";
      out.sample(name + "_bucket", labelNames, labelValues, "le", le, cumulative);
    }
    out.sample(name + "_sum", labelNames, labelValues, series.sumNanos.sum() / 1e9);
    // The count is the +Inf bucket: the same adders, so a scrape never shows them disagree.
    out.sample(name + "_count", labelNames, labelValues, null, null, cumulative);
  }

  /** The buckets of one set of label values. */
  public static final class Series {
    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    Series() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    /** Counts one duration. */
    public void observeNanos(long nanos) {
      int i = 0;
      while (i < BOUND_NANOS.length && nanos > BOUND_NANOS[i]) {
        i++;
      }
      buckets[i].increment();
      sumNanos.add(nanos);
    }
  }
}
