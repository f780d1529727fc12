package org.polarisagent.core.metrics;

import java.util.List;

/**
 * Writes metrics in the Prometheus text exposition format, version 0.0.4: a {@code # HELP} and a
 * {@code # TYPE} line per metric, then one line per sample, {@code name{label="value",...} value}.
 * Label values escape backslash, double quote and line feed; help text backslash and line feed. Not
 * thread-safe: one per scrape.
 */
final class ExpositionWriter {

  /** The content type of the format. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final StringBuilder out = new StringBuilder(4096);

  void header(String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ');
    escape(help, false);
    out.append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  void sample(
      String name,
      String[] labelNames,
      List<String> labelValues,
      String extraName,
      String extraValue,
      long value) {
    labels(name, labelNames, labelValues, extraName, extraValue);
    out.append(value).append('\n');
  }

  void sample(String name, String[] labelNames, List<String> labelValues, double value) {
    labels(name, labelNames, labelValues, null, null);
    out.append(number(value)).append('\n');
  }

  private void labels(
      String name,
      String[] labelNames,
      List<String> labelValues,
      String extraName,
      String extraValue) {
    out.append(name);
    if (labelNames.length > 0 || extraName != null) {
      out.append('{');
      for (int i = 0; i < labelNames.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        label(labelNames[i], labelValues.get(i));
      }
      if (extraName != null) {
        if (labelNames.length > 0) {
          out.append(',');
        }
        label(extraName, extraValue);
      }
      out.append('}');
    }
    out.append(' ');
  }

  private void label(String name, String value) {
    out.append(name).append("=\"");
    escape(value == null ? "" : value, true);
    out.append('"');
  }

  private void escape(String text, boolean quote) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '"' && quote) {
        out.append("\\\"");
      } else {
        out.append(c);
      }
    }
  }

  /** A number as the format writes it: integers without a fraction, others in Java's notation. */
  static String number(double value) {
    if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  String text() {
    return out.toString();
  }
}
