package org.polarisagent.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --name=value} command line of a sample app, a benchmark or the demo. Unknown flags and
 * malformed values are rejected with a {@link IllegalArgumentException} whose message names the
 * flag, so a typo in a test fails loudly instead of silently running with a default. A flag given
 * without {@code =value} means {@code true}. Flags listed as repeatable may be given several times.
 *
 * <p>Immutable after parsing; thread-safe.
 */
public final class Flags {

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final Map<String, List<String>> values;

  private Flags(Map<String, List<String>> values) {
    this.values = values;
  }

  /**
   * Parses {@code args}.
   *
   * @param known the accepted flag names (without {@code --})
   * @param repeatable the names among {@code known} that may be given more than once
   */
  public static Flags parse(String[] args, Set<String> known, Set<String> repeatable) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException(
            "expected --name=value, got '" + arg + "'; flags: " + known);
      }
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
      String value = equals < 0 ? "true" : arg.substring(equals + 1);
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + "; flags: " + known);
      }
      List<String> list = values.computeIfAbsent(name, n -> new ArrayList<>());
      if (!list.isEmpty() && !repeatable.contains(name)) {
        throw new IllegalArgumentException("flag --" + name + " given twice");
      }
      list.add(value);
    }
    return new Flags(values);
  }

  /**
   * The {@code main} of a program: parses {@code args}, or prints {@code <Program>: <what is
   * wrong>} on stderr and exits with code 2.
   */
  public static Flags parseOrExit(
      Class<?> program, String[] args, Set<String> known, Set<String> repeatable) {
    try {
      return parse(args, known, repeatable);
    } catch (IllegalArgumentException e) {
      System.err.println(program.getSimpleName() + ": " + e.getMessage());
      System.exit(2);
      throw e;
    }
  }

  /** Parses {@code args}; no flag may be given twice. */
  public static Flags parse(String[] args, Set<String> known) {
    return parse(args, known, Set.of());
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public String string(String name, String defaultValue) {
    List<String> list = values.get(name);
    return list == null ? defaultValue : list.get(0);
  }

  public List<String> all(String name) {
    return values.getOrDefault(name, Collections.emptyList());
  }

  /**
   * @throws IllegalArgumentException if the flag is missing or empty
   */
  public String required(String name) {
    String value = string(name, null);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  public int integer(String name, int defaultValue) {
    return parsed(name, defaultValue, Integer::parseInt, "an integer");
  }

  /** The flag as an integer of at least 1, or {@code defaultValue} when absent. */
  public int positive(String name, int defaultValue) {
    int value = integer(name, defaultValue);
    if (value < 1) {
      throw new IllegalArgumentException("--" + name + " must be at least 1");
    }
    return value;
  }

  public double number(String name, double defaultValue) {
    return parsed(name, defaultValue, Double::parseDouble, "a number");
  }

  /** The flag's trimmed value parsed, or {@code defaultValue} when absent. */
  private <T> T parsed(
      String name, T defaultValue, Function<String, T> parse, String whatItMustBe) {
    String value = string(name, null);
    if (value == null) {
      return defaultValue;
    }
    try {
      return parse.apply(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + "=" + value + " is not " + whatItMustBe);
    }
  }

  public boolean bool(String name, boolean defaultValue) {
    String value = string(name, null);
    if (value == null) {
      return defaultValue;
    }
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new IllegalArgumentException("--" + name + "=" + value + " is not true or false");
  }

  /**
   * A duration such as {@code 250ms}, {@code 2s}, {@code 5m} or {@code 1h}; {@code null} default
   * allowed.
   */
  public Duration duration(String name, Duration defaultValue) {
    String value = string(name, null);
    return value == null ? defaultValue : parseDuration(name, value);
  }

  public static Duration parseDuration(String name, String value) {
    Matcher matcher = DURATION.matcher(value.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "--" + name + "=" + value + " is not a duration like 500ms, 2s, 5m, 1h");
    }
    long amount = Long.parseLong(matcher.group(1));
    switch (matcher.group(2)) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      default:
        return Duration.ofHours(amount);
    }
  }
}
