package org.polarisagent.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values read out of the apps' output lines, such as {@code RESULT ok=12 failed=0}: the harness's
 * way of parsing what the sample and benchmark apps print.
 */
public final class LineValues {

  private LineValues() {}

  /** The first group of {@code pattern} in {@code text}, or {@code null}. */
  public static String group(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    return matcher.find() ? matcher.group(1) : null;
  }

  /**
   * The first group of {@code pattern} in {@code text} as a long.
   *
   * @throws HarnessFailure if {@code pattern} is not in {@code text}
   */
  public static long number(Pattern pattern, String text) {
    String value = group(pattern, text);
    if (value == null) {
      throw new HarnessFailure("no '" + pattern + "' in: " + text);
    }
    return Long.parseLong(value);
  }

  /** The value of {@code key=} in a line such as {@code RESULT calls=12 rps=3}, as a long. */
  public static long field(String line, String key) {
    return number(Pattern.compile("\\b" + Pattern.quote(key) + "=(-?\\d+)"), line);
  }
}
