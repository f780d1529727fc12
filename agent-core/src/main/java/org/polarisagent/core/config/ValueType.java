package org.polarisagent.core.config;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * How the text of a configuration value becomes a typed value, and how the accepted forms are
 * described in errors and in the reference table. Immutable.
 *
 * @param <T> the parsed type
 */
public abstract class ValueType<T> {

  private final String accepted;

  private ValueType(String accepted) {
    this.accepted = accepted;
  }

  /** The accepted forms, for error messages and the reference table. */
  public final String accepted() {
    return accepted;
  }

  /**
   * Parses trimmed text; throws {@link IllegalArgumentException} when it is not one of the accepted
   * forms.
   */
  public abstract T parse(String text);

  public static final ValueType<String> STRING =
      new ValueType<String>("text") {
        @Override
        public String parse(String text) {
          return text;
        }
      };

  public static final ValueType<Boolean> BOOLEAN =
      new ValueType<Boolean>("true or false") {
        @Override
        public Boolean parse(String text) {
          if ("true".equalsIgnoreCase(text)) {
            return Boolean.TRUE;
          }
          if ("false".equalsIgnoreCase(text)) {
            return Boolean.FALSE;
          }
          throw new IllegalArgumentException();
        }
      };

  /** Comma-separated, blanks dropped. */
  public static final ValueType<List<String>> LIST =
      new ValueType<List<String>>("comma-separated list") {
        @Override
        public List<String> parse(String text) {
          return splitList(text);
        }
      };

  /**
   * Durations in milliseconds: {@code 500ms}, {@code 5s}, {@code 2m}; a bare number is
   * milliseconds.
   */
  public static final ValueType<Long> DURATION_MILLIS =
      new ValueType<Long>(
          "a duration >= 0 such as 500ms, 5s or 2m (a bare number is milliseconds)") {
        @Override
        public Long parse(String text) {
          String lower = text.toLowerCase(Locale.ROOT);
          int digits = 0;
          while (digits < lower.length() && isAsciiDigit(lower.charAt(digits))) {
            digits++;
          }
          if (digits == 0) {
            throw new IllegalArgumentException();
          }
          long amount = Long.parseLong(lower.substring(0, digits));
          int unitStart = digits;
          while (unitStart < lower.length()
              && " \t\n\u000b\f\r".indexOf(lower.charAt(unitStart)) >= 0) {
            unitStart++;
          }
          String unit = lower.substring(unitStart);
          if (unit.isEmpty() || unit.equals("ms")) {
            return amount;
          }
          if (unit.equals("s")) {
            return TimeUnit.SECONDS.toMillis(amount);
          }
          if (unit.equals("m")) {
            return TimeUnit.MINUTES.toMillis(amount);
          }
          throw new IllegalArgumentException();
        }
      };

  /** Key=value pairs separated by commas. */
  public static final ValueType<Map<String, String>> MAP =
      new ValueType<Map<String, String>>("comma-separated key=value pairs") {
        @Override
        public Map<String, String> parse(String text) {
          Map<String, String> map = new LinkedHashMap<>();
          for (String pair : splitList(text)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
              throw new IllegalArgumentException();
            }
            map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
          }
          return Collections.unmodifiableMap(map);
        }
      };

  /**
   * A gRPC ASCII request header name: lower-case letters, digits, {@code -}, {@code _} and {@code
   * .}, not ending in {@code -bin} (binary headers) and not a pseudo-header; empty means none.
   * Parsed lower-case, as gRPC compares header names.
   */
  public static final ValueType<String> HEADER_NAME =
      new ValueType<String>(
          "empty, or a header name of lower-case letters, digits, '-', '_' and '.' that does"
              + " not end in -bin") {
        @Override
        public String parse(String text) {
          String name = text.toLowerCase(Locale.ROOT);
          if (!name.isEmpty() && (!onlyOf(name, false, "_.-") || name.endsWith("-bin"))) {
            throw new IllegalArgumentException();
          }
          return name;
        }
      };

  /**
   * Comma-separated {@link #HEADER_NAME}s (none empty), none of them reserved by gRPC ({@code
   * grpc-} prefix); parsed lower-case.
   */
  /** The headers the agent puts the caller's identity in; never propagated from another call. */
  private static final List<String> CALLER_HEADERS =
      java.util.Arrays.asList(
          "x-polaris-caller-service",
          "x-polaris-caller-namespace",
          "polaris.request.caller.service",
          "polaris.request.caller.namespace");

  public static final ValueType<List<String>> HEADER_NAMES =
      listOf(
          "empty, or comma-separated header names of lower-case letters, digits, '-', '_' and '.',"
              + " none ending in -bin, starting with grpc- or naming the caller (the agent sets those)",
          0,
          new UnaryOperator<String>() {
            @Override
            public String apply(String item) {
              String name = HEADER_NAME.parse(item);
              if (name.startsWith("grpc-") || CALLER_HEADERS.contains(name)) {
                throw new IllegalArgumentException();
              }
              return name;
            }
          });

  private static final List<String> STATUS_CODE_NAMES =
      java.util.Arrays.asList(
          "OK",
          "CANCELLED",
          "UNKNOWN",
          "INVALID_ARGUMENT",
          "DEADLINE_EXCEEDED",
          "NOT_FOUND",
          "ALREADY_EXISTS",
          "PERMISSION_DENIED",
          "RESOURCE_EXHAUSTED",
          "FAILED_PRECONDITION",
          "ABORTED",
          "OUT_OF_RANGE",
          "UNIMPLEMENTED",
          "INTERNAL",
          "UNAVAILABLE",
          "DATA_LOSS",
          "UNAUTHENTICATED");

  /** Comma-separated gRPC status code names, case-insensitive; parsed to their upper-case names. */
  public static final ValueType<List<String>> STATUS_CODES =
      listOf(
          "comma-separated gRPC status code names such as UNAVAILABLE, DEADLINE_EXCEEDED",
          0,
          new UnaryOperator<String>() {
            @Override
            public String apply(String item) {
              String code = item.toUpperCase(Locale.ROOT);
              if (!STATUS_CODE_NAMES.contains(code)) {
                throw new IllegalArgumentException();
              }
              return code;
            }
          });

  /**
   * A Polaris namespace or service name: letters, digits, {@code _ . : / -}; empty if {@code
   * optional}.
   */
  public static ValueType<String> polarisName(final boolean optional) {
    return new ValueType<String>(
        (optional ? "empty, or a" : "a")
            + " name of letters, digits, '_', '.', ':', '/'"
            + " and '-' (at most 128)") {
      @Override
      public String parse(String text) {
        if ((text.isEmpty() && !optional)
            || (!text.isEmpty() && (text.length() > 128 || !onlyOf(text, true, "_.:/-")))) {
          throw new IllegalArgumentException();
        }
        return text;
      }
    };
  }

  /** Empty, or the path of a readable regular file. */
  public static final ValueType<String> READABLE_FILE =
      new ValueType<String>("empty, or the path of a readable file") {
        @Override
        public String parse(String text) {
          File file = new File(text);
          if (!text.isEmpty() && !(file.isFile() && file.canRead())) {
            throw new IllegalArgumentException();
          }
          return text;
        }
      };

  /** Integers in {@code [min, max]}. */
  public static ValueType<Integer> intRange(final int min, final int max) {
    return new ValueType<Integer>("an integer from " + min + " to " + max) {
      @Override
      public Integer parse(String text) {
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
          throw new IllegalArgumentException();
        }
        return value;
      }
    };
  }

  /** A TCP port, 0 to 65535, or empty for none; parsed to -1 when empty. */
  public static final ValueType<Integer> OPTIONAL_PORT =
      new ValueType<Integer>("empty or an integer from 0 to 65535") {
        @Override
        public Integer parse(String text) {
          return text.isEmpty() ? -1 : intRange(0, 65535).parse(text);
        }
      };

  /** One of the given words, case-insensitive; parsed to its lower-case form. */
  public static ValueType<String> oneOf(final String... words) {
    return new ValueType<String>("one of " + String.join(", ", words)) {
      @Override
      public String parse(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (String word : words) {
          if (word.equals(lower)) {
            return word;
          }
        }
        throw new IllegalArgumentException();
      }
    };
  }

  /**
   * Polaris server addresses: comma-separated {@code host:port}, each optionally prefixed by {@code
   * grpc://}; parsed to {@code host:port} strings.
   */
  public static final ValueType<List<String>> ADDRESSES =
      listOf(
          "comma-separated host:port, each optionally prefixed by grpc://",
          1,
          new UnaryOperator<String>() {
            @Override
            public String apply(String item) {
              String address =
                  item.startsWith("grpc://") ? item.substring("grpc://".length()) : item;
              int colon = address.lastIndexOf(':');
              if (colon <= 0 || address.contains("/")) {
                throw new IllegalArgumentException();
              }
              int port = Integer.parseInt(address.substring(colon + 1));
              if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException();
              }
              return address;
            }
          });

  /**
   * Comma-separated items, blanks dropped, at least {@code minItems} of them; each is parsed by
   * {@code item}, which throws {@link IllegalArgumentException} for an invalid one.
   */
  private static ValueType<List<String>> listOf(
      String accepted, final int minItems, final UnaryOperator<String> item) {
    return new ValueType<List<String>>(accepted) {
      @Override
      public List<String> parse(String text) {
        List<String> parsed = new ArrayList<>();
        for (String each : splitList(text)) {
          parsed.add(item.apply(each));
        }
        if (parsed.size() < minItems) {
          throw new IllegalArgumentException();
        }
        return Collections.unmodifiableList(parsed);
      }
    };
  }

  /**
   * Whether the text has only ASCII digits, lower-case letters (upper-case too if {@code
   * upperCase}) and the given punctuation. Plain character checks: the configuration is read in
   * premain, where compiling a regular expression costs more than the whole check.
   */
  private static boolean onlyOf(String text, boolean upperCase, String punctuation) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean allowed =
          isAsciiDigit(c)
              || (c >= 'a' && c <= 'z')
              || (upperCase && c >= 'A' && c <= 'Z')
              || punctuation.indexOf(c) >= 0;
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static List<String> splitList(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      String trimmed = item.trim();
      if (!trimmed.isEmpty()) {
        items.add(trimmed);
      }
    }
    return Collections.unmodifiableList(items);
  }
}
