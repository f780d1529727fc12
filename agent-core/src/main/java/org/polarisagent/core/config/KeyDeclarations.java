package org.polarisagent.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.polarisagent.core.config.ConfigKey.OnInvalid;

/**
 * How {@link AgentConfig} declares its keys, and the list of them in declaration order (which the
 * configuration reference follows). Used only while {@link AgentConfig} initializes.
 */
final class KeyDeclarations {

  private static final List<ConfigKey<?>> KEYS = new ArrayList<>();

  private KeyDeclarations() {}

  /** A true/false key. */
  static ConfigKey<Boolean> flag(String name, boolean defaultValue, String description) {
    return key(name, String.valueOf(defaultValue), ValueType.BOOLEAN, description);
  }

  /** A free-text key, empty by default. */
  static ConfigKey<String> text(String name, String description) {
    return key(name, "", ValueType.STRING, description);
  }

  /**
   * A key of {@code name=value} entries, none by default; also set entry by entry as {@code
   * <key>.<name>}.
   */
  static ConfigKey<Map<String, String>> entries(String name, String description) {
    return key(name, "", ValueType.MAP, description);
  }

  static <T> ConfigKey<T> key(
      String name, String defaultText, ValueType<T> type, String description) {
    return key(name, defaultText, type, OnInvalid.USE_DEFAULT, description);
  }

  static <T> ConfigKey<T> key(
      String name, String defaultText, ValueType<T> type, OnInvalid onInvalid, String description) {
    ConfigKey<T> key = new ConfigKey<>(name, defaultText, description, type, onInvalid);
    KEYS.add(key);
    return key;
  }

  /** Every declared key, in declaration order. */
  static List<ConfigKey<?>> all() {
    return Collections.unmodifiableList(KEYS);
  }
}
