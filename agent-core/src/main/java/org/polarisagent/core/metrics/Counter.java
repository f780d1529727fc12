package org.polarisagent.core.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** A counter metric: each series only goes up. Counting takes no lock. Thread-safe. */
public final class Counter extends MetricFamily<LongAdder> {

  Counter(String name, String help, int maxSeries, String... labelNames) {
    super(name, help, "counter", maxSeries, labelNames);
  }

  /** The count of these label values; keep it rather than look it up per event. */
  public LongAdder series(String... labelValues) {
    return labels(labelValues);
  }

  @Override
  LongAdder newSeries() {
    return new LongAdder();
  }

  @Override
  void writeSeries(ExpositionWriter out, List<String> labelValues, LongAdder series) {
    out.sample(name, labelNames, labelValues, null, null, series.sum());
  }
}
