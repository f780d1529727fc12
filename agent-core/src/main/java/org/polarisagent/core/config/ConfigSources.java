package org.polarisagent.core.config;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Reads the sources of the agent's configuration into {@code key -> text} entries. Stateless. */
final class ConfigSources {

  private ConfigSources() {}

  /**
   * Agent arguments are {@code key=value} pairs separated by commas; a comma followed by something
   * other than {@code key=} belongs to the previous value, so {@code polaris.address=a:1,b:2}
   * works.
   */
  static Map<String, String> agentArgs(String agentArgs) {
    Map<String, String> entries = new LinkedHashMap<>();
    if (agentArgs == null || agentArgs.trim().isEmpty()) {
      return entries;
    }
    for (String pair : agentArgs.split(",(?=\\s*[A-Za-z0-9_.-]+=)")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        entries.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
      }
    }
    return entries;
  }

  /** The {@code polaris.*} entries of system properties or of a properties file. */
  static Map<String, String> polarisEntries(Properties properties) {
    Map<String, String> entries = new LinkedHashMap<>();
    for (String name : properties.stringPropertyNames()) {
      if (name.startsWith("polaris.")) {
        entries.put(name, properties.getProperty(name));
      }
    }
    return entries;
  }

  /** The keys set by environment variables, read by each key's exact variable name. */
  static Map<String, String> envEntries(Map<String, String> env, List<ConfigKey<?>> keys) {
    Map<String, String> entries = new LinkedHashMap<>();
    for (ConfigKey<?> key : keys) {
      String value = env.get(key.envName());
      if (value != null) {
        entries.put(key.name(), value);
      }
    }
    return entries;
  }

  /**
   * The {@code polaris.*} entries of the properties file {@code path}; none, with an error, if
   * unreadable.
   */
  static Map<String, String> file(String path, ConfigKey<String> fileKey, List<String> errors) {
    Map<String, String> entries = new LinkedHashMap<>();
    Properties properties = new Properties();
    try (InputStream in = new FileInputStream(expand(path))) {
      properties.load(in);
      entries.putAll(polarisEntries(properties));
    } catch (IOException e) {
      errors.add(
          "cannot read "
              + fileKey.name()
              + " '"
              + path
              + "': "
              + e.getMessage()
              + "; continuing without it");
    }
    return entries;
  }

  /** Expands {@code ${system.property}} references. */
  static String expand(String text) {
    StringBuilder out = new StringBuilder();
    int from = 0;
    int start;
    while ((start = text.indexOf("${", from)) >= 0) {
      int end = text.indexOf('}', start);
      if (end < 0) {
        break;
      }
      out.append(text, from, start);
      String name = text.substring(start + 2, end);
      out.append(System.getProperty(name, ""));
      from = end + 1;
    }
    return out.append(text.substring(from)).toString();
  }
}
