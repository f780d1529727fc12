package org.polarisagent.core.config;

import java.util.Locale;

/**
 * One configuration key: its name, the environment variable that also sets it, its default, what it
 * means, and how its text is parsed. Immutable.
 *
 * @param <T> the parsed type
 */
public final class ConfigKey<T> {

  /** What the agent does when the value of a key cannot be parsed. */
  public enum OnInvalid {
    /** Log one ERROR line and use the default. */
    USE_DEFAULT,
    /**
     * Log one ERROR line and keep the agent away from Polaris: no registration, Polaris channels
     * fail fast.
     */
    DISCONNECT
  }

  private final String name;
  private final String defaultText;
  private final String description;
  private final ValueType<T> type;
  private final OnInvalid onInvalid;

  ConfigKey(
      String name, String defaultText, String description, ValueType<T> type, OnInvalid onInvalid) {
    this.name = name;
    this.defaultText = defaultText;
    this.description = description;
    this.type = type;
    this.onInvalid = onInvalid;
  }

  public String name() {
    return name;
  }

  /** The environment variable: the name upper-cased with dots and dashes turned to underscores. */
  public String envName() {
    return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public String defaultText() {
    return defaultText;
  }

  public String description() {
    return description;
  }

  public ValueType<T> type() {
    return type;
  }

  public OnInvalid onInvalid() {
    return onInvalid;
  }

  @Override
  public String toString() {
    return name;
  }
}
