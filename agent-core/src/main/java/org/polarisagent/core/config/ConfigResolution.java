package org.polarisagent.core.config;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.polarisagent.core.config.ConfigKey.OnInvalid;

/**
 * Turns the configuration's sources into an {@link AgentConfig}: for each key, the text of the
 * source of highest precedence (agent arguments, system properties, environment variables, the file
 * named by {@code polaris.config.file}), parsed by the key's type; an invalid text becomes one
 * error and the key's default, and unknown {@code polaris.*} names become one error each.
 * Stateless.
 */
final class ConfigResolution {

  /** Where environment variables sit among the sources: they are read by exact name only. */
  private static final int ENV_SOURCE = 2;

  private ConfigResolution() {}

  static AgentConfig resolve(
      String agentArgs,
      Properties systemProperties,
      Map<String, String> env,
      List<ConfigKey<?>> keys) {
    List<Map<String, String>> sources = new ArrayList<>();
    sources.add(ConfigSources.agentArgs(agentArgs));
    sources.add(ConfigSources.polarisEntries(systemProperties));
    sources.add(ConfigSources.envEntries(env, keys));
    List<String> errors = new ArrayList<>();
    String configFile = firstText(sources, AgentConfig.CONFIG_FILE);
    if (configFile != null && !configFile.isEmpty()) {
      sources.add(ConfigSources.file(configFile, AgentConfig.CONFIG_FILE, errors));
    }
    for (int i = 0; i < sources.size(); i++) {
      if (i != ENV_SOURCE) {
        for (String name : sources.get(i).keySet()) {
          if (!ConfigProblems.isKnown(name, keys)) {
            errors.add(ConfigProblems.unknownKey(name, keys));
          }
        }
      }
    }
    Map<ConfigKey<?>, Object> values = new IdentityHashMap<>();
    boolean disconnected = false;
    for (ConfigKey<?> key : keys) {
      String text = firstText(sources, key);
      Object value = null;
      if (text != null) {
        try {
          value = key.type().parse(text.trim());
        } catch (RuntimeException invalid) {
          errors.add(ConfigProblems.invalidValue(key, text));
          disconnected |= key.onInvalid() == OnInvalid.DISCONNECT;
        }
      }
      if (value == null) {
        value = key.type().parse(ConfigSources.expand(key.defaultText()));
      }
      values.put(key, value);
    }
    return new AgentConfig(values, sources, errors, disconnected);
  }

  private static String firstText(List<Map<String, String>> sources, ConfigKey<?> key) {
    for (Map<String, String> source : sources) {
      String text = source.get(key.name());
      if (text != null) {
        return text;
      }
    }
    return null;
  }
}
