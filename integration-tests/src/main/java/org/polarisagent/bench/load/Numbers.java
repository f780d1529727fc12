package org.polarisagent.bench.load;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Medians and the number formats of the system benchmark's report. Stateless. */
final class Numbers {

  private Numbers() {}

  static Map<String, Long> medians(List<Map<String, Long>> runs) {
    Map<String, Long> medians = new HashMap<>();
    for (String key : runs.get(0).keySet()) {
      medians.put(key, median(runs.stream().map(r -> r.get(key)).toList()));
    }
    return medians;
  }

  static String range(List<Map<String, Long>> runs, String key) {
    return runs.stream().mapToLong(r -> r.get(key)).min().orElse(0)
        + "–"
        + runs.stream().mapToLong(r -> r.get(key)).max().orElse(0);
  }

  static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String millisList(List<Long> micros) {
    return micros.stream().map(m -> String.valueOf(m / 1000)).collect(Collectors.joining(", "));
  }

  static String ratio(double value) {
    return String.format(Locale.ROOT, "%.3f×", value);
  }

  static String str(long value) {
    return String.valueOf(value);
  }

  static String micros(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
  }

  static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
  }

  static String mb(long kb) {
    return String.format(Locale.ROOT, "%.1f", kb / 1024.0);
  }
}
