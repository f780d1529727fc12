package org.polarisagent.core.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A gauge metric: each series holds the value last set. Thread-safe. */
public final class Gauge extends MetricFamily<AtomicLong> {

  Gauge(String name, String help, int maxSeries, String... labelNames) {
    super(name, help, "gauge", maxSeries, labelNames);
  }

  /** Sets the series of these label values. */
  public void set(long value, String... labelValues) {
    labels(labelValues).set(value);
  }

  @Override
  AtomicLong newSeries() {
    return new AtomicLong();
  }

  @Override
  void writeSeries(ExpositionWriter out, List<String> labelValues, AtomicLong series) {
    out.sample(name, labelNames, labelValues, null, null, series.get());
  }
}
