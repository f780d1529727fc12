package org.polarisagent.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Measurements of one benchmark case, in milliseconds, and their order statistics. Not thread-safe:
 * filled by the runner's single thread.
 */
final class Samples {

  private final List<Double> values = new ArrayList<>();

  void add(double millis) {
    values.add(millis);
  }

  int count() {
    return values.size();
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  /** Median: the middle value, or the mean of the two middle values. */
  double median() {
    List<Double> sorted = sorted();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** 90th percentile, nearest rank. */
  double p90() {
    List<Double> sorted = sorted();
    int rank = (int) Math.ceil(0.9 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  double min() {
    return sorted().get(0);
  }

  double max() {
    List<Double> sorted = sorted();
    return sorted.get(sorted.size() - 1);
  }

  /** Every value in the order measured, e.g. {@code 41.2 39.8 ...}. */
  String raw() {
    StringBuilder text = new StringBuilder();
    for (double value : values) {
      text.append(text.length() == 0 ? "" : " ").append(format(value));
    }
    return text.toString();
  }

  static String format(double millis) {
    return millis >= 100
        ? String.format(Locale.ROOT, "%.0f", millis)
        : String.format(Locale.ROOT, "%.1f", millis);
  }

  private List<Double> sorted() {
    if (values.isEmpty()) {
      throw new IllegalStateException("no samples");
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted;
  }
}
