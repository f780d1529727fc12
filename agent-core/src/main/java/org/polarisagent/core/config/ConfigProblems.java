package org.polarisagent.core.config;

import java.util.Arrays;
import java.util.List;
import org.polarisagent.core.config.ConfigKey.OnInvalid;

/**
 * What the agent says, in one ERROR line each, about a configuration key it does not know (with the
 * key it probably meant) and a value it cannot use (what it expected, and what it does instead).
 */
final class ConfigProblems {

  /** Properties of the Polaris SDK itself, which the agent leaves to it. */
  private static final List<String> SDK_PROPERTIES =
      Arrays.asList("polaris.log.home", "polaris.logging.config");

  private ConfigProblems() {}

  static boolean isKnown(String name, List<ConfigKey<?>> keys) {
    if (SDK_PROPERTIES.contains(name)) {
      return true;
    }
    for (ConfigKey<?> key : keys) {
      if (key.name().equals(name)
          || (key.type() == ValueType.MAP
              && name.startsWith(key.name() + ".")
              && name.length() > key.name().length() + 1)) {
        return true;
      }
    }
    return false;
  }

  static String unknownKey(String name, List<ConfigKey<?>> keys) {
    String lastPart = name.substring(name.lastIndexOf('.') + 1);
    for (ConfigKey<?> key : keys) {
      if (key.name().endsWith("." + lastPart)) {
        return "unknown key " + name + " is ignored; did you mean " + key.name() + "?";
      }
    }
    return "unknown key " + name + " is ignored (all keys: docs/configuration.md)";
  }

  static String invalidValue(ConfigKey<?> key, String text) {
    String fallback =
        key.onInvalid() == OnInvalid.DISCONNECT
            ? "the agent will not contact Polaris"
            : "using the default '" + key.defaultText() + "'";
    return "invalid value '"
        + text
        + "' for "
        + key.name()
        + " ("
        + key.envName()
        + "): expected "
        + key.type().accepted()
        + "; "
        + fallback;
  }
}
