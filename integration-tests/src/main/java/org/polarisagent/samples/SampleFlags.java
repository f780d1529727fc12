package org.polarisagent.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --name=value} command line of a sample app. Unknown flags and malformed values are rejected with a
 * {@link IllegalArgumentException} whose message names the flag, so a typo in a test fails loudly instead of
 * silently running with a default. A flag given without {@code =value} means {@code true}. Flags listed as
 * repeatable may be given several times.
 *
 * <p>Immutable after parsing; thread-safe.
 */
final class SampleFlags {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final Map<String, List<String>> values;

    private SampleFlags(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * Parses {@code args}.
     *
     * @param known the accepted flag names (without {@code --})
     * @param repeatable the names among {@code known} that may be given more than once
     */
    static SampleFlags parse(String[] args, Set<String> known, Set<String> repeatable) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("expected --name=value, got '" + arg + "'; flags: " + known);
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
        return new SampleFlags(values);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String defaultValue) {
        List<String> list = values.get(name);
        return list == null ? defaultValue : list.get(0);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, Collections.emptyList());
    }

    int integer(String name, int defaultValue) {
        String value = string(name, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + "=" + value + " is not an integer");
        }
    }

    double number(String name, double defaultValue) {
        String value = string(name, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + "=" + value + " is not a number");
        }
    }

    boolean bool(String name, boolean defaultValue) {
        String value = string(name, null);
        if (value == null) {
            return defaultValue;
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException("--" + name + "=" + value + " is not true or false");
    }

    /** A duration such as {@code 250ms}, {@code 2s}, {@code 5m} or {@code 1h}; {@code null} default allowed. */
    Duration duration(String name, Duration defaultValue) {
        String value = string(name, null);
        return value == null ? defaultValue : parseDuration(name, value);
    }

    static Duration parseDuration(String name, String value) {
        Matcher matcher = DURATION.matcher(value.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("--" + name + "=" + value + " is not a duration like 500ms, 2s, 5m, 1h");
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
